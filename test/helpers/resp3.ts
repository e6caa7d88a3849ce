/**
 * RESP2 and RESP3 at the byte level, for tests that compare exact reply bytes
 * or look at RESP3 types and pushes (RespClient's parser knows RESP2 only):
 * one parser of every reply type, and a raw client that hands back each
 * reply's bytes as the server sent them.
 */
import net from 'node:net';
import { encodeCommand } from './resp-client';

/** A parsed RESP2/3 value: bulk, simple, verbatim and big-number strings as latin1 strings, errors as { error }. */
export type Resp3Value = string | number | boolean | null | { error: string } | Resp3Value[];

export interface Parsed {
  value: Resp3Value;
  /** The offset just after the value. */
  end: number;
  /** The type byte (`>` for a push). */
  type: string;
}

/** The RESP2/3 value starting at `o`, or null if `b` does not hold all of it yet. */
export function parseResp(b: Buffer, o = 0): Parsed | null {
  if (o >= b.length) return null;
  const eol = b.indexOf('\r\n', o);
  if (eol < 0) return null;
  const type = String.fromCharCode(b[o]);
  const line = b.latin1Slice(o + 1, eol);
  const next = eol + 2;
  switch (type) {
    case '+':
    case ',':
    case '(':
      return { value: line, end: next, type };
    case '-':
      return { value: { error: line }, end: next, type };
    case ':':
      return { value: Number(line), end: next, type };
    case '_':
      return { value: null, end: next, type };
    case '#':
      return { value: line === 't', end: next, type };
    case '$':
    case '=':
    case '!': {
      const n = Number(line);
      if (n < 0) return { value: null, end: next, type };
      if (b.length < next + n + 2) return null;
      if (b[next + n] !== 13 || b[next + n + 1] !== 10) throw new Error(`a ${type}${n} value at offset ${o} is not followed by CRLF`);
      const text = b.latin1Slice(next, next + n);
      return { value: type === '!' ? { error: text } : text, end: next + n + 2, type };
    }
    case '*':
    case '>':
    case '~':
    case '%':
    case '|': {
      let n = Number(line);
      if (n < 0) return { value: null, end: next, type };
      if (type === '%' || type === '|') n *= 2;
      const items: Resp3Value[] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const r = parseResp(b, p);
        if (r === null) return null;
        items.push(r.value);
        p = r.end;
      }
      return { value: items, end: p, type };
    }
    default:
      throw new Error(`bad RESP type byte ${JSON.stringify(type)} at offset ${o}`);
  }
}

/** A socket that sends requests and hands back the exact bytes (latin1) of the replies, one request at a time. */
export class RawReplyClient {
  private buf = Buffer.alloc(0);
  private wake: (() => void) | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake?.();
    });
    // A reset shows as a missing reply (send's timeout), not as an unhandled error.
    socket.on('error', () => undefined);
  }

  static connect(port: number): Promise<RawReplyClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.off('error', reject);
        resolve(new RawReplyClient(s));
      });
      s.once('error', reject);
    });
  }

  /** Sends one command (as a multibulk request) and resolves with its reply's bytes. */
  call(...args: (string | Buffer)[]): Promise<string> {
    return this.send(encodeCommand(args), 1, args.join(' '));
  }

  /** Writes raw request bytes and resolves with the bytes of the next `replies` replies, together. */
  async send(bytes: string | Buffer, replies = 1, what = JSON.stringify(String(bytes))): Promise<string> {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
    let end = 0;
    for (let i = 0; i < replies; i++) {
      for (;;) {
        const r = parseResp(this.buf, end);
        if (r !== null) {
          end = r.end;
          break;
        }
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no reply to ${what}; got ${JSON.stringify(this.buf.latin1Slice(0, 300))}`)), 5000);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
    const out = this.buf.latin1Slice(0, end);
    this.buf = this.buf.subarray(end);
    return out;
  }

  close(): void {
    this.socket.destroy();
  }
}
