/**
 * Test fixtures: a real Shardis server (the built dist/, started as a child
 * process on a free port) and a real redis-server for differential tests.
 * Each registers its own teardown with the test that started it, so a test can
 * never leak a server.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import readline from 'node:readline';

export const ROOT = path.resolve(__dirname, '..', '..');
export const SERVER_MAIN = path.join(ROOT, 'dist', 'src', 'main.js');

/**
 * The worker counts (`--workers`) the suites run against: SHARDIS_TEST_WORKERS,
 * a comma-separated list, default "0,1,4" (SHARDIS_TEST_WORKERS=4 narrows a
 * run to one count). Every suite takes its counts from here, never from a
 * literal, by this rule:
 * - WORKER_MATRIX, every entry: behaviour that may differ with the number of
 *   shards or with inline vs. worker-thread shards (most suites, and every
 *   differential suite: test/helpers/differential.ts);
 * - MULTI_SHARD_WORKERS, the entries >= 2: behaviour that needs several shards
 *   to mean anything (cross-shard atomicity, the shard lock, cross-shard wake-ups,
 *   teardown of cross-shard state); such a test is skipped with noMultiShard
 *   when there is none (SHARDIS_TEST_WORKERS=0);
 * - ANY_WORKERS, the first entry: one server for behaviour that does not
 *   depend on the worker count, i.e. that lives in the main thread (the
 *   command line and signals, the command table, the client registry, the idle
 *   timeout and client limits, pub/sub and output buffer limits) or is about a
 *   client tool (redis-cli, redis-benchmark's complete runs).
 * A new test picks the narrowest one that still means something, so that
 * SHARDIS_TEST_WORKERS=0 and SHARDIS_TEST_WORKERS=4 both run (or skip) it.
 */
export const WORKER_MATRIX: readonly number[] = parseWorkerMatrix(process.env.SHARDIS_TEST_WORKERS ?? '0,1,4');

/** The matrix entries with several shards, for tests about cross-shard behaviour. */
export const MULTI_SHARD_WORKERS: readonly number[] = WORKER_MATRIX.filter((w) => w >= 2);

/** Why a multi-shard test is skipped, or false when MULTI_SHARD_WORKERS has an entry. */
export const noMultiShard: string | false =
  MULTI_SHARD_WORKERS.length > 0 ? false : `SHARDIS_TEST_WORKERS=${WORKER_MATRIX.join(',')} has no worker count >= 2; this test needs several shards`;

/** The worker count for a test whose subject does not depend on it: the matrix's first entry. */
export const ANY_WORKERS: number = WORKER_MATRIX[0];

function parseWorkerMatrix(spec: string): number[] {
  const counts = spec.split(',').map((s) => s.trim());
  if (counts.some((s) => !/^\d+$/.test(s))) throw new Error(`SHARDIS_TEST_WORKERS must list worker counts such as "0,1,4", not ${JSON.stringify(spec)}`);
  return counts.map(Number);
}

/** The subset of tap's Test API the fixtures use (keeps helpers independent of tap's types). */
export interface Teardownable {
  teardown(fn: () => unknown): void;
}

export interface ShardisProcess {
  /** The TCP port; 0 when the server serves no TCP (--port 0 beside --tls-port or --unixsocket). */
  port: number;
  /** The TLS port, 0 without TLS. */
  tlsPort: number;
  workers: number;
  proc: ChildProcess;
  /** Everything the server has printed so far (pino JSON lines). */
  output: () => string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop: () => Promise<number | null>;
}

