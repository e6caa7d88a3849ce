/**
 * Shard RPC, the server's view of a shard: INFO's figures, CONFIG RESETSTAT,
 * DEBUG GC, and the end of a connection.
 */
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import type { ShardInfo } from '../../src/core/shard-protocol';
import type { RpcHandlers } from './handler';
import { scriptRunner } from '../op-context';
import { LATENCY_BUCKETS } from '../../src/core/latency-buckets';

/** avg_ttl is an estimate in Redis too; sampling keeps INFO O(dbs), not O(keys). */
const TTL_SAMPLE = 256;

export const serverRpc: Pick<RpcHandlers, 'info' | 'resetStats' | 'gc' | 'connClosed'> = {
  info: (ctx, { perOp }) => {
    const s = ctx.shard;
    for (const db of s.dbs) db?.settleSizes();
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
    const ops: ShardInfo['ops'] = [];
    const { micros, failed, latency: hist } = s.opStats;
    const latency: ShardInfo['latency'] = [];
    // Per op (hundreds of them, a histogram each): only for the sections that show them.
    for (let i = 0; perOp && i < micros.length; i++) {
      if (micros[i] > 0 || failed[i] > 0) ops.push([i, Math.round(micros[i]), failed[i]]);
      const from = i * LATENCY_BUCKETS;
      let timed = false;
      for (let b = from; b < from + LATENCY_BUCKETS && !timed; b++) timed = hist[b] > 0;
      if (timed) latency.push([i, Array.from(hist.subarray(from, from + LATENCY_BUCKETS))]);
    }
    return {
      shard: s.id,
      commands: s.stats.commands,
      batches: s.stats.batches,
      busyMicros: s.stats.busyMicros,
      expiredKeys: s.totalExpired(),
      expireCycleMicros: s.stats.expireCycleMicros,
      expireTimeCapReached: s.stats.expireTimeCapReached,
      evictionExceededMicros: s.stats.evictionExceededMicros,
      evictionExceededNowMicros: s.stats.evictionExceededSince === 0 ? 0 : (performance.now() - s.stats.evictionExceededSince) * 1000,
      evictedKeys: s.stats.evictedKeys,
      snapshot: s.snapshot?.progress() ?? s.lastSnapshot,
      lazyfreed: s.lazyfreed,
      keyspaceHits: s.stats.keyspaceHits,
      keyspaceMisses: s.stats.keyspaceMisses,
      trackedKeys: s.signals.trackedKeys,
      trackedItems: s.signals.trackedItems,
      usedMemory: s.memory.used,
      dirty: s.stats.dirty,
      eventLoopUtilization: performance.eventLoopUtilization().utilization,
      heapUsed: heap.used_heap_size,
      heapTotal: heap.total_heap_size,
      dbs,
      ops,
      latency,
      listeners: { ...s.signals.counts },
      scriptUsers: s.scriptUsers.size,
      scripting: scriptRunner(s)?.memoryInfo() ?? { scripts: [], vmBytes: 0, libraries: 0, functions: 0, functionBytes: 0 },
    };
  },

  resetStats: (ctx) => {
    const s = ctx.shard;
    s.stats.commands = 0;
    s.stats.batches = 0;
    s.stats.busyMicros = 0;
    s.stats.expiredKeys = 0;
    s.stats.evictedKeys = 0;
    s.lazyfreed = 0;
    s.stats.keyspaceHits = 0;
    s.stats.keyspaceMisses = 0;
    s.stats.expireCycleMicros = 0;
    s.stats.expireTimeCapReached = 0;
    // As Redis's resetServerStats: the current stretch too (the next command over the limit starts another).
    s.stats.evictionExceededMicros = 0;
    s.stats.evictionExceededSince = 0;
    for (const db of s.dbs) if (db) db.expiredCount = 0;
    s.resetOpStats();
  },

  gc: () => {
    (globalThis as { gc?: () => void }).gc?.();
  },

  /**
   * A connection ended: drop everything it registered in this shard (blocked
   * waiters, WATCH, .WATCH). Sent in the same ordered stream as the
   * connection's requests, so it always follows its registrations.
   */
  connClosed: (ctx) => {
    ctx.shard.scriptUsers.delete(ctx.connId);
    return ctx.shard.signals.dropConn(ctx.connId);
  },
};
