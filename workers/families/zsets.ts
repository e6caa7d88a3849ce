/**
 * Sorted set commands. Each `op*` runs inside the shard that owns its keys
 * (or, for keys on several shards, on the main thread against a scratch copy
 * of exactly the keys its row declares).
 *
 * Argument checks follow Redis 7.0's order, which decides which error wins:
 * options and ranges are parsed before the key is looked up (so a bad range
 * on a missing or wrong-typed key is a range error), numkeys commands check
 * their inputs' types before parsing WEIGHTS/AGGREGATE.
 */
import { checkRandomReplySize } from './reply-limits';
import type { ShardOpContext, ShardOps } from '../op-context';
import type { ReplyWriter } from '../../src/core/wire/reply-writer';
import { ERR_INVALID_CURSOR, ERR_NOT_FLOAT, ERR_NOT_INTEGER, ERR_SYNTAX, ReplyError, WRONGTYPE, errWrongArity } from '../../src/core/errors';
import { intArg, isOpt, parseI64, parseSafeInt } from '../../src/core/args/parse';
import { parseMpop } from '../../src/core/args/options';
import { parseScanCursor, parseScanOptions } from '../../src/core/args/scan';
import { globMatch } from '../../src/core/glob';
import type { TypedValue } from '../value';
import { getTyped } from './typed';
import { NOTIFY } from '../../src/core/notify';
import { ZSetValue } from '../structures/zset';
import { formatDouble } from '../../src/core/wire/reply-writer';
import {
  lexGteMin,
  lexLteMax,
  scoreGteMin,
  scoreLteMax,
  type LexBound,
  type LexRange,
  NIL,
  type ScoreRange,
} from '../structures/skiplist';
import { listpackScoreText, parseScoreArg, parseScoreBound } from '../structures/zset-numbers';

const ERR_NAN = 'ERR resulting score is not a number (NaN)';
const ERR_XX_NX = 'ERR XX and NX options at the same time are not compatible';
const ERR_GT_LT_NX = 'ERR GT, LT, and/or NX options at the same time are not compatible';
const ERR_INCR_PAIR = 'ERR INCR option supports a single increment-element pair';
const ERR_SCORE_RANGE = 'ERR min or max is not a float';
const ERR_LEX_RANGE = 'ERR min or max not valid string range item';
const ERR_LIMIT_RANK = 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX';
const ERR_WITHSCORES_LEX = 'ERR syntax error, WITHSCORES not supported in combination with BYLEX';
const ERR_POSITIVE = 'ERR value is out of range, must be positive';
const ERR_WEIGHT = 'ERR weight value is not a float';
const ERR_LIMIT_NEGATIVE = "ERR LIMIT can't be negative";
const ERR_OUT_OF_RANGE = 'ERR value is out of range';
const ERR_RANDMEMBER_RANGE = 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807';

const MAX_I64 = 2n ** 63n - 1n;

function getZset(ctx: ShardOpContext, key: string): ZSetValue | undefined {
  return getTyped<ZSetValue>(ctx, key, 'zset');
}

/**
 * Stores a freshly computed set at `key` as a store command does (Redis's
 * setKey: replaces any value and TTL), or deletes the key when it is empty.
 * Every path that creates a zset ends here or in zaddGeneric: the place for
 * a future BZPOPMIN wake-up hook.
 */
export function storeResult(ctx: ShardOpContext, key: string, z: ZSetValue, event: string): number {
  if (z.size() === 0) {
    if (ctx.db.delete(key)) ctx.notify(NOTIFY.generic, 'del', key);
    return 0;
  }
  z.settleEncoding();
  ctx.db.set(key, z);
  ctx.db.persist(key);
  ctx.notify(NOTIFY.zset, event, key);
  return z.size();
}

/** Callers notify their own event first; the `del` follows it, as in Redis. */
function deleteIfEmpty(ctx: ShardOpContext, key: string, z: ZSetValue): void {
  // Counted by the removals that emptied it, not again (Redis's dirty counter).
  if (z.size() === 0 && ctx.db.delete(key)) ctx.notify(NOTIFY.generic, 'del', key, 0);
}

/** Redis's getLongFromObjectOrReply: a 64-bit integer (clamped to the safe range). */
function longArg(s: string, error = ERR_NOT_INTEGER): number {
  return intArg(s, error);
}

// ---------------------------------------------------------------------------
// Ranges

