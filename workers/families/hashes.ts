/**
 * The hashes family (shard-local rows). Values are HashValue
 * (workers/structures/hash.ts); Redis never keeps an empty hash, so every
 * deletion path ends in deleteIfEmpty.
 */
import { checkRandomReplySize } from './reply-limits';
import type { ShardOpContext, ShardOps } from '../op-context';
import type { ReplyWriter } from '../../src/core/wire/reply-writer';
import { ERR_INVALID_CURSOR, ERR_NOT_FLOAT, ERR_NOT_INTEGER, ERR_SYNTAX, ReplyError, errWrongArity } from '../../src/core/errors';
import { isOpt, parseI64 } from '../../src/core/args/parse';
import { parseScanCursor, parseScanOptions } from '../../src/core/args/scan';
import { globMatch } from '../../src/core/glob';
import { addLongDouble, formatLongDoubleHuman, parseLongDouble } from '../long-double';
import { HashValue } from '../structures/hash';
import { deleteIfEmpty, getTyped } from './typed';
import { NOTIFY } from '../../src/core/notify';

const ERR_HASH_NOT_INTEGER = 'ERR hash value is not an integer';
const ERR_HASH_NOT_FLOAT = 'ERR hash value is not a float';
const ERR_INCR_NAN_INF = 'ERR value is NaN or Infinity';
const ERR_RESULT_NAN_INF = 'ERR increment would produce NaN or Infinity';
const ERR_OVERFLOW = 'ERR increment or decrement would overflow';
const ERR_RANDFIELD_RANGE = 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807';
const ERR_OUT_OF_RANGE = 'ERR value is out of range';

const MIN_I64 = -(2n ** 63n);
const MAX_I64 = 2n ** 63n - 1n;
/** LONG_MAX / 2: HRANDFIELD WITHVALUES refuses larger counts (the reply would have 2*count entries). */
const HALF_LONG_MAX = MAX_I64 / 2n;

function getHash(ctx: ShardOpContext, key: string): HashValue | undefined {
  return getTyped<HashValue>(ctx, key, 'hash');
}

/** The hash at `key`, created (and stored) empty when missing; callers must fill it before returning. */
function getOrCreateHash(ctx: ShardOpContext, key: string): HashValue {
  const h = getHash(ctx, key);
  if (h !== undefined) return h;
  const created = new HashValue();
  ctx.db.set(key, created);
  return created;
}

// ---------------------------------------------------------------------------
// Writes

/** HSET / HMSET key field value [field value ...] */
function opHset(ctx: ShardOpContext, args: string[], w: ReplyWriter, { replyOk }: { replyOk: boolean }): void {
  if (args.length % 2 === 1) throw new ReplyError(errWrongArity(args[0]));
  const h = getOrCreateHash(ctx, args[1]);
  let created = 0;
  created += h.setPairs(args, 2);
  // Redis counts every field given, changed or not.
  ctx.notify(NOTIFY.hash, 'hset', args[1], (args.length - 2) / 2);
  if (replyOk) w.ok();
  else w.integer(created);
}

function opHsetnx(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const h = getOrCreateHash(ctx, args[1]);
  if (h.has(args[2])) return w.integer(0);
  h.set(args[2], args[3]);
  ctx.notify(NOTIFY.hash, 'hset', args[1]);
  w.integer(1);
}

function opHdel(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const h = getHash(ctx, args[1]);
  if (h === undefined) return w.integer(0);
  let deleted = 0;
  for (let i = 2; i < args.length; i++) {
    if (h.delete(args[i])) {
      deleted++;
      if (h.size() === 0) break;
    }
  }
  if (deleted > 0) ctx.notify(NOTIFY.hash, 'hdel', args[1], deleted);
  deleteIfEmpty(ctx, args[1], h);
  w.integer(deleted);
}

function opHincrby(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const incr = parseI64(args[3]);
  if (incr === null) throw new ReplyError(ERR_NOT_INTEGER);
  const h = getHash(ctx, args[1]);
  let value = 0n;
  const cur = h?.get(args[2]);
  if (cur !== undefined) {
    const parsed = parseI64(cur);
    if (parsed === null) throw new ReplyError(ERR_HASH_NOT_INTEGER);
    value = parsed;
  }
  const next = value + incr;
  if (next < MIN_I64 || next > MAX_I64) throw new ReplyError(ERR_OVERFLOW);
  const s = next.toString();
  (h ?? getOrCreateHash(ctx, args[1])).set(args[2], s);
  ctx.notify(NOTIFY.hash, 'hincrby', args[1]);
  w.integer(s);
}

/** Redis parses and adds in long double and prints "%.17Lf" trimmed: see workers/long-double.ts. */
function opHincrbyfloat(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const incr = parseLongDouble(args[3]);
  if (incr === null) throw new ReplyError(ERR_NOT_FLOAT);
  if (incr.inf) throw new ReplyError(ERR_INCR_NAN_INF);
  const h = getHash(ctx, args[1]);
  const cur = h?.get(args[2]);
  let base = parseLongDouble('0');
  if (cur !== undefined) {
    base = parseLongDouble(cur);
    if (base === null) throw new ReplyError(ERR_HASH_NOT_FLOAT);
  }
  const sum = base === null ? null : addLongDouble(base, incr);
  if (sum === null || sum.inf) throw new ReplyError(ERR_RESULT_NAN_INF);
  const s = formatLongDoubleHuman(sum);
  (h ?? getOrCreateHash(ctx, args[1])).set(args[2], s);
  ctx.notify(NOTIFY.hash, 'hincrbyfloat', args[1]);
  w.bulk(s);
}

// ---------------------------------------------------------------------------
// Reads

function opHget(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  w.bulkOrNull(getHash(ctx, args[1])?.get(args[2]));
}

