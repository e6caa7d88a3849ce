/**
 * SORT ... STORE with the destination on another shard than the sorted key.
 *
 * The generic scratch executor cannot serve it when BY/GET patterns are used:
 * pattern keys are not declared key positions, so only the sorted key's shard
 * can read them. Instead the sorted key's shard computes the result with
 * STORE's semantics (`__sortresult`, workers/families/sort.ts) and this
 * coordinator writes it to the destination's shard as a list (or deletes the
 * destination when the result is empty), as Redis's STORE does.
 *
 * Runs under the shard lock (Dispatcher.runLocked): no other command runs
 * between computing the result and storing it.
 */
import { notifyKeyspaceEvent } from '../../pubsub/notifications';
import { NOTIFY } from '../../../workers/notify';
import type { CoordOp } from '../spec';
import { errorReply, integerReply } from '../coord-context';
import { arrayElements, isError, readBulk, readInteger } from '../../resp/reply-reader';
import { commandTable, CommandTable } from '../table';
import { ListValue } from '../../../workers/structures/list';

const sortStoreCrossShard: CoordOp = async (ctx, args) => {
  const shards = ctx.server.shards;
  const { db } = ctx.conn;
  const spec = commandTable.lookup('sort')?.spec;
  const positions = spec?.getKeys?.(args) ?? [];
  if (positions.length < 2) return errorReply('ERR internal error: SORT without a STORE destination reached the cross-shard path');
  const dest = args[positions[positions.length - 1]];
  const reply = await shards.clients[shards.shardOfKey(args[1])].request(CommandTable.internalOp('__sortresult'), db, 2, args, 1);
  if (isError(reply)) return reply;
  const items = (arrayElements(reply) ?? []).map((el) => readBulk(el) ?? '');
  const client = shards.clients[shards.shardOfKey(dest)];
  const destKey = dest.latin1Slice(0, dest.length);
  // `new` needs to know whether the destination existed: asked only when that class is on (this runs under the shard lock).
  let created = false;
  if (items.length > 0 && (ctx.server.config.notifyFlags() & NOTIFY.new) !== 0) {
    created = readInteger(await client.request(commandTable.lookup('exists')?.opIndex ?? -1, db, 2, ['', destKey], 1)) === 0;
  }
  const written =
    items.length > 0
      ? await client.request(CommandTable.internalOp('__restore'), db, 2, ['', destKey, 'list', ListValue.fromArray(items).serialize(), '', 'replace', '0'], 1)
      : await client.request(commandTable.lookup('del')?.opIndex ?? -1, db, 2, ['', destKey], 1);
  if (isError(written)) return written;
  if (created) notifyKeyspaceEvent(ctx.server, NOTIFY.new, 'new', destKey, db);
  if (items.length > 0) notifyKeyspaceEvent(ctx.server, NOTIFY.list, 'sortstore', destKey, db);
  return integerReply(items.length);
};

export const sortCrossShardOps: Record<string, CoordOp> = { sort: sortStoreCrossShard };