function parseScoreRange(minArg: string, maxArg: string): ScoreRange {
  const min = parseScoreBound(minArg);
  const max = parseScoreBound(maxArg);
  if (min === null || max === null) throw new ReplyError(ERR_SCORE_RANGE);
  return { min: min.value, minex: min.ex, max: max.value, maxex: max.ex };
}

/** One lex bound: `-`, `+` (C-string checks: a NUL may follow), `[x` or `(x`. */
function parseLexBound(arg: string): LexBound | null {
  if (arg.length === 0) return null;
  const c = arg[0];
  if (c === '+' || c === '-') {
    if (arg.length > 1 && arg[1] !== '\0') return null;
    return { inf: c === '+' ? 1 : -1, s: '', ex: true };
  }
  if (c === '[' || c === '(') return { inf: 0, s: arg.slice(1), ex: c === '(' };
  return null;
}

function parseLexRange(minArg: string, maxArg: string): LexRange {
  const min = parseLexBound(minArg);
  const max = parseLexBound(maxArg);
  if (min === null || max === null) throw new ReplyError(ERR_LEX_RANGE);
  return { min, max };
}

/** Positions (structures/skiplist.ts) at 0-based ranks start..end (Redis's index rules), forward or from the end. */
function rangeByRank(z: ZSetValue, start: number, end: number, rev: boolean): number[] {
  const len = z.size();
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return [];
  if (end >= len) end = len - 1;
  const zsl = z.zsl;
  const out: number[] = new Array<number>(end - start + 1);
  let x = z.at(rev ? len - 1 - start : start);
  for (let i = 0; x !== NIL && i < out.length; i++) {
    out[i] = x;
    x = rev ? zsl.prev(x) : zsl.next(x);
  }
  return out;
}

/**
 * Collects from `first` (the first node in range in walking order): skips
 * `offset` nodes unchecked, then takes up to `limit` (negative = all) while
 * `inRange` holds. A negative offset walks off the end, as in Redis.
 */
function collectRange(
  z: ZSetValue,
  first: number,
  offset: number,
  limit: number,
  rev: boolean,
  inRange: (x: number) => boolean,
): number[] {
  const out: number[] = [];
  if (first === NIL || offset < 0) return out;
  const zsl = z.zsl;
  let x = first;
  if (offset > 0) {
    const r = zsl.rankOf(first) - 1 + (rev ? -offset : offset);
    x = r < 0 || r >= z.size() ? NIL : z.at(r);
  }
  while (x !== NIL && limit !== 0) {
    if (!inRange(x)) break;
    out.push(x);
    if (limit > 0) limit--;
    x = rev ? zsl.prev(x) : zsl.next(x);
  }
  return out;
}

function rangeByScore(z: ZSetValue, r: ScoreRange, offset: number, limit: number, rev: boolean): number[] {
  // An offset past the end answers empty before any lookup (as Redis does).
  if (offset > 0 && offset >= z.size()) return [];
  const zsl = z.zsl;
  const first = rev ? zsl.lastInScoreRange(r) : zsl.firstInScoreRange(r);
  return collectRange(z, first, offset, limit, rev, rev ? (x) => scoreGteMin(zsl.score(x), r) : (x) => scoreLteMax(zsl.score(x), r));
}

function rangeByLex(z: ZSetValue, r: LexRange, offset: number, limit: number, rev: boolean): number[] {
  const zsl = z.zsl;
  const first = rev ? z.lastInLex(r) : z.firstInLex(r);
  return collectRange(z, first, offset, limit, rev, rev ? (x) => lexGteMin(zsl.member(x), r) : (x) => lexLteMax(zsl.member(x), r));
}

/**
 * `count` elements, optionally with scores: flat pairs in RESP2, [member,
 * score] arrays in RESP3. `member(i)` and `score(i)` give element i.
 */
function replyPairs(w: ReplyWriter, count: number, member: (i: number) => string, score: (i: number) => number, withScores: boolean): void {
  if (!withScores) {
    w.array(count);
    for (let i = 0; i < count; i++) w.bulk(member(i));
    return;
  }
  const nested = w.proto === 3;
  w.array(nested ? count : count * 2);
  for (let i = 0; i < count; i++) {
    if (nested) w.array(2);
    w.bulk(member(i));
    w.double(score(i));
  }
}

