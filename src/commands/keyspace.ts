/**
 * Keyspace-wide coordinator commands: KEYS, SCAN, RANDOMKEY, SWAPDB (fan out to every shard).
 */
import type { CoordOp, Coords } from '../coordination/context';
import { arrayReply, bulkReply, errorReply, okReply } from '../resp/replies';
import { ERR_DB_INDEX, ERR_INVALID_CURSOR } from '../core/errors';
import { parseScanCursor, parseScanOptions } from '../core/args/scan';

const keys: CoordOp = async (ctx, args) => {
  const perShard = await ctx.server.shards.broadcast('keys', { pattern: args[1] }, { db: ctx.conn.db });
  return buildKeyList(ctx.conn.proto, perShard.flat());
};

/** An array of key names (bulk strings) in the connection's protocol. */
function buildKeyList(proto: 2 | 3, names: readonly string[]): Buffer {
  return arrayReply(names.map((k) => bulkReply(k, proto)));
}

/**
 * SCAN with one cursor across every shard. The cursor packs the shard index
 * and that shard's own cursor: `local * shards + shard`. A shard's own cursor
 * (see Db.scan) walks its entries top-down, which keeps Redis's guarantee that
 * a key present for the whole scan is returned at least once. When a shard is
 * finished within a call, the same call goes on to the next shard with what
 * is left of COUNT; cursor `s` (local 0) means "shard s, from the start".
 */
const scan: CoordOp = async (ctx, args) => {
  const cursor = parseScanCursor(args[1]);
  if (cursor === null) return errorReply(ERR_INVALID_CURSOR);
  const opts = parseScanOptions(args, 2, true);
  const shards = ctx.server.shards;
  const count = BigInt(shards.count);
  let shard = Number(cursor % count);
  // A cursor we never handed out may be huge: the shard clamps it to its size.
  let local = Number(cursor / count);
  let budget = opts.count;
  const found: string[] = [];
  let next = 0n;
  for (;;) {
    const page = await shards.call(shard, 'scan', { cursor: local, count: budget, pattern: opts.pattern, type: opts.type }, { db: ctx.conn.db });
    for (const k of page.keys) found.push(k);
    if (page.next !== 0) {
      next = BigInt(page.next) * count + BigInt(shard);
      break;
    }
    shard++;
    if (shard >= shards.count) {
      next = 0n;
      break;
    }
    local = 0;
    budget -= page.visited;
    if (budget <= 0) {
      next = BigInt(shard);
      break;
    }
  }
  return arrayReply([bulkReply(next.toString()), buildKeyList(ctx.conn.proto, found)]);
};

/** RANDOMKEY: a shard picked with probability proportional to its key count, then a key of it. */
const randomkey: CoordOp = async (ctx) => {
  const shards = ctx.server.shards;
  const scope = { db: ctx.conn.db };
  const sizes = await shards.broadcast('dbsize', undefined, scope);
  let total = sizes.reduce((a, b) => a + b, 0);
  while (total > 0) {
    let pick = Math.floor(Math.random() * total);
    let shard = 0;
    while (pick >= sizes[shard]) pick -= sizes[shard++];
    const key = await shards.call(shard, 'randomkey', undefined, scope);
    if (key !== null) return bulkReply(key, ctx.conn.proto);
    // That shard only held expired keys (now reclaimed): try the others.
    total -= sizes[shard];
    sizes[shard] = 0;
  }
  return bulkReply(null, ctx.conn.proto);
};

function dbIndex(s: string): number | null {
  if (!/^(0|-?[1-9][0-9]*)$/.test(s) || s.length > 11) return null;
  const n = Number(s);
  return n > 2147483647 || n < -2147483648 ? null : n;
}

/**
 * SWAPDB: every shard swaps its two dbs. Every part is sent in one step, so
 * each other command sees either no shard swapped or all of them
 * (docs/architecture.md, "Transactions and cross-shard atomicity").
 */
const swapdb: CoordOp = async (ctx, args) => {
  if (ctx.server.cluster !== null) return errorReply('ERR SWAPDB is not allowed in cluster mode');
  const a = dbIndex(args[1]);
  if (a === null) return errorReply('ERR invalid first DB index');
  const b = dbIndex(args[2]);
  if (b === null) return errorReply('ERR invalid second DB index');
  const dbs = ctx.server.config.values.databases;
  if (a < 0 || a >= dbs || b < 0 || b >= dbs) return errorReply(ERR_DB_INDEX);
  await ctx.server.shards.broadcast('swapdb', { a, b });
  return okReply();
};

export const keyspaceCoords: Coords = {
  keys: keys,
  scan: scan,
  randomkey: randomkey,
  swapdb: swapdb,
};
