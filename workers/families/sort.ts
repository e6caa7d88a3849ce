/**
 * SORT and SORT_RO (shard-local rows).
 *
 * Follows Redis 7.0's sort.c step by step, because clients can observe its
 * quirks: option parsing order, LIMIT clamping, the "no sort" fast paths for
 * lists and sorted sets, numeric scores read with C's strtod, ties broken by
 * the element's bytes, ALPHA comparing with strcoll (byte order up to the
 * first NUL in the C/C.UTF-8 locale) except with STORE (binary compare).
 *
 * BY/GET patterns name other keys derived from each element. The router sends
 * a SORT whose pattern keys may live on another shard through its cross-shard
 * plan (src/coordination/cross-shard.ts: the `sortResult` RPC under the shard
 * lock), where the keys of other shards are read from them in one
 * `patternValues` call per shard and pass. A pattern key of another shard met
 * outside that plan (a script's SORT served for another shard) is refused
 * with an error that points at hash tags. The STORE destination is a declared
 * key position: the cross-shard plan stores into it wherever it is.
 */
import { NOTIFY } from '../../src/core/notify';
import { countReadLookup, type ShardOpContext, type ShardOps } from '../op-context';
import type { ReplyWriter } from '../../src/core/wire/reply-writer';
import { ERR_NOT_INTEGER, ERR_SYNTAX, ReplyError, WRONGTYPE } from '../../src/core/errors';
import type { PeerRpc } from '../shard-state';
import { keyHashSlotOfString, slotToShard } from '../../src/core/routing/slot';
import { cLength, isOpt, parseI64 } from '../../src/core/args/parse';
import { PATTERN_ELEMENT, PATTERN_NO_KEY, sortPatternStar } from '../../src/core/commands/key-finders';
import type { HashValue } from '../structures/hash';
import { ListValue } from '../structures/list';
import type { ZSetValue } from '../structures/zset';

export const ERR_SORT_SCORE = "ERR One or more scores can't be converted into double";
export const ERR_SORT_CROSS_SHARD =
  'ERR SORT BY/GET pattern keys must hash to the same shard as the sorted key; use a {hash tag} in the pattern';

// ---------------------------------------------------------------------------
// strtod, as SORT uses it

const DBL_MIN = 2.2250738585072014e-308;
const HEX_RE = /^[+-]?0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)([pP][+-]?[0-9]+)?/;
const SPECIAL_RE = /^[+-]?(?:inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?)/i;
const SIMPLE_RE = /^-?[0-9]{1,15}(?:\.[0-9]{1,15})?$/;
const DEC_RE = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?/;

function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** mant × 2^exp2 rounded to a double (ties to even), and whether rounding lost bits. */
function binaryToDouble(mant: bigint, exp2: number): { value: number; inexact: boolean } {
  if (mant === 0n) return { value: 0, inexact: false };
  const len = bitLength(mant);
  // Bits to drop: keep 53 significant bits, or fewer when the result is subnormal.
  const drop = Math.max(len - 53, -1074 - exp2);
  let m = mant;
  let e = exp2;
  let inexact = false;
  if (drop > 0) {
    const d = BigInt(drop);
    const rem = m & ((1n << d) - 1n);
    m >>= d;
    e += drop;
    inexact = rem !== 0n;
    const half = 1n << (d - 1n);
    if (rem > half || (rem === half && (m & 1n) === 1n)) m++;
  }
  if (e + bitLength(m) - 1 > 1023) return { value: Infinity, inexact: true };
  // m has at most 54 bits here; scale in two steps so no intermediate power of two over/underflows.
  let value = Number(m);
  const half = Math.trunc(e / 2);
  value = value * 2 ** half * 2 ** (e - half);
  return { value, inexact };
}

/** Whether the decimal digits × 10^exp10 is exactly the double `d` (only asked for subnormals). */
function decimalIsExact(digits: string, exp10: number, d: number): boolean {
  // d = k × 2^-1074 exactly, k an integer below 2^52.
  const k = BigInt(d * 2 ** 1000 * 2 ** 74);
  const D = BigInt(digits);
  // D × 10^exp10 == k × 2^-1074  <=>  D × 10^exp10 × 2^1074 == k
  if (exp10 >= 0) return D * 10n ** BigInt(exp10) * 2n ** 1074n === k;
  return D * 2n ** 1074n === k * 10n ** BigInt(-exp10);
}

