/**
 * Shard RPC for persistence: this shard's part of an RDB file (SAVE, BGSAVE,
 * SHUTDOWN SAVE), keys loaded from one at start-up, and DEBUG DIGEST's parts.
 */
import { ByteSink, RdbFormatError } from '../../src/core/rdb/bytes';
import { readRdbPart } from '../../src/core/rdb/file';
import { keyHashSlotOfRange, slotToShard } from '../../src/core/routing/slot';
import type { RdbShardPart } from '../../src/core/shard-protocol';
import type { RpcHandlers } from './handler';
import { fromRdbValue, writeShardKey } from '../rdb-values';
import { keyDigest, valueDigest, xorDigest } from '../digest';
import { Snapshot } from '../snapshot';
import { ReplyError } from '../../src/core/errors';

/** readRdbPart, its format errors as the reply's error text (they are the file's fault, not an internal error). */
function readPart(...args: Parameters<typeof readRdbPart>): ReturnType<typeof readRdbPart> {
  try {
    return readRdbPart(...args);
  } catch (err) {
    if (err instanceof RdbFormatError) throw new ReplyError(`ERR ${err.message}`);
    throw err;
  }
}

export const persistenceRpc: Pick<RpcHandlers, 'rdbSave' | 'digest' | 'dirty' | 'crash' | 'snapshotStart' | 'snapshotChunk' | 'snapshotEnd' | 'rdbLoadFile'> = {
  rdbSave: (ctx, { compress }) => {
    const part: RdbShardPart = { dbs: [] };
    ctx.shard.dbs.forEach((db, index) => {
      if (db === undefined || db.size === 0) return;
      const out = new ByteSink(64 * 1024);
      const opts = { compress };
      let size = 0;
      let expires = 0;
      db.forEach(ctx.now, (key, val) => {
        const at = db.getExpire(key);
        if (at !== undefined) expires++;
        size++;
        writeShardKey(out, key, val, at ?? -1, opts);
      });
      // A copy of exactly its size: a view would carry its whole backing buffer across threads.
      if (size > 0) part.dbs.push({ db: index, size, expires, data: new Uint8Array(out.view()) });
    });
    return part;
  },

  dirty: (ctx) => ctx.shard.stats.dirty,

  snapshotStart: (ctx, { compress }) => {
    if (ctx.shard.snapshot instanceof Snapshot) ctx.shard.snapshot.end();
    const snap = new Snapshot(ctx.shard, compress);
    ctx.shard.snapshot = snap;
    ctx.shard.lastSnapshot = null;
    return snap.sizes();
  },

  snapshotChunk: (ctx, { db, maxBytes, maxMicros }) => {
    const snap = ctx.shard.snapshot;
    if (!(snap instanceof Snapshot)) throw new ReplyError('ERR no snapshot in progress');
    return snap.chunk(db, maxBytes, maxMicros);
  },

  snapshotEnd: (ctx) => {
    const snap = ctx.shard.snapshot;
    if (!(snap instanceof Snapshot)) return null;
    snap.end();
    ctx.shard.snapshot = null;
    ctx.shard.lastSnapshot = { ...snap.progress(), copiedBytes: 0 };
    return ctx.shard.lastSnapshot;
  },

  crash: () => {
    // Thrown outside the batch, so nothing catches it: the thread ends as a real crash would end it.
    setImmediate(() => {
      throw new Error('DEBUG SHARD-CRASH');
    });
  },

  rdbLoadFile: (ctx, { from, maxBytes, databases, alsoKeep }) => {
    const file = ctx.shard.loadFile;
    if (file === null) throw new ReplyError('ERR no RDB file to load');
    const { id, shardCount } = ctx.shard;
    const now = ctx.now;
    const borrowed = alsoKeep === undefined ? null : new Set(alsoKeep);
    let read = 0;
    let loaded = 0;
    const libraries: string[] = [];
    const r = readPart(file, from, maxBytes, {
      keep: shardCount === 1 ? null : (buf, start, end) => slotToShard(keyHashSlotOfRange(buf, start, end), shardCount) === id || (borrowed !== null && borrowed.has(Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1'))),
      functionLibrary: (code) => libraries.push(code),
      key: (index, key, value, expireAt) => {
        if (index >= databases) throw new ReplyError(`ERR FATAL: Data file was created with a Redis server configured to handle more than ${databases} databases. Exiting`);
        read++;
        // Keys already past their deadline are not loaded, as Redis's master does.
        if (expireAt !== -1 && expireAt <= now) return;
        const db = ctx.shard.db(index);
        if (!db.load(key, typeof value === 'string' ? value : fromRdbValue(value))) throw new ReplyError(`ERR Duplicated key '${key}' found in RDB file (db ${index})`);
        if (expireAt !== -1) db.setExpire(key, expireAt);
        loaded++;
      },
    });
    return { ...r, read, loaded, libraries };
  },

  digest: (ctx, { keys }) => {
    if (keys !== null) {
      return keys.map((k) => {
        const d = Buffer.alloc(20);
        const v = ctx.db.peek(k, ctx.now);
        if (v !== undefined) valueDigest(d, v, ctx.db.getExpire(k) !== undefined);
        return d.toString('hex');
      });
    }
    return ctx.shard.dbs.map((db) => {
      if (db === undefined || db.size === 0) return null;
      const total = Buffer.alloc(20);
      db.forEach(ctx.now, (key, val) => {
        // computeDatasetDigest's xorDigest: the SHA1 of the key's digest goes into the total.
        xorDigest(total, keyDigest(key, val, db.getExpire(key) !== undefined));
      });
      return total.toString('hex');
    });
  },
};
