/**
 * Timeouts of blocking commands, parsed as Redis 7.0.15 does
 * (getTimeoutFromObjectOrReply): seconds as a long double for the list and
 * zset commands, whole milliseconds for XREAD/XREADGROUP BLOCK.
 *
 * Seconds are multiplied by 1000 and rounded up (0.0001 s waits 1 ms, a tiny
 * negative rounds to 0 = forever); a product too large for a 64-bit integer
 * wraps negative in Redis's conversion and is refused as negative. No upper
 * bound is checked: a huge timeout simply never fires.
 */
import { ERR_TIMEOUT_NEGATIVE, ReplyError } from '../errors';
import { strtod } from './strtod';

export const ERR_TIMEOUT_FLOAT = 'ERR timeout is not a float or out of range';

const TWO_63 = 2 ** 63;
/** Beyond these decimal exponents strtold itself fails (long double range). */
const LONG_DOUBLE_MAX_EXP = 4932;
const LONG_DOUBLE_MIN_EXP = -4950;

/** A timeout in seconds (BLPOP & co.): milliseconds to wait, 0 = forever. */
export function parseSecondsTimeout(s: string): number {
  if (s.length === 0 || s.length >= 5 * 1024 || /^\s/.test(s)) throw new ReplyError(ERR_TIMEOUT_FLOAT);
  const r = strtod(s);
  if (r.end !== s.length || Number.isNaN(r.value)) throw new ReplyError(ERR_TIMEOUT_FLOAT);
  let value = r.value;
  if (r.erange) {
    // Out of a double's range but maybe not of a long double's.
    const exp = decimalExponent(s);
    if (exp > LONG_DOUBLE_MAX_EXP || exp < LONG_DOUBLE_MIN_EXP) throw new ReplyError(ERR_TIMEOUT_FLOAT);
    if (Math.abs(value) < 1) value = s.trimStart().startsWith('-') ? -Number.MIN_VALUE : Number.MIN_VALUE;
  }
  const ms = Math.ceil(value * 1000);
  if (!Number.isFinite(ms) || ms >= TWO_63 || ms < 0) throw new ReplyError(ERR_TIMEOUT_NEGATIVE);
  return ms;
}

/** Rough decimal exponent of a decimal literal (only used to tell long double overflow from underflow). */
function decimalExponent(s: string): number {
  const m = /^[+-]?(\d*)\.?(\d*)(?:[eE]([+-]?\d+))?$/.exec(s);
  if (m === null) return 0;
  const intDigits = m[1].replace(/^0+/, '').length;
  let exp = m[3] === undefined ? 0 : Number(m[3]);
  if (intDigits > 0) exp += intDigits - 1;
  else {
    const lead = /^0*/.exec(m[2])?.[0].length ?? 0;
    exp -= lead + 1;
  }
  return exp;
}