/** The members at skiplist positions `xs` of `z`, optionally with scores. */
function replyPositions(w: ReplyWriter, z: ZSetValue, xs: readonly number[], withScores: boolean): void {
  const zsl = z.zsl;
  replyPairs(w, xs.length, (i) => zsl.member(xs[i]), (i) => zsl.score(xs[i]), withScores);
}

// ---------------------------------------------------------------------------
// ZADD / ZINCRBY

/** ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member ...; ZINCRBY key increment member. */
export function zaddGeneric(ctx: ShardOpContext, args: string[], w: ReplyWriter, incrCommand: boolean): void {
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  let ch = false;
  let incr = incrCommand;
  // ZINCRBY goes through the same flag loop in Redis (ZINCRBY k nx m is a syntax error).
  let i = 2;
  for (; i < args.length; i++) {
    const a = args[i];
    if (a.length > 4) break;
    const l = a.toLowerCase();
    if (l === 'nx') nx = true;
    else if (l === 'xx') xx = true;
    else if (l === 'ch') ch = true;
    else if (l === 'incr') incr = true;
    else if (l === 'gt') gt = true;
    else if (l === 'lt') lt = true;
    else break;
  }
  const elements = args.length - i;
  if (elements === 0 || elements % 2 !== 0) throw new ReplyError(ERR_SYNTAX);
  if (nx && xx) throw new ReplyError(ERR_XX_NX);
  if ((gt && nx) || (lt && nx) || (gt && lt)) throw new ReplyError(ERR_GT_LT_NX);
  if (incr && elements > 2) throw new ReplyError(ERR_INCR_PAIR);
  const pairs = elements / 2;
  const scores = new Array<number>(pairs);
  for (let j = 0; j < pairs; j++) {
    const d = parseScoreArg(args[i + 2 * j]);
    if (d === null) throw new ReplyError(ERR_NOT_FLOAT);
    scores[j] = d;
  }
  const key = args[1];
  let z = getZset(ctx, key);
  if (z === undefined) {
    if (xx) {
      if (incr) w.nullBulk();
      else w.integer(0);
      return;
    }
    z = new ZSetValue();
    ctx.db.set(key, z);
  }
  let added = 0;
  let updated = 0;
  let processed = 0;
  let last = 0;
  for (let j = 0; j < pairs; j++) {
    const member = args[i + 2 * j + 1];
    let score = scores[j];
    const x = z.find(member);
    if (x !== NIL) {
      if (nx) continue;
      const cur = z.zsl.score(x);
      if (incr) {
        score += cur;
        if (Number.isNaN(score)) throw new ReplyError(ERR_NAN);
      }
      if ((lt && score >= cur) || (gt && score <= cur)) continue;
      last = score;
      processed++;
      if (score !== cur) {
        z.update(x, score);
        updated++;
      }
    } else if (!xx) {
      z.insert(member, score);
      last = score;
      added++;
      processed++;
    }
  }
  if (added + updated > 0) ctx.notify(NOTIFY.zset, incr ? 'zincr' : 'zadd', key, added + updated);
  if (incr) {
    if (processed > 0) w.double(last);
    else w.nullBulk();
  } else {
    w.integer(ch ? added + updated : added);
  }
}

function opZadd(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  zaddGeneric(ctx, args, w, false);
}

function opZincrby(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  zaddGeneric(ctx, args, w, true);
}

// ---------------------------------------------------------------------------
// Reads

function opZscore(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const s = getZset(ctx, args[1])?.score(args[2]);
  if (s === undefined) w.nullBulk();
  else w.double(s);
}

function opZmscore(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const z = getZset(ctx, args[1]);
  w.array(args.length - 2);
  for (let i = 2; i < args.length; i++) {
    const s = z?.score(args[i]);
    if (s === undefined) w.nullBulk();
    else w.double(s);
  }
}

/** ZRANK/ZREVRANK key member (WITHSCORE is Redis 7.2's: the 7.0 rows' arity refuses it). */
function opZrank(ctx: ShardOpContext, args: string[], w: ReplyWriter, { rev }: { rev: boolean }): void {
  const z = getZset(ctx, args[1]);
  const x = z === undefined ? NIL : z.find(args[2]);
  if (z === undefined || x === NIL) return w.nullBulk();
  const rank = z.zsl.rankOf(x) - 1;
  w.integer(rev ? z.size() - 1 - rank : rank);
}

function opZcard(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  w.integer(getZset(ctx, args[1])?.size() ?? 0);
}

