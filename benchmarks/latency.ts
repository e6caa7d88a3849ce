/**
 * GET latency of Shardis relative to redis-server with a large dataset loaded.
 *
 * Starts both servers, loads `--keys` keys into each (named as redis-benchmark's
 * `-r` names them: `key:` + 12-digit zero-padded number, 16 random bytes each),
 * then runs `redis-benchmark -t get -P 1 -c 50 -n <requests> -r <keys> --precision 3`
 * against them alternately (A B A B ...), and reports the medians of p50, p99
 * and p99.9 (read from redis-benchmark's latency distribution) and the ratios
 * Shardis / redis-server. `--keys 0` measures the empty-dataset case.
 *
 *   npm run build && node dist/benchmarks/latency.js [--keys 5000000] [--rounds 3]
 *     [--requests 200000] [--clients 50] [--pipeline 1] [--tests get] [--workers <default>]
 *     [--node-args "--trace-gc"] [--floor]
 *
 * `--floor` (PING tests only) also measures benchmarks/floor-server.ts, the
 * least a Node server on `net` streams can do per request, and reports its
 * ratio to redis-server: the lower bound for any Node design on this machine.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { DEFAULT_WORKERS } from '../src/cli';
import { startFloorServer, startRedis, startShardis, stop, median, type Target } from './lib/targets';
import { loadKeys, rssOf } from './memory';

interface Options {
  keys: number;
  rounds: number;
  requests: number;
  clients: number;
  pipeline: number;
  tests: string;
  workers: number;
  nodeArgs: string[];
  floor: boolean;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { keys: 5_000_000, rounds: 3, requests: 200_000, clients: 50, pipeline: 1, tests: 'get', workers: DEFAULT_WORKERS, nodeArgs: [], floor: false };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--keys': o.keys = Number(v); i++; break;
      case '--rounds': o.rounds = Number(v); i++; break;
      case '--requests': o.requests = Number(v); i++; break;
      case '--clients': o.clients = Number(v); i++; break;
      case '--pipeline': o.pipeline = Number(v); i++; break;
      case '--tests': o.tests = v; i++; break;
      case '--workers': o.workers = Number(v); i++; break;
      case '--node-args': o.nodeArgs = v.split(' ').filter((s) => s !== ''); i++; break;
      case '--floor': o.floor = true; break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  return o;
}

export interface Percentiles {
  p50: number;
  p99: number;
  p999: number;
  rps: number;
}

/**
 * Percentiles per test from redis-benchmark's human output: every line
 * `P% <= X milliseconds (cumulative count C)` is one point of the cumulative
 * distribution; pQ is the smallest X whose count reaches Q of the total.
 */
export function parsePercentiles(out: string): Map<string, Percentiles> {
  const result = new Map<string, Percentiles>();
  // Progress lines end in \r, not \n: split on both.
  const sections = out.split(/====== (.+?) ======/);
  for (let i = 1; i + 1 < sections.length; i += 2) {
    const name = sections[i];
    const body = sections[i + 1];
    const points: [number, number][] = [];
    for (const m of body.matchAll(/<= ([\d.]+) milliseconds \(cumulative count (\d+)\)/g)) points.push([Number(m[1]), Number(m[2])]);
    points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const total = Math.max(...points.map((p) => p[1]));
    const at = (q: number): number => {
      const want = Math.ceil(q * total);
      for (const [x, c] of points) if (c >= want) return x;
      return NaN;
    };
    const rps = /throughput summary: ([\d.]+) requests per second/.exec(body);
    result.set(name, { p50: at(0.5), p99: at(0.99), p999: at(0.999), rps: rps ? Number(rps[1]) : NaN });
  }
  return result;
}

function runBenchmark(port: number, o: Options): Map<string, Percentiles> {
  const args = ['-p', String(port), '-c', String(o.clients), '-n', String(o.requests), '-P', String(o.pipeline), '--precision', '3'];
  if (o.keys > 0) args.push('-r', String(o.keys));
  if (o.tests !== 'all') args.push('-t', o.tests);
  const r = spawnSync('redis-benchmark', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`redis-benchmark failed: ${r.stderr}`);
  return parsePercentiles(r.stdout);
}

