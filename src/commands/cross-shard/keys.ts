/**
 * Cross-shard coordinators of the keys family: RENAME, RENAMENX and COPY when
 * the two keys live on different shards. (Same-shard calls never come here:
 * the shard op does them atomically.)
 *
 * Each one dumps the source value with its deadline from the source shard
 * (`__dump`), stores it on the destination shard (`__restore`), then deletes
 * the source for RENAME/RENAMENX.
 *
 * What holds today: the steps are not atomic across shards. Another client can
 * observe the intermediate state (both keys present during a RENAME), and a
 * write to the source between the dump and the delete is lost. The caller's
 * own pipeline is safe: dispatch holds its later commands until the returned
 * promise settles, and each shard runs requests in arrival order.
 */
import type { CoordOp } from '../spec';
import type { CoordContext } from '../coord-context';
import { errorReply, integerReply, okReply } from '../coord-context';
import { CommandTable } from '../table';
import { arrayElements, isError, readInteger } from '../../resp/reply-reader';
import { ERR_NO_SUCH_KEY, ReplyError } from '../../resp/errors';
import { parseCopyOptions } from '../../../workers/families/keys';

const str = (b: Buffer): string => b.latin1Slice(0, b.length);

function bulkText(b: Buffer): string {
  const eol = b.indexOf(13);
  return b.latin1Slice(eol + 2, b.length - 2);
}

interface Dumped {
  tag: string;
  payload: Buffer;
  deadline: string;
  /** '1' when the value is a private copy rather than a shared small integer (OBJECT REFCOUNT). */
  priv: string;
}

/** Raw bytes of a bulk element (without its framing). */
function bulkBytes(b: Buffer): Buffer {
  const eol = b.indexOf(13);
  return b.subarray(eol + 2, b.length - 2);
}

async function dump(ctx: CoordContext, key: Buffer, db: number): Promise<Dumped | null> {
  const shards = ctx.server.shards;
  const reply = await shards.clients[shards.shardOfKey(key)].request(CommandTable.internalOp('__dump'), db, 2, ['', key], 1);
  if (isError(reply)) throw new ReplyError(reply.latin1Slice(1, reply.length - 2));
  const parts = arrayElements(reply);
  if (parts === null || parts.length === 0) return null; // *-1: no such key
  return { tag: bulkText(parts[0]), payload: bulkBytes(parts[1]), deadline: bulkText(parts[2]), priv: bulkText(parts[3]) };
}

/** Stores a dumped value; mode `nx` keeps an existing destination. Resolves with whether it stored. */
async function restore(ctx: CoordContext, key: Buffer, db: number, v: Dumped, mode: 'replace' | 'nx'): Promise<boolean> {
  const shards = ctx.server.shards;
  const reply = await shards.clients[shards.shardOfKey(key)].request(
    CommandTable.internalOp('__restore'), db, 2, ['', key, v.tag, v.payload, v.deadline, mode, v.priv], 1,
  );
  if (isError(reply)) throw new ReplyError(reply.latin1Slice(1, reply.length - 2));
  return readInteger(reply) === 1;
}

async function del(ctx: CoordContext, key: Buffer, db: number): Promise<void> {
  const shards = ctx.server.shards;
  await shards.clients[shards.shardOfKey(key)].request(CommandTable.internalOp('del'), db, 2, ['', key], 1);
}

function renameAcross(nx: boolean): CoordOp {
  return async (ctx, args) => {
    const db = ctx.conn.db;
    const v = await dump(ctx, args[1], db);
    if (v === null) return errorReply(ERR_NO_SUCH_KEY);
    const stored = await restore(ctx, args[2], db, v, nx ? 'nx' : 'replace');
    if (!stored) return integerReply(0);
    await del(ctx, args[1], db);
    return nx ? integerReply(1) : okReply();
  };
}

const copyAcross: CoordOp = async (ctx, args) => {
  // Same option errors, in the same order, as the shard op; the keys differ, so never "same object".
  const opts = parseCopyOptions(args.map(str), ctx.server.config.values.databases);
  const v = await dump(ctx, args[1], ctx.conn.db);
  if (v === null) return integerReply(0);
  // COPY duplicates the value, so the copy is never a shared integer.
  const stored = await restore(ctx, args[2], opts.db < 0 ? ctx.conn.db : opts.db, { ...v, priv: '1' }, opts.replace ? 'replace' : 'nx');
  return integerReply(stored ? 1 : 0);
};

export const keyCrossShardOps: Record<string, CoordOp> = {
  rename: renameAcross(false),
  renamenx: renameAcross(true),
  copy: copyAcross,
};
