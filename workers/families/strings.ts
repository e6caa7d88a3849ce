/**
 * String commands. Each `op*` function runs inside the shard that owns the key.
 *
 * TTL rules (as in Redis 7): SET/SETEX/PSETEX/GETSET/MSET replace the TTL
 * (SET KEEPTTL keeps it); APPEND, SETRANGE and the INCR family rewrite the
 * value in place and keep it.
 */
import { NOTIFY } from '../../src/core/notify';
import type { ShardOpContext, ShardOps } from '../op-context';
import type { ReplyWriter } from '../../src/core/wire/reply-writer';
import {
  ERR_NOT_FLOAT,
  ERR_NOT_INTEGER,
  ERR_OVERFLOW,
  ERR_STRING_TOO_LONG,
  ERR_SYNTAX,
  ReplyError,
  WRONGTYPE,
  errInvalidExpire,
  errWrongArity,
} from '../../src/core/errors';
import { parseI64, shortInt } from '../../src/core/args/parse';
import type { Value } from '../value';
import { incrByFloatString } from '../long-double';
import { ERR_LCS_WRONGTYPE, lcsReply } from '../lcs';

const MIN_I64 = -(2n ** 63n);
const MAX_I64 = 2n ** 63n - 1n;
/**
 * V8 cannot build a string longer than this (2^29 - 24), a little under the
 * default proto-max-bulk-len of 512 MiB; such a result is refused with the
 * same error rather than crashing the shard.
 */
const MAX_JS_STRING = 2 ** 29 - 24;

/** Reads a key that must hold a string (or nothing). */
export function getString(ctx: ShardOpContext, key: string): string | undefined {
  const v: Value | undefined = ctx.db.get(key, ctx.now);
  if (v === undefined || typeof v === 'string') return v;
  throw new ReplyError(WRONGTYPE);
}

/** Redis's checkStringLength: a string built by a command may not exceed proto-max-bulk-len. */
function checkStringLength(ctx: ShardOpContext, total: number): void {
  if (total > ctx.shard.settings.protoMaxBulkLen || total > MAX_JS_STRING) throw new ReplyError(ERR_STRING_TOO_LONG);
}

// ---------------------------------------------------------------------------
// Expiry options shared by SET and GETEX

type ExpireUnit = 'ex' | 'px' | 'exat' | 'pxat';

/**
 * Turns an EX/PX/EXAT/PXAT argument into an absolute deadline (ms), with
 * Redis's checks: an integer, > 0, no overflow once converted to ms and made
 * absolute. `cmd` names the command in the error.
 */
function expireDeadline(ctx: ShardOpContext, unit: ExpireUnit, arg: string, cmd: string): number {
  const n = parseI64(arg);
  if (n === null) throw new ReplyError(ERR_NOT_INTEGER);
  const seconds = unit === 'ex' || unit === 'exat';
  if (n <= 0n || (seconds && n > MAX_I64 / 1000n)) throw new ReplyError(errInvalidExpire(cmd));
  let ms = seconds ? n * 1000n : n;
  if (unit === 'ex' || unit === 'px') ms += BigInt(ctx.now);
  // Redis adds in 64-bit signed arithmetic: past the top it wraps negative and is refused.
  if (ms > MAX_I64) throw new ReplyError(errInvalidExpire(cmd));
  return Number(ms);
}

interface StringOptions {
  nx: boolean;
  xx: boolean;
  get: boolean;
  keepTtl: boolean;
  persist: boolean;
  unit: ExpireUnit | undefined;
  expireArg: string;
}

/**
 * Parses SET's (isSet) or GETEX's options the way Redis does: every option is
 * checked for conflicts first (syntax errors win), the expire value later.
 * Repeating the same option is allowed (the last value wins); mixing
 * conflicting ones is a syntax error.
 */
