/**
 * The SCAN family's arguments (SCAN, HSCAN, SSCAN, ZSCAN): the cursor and
 * the MATCH / COUNT (/ TYPE) options, read once here with Redis's rules.
 */
import { ERR_NOT_INTEGER, ERR_SYNTAX, ReplyError } from '../errors';
import { isOpt, parseI64 } from './parse';

export interface ScanOptions {
  count: number;
  /** The MATCH pattern, or null when every element matches (no MATCH, or a lone `*`). */
  pattern: string | null;
  /** SCAN's TYPE (as given), or null. */
  type: string | null;
}

/** COUNT is a budget, not an allocation: beyond this it makes no difference. */
const MAX_COUNT = 1_000_000_000n;

/**
 * Options from `args[from]` on, as pairs. `withType`: SCAN's TYPE is allowed.
 * COUNT must be a positive 64-bit integer (a syntax error below 1, as Redis).
 * A lone `*` is no pattern: it matches everything, even the empty name the
 * glob matcher would refuse.
 */
export function parseScanOptions(args: readonly string[], from: number, withType: boolean): ScanOptions {
  const out: ScanOptions = { count: 10, pattern: null, type: null };
  for (let i = from; i < args.length; i += 2) {
    const hasValue = i + 1 < args.length;
    const opt = args[i];
    if (isOpt(opt, 'count') && hasValue) {
      const n = parseI64(args[i + 1]);
      if (n === null) throw new ReplyError(ERR_NOT_INTEGER);
      if (n < 1n) throw new ReplyError(ERR_SYNTAX);
      out.count = Number(n > MAX_COUNT ? MAX_COUNT : n);
    } else if (isOpt(opt, 'match') && hasValue) {
      out.pattern = args[i + 1] === '*' ? null : args[i + 1];
    } else if (withType && isOpt(opt, 'type') && hasValue) {
      out.type = args[i + 1];
    } else {
      throw new ReplyError(ERR_SYNTAX);
    }
  }
  return out;
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
