/**
 * Connection lifecycles that end through every teardown path Shardis has:
 * EOF, RST, QUIT, RESET, CLIENT KILL, protocol error, mid-command, unread
 * replies, pending cross-shard commands, blocked, subscribed, watching, in
 * MULTI. Shared by the teardown acceptance test and the soak benchmark.
 */
import net from 'node:net';
import tls from 'node:tls';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Encodes one command as a RESP array of bulk strings. */
/** A raw client socket: everything it received, and a promise of its close. */
export interface Raw {
  socket: net.Socket;
  received: () => string;
  closed: Promise<void>;
  /** Resolves once `text` has been received. */
  waitFor: (text: string, ms?: number) => Promise<boolean>;
}

/** TLS options for every socket openRaw opens (the lifecycles over TLS), or null for plain TCP. */
let tlsOptions: tls.ConnectionOptions | null = null;

/** Runs the lifecycles over TLS with these client options (null: plain TCP again). */
export function useTls(options: tls.ConnectionOptions | null): void {
  tlsOptions = options;
}

/** A unix socket path every socket openRaw opens connects to instead of the TCP port (null: TCP). */
let unixPath: string | null = null;

/** Runs the lifecycles over the server's unix socket (null: TCP again). */
export function useUnixSocket(path: string | null): void {
  unixPath = path;
}

function connectSocket(port: number): { socket: net.Socket; ready: string } {
  if (unixPath !== null) {
    const socket = net.connect(unixPath);
    // A unix socket has no RST: its abrupt close is a plain destroy.
    socket.resetAndDestroy = (): net.Socket => socket.destroy();
    return { socket, ready: 'connect' };
  }
  const raw = net.connect(port, '127.0.0.1');
  if (tlsOptions === null) return { socket: raw, ready: 'connect' };
  const socket = tls.connect({ ...tlsOptions, socket: raw });
  // RST is sent by the TCP socket under the TLS one (a TLSSocket has no TCP handle of its own).
  socket.resetAndDestroy = (): tls.TLSSocket => {
    raw.resetAndDestroy();
    return socket;
  };
  return { socket, ready: 'secureConnect' };
}

export function openRaw(port: number): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const { socket, ready } = connectSocket(port);
    let data = '';
    const waiters: { text: string; done: (ok: boolean) => void }[] = [];
    socket.on('data', (d) => {
      data += d.toString('latin1');
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (data.includes(waiters[i].text)) {
          waiters[i].done(true);
          waiters.splice(i, 1);
        }
      }
    });
    socket.on('error', () => undefined);
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    closed.then(() => waiters.splice(0).forEach((w) => w.done(false)));
    socket.once(ready, () =>
      resolve({
        socket,
        received: () => data,
        closed,
        waitFor: (text, ms = 5000) =>
          data.includes(text)
            ? Promise.resolve(true)
            : new Promise<boolean>((done) => {
                const timer = setTimeout(() => done(false), ms);
                waiters.push({ text, done: (ok) => (clearTimeout(timer), done(ok)) });
              }),
      }),
    );
    socket.once('error', reject);
  });
}

export const cmd = (...args: string[]): Buffer =>
  Buffer.concat([Buffer.from(`*${args.length}\r\n`), ...args.map((a) => Buffer.from(`$${Buffer.byteLength(a)}\r\n${a}\r\n`))]);

/** `kill` closes a client by id from another connection (CLIENT KILL ID). */
export type Path = (port: number, kill: (id: string) => Promise<unknown>, i: number) => Promise<void>;

