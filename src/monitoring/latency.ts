/**
 * The latency monitor (Redis's latency.c): per event ("command",
 * "fast-command"), the last 160 one-second samples of the worst latency above
 * `latency-monitor-threshold` milliseconds, and the all-time maximum; the
 * reports LATENCY LATEST, HISTORY, GRAPH and DOCTOR print from them.
 */

const TS_LEN = 160;
const GRAPH_COLS = 80;

interface Sample {
  time: number;
  latency: number;
}

export class LatencySeries {
  idx = 0;
  max = 0;
  readonly samples: Sample[] = Array.from({ length: TS_LEN }, () => ({ time: 0, latency: 0 }));

  add(latency: number, now: number): void {
    if (latency > this.max) this.max = latency;
    const prev = this.samples[(this.idx + TS_LEN - 1) % TS_LEN];
    // One sample per second: the worst of that second.
    if (prev.time === now) {
      if (latency > prev.latency) prev.latency = latency;
      return;
    }
    this.samples[this.idx] = { time: now, latency };
    this.idx = (this.idx + 1) % TS_LEN;
  }

  latest(): Sample {
    return this.samples[(this.idx + TS_LEN - 1) % TS_LEN];
  }

  /** The samples taken, oldest first. */
  history(): Sample[] {
    const out: Sample[] = [];
    for (let j = 0; j < TS_LEN; j++) {
      const s = this.samples[(this.idx + j) % TS_LEN];
      if (s.time !== 0) out.push(s);
    }
    return out;
  }
}

export class LatencyMonitor {
  readonly events = new Map<string, LatencySeries>();

  constructor(private readonly threshold: () => number) {}

  /** Records `ms` for `event` if monitoring is on and it reaches the threshold (latencyAddSampleIfNeeded). */
  addIfNeeded(event: string, ms: number): void {
    const t = this.threshold();
    if (t > 0 && ms >= t) this.add(event, ms);
  }

  add(event: string, ms: number): void {
    let ts = this.events.get(event);
    if (ts === undefined) {
      ts = new LatencySeries();
      this.events.set(event, ts);
    }
    ts.add(ms, Math.floor(Date.now() / 1000));
  }

  /** Resets the named events (all when none is named); returns how many existed. */
  reset(names: readonly string[]): number {
    if (names.length === 0) {
      const n = this.events.size;
      this.events.clear();
      return n;
    }
    let n = 0;
    for (const name of names) if (this.events.delete(name)) n++;
    return n;
  }

  /** LATENCY GRAPH's text: a header and a column per sample, heights scaled between the lowest and highest. */
  graph(event: string, ts: LatencySeries): string {
    const samples = ts.history();
    let min = 0;
    let max = 0;
    samples.forEach((s, i) => {
      if (i === 0 || s.latency < min) min = s.latency;
      if (i === 0 || s.latency > max) max = s.latency;
    });
    let out = `${event} - high ${max} ms, low ${min} ms (all time high ${ts.max} ms)\n${'-'.repeat(GRAPH_COLS)}\n`;
    const rows = 4;
    const cols = samples.slice(-GRAPH_COLS);
    const now = Math.floor(Date.now() / 1000);
    const heights = cols.map((s) => (max === min ? rows : 1 + Math.round(((s.latency - min) / (max - min)) * (rows - 1))));
    for (let r = rows; r >= 1; r--) {
      let line = '';
      for (const h of heights) line += h > r ? '|' : h === r ? (r === rows ? '#' : '_') : ' ';
      out += `${line}\n`;
    }
    // Below the graph, how long ago each sample was, written downwards as Redis labels its columns.
    const labels = cols.map((s) => agoLabel(now - s.time));
    const height = Math.max(0, ...labels.map((l) => l.length));
    for (let r = 0; r < height; r++) out += `${labels.map((l) => l[r] ?? ' ').join('')}\n`;
    return out;
  }

  /** LATENCY DOCTOR's report (latencyCommandGenReport), with the advice Shardis can act on. */
  doctor(slowlogSlowerThan: number): string {
    const threshold = this.threshold();
    if (this.events.size === 0 && threshold === 0) {
      return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n";
    }
    let report = '';
    let n = 0;
    let adviseSlowlogEnable = false;
    let adviseSlowlogTuning = false;
    let adviseSlowlogInspect = false;
    const now = Math.floor(Date.now() / 1000);
    for (const [event, ts] of this.events) {
      const samples = ts.history();
      if (samples.length === 0) continue;
      n++;
      if (n === 1) report += "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
      const sum = samples.reduce((a, s) => a + s.latency, 0);
      const avg = Math.floor(sum / samples.length);
      const oldest = Math.min(...samples.map((s) => s.time));
      const period = Math.max(1, now - oldest);
      const mad = Math.floor(samples.reduce((a, s) => a + Math.abs(avg - s.latency), 0) / samples.length);
      report +=
        `${n}. ${event}: ${samples.length} latency spikes (average ${avg}ms, mean deviation ${mad}ms, ` +
        `period ${(period / samples.length).toFixed(2)} sec). Worst all time event ${ts.max}ms.`;
      if (event === 'command' || event === 'fast-command') {
        if (slowlogSlowerThan < 0) adviseSlowlogEnable = true;
        else if (slowlogSlowerThan / 1000 > threshold) adviseSlowlogTuning = true;
        adviseSlowlogInspect = true;
      }
      report += '\n';
    }
    if (n === 0) {
      return 'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n';
    }
    if (!adviseSlowlogEnable && !adviseSlowlogTuning && !adviseSlowlogInspect) {
      return `${report}\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n`;
    }
    report += '\nI have a few advices for you:\n\n';
    if (adviseSlowlogEnable) {
      report += `- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than ${threshold * 1000}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n`;
    }
    if (adviseSlowlogTuning) {
      report += `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${threshold * 1000}'.\n`;
    }
    if (adviseSlowlogInspect) {
      report += '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n';
    }
    return report;
  }
}

/** How long ago, as a short label ("12s", "3m", "2h", "1d"). */
function agoLabel(secs: number): string {
  if (secs < 60) return `${secs}s`;
  if (secs < 3600) return `${Math.floor(secs / 60)}m`;
  if (secs < 86400) return `${Math.floor(secs / 3600)}h`;
  return `${Math.floor(secs / 86400)}d`;
}
