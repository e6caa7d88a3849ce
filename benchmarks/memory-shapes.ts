/**
 * Memory per element of Shardis relative to redis-server, for the data shapes
 * users hold (issue 15's table): many small strings, big strings, strings with
 * a TTL, one big set/hash/sorted set/list, many small hashes, sets of
 * integers, small sorted sets, one long stream.
 *
 * For each shape and round (alternating which server goes first), a fresh
 * redis-server and a fresh Shardis are loaded with the same commands over one
 * pipelined connection; the growth of the process's RSS (VmRSS, every shard
 * thread included) is divided by the shape's element count. RSS is read once
 * the server has settled: after a full GC (`DEBUG GC`: Shardis runs under
 * --expose-gc for it; Redis has no GC) and `--settle` seconds without
 * traffic. The wait matters for V8: under load it grows each isolate's young
 * generation to 2 x 16 MiB, and its memory reducer gives that back only once
 * allocation has stopped for a while (measured: 200k small hashes, 499
 * B/hash right after the load, 335 B/hash 20 s later). An idle server
 * is what the figure describes, for both servers alike (jemalloc also purges
 * in the background).
 *
 * The reducer does not always run, though (measured: 1M strings, RSS flat for
 * 60 s at ~32 MiB of young generation above the heap). What does return it
 * is a full GC while the allocation rate is low: V8 then shrinks the young
 * generation (Heap::ReduceNewSpaceSize). So Shardis gets a second `DEBUG GC`
 * after the settle, and both figures are printed: `idle GC` (the table's
 * ratio: the idle server after a full GC) and `settled` (before that second
 * GC: what an idle server shows when the reducer has not run).
 * Medians over the rounds; the ratio is Shardis / redis-server.
 *
 *   npm run build && node dist/benchmarks/memory-shapes.js [--shapes a,b] [--rounds 3]
 *     [--scale 1] [--workers <default>] [--settle 25]
 */
import os from 'node:os';
import crypto from 'node:crypto';
import { DEFAULT_WORKERS } from '../src/cli';
import { startRedis, startShardis, stop, median, BenchClient, type Target } from './lib/targets';
import { rssOf } from './memory';

type Cmd = (string | number)[];

interface Shape {
  name: string;
  /** What the table calls it. */
  title: string;
  /** Elements the per-element figure divides by. */
  elements: number;
  /** The commands that build it, in batches (each batch one pipelined write). */
  batches(scale: number): Generator<Cmd[]>;
}

const rnd = (n: number): string => crypto.randomBytes(n).toString('latin1');

/** `count` commands made by `make(i)`, in batches of `size`. */
function* batched(count: number, size: number, make: (i: number) => Cmd): Generator<Cmd[]> {
  for (let start = 0; start < count; start += size) {
    const out: Cmd[] = [];
    for (let i = start; i < Math.min(count, start + size); i++) out.push(make(i));
    yield out;
  }
}

/** One big collection: `count` elements added `per` at a time to one key. */
function* oneKey(count: number, per: number, cmd: string, key: string, element: (i: number) => (string | number)[]): Generator<Cmd[]> {
  yield* batched(Math.ceil(count / per), 100, (c) => {
    const out: Cmd = [cmd, key];
    for (let i = c * per; i < Math.min(count, (c + 1) * per); i++) out.push(...element(i));
    return out;
  });
}

const SHAPES: Shape[] = [
  {
    name: 'strings', title: '1M strings of 10 bytes', elements: 1_000_000,
    batches: (s) => batched(1_000_000 * s, 10_000, (i) => ['SET', `key:${i}`, rnd(10)]),
  },
  {
    name: 'strings-1k', title: '100k strings of 1 KB', elements: 100_000,
    batches: (s) => batched(100_000 * s, 1000, (i) => ['SET', `key:${i}`, rnd(1024)]),
  },
  {
    name: 'strings-ttl', title: '500k strings with a TTL', elements: 500_000,
    batches: (s) => batched(500_000 * s, 10_000, (i) => ['SET', `key:${i}`, rnd(10), 'EX', 100_000 + (i % 1000)]),
  },
  { name: 'set', title: 'one set of 1M members', elements: 1_000_000, batches: (s) => oneKey(1_000_000 * s, 100, 'SADD', 'set', (i) => [`member:${i}`]) },
  { name: 'hash', title: 'one hash of 1M fields', elements: 1_000_000, batches: (s) => oneKey(1_000_000 * s, 100, 'HSET', 'hash', (i) => [`field:${i}`, rnd(10)]) },
  { name: 'zset', title: 'one sorted set of 1M members', elements: 1_000_000, batches: (s) => oneKey(1_000_000 * s, 100, 'ZADD', 'zset', (i) => [i * 3 % 1_000_003, `member:${i}`]) },
  { name: 'list', title: 'one list of 1M elements', elements: 1_000_000, batches: (s) => oneKey(1_000_000 * s, 100, 'RPUSH', 'list', (i) => [`element:${i}`]) },
  {
    name: 'hashes-10', title: '200k hashes of 10 fields', elements: 200_000,
    batches: (s) => batched(200_000 * s, 5000, (i) => {
      const out: Cmd = ['HSET', `user:${i}`];
      for (let f = 0; f < 10; f++) out.push(`field${f}`, rnd(8));
      return out;
    }),
  },
  {
    name: 'sets-10int', title: '100k sets of 10 integers', elements: 100_000,
    batches: (s) => batched(100_000 * s, 5000, (i) => ['SADD', `ints:${i}`, ...Array.from({ length: 10 }, (_, j) => (i * 31 + j * 1009) % 100_000)]),
  },
  {
    name: 'zsets-20', title: '100k sorted sets of 20 members', elements: 100_000,
    batches: (s) => batched(100_000 * s, 2000, (i) => {
      const out: Cmd = ['ZADD', `board:${i}`];
      for (let m = 0; m < 20; m++) out.push((i * 7 + m * 13) % 1000, `player${m}`);
      return out;
    }),
  },
  {
    name: 'stream', title: 'one stream of 500k entries', elements: 500_000,
    batches: (s) => batched(500_000 * s, 5000, (i) => ['XADD', 'stream', '*', 'event', 'click', 'n', i]),
  },
];

