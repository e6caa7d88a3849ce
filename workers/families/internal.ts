/**
 * Internal shard ops: what coordinators on the main thread ask of every shard
 * (DBSIZE, FLUSHDB, KEYS, SCAN, ...). Never reachable by clients: the rows are
 * `internal` and their names start with `__`.
 */
import { internalRow, type CommandSpec, type ShardOpContext } from '../../src/commands/spec';
import type { ReplyWriter } from '../../src/resp/reply-writer';
import { ReplyError } from '../../src/resp/errors';
import { globMatch } from '../glob';
import { dumpValue, restoreValue, typeName, type Value } from '../value';

function opDbsize(ctx: ShardOpContext, _args: string[], w: ReplyWriter): void {
  w.integer(ctx.db.size);
}

function opFlushdb(ctx: ShardOpContext, _args: string[], w: ReplyWriter): void {
  ctx.db.clear();
  ctx.shard.signals.signalDb(ctx.dbIndex);
  w.ok();
}

function opFlushall(ctx: ShardOpContext, _args: string[], w: ReplyWriter): void {
  ctx.shard.dbs.forEach((db, i) => {
    db?.clear();
    ctx.shard.signals.signalDb(i);
  });
  w.ok();
}

/**
 * __connclosed: a connection ended; drop everything it registered in this
 * shard (blocked waiters, WATCH, .WATCH). Sent in the same ordered stream as
 * the connection's requests, so it always follows its registrations.
 */
function opConnclosed(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  w.integer(ctx.shard.signals.dropConn(Number(args[1])));
}

/** __keys pattern: this shard's live keys matching the glob. */
function opKeys(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const pattern = args[1];
  // A lone `*` matches every key, even the empty one the matcher itself would refuse (as in Redis).
  const all = pattern === '*';
  const out: string[] = [];
  ctx.db.forEach(ctx.now, (key) => {
    if (all || globMatch(pattern, key)) out.push(key);
  });
  w.array(out.length);
  for (const k of out) w.bulk(k);
}

/**
 * __scan cursor count usePattern pattern useType type
 * Replies [next cursor, entries visited, [keys]]; the coordinator uses the
 * visited count to decide whether to go on to the next shard in the same call.
 */
function opScan(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const cursor = Number(args[1]);
  const count = Number(args[2]);
  const pattern = args[3] === '1' && args[4] !== '*' ? args[4] : null;
  const type = args[5] === '1' ? args[6].toLowerCase() : null;
  const out: string[] = [];
  const db = ctx.db;
  const sizeBefore = db.size;
  const next = db.scan(cursor, count, ctx.now, (key: string, val: Value) => {
    if (pattern !== null && !globMatch(pattern, key)) return;
    if (type !== null && typeName(val) !== type) return;
    out.push(key);
  });
  const start = cursor === 0 ? sizeBefore : Math.min(cursor, sizeBefore);
  const visited = next === 0 ? start : start - next;
  w.array(3);
  w.integer(next);
  w.integer(visited);
  w.array(out.length);
  for (const k of out) w.bulk(k);
}

function opRandomkey(ctx: ShardOpContext, _args: string[], w: ReplyWriter): void {
  w.bulkOrNull(ctx.db.randomKey(ctx.now));
}

/** __swapdb a b (indexes already checked by the coordinator). */
function opSwapdb(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  ctx.shard.swapDbs(Number(args[1]), Number(args[2]));
  w.ok();
}

/** __dump key: nil if absent, else [tag, payload, deadline ms or "", private-copy mark "1"/"0"]. */
function opDump(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const v = ctx.db.get(args[1], ctx.now);
  if (v === undefined) {
    w.nullArray();
    return;
  }
  const { tag, payload } = dumpValue(v);
  const at = ctx.db.getExpireExact(args[1]);
  w.array(4);
  w.bulk(tag);
  w.bulk(payload);
  w.bulk(at === undefined ? '' : at.toString());
  w.bulk(ctx.db.isPrivate(args[1]) ? '1' : '0');
}

/**
 * __restore key tag payload deadline mode private: stores a dumped value with
 * its deadline. mode `replace` overwrites; `nx` leaves an existing key alone.
 * private `1` marks the value a private copy (OBJECT REFCOUNT).
 * Replies 1 if stored, 0 if not.
 */
function opRestore(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const key = args[1];
  const db = ctx.db;
  if (args[5] === 'nx' && db.has(key, ctx.now)) {
    w.integer(0);
    return;
  }
  const val = restoreValue(args[2], args[3]);
  db.delete(key);
  // A coordinator's write-back: the command's own notifications (`new` included) are raised by the coordinator.
  const onAdded = db.onAdded;
  db.onAdded = null;
  db.set(key, val);
  db.onAdded = onAdded;
  if (args[4] !== '') db.setExpireExact(key, BigInt(args[4]));
  if (args[6] === '1') db.markPrivate(key);
  ctx.shard.signals.signal(ctx.dbIndex, key);
  w.integer(1);
}

/**
 * __delete key: removes a key for a cross-shard coordinator's write-back,
 * without the keyspace notification DEL would raise (the coordinator raises
 * the command's own events). Listeners on the key are signalled.
 */
function opDelete(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const deleted = ctx.db.delete(args[1]);
  if (deleted) ctx.shard.signals.signal(ctx.dbIndex, args[1]);
  w.integer(deleted ? 1 : 0);
}

const internal = internalRow;

export const internalCommands: CommandSpec[] = [
  internal('__dbsize', opDbsize),
  internal('__flushdb', opFlushdb),
  internal('__flushall', opFlushall),
  internal('__keys', opKeys),
  internal('__scan', opScan),
  internal('__randomkey', opRandomkey),
  internal('__swapdb', opSwapdb),
  internal('__dump', opDump),
  internal('__restore', opRestore),
  internal('__delete', opDelete),
  internal('__connclosed', opConnclosed),
];
