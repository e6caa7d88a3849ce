/**
 * Prometheus metrics on `--metrics-port` (0: off), served at /metrics with
 * prom-client's registry and exposition format. Names follow the widely used
 * redis_exporter where it has one (redis_connected_clients,
 * redis_commands_total{cmd}, redis_db_keys{db}, ...), so existing Grafana
 * dashboards work; Shardis's own are shardis_*: per shard keys, commands,
 * batches, busy time, event-loop use, heap, queue depth; the main thread's
 * read/write tasks, signal listeners and teardowns by cause; per-command
 * latency histograms.
 *
 * Nothing is counted for the metrics on the command path: every figure is
 * one the server keeps already (for INFO, commandstats, latencystats), read
 * when Prometheus scrapes. A scrape asks every shard for its figures once
 * (the `info` RPC, as INFO does) and renders all metrics from that snapshot.
 *
 * prom-client (with @opentelemetry/api, 83 files) is loaded, and its default
 * metrics (a GC observer among them) started, only when /metrics is first
 * served: a server without a metrics port does not pay for them at start-up
 * or on every garbage collection.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { ServerContext, TableEntry } from '../coordination/context';
import type { ShardInfo } from '../core/shard-protocol';
import { LATENCY_BUCKETS } from '../core/latency-buckets';

type Labels = Record<string, string | number>;
interface Sample {
  labels?: Labels;
  value: number;
  metricName?: string;
}
interface Snapshot {
  server: ServerContext;
  shards: ShardInfo[];
  now: number;
}

/** One metric rendered from the scrape's snapshot (prom-client calls `get` when it renders the registry). */
class SnapshotMetric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
    private readonly read: (s: Snapshot) => Sample[],
    private readonly current: () => Snapshot | null,
  ) {}

  get(): { name: string; help: string; type: string; values: Sample[]; aggregator: 'sum' } {
    const s = this.current();
    return { name: this.name, help: this.help, type: this.type, values: s === null ? [] : this.read(s), aggregator: 'sum' };
  }
}

/** Histogram bucket bounds in seconds: latency bucket k holds calls of up to 1024·2^k ns (src/core/latency-buckets.ts). */
const LE_SECONDS = Array.from({ length: LATENCY_BUCKETS }, (_, k) => (1024 * 2 ** k) / 1e9);

/** Per command: its latency buckets, coordinators' own plus the shards' for shard rows. */
function commandHistograms(s: Snapshot): Map<TableEntry, Float64Array> {
  const hist = new Map<TableEntry, Float64Array>();
  for (const e of s.server.commands.all()) if (e.latency.some((x) => x > 0)) hist.set(e, Float64Array.from(e.latency));
  for (const sh of s.shards) {
    for (const [op, counts] of sh.latency) {
      const e = s.server.commands.ops[op];
      if (e === undefined) continue;
      const h = hist.get(e) ?? new Float64Array(LATENCY_BUCKETS);
      counts.forEach((c, k) => (h[k] += c));
      hist.set(e, h);
    }
  }
  return hist;
}

/** Per command: calls, seconds spent, failed and rejected calls (INFO commandstats' figures). */
function commandStats(s: Snapshot): { cmd: string; calls: number; seconds: number; failed: number; rejected: number }[] {
  const shardUsec = new Map<number, number>();
  const shardFailed = new Map<number, number>();
  for (const sh of s.shards) {
    for (const [op, usec, failed] of sh.ops) {
      shardUsec.set(op, (shardUsec.get(op) ?? 0) + usec);
      shardFailed.set(op, (shardFailed.get(op) ?? 0) + failed);
    }
  }
  const out = [];
  for (const e of s.server.commands.all()) {
    if (e.calls === 0 && e.rejectedCalls === 0 && e.failedCalls === 0) continue;
    const usec = e.usec + (e.opIndex >= 0 ? shardUsec.get(e.opIndex) ?? 0 : 0);
    const failed = e.failedCalls + (e.opIndex >= 0 ? shardFailed.get(e.opIndex) ?? 0 : 0);
    out.push({ cmd: e.fullName, calls: e.calls, seconds: usec / 1e6, failed, rejected: e.rejectedCalls });
  }
  return out;
}