/**
 * A SORT score: what `strtod` reads, or null when Redis counts a conversion
 * error (characters left before the end or a NUL, ERANGE overflow or
 * underflow, NaN). Leading C whitespace is skipped; an empty string is 0.
 */
export function sortScore(s: string): number | null {
  // The common case: a plain integer or decimal, which Number reads exactly as strtod does.
  if (s.length <= 30 && SIMPLE_RE.test(s)) return Number(s);
  let pos = 0;
  while (pos < s.length && isCSpace(s.charCodeAt(pos))) pos++;
  const rest = s.slice(pos);
  let m: RegExpExecArray | null;
  let value: number;
  let len: number;
  if ((m = HEX_RE.exec(rest)) !== null) {
    len = m[0].length;
    const neg = rest[0] === '-';
    const body = m[1];
    const dot = body.indexOf('.');
    const intPart = dot === -1 ? body : body.slice(0, dot);
    const frac = dot === -1 ? '' : body.slice(dot + 1);
    const exp = m[2] === undefined ? 0 : Number(m[2].slice(1));
    const digits = (intPart + frac).replace(/^0+/, '');
    const mant = digits === '' ? 0n : BigInt('0x' + digits);
    // Absurd exponents: clamp (the value is then 0 or infinite anyway).
    const e = Math.max(-100000, Math.min(100000, exp)) - 4 * frac.length;
    const r = binaryToDouble(mant, e);
    if (!Number.isFinite(r.value)) return null;
    if (mant !== 0n && Math.abs(r.value) < DBL_MIN && r.inexact) return null;
    value = neg ? -r.value : r.value;
  } else if ((m = SPECIAL_RE.exec(rest)) !== null) {
    len = m[0].length;
    if (/nan/i.test(m[0])) return null;
    value = rest[0] === '-' ? -Infinity : Infinity;
  } else if ((m = DEC_RE.exec(rest)) !== null) {
    len = m[0].length;
    value = Number(m[0]);
    if (!Number.isFinite(value)) return null;
    const digits = m[1].replace('.', '');
    const nonZero = /[1-9]/.test(digits);
    if (nonZero && Math.abs(value) < DBL_MIN) {
      if (value === 0) return null;
      const exp10 = (m[2] === undefined ? 0 : Number(m[2].slice(1))) - (m[1].includes('.') ? m[1].length - m[1].indexOf('.') - 1 : 0);
      if (!decimalIsExact(digits, exp10, Math.abs(value))) return null;
    }
  } else {
    // No conversion: strtod points back at the very start.
    return s.length === 0 || s.charCodeAt(0) === 0 ? 0 : null;
  }
  const end = pos + len;
  return end === s.length || s.charCodeAt(end) === 0 ? value : null;
}

// ---------------------------------------------------------------------------
// Comparisons

/** memcmp then length: Redis's compareStringObjects (latin1 code units are bytes). */
function binaryCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** C's strcmp on the NUL-terminated strings, which is strcoll in the C and C.UTF-8 locales. */
function cStringCompare(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return x - y;
    if (x === 0) return 0;
  }
  const x = n < a.length ? a.charCodeAt(n) : 0;
  const y = n < b.length ? b.charCodeAt(n) : 0;
  return x - y;
}

// ---------------------------------------------------------------------------
// Pattern keys

/** A pattern key read: the key and the hash field (`->field`), or null for the string value. */
type PatternRead = [key: string, field: string | null];

/**
 * Redis's lookupKeyByPattern, up to the key: `#` is the element itself (a
 * string), a pattern without `*` reads nothing (null); otherwise the first
 * `*` is replaced by the element, and a `->field` after it names a hash field.
 */
function patternRead(pattern: string, elem: string): PatternRead | string | null {
  const star = sortPatternStar(pattern);
  if (star === PATTERN_ELEMENT) return elem;
  if (star === PATTERN_NO_KEY) return null;
  const clen = cLength(pattern);
  const arrow = pattern.indexOf('->', star + 1);
  let field: string | null = null;
  if (arrow !== -1 && arrow + 2 < clen) field = pattern.slice(arrow + 2);
  const postfixEnd = field === null ? pattern.length : arrow;
  return [pattern.slice(0, star) + elem + pattern.slice(star + 1, postfixEnd), field];
}

