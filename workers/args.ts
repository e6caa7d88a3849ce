/**
 * Argument parsing shared by shard ops, with Redis's exact rules.
 */
import { ERR_COUNT_POSITIVE, ERR_NOT_FLOAT, ERR_NOT_INTEGER, ERR_NUMKEYS, ERR_SYNTAX, ReplyError } from '../src/resp/errors';

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

/** A 64-bit integer that must also be a safe JS number (counts, indexes, TTLs). */
export function parseSafeInt(s: string): number | null {
  const n = parseI64(s);
  if (n === null) return null;
  return n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER) ? null : Number(n);
}

/** Parses an integer argument or throws Redis's "not an integer" error. */
export function intArg(s: string, error = ERR_NOT_INTEGER): number {
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

/** Case-insensitive comparison of an argument with an ASCII option word (given lowercase). */
export function isOpt(arg: string, lowerWord: string): boolean {
  return arg.length === lowerWord.length && arg.toLowerCase() === lowerWord;
}

const U64 = 2n ** 64n;

/**
 * A SCAN-family cursor as Redis reads it (strtoul on a C string): it ends at a
 * NUL, "" is 0, a sign is allowed and a negative wraps around 2^64; leading
 * whitespace, other characters or values beyond 2^64-1 are invalid (null).
 */
export function parseScanCursor(arg: string): bigint | null {
  const c0 = arg.charCodeAt(0);
  if (c0 === 32 || (c0 >= 9 && c0 <= 13)) return null;
  const nul = arg.indexOf('\0');
  const s = nul === -1 ? arg : arg.slice(0, nul);
  const m = /^([+-]?)(\d*)$/.exec(s);
  if (m === null) return null;
  if (m[2] === '') return m[1] === '' ? 0n : null;
  const v = BigInt(m[2]);
  if (v > U64 - 1n) return null;
  return m[1] === '-' ? (U64 - v) % U64 : v;
}

/** Redis's getRangeLongFromObjectOrReply(1, LONG_MAX): one error for every failure; clamped to a safe integer. */
export function positiveArg(s: string, error: string): number {
  const n = parseI64(s);
  if (n === null || n < 1n) throw new ReplyError(error);
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

/**
 * The `numkeys key [key ...] <A | B> [COUNT count]` part of LMPOP, ZMPOP,
 * BLMPOP and BZMPOP, from `args[at]`, checked in Redis's order (which decides
 * which error wins). `where` is `a` or `b` as given (lowercase).
 */
export function parseMpop(args: readonly string[], at: number, a: string, b: string): { keys: string[]; where: string; count: number } {
  const numkeys = positiveArg(args[at], ERR_NUMKEYS);
  const whereAt = at + 1 + numkeys;
  if (whereAt >= args.length) throw new ReplyError(ERR_SYNTAX);
  let where: string;
  if (isOpt(args[whereAt], a)) where = a;
  else if (isOpt(args[whereAt], b)) where = b;
  else throw new ReplyError(ERR_SYNTAX);
  let count = -1;
  for (let j = whereAt + 1; j < args.length; j++) {
    if (count === -1 && isOpt(args[j], 'count') && j + 1 < args.length) count = positiveArg(args[++j], ERR_COUNT_POSITIVE);
    else throw new ReplyError(ERR_SYNTAX);
  }
  return { keys: args.slice(at + 1, whereAt), where, count: count === -1 ? 1 : count };
}
