/**
 * Shared benchmark plumbing: start redis-server and Shardis on free ports,
 * stop them, and a tiny pipelining RESP client whose replies are parsed by
 * redis-parser (a trusted stream: the servers under test).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import readline from 'node:readline';
import RedisParser from 'redis-parser';

export const ROOT = path.resolve(__dirname, '..', '..', '..');

export interface Target {
  name: string;
  port: number;
  proc: ChildProcess;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => {
        s.destroy();
        resolve(false);
      });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} never opened`);
}

/**
 * Starts redis-server or the built Shardis with the same redis-server flags
 * (Shardis also gets `--log-level warn` and `--workers` when given) and
 * waits until its port accepts connections: the benchmarks that compare the
 * two on the same command line (persistence, replication) start them here.
 */
export async function spawnServer(kind: 'redis' | 'shardis', port: number, args: string[], workers?: string): Promise<ChildProcess> {
  const proc =
    kind === 'redis'
      ? spawn('redis-server', args, { stdio: 'ignore' })
      : spawn(process.execPath, [path.join(ROOT, 'dist', 'src', 'main.js'), ...args, '--log-level', 'warn', ...(workers !== undefined ? ['--workers', workers] : [])], { stdio: 'ignore' });
  await waitForPort(port);
  return proc;
}

export async function startRedis(): Promise<Target> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-redis-'));
  const proc = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  await waitForPort(port);
  return { name: 'redis', port, proc };
}

/**
 * benchmarks/floor-server.ts on a free port: a Node server that only answers
 * PING, the most any server on Node's `net` streams can do (PING tests only).
 */
export async function startFloorServer(): Promise<Target> {
  const port = await freePort();
  const proc = spawn(process.execPath, [path.join(ROOT, 'dist', 'benchmarks', 'floor-server.js'), String(port)], { stdio: 'ignore' });
  await waitForPort(port);
  return { name: 'node-floor', port, proc };
}

/**
 * `nodeArgs` go to node itself (e.g. --expose-gc for the soak's DEBUG GC);
 * `root` is the checkout whose build runs (another one's, to compare builds).
 */
export async function startShardis(workers: number, nodeArgs: string[] = [], root = ROOT): Promise<Target> {
  const port = await freePort();
  const main = path.join(root, 'dist', 'src', 'main.js');
  // DEBUG GC (with --expose-gc) is the one DEBUG use here; Redis 7 refuses DEBUG unless enabled.
  const debug = nodeArgs.includes('--expose-gc') ? ['--enable-debug-command', 'yes'] : [];
  // Like startRedis: no persistence, a fresh data directory (a dump.rdb left in the working
  // directory by an earlier run would otherwise be loaded, and the run would start in -LOADING).
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-shardis-'));
  const persistence = ['--save', '', '--appendonly', 'no', '--dir', dir];
  const proc = spawn(process.execPath, [...nodeArgs, main, '--port', String(port), '--workers', String(workers), '--log-level', 'warn', ...persistence, ...debug], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  readline.createInterface({ input: proc.stdout as NodeJS.ReadableStream }).on('line', () => undefined);
  await waitForPort(port);
  return { name: `shardis(w=${workers})`, port, proc };
}

/**
 * Fills a server with redis-benchmark's random keyspace (`key:<12 digits>`, as
 * `-r` names them; SET of `dataSize` bytes, pipelined), so that GETs hit and
 * the store holds the keyspace while it is measured. 0 keys: nothing.
 */
export function prefill(t: Target, keyspace: number, dataSize: number): void {
  if (keyspace <= 0) return;
  const args = ['-p', String(t.port), '-c', '20', '-n', String(keyspace * 3), '-P', '64', '-d', String(dataSize), '-r', String(keyspace), '-t', 'set', '-q'];
  const r = spawnSync('redis-benchmark', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`prefill failed: ${r.stderr}`);
}

export async function stop(t: Target): Promise<void> {
  if (t.proc.exitCode !== null || t.proc.signalCode !== null) return;
  const done = new Promise((r) => t.proc.once('exit', r));
  t.proc.kill('SIGTERM');
  await done;
}

function encode(args: readonly (string | number)[]): string {
  let out = `*${args.length}\r\n`;
  for (const a of args) {
    const s = String(a);
    out += `$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n`;
  }
  return out;
}

/** A pipelining client: `pipeline` sends many commands in one write and resolves with their replies. */
export class BenchClient {
  private readonly waiting: ((r: unknown) => void)[] = [];
  private readonly parser: RedisParser;

  private constructor(private readonly socket: net.Socket) {
    this.parser = new RedisParser({
      returnReply: (r: unknown) => this.waiting.shift()?.(r),
      returnError: (e: Error) => this.waiting.shift()?.(e),
      returnFatalError: (e: Error) => {
        throw e;
      },
    });
    socket.on('data', (d: Buffer) => this.parser.execute(d));
  }

  static connect(port: number): Promise<BenchClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.setNoDelay(true);
        resolve(new BenchClient(s));
      });
      s.once('error', reject);
    });
  }

  pipeline(cmds: readonly (readonly (string | number)[])[]): Promise<unknown[]> {
    const replies = cmds.map(() => new Promise<unknown>((resolve) => this.waiting.push(resolve)));
    this.socket.write(cmds.map(encode).join(''), 'latin1');
    return Promise.all(replies);
  }

  async call(...args: (string | number)[]): Promise<unknown> {
    return (await this.pipeline([args]))[0];
  }

  close(): void {
    this.socket.destroy();
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** A field `name:value` from INFO text. */
export function infoField(info: string, name: string): number {
  const m = new RegExp(`^${name}:(\\S+)`, 'm').exec(info);
  return m ? Number(m[1]) : NaN;
}
