/**
 * Shard RPC, keyspace-wide operations: what coordinators of DBSIZE, FLUSHDB,
 * FLUSHALL, KEYS, SCAN, RANDOMKEY, SWAPDB and DEBUG POPULATE ask of every shard.
 */
import { globMatch } from '../../src/core/glob';
import { keyHashSlotOfString, slotToShard } from '../../src/core/routing/slot';
import { typeName, type Value } from '../value';
import type { RpcHandlers } from './handler';

export const keyspaceRpc: Pick<RpcHandlers, 'dbsize' | 'flushdb' | 'flushall' | 'keys' | 'scan' | 'randomkey' | 'swapdb' | 'populate'> = {
  dbsize: (ctx) => ctx.db.size,

  // As Redis's: keys that exist (an expired one does not) keep their values; no dirty count, nothing propagated.
  populate: (ctx, { count, prefix, size }) => {
    const { id, shardCount } = ctx.shard;
    for (let j = 0; j < count; j++) {
      const key = `${prefix}:${j}`;
      if (shardCount > 1 && slotToShard(keyHashSlotOfString(key), shardCount) !== id) continue;
      // get, not has: an expired key is deleted first, so the new one has no deadline.
      if (ctx.db.get(key, ctx.now) !== undefined) continue;
      const v = `value:${j}`;
      ctx.db.set(key, size === 0 ? v : v.length >= size ? v.slice(0, size) : v + '\0'.repeat(size - v.length));
    }
  },

  flushdb: (ctx, req) => {
    if (req?.lazy === true) ctx.shard.lazyfreed += ctx.db.size;
    const existed = ctx.shard.signals.listenedKeysIn(ctx.dbIndex, (k) => ctx.db.contains(k));
    // Redis's dirty counter counts each key flushed.
    ctx.shard.stats.dirty += ctx.db.size;
    ctx.db.clear();
    ctx.shard.signals.signalDb(ctx.dbIndex, existed);
    ctx.shard.signals.clearTracking();
  },

  flushall: (ctx, req) => {
    ctx.shard.dbs.forEach((db, i) => {
      if (db === undefined) return;
      if (req?.lazy === true) ctx.shard.lazyfreed += db.size;
      const existed = ctx.shard.signals.listenedKeysIn(i, (k) => db.contains(k));
      ctx.shard.stats.dirty += db.size;
      db.clear();
      ctx.shard.signals.signalDb(i, existed);
    });
    ctx.shard.signals.clearTracking();
  },

  keys: (ctx, { pattern }) => {
    // A lone `*` matches every key, even the empty one the matcher itself would refuse (as in Redis).
    const all = pattern === '*';
    const out: string[] = [];
    ctx.db.forEach(ctx.now, (key) => {
      if (all || globMatch(pattern, key)) out.push(key);
    });
    return out;
  },

  /** One step of SCAN in this shard; `visited` lets the coordinator go on to the next shard in the same call. */
  scan: (ctx, req) => {
    const pattern = req.pattern !== null && req.pattern !== '*' ? req.pattern : null;
    const type = req.type === null ? null : req.type.toLowerCase();
    const keys: string[] = [];
    const db = ctx.db;
    const sizeBefore = db.size;
    const next = db.scan(req.cursor, req.count, ctx.now, (key: string, val: Value) => {
      if (pattern !== null && !globMatch(pattern, key)) return;
      if (type !== null && typeName(val) !== type) return;
      keys.push(key);
    });
    const start = req.cursor === 0 ? sizeBefore : Math.min(req.cursor, sizeBefore);
    const visited = next === 0 ? start : start - next;
    return { next, visited, keys };
  },

  randomkey: (ctx) => ctx.db.randomKey(ctx.now) ?? null,

  swapdb: (ctx, { a, b }) => {
    ctx.shard.swapDbs(a, b);
    // One change for Redis's dirty counter, counted by one shard of those that all swap.
    if (ctx.shard.id === 0) ctx.shard.stats.dirty++;
  },
};
