/**
 * The slow log (Redis's slowlog.c): the most recent commands whose execution
 * took at least `slowlog-log-slower-than` microseconds, newest first, at most
 * `slowlog-max-len` of them. Commands run in shards report their time through
 * a shard event (src/core/shard-protocol.ts, `slow`); coordinators on the main
 * thread are timed where they run (src/coordination/calls.ts). Entry ids are
 * given here, in arrival order, so they are unique across shards.
 */
export interface SlowlogEntry {
  readonly id: number;
  /** Unix time in seconds when the command ran. */
  readonly time: number;
  readonly micros: number;
  readonly args: readonly string[];
  readonly peer: string;
  readonly name: string;
}

export class SlowLog {
  /** Newest last (an array is cheaper to append to; GET reads it backwards). */
  private entries: SlowlogEntry[] = [];
  private nextId = 0;

  constructor(private readonly maxLen: () => number) {}

  get length(): number {
    return this.entries.length;
  }

  /** Adds an entry (args already cut by slowlogArgs, src/core/slow-args.ts) and trims to slowlog-max-len. */
  add(time: number, micros: number, args: readonly string[], peer: string, name: string): void {
    this.entries.push({ id: this.nextId++, time, micros, args, peer, name });
    this.trim();
  }

  trim(): void {
    const max = this.maxLen();
    if (this.entries.length > max) this.entries.splice(0, this.entries.length - max);
  }

  /** The newest `count` entries, newest first. */
  newest(count: number): SlowlogEntry[] {
    const out: SlowlogEntry[] = [];
    for (let i = this.entries.length - 1; i >= 0 && out.length < count; i--) out.push(this.entries[i]);
    return out;
  }

  reset(): void {
    this.entries = [];
  }
}