/** A pattern key read on this shard: only string values (or hash fields) count, anything else is null. */
export function readPatternKey(ctx: ShardOpContext, key: string, field: string | null): string | null {
  const v = ctx.db.get(key, ctx.now);
  // Redis's lookupKeyByPattern looks each one up as a read.
  countReadLookup(ctx, key, v !== undefined);
  if (v === undefined) return null;
  if (field !== null) {
    if (typeof v === 'string' || v.type !== 'hash') return null;
    return (v as HashValue).get(field) ?? null;
  }
  return typeof v === 'string' ? v : null;
}

/**
 * Reads `pattern` for each element. Keys of other shards are read through
 * `peers` (one call per shard), which only the cross-shard plan passes;
 * without it such a key is refused.
 */
function readPattern(ctx: ShardOpContext, pattern: string, elems: readonly string[], peers: PeerRpc | null): (string | null)[] {
  const out: (string | null)[] = new Array(elems.length);
  const shards = ctx.shard.shardCount;
  let foreign: Map<number, { at: number[]; reads: PatternRead[] }> | null = null;
  for (let i = 0; i < elems.length; i++) {
    const r = patternRead(pattern, elems[i]);
    if (r === null || typeof r === 'string') {
      out[i] = r;
      continue;
    }
    const shard = shards > 1 ? slotToShard(keyHashSlotOfString(r[0]), shards) : ctx.shard.id;
    if (shard === ctx.shard.id) {
      out[i] = readPatternKey(ctx, r[0], r[1]);
      continue;
    }
    if (peers === null) throw new ReplyError(ERR_SORT_CROSS_SHARD);
    foreign ??= new Map();
    let part = foreign.get(shard);
    if (part === undefined) foreign.set(shard, (part = { at: [], reads: [] }));
    part.at.push(i);
    part.reads.push(r);
  }
  if (foreign === null || peers === null) return out;
  for (const [shard, part] of foreign) {
    const outcome = peers.rpc(shard, { kind: 'rpc', db: ctx.dbIndex, resp: ctx.proto, connId: ctx.connId, call: { method: 'patternValues', req: { reads: part.reads } } });
    if (!outcome.ok) throw new ReplyError(outcome.error);
    const values = outcome.value as (string | null)[];
    part.at.forEach((at, j) => (out[at] = values[j]));
  }
  return out;
}

// ---------------------------------------------------------------------------

interface SortItem {
  obj: string;
  score: number;
  cmp: string | null;
}

const MAX_LONG = 2n ** 63n - 1n;

function clamp(n: bigint, lo: bigint, hi: bigint): bigint {
  return n < lo ? lo : n > hi ? hi : n;
}

/** What a SORT computed: the elements (null where a GET found nothing) and the STORE destination, if any. */
interface SortOutcome {
  out: (string | null)[];
  storekey: string | null;
}

/**
 * SORT / SORT_RO key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC | DESC] [ALPHA] [STORE destination]:
 * computes the result without replying or storing it. The `sortResult` RPC
 * (the cross-shard plan, workers/rpc/transfer.ts) passes `peers`, through
 * which pattern keys of other shards are read.
 */
