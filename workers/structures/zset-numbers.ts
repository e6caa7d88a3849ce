/**
 * Number parsing and printing with the exact rules Redis 7.0's sorted sets
 * use: C's strtod (src/core/args/strtod.ts) wrapped in string2d's checks for scores and weights, or in zslParseRange's
 * looser checks for range bounds; and the text a listpack stores a score as.
 */
import { formatDouble } from '../../src/core/wire/reply-writer';
import { isSpace, strtod } from '../../src/core/args/strtod';
import { cString } from '../../src/core/args/parse';

/**
 * Redis's string2d (scores, increments, weights): the whole argument must be
 * a number, with no leading space, no NaN, no overflow or underflow to zero.
 */
export function parseScoreArg(s: string): number | null {
  if (s.length === 0 || isSpace(s.charCodeAt(0))) return null;
  const r = strtod(s);
  if (r.end !== s.length || r.erange || Number.isNaN(r.value)) return null;
  return r.value;
}

/**
 * One bound of a score range as zslParseRange reads it: optional '(' for
 * exclusive, then strtod that must reach the end of the C string; NaN refused,
 * but spaces, overflow and even an empty number (read as 0) pass.
 */
export function parseScoreBound(arg: string): { value: number; ex: boolean } | null {
  const s = cString(arg);
  const ex = s.startsWith('(');
  const body = ex ? s.slice(1) : s;
  const r = strtod(body);
  if (r.end !== body.length || Number.isNaN(r.value)) return null;
  return { value: r.value, ex };
}

/**
 * A score as a listpack holds it, which is how ZSCAN of a listpack-encoded set
 * prints it: integral values up to 2^62 are stored as integers (so -0 reads
 * back as 0), anything else as %.17g text.
 */
export function listpackScoreText(d: number): string {
  if (Number.isInteger(d) && Math.abs(d) <= 2 ** 62) return BigInt(d).toString();
  return formatDouble(d);
}