function parseStringOptions(args: string[], from: number, isSet: boolean): StringOptions {
  const o: StringOptions = { nx: false, xx: false, get: false, keepTtl: false, persist: false, unit: undefined, expireArg: '' };
  for (let i = from; i < args.length; i++) {
    const a = args[i].toLowerCase();
    const hasNext = i + 1 < args.length;
    if (isSet && a === 'nx' && !o.xx) o.nx = true;
    else if (isSet && a === 'xx' && !o.nx) o.xx = true;
    else if (isSet && a === 'get') o.get = true;
    else if (isSet && a === 'keepttl' && !o.persist && o.unit === undefined) o.keepTtl = true;
    else if (!isSet && a === 'persist' && o.unit === undefined && !o.keepTtl) o.persist = true;
    else if ((a === 'ex' || a === 'px' || a === 'exat' || a === 'pxat') && !o.keepTtl && !o.persist && (o.unit === undefined || o.unit === a) && hasNext) {
      o.unit = a;
      o.expireArg = args[++i];
    } else throw new ReplyError(ERR_SYNTAX);
  }
  return o;
}

// ---------------------------------------------------------------------------
// GET family

function opGet(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  w.bulkOrNull(getString(ctx, args[1]));
}

/** GETEX key [EX s | PX ms | EXAT s | PXAT ms | PERSIST] */
function opGetex(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const o = parseStringOptions(args, 2, false);
  const key = args[1];
  const v = getString(ctx, key);
  // A missing key answers nil before the expire value is even looked at.
  if (v === undefined) return w.nullBulk();
  const at = o.unit === undefined ? undefined : expireDeadline(ctx, o.unit, o.expireArg, 'getex');
  w.bulk(v);
  if (at !== undefined) {
    // An absolute deadline already in the past deletes the key now.
    if ((o.unit === 'exat' || o.unit === 'pxat') && at <= ctx.now) {
      ctx.db.delete(key);
      ctx.notify(NOTIFY.generic, 'del', key);
    } else {
      ctx.db.setExpire(key, at);
      ctx.notify(NOTIFY.generic, 'expire', key);
    }
  } else if (o.persist) {
    if (ctx.db.persist(key)) ctx.notify(NOTIFY.generic, 'persist', key);
  }
}

function opGetdel(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const v = getString(ctx, args[1]);
  w.bulkOrNull(v);
  if (v !== undefined) {
    ctx.db.delete(args[1]);
    ctx.notify(NOTIFY.generic, 'del', args[1]);
  }
}

function opGetset(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const old = getString(ctx, args[1]);
  ctx.db.set(args[1], args[2]);
  ctx.db.persist(args[1]);
  ctx.notify(NOTIFY.string, 'set', args[1]);
  w.bulkOrNull(old);
}

function opStrlen(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const v = getString(ctx, args[1]);
  w.integer(v === undefined ? 0 : v.length);
}

/** GETRANGE/SUBSTR key start end: inclusive, negative from the end, clamped. */
function opGetrange(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  let start = parseI64(args[2]);
  if (start === null) throw new ReplyError(ERR_NOT_INTEGER);
  let end = parseI64(args[3]);
  if (end === null) throw new ReplyError(ERR_NOT_INTEGER);
  const v = getString(ctx, args[1]);
  if (v === undefined) return w.bulk('');
  const len = BigInt(v.length);
  // Both negative and reversed: empty even when both clamp to 0.
  if (start < 0n && end < 0n && start > end) return w.bulk('');
  if (start < 0n) start += len;
  if (end < 0n) end += len;
  if (start < 0n) start = 0n;
  if (end < 0n) end = 0n;
  if (end >= len) end = len - 1n;
  if (start > end || len === 0n) return w.bulk('');
  w.bulk(v.slice(Number(start), Number(end) + 1));
}

function opMget(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  w.array(args.length - 1);
  for (let i = 1; i < args.length; i++) {
    const v = ctx.db.get(args[i], ctx.now);
    // Keys of other types read as nil here, never WRONGTYPE.
    if (typeof v === 'string') w.bulk(v);
    else w.nullBulk();
  }
}

// ---------------------------------------------------------------------------
// SET family

/** Stores a new string value and replaces (or, with keepTtl, keeps) the TTL. */
function store(ctx: ShardOpContext, key: string, value: string, expireAt: number | undefined, keepTtl: boolean): void {
  ctx.db.set(key, value);
  // A deadline already past (EXAT/PXAT) is stored as is: the key then expires lazily or in the active cycle, as in Redis 7.0.
  if (expireAt !== undefined) ctx.db.setExpire(key, expireAt);
  else if (!keepTtl) ctx.db.persist(key);
  ctx.notify(NOTIFY.string, 'set', key);
  // One change for Redis's dirty counter: the set with its deadline.
  if (expireAt !== undefined) ctx.notify(NOTIFY.generic, 'expire', key, 0);
}

