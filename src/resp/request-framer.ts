/**
 * Network-facing RESP request framer.
 *
 * Splits the byte stream of one client connection into commands, the way
 * Redis 7 does it (networking.c: processInputBuffer, processMultibulkBuffer,
 * processInlineBuffer, and sds.c: sdssplitargs), with the same error texts.
 * Behaviour was checked byte for byte against redis-server 7.0.15; the quirks
 * kept on purpose are listed here so nobody "fixes" them:
 *
 * - A request starting with `*` is multibulk, anything else is inline.
 * - Header lines (`*<n>` and `$<len>`) end at the first `\r`; the byte after
 *   that `\r` is skipped without being checked (`*1\rX$4\r\nPING\r\n` is a
 *   PING). Likewise the two bytes after a bulk's data are skipped unchecked.
 * - `*3\n...` (LF only) is not a line end: the search goes on to the next
 *   `\r`, and the count then fails to parse ("invalid multibulk length").
 * - Numbers follow string2ll: optional `-`, no `+`, no spaces, no leading
 *   zeros, no `-0`, fewer than 21 characters, within a signed 64-bit range.
 * - `*0` and negative counts are empty requests and are skipped silently.
 * - Redis looks for line ends with strchr(), which stops at a NUL byte. A NUL
 *   before the line end of a header or inline line therefore means "line not
 *   complete yet": the connection waits until the buffer exceeds the inline
 *   limit and then fails with the "too big ..." error. Reproduced here.
 * - `Protocol error: expected '$', got '%c'`: Redis prints the raw byte, and
 *   its error reply turns `\r`/`\n` into spaces. The byte is put into the
 *   message as a latin1 character (String.fromCharCode), so write error
 *   replies as latin1 to be byte-exact for bytes >= 0x80.
 *
 * Deliberate differences from Redis 7.0 (by the lead's specification):
 * - Multibulk counts above `maxMultibulkLen` (1M by default) are rejected
 *   with "invalid multibulk length". Redis 7.0 only rejects counts above
 *   INT_MAX (and above 10 for unauthenticated clients when a password is set;
 *   that check belongs to the caller, who knows the auth state).
 * - The query buffer limit counts every byte held for the incomplete command,
 *   including its already-parsed arguments (Redis 7.0 counts only the raw
 *   query buffer). See QueryBufferLimitError for what to reply.
 *
 * Memory: nothing is ever allocated according to an announced length. Bytes
 * are kept as the list of chunks pushed in until a request is complete.
 *
 * Arguments come out as latin1 strings (one char per byte, so binary-safe):
 * the form the shards' ops read keys and values in. Decoding each argument
 * once here costs less than a Buffer view here plus a string in the engine
 * (docs/performance.md). An argument spread over several chunks is copied
 * once, when all of its bytes have arrived, then decoded.
 */

import { latin1String } from '../core/wire/latin1';

/**
 * V8's longest string (2^29 - 24 chars): a bulk argument longer than this
 * cannot be decoded, so once it has arrived it is refused like one over
 * proto-max-bulk-len (which defaults to 512 MB, 24 bytes more).
 */
const MAX_ARG_LENGTH = 2 ** 29 - 24;

export interface FramerLimits {
  /** proto-max-bulk-len: longest accepted bulk argument, in bytes. */
  maxBulkLen: number;
  /** Largest accepted multibulk count (`*<n>`). */
  maxMultibulkLen: number;
  /** PROTO_INLINE_MAX_SIZE: longest inline request / header line still waiting for its line end. */
  maxInlineLen: number;
  /** client-query-buffer-limit: most bytes held for one incomplete request. */
  maxQueryBuffer: number;
}

export const defaultFramerLimits = (): FramerLimits => ({
  maxBulkLen: 512 * 1024 * 1024,
  maxMultibulkLen: 1024 * 1024,
  maxInlineLen: 64 * 1024,
  maxQueryBuffer: 1024 * 1024 * 1024,
});

