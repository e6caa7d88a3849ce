/**
 * A minimal RESP2 client for tests: sends commands as multibulk requests (or
 * raw bytes) over a plain socket and parses replies with redis-parser (a
 * trusted stream: the servers under test). Replies are normalized to plain
 * values so the same command can be compared across Shardis and redis-server:
 * bulk strings become latin1 strings, errors become { error }.
 */
import net from 'node:net';
import RedisParser from 'redis-parser';
import type { Teardownable } from './servers';

export type Reply = string | number | null | { error: string } | Reply[];

/** A redis-parser reply as plain values (Buffers as latin1 strings, errors as { error }). */
export function normalize(v: unknown): Reply {
  if (v === null || v === undefined) return null;
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  if (typeof v === 'string' || typeof v === 'number') return v;
  if (Array.isArray(v)) return v.map(normalize);
  if (v instanceof Error) return { error: v.message };
  return String(v);
}

export function encodeCommand(args: readonly (string | Buffer | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a), 'latin1');
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

export class RespClient {
  private readonly socket: net.Socket;
  private readonly waiting: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = [];
  private readonly parser: RedisParser;
  private closedErr: Error | null = null;
  /** Chunks received so far; joined only when `raw` is read (appending per chunk would be quadratic). */
  private rawChunks: Buffer[] = [];
  readonly closed: Promise<void>;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.parser = new RedisParser({
      returnBuffers: true,
      returnReply: (reply: unknown) => this.waiting.shift()?.resolve(normalize(reply)),
      returnError: (err: Error) => this.waiting.shift()?.resolve({ error: err.message }),
      returnFatalError: (err: Error) => this.fail(err),
    });
    socket.on('data', (d: Buffer) => {
      this.rawChunks.push(d);
      this.parser.execute(d);
    });
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('close', () => this.fail(new Error('connection closed')));
    socket.on('error', (e) => this.fail(e));
  }

  /** Connects to 127.0.0.1:port (or host), or to a unix socket when given its path. */
  static connect(port: number | string, host = '127.0.0.1'): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const s = typeof port === 'string' ? net.connect(port) : net.connect(port, host);
      s.once('connect', () => {
        s.off('error', reject);
        s.setNoDelay(true);
        resolve(new RespClient(s));
      });
      s.once('error', reject);
    });
  }

  private fail(err: Error): void {
    this.closedErr ??= err;
    for (const w of this.waiting.splice(0)) w.reject(err);
  }

  /** Sends one command and resolves with its normalized reply. */
  call(...args: (string | Buffer | number)[]): Promise<Reply> {
    return this.expect(encodeCommand(args));
  }

  /** Sends many commands in one write and resolves with all replies in order. */
  pipeline(cmds: readonly (readonly (string | Buffer | number)[])[]): Promise<Reply[]> {
    const replies = cmds.map(() => this.expectReply());
    this.socket.write(Buffer.concat(cmds.map(encodeCommand)));
    return Promise.all(replies);
  }

  /** Writes raw bytes and resolves with the next `n` replies. */
  sendRaw(bytes: Buffer | string, n = 1): Promise<Reply[]> {
    const replies = Array.from({ length: n }, () => this.expectReply());
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
    return Promise.all(replies);
  }

  /** Writes raw bytes without waiting for anything. */
  write(bytes: Buffer | string): void {
    this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  private expect(bytes: Buffer): Promise<Reply> {
    const p = this.expectReply();
    this.socket.write(bytes);
    return p;
  }

  private expectReply(): Promise<Reply> {
    if (this.closedErr) return Promise.reject(this.closedErr);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Every byte received, for protocol tests that look at the raw stream. */
  get raw(): Buffer {
    if (this.rawChunks.length !== 1) this.rawChunks = [Buffer.concat(this.rawChunks)];
    return this.rawChunks[0];
  }

  get isClosed(): boolean {
    return this.closedErr !== null;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A RespClient for a test: connected before it is returned, and closed when the test ends. */
export async function connectResp(t: Teardownable, port: number): Promise<RespClient> {
  const c = await RespClient.connect(port);
  t.teardown(() => c.close());
  return c;
}
