/**
 * Persistence against redis-server in the same run, same machine:
 * - SAVE time and start-up load time of an N-key dataset (string values of
 *   16 random bytes under random `key:<n>` names), as ratios of redis-server's
 *   (above 1 = Shardis faster);
 * - GET p99 of one client reading random keys during a BGSAVE, against its
 *   p99 without one (each server against itself);
 * - peak RSS during BGSAVE against the RSS before it (Shardis: the process;
 *   redis-server: parent plus the forked child).
 *
 * Usage: node dist/benchmarks/persistence.js [keys=1000000] [workers=default] [value-bytes=16]
 * Each measurement alternates the two servers and takes the median of 3.
 * Values of 16 bytes are random characters (below LZF's 21-byte threshold:
 * never compressed); longer ones are JSON-like records of that size, which
 * RDB files store LZF-compressed, as most real values over 20 bytes.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BenchClient, freePort, spawnServer } from './lib/targets';
import { RssSampler, treeRss } from './lib/rss-sampler';

const KEYS = Number(process.argv[2] ?? 1_000_000);
const WORKERS = process.argv[3] === 'default' ? undefined : process.argv[3];
const VALUE_BYTES = Number(process.argv[4] ?? 16);

/** A value of VALUE_BYTES: random characters, or a JSON-like record (ids, names, numbers) cut to size. */
function value(j: number): string {
  if (VALUE_BYTES <= 16) return Math.random().toString(36).slice(2, 18).padEnd(16, 'x').slice(0, VALUE_BYTES);
  const words = ['alpha', 'bravo', 'delta', 'echo', 'kilo', 'lima', 'oscar', 'tango', 'zulu'];
  let out = `{"id":${j},"user":"user-${Math.floor(Math.random() * 100000)}","score":${Math.random().toFixed(6)}`;
  while (out.length < VALUE_BYTES) out += `,"${words[Math.floor(Math.random() * words.length)]}":${Math.floor(Math.random() * 10000)}`;
  return out.slice(0, VALUE_BYTES);
}
const ROUNDS = 3;

interface Srv {
  name: string;
  port: number;
  proc: ChildProcess;
  dir: string;
}