/** Starts the built server with `--workers opts.workers` (from WORKER_MATRIX, MULTI_SHARD_WORKERS or ANY_WORKERS) on a free port. */
export async function startShardis(
  t: Teardownable,
  opts: {
    workers: number;
    args?: string[];
    /** A redis.conf-style file given as first argument. */
    configFile?: string;
    /** The data directory (--dir); default a fresh temporary one, removed at teardown. */
    dir?: string;
    /** Keep the default save points and appendonly setting (otherwise `--save "" --appendonly no`, as startRedis). */
    persist?: boolean;
  },
): Promise<ShardisProcess> {
  if (!fs.existsSync(SERVER_MAIN)) throw new Error(`${SERVER_MAIN} missing: run npm run build first`);
  const workers = opts.workers;
  let dir = opts.dir;
  if (dir === undefined) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shardis-test-'));
    dir = tmp;
    t.teardown(() => fs.rmSync(tmp, { recursive: true, force: true }));
  }
  const args = [
    SERVER_MAIN,
    ...(opts.configFile !== undefined ? [opts.configFile] : []),
    '--port', '0', '--workers', String(workers), '--log-level', 'info', '--dir', dir,
    ...(opts.persist === true ? [] : ['--save', '', '--appendonly', 'no']),
    ...(opts.args ?? []),
  ];
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const ports = await new Promise<{ port: number; tlsPort: number }>((resolve, reject) => {
    const rl = readline.createInterface({ input: proc.stdout as NodeJS.ReadableStream });
    const timer = setTimeout(() => reject(new Error(`Shardis did not start in time:\n${out}`)), 15000);
    rl.on('line', (line) => {
      out += line + '\n';
      try {
        const rec = JSON.parse(line) as { msg?: string; port?: number; tlsPort?: number };
        if (rec.msg?.startsWith('Shardis ready')) {
          clearTimeout(timer);
          resolve({ port: rec.port ?? 0, tlsPort: rec.tlsPort ?? 0 });
        }
      } catch {
        /* not JSON: keep it in the output only */
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Shardis exited with ${code} before it was ready:\n${out}`));
    });
  });
  let stopped: Promise<number | null> | null = null;
  const stop = (): Promise<number | null> => {
    if (!stopped) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 10000);
      stopped = exited.finally(() => clearTimeout(killer));
    }
    return stopped;
  };
  t.teardown(stop);
  return { port: ports.port, tlsPort: ports.tlsPort, workers, proc, output: () => out, stop };
}

export function which(bin: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

export const REDIS_SERVER = which('redis-server');
export const REDIS_CLI = which('redis-cli');
export const REDIS_BENCHMARK = which('redis-benchmark');

/** Why a test that needs the reference server is skipped, or false when it can run. */
export const noRedisServer: string | false = REDIS_SERVER ? false : 'redis-server is not installed (apt-get install redis-server); .ci/run installs it';
export const noRedisCli: string | false = REDIS_CLI ? false : 'redis-cli is not installed (apt-get install redis-tools); .ci/run installs it';

/**
 * Starts Shardis with a second port chosen here (`args(port)`: a metrics or
 * TLS port), choosing again when another process took it first: a port from
 * freePort is free only until someone else listens on it, and tests run in
 * parallel (seen: EADDRINUSE on a metrics port in CI).
 */
export async function startShardisWithPort(
  t: Teardownable,
  opts: Omit<Parameters<typeof startShardis>[1], 'args'>,
  args: (port: number) => string[],
): Promise<{ srv: ShardisProcess; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return { srv: await startShardis(t, { ...opts, args: args(port) }), port };
    } catch (err) {
      if (attempt >= 5 || !/EADDRINUSE/.test((err as Error).message)) throw err;
    }
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address() as net.AddressInfo;
      srv.close(() => resolve(addr.port));
    });
  });
}

export interface RedisProcess {
  port: number;
  stop: () => Promise<void>;
}

/**
 * Starts a throwaway redis-server (no persistence) on a free port. The port
 * is free when chosen but may be taken before redis-server binds it (tests
 * run in parallel): then redis-server exits, and a server answering on the
 * port is someone else's. So it waits until the server on the port reports
 * this process's pid, and starts again on another port if the process exits
 * first (also when a port among `extraArgs`, a cluster bus port, was taken:
 * `StartRaceError`, for the caller to choose new ones).
 */
export async function startRedis(t: Teardownable, extraArgs: string[] = []): Promise<RedisProcess> {
  if (!REDIS_SERVER) throw new Error('redis-server is not installed');
  for (let attempt = 1; ; attempt++) {
    const started = await tryStartRedis(t, extraArgs);
    if (started !== null) return started;
    if (attempt === 3) throw new StartRaceError('redis-server exited at start three times (its ports were taken?)');
  }
}

/** A server exited while starting, its port most likely taken meanwhile. */
export class StartRaceError extends Error {}

async function tryStartRedis(t: Teardownable, extraArgs: string[]): Promise<RedisProcess | null> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardis-redis-'));
  const proc = spawn(
    REDIS_SERVER as string,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  t.teardown(stop);
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      await stop();
      return null;
    }
    const pid = await pidOnPort(port);
    if (pid === proc.pid || (pid === -1 && proc.exitCode === null)) return { port, stop };
    if (Date.now() > deadline) throw new Error(`redis-server did not open port ${port} and finish loading`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The process_id a server on `port` reports in INFO server once it has
 * loaded its dataset; -1 if it wants a password; null if nothing answers yet,
 * or it is still loading: redis-server answers INFO, and even DEBUG DIGEST
 * (over what it has loaded so far), while it loads its RDB or AOF.
 */
function pidOnPort(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    const done = (pid: number | null): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(pid);
    };
    const timer = setTimeout(() => done(null), 2000);
    s.once('connect', () => s.write('*3\r\n$4\r\nINFO\r\n$6\r\nserver\r\n$11\r\npersistence\r\n'));
    s.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      const m = /process_id:(\d+)/.exec(data);
      const loading = /\r\nloading:(\d)/.exec(data);
      if (m !== null && loading !== null) done(loading[1] === '0' ? Number(m[1]) : null);
      // A password set at start: it answers, without telling whose it is (taken as ours while ours runs).
      else if (data.startsWith('-NOAUTH')) done(-1);
      // -LOADING and the like: not ready yet.
      else if (data.startsWith('-')) done(null);
    });
    s.once('error', () => done(null));
    s.once('close', () => done(null));
  });
}

export const noRedisBenchmark: string | false = REDIS_BENCHMARK
  ? false
  : 'redis-benchmark is not installed (apt-get install redis-tools); .ci/run installs it';

export interface BenchmarkRun {
  status: number | null;
  stderr: string;
  /** stdout and stderr together, for checking that no error was reported. */
  output: string;
  /** Every test redis-benchmark reported, in order, with its req/s. */
  rates: { test: string; rps: number }[];
}

/** Runs `redis-benchmark --csv` against 127.0.0.1:port with the given extra arguments. */
export function runRedisBenchmark(port: number, args: readonly string[], timeoutMs = 120_000): BenchmarkRun {
  const r = spawnSync(REDIS_BENCHMARK as string, ['-p', String(port), ...args, '--csv'], { encoding: 'utf8', timeout: timeoutMs });
  const rates = r.stdout
    .split('\n')
    .map((l) => /^"([^"]+)","([\d.]+)"/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ test: m[1], rps: Number(m[2]) }));
  return { status: r.status, stderr: r.stderr ?? '', output: r.stdout + r.stderr, rates };
}
