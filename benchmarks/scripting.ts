/**
 * Scripting against redis-server in the same run, alternating A B A B and
 * taking medians:
 * - EVALSHA of a script doing one SET and one GET on a random key over a
 *   large keyspace, with redis-benchmark at -P 16 (and -P 1);
 * - BullMQ jobs processed per second (add a batch, then time a worker
 *   draining it with concurrency 20), with a plain and a hash-tagged queue
 *   name (one slot: on several shards its scripts run without the lock);
 * - what a script costs when it reaches keys on other shards: the same
 *   two-key script with both keys on one shard ({tag}) and on two shards.
 *
 *   npm run build && node dist/benchmarks/scripting.js [--workers N] [--rounds 3] [--jobs 3000]
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { Queue, Worker } from 'bullmq';
import { startRedis, startShardis, stop, median, type Target } from './lib/targets';

interface Options {
  workers: number;
  rounds: number;
  jobs: number;
  requests: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { workers: -1, rounds: 3, jobs: 3000, requests: 200_000 };
  for (let i = 0; i < argv.length; i++) {
    const v = Number(argv[i + 1]);
    if (argv[i] === '--workers') o.workers = v;
    else if (argv[i] === '--rounds') o.rounds = v;
    else if (argv[i] === '--jobs') o.jobs = v;
    else if (argv[i] === '--requests') o.requests = v;
    else continue;
    i++;
  }
  return o;
}

const GETSET = "redis.call('set', KEYS[1], ARGV[1]) return redis.call('get', KEYS[1])";
const TWO_KEYS = "redis.call('incr', KEYS[1]) return redis.call('incr', KEYS[2])";

function redisCli(port: number, ...args: string[]): string {
  const r = spawnSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
}

/** redis-benchmark req/s for one command line. */
function benchmark(port: number, pipeline: number, requests: number, args: string[]): number {
  const r = spawnSync('redis-benchmark', ['-p', String(port), '-c', '50', '-n', String(requests), '-P', String(pipeline), '-r', '1000000', '--csv', ...args], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`redis-benchmark failed: ${r.stderr}`);
  const m = /^"[^"]*","([\d.]+)"/m.exec(r.stdout);
  if (m === null) throw new Error(`no result in: ${r.stdout}`);
  return Number(m[1]);
}

async function bullmqJobsPerSecond(port: number, jobs: number, round: number, tagged = false): Promise<number> {
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  // A hash-tagged name puts every key of the queue in one slot: on several shards its scripts run unlocked.
  const name = tagged ? `{bench${round}}` : `bench${round}`;
  const queue = new Queue(name, { connection });
  const bulk = Array.from({ length: jobs }, (_, i) => ({ name: 'j', data: { i } }));
  for (let i = 0; i < bulk.length; i += 1000) await queue.addBulk(bulk.slice(i, i + 1000));
  let done = 0;
  const t0 = performance.now();
  const finished = new Promise<void>((resolve) => {
    const worker = new Worker(name, async () => undefined, { connection, concurrency: 20 });
    worker.on('completed', () => {
      if (++done === jobs) {
        void worker.close().then(() => resolve());
      }
    });
  });
  await finished;
  const seconds = (performance.now() - t0) / 1000;
  await queue.obliterate({ force: true });
  await queue.close();
  return jobs / seconds;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const redis = await startRedis();
  const shardis = await startShardis(o.workers >= 0 ? o.workers : defaultWorkers());
  const targets: Target[] = [redis, shardis];
  try {
    // A server answers LOADING until its data is in (both load at start).
    for (const t of targets) {
      for (let i = 0; i < 200 && redisCli(t.port, 'PING') !== 'PONG'; i++) await new Promise((r) => setTimeout(r, 50));
    }
    const sha = redisCli(redis.port, 'SCRIPT', 'LOAD', GETSET);
    redisCli(shardis.port, 'SCRIPT', 'LOAD', GETSET);
    const two = redisCli(redis.port, 'SCRIPT', 'LOAD', TWO_KEYS);
    redisCli(shardis.port, 'SCRIPT', 'LOAD', TWO_KEYS);
    const rows: [string, (t: Target, round: number) => Promise<number> | number][] = [
      ['EVALSHA SET+GET -P 16 (req/s)', (t) => benchmark(t.port, 16, o.requests, ['EVALSHA', sha, '1', 'key:__rand_int__', 'v'])],
      ['EVALSHA SET+GET -P 1 (req/s)', (t) => benchmark(t.port, 1, o.requests / 4, ['EVALSHA', sha, '1', 'key:__rand_int__', 'v'])],
      ['EVALSHA 2 keys, one shard -P 16', (t) => benchmark(t.port, 16, o.requests / 2, ['EVALSHA', two, '2', '{k}a:__rand_int__', '{k}b:__rand_int__'])],
      // a and b (no tag) hash to different slots, so with several shards to different shards.
      ['EVALSHA 2 keys, two shards -P 16', (t) => benchmark(t.port, 16, o.requests / 2, ['EVALSHA', two, '2', 'a:__rand_int__', 'b:__rand_int__'])],
      ['BullMQ jobs/s (concurrency 20)', (t, r) => bullmqJobsPerSecond(t.port, o.jobs, r)],
      ['BullMQ jobs/s, hash-tagged queue', (t, r) => bullmqJobsPerSecond(t.port, o.jobs, r, true)],
    ];
    console.log(`# scripting: redis-server vs ${shardis.name}; ${o.rounds} alternating rounds, medians`);
    console.log('| test | redis-server | shardis | ratio |');
    console.log('|---|---|---|---|');
    for (const [label, run] of rows) {
      const samples: number[][] = [[], []];
      for (let r = 0; r < o.rounds; r++) {
        for (let i = 0; i < targets.length; i++) samples[i].push(await run(targets[i], r));
      }
      const [a, b] = samples.map(median);
      console.log(`| ${label} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(b / a).toFixed(2)}x |`);
    }
  } finally {
    for (const t of targets) await stop(t);
  }
}

/** The server's own default: 0 on machines with 2 cores or fewer (src/cli.ts). */
function defaultWorkers(): number {
  const cores = os.availableParallelism();
  return cores <= 2 ? 0 : Math.min(8, cores - 1);
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
