/**
 * Cross-shard coordinators of the keys family: RENAME, RENAMENX and COPY when
 * the two keys live on different shards. (Same-shard calls never come here:
 * the shard op does them atomically.)
 *
 * Each one dumps the source value with its deadline from the source shard
 * (`__dump`), stores it on the destination shard (`__restore`), then deletes
 * the source for RENAME/RENAMENX.
 *
 * Dispatch runs them under the shard lock (Dispatcher.runLocked), so no other
 * command runs between the steps: nobody sees both keys, or neither, during a
 * RENAME (docs/architecture.md, "Transactions and cross-shard atomicity").
 */
import type { CoordOp } from '../spec';
import { errorReply, integerReply, okReply } from '../coord-context';
import { ERR_NO_SUCH_KEY } from '../../resp/errors';
import { deleteKey, dumpKey, restoreKey } from './transfer';
import { parseCopyOptions } from '../../../workers/families/keys';
import { notifyKeyspaceEvent } from '../../pubsub/notifications';
import { NOTIFY } from '../../../workers/notify';

const str = (b: Buffer): string => b.latin1Slice(0, b.length);

function renameAcross(nx: boolean): CoordOp {
  return async (ctx, args) => {
    const db = ctx.conn.db;
    const v = await dumpKey(ctx, args[1], db);
    if (v === null) return errorReply(ERR_NO_SUCH_KEY);
    const stored = await restoreKey(ctx, args[2], db, v, nx ? 'nx' : 'replace');
    if (!stored) return integerReply(0);
    await deleteKey(ctx, args[1], db);
    // The shard steps are internal ops: the command's own notifications are raised here
    // (Redis re-adds the destination, so it is always `new`).
    notifyKeyspaceEvent(ctx.server, NOTIFY.new, 'new', args[2], db);
    notifyKeyspaceEvent(ctx.server, NOTIFY.generic, 'rename_from', args[1], db);
    notifyKeyspaceEvent(ctx.server, NOTIFY.generic, 'rename_to', args[2], db);
    return nx ? integerReply(1) : okReply();
  };
}

const copyAcross: CoordOp = async (ctx, args) => {
  // Same option errors, in the same order, as the shard op; the keys differ, so never "same object".
  const opts = parseCopyOptions(args.map(str), ctx.server.config.values.databases);
  const v = await dumpKey(ctx, args[1], ctx.conn.db);
  if (v === null) return integerReply(0);
  // COPY duplicates the value, so the copy is never a shared integer.
  const dstDb = opts.db < 0 ? ctx.conn.db : opts.db;
  const stored = await restoreKey(ctx, args[2], dstDb, { ...v, priv: '1' }, opts.replace ? 'replace' : 'nx');
  if (stored) {
    notifyKeyspaceEvent(ctx.server, NOTIFY.new, 'new', args[2], dstDb);
    notifyKeyspaceEvent(ctx.server, NOTIFY.generic, 'copy_to', args[2], dstDb);
  }
  return integerReply(stored ? 1 : 0);
};

export const keyCrossShardOps: Record<string, CoordOp> = {
  rename: renameAcross(false),
  renamenx: renameAcross(true),
  copy: copyAcross,
};