/** Bad client input. `message` is Redis's text without the "ERR " prefix. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/**
 * The client went over the query buffer limit.
 *
 * Redis 7.0 sends no reply at all in this case: it logs "Closing client that
 * reached max query buffer length: <client info> (qbuf initial bytes: ...)"
 * and closes the connection. To match it, the server should check for this
 * subclass and close without replying. The message below is only used if the
 * server treats it like any other ProtocolError.
 */
export class QueryBufferLimitError extends ProtocolError {
  constructor() {
    super('Protocol error: query buffer limit reached');
    this.name = 'QueryBufferLimitError';
  }
}

const NUL = 0;
const LF = 10;
const CR = 13;
const DOLLAR = 36;
const STAR = 42;
const INT_MAX = 2147483647;
const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN_ABS = 9223372036854775808n;
/** Header values with at most this many digits are exact as a JS number. */
const FAST_DIGITS = 15;
/** Header lines longer than this can never parse (string2ll: slen >= 21 fails). */
const MAX_NUMBER_LINE = 32;

const ERR_MBULK_LEN = 'Protocol error: invalid multibulk length';
const ERR_BULK_LEN = 'Protocol error: invalid bulk length';
const ERR_BIG_MBULK = 'Protocol error: too big mbulk count string';
const ERR_BIG_BULK = 'Protocol error: too big bulk count string';
const ERR_BIG_INLINE = 'Protocol error: too big inline request';
const ERR_QUOTES = 'Protocol error: unbalanced quotes in request';

/** C isspace() in the "C" locale: space, \t, \n, \v, \f, \r. */
function isSpace(b: number): boolean {
  return b === 32 || (b >= 9 && b <= 13);
}

function hexValue(b: number): number {
  if (b >= 48 && b <= 57) return b - 48;
  if (b >= 97 && b <= 102) return b - 87;
  if (b >= 65 && b <= 70) return b - 55;
  return -1;
}

/**
 * Redis's string2ll over buf[s, e). Returns NaN when Redis would reject the
 * text. Values beyond 2^53 are returned rounded to the nearest double, which
 * is fine: they are only compared against limits far below that.
 */
export function parseRedisInteger(buf: Uint8Array, s: number, e: number): number {
  const len = e - s;
  if (len === 0 || len >= 21) return NaN;
  if (len === 1 && buf[s] === 48) return 0;
  let p = s;
  let negative = false;
  if (buf[p] === 45) {
    negative = true;
    p++;
    if (p === e) return NaN;
  }
  const digitsStart = p;
  let b = buf[p]!;
  if (b < 49 || b > 57) return NaN;
  let v = b - 48;
  p++;
  while (p < e) {
    b = buf[p]!;
    if (b < 48 || b > 57) return NaN;
    v = v * 10 + (b - 48);
    p++;
  }
  if (e - digitsStart > FAST_DIGITS) {
    // Exact overflow check at the signed 64-bit boundary.
    let text = '';
    for (let i = digitsStart; i < e; i++) text += String.fromCharCode(buf[i]!);
    const big = BigInt(text);
    if (big > (negative ? LLONG_MIN_ABS : LLONG_MAX)) return NaN;
    return Number(negative ? -big : big);
  }
  return negative ? -v : v;
}

export class RequestFramer {
  private readonly limits: FramerLimits;

  /** Pushed chunks; chunks[ci] is the head, `off` bytes of it already consumed. */
  private chunks: Buffer[] = [];
  private ci = 0;
  private off = 0;
  /** Unconsumed bytes in the chunk list. */
  private avail = 0;
  /** Bytes consumed so far for the request being assembled (headers + args). */
  private partial = 0;

  /** Arguments still expected for the current multibulk request (0 = none in progress). */
  private mbRemaining = 0;
  /** Length of the bulk being read, or -1 when its `$` header is still to come. */
  private bulkLen = -1;
  private args: string[] = [];

  // Line search state for the line starting at the head; reset on every consume.
  /** Length of the line at the head once its terminator was found, else -1. */
  private lineLen = -1;
  /** A NUL precedes the terminator: the line can never complete (strchr quirk). */
  private nulBlocked = false;
  /** Resume point of an unfinished line search: chunk index, and bytes already searched. */
  private scanCi = -1;
  private scanBase = 0;

