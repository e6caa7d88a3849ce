/**
 * Stream IDs as one 128-bit bigint: `ms << 64 | seq`. Both halves are
 * unsigned 64-bit in Redis, so a single bigint orders exactly like Redis's
 * (ms, seq) comparison and works as a Map key.
 */
import { cString } from '../../src/core/args/parse';

export const U64_MAX = (1n << 64n) - 1n;
export const ID_MAX = (1n << 128n) - 1n;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

export function makeId(ms: bigint, seq: bigint): bigint {
  return (ms << 64n) | seq;
}

export function idMs(id: bigint): bigint {
  return id >> 64n;
}

export function idSeq(id: bigint): bigint {
  return id & U64_MAX;
}

export function formatId(id: bigint): string {
  return `${id >> 64n}-${id & U64_MAX}`;
}

/** The next ID (streamIncrID); null past the last possible one. */
export function nextId(id: bigint): bigint | null {
  return id === ID_MAX ? null : id + 1n;
}

/** The previous ID (streamDecrID); null before 0-0. */
export function prevId(id: bigint): bigint | null {
  return id === 0n ? null : id - 1n;
}

const LL_RE = /^(0|-?[1-9][0-9]{0,18})$/;
const STRTOULL_RE = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/;

/**
 * Redis's string2ull: a canonical long long must not be negative; anything
 * else goes through strtoull (leading blanks and a sign allowed, the whole
 * string consumed, no overflow). A '-' sign negates modulo 2^64 as C does.
 */
export function parseU64(s: string): bigint | null {
  if (LL_RE.test(s)) {
    const n = BigInt(s);
    if (n >= I64_MIN && n <= I64_MAX) return n < 0n ? null : n;
  }
  const m = STRTOULL_RE.exec(s);
  if (m === null) return null;
  const v = BigInt(m[2]);
  if (v > U64_MAX) return null;
  return m[1] === '-' ? (-v) & U64_MAX : v;
}

export interface ParsedId {
  id: bigint;
  /** False for the `<ms>-*` form of XADD. */
  seqGiven: boolean;
}

/**
 * Parses an ID argument as Redis's streamGenericParseIDOrReply does.
 * `missingSeq` fills the sequence when only milliseconds are given; `strict`
 * refuses `-` and `+`; `allowSeqStar` accepts `<ms>-*` (XADD only).
 */
export function parseId(arg: string, missingSeq: bigint, strict: boolean, allowSeqStar = false): ParsedId | null {
  if (arg.length > 127) return null;
  const s = cString(arg);
  if (s === '-' || s === '+') {
    if (strict) return null;
    return { id: s === '-' ? 0n : ID_MAX, seqGiven: true };
  }
  const dash = s.indexOf('-');
  const msPart = dash === -1 ? s : s.slice(0, dash);
  const ms = parseU64(msPart);
  if (ms === null) return null;
  if (dash === -1) return { id: makeId(ms, missingSeq), seqGiven: true };
  const seqPart = s.slice(dash + 1);
  if (allowSeqStar && seqPart === '*') return { id: makeId(ms, 0n), seqGiven: false };
  const seq = parseU64(seqPart);
  if (seq === null) return null;
  return { id: makeId(ms, seq), seqGiven: true };
}

/** An interval bound (XRANGE, XPENDING, XAUTOCLAIM): `(` makes it exclusive and then refuses `-`/`+`. */
export function parseIntervalId(arg: string, missingSeq: bigint): { id: bigint; exclusive: boolean } | null {
  if (arg.length > 1 && arg[0] === '(') {
    const p = parseId(arg.slice(1), missingSeq, true);
    return p === null ? null : { id: p.id, exclusive: true };
  }
  const p = parseId(arg, missingSeq, false);
  return p === null ? null : { id: p.id, exclusive: false };
}

/** A 64-bit difference as the signed value C stores in a listpack (int64 cast of a uint64). */
export function toI64(v: bigint): bigint {
  const u = v & U64_MAX;
  return u > I64_MAX ? u - (1n << 64n) : u;
}
