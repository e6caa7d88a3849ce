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
 *   npm run build && node dist/benchmarks/cpu.js [--tests set,get,incr,lpush,hset,mset]
 *     [--rounds 3] [--requests 400000] [--pipeline 16] [--clients 50] [--workers <default>]
 *     [--base ../other-checkout]
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_WORKERS } from '../src/cli';
import { startRedis, startShardis, stop, median, type Target } from './lib/targets';

interface Options {
  tests: string[];
  rounds: number;
  requests: number;
  pipeline: number;
  clients: number;
  workers: number;
  base: string | null;
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

function benchmark(t: Target, test: string, o: Options, requests: number): void {
  const args = ['-p', String(t.port), '-c', String(o.clients), '-n', String(requests), '-P', String(o.pipeline), '-t', test, '-q'];
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
    for (const t of targets) for (const test of o.tests) benchmark(t, test, o, Math.min(o.requests, 100_000));
    const samples = new Map<string, number[][]>(o.tests.map((test) => [test, targets.map(() => [])]));
    for (let round = 0; round < o.rounds; round++) {
      for (const test of o.tests) {
        targets.forEach((t, i) => {
          const pid = t.proc.pid as number;
          const before = cpuSeconds(pid);
          benchmark(t, test, o, o.requests);
          (samples.get(test) as number[][])[i].push(((cpuSeconds(pid) - before) * 1e6) / o.requests);
        });
      }
    }
    console.log(`# server CPU µs per request (user+sys), redis-benchmark -P ${o.pipeline} -c ${o.clients} -n ${o.requests}, --workers ${o.workers}, ${o.rounds} rounds, medians\n`);
    console.log(`| test | ${targets.map((t) => t.name).join(' | ')} |`);
    console.log(`|---|${targets.map(() => '---').join('|')}|`);
    for (const [test, perTarget] of samples) {
      console.log(`| ${test} | ${perTarget.map((xs) => median(xs).toFixed(2)).join(' | ')} |`);
    }
  } finally {
    for (const t of targets) await stop(t);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
