/**
 * Do Shardis's data structures grow in cost as Redis's do?
 *
 * Builds a sorted set, list, set and hash of 1,000 and of 1,000,000 elements
 * in redis-server and in Shardis, then times single-element operations on each
 * size (pipelined 100 deep, rounds alternating between the servers, medians),
 * and reports memory per element at 1M (INFO used_memory and RSS growth).
 *
 *   npm run build && node dist/benchmarks/structures.js [--rounds 3] [--ops 20000] [--big 1000000] [--workers 1]
 */
import fs from 'node:fs';
import { BenchClient, infoField, median, startRedis, startShardis, stop, type Target } from './lib/targets';

interface Options {
  rounds: number;
  ops: number;
  small: number;
  big: number;
  workers: number;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { rounds: 3, ops: 20000, small: 1000, big: 1_000_000, workers: 1 };
  for (let i = 0; i < argv.length; i += 2) {
    const v = Number(argv[i + 1]);
    switch (argv[i]) {
      case '--rounds': o.rounds = v; break;
      case '--ops': o.ops = v; break;
      case '--small': o.small = v; break;
      case '--big': o.big = v; break;
      case '--workers': o.workers = v; break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  return o;
}

/** A seeded PRNG so both servers get the same operation stream. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Cmd = (string | number)[];

interface Structure {
  name: string;
  key: (n: number) => string;
  /** Commands that fill the structure with n elements, many elements per command. */
  build: (n: number) => Cmd[];
  /** The timed operation on a structure of n elements. */
  op: { label: string; make: (n: number, r: () => number) => Cmd };
}

const CHUNK = 1000;

function chunked(n: number, head: Cmd, item: (i: number) => (string | number)[]): Cmd[] {
  const out: Cmd[] = [];
  for (let i = 0; i < n; i += CHUNK) {
    const cmd: Cmd = [...head];
    for (let j = i; j < Math.min(n, i + CHUNK); j++) cmd.push(...item(j));
    out.push(cmd);
  }
  return out;
}

const STRUCTURES: Structure[] = [
  {
    name: 'zset',
    key: (n) => `bench:zset:${n}`,
    build: (n) => chunked(n, ['ZADD', `bench:zset:${n}`], (i) => [i, `m:${i}`]),
    op: { label: 'ZADD', make: (n, r) => ['ZADD', `bench:zset:${n}`, Math.floor(r() * n), `new:${Math.floor(r() * 1e9)}`] },
  },
  {
    name: 'zset',
    key: (n) => `bench:zset:${n}`,
    build: () => [],
    op: { label: 'ZRANK', make: (n, r) => ['ZRANK', `bench:zset:${n}`, `m:${Math.floor(r() * n)}`] },
  },
  {
    name: 'zset',
    key: (n) => `bench:zset:${n}`,
    build: () => [],
    op: { label: 'ZRANGE BYSCORE LIMIT 0 10', make: (n, r) => ['ZRANGE', `bench:zset:${n}`, Math.floor(r() * n), '+inf', 'BYSCORE', 'LIMIT', 0, 10] },
  },
  {
    name: 'list',
    key: (n) => `bench:list:${n}`,
    build: (n) => chunked(n, ['RPUSH', `bench:list:${n}`], (i) => [`e:${i}`]),
    op: { label: 'LINDEX middle', make: (n) => ['LINDEX', `bench:list:${n}`, Math.floor(n / 2)] },
  },
  {
    name: 'set',
    key: (n) => `bench:set:${n}`,
    build: (n) => chunked(n, ['SADD', `bench:set:${n}`], (i) => [`m:${i}`]),
    op: { label: 'SISMEMBER', make: (n, r) => ['SISMEMBER', `bench:set:${n}`, `m:${Math.floor(r() * n)}`] },
  },
  {
    name: 'hash',
    key: (n) => `bench:hash:${n}`,
    build: (n) => chunked(n, ['HSET', `bench:hash:${n}`], (i) => [`f:${i}`, `v:${i}`]),
    op: { label: 'HGET', make: (n, r) => ['HGET', `bench:hash:${n}`, `f:${Math.floor(r() * n)}`] },
  },
];

function rssBytes(t: Target): number {
  const status = fs.readFileSync(`/proc/${t.proc.pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) * 1024 : NaN;
}

interface MemRow {
  usedPerElement: number;
  rssPerElement: number;
}

/** Builds every structure at size n; returns memory per element for each structure kind. */
async function build(t: Target, c: BenchClient, n: number): Promise<Map<string, MemRow>> {
  const out = new Map<string, MemRow>();
  for (const s of STRUCTURES) {
    const cmds = s.build(n);
    if (cmds.length === 0) continue;
    const used0 = infoField(String(await c.call('INFO', 'memory')), 'used_memory');
    const rss0 = rssBytes(t);
    for (let i = 0; i < cmds.length; i += 20) await c.pipeline(cmds.slice(i, i + 20));
    const used1 = infoField(String(await c.call('INFO', 'memory')), 'used_memory');
    const rss1 = rssBytes(t);
    out.set(s.name, { usedPerElement: (used1 - used0) / n, rssPerElement: (rss1 - rss0) / n });
  }
  return out;
}

/** Microseconds per operation, pipelined 100 deep. */
async function timeOp(c: BenchClient, s: Structure, n: number, ops: number, seed: number): Promise<number> {
  const r = rng(seed);
  const cmds: Cmd[] = Array.from({ length: ops }, () => s.op.make(n, r));
  const started = process.hrtime.bigint();
  for (let i = 0; i < cmds.length; i += 100) await c.pipeline(cmds.slice(i, i + 100));
  return Number(process.hrtime.bigint() - started) / 1000 / ops;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const targets = [await startRedis(), await startShardis(o.workers)];
  const clients = await Promise.all(targets.map((t) => BenchClient.connect(t.port)));
  try {
    const memory: Map<string, MemRow>[] = [];
    for (let i = 0; i < targets.length; i++) {
      await build(targets[i], clients[i], o.small);
      memory.push(await build(targets[i], clients[i], o.big));
    }
    // samples[structure index][size index][target index] = µs per op, one per round
    const samples = STRUCTURES.map(() => [o.small, o.big].map(() => targets.map(() => [] as number[])));
    for (let round = 0; round < o.rounds; round++) {
      for (let si = 0; si < STRUCTURES.length; si++) {
        for (const [zi, n] of [o.small, o.big].entries()) {
          const order = round % 2 === 0 ? [0, 1] : [1, 0];
          for (const ti of order) {
            samples[si][zi][ti].push(await timeOp(clients[ti], STRUCTURES[si], n, o.ops, 1000 * round + si));
          }
        }
      }
    }
    console.log(`# Structure costs: ${o.rounds} alternating rounds, ${o.ops} ops each, pipelined 100 deep, medians (µs/op)\n`);
    console.log(`| operation | redis ${o.small} | redis ${o.big} | redis growth | Shardis ${o.small} | Shardis ${o.big} | Shardis growth |`);
    console.log('|---|---|---|---|---|---|---|');
    STRUCTURES.forEach((s, si) => {
      const m = samples[si].map((perTarget) => perTarget.map(median));
      const [rSmall, sSmall] = m[0];
      const [rBig, sBig] = m[1];
      console.log(
        `| ${s.op.label} | ${rSmall.toFixed(2)} | ${rBig.toFixed(2)} | ${(rBig / rSmall).toFixed(2)}x | ${sSmall.toFixed(2)} | ${sBig.toFixed(2)} | ${(sBig / sSmall).toFixed(2)}x |`,
      );
    });
    console.log(`\n# Memory per element at ${o.big} elements (bytes; INFO used_memory growth, and RSS growth)\n`);
    console.log('| structure | redis used_memory | Shardis used_memory | ratio | redis RSS | Shardis RSS | ratio |');
    console.log('|---|---|---|---|---|---|---|');
    for (const kind of memory[0].keys()) {
      const r = memory[0].get(kind) as MemRow;
      const s = memory[1].get(kind) as MemRow;
      console.log(
        `| ${kind} | ${r.usedPerElement.toFixed(1)} | ${s.usedPerElement.toFixed(1)} | ${(s.usedPerElement / r.usedPerElement).toFixed(2)} | ${r.rssPerElement.toFixed(1)} | ${s.rssPerElement.toFixed(1)} | ${(s.rssPerElement / r.rssPerElement).toFixed(2)} |`,
      );
    }
  } finally {
    clients.forEach((c) => c.close());
    await Promise.all(targets.map(stop));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
