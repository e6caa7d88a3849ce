/**
 * List commands. Each `op*` function runs inside the shard that owns its keys
 * (or, for LMOVE/RPOPLPUSH/LMPOP with keys on several shards, on a scratch copy
 * of exactly those keys: see src/coordination/scratch.ts), so an op
 * touches only the keys at its declared positions.
 *
 * Argument checks follow Redis 7.0's order, which decides which error wins:
 * e.g. LRANGE/LTRIM/LREM parse their numbers before looking at the key, while
 * LINDEX/LSET look at the key first.
 */
import type { ShardOpContext, ShardOps } from '../op-context';
import type { ReplyWriter } from '../../src/core/wire/reply-writer';
import { ERR_INDEX_OUT_OF_RANGE, ERR_NO_SUCH_KEY, ERR_SYNTAX, ReplyError, errWrongArity } from '../../src/core/errors';
import { intArg, isOpt, parseI64, parseSafeInt } from '../../src/core/args/parse';
import { parseMpop } from '../../src/core/args/options';
import { ListValue } from '../structures/list';
import { deleteIfEmpty, getTyped } from './typed';
import { NOTIFY } from '../../src/core/notify';

export { ListValue };

const ERR_POSITIVE = 'ERR value is out of range, must be positive';
const ERR_RANK_ZERO =
  "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
const ERR_COUNT_NEGATIVE = "ERR COUNT can't be negative";
const ERR_MAXLEN_NEGATIVE = "ERR MAXLEN can't be negative";

const MIN_I64 = -(2n ** 63n);

type End = 'left' | 'right';

function getList(ctx: ShardOpContext, key: string): ListValue | undefined {
  return getTyped<ListValue>(ctx, key, 'list');
}

/** LEFT/RIGHT, case-insensitive, else a syntax error. */
function endArg(s: string): End {
  if (isOpt(s, 'left')) return 'left';
  if (isOpt(s, 'right')) return 'right';
  throw new ReplyError(ERR_SYNTAX);
}

