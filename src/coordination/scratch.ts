/**
 * The generic cross-shard executor: runs a shard row whose keys live on
 * several shards (and that no split strategy or hand-written coordinator
 * covers) with the row's own op, on a scratch copy of exactly those keys.
 *
 *   1. dump every key the command names (value, deadline) from its shard;
 *   2. send them with the command to one shard (the first key's), which
 *      loads them into a scratch database and runs the op there, the same
 *      function the shards run on their own data (workers/rpc/transfer.ts);
 *   3. write back every key whose value or deadline changed (restore, or
 *      delete when it is gone) to the shard that owns it;
 *   4. publish the keyspace notifications the op raised.
 *
 * So a family only declares its key positions and makes its values
 * serializable: SINTERSTORE, SMOVE, LMOVE, ZUNIONSTORE, BITOP, PFMERGE,
 * RENAME, MSETNX, LCS ... across shards give exactly the result the op gives
 * on one shard.
 *
 * Dispatch runs it under the shard lock (coordination/shard-lock.ts): no other
 * command runs between the steps, so nobody sees it half applied and no write
 * lands between the dump and the write-back. Keys sharing a {hash tag} never
 * come here.
 */
import { keyPositions } from '../core/commands/spec';
import type { KeyValue } from '../core/shard-protocol';
import type { CoordOp, TableEntry } from './context';
import { deleteKey, dumpKey, restoreKey } from './transfer';
import { publishKeyspaceEvent } from '../pubsub/notifications';

/** Builds the coordinator that runs `entry`'s op on a scratch copy of its keys. */
export function scratchCoordinator(entry: TableEntry): CoordOp {
  return async (ctx, args) => {
    const { shards } = ctx.server;
    const db = ctx.conn.db;
    const names = [...new Set(keyPositions(entry.spec, args).map((p) => args[p]))];
    const before = await Promise.all(names.map((key) => dumpKey(shards, key, db)));
    const keys: KeyValue[] = names.map((key, i) => ({ key, value: before[i] }));
    const runOn = names.length === 0 ? 0 : shards.router.shardOf(names[0]);
    const scope = { db, proto: ctx.conn.proto, connId: ctx.conn.id };
    const result = await shards.call(runOn, 'scratch', { opIndex: entry.opIndex, args, keys }, scope);
    await Promise.all(
      result.changed.map(({ key, value }) => (value === null ? deleteKey(shards, key, db) : restoreKey(shards, key, db, value, 'replace'))),
    );
    // The op's keyspace notifications are published once the keys are written back.
    for (const ev of result.events) publishKeyspaceEvent(ctx.server, ev);
    return Buffer.from(result.reply, 'latin1');
  };
}
