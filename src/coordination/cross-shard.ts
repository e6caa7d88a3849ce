/**
 * Hand-written coordinators for shard rows whose keys live on different
 * shards and that the scratch executor cannot serve (rows with `cross:
 * 'coordinator'`): COPY (its destination may be in another database) and
 * SORT / SORT_RO with pattern keys or a STORE destination on other shards
 * (pattern keys are not declared keys: they depend on the elements). Same-shard
 * calls never come here: the shard op does them.
 *
 * Dispatch runs them under the shard lock (coordination/shard-lock.ts), so no
 * other command runs between their steps (docs/architecture.md,
 * "Transactions and cross-shard atomicity"). Their shard steps are RPCs that
 * notify nothing: each raises its command's own keyspace notifications.
 */
import { scriptCoords } from './scripts';
import type { CoordOp, Coords } from './context';
import { buildReply, integerReply } from '../resp/replies';
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
  const v = await dumpKey(shards, args[1], ctx.conn.db, true);
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
 * SORT / SORT_RO whose BY/GET pattern keys may be on other shards, or whose
 * STORE destination is: the sorted key's shard computes the result
 * (`sortResult`), reading the pattern keys of other shards from them while
 * this lock keeps them idle; then the reply, or the destination's shard
 * stores the result as a list (or deletes the destination when it is empty),
 * as Redis's STORE does.
 */
const sortAcross: CoordOp = async (ctx, args) => {
  const { shards } = ctx.server;
  const db = ctx.conn.db;
  const readonly = ctx.entry.spec.variant?.readonly === true;
  const { out, storekey } = await shards.call(shards.router.shardOf(args[1]), 'sortResult', { args, readonly }, { db, proto: ctx.conn.proto, connId: ctx.conn.id });
  if (storekey === null) {
    return buildReply(ctx, (w) => {
      w.array(out.length);
      for (const s of out) w.bulkOrNull(s);
    });
  }
  const items = out.map((s) => s ?? '');
  const existed = await shards.call(shards.router.shardOf(storekey), 'storeList', { key: storekey, items }, { db });
  if (items.length > 0) {
    if (!existed) notifyKeyspaceEvent(ctx.server, NOTIFY.new, 'new', storekey, db);
    notifyKeyspaceEvent(ctx.server, NOTIFY.list, 'sortstore', storekey, db);
  } else if (existed) {
    notifyKeyspaceEvent(ctx.server, NOTIFY.generic, 'del', storekey, db);
  }
  return integerReply(items.length);
};

/** The coordinators of rows with `cross: 'coordinator'`, by full name. */
export const crossShardCoords: Coords = {
  copy: copyAcross,
  sort: sortAcross,
  sort_ro: sortAcross,
  ...scriptCoords,
};
