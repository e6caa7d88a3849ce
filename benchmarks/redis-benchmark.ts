/**
 * Throughput of Shardis relative to redis-server on this machine.
 *
 * Starts a redis-server and Shardis side by side, runs redis-benchmark against
 * them alternately (A B A B ...), and prints the median req/s of each and their
 * ratio per test, at -P 1 and -P 16. Then sweeps --workers at -P 16.
 * `--tests all` (the default) is redis-benchmark's own default test set
 * (PING_INLINE ... LRANGE_600, MSET), which is what issue 6 asks to match.
 * Ratios, not absolute numbers, are the result: the machines are small and noisy.
 *
 * Traffic-like by default: keys are random over `--keyspace` (redis-benchmark
 * -r; 1,000,000 unless told otherwise) and both servers are first filled
 * with that keyspace (SET of `--data-size` bytes, pipelined), so GETs hit and
 * the stores hold a million keys while they are measured. `--keyspace 0` is
 * the old one-key run (every SET and GET on one key: flattering, kept only as
 * a labelled extra). `--data-size` is redis-benchmark's -d.
 *
 *   npm run build && node dist/benchmarks/redis-benchmark.js \
 *     [--tests all|ping,set,get,...] [--rounds 3] [--requests 200000] [--clients 50]
 *     [--pipelines 1,16] [--workers <default>] [--sweep 0,1,2,4] [--sweep-tests set,get]
 *     [--keyspace 1000000] [--data-size 3] [--cross-mset 10] [--floor]
 *
 * `--floor` also runs PING_INLINE and PING_MBULK against
 * benchmarks/floor-server.ts (a Node server that does nothing but answer
 * PING from its `data` handler), alternated with redis-server like Shardis:
 * the ceiling of any server on Node's `net` streams on this machine, so a
 * ratio can be read against what Node itself reaches.
 *
 * `--cross-mset N` benchmarks one MSET of N keys spread over every shard
 * (`MSET mk0 v mk1 v ...`) instead of the test set: the cost of a
 * cross-shard command (issue 5 asks for 0.3x at -P 16 with 10 keys).
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { DEFAULT_WORKERS } from '../src/cli';
import { median, prefill, startFloorServer, startRedis, startShardis, stop, type Target } from './lib/targets';

interface Options {
  tests: string;
  rounds: number;
  requests: number;
  clients: number;
  pipelines: number[];
  workers: number;
  sweep: number[];
  sweepTests: string;
  /** Keys of the cross-shard MSET to run instead of `tests` (0 = off). */
  crossMset: number;
  /** redis-benchmark -r: random keys over this many (0 = one key per test). */
  keyspace: number;
  /** redis-benchmark -d: value size in bytes. */
  dataSize: number;
  /** Also measure the Node floor server's PING (see above). */
  floor: boolean;
}

function parseOptions(argv: string[]): Options {
  const o: Options = {
    tests: 'all',
    rounds: 3,
    requests: 200000,
    clients: 50,
    pipelines: [1, 16],
    workers: DEFAULT_WORKERS,
    sweep: [0, 1, 2, 4],
    sweepTests: 'set,get',
    crossMset: 0,
    keyspace: 1_000_000,
    dataSize: 3,
    floor: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--tests': o.tests = v; i++; break;
      case '--rounds': o.rounds = Number(v); i++; break;
      case '--requests': o.requests = Number(v); i++; break;
      case '--clients': o.clients = Number(v); i++; break;
      case '--pipelines': o.pipelines = v.split(',').map(Number); i++; break;
      case '--workers': o.workers = Number(v); i++; break;
      case '--sweep': o.sweep = v === '' || v === 'none' ? [] : v.split(',').map(Number); i++; break;
      case '--sweep-tests': o.sweepTests = v; i++; break;
      case '--cross-mset': o.crossMset = Number(v); i++; break;
      case '--keyspace': o.keyspace = Number(v); i++; break;
      case '--data-size': o.dataSize = Number(v); i++; break;
      case '--floor': o.floor = true; break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  return o;
}

/** One redis-benchmark run; returns req/s per test name (upper case, as redis-benchmark prints them). */
function runBenchmark(port: number, tests: string, o: Options, pipeline: number): Map<string, number> {
  const args = ['-p', String(port), '-c', String(o.clients), '-n', String(o.requests), '-P', String(pipeline), '-d', String(o.dataSize), '--csv'];
  if (o.keyspace > 0) args.push('-r', String(o.keyspace));
  if (o.crossMset > 0) {
    // mk0..mkN-1 hash to slots spread over the whole range, so over every shard.
    args.push('MSET', ...Array.from({ length: o.crossMset }, (_, i) => [`mk${i}`, 'v']).flat());
  } else if (tests !== 'all') {
    args.push('-t', tests);
  }
  const r = spawnSync('redis-benchmark', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`redis-benchmark failed: ${r.stderr}`);
  const out = new Map<string, number>();
  for (const line of r.stdout.split('\n')) {
    const m = /^"([^"]+)","([\d.]+)"/.exec(line);
    if (m) out.set(o.crossMset > 0 ? `MSET (${o.crossMset} keys, cross-shard)` : m[1], Number(m[2]));
  }
  return out;
}

