/**
 * Full-sync time of an N-key dataset (string values of 16 random bytes under
 * `key:<n>`), Shardis against redis-server in the same run: the time from
 * REPLICAOF to the replica's master_link_status:up (the snapshot made,
 * sent, and loaded), for each pairing of primary and replica:
 *
 *   redis -> redis       the reference
 *   shardis -> shardis   Shardis on both ends
 *   redis -> shardis     Shardis loading (the replica half)
 *   shardis -> redis     Shardis producing and sending (the primary half)
 *
 * Ratios are redis -> redis's time over the pairing's (above 1 = faster than
 * redis-server). Diskless sync (the default, with no delay) unless `disk`.
 * Each pairing syncs ROUNDS times, the pairings alternating round by round;
 * medians. A new full sync each round: REPLICAOF NO ONE gives the replica a
 * new replication id, so its next PSYNC cannot continue.
 *
 * Usage: node dist/benchmarks/replication.js [keys=1000000] [workers=default] [disk]
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BenchClient, freePort, median, spawnServer } from './lib/targets';

const KEYS = Number(process.argv[2] ?? 1_000_000);
const WORKERS = process.argv[3] !== undefined && process.argv[3] !== 'default' ? process.argv[3] : undefined;
const DISK = process.argv[4] === 'disk';
const ROUNDS = 3;

type Kind = 'redis' | 'shardis';

interface Srv {
  kind: Kind;
  port: number;
  proc: ChildProcess;
  dir: string;
  c: BenchClient;
}

async function start(kind: Kind): Promise<Srv> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-repl-${kind}-`));
  const common = ['--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir, '--repl-diskless-sync', DISK ? 'no' : 'yes', '--repl-diskless-sync-delay', '0'];
  const proc = await spawnServer(kind, port, common, WORKERS);
  const c = await BenchClient.connect(port);
  return { kind, port, proc, dir, c };
}

async function stop(s: Srv): Promise<void> {
  s.c.close();
  if (s.proc.exitCode === null) {
    const done = new Promise((r) => s.proc.once('exit', r));
    s.proc.kill('SIGKILL');
    await done;
  }
  fs.rmSync(s.dir, { recursive: true, force: true });
}

async function fill(s: Srv): Promise<void> {
  const batch = 1000;
  for (let i = 0; i < KEYS; i += batch) {
    const cmd: string[] = ['MSET'];
    for (let j = i; j < Math.min(KEYS, i + batch); j++) cmd.push(`key:${j}`, Math.random().toString(36).slice(2, 18).padEnd(16, 'x'));
    await s.c.call(...cmd);
  }
}

async function linkStatus(s: Srv): Promise<string> {
  const info = String(await s.c.call('INFO', 'replication'));
  return /master_link_status:(\w+)/.exec(info)?.[1] ?? 'none';
}

/** One full sync of `replica` from `primary`; milliseconds from REPLICAOF to link up. */
async function timeSync(primary: Srv, replica: Srv): Promise<number> {
  await replica.c.call('REPLICAOF', 'NO', 'ONE');
  const t0 = performance.now();
  const r = await replica.c.call('REPLICAOF', '127.0.0.1', primary.port);
  if (r !== 'OK') throw new Error(`REPLICAOF on ${replica.kind}: ${JSON.stringify(r)}`);
  while ((await linkStatus(replica)) !== 'up') await new Promise((res) => setTimeout(res, 10));
  const ms = performance.now() - t0;
  const n = await replica.c.call('DBSIZE');
  if (n !== KEYS) throw new Error(`${primary.kind} -> ${replica.kind}: the replica holds ${String(n)} keys, not ${KEYS}`);
  await replica.c.call('REPLICAOF', 'NO', 'ONE');
  // Start each round from an empty replica, as a first sync would.
  await replica.c.call('FLUSHALL');
  return ms;
}

async function main(): Promise<void> {
  const load = os.loadavg()[0].toFixed(1);
  const primaries = { redis: await start('redis'), shardis: await start('shardis') };
  const replicas = { redis: await start('redis'), shardis: await start('shardis') };
  await Promise.all([fill(primaries.redis), fill(primaries.shardis)]);
  const pairs: [Kind, Kind][] = [['redis', 'redis'], ['shardis', 'shardis'], ['redis', 'shardis'], ['shardis', 'redis']];
  const times = new Map<string, number[]>(pairs.map(([p, r]) => [`${p} -> ${r}`, []]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [p, r] of pairs) {
        const ms = await timeSync(primaries[p], replicas[r]);
        times.get(`${p} -> ${r}`)?.push(ms);
        console.log(`round ${round + 1}: ${p} -> ${r}: ${ms.toFixed(0)} ms`);
      }
    }
  } finally {
    await Promise.all([...Object.values(primaries), ...Object.values(replicas)].map(stop));
  }
  const base = median(times.get('redis -> redis') as number[]);
  console.log(`\nfull sync of ${KEYS} keys (${DISK ? 'disk' : 'diskless'}), Shardis --workers ${WORKERS ?? 'default'}, load average ${load} at start; median of ${ROUNDS}`);
  for (const [name, xs] of times) {
    const m = median(xs);
    console.log(`${name.padEnd(20)} ${m.toFixed(0).padStart(7)} ms   ratio ${(base / m).toFixed(2)}x`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
