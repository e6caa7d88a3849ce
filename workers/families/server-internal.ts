/**
 * Internal shard ops for server introspection (INFO keyspace/memory/stats,
 * CONFIG RESETSTAT). Never reachable by clients.
 */
import { getHeapStatistics } from 'node:v8';
import { internalRow, type CommandSpec, type ShardOpContext } from '../../src/commands/spec';
import type { ReplyWriter } from '../../src/resp/reply-writer';

/** What one shard reports for INFO (sent as JSON: INFO is not a hot path). */
export interface ShardInfo {
  shard: number;
  commands: number;
  batches: number;
  busyMicros: number;
  expiredKeys: number;
  /** This thread's V8 heap (each worker thread has its own isolate). */
  heapUsed: number;
  heapTotal: number;
  /** [db index, keys, keys with a TTL, sum of sampled remaining TTLs (ms), sampled count]. */
  dbs: [number, number, number, number, number][];
  /** [op index, microseconds spent, failed calls] for every op that ran. */
  ops: [number, number, number][];
  /** Live connection-owned listeners on keys, by kind (see workers/key-signals.ts). */
  listeners: { block: number; watch: number; result: number };
}

/** avg_ttl is an estimate in Redis too; sampling keeps INFO O(dbs), not O(keys). */
const TTL_SAMPLE = 256;

function opInfo(ctx: ShardOpContext, _args: string[], w: ReplyWriter): void {
  const s = ctx.shard;
  const heap = getHeapStatistics();
  const dbs: ShardInfo['dbs'] = [];
  s.dbs.forEach((db, i) => {
    if (db === undefined || db.size === 0) return;
    let sum = 0;
    let n = 0;
    for (const at of db.expires.values()) {
      if (n >= TTL_SAMPLE) break;
      if (at > ctx.now) {
        sum += at - ctx.now;
        n++;
      }
    }
    dbs.push([i, db.size, db.expires.size, sum, n]);
  });
  const info: ShardInfo = {
    shard: s.id,
    commands: s.stats.commands,
    batches: s.stats.batches,
    busyMicros: s.stats.busyMicros,
    expiredKeys: s.totalExpired(),
    heapUsed: heap.used_heap_size,
    heapTotal: heap.total_heap_size,
    dbs,
    ops: [],
    listeners: { ...s.signals.counts },
  };
  const { micros, failed } = s.opStats;
  for (let i = 0; i < micros.length; i++) {
    if (micros[i] > 0 || failed[i] > 0) info.ops.push([i, Math.round(micros[i]), failed[i]]);
  }
  w.bulk(JSON.stringify(info));
}

function opResetstat(ctx: ShardOpContext, _args: string[], w: ReplyWriter): void {
  const s = ctx.shard;
  s.stats.commands = 0;
  s.stats.batches = 0;
  s.stats.busyMicros = 0;
  s.stats.expiredKeys = 0;
  for (const db of s.dbs) if (db) db.expiredCount = 0;
  s.resetOpStats();
  w.ok();
}

/** __gc: a full collection in this shard's isolate (DEBUG GC); a no-op without --expose-gc. */
function opGc(_ctx: ShardOpContext, _args: string[], w: ReplyWriter): void {
  (globalThis as { gc?: () => void }).gc?.();
  w.ok();
}

const internal = internalRow;

export const serverInternalCommands: CommandSpec[] = [internal('__info', opInfo), internal('__resetstat', opResetstat), internal('__gc', opGc)];
