/**
 * Shard RPC, moving keys and running commands across shards: the shard side
 * of src/coordination/ (key transfers, the scratch executor, SORT with pattern
 * keys or a STORE destination on other shards).
 */
import type { DumpedValue, KeyValue, KeyspaceEvent } from '../../src/core/shard-protocol';
import { ReplyWriter } from '../../src/core/wire/reply-writer';
import { ReplyError } from '../../src/core/errors';
import { NOTIFY } from '../../src/core/notify';
import { countReadLookup, type ShardOpContext } from '../op-context';
import { ShardState } from '../shard-state';
import type { Db } from '../db';
import { dumpValue, restoreValue } from '../value';
import { ListValue } from '../structures/list';
import { readPatternKey, sortGeneric } from '../families/sort';
import { OPS } from '../ops';
import { countReads, readsBefore } from '../run-command';
import type { RpcHandlers } from './handler';

/** A key of `db` as it moves between shards, or null when absent. `touch`: a read that sets the access time. */
function dumpKey(db: Db, key: string, now: number, touch: boolean): DumpedValue | null {
  const v = touch ? db.get(key, now) : db.peek(key, now);
  if (v === undefined) return null;
  const { tag, payload } = dumpValue(v);
  return { type: tag, payload, expireAt: db.getExpireExact(key) ?? null, form: db.stringForm(key) };
}

/**
 * Stores a dumped value, replacing what is there, without the `new`
 * notification: a write-back or a scratch copy is no creation by a client
 * (the command's own notifications are raised by whoever runs it).
 */
function loadKey(db: Db, key: string, value: DumpedValue): void {
  const val = restoreValue(value.type, value.payload);
  db.delete(key);
  const onAdded = db.onAdded;
  db.onAdded = null;
  db.set(key, val);
  db.onAdded = onAdded;
  if (value.expireAt !== null) db.setExpireExact(key, value.expireAt);
  db.setStringForm(key, value.form);
}

function sameValue(a: DumpedValue | null, b: DumpedValue | null): boolean {
  if (a === null || b === null) return a === b;
  return a.type === b.type && a.payload === b.payload && a.expireAt === b.expireAt && a.form === b.form;
}

export const transferRpc: Pick<RpcHandlers, 'dump' | 'restore' | 'delete' | 'scratch' | 'sortResult' | 'patternValues' | 'storeList'> = {
  dump: (ctx, { key, read }) => {
    const v = dumpKey(ctx.db, key, ctx.now, true);
    if (read === true) countReadLookup(ctx, key, v !== null);
    return v;
  },

  restore: (ctx, { key, value, mode, change }) => {
    if (mode === 'nx' && ctx.db.has(key, ctx.now)) return false;
    loadKey(ctx.db, key, value);
    if (change === true) ctx.shard.stats.dirty++;
    ctx.shard.signals.signal(ctx.dbIndex, key);
    return true;
  },

  delete: (ctx, { key }) => {
    const deleted = ctx.db.delete(key);
    if (deleted) ctx.shard.signals.signal(ctx.dbIndex, key);
    return deleted;
  },

  /**
   * The scratch executor's shard step: runs the row's own op against a
   * scratch copy of exactly the command's keys, so a command whose keys span
   * shards gives exactly the result it gives on one shard. The coordinator
   * (src/coordination/scratch.ts) holds the shard lock, brought the keys and
   * writes back the ones that changed.
   */
  scratch: (ctx, { opIndex, args, keys }) => {
    const op = OPS[opIndex];
    // id -1: a scratch shard is no real shard, so a shard-local check that a
    // key must live on "this" shard (SORT's BY/GET patterns) refuses rather
    // than silently reading nothing.
    const scratch = new ShardState(-1, ctx.shard.shardCount, ctx.shard.settings);
    const db = scratch.db(ctx.dbIndex);
    scratch.tick(ctx.now);
    for (const { key, value } of keys) if (value !== null) loadKey(db, key, value);
    const dbIndex = ctx.dbIndex;
    const opCtx: ShardOpContext = {
      shard: scratch,
      db,
      dbIndex,
      connId: ctx.connId,
      proto: ctx.proto,
      now: ctx.now,
      notify: (cls, event, key, changes = 1) => {
        if (cls !== NOTIFY.keymiss) scratch.stats.dirty += changes;
        scratch.notify(cls, event, key, dbIndex);
      },
    };
    const cmd = args.slice();
    cmd[0] = op.commandName;
    const w = new ReplyWriter(1024);
    w.proto = ctx.proto;
    const before = readsBefore(op, opCtx, cmd);
    try {
      op.run(opCtx, cmd, w, op.variant);
      countReads(op, opCtx, cmd, before, false);
    } catch (err) {
      if (!(err instanceof ReplyError)) throw err;
      w.reset();
      w.error(err.message);
      countReads(op, opCtx, cmd, before, true);
    }
    // The op's changes and lookups count here, where it ran (Redis's dirty counter; the write-backs add nothing).
    ctx.shard.stats.dirty += scratch.stats.dirty;
    ctx.shard.stats.keyspaceHits += scratch.stats.keyspaceHits;
    ctx.shard.stats.keyspaceMisses += scratch.stats.keyspaceMisses;
    const changed: KeyValue[] = [];
    for (const { key, value } of keys) {
      const after = dumpKey(db, key, ctx.now, false);
      if (!sameValue(value, after)) changed.push({ key, value: after });
    }
    const events: KeyspaceEvent[] = [];
    for (const ev of scratch.signals.takeEvents() ?? []) if (ev.type === 'keyspace') events.push(ev);
    return { reply: w.buf.latin1Slice(0, w.len), changed, events };
  },

  /** SORT computed where the sorted key lives, its pattern keys read wherever they are (under the shard lock). */
  sortResult: (ctx, { args, readonly }) => {
    const found = ctx.db.isLive(args[1], ctx.now);
    const result = sortGeneric(ctx, args, readonly, ctx.shard.peers);
    // The sorted key is a read lookup (SORT's readLookups, counted here when the coordinator runs it).
    countReadLookup(ctx, args[1], found);
    return result;
  },

  patternValues: (ctx, { reads }) => reads.map(([key, field]) => readPatternKey(ctx, key, field)),

  storeList: (ctx, { key, items }) => {
    const existed = ctx.db.has(key, ctx.now);
    // SORT ... STORE across shards: Redis counts each element stored, or the delete of the destination.
    if (items.length > 0) {
      loadKey(ctx.db, key, { type: 'list', payload: ListValue.fromArray(items).serialize(), expireAt: null, form: null });
      ctx.shard.stats.dirty += items.length;
    } else if (ctx.db.delete(key)) {
      ctx.shard.stats.dirty++;
    }
    ctx.shard.signals.signal(ctx.dbIndex, key);
    return existed;
  },
};