  /** Value of the header just parsed by header(). */
  private hdrVal = 0;

  private dead: ProtocolError | null = null;

  constructor(limits: FramerLimits) {
    // Kept by reference: CONFIG SET may change the limits later.
    this.limits = limits;
  }

  /** Bytes held that have not been returned as part of a command yet (CLIENT LIST qbuf). */
  get bufferedBytes(): number {
    return this.avail + this.partial;
  }

  push(chunk: Buffer): void {
    if (this.dead !== null || chunk.length === 0) return;
    this.chunks.push(chunk);
    this.avail += chunk.length;
  }

  next(): string[] | null {
    if (this.dead !== null) throw this.dead;
    try {
      return this.parse();
    } catch (err) {
      if (err instanceof ProtocolError) this.die(err);
      throw err;
    }
  }

  private die(err: ProtocolError): void {
    this.dead = err;
    this.chunks = [];
    this.ci = 0;
    this.off = 0;
    this.avail = 0;
    this.partial = 0;
    this.args = [];
    this.mbRemaining = 0;
  }

  private parse(): string[] | null {
    for (;;) {
      if (this.mbRemaining === 0) {
        if (this.avail === 0) return this.needMore();
        if (this.chunks[this.ci]![this.off] !== STAR) {
          const inline = this.inline();
          if (inline === null) return this.needMore();
          if (inline.length === 0) continue; // empty line: skipped
          return inline;
        }
        const fast = this.parseWhole();
        if (fast !== null) return fast;
        if (!this.header(STAR)) return this.needMore();
        const count = this.hdrVal;
        if (count <= 0) {
          // `*0` / `*-1`: an empty request, skipped.
          this.partial = 0;
          continue;
        }
        this.mbRemaining = count;
        this.bulkLen = -1;
        this.args = [];
      }

      while (this.mbRemaining > 0) {
        if (this.bulkLen < 0) {
          if (this.avail === 0 || !this.header(DOLLAR)) return this.needMore();
          this.bulkLen = this.hdrVal;
        }
        const len = this.bulkLen;
        const need = len + 2;
        if (this.avail < need) return this.needMore();
        const head = this.chunks[this.ci]!;
        const start = this.off;
        // Only the last 24 bytes below the default proto-max-bulk-len hit this.
        if (len > MAX_ARG_LENGTH) throw new ProtocolError(ERR_BULK_LEN);
        let arg: string;
        if (start + len <= head.length) arg = latin1String(head, start, start + len);
        else arg = this.copyOut(len).latin1Slice(0, len);
        this.consume(need);
        this.partial += need;
        this.args.push(arg);
        this.bulkLen = -1;
        this.mbRemaining--;
      }

      const done = this.args;
      this.args = [];
      this.partial = 0;
      return done;
    }
  }

  /**
   * Fast path for the common case: a complete, well-formed multibulk request
   * lying entirely in the head chunk (`*<n>\r\n` then n x `$<len>\r\n<data>\r\n`,
   * plain digits, within the limits). It consumes nothing until the whole
   * request checks out, and returns null on anything else (incomplete, spread
   * over chunks, odd bytes, too big), so the general path below handles that
   * request from its start with all of Redis's quirks and errors.
   */
  private parseWhole(): string[] | null {
    const c = this.chunks[this.ci]!;
    const end = c.length;
    let p = this.off + 1; // after the `*`
    let count = 0;
    let digits = 0;
    let b = 0;
    while (p < end && (b = c[p]!) >= 48 && b <= 57 && digits < 8) {
      count = count * 10 + (b - 48);
      p++;
      digits++;
    }
    // No leading zero, no empty/zero count (skipped requests), within the limit.
    if (digits === 0 || c[this.off + 1] === 48 || count > this.limits.maxMultibulkLen) return null;
    if (p + 1 >= end || c[p] !== CR || c[p + 1] !== LF) return null;
    p += 2;
    const maxBulk = this.limits.maxBulkLen;
    const args: string[] = new Array(count);
    for (let i = 0; i < count; i++) {
      if (p >= end || c[p] !== DOLLAR) return null;
      p++;
      let len = 0;
      digits = 0;
      while (p < end && (b = c[p]!) >= 48 && b <= 57 && digits < 10) {
        len = len * 10 + (b - 48);
        p++;
        digits++;
      }
      if (digits === 0 || (digits > 1 && c[p - digits] === 48) || len > maxBulk) return null;
      if (p + 1 >= end || c[p] !== CR || c[p + 1] !== LF) return null;
      p += 2;
      const dataEnd = p + len;
      if (dataEnd + 1 >= end || c[dataEnd] !== CR || c[dataEnd + 1] !== LF) return null;
      args[i] = latin1String(c, p, dataEnd);
      p = dataEnd + 2;
    }
    this.consume(p - this.off);
    this.partial = 0;
    return args;
  }

