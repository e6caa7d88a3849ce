/**
 * Argument parsing shared by shard ops, with Redis's exact rules.
 */
import { ERR_NOT_FLOAT, ERR_NOT_INTEGER, ReplyError } from '../errors';

const INT_RE = /^(0|-?[1-9][0-9]{0,18})$/;
const MIN_I64 = -(2n ** 63n);
const MAX_I64 = 2n ** 63n - 1n;

/**
 * Parses a signed 64-bit integer as Redis's string2ll does: no sign other than
 * '-', no leading zeros, no spaces. Returns null if it is not one.
 * Values beyond 2^53 come back as bigint-exact numbers only when safe; use
 * parseI64 where exactness beyond 2^53 matters.
 */
export function parseI64(s: string): bigint | null {
  if (s.length === 0 || s.length > 20 || !INT_RE.test(s)) return null;
  const n = BigInt(s);
  return n < MIN_I64 || n > MAX_I64 ? null : n;
}

const I64_MAX_DIGITS = '9223372036854775807';
const I64_MIN_DIGITS = '9223372036854775808';

/**
 * The value of `s` when it is written as Redis's string2ll accepts an integer
 * and prints it back identically (no sign but '-', no leading zeros, no
 * "-0"), else NaN. The range is the caller's to check: the value is exact
 * only up to 15 characters.
 */
function canonicalValue(s: string): number {
  const n = s.length;
  let i = 0;
  const neg = s.charCodeAt(0) === 45;
  if (neg) {
    if (n === 1) return NaN;
    i = 1;
  }
  let c = s.charCodeAt(i);
  if (c === 48) return n === 1 ? 0 : NaN; // "0" only; "-0" and "01" are not canonical
  if (!(c >= 49 && c <= 57)) return NaN; // also NaN for "" (charCodeAt past the end)
  let v = c - 48;
  for (i++; i < n; i++) {
    c = s.charCodeAt(i);
    if (c < 48 || c > 57) return NaN;
    v = v * 10 + (c - 48);
  }
  return neg ? -v : v;
}

/**
 * Whether `s` is an integer as Redis's string2ll accepts it and prints it back
 * identically: no sign but '-', no leading zeros, no "-0", within int64.
 * Allocates nothing for the common (short) case: intset membership and the
 * RDB writer's integer-encoding test call it for every member and value.
 */
export function isCanonicalInt64(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 20 || Number.isNaN(canonicalValue(s))) return false;
  const neg = s.charCodeAt(0) === 45;
  const digits = neg ? n - 1 : n;
  if (digits < 19) return true;
  if (digits > 19) return false;
  const body = neg ? s.slice(1) : s;
  return body <= (neg ? I64_MIN_DIGITS : I64_MAX_DIGITS);
}

/** Characters (sign included) up to which a canonical integer is always a safe JS number. */
const SHORT_INT_LEN = 15;

/**
 * The value of `s` when it is a canonical integer (as in isCanonicalInt64)
 * of at most 15 characters, else null, which means "not short", not "not an
 * integer": callers fall back to parseI64. Such a value and the sum of two
 * of them are exact in a double, so the common counter and index paths need
 * no regex and no BigInt.
 */
export function shortInt(s: string): number | null {
  if (s.length === 0 || s.length > SHORT_INT_LEN) return null;
  const v = canonicalValue(s);
  return Number.isNaN(v) ? null : v;
}

/** A 64-bit integer that must also be a safe JS number (counts, indexes, TTLs). */
export function parseSafeInt(s: string): number | null {
  const short = shortInt(s);
  if (short !== null) return short;
  const n = parseI64(s);
  if (n === null) return null;
  return n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER) ? null : Number(n);
}

/** Parses an integer argument or throws Redis's "not an integer" error. */
export function intArg(s: string, error = ERR_NOT_INTEGER): number {
  const short = shortInt(s);
  if (short !== null) return short;
  const n = parseI64(s);
  if (n === null) throw new ReplyError(error);
  // Clamp into the safe range; callers range-check with their own errors.
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  if (n < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
  return Number(n);
}

/**
 * Parses a double as Redis's string2ld/strtold does for arguments: decimal or
 * exponent forms, `inf`/`-inf`/`+inf`, no leading/trailing spaces, no NaN.
 */
export function parseDouble(s: string): number | null {
  if (s.length === 0 || s.length > 5000) return null;
  const lower = s.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Infinity;
  if (lower === '-inf' || lower === '-infinity') return -Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) return null;
  const d = Number(s);
  return Number.isNaN(d) ? null : d;
}

export function doubleArg(s: string, error = ERR_NOT_FLOAT): number {
  const d = parseDouble(s);
  if (d === null) throw new ReplyError(error);
  return d;
}

/** The length of an argument as C code reads it: up to its first NUL byte. */
export function cLength(s: string): number {
  const nul = s.indexOf('\0');
  return nul === -1 ? s.length : nul;
}

/** The C string an argument is to Redis code that stops at a NUL byte (strtoul, strcasecmp, ...). */
export function cString(s: string): string {
  const nul = s.indexOf('\0');
  return nul === -1 ? s : s.slice(0, nul);
}

/** Case-insensitive comparison of an argument with an ASCII option word (given lowercase). */
export function isOpt(arg: string, lowerWord: string): boolean {
  return arg.length === lowerWord.length && arg.toLowerCase() === lowerWord;
}

/** Redis's getRangeLongFromObjectOrReply(1, LONG_MAX): one error for every failure; clamped to a safe integer. */
export function positiveArg(s: string, error: string): number {
  const n = parseI64(s);
  if (n === null || n < 1n) throw new ReplyError(error);
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}
