/**
 * INFO: the sections Redis 7 has, with the field names clients parse
 * (redis_version, maxmemory_policy, used_memory, ...), plus Shardis's own
 * `tasks` section. Fields Shardis cannot measure are left out rather than
 * invented; fields that describe machinery Shardis does not have
 * (persistence, replication) report its true idle state.
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type { ServerContext, TableEntry } from '../coordination/context';
import { LATENCY_BUCKETS } from '../core/latency-buckets';
import type { ShardInfo } from '../core/shard-protocol';
import type { RdbPersistence } from '../persistence/rdb';
import { REDIS_VERSION, VERSION } from '../version';
import { replicationInfo } from '../replication/info';
import { dictTableBytes } from '../core/dict-table';

/** Sections in output order; `default` and `all` pick from these. */
const SECTIONS = [
  'server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'commandstats', 'errorstats', 'latencystats',
  'cluster', 'keyspace', 'tasks',
] as const;
type Section = (typeof SECTIONS)[number];
const DEFAULT: ReadonlySet<Section> = new Set(SECTIONS.filter((s) => s !== 'commandstats' && s !== 'latencystats'));

const TITLES: Record<Section, string> = {
  server: 'Server', clients: 'Clients', memory: 'Memory', persistence: 'Persistence', stats: 'Stats', replication: 'Replication',
  cpu: 'CPU', modules: 'Modules', commandstats: 'Commandstats', errorstats: 'Errorstats', latencystats: 'Latencystats', cluster: 'Cluster', keyspace: 'Keyspace',
  tasks: 'Tasks',
};

const RUN_ID = randomBytes(20).toString('hex');
let peakMemory = 0;

/** Which sections a list of INFO arguments asks for (case-insensitive, order-free, as in Redis). */
export function selectSections(args: readonly string[]): Set<Section> {
  if (args.length === 0) return new Set(DEFAULT);
  const out = new Set<Section>();
  for (const raw of args) {
    const a = raw.toLowerCase();
    if (a === 'default') for (const s of DEFAULT) out.add(s);
    else if (a === 'all' || a === 'everything') for (const s of SECTIONS) out.add(s);
    else if ((SECTIONS as readonly string[]).includes(a)) out.add(a as Section);
  }
  return out;
}

