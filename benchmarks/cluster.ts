/**
 * Throughput of a 3-node Shardis cluster relative to a 3-node redis-server
 * cluster on this machine (issue 17): both clusters are created with
 * redis-cli --cluster create, then `redis-benchmark --cluster` runs against
 * them alternately (A B A B ...) with random keys; the median req/s of each
 * and their ratio are printed per test and pipeline depth. All six nodes
 * share this machine's cores, so ratios, not absolute numbers, are the result.
 *
 *   npm run build && node dist/benchmarks/cluster.js [--rounds 3] [--requests 200000]
 *     [--clients 50] [--pipelines 1,16] [--tests set,get] [--keyspace 100000] [--workers 0]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, median, ROOT, waitForPort } from './lib/targets';

interface Options {
  rounds: number;
  requests: number;
  clients: number;
  pipelines: number[];
  tests: string;
  keyspace: number;
  workers: number;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { rounds: 3, requests: 200000, clients: 50, pipelines: [1, 16], tests: 'set,get', keyspace: 100000, workers: 0 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--rounds': o.rounds = Number(v); i++; break;
      case '--requests': o.requests = Number(v); i++; break;
      case '--clients': o.clients = Number(v); i++; break;
      case '--pipelines': o.pipelines = v.split(',').map(Number); i++; break;
      case '--tests': o.tests = v; i++; break;
      case '--keyspace': o.keyspace = Number(v); i++; break;
      case '--workers': o.workers = Number(v); i++; break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  return o;
}

interface Node {
  port: number;
  proc: ChildProcess;
  dir: string;
}

async function startNode(kind: 'redis' | 'shardis', workers: number): Promise<Node> {
  const port = await freePort();
  const busPort = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-cluster-${kind}-`));
  const common = ['--port', String(port), '--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--save', '', '--appendonly', 'no', '--dir', dir];
  const proc =
    kind === 'redis'
      ? spawn('redis-server', common, { stdio: 'ignore' })
      : spawn(process.execPath, [path.join(ROOT, 'dist', 'src', 'main.js'), ...common, '--workers', String(workers), '--log-level', 'warn'], { stdio: 'ignore' });
  await waitForPort(port);
  return { port, proc, dir };
}

async function stopNode(n: Node): Promise<void> {
  if (n.proc.exitCode === null && n.proc.signalCode === null) {
    const done = new Promise((r) => n.proc.once('exit', r));
    n.proc.kill('SIGTERM');
    await done;
  }
  fs.rmSync(n.dir, { recursive: true, force: true });
}

function createCluster(nodes: Node[]): void {
  const r = spawnSync('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-yes'], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`cluster create failed:\n${r.stdout}${r.stderr}`);
}

function waitOk(nodes: Node[]): void {
  for (let i = 0; i < 100; i++) {
    const ok = nodes.every((n) => /cluster_state:ok/.test(spawnSync('redis-cli', ['-p', String(n.port), 'CLUSTER', 'INFO'], { encoding: 'utf8' }).stdout));
    if (ok) return;
    spawnSync('sleep', ['0.1']);
  }
  throw new Error('cluster did not reach state ok');
}

function bench(port: number, o: Options, pipeline: number): Map<string, number> {
  const args = ['--cluster', '-h', '127.0.0.1', '-p', String(port), '-t', o.tests, '-n', String(o.requests), '-c', String(o.clients), '-P', String(pipeline), '-r', String(o.keyspace), '--csv'];
  const r = spawnSync('redis-benchmark', args, { encoding: 'utf8', timeout: 300_000 });
  const out = new Map<string, number>();
  for (const line of r.stdout.split('\n')) {
    const m = /^"([^"]+)","([\d.]+)"/.exec(line);
    if (m !== null) out.set(m[1], Number(m[2]));
  }
  if (out.size === 0) throw new Error(`redis-benchmark printed nothing:\n${r.stdout}${r.stderr}`);
  return out;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const redis = [await startNode('redis', 0), await startNode('redis', 0), await startNode('redis', 0)];
  const shardis = [await startNode('shardis', o.workers), await startNode('shardis', o.workers), await startNode('shardis', o.workers)];
  try {
    createCluster(redis);
    createCluster(shardis);
    waitOk(redis);
    waitOk(shardis);
    console.log(`3-node clusters, ${o.requests} requests, ${o.clients} clients, keyspace ${o.keyspace}, Shardis --workers ${o.workers}, ${o.rounds} rounds (medians)`);
    for (const p of o.pipelines) {
      const runs: { redis: Map<string, number>[]; shardis: Map<string, number>[] } = { redis: [], shardis: [] };
      for (let r = 0; r < o.rounds; r++) {
        runs.redis.push(bench(redis[0].port, o, p));
        runs.shardis.push(bench(shardis[0].port, o, p));
      }
      for (const test of runs.redis[0].keys()) {
        const a = median(runs.redis.map((m) => m.get(test) ?? 0));
        const b = median(runs.shardis.map((m) => m.get(test) ?? 0));
        console.log(`-P ${String(p).padEnd(3)} ${test.padEnd(8)} redis ${a.toFixed(0).padStart(8)} req/s  shardis ${b.toFixed(0).padStart(8)} req/s  ratio ${(b / a).toFixed(2)}x`);
      }
    }
  } finally {
    await Promise.all([...redis, ...shardis].map(stopNode));
  }
}

void main();