  private needMore(): null {
    if (this.avail + this.partial > this.limits.maxQueryBuffer) throw new QueryBufferLimitError();
    return null;
  }

  /** Drop n bytes from the head of the chunk list. */
  private consume(n: number): void {
    this.avail -= n;
    this.lineLen = -1;
    this.nulBlocked = false;
    this.scanCi = -1;
    if (this.avail === 0) {
      this.chunks = [];
      this.ci = 0;
      this.off = 0;
      return;
    }
    const chunks = this.chunks;
    let ci = this.ci;
    let rem = chunks[ci]!.length - this.off;
    if (n < rem) {
      this.off += n;
      return;
    }
    while (n >= rem) {
      n -= rem;
      ci++;
      rem = chunks[ci]!.length;
    }
    this.off = n;
    if (ci >= 64 && ci * 2 >= chunks.length) {
      this.chunks = chunks.slice(ci);
      ci = 0;
    } else {
      // Let fully consumed chunks be collected even before compaction.
      for (let i = this.ci; i < ci; i++) chunks[i] = EMPTY;
    }
    this.ci = ci;
  }

  /** Copy the next n bytes (n <= avail) into a new buffer, without consuming them. */
  private copyOut(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let w = 0;
    let ci = this.ci;
    let from = this.off;
    while (w < n) {
      const c = this.chunks[ci]!;
      const take = Math.min(c.length - from, n - w);
      c.copy(out, w, from, from + take);
      w += take;
      ci++;
      from = 0;
    }
    return out;
  }

  /**
   * Find the terminator byte of the line at the head, the way strchr() would:
   * a NUL before it means "not found". Returns the line length (bytes before
   * the terminator) or -1. An unfinished search resumes where it stopped.
   */
  private findLineEnd(term: number): number {
    if (this.lineLen >= 0) return this.lineLen;
    if (this.nulBlocked) return -1;
    const chunks = this.chunks;
    let ci: number;
    let from: number;
    let base: number;
    if (this.scanCi >= 0) {
      ci = this.scanCi;
      from = 0;
      base = this.scanBase;
    } else {
      ci = this.ci;
      from = this.off;
      base = 0;
    }
    for (; ci < chunks.length; ci++, from = 0) {
      const c = chunks[ci]!;
      const i = lineEndIn(c, from, term);
      if (i === NUL_FIRST) {
        this.nulBlocked = true;
        return -1;
      }
      if (i >= 0) {
        this.lineLen = base + (i - from);
        return this.lineLen;
      }
      base += c.length - from;
    }
    this.scanCi = ci;
    this.scanBase = base;
    return -1;
  }