/** SET key value [NX | XX] [GET] [EX s | PX ms | EXAT s | PXAT ms | KEEPTTL] */
function opSet(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const key = args[1];
  if (args.length === 3) {
    // The common plain SET: no option object to build.
    store(ctx, key, args[2], undefined, false);
    return w.ok();
  }
  const o = parseStringOptions(args, 3, true);
  const at = o.unit === undefined ? undefined : expireDeadline(ctx, o.unit, o.expireArg, 'set');
  let old: string | undefined;
  if (o.get) old = getString(ctx, key);
  const exists = o.get ? old !== undefined : ctx.db.has(key, ctx.now);
  if ((o.nx && exists) || (o.xx && !exists)) {
    if (o.get) w.bulkOrNull(old);
    else w.nullBulk();
    return;
  }
  store(ctx, key, args[2], at, o.keepTtl);
  if (o.get) w.bulkOrNull(old);
  else w.ok();
}

function opSetnx(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  if (ctx.db.has(args[1], ctx.now)) return w.integer(0);
  store(ctx, args[1], args[2], undefined, false);
  w.integer(1);
}

/** SETEX key seconds value / PSETEX key milliseconds value */
/** SETEX key seconds value / PSETEX key milliseconds value (the rows' variant gives the unit). */
function opSetex(ctx: ShardOpContext, args: string[], w: ReplyWriter, { unit }: { unit: 'ex' | 'px' }): void {
  const at = expireDeadline(ctx, unit, args[2], args[0]);
  store(ctx, args[1], args[3], at, false);
  w.ok();
}

/**
 * Key/value pairs one value short: Redis checks this when the command runs,
 * not with the arity (so MULTI queues it and EXEC replies this error). The
 * router sends such a request to its first key's shard (src/core/routing).
 */
function checkPairs(args: string[]): void {
  if (args.length % 2 === 0) throw new ReplyError(errWrongArity(args[0]));
}

function opMset(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  checkPairs(args);
  for (let i = 1; i < args.length; i += 2) store(ctx, args[i], args[i + 1], undefined, false);
  w.ok();
}

/** All-or-nothing: sets every pair only if none of the keys exists. */
function opMsetnx(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  checkPairs(args);
  for (let i = 1; i < args.length; i += 2) {
    if (ctx.db.has(args[i], ctx.now)) return w.integer(0);
  }
  for (let i = 1; i < args.length; i += 2) store(ctx, args[i], args[i + 1], undefined, false);
  w.integer(1);
}

function opAppend(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const key = args[1];
  const cur = getString(ctx, key);
  if (cur === undefined) {
    // Even an empty append creates the key.
    ctx.db.set(key, args[2]);
    ctx.notify(NOTIFY.string, 'append', key);
    return w.integer(args[2].length);
  }
  checkStringLength(ctx, cur.length + args[2].length);
  const next = cur + args[2];
  ctx.db.replace(key, next);
  ctx.db.markRaw(key);
  ctx.notify(NOTIFY.string, 'append', key);
  w.integer(next.length);
}

/** SETRANGE key offset value: overwrites from offset, zero-padding as needed. */
function opSetrange(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const key = args[1];
  const value = args[3];
  const off = parseI64(args[2]);
  if (off === null) throw new ReplyError(ERR_NOT_INTEGER);
  if (off < 0n) throw new ReplyError('ERR offset is out of range');
  const cur = getString(ctx, key);
  if (value.length === 0) return w.integer(cur === undefined ? 0 : cur.length);
  if (off + BigInt(value.length) > BigInt(Number.MAX_SAFE_INTEGER)) throw new ReplyError(ERR_STRING_TOO_LONG);
  const offset = Number(off);
  checkStringLength(ctx, offset + value.length);
  const base = cur ?? '';
  const pad = offset > base.length ? '\0'.repeat(offset - base.length) : '';
  const next = base.slice(0, offset) + pad + value + base.slice(offset + value.length);
  if (cur === undefined) ctx.db.set(key, next);
  else ctx.db.replace(key, next);
  ctx.db.markRaw(key);
  ctx.notify(NOTIFY.string, 'setrange', key);
  w.integer(next.length);
}