const keyName = (n: number): string => `key:${String(n).padStart(12, '0')}`;

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const cpus = os.cpus();
  console.log(`# Latency: Shardis (--workers ${o.workers}) vs redis-server — ${cpus.length} x ${cpus[0]?.model ?? 'cpu'}, node ${process.version}`);
  console.log(`# ${o.keys} keys loaded; redis-benchmark -t ${o.tests} -P ${o.pipeline} -c ${o.clients} -n ${o.requests}${o.keys > 0 ? ` -r ${o.keys}` : ''} --precision 3; ${o.rounds} alternating rounds, medians`);
  const targets: Target[] = [];
  try {
    targets.push(await startRedis());
    const shardis = await startShardis(o.workers, o.nodeArgs);
    targets.push(shardis);
    // With --node-args --trace-gc, tally Shardis's GC pauses while it is measured.
    let gcLog: string[] | null = null;
    shardis.proc.stdout?.on('data', (d: Buffer) => {
      if (gcLog !== null) gcLog.push(d.toString('latin1'));
    });
    const gcSummary = (): string => {
      const pauses: Record<string, number[]> = {};
      for (const m of (gcLog ?? []).join('').matchAll(/ms: (Scavenge|Mark-Compact|Mark-sweep|Minor Mark-Compact)[^,\n]*, ([\d.]+) \/ [\d.]+ ms/g)) {
        (pauses[m[1]] ??= []).push(Number(m[2]));
      }
      return Object.entries(pauses).map(([k, xs]) => `${k} ${xs.length}x max ${Math.max(...xs).toFixed(1)} ms total ${xs.reduce((a, b) => a + b, 0).toFixed(0)} ms`).join('; ');
    };
    if (o.floor) targets.push(await startFloorServer());
    for (const t of targets) {
      if (t.name === 'node-floor') continue;
      const started = Date.now();
      if (o.keys > 0) await loadKeys(t.port, 0, o.keys, 16, keyName);
      console.log(`#   ${t.name}: loaded in ${((Date.now() - started) / 1000).toFixed(1)} s, RSS ${(rssOf(t.proc.pid as number) / 2 ** 20).toFixed(0)} MiB`);
    }
    // One short unmeasured pass each: the JIT's warm-up is not the steady state.
    for (const t of targets) runBenchmark(t.port, { ...o, requests: Math.min(o.requests, 50_000) });
    const samples: Map<string, Percentiles[]>[] = targets.map(() => new Map());
    for (let round = 0; round < o.rounds; round++) {
      const forward = targets.map((_, i) => i);
      const order = round % 2 === 0 ? forward : forward.reverse();
      for (const idx of order) {
        if (idx === 1) gcLog = [];
        const results = runBenchmark(targets[idx].port, o);
        await new Promise((r) => setImmediate(r));
        if (idx === 1 && o.nodeArgs.includes('--trace-gc')) console.log(`#   round ${round + 1} GC pauses: ${gcSummary() || 'none'}`);
        gcLog = null;
        for (const [test, p] of results) {
          if (!samples[idx].has(test)) samples[idx].set(test, []);
          (samples[idx].get(test) as Percentiles[]).push(p);
          console.log(`#   round ${round + 1} ${targets[idx].name} ${test}: p50 ${p.p50} p99 ${p.p99} p99.9 ${p.p999} ms, ${Math.round(p.rps)} req/s`);
        }
      }
    }
    const floor = o.floor ? samples[2] : null;
    console.log(`\n| test | percentile | redis-server ms | Shardis ms | ratio |${floor ? ' Node floor ms | floor ratio |' : ''}`);
    console.log(`|---|---|---|---|---|${floor ? '---|---|' : ''}`);
    for (const [test, rs] of samples[0]) {
      const ss = samples[1].get(test) ?? [];
      for (const [label, f] of [['p50', (p: Percentiles) => p.p50], ['p99', (p: Percentiles) => p.p99], ['p99.9', (p: Percentiles) => p.p999]] as const) {
        const r = median(rs.map(f));
        const s = median(ss.map(f));
        let row = `| ${test} | ${label} | ${r.toFixed(3)} | ${s.toFixed(3)} | ${(s / r).toFixed(2)} |`;
        if (floor) {
          const x = median((floor.get(test) ?? []).map(f));
          row += ` ${x.toFixed(3)} | ${(x / r).toFixed(2)} |`;
        }
        console.log(row);
      }
    }
  } finally {
    for (const t of targets) await stop(t);
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