function opHmget(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const h = getHash(ctx, args[1]);
  w.array(args.length - 2);
  for (let i = 2; i < args.length; i++) w.bulkOrNull(h?.get(args[i]));
}

function opHlen(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  w.integer(getHash(ctx, args[1])?.size() ?? 0);
}

function opHstrlen(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  w.integer(getHash(ctx, args[1])?.get(args[2])?.length ?? 0);
}

function opHexists(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  w.integer(getHash(ctx, args[1])?.has(args[2]) ? 1 : 0);
}

function opHkeys(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const h = getHash(ctx, args[1]);
  w.array(h?.size() ?? 0);
  h?.forEach((f) => w.bulk(f));
}

function opHvals(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const h = getHash(ctx, args[1]);
  w.array(h?.size() ?? 0);
  h?.forEach((_f, v) => w.bulk(v));
}

function opHgetall(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const h = getHash(ctx, args[1]);
  w.map(h?.size() ?? 0);
  h?.forEach((f, v) => {
    w.bulk(f);
    w.bulk(v);
  });
}

// ---------------------------------------------------------------------------
// HRANDFIELD

type Entries = ReturnType<HashValue['positions']>;

/** One HRANDFIELD entry: the field, with its value when asked (a [field, value] pair in RESP3). */
function writeEntry(w: ReplyWriter, e: Entries, i: number, withValues: boolean): void {
  if (withValues && w.proto === 3) w.array(2);
  w.bulk(e.fieldAt(i));
  if (withValues) w.bulk(e.valueAt(i));
}

/** HRANDFIELD key [count [WITHVALUES]] */
function opHrandfield(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  if (args.length === 2) {
    const h = getHash(ctx, args[1]);
    if (h === undefined) return w.nullBulk();
    return w.bulk(h.positions().fieldAt(Math.floor(Math.random() * h.size())));
  }
  const l = parseI64(args[2]);
  if (l === null) throw new ReplyError(ERR_NOT_INTEGER);
  if (l === MIN_I64) throw new ReplyError(ERR_RANDFIELD_RANGE);
  if (args.length > 4 || (args.length === 4 && !isOpt(args[3], 'withvalues'))) throw new ReplyError(ERR_SYNTAX);
  const withValues = args.length === 4;
  if (withValues && (l < -HALF_LONG_MAX || l > HALF_LONG_MAX)) throw new ReplyError(ERR_OUT_OF_RANGE);
  const h = getHash(ctx, args[1]);
  if (h === undefined || l === 0n) return w.array(0);
  const size = h.size();
  // A listpack's entries are read once here for random access, not per pick.
  const e = h.positions();
  const unique = l > 0n;
  const countBig = unique ? l : -l;
  const flat = withValues && w.proto !== 3;

  if (!unique || countBig === 1n) {
    // Sampling with repetition: any count, in random order, within the reply bound.
    checkRandomReplySize('HRANDFIELD', countBig, e.fieldAt(0).length + (withValues ? e.valueAt(0).length + 8 : 0));
    const count = Number(countBig);
    w.array(flat ? count * 2 : count);
    for (let j = 0; j < count; j++) writeEntry(w, e, Math.floor(Math.random() * size), withValues);
    return;
  }
  if (countBig >= BigInt(size)) {
    // The whole hash, in its own order.
    w.array(flat ? size * 2 : size);
    for (let i = 0; i < size; i++) writeEntry(w, e, i, withValues);
    return;
  }
  const count = Number(countBig);
  w.array(flat ? count * 2 : count);
  for (const i of distinctPositions(size, count)) writeEntry(w, e, i, withValues);
}

/** `count` distinct positions out of [0, size), count < size, in O(count) expected time. */
function distinctPositions(size: number, count: number): number[] {
  if (count * 3 > size) {
    // Many of them: a partial Fisher-Yates shuffle of all positions.
    const all = Array.from({ length: size }, (_, i) => i);
    for (let j = 0; j < count; j++) {
      const k = j + Math.floor(Math.random() * (size - j));
      const t = all[j];
      all[j] = all[k];
      all[k] = t;
    }
    return all.slice(0, count);
  }
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(Math.random() * size));
  return [...picked];
}

// ---------------------------------------------------------------------------
// HSCAN


/** HSCAN key cursor [MATCH pattern] [COUNT count] */
function opHscan(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const cursor = parseScanCursor(args[2]);
  if (cursor === null) throw new ReplyError(ERR_INVALID_CURSOR);
  const h = getHash(ctx, args[1]);
  if (h === undefined) {
    w.array(2);
    w.bulk('0');
    return w.array(0);
  }
  const { count, pattern } = parseScanOptions(args, 3, false);
  const out: string[] = [];
  const visit = (f: string, v: string): void => {
    if (pattern === null || globMatch(pattern, f)) out.push(f, v);
  };
  let next = 0n;
  if (h.isListpack) {
    // A small hash comes back whole in one call, cursor 0, whatever COUNT says.
    h.forEach(visit);
  } else {
    next = h.scan(cursor, count, visit);
  }
  w.array(2);
  w.bulk(next.toString());
  w.array(out.length);
  for (const s of out) w.bulk(s);
}

// ---------------------------------------------------------------------------


export const hashOps: ShardOps = {
  hset: opHset,
  hsetnx: opHsetnx,
  hget: opHget,
  hmget: opHmget,
  hdel: opHdel,
  hlen: opHlen,
  hstrlen: opHstrlen,
  hexists: opHexists,
  hincrby: opHincrby,
  hincrbyfloat: opHincrbyfloat,
  hkeys: opHkeys,
  hvals: opHvals,
  hgetall: opHgetall,
  hrandfield: opHrandfield,
  hscan: opHscan,
};
