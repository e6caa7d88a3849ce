/**
 * Shard RPC, cluster mode: what CLUSTER COUNTKEYSINSLOT / GETKEYSINSLOT, a
 * node losing slots, and a request on a migrating slot ask of a shard. The
 * shard's db 0 counts its keys per slot and, once asked for a slot's keys,
 * indexes them by slot (workers/db.ts).
 */
import type { RpcHandlers } from './handler';

export const clusterRpc: Pick<RpcHandlers, 'countKeysInSlot' | 'getKeysInSlot' | 'delKeysInSlots' | 'countExisting'> = {
  countKeysInSlot: (ctx, { slot }) => {
    const counts = ctx.shard.db(0).slotCounts;
    return counts === null ? 0 : counts[slot];
  },

  getKeysInSlot: (ctx, { slot, count }) => ctx.shard.db(0).keysInSlot(slot, count, ctx.now),

  delKeysInSlots: (ctx, { slots }) => {
    const db = ctx.shard.db(0);
    if (db.slotCounts === null) return 0;
    const doomed: string[] = [];
    for (const s of slots) if (db.slotCounts[s] !== 0) doomed.push(...db.keysInSlot(s, db.slotCounts[s], ctx.now));
    for (const key of doomed) {
      db.delete(key);
      ctx.shard.signals.signal(0, key);
    }
    return doomed.length;
  },

  countExisting: (ctx, { keys }) => {
    let n = 0;
    for (const key of keys) if (ctx.db.has(key, ctx.now)) n++;
    return n;
  },
};
