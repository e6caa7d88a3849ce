/**
 * C's strtod in the C locale (hex floats, inf/infinity, leading spaces,
 * partial parses, ERANGE), the number reader behind Redis's string2d,
 * zslParseRange and getTimeoutFromObjectOrReply. Sorted-set scores, range
 * bounds and blocking timeouts are all read through it.
 */

export interface Strtod {
  value: number;
  /** Index just past the parsed text (0 when nothing parsed, as strtod's endptr == nptr). */
  end: number;
  /** strtod would set ERANGE with a zero or infinite result: the literal underflowed or overflowed. */
  erange: boolean;
}

/** C isspace in the C locale. */
export function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isHex(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function startsWithCi(s: string, at: number, word: string): boolean {
  return s.length - at >= word.length && s.slice(at, at + word.length).toLowerCase() === word;
}

/** value × 2^exp without overflowing the power in between. */
function scale2(value: number, exp: number): number {
  while (exp > 1000) {
    value *= 2 ** 1000;
    exp -= 1000;
  }
  while (exp < -1000) {
    value *= 2 ** -1000;
    exp += 1000;
  }
  return value * 2 ** exp;
}

/** C strtod on `s` (which has no NUL: callers cut there), in the C locale. */
export function strtod(s: string): Strtod {
  const none: Strtod = { value: 0, end: 0, erange: false };
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') {
    neg = s[i] === '-';
    i++;
  }
  const sign = neg ? -1 : 1;
  if (startsWithCi(s, i, 'inf')) {
    const end = startsWithCi(s, i, 'infinity') ? i + 8 : i + 3;
    return { value: sign * Infinity, end, erange: false };
  }
  if (startsWithCi(s, i, 'nan')) {
    let end = i + 3;
    if (s[end] === '(') {
      let j = end + 1;
      while (j < s.length && /[0-9A-Za-z_]/.test(s[j])) j++;
      if (s[j] === ')') end = j + 1;
    }
    return { value: NaN, end, erange: false };
  }
  // Hex float: 0x followed by at least one hex digit (else only the "0" parses).
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X')) {
    let j = i + 2;
    let digits = '';
    let fracDigits = 0;
    while (j < s.length && isHex(s.charCodeAt(j))) digits += s[j++];
    if (s[j] === '.') {
      j++;
      while (j < s.length && isHex(s.charCodeAt(j))) {
        digits += s[j++];
        fracDigits++;
      }
    }
    if (digits.length > 0) {
      let exp = 0;
      if ((s[j] === 'p' || s[j] === 'P')) {
        let k = j + 1;
        let eneg = false;
        if (s[k] === '+' || s[k] === '-') {
          eneg = s[k] === '-';
          k++;
        }
        const start = k;
        while (k < s.length && isDigit(s.charCodeAt(k))) k++;
        if (k > start) {
          // Exponents past any double's reach saturate; the exact value does not matter then.
          exp = Math.min(Number(s.slice(start, k)), 100000) * (eneg ? -1 : 1);
          j = k;
        }
      }
      const mant = BigInt('0x' + digits);
      const value = mant === 0n ? 0 : scale2(Number(mant), exp - 4 * fracDigits);
      const erange = mant !== 0n && (value === 0 || !Number.isFinite(value));
      return { value: sign * value, end: j, erange };
    }
    return { value: sign * 0, end: i + 1, erange: false };
  }
  const start = i;
  let j = i;
  let nonzero = false;
  let ndigits = 0;
  while (j < s.length && isDigit(s.charCodeAt(j))) {
    if (s[j] !== '0') nonzero = true;
    j++;
    ndigits++;
  }
  if (s[j] === '.') {
    j++;
    while (j < s.length && isDigit(s.charCodeAt(j))) {
      if (s[j] !== '0') nonzero = true;
      j++;
      ndigits++;
    }
  }
  if (ndigits === 0) return none;
  if (s[j] === 'e' || s[j] === 'E') {
    let k = j + 1;
    if (s[k] === '+' || s[k] === '-') k++;
    const estart = k;
    while (k < s.length && isDigit(s.charCodeAt(k))) k++;
    if (k > estart) j = k;
  }
  // JS parses a decimal literal with correct rounding, as glibc's strtod does.
  const value = Number(s.slice(start, j));
  const erange = nonzero && (value === 0 || !Number.isFinite(value));
  return { value: sign * value, end: j, erange };
}