/** Every way a connection can end. Each resolves once the client side is closed. */
export const lifecyclePaths: Record<string, Path> = {
  async eof(port, _a, i) {
    const c = await openRaw(port);
    c.socket.write(cmd('SET', `eof:${i}`, 'v'));
    await c.waitFor('+OK');
    c.socket.end();
    await c.closed;
  },
  async rst(port, _a, i) {
    const c = await openRaw(port);
    c.socket.write(cmd('INCR', `rst:${i}`));
    c.socket.resetAndDestroy();
    await c.closed;
  },
  async quit(port) {
    const c = await openRaw(port);
    c.socket.write(Buffer.concat([cmd('PING'), cmd('QUIT')]));
    await c.closed;
  },
  async reset(port, _a, i) {
    // RESET drops every kind of state at once; then the client goes away.
    const c = await openRaw(port);
    c.socket.write(Buffer.concat([cmd('SUBSCRIBE', `ch:${i % 7}`), cmd('RESET')]));
    await c.waitFor('+RESET');
    c.socket.write(Buffer.concat([cmd('MULTI'), cmd('SET', `reset:${i}`, 'x'), cmd('RESET'), cmd('GET.WATCH', `w:${i % 5}`), cmd('RESET')]));
    await c.waitFor('+RESET\r\n', 5000);
    c.socket.end();
    await c.closed;
  },
  async scriptUser(port, kill, i) {
    // A user limited by ACL rules runs a script: the shard keeps its rules for the connection until it ends.
    const c = await openRaw(port);
    c.socket.write(Buffer.concat([cmd('ACL', 'SETUSER', 'scripter', 'on', '>pw', '~*', '&*', '+@all', '-flushall'), cmd('AUTH', 'scripter', 'pw')]));
    await c.waitFor('+OK\r\n+OK\r\n');
    c.socket.write(Buffer.concat([cmd('CLIENT', 'ID'), cmd('EVAL', "return 'ran' .. redis.call('incr', KEYS[1])", '1', `su:${i % 11}`)]));
    await c.waitFor('ran', 5000);
    const id = /^:(\d+)\r$/m.exec(c.received())?.[1];
    if (i % 3 === 0) c.socket.end();
    else if (i % 3 === 1) c.socket.resetAndDestroy();
    else if (id !== undefined) await kill(id);
    else c.socket.end();
    await c.closed;
  },
  async monitor(port, _a, i) {
    // A MONITOR feed that ends by RESET then EOF, or by a reset connection.
    const c = await openRaw(port);
    c.socket.write(cmd('MONITOR'));
    await c.waitFor('+OK');
    if (i % 2 === 0) {
      c.socket.write(cmd('RESET'));
      await c.waitFor('+RESET');
      c.socket.end();
    } else {
      c.socket.resetAndDestroy();
    }
    await c.closed;
  },
  async tracking(port, _a, i) {
    // CLIENT TRACKING in each mode, with a tracked read and a write, then gone.
    const c = await openRaw(port);
    const mode = [[], ['BCAST', 'PREFIX', 't:'], ['OPTOUT', 'NOLOOP']][i % 3];
    c.socket.write(
      Buffer.concat([cmd('HELLO', '3'), cmd('CLIENT', 'TRACKING', 'ON', ...mode), cmd('GET', `t:${i % 11}`), cmd('SET', `t:${i % 11}`, 'v'), cmd('ECHO', `tracked:${i}`)]),
    );
    await c.waitFor(`tracked:${i}`);
    if (i % 2 === 0) c.socket.end();
    else c.socket.resetAndDestroy();
    await c.closed;
  },
  async killed(port, kill) {
    const c = await openRaw(port);
    c.socket.write(cmd('CLIENT', 'ID'));
    await c.waitFor('\r\n');
    const id = /:(\d+)/.exec(c.received())?.[1];
    await kill(String(id));
    await c.closed;
  },
  async protocol(port) {
    const c = await openRaw(port);
    c.socket.write('*1\r\n$abc\r\n');
    await c.closed;
  },
  async midCommand(port, _a, i) {
    const c = await openRaw(port);
    c.socket.write(`*3\r\n$3\r\nSET\r\n$${String(i).length + 4}\r\nmid:`);
    await sleep(1);
    c.socket.destroy();
    await c.closed;
  },
  async unreadReplies(port) {
    // Thousands of pipelined replies the client never reads.
    const c = await openRaw(port);
    const one = cmd('GET', 'big');
    c.socket.write(Buffer.concat(Array.from({ length: 3000 }, () => one)));
    await sleep(20);
    c.socket.destroy();
    await c.closed;
  },
  async crossShardPending(port, _a, i) {
    // Multi-step and multi-shard commands still running when the client goes.
    const c = await openRaw(port);
    c.socket.write(
      Buffer.concat([
        cmd('MSET', `x:${i}:a`, '1', `x:${i}:b`, '2', `x:${i}:c`, '3', `x:${i}:d`, '4'),
        cmd('RENAME', `x:${i}:a`, `x:${i}:z`),
        cmd('SUNIONSTORE', `x:${i}:u`, `x:${i}:s1`, `x:${i}:s2`),
      ]),
    );
    c.socket.destroy();
    await c.closed;
  },
  async blocked(port, _a, i) {
    const c = await openRaw(port);
    c.socket.write(cmd('BLPOP', `blk:${i % 11}`, `blk:${(i + 3) % 11}`, '0'));
    await sleep(5);
    if (i % 2 === 0) c.socket.end();
    else c.socket.destroy();
    await c.closed;
  },
  async blockedTimeout(port, _a, i) {
    const c = await openRaw(port);
    c.socket.write(cmd('BZPOPMIN', `bz:${i % 5}`, '0.01'));
    await c.waitFor('*-1');
    c.socket.end();
    await c.closed;
  },
  async subscribed(port, _a, i) {
    const c = await openRaw(port);
    c.socket.write(Buffer.concat([cmd('SUBSCRIBE', `ch:${i % 7}`, 'news'), cmd('PSUBSCRIBE', 'ch:*')]));
    await c.waitFor('psubscribe');
    if (i % 2 === 0) c.socket.end();
    else c.socket.destroy();
    await c.closed;
  },
  async watching(port, _a, i) {
    const c = await openRaw(port);
    c.socket.write(Buffer.concat([cmd('GET.WATCH', `w:${i % 5}`), cmd('ZRANGE.WATCH', `wz:${i % 3}`, '0', '-1')]));
    await c.waitFor('ZRANGE');
    c.socket.destroy();
    await c.closed;
  },
  async inMulti(port, _a, i) {
    const c = await openRaw(port);
    c.socket.write(Buffer.concat([cmd('WATCH', `m:${i}`, `m:${i + 1}`), cmd('MULTI'), cmd('SET', `m:${i}`, '1'), cmd('INCR', `m:${i + 1}`)]));
    await c.waitFor('QUEUED\r\n+QUEUED');
    c.socket.destroy();
    await c.closed;
  },
};

/** Runs `n` lifecycles of each path, interleaved, at most `CONCURRENCY` at a time. */
export async function runMixed(port: number, kill: (id: string) => Promise<unknown>, names: string[], n: number, concurrency = 100): Promise<Record<string, number>> {
  const jobs: [string, number][] = [];
  for (let i = 0; i < n; i++) for (const name of names) jobs.push([name, i]);
  const done: Record<string, number> = {};
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const [name, i] = jobs[next++];
      await lifecyclePaths[name](port, kill, i);
      done[name] = (done[name] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return done;
}

