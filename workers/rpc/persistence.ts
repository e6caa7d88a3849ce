/**
 * Shard RPC for persistence: this shard's part of an RDB file (SAVE, BGSAVE,
 * SHUTDOWN SAVE), keys loaded from one at start-up, and DEBUG DIGEST's parts.
 */
import { ByteSink } from '../../src/core/rdb/bytes';
import { readKeyEntries, writeKeyEntry } from '../../src/core/rdb/file';
import type { RdbShardPart } from '../../src/core/shard-protocol';
import type { RpcHandlers } from './handler';
import { fromRdbValue, toRdbValue } from '../rdb-values';
import { keyDigest, valueDigest, xorDigest } from '../digest';
import { Snapshot } from '../snapshot';
import { ReplyError } from '../../src/core/errors';

export const persistenceRpc: Pick<RpcHandlers, 'rdbSave' | 'rdbLoad' | 'digest' | 'dirty' | 'crash' | 'snapshotStart' | 'snapshotChunk' | 'snapshotEnd' | 'rdbLoadRaw'> = {
  rdbSave: (ctx, { compress }) => {
    const part: RdbShardPart = { dbs: [] };
    ctx.shard.dbs.forEach((db, index) => {
      if (db === undefined || db.size === 0) return;
      const out = new ByteSink(64 * 1024);
      let size = 0;
      let expires = 0;
      db.forEach(ctx.now, (key, val) => {
        const at = db.getExpire(key);
        if (at !== undefined) expires++;
        size++;
        writeKeyEntry(out, { key, value: toRdbValue(val), expireAt: at ?? -1 }, { compress });
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
    return snap.sizes();
  },

  snapshotChunk: (ctx, { db, maxBytes }) => {
    const snap = ctx.shard.snapshot;
    if (!(snap instanceof Snapshot)) throw new ReplyError('ERR no snapshot in progress');
    return snap.chunk(db, maxBytes, ctx.now);
  },

  snapshotEnd: (ctx) => {
    if (ctx.shard.snapshot instanceof Snapshot) ctx.shard.snapshot.end();
    ctx.shard.snapshot = null;
  },

  crash: () => {
    // Thrown outside the batch, so nothing catches it: the thread ends as a real crash would end it.
    setImmediate(() => {
      throw new Error('DEBUG SHARD-CRASH');
    });
  },

  rdbLoadRaw: (ctx, { db: index, data }) => {
    let n = 0;
    const db = ctx.shard.db(index);
    readKeyEntries(Buffer.from(data.buffer, data.byteOffset, data.byteLength), (entry) => {
      if (entry.expireAt !== -1 && entry.expireAt <= ctx.now) return;
      // A file holds each key once per db, and a load starts empty: no old value or TTL to clear.
      db.set(entry.key, fromRdbValue(entry.value));
      if (entry.expireAt !== -1) db.setExpire(entry.key, entry.expireAt);
      n++;
    });
    return n;
  },

  rdbLoad: (ctx, { entries }) => {
    let n = 0;
    for (const { db: index, entry } of entries) {
      // Keys already past their deadline are not loaded, as Redis's master does.
      if (entry.expireAt !== -1 && entry.expireAt <= ctx.now) continue;
      const db = ctx.shard.db(index);
      db.delete(entry.key);
      db.set(entry.key, fromRdbValue(entry.value));
      if (entry.expireAt !== -1) db.setExpire(entry.key, entry.expireAt);
      n++;
    }
    return n;
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