function opZcount(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const r = parseScoreRange(args[2], args[3]);
  const z = getZset(ctx, args[1]);
  if (z === undefined) return w.integer(0);
  const zsl = z.zsl;
  const first = zsl.firstInScoreRange(r);
  if (first === NIL) return w.integer(0);
  const last = zsl.lastInScoreRange(r);
  w.integer(zsl.rankOf(last) - zsl.rankOf(first) + 1);
}

function opZlexcount(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const r = parseLexRange(args[2], args[3]);
  const z = getZset(ctx, args[1]);
  if (z === undefined) return w.integer(0);
  const zsl = z.zsl;
  const first = z.firstInLex(r);
  if (first === NIL) return w.integer(0);
  if (z.listpack) {
    // A listpack is counted by walking from the first match while under max.
    let n = 0;
    for (let x = first; x !== NIL && lexLteMax(zsl.member(x), r); x = zsl.next(x)) n++;
    return w.integer(n);
  }
  const len = z.size();
  let count = len - (zsl.rankOf(first) - 1);
  const last = z.lastInLex(r);
  if (last !== NIL) count -= len - zsl.rankOf(last);
  w.integer(count);
}

// ---------------------------------------------------------------------------
// ZRANGE family

type RangeType = 'auto' | 'rank' | 'score' | 'lex';
type Direction = 'auto' | 'fwd' | 'rev';

/** Which form of ZRANGE a row is: see `opZrange`. */
interface ZrangeVariant {
  /** Index of the source key (with `store`, args[1] is the destination). */
  at: number;
  store: boolean;
  /** `auto`: the form takes BYSCORE/BYLEX (ZRANGE, ZRANGESTORE); else fixed by the legacy command. */
  type: RangeType;
  /** `auto`: the form takes REV; else fixed. */
  dir: Direction;
}

/**
 * Redis's zrangeGenericCommand: ZRANGE, ZRANGESTORE and the legacy
 * ZRANGEBYSCORE/ZREVRANGE... forms (the rows' variant says which).
 */
function opZrange(ctx: ShardOpContext, args: string[], w: ReplyWriter, variant: ZrangeVariant): void {
  const { at, store } = variant;
  let { type, dir } = variant;
  let withScores = false;
  let offset = 0;
  let limit = -1;
  for (let j = at + 3; j < args.length; j++) {
    const left = args.length - j - 1;
    const a = args[j];
    if (!store && isOpt(a, 'withscores')) withScores = true;
    else if (isOpt(a, 'limit') && left >= 2) {
      offset = longArg(args[j + 1]);
      limit = longArg(args[j + 2]);
      j += 2;
    } else if (dir === 'auto' && isOpt(a, 'rev')) dir = 'rev';
    else if (type === 'auto' && isOpt(a, 'bylex')) type = 'lex';
    else if (type === 'auto' && isOpt(a, 'byscore')) type = 'score';
    else throw new ReplyError(ERR_SYNTAX);
  }
  const rev = dir === 'rev';
  if (type === 'auto') type = 'rank';
  if (limit !== -1 && type === 'rank') throw new ReplyError(ERR_LIMIT_RANK);
  if (withScores && type === 'lex') throw new ReplyError(ERR_WITHSCORES_LEX);
  // BYSCORE/BYLEX with REV take the range as max, min.
  let minArg = args[at + 1];
  let maxArg = args[at + 2];
  if (rev && type !== 'rank') [minArg, maxArg] = [maxArg, minArg];
  let start = 0;
  let end = 0;
  let scoreRange: ScoreRange | undefined;
  let lexRange: LexRange | undefined;
  if (type === 'rank') {
    start = longArg(minArg);
    end = longArg(maxArg);
  } else if (type === 'score') {
    scoreRange = parseScoreRange(minArg, maxArg);
  } else {
    lexRange = parseLexRange(minArg, maxArg);
  }
  const z = getZset(ctx, args[at]);
  let nodes: number[] = [];
  if (z !== undefined) {
    if (type === 'rank') nodes = rangeByRank(z, start, end, rev);
    else if (type === 'score') nodes = rangeByScore(z, scoreRange as ScoreRange, offset, limit, rev);
    else nodes = rangeByLex(z, lexRange as LexRange, offset, limit, rev);
  }
  if (store) {
    const dst = new ZSetValue();
    dst.listpack = false;
    if (z !== undefined) for (const x of nodes) dst.insert(z.zsl.member(x), z.zsl.score(x));
    return w.integer(storeResult(ctx, args[1], dst, args[0]));
  }
  if (z === undefined) return w.array(0);
  replyPositions(w, z, nodes, withScores);
}