export function sortGeneric(ctx: ShardOpContext, args: string[], readonly: boolean, peers: PeerRpc | null = null): SortOutcome {
  let desc = false;
  let alpha = false;
  let dontsort = false;
  let limitStart = 0n;
  let limitCount = -1n;
  let sortby: string | null = null;
  let storekey: string | null = null;
  const gets: string[] = [];
  for (let j = 2; j < args.length; j++) {
    const left = args.length - j - 1;
    const a = args[j];
    if (isOpt(a, 'asc')) desc = false;
    else if (isOpt(a, 'desc')) desc = true;
    else if (isOpt(a, 'alpha')) alpha = true;
    else if (isOpt(a, 'limit') && left >= 2) {
      const s = parseI64(args[j + 1]);
      const c = s === null ? null : parseI64(args[j + 2]);
      if (s === null || c === null) throw new ReplyError(ERR_NOT_INTEGER);
      limitStart = s;
      limitCount = c;
      j += 2;
    } else if (!readonly && isOpt(a, 'store') && left >= 1) {
      storekey = args[++j];
    } else if (isOpt(a, 'by') && left >= 1) {
      sortby = args[++j];
      // A pattern without `*` (e.g. "nosort") means: do not sort. It sticks even if a later BY has one.
      if (sortPatternStar(sortby) < 0) dontsort = true;
    } else if (isOpt(a, 'get') && left >= 1) {
      gets.push(args[++j]);
    } else {
      throw new ReplyError(ERR_SYNTAX);
    }
  }

  const v = ctx.db.get(args[1], ctx.now);
  let elements: string[] = [];
  let isSet = false;
  let ordered = true; // list or zset: elements come in a meaningful order
  if (v !== undefined) {
    const els = typeof v === 'string' ? undefined : v.sortElements?.();
    if (els === undefined || typeof v === 'string') throw new ReplyError(WRONGTYPE);
    elements = els;
    isSet = v.type === 'set';
    ordered = !isSet;
  }

  // A set has no order of its own: with STORE the result must still be deterministic.
  if (dontsort && isSet && storekey !== null) {
    dontsort = false;
    alpha = true;
    sortby = null;
  }

  // Redis converts a listpack sorted set to a skiplist before sorting it, for good (OBJECT ENCODING shows it).
  if (v !== undefined && typeof v !== 'string' && v.type === 'zset') (v as ZSetValue).listpack = false;

  const len = elements.length;
  const lenBig = BigInt(len);
  let start = Number(clamp(limitStart, 0n, lenBig));
  const count = Number(clamp(limitCount, -1n, lenBig > MAX_LONG ? MAX_LONG : lenBig));
  let end = count < 0 ? len : start + count - 1;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;

  let vector: SortItem[];
  if (ordered && dontsort) {
    // Native order (reversed for DESC), only the LIMIT range.
    vector = [];
    for (let j = start; j <= end; j++) vector.push({ obj: elements[desc ? len - 1 - j : j], score: 0, cmp: null });
    end -= start;
    start = 0;
  } else {
    vector = elements.map((obj) => ({ obj, score: 0, cmp: null }));
  }

  if (!dontsort) {
    let conversionError = false;
    const byvals = sortby === null ? null : readPattern(ctx, sortby, vector.map((it) => it.obj), peers);
    for (let i = 0; i < vector.length; i++) {
      const item = vector[i];
      const byval = byvals === null ? item.obj : byvals[i];
      if (byval === null) continue;
      if (alpha) {
        if (sortby !== null) item.cmp = byval;
      } else {
        const score = sortScore(byval);
        if (score === null) conversionError = true;
        else item.score = score;
      }
    }
    if (conversionError) throw new ReplyError(ERR_SORT_SCORE);
    const store = storekey !== null;
    const byPattern = sortby !== null;
    let compare: (a: SortItem, b: SortItem) => number;
    if (!alpha) {
      compare = (a, b) => (a.score > b.score ? 1 : a.score < b.score ? -1 : binaryCompare(a.obj, b.obj));
    } else {
      // strcoll stops at a NUL; without any NUL it is plain byte order, which JS compares much faster.
      const byBytes = store || !vector.some((it) => (byPattern ? it.cmp !== null && it.cmp.includes('\0') : it.obj.includes('\0')));
      const textCompare = byBytes ? binaryCompare : cStringCompare;
      if (byPattern) {
        compare = (a, b) => {
          if (a.cmp === null || b.cmp === null) return a.cmp === b.cmp ? 0 : a.cmp === null ? -1 : 1;
          return textCompare(a.cmp, b.cmp);
        };
      } else {
        compare = (a, b) => textCompare(a.obj, b.obj);
      }
    }
    vector.sort(desc ? (a, b) => -compare(a, b) : compare);
  }

  // Collect the whole result before replying or storing, so a refused pattern key leaves nothing half done.
  const window: string[] = [];
  for (let j = start; j <= end; j++) window.push(vector[j].obj);
  if (gets.length === 0) return { out: window, storekey };
  const columns = gets.map((g) => readPattern(ctx, g, window, peers));
  const out: (string | null)[] = [];
  for (let j = 0; j < window.length; j++) for (const col of columns) out.push(col[j]);

  return { out, storekey };
}

function opSort(ctx: ShardOpContext, args: string[], w: ReplyWriter, variant: { readonly: boolean }): void {
  const { out, storekey } = sortGeneric(ctx, args, variant.readonly, ctx.peers ?? null);
  if (storekey === null) {
    w.array(out.length);
    for (const s of out) w.bulkOrNull(s);
    return;
  }
  if (out.length > 0) {
    ctx.db.set(storekey, ListValue.fromArray(out.map((s) => s ?? '')));
    ctx.db.persist(storekey);
    // Redis counts each element stored.
    ctx.notify(NOTIFY.list, 'sortstore', storekey, out.length);
  } else if (ctx.db.delete(storekey)) {
    ctx.notify(NOTIFY.generic, 'del', storekey);
  }
  w.integer(out.length);
}

export const sortOps: ShardOps = { sort: opSort };
