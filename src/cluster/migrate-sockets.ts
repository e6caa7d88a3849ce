/**
 * MIGRATE's connections to target instances (Redis's migrate cached
 * sockets): one per host:port, reused while MIGRATE calls keep coming and
 * closed after 10 s unused, or on any error. Each remembers the db it last
 * SELECTed. The target's replies are read with redis-parser (the project's
 * parser for replies from servers we talk to as a client).
 */
import net from 'node:net';
import RedisParser from 'redis-parser';

/** Unused sockets close after this long (MIGRATE_SOCKET_CACHE_TTL). */
const SOCKET_TTL_MS = 10_000;

export type TargetReply = { ok: true; value: unknown } | { ok: false; error: string };

export class MigrateIoError extends Error {}

class TargetConnection {
  lastDb = -1;
  lastUse = Date.now();
  private readonly waiting: ((r: TargetReply | null) => void)[] = [];
  private readonly parser: RedisParser;
  closed = false;

  constructor(readonly socket: net.Socket, private readonly onClosed: () => void) {
    this.parser = new RedisParser({
      returnReply: (v: unknown) => this.waiting.shift()?.({ ok: true, value: v }),
      returnError: (e: Error) => this.waiting.shift()?.({ ok: false, error: e.message }),
      returnFatalError: () => this.close(),
    });
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => this.parser.execute(d));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  /** Sends the encoded commands and resolves with one reply each; rejects on I/O error or timeout. */
  exchange(payload: Buffer, count: number, timeoutMs: number, phase: { reading: boolean }): Promise<TargetReply[]> {
    this.lastUse = Date.now();
    return new Promise((resolve, reject) => {
      const out: TargetReply[] = [];
      const timer = setTimeout(() => {
        this.close();
        reject(new MigrateIoError(phase.reading ? 'reading' : 'writing'));
      }, timeoutMs);
      for (let i = 0; i < count; i++) {
        this.waiting.push((r) => {
          if (r === null) {
            clearTimeout(timer);
            return reject(new MigrateIoError(phase.reading ? 'reading' : 'writing'));
          }
          out.push(r);
          if (out.length === count) {
            clearTimeout(timer);
            resolve(out);
          }
        });
      }
      if (this.closed) return this.failAll();
      this.socket.write(payload, () => (phase.reading = true));
    });
  }

  private failAll(): void {
    const w = this.waiting.splice(0);
    for (const f of w) f(null);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.failAll();
    this.onClosed();
  }
}

/** RESP encoding of one command (arguments as latin1 strings, the framer's one argument type). */
export function encodeCommand(args: readonly string[]): Buffer {
  let size = 16;
  for (const a of args) size += a.length + 16;
  const buf = Buffer.allocUnsafe(size);
  let o = buf.write(`*${args.length}\r\n`, 0, 'latin1');
  for (const a of args) {
    o += buf.write(`$${a.length}\r\n`, o, 'latin1');
    o += buf.write(a, o, 'latin1');
    o += buf.write('\r\n', o, 'latin1');
  }
  return buf.subarray(0, o);
}

export class MigrateSockets {
  private readonly conns = new Map<string, TargetConnection>();
  private sweeper: NodeJS.Timeout | null = null;

  /** A connected socket to host:port, cached or new; rejects with MigrateIoError when it cannot connect in time. */
  async get(host: string, port: number, timeoutMs: number): Promise<TargetConnection> {
    const name = `${host}:${port}`;
    const cached = this.conns.get(name);
    if (cached !== undefined && !cached.closed) return cached;
    const socket = net.connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new MigrateIoError('writing'));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', () => {
        clearTimeout(timer);
        socket.destroy();
        reject(new MigrateIoError('writing'));
      });
    });
    const conn = new TargetConnection(socket, () => {
      if (this.conns.get(name) === conn) this.conns.delete(name);
    });
    this.conns.set(name, conn);
    this.sweeper ??= setInterval(() => this.sweep(), 1000);
    return conn;
  }

  get size(): number {
    return this.conns.size;
  }

  private sweep(): void {
    const now = Date.now();
    for (const c of [...this.conns.values()]) if (now - c.lastUse > SOCKET_TTL_MS) c.close();
    if (this.conns.size === 0 && this.sweeper !== null) {
      clearInterval(this.sweeper);
      this.sweeper = null;
    }
  }

  closeAll(): void {
    for (const c of [...this.conns.values()]) c.close();
    if (this.sweeper !== null) clearInterval(this.sweeper);
    this.sweeper = null;
  }
}