// ---------------------------------------------------------------------------
// Removal

function opZrem(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const key = args[1];
  const z = getZset(ctx, key);
  if (z === undefined) return w.integer(0);
  let removed = 0;
  for (let i = 2; i < args.length; i++) {
    if (z.remove(args[i])) removed++;
    if (z.size() === 0) break;
  }
  if (removed > 0) ctx.notify(NOTIFY.zset, 'zrem', key, removed);
  deleteIfEmpty(ctx, key, z);
  w.integer(removed);
}

/** Removes a run of nodes starting at position `first`, while `inRange` holds. */
function removeRun(z: ZSetValue, first: number, inRange: (x: number) => boolean, max = Infinity): number {
  const zsl = z.zsl;
  let n = 0;
  let x = first;
  while (x !== NIL && n < max && inRange(x)) {
    x = zsl.removeAndNext(x);
    n++;
  }
  return n;
}

function opZremrangebyrank(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  let start = longArg(args[2]);
  let end = longArg(args[3]);
  const key = args[1];
  const z = getZset(ctx, key);
  if (z === undefined) return w.integer(0);
  const len = z.size();
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (start > end || start >= len) return w.integer(0);
  if (end >= len) end = len - 1;
  const n = removeRun(z, z.at(start), () => true, end - start + 1);
  if (n > 0) ctx.notify(NOTIFY.zset, args[0], key, n);
  deleteIfEmpty(ctx, key, z);
  w.integer(n);
}

function opZremrangebyscore(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const r = parseScoreRange(args[2], args[3]);
  const key = args[1];
  const z = getZset(ctx, key);
  if (z === undefined) return w.integer(0);
  const zsl = z.zsl;
  const n = removeRun(z, zsl.firstInScoreRange(r), (x) => scoreLteMax(zsl.score(x), r));
  if (n > 0) ctx.notify(NOTIFY.zset, args[0], key, n);
  deleteIfEmpty(ctx, key, z);
  w.integer(n);
}

function opZremrangebylex(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const r = parseLexRange(args[2], args[3]);
  const key = args[1];
  const z = getZset(ctx, key);
  if (z === undefined) return w.integer(0);
  const zsl = z.zsl;
  const n = removeRun(z, z.firstInLex(r), (x) => lexLteMax(zsl.member(x), r));
  if (n > 0) ctx.notify(NOTIFY.zset, args[0], key, n);
  deleteIfEmpty(ctx, key, z);
  w.integer(n);
}

// ---------------------------------------------------------------------------
// Pops

/**
 * Pops up to `count` from one end of `z` and replies. Shapes (Redis's
 * genericZpopCommand): ZPOPMIN/MAX answer flat member/score pairs, nested in
 * RESP3 when a count was given; ZMPOP answers [key, [[member, score] ...]].
 */
function popAndReply(ctx: ShardOpContext, key: string, z: ZSetValue, max: boolean, count: number, nested: boolean, emitKey: boolean, w: ReplyWriter): void {
  const n = Math.min(count, z.size());
  if (emitKey) {
    w.array(2);
    w.bulk(key);
    w.array(n);
  } else {
    w.array(nested ? n : n * 2);
  }
  const zsl = z.zsl;
  for (let i = 0; i < n; i++) {
    const x = max ? zsl.tail : zsl.first;
    if (nested) w.array(2);
    w.bulk(zsl.member(x));
    w.double(zsl.score(x));
    zsl.remove(x);
  }
  if (n > 0) ctx.notify(NOTIFY.zset, max ? 'zpopmax' : 'zpopmin', key, n);
  deleteIfEmpty(ctx, key, z);
}

function opZpop(ctx: ShardOpContext, args: string[], w: ReplyWriter, { max }: { max: boolean }): void {
  if (args.length > 3) throw new ReplyError(ERR_SYNTAX);
  let count = 1;
  const hasCount = args.length === 3;
  if (hasCount) {
    const n = parseI64(args[2]);
    if (n === null || n < 0n) throw new ReplyError(ERR_POSITIVE);
    count = n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
  }
  const z = getZset(ctx, args[1]);
  // A count of 0 answers empty, but only after the type check.
  if (z === undefined || count === 0) return w.array(0);
  popAndReply(ctx, args[1], z, max, count, hasCount && w.proto === 3, false, w);
}

