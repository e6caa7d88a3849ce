/**
 * Encodes RESP replies into one growable buffer.
 *
 * Used on both sides of the thread hop: a shard encodes every reply of a batch
 * into one writer and transfers the bytes back in one message; the main thread
 * uses one for replies it makes itself. Strings are latin1 (one byte per char),
 * which is how Shardis keeps binary-safe keys and values.
 *
 * The writer knows the connection's protocol (2 or 3) so command code asks for a
 * *shape* (map, set, double, null) and the writer picks the RESP2 or RESP3 bytes.
 */
import { ByteBuffer } from './byte-buffer';

export class ReplyWriter extends ByteBuffer {
  /** RESP version of the connection the next reply is for. */
  proto: 2 | 3 = 2;

  constructor(initialSize = 16 * 1024) {
    super(initialSize);
  }

  reset(): void {
    this.len = 0;
    this.floor = 0;
  }

  /**
   * Hands over the bytes written so far as a transferable ArrayBuffer and
   * resets. The ArrayBuffer may be longer than the bytes written: readers
   * walk it by its own counts and lengths (see shard-batch.ts).
   */
  takeArrayBuffer(): ArrayBuffer {
    return this.handOver(1024, 64 * 1024);
  }

  /** Copies the bytes written so far into a fresh Buffer and resets. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.len);
    this.buf.copy(out, 0, 0, this.len);
    this.len = 0;
    return out;
  }

  private ascii(s: string): void {
    this.ensure(s.length);
    this.len += this.buf.latin1Write(s, this.len);
  }

  private line(prefix: string, s: string): void {
    this.ensure(s.length + 3);
    this.len += this.buf.latin1Write(prefix, this.len);
    this.len += this.buf.latin1Write(s, this.len);
    this.buf[this.len++] = 13;
    this.buf[this.len++] = 10;
  }

  /** Raw bytes already in RESP form (e.g. a reply produced by a shard). */
  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  rawString(s: string): void {
    this.ascii(s);
  }

  ok(): void {
    this.ensure(5);
    const b = this.buf;
    const o = this.len;
    b[o] = 43; // '+'
    b[o + 1] = 79; // 'O'
    b[o + 2] = 75; // 'K'
    b[o + 3] = 13;
    b[o + 4] = 10;
    this.len = o + 5;
  }

  /**
   * Writes a non-negative safe integer in decimal. Byte stores instead of
   * String(n) + latin1Write: no string and no native call per reply header.
   * The caller has ensured room (at most 16 digits).
   */
  private digits(n: number): void {
    const b = this.buf;
    if (n < 10) {
      b[this.len++] = 48 + n;
      return;
    }
    let width = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) width++;
    let o = this.len + width;
    this.len = o;
    while (n >= 10) {
      const q = Math.floor(n / 10);
      b[--o] = 48 + (n - q * 10);
      n = q;
    }
    b[--o] = 48 + n;
  }

  simple(s: string): void {
    this.line('+', s);
  }

  /** An array of status lines: the shape of every HELP reply. */
  lines(lines: readonly string[]): void {
    this.array(lines.length);
    for (const l of lines) this.simple(l);
  }

  /** An error reply; `msg` carries its own code word (ERR, WRONGTYPE, ...). */
  error(msg: string): void {
    // Redis never lets a newline into an error line; it would break framing.
    this.line('-', msg.includes('\n') || msg.includes('\r') ? msg.replace(/[\r\n]+/g, ' ') : msg);
  }

  integer(n: number | bigint | string): void {
    if (typeof n === 'number' && Number.isSafeInteger(n)) {
      this.ensure(20);
      this.buf[this.len++] = 58; // ':'
      if (n < 0) {
        this.buf[this.len++] = 45; // '-'
        n = -n;
      }
      this.digits(n);
      this.buf[this.len++] = 13;
      this.buf[this.len++] = 10;
      return;
    }
    this.line(':', String(n));
  }

  /** Bulk string from a latin1 JS string. */
  bulk(s: string): void {
    this.bulkRange(s, 0, s.length);
  }

  /** Bulk string of chars `from..to` of `s` (a range of a packed string: no substring is made for short ones). */
  bulkRange(s: string, from: number, to: number): void {
    const n = to - from;
    this.ensure(n + 24);
    const b = this.buf;
    b[this.len++] = 36; // '$'
    this.digits(n);
    b[this.len++] = 13;
    b[this.len++] = 10;
    // Short values byte by byte (a store keeps the low byte, as latin1 does);
    // the native write only pays off for longer ones.
    if (n <= 32) {
      let o = this.len;
      for (let i = from; i < to; i++) b[o++] = s.charCodeAt(i);
      this.len = o;
    } else {
      this.len += b.latin1Write(from === 0 && to === s.length ? s : s.slice(from, to), this.len);
    }
    b[this.len++] = 13;
    b[this.len++] = 10;
  }

  /** Bulk string from raw bytes. */
  bulkBytes(b: Uint8Array): void {
    this.ensure(b.length + 24);
    this.buf[this.len++] = 36;
    this.digits(b.length);
    this.buf[this.len++] = 13;
    this.buf[this.len++] = 10;
    this.buf.set(b, this.len);
    this.len += b.length;
    this.buf[this.len++] = 13;
    this.buf[this.len++] = 10;
  }

  bulkOrNull(s: string | null | undefined): void {
    if (s === null || s === undefined) this.nullBulk();
    else this.bulk(s);
  }

  /** Null bulk string: `$-1` in RESP2, `_` in RESP3. */
  nullBulk(): void {
    this.ascii(this.proto === 3 ? '_\r\n' : '$-1\r\n');
  }

  /** Null array: `*-1` in RESP2, `_` in RESP3. */
  nullArray(): void {
    this.ascii(this.proto === 3 ? '_\r\n' : '*-1\r\n');
  }

  array(n: number): void {
    this.header(42 /* '*' */, n);
  }

  /** An aggregate header (`*n`, `%n`, `~n`, `>n`) for a non-negative count. */
  private header(type: number, n: number): void {
    if (!(n >= 0 && Number.isSafeInteger(n))) return this.line(String.fromCharCode(type), String(n));
    this.ensure(20);
    this.buf[this.len++] = type;
    this.digits(n);
    this.buf[this.len++] = 13;
    this.buf[this.len++] = 10;
  }

  /** A map of n pairs: `%n` in RESP3, a flat array of 2n in RESP2. */
  map(n: number): void {
    if (this.proto === 3) this.header(37 /* '%' */, n);
    else this.header(42, 2 * n);
  }

  /** A set of n members: `~n` in RESP3, an array in RESP2. */
  set(n: number): void {
    this.header(this.proto === 3 ? 126 /* '~' */ : 42, n);
  }

  /** A push frame (RESP3) or plain array (RESP2), for pub/sub style messages. */
  push(n: number): void {
    this.header(this.proto === 3 ? 62 /* '>' */ : 42, n);
  }

  /** A double: `,` in RESP3, a bulk string in RESP2, formatted as Redis does. */
  double(d: number): void {
    const s = formatDouble(d);
    if (this.proto === 3) this.line(',', s);
    else this.bulk(s);
  }

  /** A double already formatted (GEOPOS's "%.17Lf" coordinates): `,` in RESP3, a bulk string in RESP2. */
  doubleText(s: string): void {
    if (this.proto === 3) this.line(',', s);
    else this.bulk(s);
  }

  /** A boolean: `#t`/`#f` in RESP3, `:1`/`:0` in RESP2. */
  boolean(b: boolean): void {
    if (this.proto === 3) this.ascii(b ? '#t\r\n' : '#f\r\n');
    else this.ascii(b ? ':1\r\n' : ':0\r\n');
  }

  /** A verbatim string (`=`) in RESP3, a bulk string in RESP2. */
  verbatim(s: string, format = 'txt'): void {
    if (this.proto === 3) {
      const body = `${format}:${s}`;
      this.line('=', String(body.length));
      this.ascii(body);
      this.ascii('\r\n');
    } else {
      this.bulk(s);
    }
  }
}

