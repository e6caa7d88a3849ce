/**
 * Server CPU time per request: user + system time of the server process (all
 * its threads, from /proc/<pid>/stat) around one redis-benchmark run, divided
 * by the requests. On a shared, noisy machine this moves far less between
 * identical runs than req/s does, which makes it the figure for A/B-testing a
 * code change (docs/performance.md).
 *
 * Starts redis-server, Shardis from this checkout and, with `--base <dir>`,
 * Shardis from another checkout's build (e.g. a `git worktree` of the commit
 * before a change), warms each up, then runs every test on each in turn for
 * `--rounds` rounds and prints the medians.
 *
 * With `--threads`, Shardis's CPU is also split by thread (/proc/<pid>/task):
 * the main thread (its tid is the pid), the `--workers` busiest other threads
 * (the shards; with --workers 0 the shard runs on the main thread), and the
 * rest (V8's GC helpers, libuv's pool). That split is the scaling model of
 * docs/performance.md: the main thread's µs per request bounds the threaded
 * server's throughput whatever the core count.
 *
 * A test with a space in it is a whole command for redis-benchmark (e.g.
 * `--tests 'zadd,ZSCORE myzset element:__rand_int__'`: the zadd test fills
 * myzset first).
 *
 *   npm run build && node dist/benchmarks/cpu.js [--tests set,get,incr,lpush,hset,mset]
 *     [--rounds 3] [--requests 400000] [--pipeline 16] [--clients 50] [--workers <default>]
 *     [--base ../other-checkout] [--threads] [--keyspace 1000000] [--data-size 3]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_WORKERS } from '../src/cli';
import { startRedis, startShardis, stop, median, prefill, type Target } from './lib/targets';

interface Options {
  tests: string[];
  rounds: number;
  requests: number;
  pipeline: number;
  clients: number;
  workers: number;
  base: string | null;
  threads: boolean;
  /** redis-benchmark -r: random keys over this many (0 = one key). */
  keyspace: number;
  dataSize: number;
}

function parseOptions(argv: string[]): Options {
  const o: Options = {
    tests: ['set', 'get', 'incr', 'lpush', 'hset', 'mset'],
    rounds: 3,
    requests: 400_000,
    pipeline: 16,
    clients: 50,
    workers: DEFAULT_WORKERS,
    base: null,
    threads: false,
    keyspace: 1_000_000,
    dataSize: 3,
  };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--tests': o.tests = v.split(','); i++; break;
      case '--rounds': o.rounds = Number(v); i++; break;
      case '--requests': o.requests = Number(v); i++; break;
      case '--pipeline': o.pipeline = Number(v); i++; break;
      case '--clients': o.clients = Number(v); i++; break;
      case '--workers': o.workers = Number(v); i++; break;
      case '--base': o.base = path.resolve(v); i++; break;
      case '--threads': o.threads = true; break;
      case '--keyspace': o.keyspace = Number(v); i++; break;
      case '--data-size': o.dataSize = Number(v); i++; break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  return o;
}

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** User + system CPU seconds of a process, all threads. */
function cpuSeconds(pid: number): number {
  // Fields after the parenthesised command name; utime and stime are the 14th and 15th of the line.
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / CLOCK_TICKS;
}

/** CPU seconds of each thread of a process, by tid. */
function threadSeconds(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), (Number(rest[11]) + Number(rest[12])) / CLOCK_TICKS);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/** Per-request µs of the main thread, the `shards` busiest other threads, and the rest. */
function threadSplit(pid: number, before: Map<number, number>, after: Map<number, number>, shards: number, requests: number): { main: number; shards: number; other: number } {
  const delta = (tid: number): number => (after.get(tid) ?? 0) - (before.get(tid) ?? 0);
  const others = [...after.keys()].filter((tid) => tid !== pid).map(delta).sort((a, b) => b - a);
  const us = (sec: number): number => (sec * 1e6) / requests;
  return {
    main: us(delta(pid)),
    shards: us(others.slice(0, shards).reduce((a, b) => a + b, 0)),
    other: us(others.slice(shards).reduce((a, b) => a + b, 0)),
  };
}

