/**
 * x87 80-bit `long double` arithmetic, exact, for INCRBYFLOAT (and HINCRBYFLOAT).
 *
 * Redis parses both operands with strtold, adds them in long double and prints
 * the sum with "%.17Lf" minus trailing zeros. On x86-64 a long double has a
 * 64-bit significand, so a JS double would round differently (e.g. 3010.1 +
 * 3000 must print 3010.10000000000000009). Values here are exact binary
 * numbers held in BigInts, rounded to nearest-even at 64 bits like the FPU.
 */

/** ±mant × 2^exp, mant < 2^64; or an infinity. */
export interface LongDouble {
  neg: boolean;
  mant: bigint;
  exp: number;
  inf: boolean;
}

const MANT_BITS = 64;
/** Smallest exponent of the unit in the last place (subnormal quantum 2^-16445). */
const MIN_Q = -16445;
/** Largest finite value is (2^64-1) × 2^MAX_Q. */
const MAX_Q = 16320;
/** strtold refuses (ERANGE + overflow/zero) beyond these decimal magnitudes; checked exactly below them. */
const DEC_MAX_MAG = 4940;
const DEC_MIN_MAG = -4970;
/** Redis copies arguments into a buffer of this size before strtold. */
const MAX_LONG_DOUBLE_CHARS = 5 * 1024;

const ZERO = (neg: boolean): LongDouble => ({ neg, mant: 0n, exp: 0, inf: false });
const INF = (neg: boolean): LongDouble => ({ neg, mant: 0n, exp: 0, inf: true });

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Rounds num/den (both > 0) to the nearest long double (ties to even). */
function roundRational(neg: boolean, num: bigint, den: bigint): LongDouble {
  // k = floor(log2(num/den))
  let k = bitLength(num) - bitLength(den);
  if (k >= 0 ? num < den << BigInt(k) : num << BigInt(-k) < den) k--;
  let q = Math.max(k - (MANT_BITS - 1), MIN_Q);
  let n = num;
  let d = den;
  if (q < 0) n <<= BigInt(-q);
  else d <<= BigInt(q);
  let m = n / d;
  const r2 = (n % d) * 2n;
  if (r2 > d || (r2 === d && (m & 1n) === 1n)) m++;
  if (m === 1n << BigInt(MANT_BITS)) {
    m >>= 1n;
    q++;
  }
  if (q > MAX_Q) return INF(neg);
  if (m === 0n) return ZERO(neg);
  return { neg, mant: m, exp: q, inf: false };
}

function parseDecimal(neg: boolean, intDigits: string, fracDigits: string, expText: string | undefined): LongDouble {
  let digits = (intDigits + fracDigits).replace(/^0+/, '');
  if (digits === '') return ZERO(neg);
  let exp10 = -fracDigits.length;
  if (expText !== undefined) {
    const sign = expText[0] === '-' ? -1 : 1;
    const body = expText.replace(/^[+-]/, '').replace(/^0+/, '');
    // Any exponent this long is out of range whatever the digits are.
    const e = body.length > 9 ? 1e10 : Number(body || '0');
    exp10 += sign * e;
  }
  const stripped = digits.replace(/0+$/, '');
  exp10 += digits.length - stripped.length;
  digits = stripped;
  const mag = digits.length + exp10 - 1; // value is in [10^mag, 10^(mag+1))
  if (mag > DEC_MAX_MAG) return INF(neg);
  if (mag < DEC_MIN_MAG) return ZERO(neg);
  const d = BigInt(digits);
  return exp10 >= 0 ? roundRational(neg, d * 10n ** BigInt(exp10), 1n) : roundRational(neg, d, 10n ** BigInt(-exp10));
}

function parseHex(neg: boolean, intDigits: string, fracDigits: string, expText: string | undefined): LongDouble {
  const digits = (intDigits + fracDigits).replace(/^0+/, '');
  if (digits === '') return ZERO(neg);
  let exp2 = -4 * fracDigits.length;
  if (expText !== undefined) {
    const sign = expText[0] === '-' ? -1 : 1;
    const body = expText.replace(/^[+-]/, '').replace(/^0+/, '');
    exp2 += sign * (body.length > 9 ? 1e10 : Number(body || '0'));
  }
  const h = BigInt('0x' + digits);
  const mag = bitLength(h) + exp2;
  if (mag > 16400) return INF(neg);
  if (mag < -16500) return ZERO(neg);
  return exp2 >= 0 ? roundRational(neg, h << BigInt(exp2), 1n) : roundRational(neg, h, 1n << BigInt(-exp2));
}

