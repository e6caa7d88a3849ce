/**
 * The generic cross-shard executor: runs a shard-local command whose keys live
 * on several shards, by running the command's own `op` on the main thread
 * against a scratch copy of exactly those keys.
 *
 *   1. dump every key the command names (value, deadline) from its shard;
 *   2. load them into a scratch database;
 *   3. run the row's `op` there, the same function the shards run;
 *   4. write back every key whose value or deadline changed (restore, or
 *      delete when it is gone) to the shard that owns it.
 *
 * So a family only declares its key positions and its values' serialize();
 * SINTERSTORE, SMOVE, LMOVE, ZUNIONSTORE, BITOP, PFMERGE ... across shards give
 * exactly the result the op gives on one shard.
 *
 * What holds today: this is not isolated. Other clients can observe the
 * command half applied (some shards written back, others not), and a write
 * another client makes to one of these keys between steps 1 and 4 is
 * overwritten by the write-back. Keys sharing a {hash tag} never come here.
 * The caller's own pipeline is safe: dispatch holds its later commands until
 * this finishes, and each shard runs requests in arrival order.
 */
import { keymiss, raisesKeymiss } from '../../../workers/run-command';
import { NOTIFY } from '../../../workers/notify';
import type { CoordOp } from '../spec';
import { keyPositions, type TableEntry } from '../table';
import { ReplyWriter } from '../../resp/reply-writer';
import { ReplyError } from '../../resp/errors';
import { ShardState } from '../../../workers/shard-state';
import { dumpValue, restoreValue } from '../../../workers/value';
import { deleteKey, dumpKey, restoreKey, type DumpedValue } from './transfer';

function sameDump(a: DumpedValue | null, b: DumpedValue | null): boolean {
  if (a === null || b === null) return a === b;
  return a.tag === b.tag && a.payload === b.payload && a.deadline === b.deadline;
}

/** Builds the coordinator that runs `entry`'s op on a scratch copy of its keys. */
export function scratchCoordinator(entry: TableEntry): CoordOp {
  return async (ctx, args) => {
    const op = entry.spec.op;
    if (op === undefined) throw new ReplyError(`ERR internal error: '${entry.fullName}' has no shard op`);
    const keys = [...new Set(keyPositions(entry.spec, args).map((p) => args[p].latin1Slice(0, args[p].length)))];
    const before = await Promise.all(keys.map((k) => dumpKey(ctx, k, ctx.conn.db)));

    // id -1: a scratch shard is no real shard, so a shard-local check that a
    // key must live on "this" shard refuses rather than silently reading nothing.
    const scratch = new ShardState(-1, ctx.server.shards.count, ctx.server.config.shardSettings());
    const db = scratch.db(ctx.conn.db);
    const now = Date.now();
    scratch.tick(now);
    keys.forEach((k, i) => {
      const d = before[i];
      if (d === null) return;
      db.set(k, restoreValue(d.tag, d.payload));
      if (d.deadline !== '') db.setExpireExact(k, BigInt(d.deadline));
      if (d.priv === '1') db.markPrivate(k);
    });

    // Loading the scratch copy is no creation: drop its `new` notifications.
    scratch.signals.takeEvents();
    const strArgs = args.map((a) => a.latin1Slice(0, a.length));
    strArgs[0] = entry.parent === undefined ? entry.spec.name : entry.parent.spec.name;
    if (entry.parent !== undefined) strArgs[1] = entry.spec.name;
    const w = new ReplyWriter(1024);
    w.proto = ctx.conn.proto;
    try {
      const dbIndex = ctx.conn.db;
      const notify = (cls: number, event: string, key: string): void => scratch.notify(cls, event, key, dbIndex);
      const opCtx = { shard: scratch, db, dbIndex, connId: ctx.conn.id, now, notify };
      op(opCtx, strArgs, w);
      const name = entry.parent === undefined ? entry.spec.name : entry.parent.spec.name;
      if ((scratch.settings.notifyFlags & NOTIFY.keymiss) !== 0 && raisesKeymiss(entry.spec, name)) keymiss(entry.spec, opCtx, strArgs);
    } catch (err) {
      if (!(err instanceof ReplyError)) throw err;
      w.reset();
      w.error(err.message);
    }

    const writes: Promise<void>[] = [];
    keys.forEach((k, i) => {
      const v = db.peek(k, now);
      let after: DumpedValue | null = null;
      if (v !== undefined) {
        const { tag, payload } = dumpValue(v);
        const at = db.getExpireExact(k);
        after = { tag, payload, deadline: at === undefined ? '' : at.toString(), priv: db.isPrivate(k) ? '1' : '0' };
      }
      if (sameDump(before[i], after)) return;
      writes.push(after === null ? deleteKey(ctx, k, ctx.conn.db) : restoreKey(ctx, k, ctx.conn.db, after, 'replace').then(() => undefined));
    });
    await Promise.all(writes);
    // The op's keyspace notifications (queued in the scratch shard) are published once the keys are written back.
    for (const ev of scratch.signals.takeEvents() ?? []) if (ev.type === 'keyspace') ctx.server.shardEvents.keyspace?.(-1, ev);
    return w.take();
  };
}
