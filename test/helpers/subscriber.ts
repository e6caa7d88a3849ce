/**
 * A raw RESP2 subscriber for pub/sub tests: every frame the server sends
 * (confirmations, messages, replies) is collected in arrival order as
 * normalized values (bulk strings as latin1 strings).
 */
import net from 'node:net';
import RedisParser from 'redis-parser';
import { encodeCommand, normalize, type Reply } from './resp-client';

export class Subscriber {
  readonly frames: Reply[] = [];
  private waiters: { pred: (r: Reply) => boolean; resolve: () => void }[] = [];
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    const parser = new RedisParser({
      returnBuffers: true,
      returnReply: (r: unknown) => this.add(normalize(r)),
      returnError: (e: Error) => this.add({ error: e.message }),
      returnFatalError: () => socket.destroy(),
    });
    socket.on('data', (d: Buffer) => parser.execute(d));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static connect(port: number): Promise<Subscriber> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new Subscriber(s));
      });
      s.once('error', reject);
    });
  }

  private add(r: Reply): void {
    this.frames.push(r);
    this.waiters = this.waiters.filter((w) => {
      if (!w.pred(r)) return true;
      w.resolve();
      return false;
    });
  }

  send(...args: (string | Buffer | number)[]): void {
    this.socket.write(encodeCommand(args));
  }

  /** Resolves once a frame matching `pred` has arrived (also if one already did). */
  until(pred: (r: Reply) => boolean, timeoutMs = 5000): Promise<void> {
    if (this.frames.some(pred)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; frames so far: ${JSON.stringify(this.frames).slice(0, 2000)}`)), timeoutMs);
      this.waiters.push({ pred, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  /** Resolves once `n` frames in total have arrived. */
  count(n: number, timeoutMs = 5000): Promise<void> {
    return this.until(() => this.frames.length >= n, timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }
}