/** A positive count/numkeys as getRangeLongFromObjectOrReply(1, LONG_MAX) with one message for every failure. */

/** ZMPOP numkeys key [key ...] MIN|MAX [COUNT count] */
function opZmpop(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const { keys, where, count } = parseMpop(args, 1, 'min', 'max');
  const max = where === 'max';
  // The first non-empty key wins; a wrong-typed key before it is an error.
  for (const key of keys) {
    const z = getZset(ctx, key);
    if (z === undefined) continue;
    return popAndReply(ctx, key, z, max, count, true, true, w);
  }
  w.nullArray();
}

// ---------------------------------------------------------------------------
// ZRANDMEMBER

/** A uniformly random position (positions are dense: 1..size). */
function randomNode(z: ZSetValue): number {
  return 1 + Math.floor(Math.random() * z.zsl.length);
}

function opZrandmember(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  if (args.length === 2) {
    const z = getZset(ctx, args[1]);
    if (z === undefined) return w.nullBulk();
    return w.bulk(z.zsl.member(randomNode(z)));
  }
  const n = parseI64(args[2]);
  if (n === null) throw new ReplyError(ERR_NOT_INTEGER);
  if (n < -MAX_I64) throw new ReplyError(ERR_RANDMEMBER_RANGE);
  let withScores = false;
  if (args.length > 4 || (args.length === 4 && !isOpt(args[3], 'withscores'))) throw new ReplyError(ERR_SYNTAX);
  if (args.length === 4) {
    withScores = true;
    if (n < -MAX_I64 / 2n || n > MAX_I64 / 2n) throw new ReplyError(ERR_OUT_OF_RANGE);
  }
  const z = getZset(ctx, args[1]);
  if (z === undefined) return w.array(0);
  const size = z.size();
  const unique = n >= 0n;
  const abs = unique ? n : -n;
  if (abs === 0n) return w.array(0);
  if (!unique || abs === 1n) {
    // Repetitions allowed: independent picks, within the reply bound.
    checkRandomReplySize('ZRANDMEMBER', abs, z.zsl.member(randomNode(z)).length + (withScores ? 24 : 0) + 8);
    const count = Number(abs);
    const picks: number[] = new Array<number>(count);
    for (let i = 0; i < count; i++) picks[i] = randomNode(z);
    return replyPositions(w, z, picks, withScores);
  }
  if (abs >= BigInt(size)) {
    // The whole set, highest score first (Redis 7.0 answers it as a reversed rank range).
    return replyPositions(w, z, rangeByRank(z, 0, -1, true), withScores);
  }
  const count = Number(abs);
  // A partial Fisher-Yates over slot indexes (position - 1) picks `count` distinct members.
  const idx = new Map<number, number>();
  const picks: number[] = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(Math.random() * (size - i));
    const vi = idx.get(i) ?? i;
    const vj = idx.get(j) ?? j;
    idx.set(j, vi);
    picks[i] = vj + 1;
  }
  replyPositions(w, z, picks, withScores);
}

// ---------------------------------------------------------------------------
// ZUNION / ZINTER / ZDIFF (+STORE), ZINTERCARD

type SetOp = 'union' | 'inter' | 'diff';
type Aggregate = 'sum' | 'min' | 'max';

/** One input of a set operation: a zset, a plain set (every score 1), or nothing. */
interface Source {
  zset?: ZSetValue;
  members?: string[];
  lookup?: Set<string>;
  weight: number;
  size: number;
}

/** Plain set members through the TypedValue interface (the set family's SORT hook). */
function setMembers(v: TypedValue): string[] {
  return v.sortElements?.() ?? [];
}

function sourceHas(src: Source, member: string): number | undefined {
  if (src.zset !== undefined) return src.zset.score(member);
  if (src.members === undefined) return undefined;
  if (src.lookup === undefined) src.lookup = new Set(src.members);
  return src.lookup.has(member) ? 1 : undefined;
}

function forEachElement(src: Source, visit: (member: string, score: number) => boolean | void): void {
  if (src.zset !== undefined) {
    const zsl = src.zset.zsl;
    for (let x = zsl.first; x !== NIL; x = zsl.next(x)) if (visit(zsl.member(x), zsl.score(x)) === false) return;
  } else if (src.members !== undefined) {
    for (const m of src.members) if (visit(m, 1) === false) return;
  }
}