/** Redis's getPositiveLong: not an integer or below zero both give `error`. */
function nonNegativeArg(s: string, error: string): number {
  const n = parseI64(s);
  if (n === null || n < 0n) throw new ReplyError(error);
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

// ---------------------------------------------------------------------------
// Pushing

/**
 * The one place elements are added to a list (LPUSH/RPUSH/LPUSHX/RPUSHX,
 * LMOVE/RPOPLPUSH's destination); creates the key when `list` is undefined.
 * Blocked-client wake-ups (BLPOP, later) hook in here.
 */
function pushElements(
  ctx: ShardOpContext,
  key: string,
  list: ListValue | undefined,
  end: End,
  elements: readonly string[],
  from: number,
): ListValue {
  let target = list;
  if (target === undefined) {
    target = new ListValue(elements.length - from);
    ctx.db.set(key, target);
  }
  if (end === 'left') for (let i = from; i < elements.length; i++) target.pushFront(elements[i]);
  else for (let i = from; i < elements.length; i++) target.pushBack(elements[i]);
  ctx.notify(NOTIFY.list, end === 'left' ? 'lpush' : 'rpush', key, elements.length - from);
  return target;
}

/** The end a push or pop works on: the rows' variant (LPUSH/RPUSH, LPOP/RPOP, ...). */
interface EndVariant {
  end: End;
}

/** LPUSH/RPUSH key element [element ...] */
function opPush(ctx: ShardOpContext, args: string[], w: ReplyWriter, { end }: EndVariant): void {
  const list = getList(ctx, args[1]);
  const l = pushElements(ctx, args[1], list, end, args, 2);
  w.integer(l.length);
}

/** LPUSHX/RPUSHX key element [element ...]: only onto an existing list. */
function opPushx(ctx: ShardOpContext, args: string[], w: ReplyWriter, { end }: EndVariant): void {
  const list = getList(ctx, args[1]);
  if (list === undefined) return w.integer(0);
  pushElements(ctx, args[1], list, end, args, 2);
  w.integer(list.length);
}

// ---------------------------------------------------------------------------
// Popping

function popOne(list: ListValue, end: End): string {
  return (end === 'left' ? list.popFront() : list.popBack()) as string;
}

/** LPOP/RPOP key [count] */
function opPop(ctx: ShardOpContext, args: string[], w: ReplyWriter, { end }: EndVariant): void {
  if (args.length > 3) throw new ReplyError(errWrongArity(args[0]));
  const key = args[1];
  const hasCount = args.length === 3;
  const count = hasCount ? nonNegativeArg(args[2], ERR_POSITIVE) : 1;
  const list = getList(ctx, key);
  if (list === undefined) {
    if (hasCount) w.nullArray();
    else w.nullBulk();
    return;
  }
  let n = 1;
  if (!hasCount) {
    w.bulk(popOne(list, end));
  } else {
    // COUNT 0 on an existing list answers an empty array and changes nothing.
    n = Math.min(count, list.length);
    w.array(n);
    for (let i = 0; i < n; i++) w.bulk(popOne(list, end));
    if (n === 0) return;
  }
  ctx.notify(NOTIFY.list, end === 'left' ? 'lpop' : 'rpop', key, n);
  deleteIfEmpty(ctx, key, list);
}

/** LMPOP numkeys key [key ...] <LEFT | RIGHT> [COUNT count] */
function opLmpop(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const { keys, where, count } = parseMpop(args, 1, 'left', 'right');
  const end = where as End;
  for (const key of keys) {
    const list = getList(ctx, key);
    if (list === undefined) continue;
    const n = Math.min(count, list.length);
    w.array(2);
    w.bulk(key);
    w.array(n);
    for (let j = 0; j < n; j++) w.bulk(popOne(list, end));
    ctx.notify(NOTIFY.list, end === 'left' ? 'lpop' : 'rpop', key, n);
    deleteIfEmpty(ctx, key, list);
    return;
  }
  w.nullArray();
}

/**
 * LMOVE source destination <LEFT | RIGHT> <LEFT | RIGHT>; RPOPLPUSH is LMOVE
 * source destination RIGHT LEFT. With source == destination it rotates.
 */
function opLmove(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  let from: End = 'right';
  let to: End = 'left';
  if (args[0] === 'lmove') {
    from = endArg(args[3]);
    to = endArg(args[4]);
  }
  const src = args[1];
  const dst = args[2];
  const list = getList(ctx, src);
  if (list === undefined) return w.nullBulk();
  // The destination's type is checked before anything is popped.
  const target = src === dst ? list : getList(ctx, dst);
  const v = popOne(list, from);
  pushElements(ctx, dst, target, to, [v], 0);
  // Redis counts a move as one change: its push.
  ctx.notify(NOTIFY.list, from === 'left' ? 'lpop' : 'rpop', src, 0);
  deleteIfEmpty(ctx, src, list);
  w.bulk(v);
}

// ---------------------------------------------------------------------------
// Reading

function opLlen(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const list = getList(ctx, args[1]);
  w.integer(list === undefined ? 0 : list.length);
}

/** LRANGE key start stop: inclusive, negative from the end, clamped. */
function opLrange(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  let start = intArg(args[2]);
  let end = intArg(args[3]);
  const list = getList(ctx, args[1]);
  if (list === undefined) return w.array(0);
  const len = list.length;
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) return w.array(0);
  if (end >= len) end = len - 1;
  writeRange(w, list, start, end);
}

/**
 * Writes elements start..end as an array reply. `bulkRange` frames short
 * elements with byte stores, so no intermediate string is built, neither for
 * the reply (concatenating one made LRANGE_600 spend a quarter of its time in
 * GC) nor per element of a packed node.
 */
function writeRange(w: ReplyWriter, list: ListValue, start: number, end: number): void {
  const count = end - start + 1;
  w.array(count);
  // Room for the whole reply first: growing the inline shard's reply arena
  // midway copies what was written of it (src/core/wire/byte-buffer.ts), and
  // 100 elements of 1 KB grew and copied twice per reply. A bulk header is
  // at most 16 bytes ('$', up to 10 digits, two CRLFs).
  w.ensure(list.rangeChars(start, end) + count * 16);
  list.forRange(start, end, w);
}

/** Turns a possibly negative index into a position, or -1 when out of range. */
function position(index: number, len: number): number {
  const i = index < 0 ? index + len : index;
  return i < 0 || i >= len ? -1 : i;
}

function opLindex(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const list = getList(ctx, args[1]);
  if (list === undefined) return w.nullBulk();
  const i = position(intArg(args[2]), list.length);
  if (i === -1) w.nullBulk();
  else w.bulk(list.at(i));
}

/** LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
function opLpos(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  let rank = 1n;
  let count = -1;
  let maxlen = 0;
  for (let j = 3; j < args.length; j++) {
    const more = j + 1 < args.length;
    if (isOpt(args[j], 'rank') && more) {
      const r = parseI64(args[++j]);
      if (r === null) throw new ReplyError('ERR value is not an integer or out of range');
      if (r === 0n) throw new ReplyError(ERR_RANK_ZERO);
      rank = r;
    } else if (isOpt(args[j], 'count') && more) {
      count = nonNegativeArg(args[++j], ERR_COUNT_NEGATIVE);
    } else if (isOpt(args[j], 'maxlen') && more) {
      maxlen = nonNegativeArg(args[++j], ERR_MAXLEN_NEGATIVE);
    } else {
      throw new ReplyError(ERR_SYNTAX);
    }
  }
  const fromTail = rank < 0n;
  // Redis negates the rank in 64-bit arithmetic: -(-2^63) stays -2^63, so every
  // match qualifies and a COUNT never stops the scan early. Reproduced here.
  const wraps = rank === MIN_I64;
  const absRank = wraps ? 1 : Number(rank < 0n ? -rank : rank);
  const list = getList(ctx, args[1]);
  const wantArray = count !== -1;
  if (list === undefined) {
    if (wantArray) w.array(0);
    else w.nullBulk();
    return;
  }
  const element = args[2];
  const len = list.length;
  const limit = maxlen === 0 ? len : Math.min(maxlen, len);
  const found: number[] = [];
  let matches = 0;
  for (let k = 0; k < limit; k++) {
    const i = fromTail ? len - 1 - k : k;
    if (list.at(i) !== element) continue;
    matches++;
    if (matches < absRank) continue;
    found.push(i);
    if (!wantArray) break;
    if (count !== 0 && !wraps && matches - absRank + 1 >= count) break;
  }
  if (wantArray) {
    w.array(found.length);
    for (const i of found) w.integer(i);
  } else if (found.length === 0) {
    w.nullBulk();
  } else {
    w.integer(found[0]);
  }
}

// ---------------------------------------------------------------------------
// Changing in place

function opLset(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const list = getList(ctx, args[1]);
  if (list === undefined) throw new ReplyError(ERR_NO_SUCH_KEY);
  const i = position(intArg(args[2]), list.length);
  if (i === -1) throw new ReplyError(ERR_INDEX_OUT_OF_RANGE);
  list.setAt(i, args[3]);
  ctx.notify(NOTIFY.list, 'lset', args[1]);
  w.ok();
}

/** LINSERT key <BEFORE | AFTER> pivot element: the new length, -1 without the pivot, 0 without the key. */
function opLinsert(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  let after: boolean;
  if (isOpt(args[2], 'after')) after = true;
  else if (isOpt(args[2], 'before')) after = false;
  else throw new ReplyError(ERR_SYNTAX);
  const list = getList(ctx, args[1]);
  if (list === undefined) return w.integer(0);
  const i = list.indexOf(args[3]);
  if (i === -1) return w.integer(-1);
  list.insertAt(after ? i + 1 : i, args[4]);
  ctx.notify(NOTIFY.list, 'linsert', args[1]);
  w.integer(list.length);
}

/** LREM key count element */
function opLrem(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const count = intArg(args[2]);
  const list = getList(ctx, args[1]);
  if (list === undefined) return w.integer(0);
  const removed = list.removeMatching(args[3], count);
  if (removed > 0) ctx.notify(NOTIFY.list, 'lrem', args[1], removed);
  deleteIfEmpty(ctx, args[1], list);
  w.integer(removed);
}

/** LTRIM key start stop: keeps only that range (inclusive, negative from the end). */
function opLtrim(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  let start = intArg(args[2]);
  let end = intArg(args[3]);
  const list = getList(ctx, args[1]);
  if (list === undefined) return w.ok();
  const len = list.length;
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  let front: number;
  let back: number;
  if (start > end || start >= len) {
    front = len;
    back = 0;
  } else {
    if (end >= len) end = len - 1;
    front = start;
    back = len - end - 1;
  }
  list.trim(front, back);
  ctx.notify(NOTIFY.list, 'ltrim', args[1], Math.min(len, front + back));
  deleteIfEmpty(ctx, args[1], list);
  w.ok();
}

// ---------------------------------------------------------------------------


export const listOps: ShardOps = {
  push: opPush,
  pushx: opPushx,
  pop: opPop,
  llen: opLlen,
  lrange: opLrange,
  lindex: opLindex,
  lset: opLset,
  linsert: opLinsert,
  lrem: opLrem,
  ltrim: opLtrim,
  lpos: opLpos,
  lmove: opLmove,
  lmpop: opLmpop,
};
