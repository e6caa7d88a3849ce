/**
 * What the server watches about the commands it runs: the slow log, the
 * latency monitor and the MONITOR feed, fed from the dispatcher (MONITOR),
 * from coordinators (src/coordination/calls.ts) and from shards' `slow`
 * events (a shard command that took long enough). Nothing here costs a
 * command anything while unused: the dispatcher checks one count, shards
 * send an event only past a threshold.
 */
import type { Config } from '../config/config';
import type { TaskCounts } from '../stats';
import type { Connection } from '../connection';
import { SlowLog } from './slowlog';
import { LatencyMonitor } from './latency';
import { MonitorFeed } from './monitor';
import { redisMeta } from '../core/commands/redis-meta';

export class Monitoring {
  readonly slowlog: SlowLog;
  readonly latency: LatencyMonitor;
  readonly monitors: MonitorFeed;

  constructor(private readonly config: Config, tasks: TaskCounts) {
    this.slowlog = new SlowLog(() => config.getNumber('slowlog-max-len'));
    this.latency = new LatencyMonitor(() => config.getNumber('latency-monitor-threshold'));
    this.monitors = new MonitorFeed(tasks);
  }

  /** The least time (µs) worth passing to commandTimed: the lower of the two thresholds, Infinity when both are off. */
  reportMicros(): number {
    const slow = this.config.getNumber('slowlog-log-slower-than');
    const lat = this.config.getNumber('latency-monitor-threshold');
    return Math.min(slow >= 0 ? slow : Infinity, lat > 0 ? lat * 1000 : Infinity);
  }

  /**
   * A command took `micros` to run: into the slow log past
   * slowlog-log-slower-than (unless flagged skip_slowlog), into the latency
   * monitor's "command" or "fast-command" event past its threshold.
   * `args` are already cut to the slow log's limits.
   */
  commandTimed(conn: Connection | undefined, fullName: string, args: readonly string[], micros: number, atMs: number): void {
    const flags = commandFlags(fullName);
    const slower = this.config.getNumber('slowlog-log-slower-than');
    if (slower >= 0 && micros >= slower && !flags.includes('skip_slowlog')) {
      this.slowlog.add(Math.floor(atMs / 1000), Math.floor(micros), args, conn?.addr ?? '', conn?.name ?? '');
    }
    this.latency.addIfNeeded(flags.includes('fast') ? 'fast-command' : 'command', Math.floor(micros / 1000));
  }
}

/** A command's flags as Redis 7.0.15 declares them (Shardis's own commands: none of these). */
export function commandFlags(fullName: string): readonly string[] {
  return redisMeta(fullName)?.flags ?? [];
}