const DEC_RE = /^([+-]?)(?:(\d+)\.?(\d*)|\.(\d+))(?:[eE]([+-]?\d+))?$/;
const HEX_RE = /^([+-]?)0[xX](?:([0-9a-fA-F]+)\.?([0-9a-fA-F]*)|\.([0-9a-fA-F]+))(?:[pP]([+-]?\d+))?$/;
const INF_RE = /^([+-]?)(?:inf|infinity)$/i;

/**
 * Parses a string as Redis's string2ld does (strtold, whole string, no
 * leading space, no NaN, and out-of-range values that overflow or underflow to
 * zero refused). Returns null when Redis would say "not a valid float".
 */
export function parseLongDouble(s: string): LongDouble | null {
  if (s.length === 0 || s.length >= MAX_LONG_DOUBLE_CHARS) return null;
  let m = DEC_RE.exec(s);
  if (m !== null) {
    const neg = m[1] === '-';
    const v = m[4] !== undefined ? parseDecimal(neg, '', m[4], m[5]) : parseDecimal(neg, m[2], m[3], m[5]);
    if (v.inf) return null;
    // ERANGE with a zero result: a non-zero literal that underflowed.
    const nonZero = /[1-9]/.test((m[2] ?? '') + (m[3] ?? '') + (m[4] ?? ''));
    return v.mant === 0n && nonZero ? null : v;
  }
  m = HEX_RE.exec(s);
  if (m !== null) {
    const neg = m[1] === '-';
    const v = m[4] !== undefined ? parseHex(neg, '', m[4], m[5]) : parseHex(neg, m[2], m[3], m[5]);
    if (v.inf) return null;
    const nonZero = /[1-9a-fA-F]/.test((m[2] ?? '') + (m[3] ?? '') + (m[4] ?? ''));
    return v.mant === 0n && nonZero ? null : v;
  }
  m = INF_RE.exec(s);
  if (m !== null) return INF(m[1] === '-');
  return null;
}

/** a + b rounded to long double; an infinity operand gives an infinity (or NaN, see isFiniteLD). */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.inf || b.inf) {
    if (a.inf && b.inf && a.neg !== b.neg) return null; // NaN
    return INF(a.inf ? a.neg : b.neg);
  }
  if (a.mant === 0n && b.mant === 0n) return ZERO(a.neg && b.neg);
  if (a.mant === 0n) return b;
  if (b.mant === 0n) return a;
  const q = Math.min(a.exp, b.exp);
  const av = (a.neg ? -a.mant : a.mant) << BigInt(a.exp - q);
  const bv = (b.neg ? -b.mant : b.mant) << BigInt(b.exp - q);
  const sum = av + bv;
  if (sum === 0n) return ZERO(false);
  const neg = sum < 0n;
  const abs = neg ? -sum : sum;
  return q >= 0 ? roundRational(neg, abs << BigInt(q), 1n) : roundRational(neg, abs, 1n << BigInt(-q));
}

const TEN17 = 10n ** 17n;

/**
 * Formats as Redis's ld2string in "human" mode: "%.17Lf" (exact value rounded
 * half-even at 17 decimals), trailing zeros and a bare '.' removed, "-0" → "0".
 */
export function formatLongDoubleHuman(v: LongDouble): string {
  if (v.inf) return v.neg ? '-inf' : 'inf';
  let scaled: bigint;
  if (v.exp >= 0) {
    scaled = (v.mant << BigInt(v.exp)) * TEN17;
  } else {
    const n = v.mant * TEN17;
    const d = 1n << BigInt(-v.exp);
    scaled = n / d;
    const r2 = (n % d) * 2n;
    if (r2 > d || (r2 === d && (scaled & 1n) === 1n)) scaled++;
  }
  const intPart = (scaled / TEN17).toString();
  const frac = (scaled % TEN17).toString().padStart(17, '0').replace(/0+$/, '');
  const body = frac === '' ? intPart : `${intPart}.${frac}`;
  if (body === '0') return '0';
  return v.neg ? `-${body}` : body;
}

/**
 * INCRBYFLOAT's arithmetic: parses both sides, adds, formats. Returns
 * 'not-float' when an operand does not parse, 'nan-inf' when the sum is not
 * finite, else the new string value.
 */
export function incrByFloatString(current: string, incr: string): string | 'not-float' | 'nan-inf' {
  const a = parseLongDouble(current);
  if (a === null) return 'not-float';
  const b = parseLongDouble(incr);
  if (b === null) return 'not-float';
  const sum = addLongDouble(a, b);
  if (sum === null || sum.inf) return 'nan-inf';
  return formatLongDoubleHuman(sum);
}