  /**
   * Parse a `*<n>` or `$<len>` header at the head. Returns false when more
   * input is needed; on success consumes the line and sets hdrVal.
   */
  private header(kind: number): boolean {
    const c = this.chunks[this.ci]!;
    const p = this.off;
    const len = c.length;
    // Fast path: kind byte, 1-15 digits without a leading zero (or a lone 0),
    // `\r`, and the byte after the `\r`, all inside the head chunk.
    if (c[p] === kind && p + 1 < len) {
      let q = p + 1;
      let b = c[q]!;
      if (b >= 49 && b <= 57) {
        let v = b - 48;
        q++;
        const lim = p + 1 + FAST_DIGITS;
        while (q < len && q < lim) {
          b = c[q]!;
          if (b < 48 || b > 57) break;
          v = v * 10 + (b - 48);
          q++;
        }
        if (q + 1 < len && c[q] === CR) return this.headerDone(kind, v, q + 2 - p);
      } else if (b === 48 && p + 3 < len && c[p + 2] === CR) {
        return this.headerDone(kind, 0, 4); // `$0\r\n`, `*0\r\n`
      }
    }
    return this.headerSlow(kind);
  }

  private headerSlow(kind: number): boolean {
    const L = this.findLineEnd(CR);
    if (L < 0) {
      if (this.avail > this.limits.maxInlineLen) {
        throw new ProtocolError(kind === STAR ? ERR_BIG_MBULK : ERR_BIG_BULK);
      }
      return false;
    }
    // Redis also wants the byte after the `\r` (it is not checked to be `\n`).
    if (this.avail < L + 2) return false;
    const head = this.chunks[this.ci]!;
    const first = head[this.off]!;
    if (kind === DOLLAR && first !== DOLLAR) {
      const shown = first === CR || first === LF ? ' ' : String.fromCharCode(first);
      throw new ProtocolError(`Protocol error: expected '$', got '${shown}'`);
    }
    let v = NaN;
    if (this.off + L <= head.length) {
      v = parseRedisInteger(head, this.off + 1, this.off + L);
    } else if (L <= MAX_NUMBER_LINE) {
      v = parseRedisInteger(this.copyOut(L), 1, L);
    } // else: far too long to be a number.
    return this.headerDone(kind, v, L + 2);
  }

  private headerDone(kind: number, v: number, used: number): boolean {
    this.checkHeaderValue(kind, v);
    this.consume(used);
    this.partial += used;
    this.hdrVal = v;
    return true;
  }

  private checkHeaderValue(kind: number, v: number): void {
    if (kind === STAR) {
      // NaN fails every comparison, hence the negated form.
      if (!(v <= INT_MAX && v <= this.limits.maxMultibulkLen)) throw new ProtocolError(ERR_MBULK_LEN);
    } else if (!(v >= 0 && v <= this.limits.maxBulkLen)) {
      throw new ProtocolError(ERR_BULK_LEN);
    }
  }

  /** Parse one inline request. Returns null when its line is incomplete. */
  private inline(): string[] | null {
    const nl = this.findLineEnd(LF);
    if (nl < 0) {
      if (this.avail > this.limits.maxInlineLen) throw new ProtocolError(ERR_BIG_INLINE);
      return null;
    }
    const head = this.chunks[this.ci]!;
    let line: Buffer;
    let s: number;
    if (this.off + nl <= head.length) {
      line = head;
      s = this.off;
    } else {
      line = this.copyOut(nl);
      s = 0;
    }
    let e = s + nl;
    if (e > s && line[e - 1] === CR) e--;
    const args = splitArgs(line, s, e);
    this.consume(nl + 1);
    return args;
  }
}

const EMPTY = Buffer.alloc(0);

/** lineEndIn's answer when a NUL comes before the terminator. */
const NUL_FIRST = -2;
/** Bytes lineEndIn checks one by one before it asks Buffer#indexOf. */
const SHORT_LINE = 64;

/**
 * The index of `term` in c[from..], -1 when absent, NUL_FIRST when a NUL
 * byte comes first. Most lines (inline commands, headers) are a few bytes:
 * those are scanned here, where two native indexOf calls and a subarray per
 * line cost more than the line; a longer one goes to indexOf.
 */
