/**
 * Hand-written coordinators for shard rows whose keys live on different
 * shards and that the scratch executor cannot serve (rows with `cross:
 * 'coordinator'`): COPY (its destination may be in another database) and SORT
 * ... STORE (BY/GET pattern keys are not declared keys, so only the sorted
 * key's shard can read them). Same-shard calls never come here: the shard op
 * does them.
 *
 * Dispatch runs them under the shard lock (coordination/shard-lock.ts), so no
 * other command runs between their steps (docs/architecture.md,
 * "Transactions and cross-shard atomicity"). Their shard steps are RPCs that
 * notify nothing: each raises its command's own keyspace notifications.
 */
import { scriptCoords } from './scripts';
import type { CoordOp, Coords } from './context';
import { integerReply } from '../resp/replies';
import { parseCopyOptions } from '../core/args/options';
import { isCanonicalInt64 } from '../core/args/parse';
import { copiedForm } from '../core/shard-protocol';
import { NOTIFY } from '../core/notify';
import { dumpKey, restoreKey } from './transfer';
import { notifyKeyspaceEvent } from '../pubsub/notifications';

/** COPY source destination [DB destination-db] [REPLACE], the two keys on different shards. */
const copyAcross: CoordOp = async (ctx, args) => {
  const { shards } = ctx.server;
  // Same option errors, in the same order, as the shard op; the keys differ, so never "same object".
  const opts = parseCopyOptions(args, ctx.server.config.values.databases);
  const v = await dumpKey(shards, args[1], ctx.conn.db);
  if (v === null) return integerReply(0);
  // COPY duplicates the value as Redis holds it, so the copy is never a shared integer.
  const dstDb = opts.db < 0 ? ctx.conn.db : opts.db;
  const form = v.type === 'string' ? copiedForm(v.form, isCanonicalInt64(v.payload)) : null;
  const stored = await restoreKey(shards, args[2], dstDb, { ...v, form }, opts.replace ? 'replace' : 'nx', true);
  if (stored) {
    notifyKeyspaceEvent(ctx.server, NOTIFY.new, 'new', args[2], dstDb);
    notifyKeyspaceEvent(ctx.server, NOTIFY.generic, 'copy_to', args[2], dstDb);
  }
  return integerReply(stored ? 1 : 0);
};

/**
 * SORT ... STORE with the destination on another shard than the sorted key:
 * the sorted key's shard computes the result with STORE's semantics
 * (`sortResult`), then the destination's shard stores it as a list (or
 * deletes the destination when the result is empty), as Redis's STORE does.
 */
const sortStoreAcross: CoordOp = async (ctx, args) => {
  const { shards } = ctx.server;
  const db = ctx.conn.db;
  const positions = ctx.entry.spec.getKeys?.(args) ?? [];
  const dest = args[positions[positions.length - 1]];
  const items = await shards.call(shards.router.shardOf(args[1]), 'sortResult', { args }, { db });
  const existed = await shards.call(shards.router.shardOf(dest), 'storeList', { key: dest, items }, { db });
  if (items.length > 0) {
    if (!existed) notifyKeyspaceEvent(ctx.server, NOTIFY.new, 'new', dest, db);
    notifyKeyspaceEvent(ctx.server, NOTIFY.list, 'sortstore', dest, db);
  } else if (existed) {
    notifyKeyspaceEvent(ctx.server, NOTIFY.generic, 'del', dest, db);
  }
  return integerReply(items.length);
};

/** The coordinators of rows with `cross: 'coordinator'`, by full name. */
export const crossShardCoords: Coords = {
  copy: copyAcross,
  sort: sortStoreAcross,
  ...scriptCoords,
};