/** Runs the tests on both targets alternately for `rounds` rounds; returns median req/s per test per target. */
function alternate(a: Target, b: Target, tests: string, o: Options, pipeline: number): Map<string, [number, number]> {
  // One unmeasured pass first: Shardis runs on a JIT and its first seconds are
  // not its steady state (redis-server has nothing to warm up; it runs too, for symmetry).
  for (const t of [a, b]) runBenchmark(t.port, tests, { ...o, requests: Math.min(o.requests, 50000) }, pipeline);
  const samples = new Map<string, [number[], number[]]>();
  for (let round = 0; round < o.rounds; round++) {
    // Alternate which goes first so neither always runs on a warmer machine.
    const order: [Target, number][] = round % 2 === 0 ? [[a, 0], [b, 1]] : [[b, 1], [a, 0]];
    for (const [t, idx] of order) {
      for (const [test, rps] of runBenchmark(t.port, tests, o, pipeline)) {
        if (!samples.has(test)) samples.set(test, [[], []]);
        (samples.get(test) as [number[], number[]])[idx].push(rps);
      }
    }
  }
  const out = new Map<string, [number, number]>();
  for (const [test, [xs, ys]] of samples) out.set(test, [median(xs), median(ys)]);
  return out;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const redis = await startRedis();
  const cpus = os.cpus();
  const keys = o.keyspace > 0 ? `random keys over ${o.keyspace.toLocaleString('en-US')} (-r), prefilled` : 'one key per test (no -r)';
  console.log(`# Shardis vs redis-server — ${cpus.length} x ${cpus[0]?.model ?? 'cpu'}, node ${process.version}`);
  console.log(`# redis-benchmark -c ${o.clients} -n ${o.requests} -d ${o.dataSize}, ${keys}; ${o.rounds} alternating rounds, medians`);
  try {
    prefill(redis, o.keyspace, o.dataSize);
    const shardis = await startShardis(o.workers);
    try {
      prefill(shardis, o.keyspace, o.dataSize);
      console.log(`\n## Default --workers (${o.workers})\n`);
      console.log('| test | -P | redis-server req/s | Shardis req/s | ratio |');
      console.log('|---|---|---|---|---|');
      for (const p of o.pipelines) {
        for (const [test, [r, s]] of alternate(redis, shardis, o.tests, o, p)) {
          console.log(`| ${test} | ${p} | ${fmt(r)} | ${fmt(s)} | ${(s / r).toFixed(2)} |`);
        }
      }
    } finally {
      await stop(shardis);
    }
    if (o.floor) {
      const floor = await startFloorServer();
      try {
        console.log('\n## Node floor (benchmarks/floor-server.ts: answers PING, nothing else)\n');
        console.log('| test | -P | redis-server req/s | Node floor req/s | ratio |');
        console.log('|---|---|---|---|---|');
        for (const p of o.pipelines) {
          for (const [test, [r, f]] of alternate(redis, floor, 'ping_inline,ping_mbulk', o, p)) {
            console.log(`| ${test} | ${p} | ${fmt(r)} | ${fmt(f)} | ${(f / r).toFixed(2)} |`);
          }
        }
      } finally {
        await stop(floor);
      }
    }
    if (o.sweep.length > 0) {
      console.log(`\n## --workers sweep at -P 16 (${o.sweepTests})\n`);
      console.log('| --workers | test | redis-server req/s | Shardis req/s | ratio |');
      console.log('|---|---|---|---|---|');
      for (const w of o.sweep) {
        const s = await startShardis(w);
        try {
          prefill(s, o.keyspace, o.dataSize);
          for (const [test, [r, x]] of alternate(redis, s, o.sweepTests, o, 16)) {
            console.log(`| ${w} | ${test} | ${fmt(r)} | ${fmt(x)} | ${(x / r).toFixed(2)} |`);
          }
        } finally {
          await stop(s);
        }
      }
    }
  } finally {
    await stop(redis);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