interface Options {
  shapes: string[];
  rounds: number;
  scale: number;
  workers: number;
  settleSeconds: number;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { shapes: SHAPES.map((s) => s.name), rounds: 3, scale: 1, workers: DEFAULT_WORKERS, settleSeconds: 25 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--shapes': o.shapes = v.split(','); i++; break;
      case '--rounds': o.rounds = Number(v); i++; break;
      case '--scale': o.scale = Number(v); i++; break;
      case '--workers': o.workers = Number(v); i++; break;
      case '--settle': o.settleSeconds = Number(v); i++; break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  for (const name of o.shapes) if (!SHAPES.some((s) => s.name === name)) throw new Error(`unknown shape ${name}`);
  return o;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** RSS growth per element once settled, and (Shardis) after a full GC at idle. */
async function measure(t: Target, shape: Shape, o: Options, isShardis: boolean): Promise<{ settled: number; idleGc: number }> {
  const scale = o.scale;
  const pid = t.proc.pid as number;
  const c = await BenchClient.connect(t.port);
  await sleep(500);
  if (isShardis) await c.call('DEBUG', 'GC');
  const rss0 = rssOf(pid);
  for (const batch of shape.batches(scale)) {
    const replies = await c.pipeline(batch);
    const bad = replies.find((r) => r instanceof Error);
    if (bad !== undefined) throw new Error(`${t.name} ${shape.name}: ${String(bad)}`);
  }
  if (isShardis) {
    const r = await c.call('DEBUG', 'GC');
    if (r instanceof Error) throw r;
  }
  await sleep(o.settleSeconds * 1000);
  const settled = rssOf(pid) - rss0;
  let idleGc = settled;
  if (isShardis) {
    await c.call('DEBUG', 'GC');
    await sleep(1000);
    idleGc = rssOf(pid) - rss0;
  }
  c.close();
  const per = shape.elements * scale;
  return { settled: settled / per, idleGc: idleGc / per };
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const cpus = os.cpus();
  console.log(`# RSS per element, after a full GC: Shardis (--workers ${o.workers}) vs redis-server — ${cpus.length} x ${cpus[0]?.model ?? 'cpu'}, node ${process.version}`);
  console.log(`# fresh servers per shape and round; RSS after a full GC and ${o.settleSeconds} s idle; ${o.rounds} alternating rounds, medians; scale ${o.scale}`);
  const rows: string[] = [];
  for (const shape of SHAPES.filter((s) => o.shapes.includes(s.name))) {
    const got: { redis: number[]; shardis: number[]; settled: number[] } = { redis: [], shardis: [], settled: [] };
    for (let round = 0; round < o.rounds; round++) {
      const order: ('redis' | 'shardis')[] = round % 2 === 0 ? ['redis', 'shardis'] : ['shardis', 'redis'];
      for (const which of order) {
        const t = which === 'redis' ? await startRedis() : await startShardis(o.workers, ['--expose-gc']);
        try {
          const m = await measure(t, shape, o, which === 'shardis');
          got[which].push(m.idleGc);
          if (which === 'shardis') got.settled.push(m.settled);
        } finally {
          await stop(t);
        }
      }
    }
    const r = median(got.redis);
    const s = median(got.shardis);
    const settled = median(got.settled);
    const row = `| ${shape.title} | ${r.toFixed(1)} | ${s.toFixed(1)} | ${(s / r).toFixed(2)} | ${settled.toFixed(1)} | ${(settled / r).toFixed(2)} |`;
    const list = (xs: number[]): string => xs.map((x) => x.toFixed(1)).join(' ');
    console.log(`# ${shape.name}: redis ${list(got.redis)}, shardis idle GC ${list(got.shardis)}, settled ${list(got.settled)}`);
    rows.push(row);
  }
  console.log('\n| shape | redis-server B/element | Shardis B/element (idle GC) | ratio | Shardis settled only | ratio |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(r);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
