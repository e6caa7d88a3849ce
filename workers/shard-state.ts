/**
 * Everything one shard owns: its databases (one Db per SELECT index, created
 * on first use), its copy of the settings that shard code reads, and counters.
 * Shard-local code reaches state only through this object, never a global.
 */
import { Db } from './db';
import { KeySignals } from './key-signals';
import { NOTIFY } from '../src/core/notify';
import type { ShardSettings } from '../src/core/shard-protocol';

export class ShardState {
  readonly dbs: (Db | undefined)[];
  /**
   * The snapshot being written (BGSAVE, AOF rewrite; workers/snapshot.ts), or
   * null: every write first lets it keep the value as it was at its start.
   */
  snapshot: { preserve(db: number, key: string, now: number): void; materialize(now: number): void } | null = null;
  /**
   * Seconds clock used for access times: coarse, like Redis's LRU clock. The
   * engine refreshes it once per batch (`tick`) instead of asking the OS per key.
   */
  private nowSeconds = Math.floor(Date.now() / 1000);
  readonly clockSeconds = (): number => this.nowSeconds;
  tick(nowMs: number): void {
    this.nowSeconds = Math.floor(nowMs / 1000);
  }
  stats = { commands: 0, batches: 0, expiredKeys: 0, busyMicros: 0, dirty: 0 };
  /** Per shard-op (by op index) time spent and failed calls, for INFO commandstats. */
  opStats: { micros: Float64Array; failed: Float64Array };

  constructor(
    readonly id: number,
    readonly shardCount: number,
    readonly settings: ShardSettings,
    readonly opCount = 0,
  ) {
    this.dbs = new Array(settings.databases).fill(undefined);
    this.opStats = { micros: new Float64Array(opCount), failed: new Float64Array(opCount) };
  }

  resetOpStats(): void {
    this.opStats = { micros: new Float64Array(this.opCount), failed: new Float64Array(this.opCount) };
  }

  /** Connection-owned listeners on keys (blocked waiters, WATCH, .WATCH) and the event outbox. */
  readonly signals = new KeySignals();

  private readonly onExpired = (dbIndex: number, key: string): void => {
    if (this.signals.size !== 0) this.signals.signal(dbIndex, key);
    this.notify(NOTIFY.expired, 'expired', key, dbIndex);
  };

  private readonly onAdded = (dbIndex: number, key: string): void => {
    if ((this.settings.notifyFlags & NOTIFY.new) !== 0) this.notify(NOTIFY.new, 'new', key, dbIndex);
  };

  /** Queues a keyspace notification for the main thread, if its class is enabled. */
  notify(cls: number, event: string, key: string, dbIndex: number): void {
    if ((this.settings.notifyFlags & cls) === 0) return;
    this.signals.outbox.push({ type: 'keyspace', db: dbIndex, event, key });
  }

  db(index: number): Db {
    let db = this.dbs[index];
    if (db === undefined) {
      db = new Db(this.clockSeconds, index);
      db.onExpired = this.onExpired;
      db.onAdded = this.onAdded;
      // Cluster mode serves db 0 only, and counts its keys per slot.
      if (index === 0 && this.settings.clusterEnabled) db.trackSlots();
      this.dbs[index] = db;
    }
    return db;
  }

  swapDbs(a: number, b: number): void {
    const tmp = this.dbs[a];
    this.dbs[a] = this.dbs[b];
    this.dbs[b] = tmp;
    if (this.dbs[a]) this.dbs[a]!.dbIndex = a;
    if (this.dbs[b]) this.dbs[b]!.dbIndex = b;
    this.signals.signalDb(a);
    this.signals.signalDb(b);
  }

  totalExpired(): number {
    let n = 0;
    for (const db of this.dbs) if (db) n += db.expiredCount;
    return n;
  }
}
