/**
 * Everything one shard owns: its databases (one Db per SELECT index, created
 * on first use), its copy of the settings that shard code reads, and counters.
 * Shard-local code reaches state only through this object, never a global.
 */
import type { Value } from './value';
import { freedLazily } from './lazyfree';
import { Db } from './db';
import { KeySignals } from './key-signals';
import { NOTIFY } from '../src/core/notify';
import type { RpcCall, RpcOutcome, ShardSettings, SnapshotProgress } from '../src/core/shard-protocol';
import { MemoryAccount } from './structures/memory-usage';
import { LATENCY_BUCKETS } from '../src/core/latency-buckets';
import type { User } from '../src/core/acl/user';

/**
 * Synchronous calls into other shards' threads (workers/scripting/peers.ts).
 * Only for work the main thread runs under its shard lock (a script, SORT's
 * cross-shard plan): the other shards are then idle and nothing interleaves.
 */
export interface PeerRpc {
  rpc(target: number, req: { kind: 'rpc'; db: number; resp: 2 | 3; connId: number; call: RpcCall }): RpcOutcome;
}

export class ShardState {
  /** The links to the other shards' threads (null: one shard, or an inline one). */
  peers: PeerRpc | null = null;
  /**
   * PUBLISH / SPUBLISH for a script: has the main thread deliver the message
   * and returns its receivers (installed by the shard's host: workers/shard.ts,
   * src/shard-clients/inline-host.ts).
   */
  publish: ((channel: string, message: string, sharded: boolean) => number) | null = null;
  /** The ACL users scripts of a connection run as, by connection id, for users not allowed everything (`scriptUser`). */
  readonly scriptUsers = new Map<number, User>();
  readonly dbs: (Db | undefined)[];
  /**
   * The snapshot being written (BGSAVE, AOF rewrite; workers/snapshot.ts), or
   * null: every write first lets it keep the value as it was at its start.
   */
  snapshot: { preserve(db: number, key: string, now: number): void; materialize(now: number): void; progress(): SnapshotProgress } | null = null;
  /** The figures the last snapshot ended with (INFO, while the main thread still syncs and renames its file). */
  lastSnapshot: SnapshotProgress | null = null;
  /** The RDB file being loaded (ShardControl loadFile; read by rdbLoadFile), or null. */
  loadFile: Buffer | null = null;
  /**
   * Clock for access times, in 10 ms ticks: finer
   * than Redis's 1 s LRU clock so that approximated LRU can tell apart keys
   * touched within the same second, and a Uint32 lasts 497 days. The engine
   * refreshes it once per batch (`tick`) instead of asking the OS per key.
   */
  // The clock starts at 10^9 ticks (115 days) rather than 0, so that an access time set in the
  // past (RESTORE ... IDLETIME) fits the Uint32 too; it wraps 382 days after the shard started.
  private readonly epochMs = Date.now() - 1e10;
  private nowTicks = 1e9;
  readonly clockTicks = (): number => this.nowTicks;
  tick(nowMs: number): void {
    this.nowTicks = Math.floor((nowMs - this.epochMs) / 10);
  }
  /** Whether expiry is the master's (settings.replica) and the command running is the master's: read by every db. */
  readonly replicaExpiry = { replica: false, fromMaster: false };
  /** Memory accounting of every db of this shard, and the LFU settings they read. */
  readonly memory = new MemoryAccount();
  stats = {
    commands: 0,
    batches: 0,
    expiredKeys: 0,
    busyMicros: 0,
    evictedKeys: 0,
    dirty: 0,
    keyspaceHits: 0,
    keyspaceMisses: 0,
    /** Time spent in active expiry cycles, and the cycles its time budget cut short (INFO expire_cycle_cpu_milliseconds, expired_time_cap_reached_count). */
    expireCycleMicros: 0,
    expireTimeCapReached: 0,
    /** Time over maxmemory (INFO total/current_eviction_exceeded_time): the finished stretches, and when the current one began (performance.now(), 0 when none). */
    evictionExceededMicros: 0,
    evictionExceededSince: 0,
  };
  /** Per shard-op (by op index) time spent and failed calls, for INFO commandstats. */
  opStats: { micros: Float64Array; failed: Float64Array; latency: Float64Array };
  /**
   * The smallest time (µs) a command must take to be reported to the main
   * thread (slow log, latency monitor); Infinity when both are off.
   */
  slowReportMicros = Infinity;

  /** Values freed lazily so far (INFO lazyfreed_objects; workers/lazyfree.ts). */
  lazyfreed = 0;

  /** A value is deleted lazily: counted when Redis would free it in the background. */
  readonly lazyFree = (v: Value): void => {
    if (freedLazily(v)) this.lazyfreed++;
  };

  /** Points a db's overwrite and expiry hooks at lazyFree as lazyfree-lazy-server-del / -expire say. */
  applyLazyfree(db: Db): void {
    db.onOverwrite = this.settings.lazyfree.serverDel ? this.lazyFree : null;
    db.onExpireFree = this.settings.lazyfree.expire ? this.lazyFree : null;
  }

  /** Recomputes slowReportMicros from the settings (after a change). */
  refreshThresholds(): void {
    const slow = this.settings.slowlogSlowerThan;
    const lat = this.settings.latencyMonitorThreshold;
    this.slowReportMicros = Math.min(slow >= 0 ? slow : Infinity, lat > 0 ? lat * 1000 : Infinity);
  }