function lineEndIn(c: Buffer, from: number, term: number): number {
  const n = c.length;
  const stop = from + SHORT_LINE < n ? from + SHORT_LINE : n;
  let i = from;
  for (; i < stop; i++) {
    const b = c[i]!;
    if (b === term) return i;
    if (b === NUL) return NUL_FIRST;
  }
  if (i === n) return -1;
  const t = c.indexOf(term, i);
  const end = t < 0 ? n : t;
  if (end > i && c.subarray(i, end).indexOf(NUL) >= 0) return NUL_FIRST;
  return t;
}

/**
 * splitArgs for the common line (`PING`, `SET k v`): no quote, \v or \f
 * byte, so every token is the bytes between spaces, tabs, CRs or LFs, and is
 * decoded straight from the line with no scratch copy. Returns null for any
 * other line, which the general splitter handles.
 */
function splitPlain(line: Buffer, s: number, e: number): string[] | null {
  const out: string[] = [];
  let p = s;
  while (p < e) {
    let b = line[p]!;
    if (b === 32 || b === 9 || b === 10 || b === 13) {
      p++;
      continue;
    }
    const start = p;
    while (p < e && (b = line[p]!) !== 32 && b !== 9 && b !== 10 && b !== 13) {
      if (b === 34 || b === 39 || b === 11 || b === 12) return null;
      p++;
    }
    out.push(latin1String(line, start, p));
  }
  return out;
}

/**
 * sdssplitargs() over line[s, e) (which holds no NUL byte). Throws the
 * "unbalanced quotes" ProtocolError where sdssplitargs returns NULL.
 */
function splitArgs(line: Buffer, s: number, e: number): string[] {
  const plain = splitPlain(line, s, e);
  if (plain !== null) return plain;
  const out: string[] = [];
  let scratch: Buffer | null = null;
  let w = 0;
  let p = s;
  const at = (i: number): number => (i < e ? line[i]! : 0);
  for (;;) {
    while (p < e && isSpace(line[p]!)) p++;
    if (p >= e) return out;
    if (scratch === null) scratch = Buffer.allocUnsafe(e - s);
    const tokenStart = w;
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      const ch = at(p);
      if (inDouble) {
        let h1: number;
        let h2: number;
        if (ch === 92 && at(p + 1) === 120 && (h1 = hexValue(at(p + 2))) >= 0 && (h2 = hexValue(at(p + 3))) >= 0) {
          scratch[w++] = h1 * 16 + h2;
          p += 3;
        } else if (ch === 92 && p + 1 < e) {
          p++;
          const esc = line[p]!;
          switch (esc) {
            case 110: scratch[w++] = 10; break; // \n
            case 114: scratch[w++] = 13; break; // \r
            case 116: scratch[w++] = 9; break; // \t
            case 98: scratch[w++] = 8; break; // \b
            case 97: scratch[w++] = 7; break; // \a
            default: scratch[w++] = esc; break;
          }
        } else if (ch === 34) {
          // A closing quote must be followed by a space or the end of the line.
          if (p + 1 < e && !isSpace(line[p + 1]!)) throw new ProtocolError(ERR_QUOTES);
          done = true;
        } else if (p >= e) {
          throw new ProtocolError(ERR_QUOTES); // unterminated quotes
        } else {
          scratch[w++] = ch;
        }
      } else if (inSingle) {
        if (ch === 92 && at(p + 1) === 39) {
          p++;
          scratch[w++] = 39;
        } else if (ch === 39) {
          if (p + 1 < e && !isSpace(line[p + 1]!)) throw new ProtocolError(ERR_QUOTES);
          done = true;
        } else if (p >= e) {
          throw new ProtocolError(ERR_QUOTES);
        } else {
          scratch[w++] = ch;
        }
      } else if (p >= e || ch === 32 || ch === 10 || ch === 13 || ch === 9) {
        // Only these end an unquoted token (\v and \f do not, unlike isspace).
        done = true;
      } else if (ch === 34) {
        inDouble = true;
      } else if (ch === 39) {
        inSingle = true;
      } else {
        scratch[w++] = ch;
      }
      if (p < e) p++;
    }
    out.push(latin1String(scratch, tokenStart, w));
  }
}