function aggregate(acc: number, val: number, how: Aggregate): number {
  if (how === 'sum') {
    const s = acc + val;
    // +inf + -inf is NaN; Redis settles on 0.
    return Number.isNaN(s) ? 0 : s;
  }
  if (how === 'min') return val < acc ? val : acc;
  return val > acc ? val : acc;
}

function compareElements(a: { member: string; score: number }, b: { member: string; score: number }): number {
  if (a.score < b.score) return -1;
  if (a.score > b.score) return 1;
  return a.member < b.member ? -1 : a.member > b.member ? 1 : 0;
}

/**
 * Redis's zunionInterDiffGenericCommand. `numkeysAt` is where numkeys is;
 * `dst` is the destination key for the STORE forms.
 */
function zsetOp(ctx: ShardOpContext, args: string[], w: ReplyWriter, op: SetOp, numkeysAt: number, dst: string | null, cardOnly: boolean): void {
  const numkeys = parseI64(args[numkeysAt]);
  if (numkeys === null) throw new ReplyError(ERR_NOT_INTEGER);
  if (numkeys < 1n) throw new ReplyError(`ERR at least 1 input key is needed for '${args[0]}' command`);
  if (numkeys > BigInt(args.length - numkeysAt - 1)) throw new ReplyError(ERR_SYNTAX);
  const n = Number(numkeys);
  const srcs: Source[] = [];
  for (let i = 0; i < n; i++) {
    const v = ctx.db.get(args[numkeysAt + 1 + i], ctx.now);
    if (v === undefined) {
      srcs.push({ weight: 1, size: 0 });
    } else if (typeof v === 'string' || (v.type !== 'zset' && v.type !== 'set')) {
      throw new ReplyError(WRONGTYPE);
    } else if (v.type === 'zset') {
      srcs.push({ zset: v as ZSetValue, weight: 1, size: v.size() });
    } else {
      srcs.push({ members: setMembers(v), weight: 1, size: v.size() });
    }
  }
  let how: Aggregate = 'sum';
  let withScores = false;
  let limit = 0;
  let j = numkeysAt + 1 + n;
  while (j < args.length) {
    const remaining = args.length - j;
    const a = args[j];
    if (op !== 'diff' && !cardOnly && remaining >= n + 1 && isOpt(a, 'weights')) {
      j++;
      for (let i = 0; i < n; i++, j++) {
        const d = parseScoreArg(args[j]);
        if (d === null) throw new ReplyError(ERR_WEIGHT);
        srcs[i].weight = d;
      }
    } else if (op !== 'diff' && !cardOnly && remaining >= 2 && isOpt(a, 'aggregate')) {
      const v = args[j + 1];
      if (isOpt(v, 'sum')) how = 'sum';
      else if (isOpt(v, 'min')) how = 'min';
      else if (isOpt(v, 'max')) how = 'max';
      else throw new ReplyError(ERR_SYNTAX);
      j += 2;
    } else if (dst === null && !cardOnly && isOpt(a, 'withscores')) {
      withScores = true;
      j++;
    } else if (cardOnly && remaining >= 2 && isOpt(a, 'limit')) {
      const l = parseI64(args[j + 1]);
      if (l === null || l < 0n) throw new ReplyError(ERR_LIMIT_NEGATIVE);
      limit = l > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(l);
      j += 2;
    } else {
      throw new ReplyError(ERR_SYNTAX);
    }
  }

  const result = new Map<string, number>();
  if (op === 'inter') {
    // Smallest input first (stable, like Redis's qsort here): it bounds the work, and it fixes the summation order.
    const order = srcs.slice().sort((a, b) => a.size - b.size);
    let cardinality = 0;
    if (order[0].size > 0) {
      forEachElement(order[0], (member, s0) => {
        let score = order[0].weight * s0;
        if (Number.isNaN(score)) score = 0;
        for (let k = 1; k < order.length; k++) {
          const v = sourceHas(order[k], member);
          if (v === undefined) return;
          score = aggregate(score, v * order[k].weight, how);
        }
        if (cardOnly) {
          cardinality++;
          if (limit !== 0 && cardinality >= limit) return false;
        } else {
          result.set(member, score);
        }
      });
    }
    if (cardOnly) return w.integer(cardinality);
  } else if (op === 'union') {
    const order = srcs.slice().sort((a, b) => a.size - b.size);
    for (const src of order) {
      if (src.size === 0) continue;
      forEachElement(src, (member, s) => {
        let score = src.weight * s;
        if (Number.isNaN(score)) score = 0;
        const prev = result.get(member);
        result.set(member, prev === undefined ? score : aggregate(prev, score, how));
      });
    }
  } else if (srcs[0].size > 0) {
    forEachElement(srcs[0], (member, s) => {
      for (let k = 1; k < srcs.length; k++) if (sourceHas(srcs[k], member) !== undefined) return;
      result.set(member, s);
    });
  }

  const items: { member: string; score: number }[] = [];
  for (const [member, score] of result) items.push({ member, score });
  items.sort(compareElements);
  if (dst !== null) {
    const z = new ZSetValue();
    z.listpack = false;
    for (const x of items) z.insert(x.member, x.score);
    return w.integer(storeResult(ctx, dst, z, args[0]));
  }
  replyPairs(w, items.length, (i) => items[i].member, (i) => items[i].score, withScores);
}

