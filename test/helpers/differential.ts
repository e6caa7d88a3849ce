/**
 * Differential testing: run the same command sequence against Shardis and a
 * real redis-server and require identical replies. This is how compatibility
 * is proven: the reference decides, not our reading of the docs.
 *
 * A differential suite declares its tests with DifferentialSuite, which owns
 * the servers (one redis-server, one Shardis per worker count), skips without
 * redis-server, flushes both before every round and asserts scripts with
 * check(); runDifferential is the comparison itself.
 */
import type { Test } from 'tap';
import { RespClient, type Reply } from './resp-client';
import { startRedis, startShardis, noRedisServer, WORKER_MATRIX, type RedisProcess, type ShardisProcess } from './servers';

export type Cmd = readonly (string | Buffer | number)[];

export interface DiffOptions {
  /** Command names (lowercase) whose array replies Redis leaves unordered: sorted before comparing. */
  unordered?: readonly string[];
  /** Rewrites a reply before comparison (e.g. rounding TTLs); gets both the command and the reply. */
  normalize?: (cmd: Cmd, reply: Reply) => Reply;
  /** Commands per pipelined write. */
  chunk?: number;
}

export interface Mismatch {
  index: number;
  cmd: string;
  shardis: Reply;
  redis: Reply;
}

function sortDeep(r: Reply): Reply {
  return Array.isArray(r) ? [...r].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) : r;
}

export function showCmd(cmd: Cmd): string {
  return cmd.map((a) => JSON.stringify(Buffer.isBuffer(a) ? a.toString('latin1') : String(a))).join(' ');
}

/** Runs `script` on both servers (fresh connections, FLUSHALL first) and returns every mismatch. */
export async function runDifferential(shardisPort: number, redisPort: number, script: readonly Cmd[], opts: DiffOptions = {}): Promise<Mismatch[]> {
  const a = await RespClient.connect(shardisPort);
  const b = await RespClient.connect(redisPort);
  try {
    await a.call('FLUSHALL');
    await b.call('FLUSHALL');
    const unordered = new Set(opts.unordered ?? []);
    const chunk = opts.chunk ?? 200;
    const out: Mismatch[] = [];
    for (let i = 0; i < script.length; i += chunk) {
      const part = script.slice(i, i + chunk);
      const [ra, rb] = await Promise.all([a.pipeline(part), b.pipeline(part)]);
      part.forEach((cmd, j) => {
        const name = String(cmd[0]).toLowerCase();
        let x = ra[j];
        let y = rb[j];
        if (unordered.has(name)) {
          x = sortDeep(x);
          y = sortDeep(y);
        }
        if (opts.normalize) {
          x = opts.normalize(cmd, x);
          y = opts.normalize(cmd, y);
        }
        if (JSON.stringify(x) !== JSON.stringify(y)) out.push({ index: i + j, cmd: showCmd(cmd), shardis: x, redis: y });
      });
    }
    return out;
  } finally {
    a.close();
    b.close();
  }
}

/** A small seeded PRNG (mulberry32) so generated scripts are reproducible from the seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)];
}

/** The first mismatches, readable in an assertion message (long commands and replies are clipped). */
export function describeMismatches(ms: readonly Mismatch[], first = 10, clipAt = 600): string {
  const clip = (s: string): string => (s.length > clipAt ? `${s.slice(0, clipAt)}...(${s.length} chars)` : s);
  return ms
    .slice(0, first)
    .map((m) => `#${m.index} ${clip(m.cmd)}\n   shardis: ${clip(JSON.stringify(m.shardis))}\n   redis:   ${clip(JSON.stringify(m.redis))}`)
    .join('\n');
}

/** One round of a differential test: the Shardis with one worker count, and the reference. */
export interface DiffRound {
  workers: number;
  shardis: ShardisProcess;
  redis: RedisProcess;
  /**
   * Runs `script` on both servers (runDifferential) and asserts that every
   * reply matches, the message showing the first mismatches; resolves with them.
   */
  check(label: string, script: readonly Cmd[], opts?: DiffOptions): Promise<Mismatch[]>;
}

export interface DiffTestOptions {
  /** The worker counts to run against, in order (default WORKER_MATRIX; MULTI_SHARD_WORKERS for cross-shard cases). */
  workers?: readonly number[];
  /** Why the test is skipped when `workers` is empty (noMultiShard for MULTI_SHARD_WORKERS). */
  noWorkers?: string | false;
}

/**
 * The servers of a differential suite and its tests: one redis-server and one
 * Shardis per worker count, each started when a test first needs it and
 * shared by the file's tests (start-up is most of the cost), stopped when
 * the file's tests are done.
 */
export class DifferentialSuite {
  private redis: Promise<RedisProcess> | undefined;
  private readonly shardis = new Map<number, Promise<ShardisProcess>>();

  /** `args`: extra arguments for both servers (e.g. `--enable-debug-command yes` for DEBUG SLEEP). */
  constructor(
    private readonly root: Test,
    private readonly args: string[] = [],
  ) {}

  /**
   * A test that compares Shardis with redis-server, skipped (with the reason)
   * when redis-server is missing: `body` runs once per worker count, in a
   * subtest `--workers N`, after FLUSHALL on both servers.
   */
  test(name: string, body: (t: Test, round: DiffRound) => Promise<void>, opts: DiffTestOptions = {}): void {
    const workers = opts.workers ?? WORKER_MATRIX;
    const skip = noRedisServer || (workers.length === 0 ? opts.noWorkers || 'no worker count to run against' : false);
    this.root.test(name, { skip }, async (t) => {
      for (const w of workers) {
        await t.test(`--workers ${w}`, async (t) => {
          const [shardis, redis] = await Promise.all([this.shardisWith(w), this.reference()]);
          await Promise.all([flushAll(shardis.port), flushAll(redis.port)]);
          const check = async (label: string, script: readonly Cmd[], o?: DiffOptions): Promise<Mismatch[]> => {
            const ms = await runDifferential(shardis.port, redis.port, script, o);
            const shown = ms.length > 0 ? `\n${describeMismatches(ms)}` : '';
            t.equal(ms.length, 0, `${label}: ${ms.length} mismatches in ${script.length} commands${shown}`);
            return ms;
          };
          await body(t, { workers: w, shardis, redis, check });
        });
      }
    });
  }

  private reference(): Promise<RedisProcess> {
    this.redis ??= startRedis(this.root, this.args);
    return this.redis;
  }

  private shardisWith(workers: number): Promise<ShardisProcess> {
    let srv = this.shardis.get(workers);
    if (srv === undefined) {
      srv = startShardis(this.root, { workers, args: this.args });
      this.shardis.set(workers, srv);
    }
    return srv;
  }
}

async function flushAll(port: number): Promise<void> {
  const c = await RespClient.connect(port);
  try {
    const r = await c.call('FLUSHALL');
    if (r !== 'OK') throw new Error(`FLUSHALL on port ${port} replied ${JSON.stringify(r)}`);
  } finally {
    c.close();
  }
}
