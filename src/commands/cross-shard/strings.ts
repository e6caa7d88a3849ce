/**
 * Cross-shard coordinators of the strings family: used by dispatch only when
 * a command's keys live on more than one shard (single-shard calls run the
 * shard op directly).
 */
import type { CoordContext } from '../coord-context';
import type { CoordOp } from '../spec';
import { buildReply, errorReply, integerReply } from '../coord-context';
import { isError, readBulk, readInteger } from '../../resp/reply-reader';
import { commandTable } from '../table';
import { ERR_LCS_WRONGTYPE, lcsReply } from '../../../workers/lcs';

function opIndexOf(name: string): number {
  // Looked up per call: table.ts imports this module, so the table is not built yet at load time.
  const entry = commandTable.lookup(name);
  if (entry === undefined || entry.opIndex < 0) throw new Error(`no shard op for ${name}`);
  return entry.opIndex;
}

/** Groups key/value pairs (args[1..]) by owning shard, keeping their order. */
function pairsByShard(ctx: CoordContext, args: Buffer[]): Map<number, Buffer[]> {
  const shards = ctx.server.shards;
  const groups = new Map<number, Buffer[]>();
  for (let i = 1; i + 1 < args.length; i += 2) {
    const s = shards.shardOfKey(args[i]);
    let g = groups.get(s);
    if (g === undefined) {
      g = [];
      groups.set(s, g);
    }
    g.push(args[i], args[i + 1]);
  }
  return groups;
}

/**
 * MSETNX over several shards: checks that no key exists anywhere, then sets
 * each shard's pairs. Dispatch runs it under the shard lock, so nothing lands
 * between the check and the set, and no one sees some shards set first.
 */
async function msetnxCrossShard(ctx: CoordContext, args: Buffer[]): Promise<Buffer> {
  const shards = ctx.server.shards;
  const { db, proto } = ctx.conn;
  const groups = pairsByShard(ctx, args);
  const existsOp = opIndexOf('exists');
  const checks = [...groups].map(([s, pairs]) => {
    const keys: Buffer[] = [args[0]];
    for (let i = 0; i < pairs.length; i += 2) keys.push(pairs[i]);
    return shards.clients[s].request(existsOp, db, proto, keys, 1);
  });
  for (const r of await Promise.all(checks)) {
    if (isError(r)) return r;
    if ((readInteger(r) ?? 0) > 0) return integerReply(0);
  }
  const msetOp = opIndexOf('mset');
  const sets = [...groups].map(([s, pairs]) => shards.clients[s].request(msetOp, db, proto, [args[0], ...pairs], 1));
  for (const r of await Promise.all(sets)) if (isError(r)) return r;
  return integerReply(1);
}

/** Decodes a RESP2 GET reply: the value, null for a missing key, or the error line. */
function decodeGet(reply: Buffer): { value: string | null } | { error: string } {
  if (reply[0] === 45 /* '-' */) return { error: reply.latin1Slice(1, reply.length - 2) };
  return { value: readBulk(reply) };
}

/** LCS with its two keys on different shards: fetch both values, compute here. */
async function lcsCrossShard(ctx: CoordContext, args: Buffer[]): Promise<Buffer> {
  const shards = ctx.server.shards;
  const getOp = opIndexOf('get');
  // RESP2 on purpose: a missing key then reads as `$-1`, whatever the client speaks.
  const [ra, rb] = await Promise.all(
    [args[1], args[2]].map((key) => shards.clients[shards.shardOfKey(key)].request(getOp, ctx.conn.db, 2, [args[0], key], 1)),
  );
  const a = decodeGet(ra);
  const b = decodeGet(rb);
  if ('error' in a || 'error' in b) {
    const err = 'error' in a ? a.error : (b as { error: string }).error;
    return errorReply(err.startsWith('WRONGTYPE') ? ERR_LCS_WRONGTYPE : err);
  }
  const opts = args.slice(3).map((x) => x.latin1Slice(0, x.length));
  const maxTransient = ctx.server.config.getNumber('proto-max-bulk-len');
  return buildReply(ctx, (w) => lcsReply(a.value ?? '', b.value ?? '', opts, maxTransient, w));
}

export const stringCrossShardOps: Record<string, CoordOp> = {
  msetnx: msetnxCrossShard,
  lcs: lcsCrossShard,
};