/** Bytes as Redis's bytesToHuman prints them (1.28M, 200B). */
export function bytesToHuman(n: number): string {
  const units = ['B', 'K', 'M', 'G', 'T', 'P'];
  if (n < 1024) return `${n}B`;
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(2)}${units[i]}`;
}

/**
 * instantaneous_ops_per_sec: like Redis, the mean rate over the last 16
 * samples taken every 100 ms. The sampler starts with the first INFO and
 * does not keep the process alive.
 */
class OpsSampler {
  private readonly samples: number[] = [];
  private lastTotal = -1;
  private lastAt = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly total: () => number) {}

  rate(): number {
    if (this.timer === null) {
      this.lastTotal = this.total();
      this.lastAt = performance.now();
      this.timer = setInterval(() => this.sample(), 100);
      this.timer.unref();
    }
    if (this.samples.length === 0) return 0;
    return Math.round(this.samples.reduce((a, b) => a + b, 0) / this.samples.length);
  }

  private sample(): void {
    const now = performance.now();
    const total = this.total();
    const dt = (now - this.lastAt) / 1000;
    if (dt > 0) this.samples.push((total - this.lastTotal) / dt);
    if (this.samples.length > 16) this.samples.shift();
    this.lastTotal = total;
    this.lastAt = now;
  }
}

let sampler: OpsSampler | null = null;

function opsPerSec(server: ServerContext): number {
  sampler ??= new OpsSampler(() => server.stats.totalCommands);
  return sampler.rate();
}

type ByteCounter = 'netInputBytes' | 'netOutputBytes' | 'netReplInputBytes' | 'netReplOutputBytes';
const byteSamplers = new Map<ByteCounter, OpsSampler>();

/** instantaneous_input_kbps, _output_kbps and their _repl_ forms: bytes per second over the same samples, in KiB, two decimals. */
function kbps(server: ServerContext, counter: ByteCounter): string {
  let s = byteSamplers.get(counter);
  if (s === undefined) {
    s = new OpsSampler(() => server.stats[counter]);
    byteSamplers.set(counter, s);
  }
  return (s.rate() / 1024).toFixed(2);
}

type Lines = [string, string | number][];

function serverSection(server: ServerContext): Lines {
  const uptime = Math.floor((Date.now() - server.stats.startedAt) / 1000);
  const hz = server.config.get('hz') as string;
  return [
    ['redis_version', REDIS_VERSION],
    ['redis_git_sha1', '00000000'],
    ['redis_git_dirty', 0],
    ['redis_build_id', '0'],
    ['redis_mode', 'standalone'],
    ['os', `${os.type()} ${os.release()} ${os.machine()}`],
    ['arch_bits', process.arch.includes('64') ? 64 : 32],
    ['monotonic_clock', 'POSIX clock_gettime'],
    ['multiplexing_api', process.platform === 'linux' ? 'epoll' : process.platform === 'win32' ? 'iocp' : 'kqueue'],
    ['process_id', process.pid],
    ['process_supervised', 'no'],
    ['run_id', RUN_ID],
    // As Redis: with no TCP listener (port 0 beside tls-port), the TLS port.
    ['tcp_port', server.port !== 0 ? server.port : server.tlsPort],
    ['server_time_usec', Date.now() * 1000],
    ['uptime_in_seconds', uptime],
    ['uptime_in_days', Math.floor(uptime / 86400)],
    ['hz', hz],
    ['configured_hz', hz],
    ['lru_clock', Math.floor(Date.now() / 1000) & ((1 << 24) - 1)],
    ['executable', process.execPath],
    ['config_file', ''],
    ['io_threads_active', 0],
    ['shardis_version', VERSION],
    ['node_version', process.version],
    ['shard_workers', server.shards.workers],
    ['shards', server.shards.count],
  ];
}

function countConns(server: ServerContext, pred: (c: import('../connection').Connection) => boolean): number {
  let n = 0;
  for (const c of server.connections.values()) if (pred(c)) n++;
  return n;
}

function clientsSection(server: ServerContext): Lines {
  let maxIn = 0;
  let maxOut = 0;
  for (const c of server.connections.values()) {
    maxIn = Math.max(maxIn, c.queryBufferBytes);
    maxOut = Math.max(maxOut, c.pendingOutputBytes);
  }
  return [
    ['connected_clients', server.connections.size],
    // As Redis's estimate: a link each way to every other node it knows.
    ['cluster_connections', server.cluster === null ? 0 : (server.cluster.state.nodes.size - 1) * 2],
    ['maxclients', server.config.values.maxclients],
    ['client_recent_max_input_buffer', maxIn],
    ['client_recent_max_output_buffer', maxOut],
    ['blocked_clients', countConns(server, (c) => c.blocked !== null)],
    ['tracking_clients', countConns(server, (c) => c.tracking !== null)],
    ['clients_in_timeout_table', countConns(server, (c) => c.blocked !== null)],
    ['pubsub_clients', countConns(server, (c) => c.subscribed)],
    ['watching_clients', countConns(server, (c) => c.resultWatches > 0)],
    // Shardis's own: every connection runs one read and one write task; these
    // equal connected_clients unless a teardown is in progress (or leaked).
    ['client_read_tasks', server.tasks.readTasks],
    ['client_write_tasks', server.tasks.writeTasks],
  ];
}

/** V8 heap bytes: the main thread's plus every shard thread's (one isolate each); inline shards share the main heap. */
function heapUsed(server: ServerContext, shards: readonly ShardInfo[]): number {
  let n = process.memoryUsage().heapUsed;
  if (server.shards.workers > 0) for (const s of shards) n += s.heapUsed;
  return n;
}

/** Bytes the shards hold for their keys, as Redis's MEMORY USAGE estimates each key. */
function datasetMemory(shards: readonly ShardInfo[]): number {
  let n = 0;
  for (const s of shards) n += s.usedMemory;
  return n;
}

/** Query and output buffers of the clients, which Redis counts in used_memory too. */
function clientsMemory(server: ServerContext): number {
  let n = 0;
  for (const c of server.connections.values()) n += c.queryBufferBytes + c.pendingOutputBytes;
  return n;
}

/**
 * used_memory: what Redis's allocator would hold for the same data (the
 * keys' MEMORY USAGE estimates, summed by each shard as keys change) plus
 * the clients' buffers. This is what maxmemory limits; the V8 heap, which
 * moves with garbage collection, is reported apart (used_memory_vm_heap).
 */
export function usedMemory(server: ServerContext, shards: readonly ShardInfo[]): number {
  return datasetMemory(shards) + clientsMemory(server);
}

/** The scripting engines' memory over all shards, in Redis's terms. */
export interface ScriptingTotals {
  /** The interpreters' heaps (one per shard). */
  vm: number;
  /** Distinct cached scripts (a script EVALed in one shard is cached there only) and Redis's bytes for them. */
  cachedScripts: number;
  scriptBytes: number;
  /** Libraries and functions: every shard holds the same ones, so shard 0's. */
  libraries: number;
  functions: number;
  functionBytes: number;
}

export function scriptingMemory(shards: readonly ShardInfo[]): ScriptingTotals {
  const scripts = new Map<string, number>();
  let vm = 0;
  for (const s of shards) {
    vm += s.scripting.vmBytes;
    for (const [sha, bytes] of s.scripting.scripts) scripts.set(sha, bytes);
  }
  let scriptBytes = dictTableBytes(scripts.size);
  for (const b of scripts.values()) scriptBytes += b;
  const first = shards[0]?.scripting;
  return { vm, cachedScripts: scripts.size, scriptBytes, libraries: first?.libraries ?? 0, functions: first?.functions ?? 0, functionBytes: first?.functionBytes ?? 0 };
}

/** INFO memory's scripting lines, in Redis 7.0's order. */
function scriptingLines(t: ScriptingTotals): Lines {
  return [
    ['used_memory_lua', t.vm],
    ['used_memory_vm_eval', t.vm],
    ['used_memory_lua_human', bytesToHuman(t.vm)],
    ['used_memory_scripts_eval', t.scriptBytes],
    ['number_of_cached_scripts', t.cachedScripts],
    ['number_of_functions', t.functions],
    ['number_of_libraries', t.libraries],
    // One interpreter per shard runs both scripts and functions: its heap is counted once, above.
    ['used_memory_vm_functions', 0],
    ['used_memory_vm_total', t.vm],
    ['used_memory_vm_total_human', bytesToHuman(t.vm)],
    ['used_memory_functions', t.functionBytes],
    ['used_memory_scripts', t.scriptBytes + t.functionBytes],
    ['used_memory_scripts_human', bytesToHuman(t.scriptBytes + t.functionBytes)],
  ];
}

function memorySection(server: ServerContext, shards: readonly ShardInfo[]): Lines {
  const used = usedMemory(server, shards);
  const rss = process.memoryUsage().rss;
  peakMemory = Math.max(peakMemory, used);
  const maxmemory = server.config.getNumber('maxmemory');
  const total = os.totalmem();
  return [
    ['used_memory', used],
    ['used_memory_human', bytesToHuman(used)],
    ['used_memory_rss', rss],
    ['used_memory_rss_human', bytesToHuman(rss)],
    ['used_memory_peak', peakMemory],
    ['used_memory_peak_human', bytesToHuman(peakMemory)],
    ['used_memory_peak_perc', `${((used / peakMemory) * 100).toFixed(2)}%`],
    ['total_system_memory', total],
    ['total_system_memory_human', bytesToHuman(total)],
    ['used_memory_dataset', datasetMemory(shards)],
    ['used_memory_vm_heap', heapUsed(server, shards)],
    ...scriptingLines(scriptingMemory(shards)),
    ['maxmemory', maxmemory],
    ['maxmemory_human', bytesToHuman(maxmemory)],
    ['maxmemory_policy', server.config.get('maxmemory-policy') as string],
    ['mem_fragmentation_ratio', (rss / Math.max(1, used)).toFixed(2)],
    ['mem_fragmentation_bytes', rss - used],
    ['mem_allocator', 'v8'],
    // Lazy frees are counted as Redis would make them and are never pending (workers/lazyfree.ts).
    ['lazyfree_pending_objects', 0],
    ['lazyfreed_objects', shards.reduce((n, s) => n + s.lazyfreed, 0)],
  ];
}

function persistenceSection(server: ServerContext, shards: readonly ShardInfo[]): Lines {
  const rdb = server.rdb;
  const aof = server.aof;
  let dirty = 0;
  for (const s of shards) dirty += s.dirty;
  const bg = rdb.inProgress !== null;
  // No fork: a shard's copies of the entries written to while its snapshot
  // runs are the save's copy-on-write memory, summed over the shards.
  let cow = 0;
  let cowPeak = 0;
  let keysWritten = 0;
  let keysTotal = 0;
  // Each shard reports its snapshot, or the last one's final figures once it
  // is done (the file may still be synced and renamed): shown from the
  // snapshot's start to the end of the save.
  if ((bg || server.aof.rewriting) && rdb.snapshotBegun) {
    for (const s of shards) {
      if (s.snapshot === null) continue;
      cow += s.snapshot.copiedBytes;
      cowPeak += s.snapshot.peakCopiedBytes;
      keysWritten += s.snapshot.keysWritten;
      keysTotal += s.snapshot.keysTotal;
    }
  }
  return [
    ['loading', server.loading ? 1 : 0],
    ['async_loading', 0],
    ['current_cow_peak', cowPeak],
    ['current_cow_size', cow],
    // Read from the shards for this reply: never stale.
    ['current_cow_size_age', 0],
    ['current_fork_perc', (keysTotal === 0 ? 0 : (keysWritten / keysTotal) * 100).toFixed(2)],
    ['current_save_keys_processed', keysWritten],
    ['current_save_keys_total', keysTotal],
    // Shardis only: the file's bytes in the main thread on their way to the disk or a replica.
    ['current_save_buffer_bytes', rdb.saveBufferBytes],
    ['peak_save_buffer_bytes', rdb.peakSaveBufferBytes],
    ['rdb_changes_since_last_save', Math.max(0, dirty - rdb.dirtyAtSave)],
    ['rdb_bgsave_in_progress', bg ? 1 : 0],
    ['rdb_last_save_time', rdb.lastSave],
    ['rdb_last_bgsave_status', rdb.lastBgsaveOk ? 'ok' : 'err'],
    ['rdb_last_bgsave_time_sec', rdb.lastSaveSeconds],
    ['rdb_current_bgsave_time_sec', bg ? Math.round((Date.now() - rdb.bgsaveStartedAt) / 1000) : -1],
    ['rdb_saves', rdb.saves],
    ['rdb_last_cow_size', rdb.rdbLastCowBytes],
    ['rdb_last_load_keys_expired', rdb.lastLoadExpired],
    ['rdb_last_load_keys_loaded', rdb.loadedKeys],
    ['aof_enabled', aof.enabled ? 1 : 0],
    ['aof_rewrite_in_progress', aof.rewriting ? 1 : 0],
    ['aof_rewrite_scheduled', aof.rewriteScheduled ? 1 : 0],
    ['aof_last_rewrite_time_sec', aof.lastRewriteSeconds],
    ['aof_current_rewrite_time_sec', aof.rewriting ? Math.round((Date.now() - aof.rewriteStartedAt) / 1000) : -1],
    ['aof_last_bgrewrite_status', aof.lastRewriteOk ? 'ok' : 'err'],
    ['aof_rewrites', aof.rewrites],
    ['aof_rewrites_consecutive_failures', aof.consecutiveFailures],
    ['aof_last_write_status', aof.lastWriteOk ? 'ok' : 'err'],
    ['aof_last_cow_size', rdb.aofLastCowBytes],
    // No modules, so never a module's fork.
    ['module_fork_in_progress', 0],
    ['module_fork_last_cow_size', 0],
    // Shardis only: how appendfsync is being followed (Redis reports only aof_delayed_fsync).
    ['aof_fsyncs', aof.fsyncs],
    ...(aof.enabled
      ? ([
          ['aof_current_size', aof.baseSize + aof.currentSize],
          ['aof_base_size', aof.baseSize],
          ['aof_pending_rewrite', aof.rewriteScheduled ? 1 : 0],
          ['aof_buffer_length', aof.bufferLength],
          ['aof_pending_bio_fsync', aof.fsyncPending ? 1 : 0],
          ['aof_delayed_fsync', aof.delayedFsyncs],
        ] as [string, number][])
      : []),
    ...loadingLines(rdb.loadProgress),
  ];
}

/** While a snapshot loads, its progress as Redis reports it (loading_*). */
function loadingLines(p: RdbPersistence['loadProgress']): Lines {
  if (p === null) return [];
  const elapsed = (Date.now() - p.startedMs) / 1000;
  const perc = p.totalBytes > 0 ? (p.loadedBytes / p.totalBytes) * 100 : 0;
  // Redis's estimate: the bytes left at the rate so far (1 when nothing is loaded yet).
  const eta = p.loadedBytes > 0 ? Math.floor((p.totalBytes - p.loadedBytes) / (p.loadedBytes / Math.max(elapsed, 0.001))) : 1;
  return [
    ['loading_start_time', p.startTime],
    ['loading_total_bytes', p.totalBytes],
    ['loading_rdb_used_mem', p.usedMem],
    ['loading_loaded_bytes', p.loadedBytes],
    ['loading_loaded_perc', perc.toFixed(2)],
    ['loading_eta_seconds', eta],
  ];
}

function statsSection(server: ServerContext, shards: readonly ShardInfo[]): Lines {
  const st = server.stats;
  let expired = 0;
  let evicted = 0;
  let hits = 0;
  let misses = 0;
  let trackedKeys = 0;
  let trackedItems = 0;
  let expireMicros = 0;
  let timeCap = 0;
  // Each shard keeps to its share of maxmemory and times its own stretches over it; shards fill
  // alike, so the server's time over the limit is taken as the longest shard's.
  let exceededTotal = 0;
  let exceededNow = 0;
  for (const s of shards) {
    exceededTotal = Math.max(exceededTotal, s.evictionExceededMicros + s.evictionExceededNowMicros);
    exceededNow = Math.max(exceededNow, s.evictionExceededNowMicros);
    expired += s.expiredKeys;
    expireMicros += s.expireCycleMicros;
    timeCap += s.expireTimeCapReached;
    evicted += s.evictedKeys;
    hits += s.keyspaceHits;
    misses += s.keyspaceMisses;
    trackedKeys += s.trackedKeys;
    trackedItems += s.trackedItems;
  }
  return [
    ['total_connections_received', st.totalConnections],
    ['total_commands_processed', st.totalCommands],
    ['instantaneous_ops_per_sec', opsPerSec(server)],
    ['total_net_input_bytes', st.netInputBytes],
    ['total_net_output_bytes', st.netOutputBytes],
    ['total_net_repl_input_bytes', st.netReplInputBytes],
    ['total_net_repl_output_bytes', st.netReplOutputBytes],
    ['instantaneous_input_kbps', kbps(server, 'netInputBytes')],
    ['instantaneous_output_kbps', kbps(server, 'netOutputBytes')],
    ['instantaneous_input_repl_kbps', kbps(server, 'netReplInputBytes')],
    ['instantaneous_output_repl_kbps', kbps(server, 'netReplOutputBytes')],
    ['rejected_connections', st.rejectedConnections],
    ['client_output_buffer_limit_disconnections', server.stats.outputLimitDisconnections],
    ['sync_full', server.replication.syncFull],
    ['sync_partial_ok', server.replication.syncPartialOk],
    ['sync_partial_err', server.replication.syncPartialErr],
    ['expired_keys', expired],
    ['expired_stale_perc', '0.00'],
    ['expired_time_cap_reached_count', timeCap],
    ['expire_cycle_cpu_milliseconds', Math.floor(expireMicros / 1000)],
    ['evicted_keys', evicted],
    ['evicted_clients', server.stats.evictedClients],
    ['total_eviction_exceeded_time', Math.floor(exceededTotal / 1000)],
    ['current_eviction_exceeded_time', Math.floor(exceededNow / 1000)],
    ['keyspace_hits', hits],
    ['keyspace_misses', misses],
    ['pubsub_channels', server.pubsub.channelCount],
    ['pubsub_patterns', server.pubsub.patternCount],
    ['pubsubshard_channels', server.pubsub.shardChannelCount],
    // No fork: BGSAVE and the AOF rewrite snapshot in place (workers/snapshot.ts).
    ['latest_fork_usec', 0],
    ['total_forks', 0],
    ['migrate_cached_sockets', server.migrateSockets.size],
    ['slave_expires_tracked_keys', 0],
    // activedefrag is refused: V8's collector compacts the heaps.
    ['active_defrag_hits', 0],
    ['active_defrag_misses', 0],
    ['active_defrag_key_hits', 0],
    ['active_defrag_key_misses', 0],
    ['total_active_defrag_time', 0],
    ['current_active_defrag_time', 0],
    ['tracking_total_keys', trackedKeys],
    ['tracking_total_items', trackedItems],
    ['tracking_total_prefixes', server.tracking.prefixCount],
    ['unexpected_error_replies', st.unexpectedErrorReplies],
    ['total_error_replies', st.totalErrorReplies],
    ['dump_payload_sanitizations', 0],
    ['total_reads_processed', st.readsProcessed],
    ['total_writes_processed', st.writesProcessed],
    ['io_threaded_reads_processed', 0],
    ['io_threaded_writes_processed', 0],
    ['reply_buffer_shrinks', st.replyBufferShrinks],
    ['reply_buffer_expands', st.replyBufferExpands],
  ];
}

function replicationSection(server: ServerContext): Lines {
  return replicationInfo(server.replication, server.config);
}

function cpuSection(): Lines {
  // process.cpuUsage covers every thread of the process, shards included.
  const u = process.cpuUsage();
  return [
    ['used_cpu_sys', (u.system / 1e6).toFixed(6)],
    ['used_cpu_user', (u.user / 1e6).toFixed(6)],
    ['used_cpu_sys_children', '0.000000'],
    ['used_cpu_user_children', '0.000000'],
  ];
}

function commandstatsSection(server: ServerContext, shards: readonly ShardInfo[]): Lines {
  // Calls and rejections are counted where commands are dispatched (main
  // thread); time and failures of shard-local commands where they run.
  const shardUsec = new Map<number, number>();
  const shardFailed = new Map<number, number>();
  for (const s of shards) {
    for (const [op, usec, failed] of s.ops) {
      shardUsec.set(op, (shardUsec.get(op) ?? 0) + usec);
      shardFailed.set(op, (shardFailed.get(op) ?? 0) + failed);
    }
  }
  const out: Lines = [];
  for (const e of server.commands.all()) {
    if (e.calls === 0 && e.rejectedCalls === 0 && e.failedCalls === 0) continue;
    const usec = Math.round(e.usec + (e.opIndex >= 0 ? shardUsec.get(e.opIndex) ?? 0 : 0));
    const failed = e.failedCalls + (e.opIndex >= 0 ? shardFailed.get(e.opIndex) ?? 0 : 0);
    const perCall = e.calls === 0 ? 0 : usec / e.calls;
    out.push([
      `cmdstat_${e.fullName}`,
      `calls=${e.calls},usec=${usec},usec_per_call=${perCall.toFixed(2)},rejected_calls=${e.rejectedCalls},failed_calls=${failed}`,
    ]);
  }
  return out;
}

/**
 * INFO latencystats: per command, the latency-tracking-info-percentiles of
 * its latency histogram (coordinators' on their entries, shard ops' summed
 * over the shards), in microseconds with three decimals, as Redis prints them.
 */
function latencystatsSection(server: ServerContext, shards: readonly ShardInfo[]): Lines {
  if (server.config.get('latency-tracking') !== 'yes') return [];
  const percentiles = String(server.config.get('latency-tracking-info-percentiles') ?? '')
    .split(' ')
    .filter((p) => p !== '')
    .map(Number);
  const hist = new Map<TableEntry, Float64Array>();
  for (const e of server.commands.all()) if (e.latency.some((x) => x > 0)) hist.set(e, Float64Array.from(e.latency));
  for (const s of shards) {
    for (const [op, counts] of s.latency) {
      const e = server.commands.ops[op];
      if (e === undefined) continue;
      const h = hist.get(e) ?? new Float64Array(LATENCY_BUCKETS);
      counts.forEach((c, k) => (h[k] += c));
      hist.set(e, h);
    }
  }
  const out: Lines = [];
  for (const [e, h] of hist) {
    const total = h.reduce((a, b) => a + b, 0);
    const parts = percentiles.map((p) => {
      const want = (p / 100) * total;
      let seen = 0;
      let k = 0;
      for (; k < h.length - 1; k++) {
        seen += h[k];
        if (seen >= want && seen > 0) break;
      }
      const v = 1024 * 2 ** k;
      return `p${formatPercentile(p)}=${((v + v / 128 - 1) / 1000).toFixed(3)}`;
    });
    out.push([`latency_percentiles_usec_${e.fullName}`, parts.join(',')]);
  }
  return out;
}

/** A percentile as Redis names it: "%f" without trailing zeros (50, 99, 99.9). */
function formatPercentile(p: number): string {
  return p.toFixed(6).replace(/0+$/, '').replace(/\.$/, '');
}

function errorstatsSection(server: ServerContext): Lines {
  return [...server.stats.errorCodes].sort(([a], [b]) => (a < b ? -1 : 1)).map(([code, n]) => [`errorstat_${code}`, `count=${n}`]);
}

function keyspaceSection(server: ServerContext, shards: readonly ShardInfo[]): Lines {
  const byDb = new Map<number, { keys: number; expires: number; ttlSum: number; ttlN: number }>();
  for (const s of shards) {
    for (const [db, keys, expires, ttlSum, ttlN] of s.dbs) {
      const d = byDb.get(db) ?? { keys: 0, expires: 0, ttlSum: 0, ttlN: 0 };
      d.keys += keys;
      d.expires += expires;
      d.ttlSum += ttlSum;
      d.ttlN += ttlN;
      byDb.set(db, d);
    }
  }
  return [...byDb.keys()]
    .sort((a, b) => a - b)
    .map((db) => {
      const d = byDb.get(db) as { keys: number; expires: number; ttlSum: number; ttlN: number };
      const avg = d.ttlN === 0 ? 0 : Math.round(d.ttlSum / d.ttlN);
      return [`db${db}`, `keys=${d.keys},expires=${d.expires},avg_ttl=${avg}`];
    });
}

function activeResources(): string {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([r, n]) => `${r}=${n}`).join(',');
}

function tasksSection(server: ServerContext, shards: readonly ShardInfo[]): Lines {
  const t = server.tasks;
  let shardCommands = 0;
  for (const s of shards) shardCommands += s.commands;
  const arena = server.shards.replyArena;
  return [
    ['read_tasks', t.readTasks],
    ['write_tasks', t.writeTasks],
    ['signal_listeners', t.signalListeners],
    ['inflight_requests', server.shards.inflight()],
    ['connections', server.connections.size],
    ['shard_commands_processed', shardCommands],
    // What keeps the process's event loop busy (sockets, timers, ...), as
    // process.getActiveResourcesInfo() reports it: back to its baseline once
    // the connections that came and went are gone.
    ['active_resources', activeResources()],
    ['shard_restarts', server.shards.restarts],
    // The inline shard's reply buffers (src/shard-clients/reply-arena.ts): kept for reuse, reused, allocated.
    ['reply_arena_pooled_bytes', arena?.pooledBytes ?? 0],
    ['reply_arena_reused', arena?.reused ?? 0],
    ['reply_arena_allocated', arena?.allocated ?? 0],
    ['lock_held', server.lock.held ? 1 : 0],
    ['lock_waiting', server.lock.waiting],
    ['lock_acquisitions', server.lock.acquisitions],
    // MONITOR feeds and commands held by CLIENT PAUSE.
    ['monitors', server.monitoring.monitors.size],
    ['tracking_clients', server.tracking.clientCount],
    ['tracking_prefixes', server.tracking.prefixCount],
    ['paused_commands', server.pause.heldCount],
    // Replicas attached to us (any state, from PSYNC until their connection ends) and clients blocked in WAIT.
    ['replicas', server.replication.replicas.size],
    ['wait_clients', server.replication.waitingClients],
    // Connection state kept inside each shard: blocked-command waiters, WATCH keys, .WATCH subscriptions,
    // the ACL rules of connections' scripts.
    ...shards.map((s): [string, string] => [
      `shard${s.shard}`,
      `waiters=${s.listeners.block},watched_keys=${s.listeners.watch},result_watches=${s.listeners.result},script_users=${s.scriptUsers}`,
    ]),
  ];
}

/** The INFO text for the chosen sections, given every shard's report. */
export function buildInfo(server: ServerContext, sections: ReadonlySet<Section>, shards: readonly ShardInfo[]): string {
  const parts: string[] = [];
  for (const s of SECTIONS) {
    if (!sections.has(s)) continue;
    let lines: Lines;
    switch (s) {
      case 'server': lines = serverSection(server); break;
      case 'clients': lines = clientsSection(server); break;
      case 'memory': lines = memorySection(server, shards); break;
      case 'persistence': lines = persistenceSection(server, shards); break;
      case 'stats': lines = statsSection(server, shards); break;
      case 'replication': lines = replicationSection(server); break;
      case 'cpu': lines = cpuSection(); break;
      case 'modules': lines = []; break;
      case 'commandstats': lines = commandstatsSection(server, shards); break;
      case 'errorstats': lines = errorstatsSection(server); break;
      case 'latencystats': lines = latencystatsSection(server, shards); break;
      case 'cluster': lines = [['cluster_enabled', server.cluster !== null ? 1 : 0]]; break;
      case 'keyspace': lines = keyspaceSection(server, shards); break;
      case 'tasks': lines = tasksSection(server, shards); break;
    }
    parts.push(`# ${TITLES[s]}\r\n${lines.map(([k, v]) => `${k}:${v}\r\n`).join('')}`);
  }
  return parts.join('\r\n');
}

/** Whether the chosen sections need the shards' reports. */
export function needsShards(sections: ReadonlySet<Section>): boolean {
  return ['memory', 'persistence', 'stats', 'keyspace', 'tasks', 'commandstats', 'latencystats'].some((s) => sections.has(s as Section));
}
