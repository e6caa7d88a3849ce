/**
 * SAVE, BGSAVE [SCHEDULE], LASTSAVE (over src/persistence/rdb.ts), and the
 * persistence subcommands of DEBUG: DIGEST and DIGEST-VALUE (combined from
 * every shard's XOR of key digests, as debug.c computes them) and RELOAD
 * (save, flush, load back).
 */
import { createHash } from 'node:crypto';
import type { CoordContext, CoordOp, Coords } from '../coordination/context';
import { arrayReply, errorReply, integerReply, okReply, simpleReply } from '../resp/replies';
import { ERR_SYNTAX } from '../core/errors';

const ERR_BG_IN_PROGRESS = 'ERR Background save already in progress';

const save: CoordOp = async (ctx) => {
  if (ctx.server.rdb.inProgress !== null) return errorReply(ERR_BG_IN_PROGRESS);
  const r = await ctx.server.rdb.save(false);
  return r.ok ? okReply() : errorReply('ERR');
};

const bgsave: CoordOp = (ctx, args) => {
  let schedule = false;
  if (args.length > 1) {
    if (args.length === 2 && args[1].toLowerCase() === 'schedule') schedule = true;
    else return errorReply(ERR_SYNTAX);
  }
  const rdb = ctx.server.rdb;
  // As Redis: SCHEDULE only waits for another kind of background job (an AOF rewrite), never for an RDB save.
  if (rdb.inProgress !== null) return errorReply(ERR_BG_IN_PROGRESS);
  if (ctx.server.aof.rewriting) {
    if (!schedule) return errorReply("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
    rdb.scheduled = true;
    return simpleReply('Background saving scheduled');
  }
  void rdb.save(true);
  return simpleReply('Background saving started');
};

const bgrewriteaof: CoordOp = (ctx) => {
  const { aof, rdb } = ctx.server;
  if (aof.rewriting) return errorReply('ERR Background append only file rewriting already in progress');
  if (rdb.inProgress !== null) {
    aof.rewriteScheduled = true;
    void rdb.inProgress.then(() => {
      if (aof.rewriteScheduled) {
        aof.rewriteScheduled = false;
        void aof.rewrite();
      }
    });
    return simpleReply('Background append only file rewriting scheduled');
  }
  void aof.rewrite();
  return simpleReply('Background append only file rewriting started');
};

const lastsave: CoordOp = (ctx) => integerReply(ctx.server.rdb.lastSave);

/** computeDatasetDigest: per non-empty db, mix its index, then XOR in every shard's part. */
export async function datasetDigest(ctx: CoordContext): Promise<string> {
  const parts = await ctx.server.shards.broadcast('digest', { keys: null });
  const final = Buffer.alloc(20);
  const dbs = ctx.server.config.values.databases;
  for (let db = 0; db < dbs; db++) {
    const mine = parts.map((p) => p[db]).filter((d): d is string => d !== null && d !== undefined);
    if (mine.length === 0) continue;
    const aux = Buffer.alloc(4);
    aux.writeUInt32BE(db);
    const h = createHash('sha1').update(aux).digest();
    for (let i = 0; i < 20; i++) final[i] ^= h[i];
    createHash('sha1').update(final).digest().copy(final);
    for (const d of mine) {
      const b = Buffer.from(d, 'hex');
      for (let i = 0; i < 20; i++) final[i] ^= b[i];
    }
  }
  return final.toString('hex');
}

async function digestValues(ctx: CoordContext, keys: string[]): Promise<Buffer> {
  const shards = ctx.server.shards;
  const out = await Promise.all(keys.map((k) => shards.call(shards.router.shardOf(k), 'digest', { keys: [k] }, { db: ctx.conn.db })));
  return arrayReply(out.map((d) => simpleReply(d[0] as string)));
}

/** DEBUG subcommands about persistence; null when `sub` is not one of them. */
export function persistenceDebug(ctx: CoordContext, args: string[]): Buffer | Promise<Buffer> | null {
  const sub = args[1].toLowerCase();
  if (sub === 'digest' && args.length === 2) return datasetDigest(ctx).then((d) => simpleReply(d));
  if (sub === 'digest-value') return digestValues(ctx, args.slice(2));
  if (sub === 'shard-crash' && args.length === 3) {
    const shards = ctx.server.shards;
    const n = Number(args[2]);
    if (shards.workers === 0) return errorReply('ERR DEBUG SHARD-CRASH needs shard threads (--workers 1 or more)');
    if (!Number.isInteger(n) || n < 0 || n >= shards.count) return errorReply('ERR no such shard');
    return shards.call(n, 'crash', undefined).then(() => okReply());
  }
  if (sub === 'reload') {
    return (async () => {
      const rdb = ctx.server.rdb;
      if (rdb.inProgress !== null) await rdb.inProgress;
      const r = await rdb.save(false);
      if (!r.ok) return errorReply('ERR Error trying to save the DB');
      await ctx.server.shards.broadcast('flushall', undefined);
      try {
        await rdb.load();
      } catch (err) {
        return errorReply(`ERR Error trying to load the RDB dump: ${(err as Error).message}`);
      }
      return okReply();
    })();
  }
  return null;
}

export const persistenceCoords: Coords = {
  save: save,
  bgsave: bgsave,
  lastsave: lastsave,
  bgrewriteaof: bgrewriteaof,
};