async function start(kind: 'redis' | 'shardis', dir: string): Promise<Srv> {
  const port = await freePort();
  const common = ['--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir];
  const proc = await spawnServer(kind, port, common, WORKERS);
  const c = await BenchClient.connect(port);
  // Wait out -LOADING.
  for (;;) {
    const r = await c.call('PING');
    if (r === 'PONG') break;
    await new Promise((res) => setTimeout(res, 5));
  }
  c.close();
  return { name: kind, port, proc, dir };
}

async function stop(s: Srv): Promise<void> {
  if (s.proc.exitCode !== null) return;
  const done = new Promise((r) => s.proc.once('exit', r));
  s.proc.kill('SIGKILL');
  await done;
}

async function fill(port: number): Promise<void> {
  const c = await BenchClient.connect(port);
  const batch = 1000;
  for (let i = 0; i < KEYS; i += batch) {
    const cmd: string[] = ['MSET'];
    for (let j = i; j < Math.min(KEYS, i + batch); j++) cmd.push(`key:${j}`, value(j));
    await c.call(...cmd);
  }
  c.close();
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timeSave(s: Srv): Promise<number> {
  const c = await BenchClient.connect(s.port);
  const t0 = performance.now();
  const r = await c.call('SAVE');
  const ms = performance.now() - t0;
  c.close();
  if (r !== 'OK') throw new Error(`${s.name} SAVE: ${JSON.stringify(r)}`);
  return ms;
}

async function timeLoad(kind: 'redis' | 'shardis', dir: string): Promise<number> {
  const t0 = performance.now();
  const s = await start(kind, dir);
  const ms = performance.now() - t0;
  const c = await BenchClient.connect(s.port);
  const n = (await c.call('DBSIZE')) as number;
  c.close();
  await stop(s);
  if (n !== KEYS) throw new Error(`${kind} loaded ${n} keys, not ${KEYS}`);
  return ms;
}

/**
 * p99 of GETs of random keys from one client, with `INFO persistence` asked
 * every 20 ms on a second connection, beside the GETs (not between them):
 * for at least `minMs`, and until `until` says so from that INFO. The idle
 * and the BGSAVE measurement run the same machinery (`begin` starts the
 * BGSAVE), so they differ by the BGSAVE alone. Nothing else runs meanwhile:
 * the RSS is sampled in a BGSAVE of its own (rssRun).
 */
async function getP99(s: Srv, begin: (c: BenchClient) => Promise<void>, until: (info: string) => boolean, minMs: number): Promise<{ p99: number; ms: number }> {
  const c = await BenchClient.connect(s.port);
  const info = await BenchClient.connect(s.port);
  const t0 = performance.now();
  await begin(info);
  const lat: number[] = [];
  let finished = false;
  const watcher = (async (): Promise<void> => {
    try {
      while (!finished) {
        await new Promise((res) => setTimeout(res, 20));
        const text = (await info.call('INFO', 'persistence')) as string;
        if (performance.now() - t0 >= minMs && until(text)) finished = true;
        if (performance.now() - t0 > 60_000) finished = true;
      }
    } finally {
      // A throwing check must still end the GET loop (the throw reaches the caller through `await watcher`).
      finished = true;
    }
  })();
  while (!finished) {
    const k = `key:${Math.floor(Math.random() * KEYS)}`;
    const a = performance.now();
    await c.call('GET', k);
    lat.push(performance.now() - a);
  }
  await watcher;
  c.close();
  info.close();
  const ms = performance.now() - t0;
  lat.sort((x, y) => x - y);
  return { p99: lat[Math.floor(lat.length * 0.99)], ms };
}

async function bgsave(s: Srv, c: BenchClient): Promise<void> {
  const r = await c.call('BGSAVE');
  if (typeof r !== 'string' || !r.startsWith('Background saving')) throw new Error(`${s.name} BGSAVE: ${JSON.stringify(r)}`);
}

const saveEnded = (info: string): boolean => /rdb_bgsave_in_progress:0/.test(info);

/** Peak RSS during a BGSAVE, over the RSS before it (sampled in another process: rss-sampler.ts). */
async function rssRun(s: Srv): Promise<number> {
  const before = treeRss(s.proc.pid as number);
  const sampler = await RssSampler.start(s.proc.pid as number);
  const c = await BenchClient.connect(s.port);
  await bgsave(s, c);
  while (!saveEnded((await c.call('INFO', 'persistence')) as string)) await new Promise((res) => setTimeout(res, 20));
  c.close();
  return (await sampler.stop()) / before;
}

async function main(): Promise<void> {
  const rows: string[] = [];
  const kinds = ['redis', 'shardis'] as const;
  const dirs = { redis: fs.mkdtempSync(path.join(os.tmpdir(), 'bench-p-redis-')), shardis: fs.mkdtempSync(path.join(os.tmpdir(), 'bench-p-shardis-')) };
  const save: Record<string, number[]> = { redis: [], shardis: [] };
  const load: Record<string, number[]> = { redis: [], shardis: [] };
  const p99Idle: Record<string, number[]> = { redis: [], shardis: [] };
  const p99Save: Record<string, number[]> = { redis: [], shardis: [] };
  const rss: Record<string, number[]> = { redis: [], shardis: [] };
  // BGSAVE's duration (to within the 20 ms INFO poll), measured with the GETs running.
  const bgsaveMs: Record<string, number[]> = { redis: [], shardis: [] };
  const servers: Record<string, Srv> = {};
  for (const k of kinds) {
    servers[k] = await start(k, dirs[k]);
    await fill(servers[k].port);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const k of kinds) save[k].push(await timeSave(servers[k]));
    for (const k of kinds) p99Idle[k].push((await getP99(servers[k], async () => undefined, () => true, 1000)).p99);
    for (const k of kinds) {
      const r = await getP99(servers[k], (c) => bgsave(servers[k], c), saveEnded, 0);
      p99Save[k].push(r.p99);
      bgsaveMs[k].push(r.ms);
    }
    for (const k of kinds) rss[k].push(await rssRun(servers[k]));
  }
  for (const k of kinds) await stop(servers[k]);
  for (let round = 0; round < ROUNDS; round++) for (const k of kinds) load[k].push(await timeLoad(k, dirs[k]));
  const size = (k: string): number => fs.statSync(path.join(dirs[k as 'redis'], 'dump.rdb')).size;
  rows.push(`keys: ${KEYS}, workers: ${WORKERS ?? 'default'}, value bytes: ${VALUE_BYTES}, file: redis ${(size('redis') / 1e6).toFixed(1)} MB, shardis ${(size('shardis') / 1e6).toFixed(1)} MB`);
  rows.push(`SAVE ms: redis ${median(save.redis).toFixed(0)}, shardis ${median(save.shardis).toFixed(0)} -> speed ratio ${(median(save.redis) / median(save.shardis)).toFixed(2)}x`);
  rows.push(`load ms (start until PING): redis ${median(load.redis).toFixed(0)}, shardis ${median(load.shardis).toFixed(0)} -> speed ratio ${(median(load.redis) / median(load.shardis)).toFixed(2)}x`);
  for (const k of kinds) {
    rows.push(`${k}: GET p99 idle ${median(p99Idle[k]).toFixed(3)} ms, during BGSAVE ${median(p99Save[k]).toFixed(3)} ms (${(median(p99Save[k]) / median(p99Idle[k])).toFixed(2)}x); BGSAVE ${median(bgsaveMs[k]).toFixed(0)} ms; peak RSS during BGSAVE ${median(rss[k]).toFixed(2)}x before`);
  }
  for (const d of Object.values(dirs)) fs.rmSync(d, { recursive: true, force: true });
  process.stdout.write(rows.join('\n') + '\n');
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