const perShard = (s: Snapshot, f: (sh: ShardInfo) => number): Sample[] => s.shards.map((sh) => ({ labels: { shard: sh.shard }, value: f(sh) }));

export class Metrics {
  /** Made when /metrics is first served (see the header). */
  private registry: Promise<Registry> | null = null;
  private http: http.Server | null = null;
  private snapshot: Snapshot | null = null;
  /** The main thread's event-loop use at start (performance.eventLoopUtilization counts from there). */
  private readonly eluStart = performance.eventLoopUtilization();

  constructor(
    private readonly server: ServerContext,
    private readonly log: Logger,
  ) {}

  private registryOf(): Promise<Registry> {
    this.registry ??= import('prom-client').then((prom) => {
      const registry = new prom.Registry();
      prom.collectDefaultMetrics({ register: registry });
      for (const m of this.definitions()) registry.registerMetric(m as never);
      return registry;
    });
    return this.registry;
  }

  /** The port /metrics is served on, or 0. */
  get port(): number {
    const a = this.http?.address();
    return a !== null && a !== undefined && typeof a === 'object' ? a.port : 0;
  }

  /** Serves /metrics on `port` on `host` (0: stops serving). Replaces a listener on another port. */
  async listen(port: number, host: string): Promise<void> {
    await this.close();
    if (port === 0) return;
    await this.registryOf();
    const srv = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, host, () => {
        srv.off('error', reject);
        resolve();
      });
    });
    srv.on('error', (err) => this.log.error({ err }, 'metrics listener error'));
    this.http = srv;
    this.log.info({ port: this.port }, 'serving Prometheus metrics on /metrics');
  }

  async close(): Promise<void> {
    const srv = this.http;
    this.http = null;
    if (srv === null) return;
    srv.closeAllConnections();
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found: metrics are at /metrics\n');
      return;
    }
    try {
      const shards = await this.server.shards.broadcast('info', { perOp: true });
      this.snapshot = { server: this.server, shards, now: Date.now() };
      const registry = await this.registryOf();
      const body = await registry.metrics();
      res.writeHead(200, { 'Content-Type': registry.contentType }).end(body);
    } catch (err) {
      this.log.warn({ err }, 'metrics scrape failed');
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end('scrape failed\n');
    } finally {
      this.snapshot = null;
    }
  }

  private definitions(): SnapshotMetric[] {
    const cur = (): Snapshot | null => this.snapshot;
    const m = (name: string, help: string, type: 'counter' | 'gauge' | 'histogram', read: (s: Snapshot) => Sample[]): SnapshotMetric =>
      new SnapshotMetric(name, help, type, read, cur);
    const one = (f: (s: Snapshot) => number) => (s: Snapshot): Sample[] => [{ value: f(s) }];
    const sum = (s: Snapshot, f: (sh: ShardInfo) => number): number => s.shards.reduce((n, sh) => n + f(sh), 0);
    return [
      // --- redis_exporter names ---
      m('redis_up', 'Whether the server answered.', 'gauge', one(() => 1)),
      m('redis_uptime_in_seconds', 'Seconds since the server started.', 'gauge', one((s) => Math.floor((s.now - s.server.stats.startedAt) / 1000))),
      m('redis_connected_clients', 'Connected clients.', 'gauge', one((s) => s.server.connections.size)),
      m('redis_blocked_clients', 'Clients blocked in a blocking command.', 'gauge', one((s) => [...s.server.connections.values()].filter((c) => c.blocked !== null).length)),
      m('redis_config_maxclients', 'maxclients.', 'gauge', one((s) => s.server.config.getNumber('maxclients'))),
      m('redis_connections_received_total', 'Connections accepted.', 'counter', one((s) => s.server.stats.totalConnections)),
      m('redis_rejected_connections_total', 'Connections refused (maxclients).', 'counter', one((s) => s.server.stats.rejectedConnections)),
      m('redis_commands_processed_total', 'Commands processed.', 'counter', one((s) => s.server.stats.totalCommands)),
      m('redis_net_input_bytes_total', 'Bytes read from clients.', 'counter', one((s) => s.server.stats.netInputBytes)),
      m('redis_net_output_bytes_total', 'Bytes written to clients.', 'counter', one((s) => s.server.stats.netOutputBytes)),
      m('redis_keyspace_hits_total', 'Read lookups that found their key.', 'counter', one((s) => sum(s, (sh) => sh.keyspaceHits))),
      m('redis_keyspace_misses_total', 'Read lookups that did not.', 'counter', one((s) => sum(s, (sh) => sh.keyspaceMisses))),
      m('redis_expired_keys_total', 'Keys expired.', 'counter', one((s) => sum(s, (sh) => sh.expiredKeys))),
      m('redis_evicted_keys_total', 'Keys evicted for maxmemory.', 'counter', one((s) => sum(s, (sh) => sh.evictedKeys))),
      m('redis_memory_used_bytes', 'The dataset as MEMORY USAGE counts it (INFO used_memory without client buffers).', 'gauge', one((s) => sum(s, (sh) => sh.usedMemory))),
      m('redis_memory_max_bytes', 'maxmemory (0: none).', 'gauge', one((s) => s.server.config.getNumber('maxmemory'))),
      m('redis_pubsub_channels', 'Channels with subscribers.', 'gauge', one((s) => s.server.pubsub.channelCount)),
      m('redis_pubsub_patterns', 'Patterns with subscribers.', 'gauge', one((s) => s.server.pubsub.patternCount)),
      m('redis_errors_total', 'Error replies by their first word.', 'counter', (s) => [...s.server.stats.errorCodes].map(([err, n]) => ({ labels: { err }, value: n }))),
      m('redis_cpu_sys_seconds_total', 'System CPU of the process (all threads).', 'counter', one(() => process.cpuUsage().system / 1e6)),
      m('redis_cpu_user_seconds_total', 'User CPU of the process (all threads).', 'counter', one(() => process.cpuUsage().user / 1e6)),
      m('redis_db_keys', 'Keys per database.', 'gauge', (s) => dbFigures(s, 1)),
      m('redis_db_keys_expiring', 'Keys with a TTL per database.', 'gauge', (s) => dbFigures(s, 2)),
      m('redis_commands_total', 'Calls per command (INFO commandstats).', 'counter', (s) => commandStats(s).map((c) => ({ labels: { cmd: c.cmd }, value: c.calls }))),
      m('redis_commands_duration_seconds_total', 'Seconds spent per command (INFO commandstats usec).', 'counter', (s) => commandStats(s).map((c) => ({ labels: { cmd: c.cmd }, value: c.seconds }))),
      m('redis_commands_failed_calls_total', 'Calls that ran and failed, per command.', 'counter', (s) => commandStats(s).map((c) => ({ labels: { cmd: c.cmd }, value: c.failed }))),
      m('redis_commands_rejected_calls_total', 'Calls refused before running, per command.', 'counter', (s) => commandStats(s).map((c) => ({ labels: { cmd: c.cmd }, value: c.rejected }))),
      m('redis_slowlog_length', 'Entries in the slow log.', 'gauge', one((s) => s.server.monitoring.slowlog.length)),
      // --- Shardis's own ---
      m('shardis_command_latency_seconds', 'Per-command latency (the histograms LATENCY HISTOGRAM and INFO latencystats read).', 'histogram', (s) => latencySamples(s)),
      m('shardis_shard_keys', 'Keys per shard (all databases).', 'gauge', (s) => perShard(s, (sh) => sh.dbs.reduce((n, d) => n + d[1], 0))),
      m('shardis_shard_commands_total', 'Commands a shard ran.', 'counter', (s) => perShard(s, (sh) => sh.commands)),
      m('shardis_shard_batches_total', 'Batches a shard ran (commands / batches: the mean batch size).', 'counter', (s) => perShard(s, (sh) => sh.batches)),
      m('shardis_shard_batch_size_mean', 'Mean commands per batch since the shard started.', 'gauge', (s) => perShard(s, (sh) => (sh.batches === 0 ? 0 : sh.commands / sh.batches))),
      m('shardis_shard_busy_seconds_total', 'Time a shard spent running batches.', 'counter', (s) => perShard(s, (sh) => sh.busyMicros / 1e6)),
      m('shardis_shard_event_loop_utilization', 'Share of time the shard thread\'s event loop was busy since it started (inline shard: the main thread).', 'gauge', (s) => perShard(s, (sh) => sh.eventLoopUtilization)),
      m('shardis_shard_heap_used_bytes', 'V8 heap in use by the shard thread.', 'gauge', (s) => perShard(s, (sh) => sh.heapUsed)),
      m('shardis_shard_used_memory_bytes', 'The shard\'s dataset as MEMORY USAGE counts it.', 'gauge', (s) => perShard(s, (sh) => sh.usedMemory)),
      m('shardis_shard_queue_depth', 'Requests sent to a shard and not yet answered.', 'gauge', (s) => s.server.shards.clients.map((c, i) => ({ labels: { shard: i }, value: c.inflight }))),
      m('shardis_main_event_loop_utilization', 'Share of time the main thread\'s event loop was busy since the server started.', 'gauge', one(() => performance.eventLoopUtilization(this.eluStart).utilization)),
      m('shardis_read_tasks', 'Live connection read tasks.', 'gauge', one((s) => s.server.tasks.readTasks)),
      m('shardis_write_tasks', 'Live connection write tasks.', 'gauge', one((s) => s.server.tasks.writeTasks)),
      m('shardis_signal_listeners', 'Live abort-signal listeners (connections and what they own).', 'gauge', one((s) => s.server.tasks.signalListeners)),
      m('shardis_connections_closed_total', 'Connections torn down, by cause.', 'counter', (s) => [...s.server.stats.closedBy].map(([cause, n]) => ({ labels: { cause }, value: n }))),
      m('shardis_tracking_keys', 'Keys in the CLIENT TRACKING tables.', 'gauge', one((s) => sum(s, (sh) => sh.trackedKeys))),
      m('shardis_monitors', 'Clients in MONITOR.', 'gauge', one((s) => s.server.monitoring.monitors.size)),
    ];
  }
}