/** A test is a redis-benchmark test name (`-t`), or a whole command when it has a space (`ZSCORE myzset element:__rand_int__`). */
function benchmark(t: Target, test: string, o: Options, requests: number): void {
  const what = test.includes(' ') ? test.split(' ') : ['-t', test];
  const args = ['-p', String(t.port), '-c', String(o.clients), '-n', String(requests), '-P', String(o.pipeline), '-q', '-d', String(o.dataSize)];
  if (o.keyspace > 0) args.push('-r', String(o.keyspace));
  args.push(...what);
  const r = spawnSync('redis-benchmark', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`redis-benchmark failed: ${r.stderr}`);
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const targets: Target[] = [];
  try {
    // Started one by one inside the try: a server that fails to start does not leave the others running.
    targets.push(await startRedis());
    if (o.base !== null) {
      const base = await startShardis(o.workers, [], o.base);
      base.name = `base (${path.basename(o.base)})`;
      targets.push(base);
    }
    const shardis = await startShardis(o.workers);
    shardis.name = 'shardis';
    targets.push(shardis);
    for (const t of targets) prefill(t, o.keyspace, o.dataSize);
    for (const t of targets) for (const test of o.tests) benchmark(t, test, o, Math.min(o.requests, 100_000));
    const samples = new Map<string, number[][]>(o.tests.map((test) => [test, targets.map(() => [])]));
    const splits = new Map<string, { main: number[]; shards: number[]; other: number[] }>(o.tests.map((test) => [test, { main: [], shards: [], other: [] }]));
    for (let round = 0; round < o.rounds; round++) {
      for (const test of o.tests) {
        targets.forEach((t, i) => {
          const pid = t.proc.pid as number;
          const before = cpuSeconds(pid);
          const threadsBefore = threadSeconds(pid);
          benchmark(t, test, o, o.requests);
          (samples.get(test) as number[][])[i].push(((cpuSeconds(pid) - before) * 1e6) / o.requests);
          if (o.threads && t.name === 'shardis') {
            const split = threadSplit(pid, threadsBefore, threadSeconds(pid), o.workers, o.requests);
            const into = splits.get(test) as { main: number[]; shards: number[]; other: number[] };
            into.main.push(split.main);
            into.shards.push(split.shards);
            into.other.push(split.other);
          }
        });
      }
    }
    const keys = o.keyspace > 0 ? `-r ${o.keyspace}` : 'one key';
    console.log(`# server CPU µs per request (user+sys), redis-benchmark -P ${o.pipeline} -c ${o.clients} -n ${o.requests} -d ${o.dataSize} ${keys}, --workers ${o.workers}, ${o.rounds} rounds, medians\n`);
    console.log(`| test | ${targets.map((t) => t.name).join(' | ')} |`);
    console.log(`|---|${targets.map(() => '---').join('|')}|`);
    for (const [test, perTarget] of samples) {
      console.log(`| ${test} | ${perTarget.map((xs) => median(xs).toFixed(2)).join(' | ')} |`);
    }
    if (o.threads) {
      // The model: the main thread serves every request, so 1 / main is the ceiling whatever the core count;
      // the shards share the rest. Against redis-server's total CPU per request (one thread).
      const redisIndex = targets.findIndex((t) => t.name.startsWith('redis'));
      console.log(`\n# Shardis CPU per request by thread (µs), and the modelled ceiling with enough cores\n`);
      console.log('| test | main thread | shard threads | other threads | redis-server total | ceiling (1/main) vs redis-server (1/total) |');
      console.log('|---|---|---|---|---|---|');
      for (const [test, sp] of splits) {
        const redisUs = median((samples.get(test) as number[][])[redisIndex]);
        const main = median(sp.main);
        console.log(`| ${test} | ${main.toFixed(2)} | ${median(sp.shards).toFixed(2)} | ${median(sp.other).toFixed(2)} | ${redisUs.toFixed(2)} | ${(redisUs / main).toFixed(2)}x |`);
      }
    }
  } finally {
    for (const t of targets) await stop(t);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