function opZunion(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  zsetOp(ctx, args, w, 'union', 1, null, false);
}
function opZinter(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  zsetOp(ctx, args, w, 'inter', 1, null, false);
}
function opZdiff(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  zsetOp(ctx, args, w, 'diff', 1, null, false);
}
function opZintercard(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  zsetOp(ctx, args, w, 'inter', 1, null, true);
}
function opZunionstore(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  zsetOp(ctx, args, w, 'union', 2, args[1], false);
}
function opZinterstore(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  zsetOp(ctx, args, w, 'inter', 2, args[1], false);
}
function opZdiffstore(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  zsetOp(ctx, args, w, 'diff', 2, args[1], false);
}

// ---------------------------------------------------------------------------
// ZSCAN

/**
 * ZSCAN key cursor [MATCH pattern] [COUNT count]. A listpack-encoded set is
 * answered whole in one step (cursor 0), as Redis does; a skiplist-encoded one
 * is walked over its dense slot array from the top (see ZSetValue).
 */
function opZscan(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const cursor = parseScanCursor(args[2]);
  if (cursor === null) throw new ReplyError(ERR_INVALID_CURSOR);
  const z = getZset(ctx, args[1]);
  if (z === undefined) {
    w.array(2);
    w.bulk('0');
    return w.array(0);
  }
  const { count, pattern } = parseScanOptions(args, 3, false);
  const out: string[] = [];
  let next = 0;
  const zsl = z.zsl;
  if (z.listpack) {
    for (let x = zsl.first; x !== NIL; x = zsl.next(x)) {
      const m = zsl.member(x);
      if (pattern !== null && !globMatch(pattern, m)) continue;
      out.push(m, listpackScoreText(zsl.score(x)));
    }
  } else {
    // Slots are positions - 1 (structures/skiplist.ts).
    const size = zsl.length;
    const c = cursor > BigInt(size) ? size : Number(cursor);
    let pos = c === 0 ? size - 1 : c - 1;
    for (let budget = count; pos >= 0 && budget > 0; pos--, budget--) {
      const m = zsl.member(pos + 1);
      if (pattern !== null && !globMatch(pattern, m)) continue;
      // The hash table's scan prints scores with %.17g (-0 kept).
      out.push(m, formatDouble(zsl.score(pos + 1)));
    }
    next = pos < 0 ? 0 : pos + 1;
  }
  w.array(2);
  w.bulk(String(next));
  w.array(out.length);
  for (const s of out) w.bulk(s);
}

// ---------------------------------------------------------------------------
// Key positions of the numkeys commands

// ---------------------------------------------------------------------------


export const zsetOps: ShardOps = {
  zadd: opZadd,
  zincrby: opZincrby,
  zscore: opZscore,
  zmscore: opZmscore,
  zrank: opZrank,
  zcard: opZcard,
  zcount: opZcount,
  zlexcount: opZlexcount,
  zrange: opZrange,
  zrem: opZrem,
  zremrangebyrank: opZremrangebyrank,
  zremrangebyscore: opZremrangebyscore,
  zremrangebylex: opZremrangebylex,
  zpop: opZpop,
  zmpop: opZmpop,
  zrandmember: opZrandmember,
  zunion: opZunion,
  zinter: opZinter,
  zdiff: opZdiff,
  zintercard: opZintercard,
  zunionstore: opZunionstore,
  zinterstore: opZinterstore,
  zdiffstore: opZdiffstore,
  zscan: opZscan,
};