// ---------------------------------------------------------------------------
// Counters

/**
 * INCR and DECR (a step of 1), INCRBY and DECRBY (the step is args[2]); the
 * rows' variant gives the direction. A short step on a short counter (at most
 * 15 characters each, so the sum is exact) is added as numbers; anything
 * longer goes through BigInt with the int64 overflow checks.
 */
function opIncrby(ctx: ShardOpContext, args: string[], w: ReplyWriter, { sign }: { sign: number }): void {
  const key = args[1];
  const step = args.length > 2 ? shortInt(args[2]) : 1;
  if (step !== null) {
    const cur = getString(ctx, key);
    const n = cur === undefined ? 0 : shortInt(cur);
    if (n !== null) return storeCounter(ctx, key, cur, String(n + sign * step), w);
    return incrByBig(ctx, key, cur, BigInt(sign * step), w);
  }
  let by = intArgOrThrow(args[2]);
  if (sign < 0) {
    // -(-2^63) does not fit in 64 bits.
    if (by === MIN_I64) throw new ReplyError('ERR decrement would overflow');
    by = -by;
  }
  incrByBig(ctx, key, getString(ctx, key), by, w);
}

function incrByBig(ctx: ShardOpContext, key: string, cur: string | undefined, by: bigint, w: ReplyWriter): void {
  let n = 0n;
  if (cur !== undefined) {
    const parsed = parseI64(cur);
    if (parsed === null) throw new ReplyError(ERR_NOT_INTEGER);
    n = parsed;
  }
  const next = n + by;
  if (next < MIN_I64 || next > MAX_I64) throw new ReplyError(ERR_OVERFLOW);
  storeCounter(ctx, key, cur, next.toString(), w);
}

function storeCounter(ctx: ShardOpContext, key: string, cur: string | undefined, s: string, w: ReplyWriter): void {
  if (cur === undefined) ctx.db.set(key, s);
  else ctx.db.replace(key, s);
  ctx.notify(NOTIFY.string, 'incrby', key);
  w.integer(s);
}

function intArgOrThrow(s: string): bigint {
  const n = parseI64(s);
  if (n === null) throw new ReplyError(ERR_NOT_INTEGER);
  return n;
}

function opIncrbyfloat(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const key = args[1];
  const cur = getString(ctx, key);
  const next = incrByFloatString(cur ?? '0', args[2]);
  if (next === 'not-float') throw new ReplyError(ERR_NOT_FLOAT);
  if (next === 'nan-inf') throw new ReplyError('ERR increment would produce NaN or Infinity');
  if (cur === undefined) ctx.db.set(key, next);
  else ctx.db.replace(key, next);
  // Redis makes the result from its text: never an integer object, even when it reads as one ("1").
  ctx.db.setStringForm(key, 'text');
  ctx.notify(NOTIFY.string, 'incrbyfloat', key);
  w.bulk(next);
}

// ---------------------------------------------------------------------------
// LCS (keys on several shards run it through the scratch executor, src/coordination/scratch.ts)

function opLcs(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const a = ctx.db.get(args[1], ctx.now);
  const b = ctx.db.get(args[2], ctx.now);
  if ((a !== undefined && typeof a !== 'string') || (b !== undefined && typeof b !== 'string')) throw new ReplyError(ERR_LCS_WRONGTYPE);
  lcsReply(a ?? '', b ?? '', args.slice(3), ctx.shard.settings.protoMaxBulkLen, w);
}

export const stringOps: ShardOps = {
  get: opGet,
  set: opSet,
  mget: opMget,
  mset: opMset,
  getex: opGetex,
  getdel: opGetdel,
  getset: opGetset,
  setnx: opSetnx,
  setex: opSetex,
  msetnx: opMsetnx,
  append: opAppend,
  strlen: opStrlen,
  getrange: opGetrange,
  setrange: opSetrange,
  incrby: opIncrby,
  incrbyfloat: opIncrbyfloat,
  lcs: opLcs,
};