/**
 * Formats a double the way Redis 7.0 does in replies: C's `%.17g` (17
 * significant digits, trailing zeros dropped, exponent form below 1e-4 or from
 * 1e17 up), `inf`/`-inf`/`nan`, `-0` kept. E.g. 0.1 -> 0.10000000000000001,
 * 1e21 -> 1e+21, 1.5e-7 -> 1.4999999999999999e-07.
 */
export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  // Integers below 2^53 have at most 16 digits, which String prints exactly.
  if (Number.isInteger(d) && Math.abs(d) <= 2 ** 53) return String(d);
  const neg = d < 0;
  const a = Math.abs(d);
  let [digits, exp] = sigDigits17(a);
  let out: string;
  if (exp < -4 || exp >= 17) {
    const frac = digits.slice(1).replace(/0+$/, '');
    const e = Math.abs(exp);
    out = `${digits[0]}${frac === '' ? '' : '.' + frac}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' + e : e}`;
  } else if (exp >= 0) {
    const frac = digits.slice(exp + 1).replace(/0+$/, '');
    out = digits.slice(0, exp + 1) + (frac === '' ? '' : '.' + frac);
  } else {
    digits = digits.replace(/0+$/, '');
    out = '0.' + '0'.repeat(-exp - 1) + digits;
  }
  return neg ? '-' + out : out;
}

/**
 * The 17 significant digits of a positive finite double and its decimal
 * exponent, rounded as glibc does: from the exact binary value, ties to even.
 * (toExponential rounds ties away from zero, so exact ties are redone.)
 */
function sigDigits17(a: number): [string, number] {
  const s = a.toExponential(16);
  const e = s.indexOf('e');
  let digits = s[0] + s.slice(2, e);
  let exp = Number(s.slice(e + 1));
  const s18 = a.toExponential(17);
  if (s18[s18.indexOf('e') - 1] === '5') {
    // Possibly an exact tie at the 18th digit: look at the exact expansion.
    const full = a.toExponential(99);
    const fe = full.indexOf('e');
    const fdigits = full[0] + full.slice(2, fe);
    if (/^0*$/.test(fdigits.slice(18)) && fdigits[17] === '5') {
      let kept = fdigits.slice(0, 17);
      exp = Number(full.slice(fe + 1));
      if ((kept.charCodeAt(16) - 48) % 2 === 1) {
        // Round the odd last digit up to even, carrying.
        const up = (BigInt(kept) + 1n).toString();
        if (up.length > 17) {
          kept = up.slice(0, 17);
          exp++;
        } else {
          kept = up;
        }
      }
      digits = kept;
    }
  }
  return [digits, exp];
}
