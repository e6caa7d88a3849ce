/**
 * Shard RPC, cluster mode: what CLUSTER COUNTKEYSINSLOT / GETKEYSINSLOT, a
 * node losing slots, and a request on a migrating slot ask of a shard. The
 * shard's db 0 counts its keys per slot (workers/db.ts), so counting is O(1)
 * and listing skips slots that are empty.
 */
import { keyHashSlotOfString } from '../../src/core/routing/slot';
import type { RpcHandlers } from './handler';

export const clusterRpc: Pick<RpcHandlers, 'countKeysInSlot' | 'getKeysInSlot' | 'delKeysInSlots' | 'countExisting'> = {
  countKeysInSlot: (ctx, { slot }) => {
    const counts = ctx.shard.db(0).slotCounts;
    return counts === null ? 0 : counts[slot];
  },

  getKeysInSlot: (ctx, { slot, count }) => {
    const db = ctx.shard.db(0);
    const out: string[] = [];
    if (count === 0 || db.slotCounts === null || db.slotCounts[slot] === 0) return out;
    // A walk of the db: the per-slot counter is what keeps this off empty slots.
    db.forEach(ctx.now, (key) => {
      if (out.length < count && keyHashSlotOfString(key) === slot) out.push(key);
    });
    return out;
  },

  delKeysInSlots: (ctx, { slots }) => {
    const db = ctx.shard.db(0);
    if (db.slotCounts === null) return 0;
    const wanted = new Set<number>();
    for (const s of slots) if (db.slotCounts[s] !== 0) wanted.add(s);
    if (wanted.size === 0) return 0;
    const doomed: string[] = [];
    db.forEach(ctx.now, (key) => {
      if (wanted.has(keyHashSlotOfString(key))) doomed.push(key);
    });
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