  constructor(
    readonly id: number,
    readonly shardCount: number,
    readonly settings: ShardSettings,
    readonly opCount = 0,
  ) {
    this.dbs = new Array(settings.databases).fill(undefined);
    this.opStats = ShardState.freshOpStats(opCount);
    this.refreshThresholds();
    this.applyMemorySettings();
  }

  /** This shard's share of maxmemory (0: no limit): the limit holds per shard, maxmemory / shard count. */
  memoryLimit = 0;

  /** Re-reads the memory settings after a change (maxmemory, its policy, the LFU knobs). */
  applyMemorySettings(): void {
    const s = this.settings;
    this.memoryLimit = s.maxmemory > 0 ? Math.max(1, Math.floor(s.maxmemory / this.shardCount)) : 0;
    this.memory.lfu = s.maxmemoryPolicy.endsWith('-lfu');
    const eager = this.memoryLimit > 0;
    // Turning the limit on: the estimates put off so far are due now.
    if (eager && !this.memory.eager) for (const db of this.dbs) db?.settleSizes();
    this.memory.eager = eager;
    this.memory.lfuLogFactor = s.lfuLogFactor;
    this.memory.lfuDecayTime = s.lfuDecayTime;
  }

  private static freshOpStats(n: number): ShardState['opStats'] {
    return { micros: new Float64Array(n), failed: new Float64Array(n), latency: new Float64Array(n * LATENCY_BUCKETS) };
  }

  resetOpStats(): void {
    this.opStats = ShardState.freshOpStats(this.opCount);
  }

  /** Connection-owned listeners on keys (blocked waiters, WATCH, .WATCH) and the event outbox. */
  readonly signals = new KeySignals();

  private readonly onExpired = (dbIndex: number, key: string): void => {
    if (this.signals.size !== 0) this.signals.signal(dbIndex, key);
    this.notify(NOTIFY.expired, 'expired', key, dbIndex);
    this.propagateDel(dbIndex, key);
  };

  /** A key deleted by expiry or eviction, while replicas or the AOF follow our writes: they delete it too. */
  propagateDel(dbIndex: number, key: string): void {
    if (this.settings.propagateDeletes) this.signals.outbox.push({ type: 'propagate-del', db: dbIndex, key });
  }

  private readonly onAdded = (dbIndex: number, key: string): void => {
    if ((this.settings.notifyFlags & NOTIFY.new) !== 0) this.notify(NOTIFY.new, 'new', key, dbIndex);
  };

  /**
   * An op changed `key` (where Redis calls signalModifiedKey, which is where
   * ops raise their keyspace notification): CLIENT TRACKING and WATCH hear of it.
   */
  changed(dbIndex: number, key: string, connId: number): void {
    if (this.signals.tracking) this.signals.written(key, connId);
    if (this.signals.counts.watch !== 0) this.signals.signalWatch(dbIndex, key);
  }

  /**
   * What an op's notification stands for (ShardOpContext.notify): every
   * change an op makes raises its event whether or not anyone listens, so
   * this is where Redis's dirty counter counts it (a SETBIT that changes
   * nothing, a DEL of nothing add 0), where CLIENT TRACKING and WATCH hear
   * of it (Redis has signalled the change where it notifies), and the event.
   */
  opChanged(cls: number, event: string, key: string, dbIndex: number, connId: number, changes: number): void {
    if (cls !== NOTIFY.keymiss) {
      this.stats.dirty += changes;
      if (this.signals.size !== 0) this.changed(dbIndex, key, connId);
    }
    if ((this.settings.notifyFlags & cls) !== 0) this.notify(cls, event, key, dbIndex);
  }

  /** Queues a keyspace notification for the main thread, if its class is enabled. */
  notify(cls: number, event: string, key: string, dbIndex: number): void {
    if ((this.settings.notifyFlags & cls) === 0) return;
    this.signals.outbox.push({ type: 'keyspace', db: dbIndex, event, key });
  }

  db(index: number): Db {
    let db = this.dbs[index];
    if (db === undefined) {
      db = new Db(this.clockTicks, index, this.memory, 100);
      db.replicaExpiry = this.replicaExpiry;
      db.onExpired = this.onExpired;
      db.onAdded = this.onAdded;
      this.applyLazyfree(db);
      // Cluster mode serves db 0 only, and counts its keys per slot.
      if (index === 0 && this.settings.clusterEnabled) db.trackSlots();
      this.dbs[index] = db;
    }
    return db;
  }

  swapDbs(a: number, b: number): void {
    // A watched key is touched when it exists in either db (Redis's touchAllWatchedKeysInDb with replaced_with).
    const inEither = (k: string): boolean => this.dbs[a]?.contains(k) === true || this.dbs[b]?.contains(k) === true;
    const existedA = this.signals.listenedKeysIn(a, inEither);
    const existedB = this.signals.listenedKeysIn(b, inEither);
    const tmp = this.dbs[a];
    this.dbs[a] = this.dbs[b];
    this.dbs[b] = tmp;
    if (this.dbs[a]) this.dbs[a]!.dbIndex = a;
    if (this.dbs[b]) this.dbs[b]!.dbIndex = b;
    this.signals.signalDb(a, existedA);
    this.signals.signalDb(b, existedB);
  }

  totalExpired(): number {
    let n = 0;
    for (const db of this.dbs) if (db) n += db.expiredCount;
    return n;
  }
}