/** [db index, keys, keys with a TTL, ...] summed over shards: column `col` per db. */
function dbFigures(s: Snapshot, col: 1 | 2): Sample[] {
  const byDb = new Map<number, number>();
  for (const sh of s.shards) for (const d of sh.dbs) byDb.set(d[0], (byDb.get(d[0]) ?? 0) + d[col]);
  return [...byDb].sort((a, b) => a[0] - b[0]).map(([db, n]) => ({ labels: { db: `db${db}` }, value: n }));
}

/** Cumulative histogram samples per command (the buckets carry no sum of durations: _sum is commandstats' total time). */
function latencySamples(s: Snapshot): Sample[] {
  const out: Sample[] = [];
  const seconds = new Map(commandStats(s).map((c) => [c.cmd, c.seconds]));
  for (const [e, h] of commandHistograms(s)) {
    let acc = 0;
    for (let k = 0; k < LATENCY_BUCKETS; k++) {
      acc += h[k];
      out.push({ metricName: 'shardis_command_latency_seconds_bucket', labels: { cmd: e.fullName, le: LE_SECONDS[k] }, value: acc });
    }
    out.push({ metricName: 'shardis_command_latency_seconds_bucket', labels: { cmd: e.fullName, le: '+Inf' }, value: acc });
    out.push({ metricName: 'shardis_command_latency_seconds_sum', labels: { cmd: e.fullName }, value: seconds.get(e.fullName) ?? 0 });
    out.push({ metricName: 'shardis_command_latency_seconds_count', labels: { cmd: e.fullName }, value: acc });
  }
  return out;
}
