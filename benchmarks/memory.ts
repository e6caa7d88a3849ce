/**
 * Memory per key of Shardis relative to redis-server on this machine.
 *
 * For each round (alternating which server goes first), starts a fresh
 * redis-server and a fresh Shardis, loads `--keys` keys `SET key:<n> <16 random
 * bytes>` into each over one pipelined connection, and reports the growth of
 * the process's RSS (VmRSS from /proc) and of INFO used_memory, per key.
 * RSS is read twice: after the load has settled for a moment ("loaded"), and
 * after a full GC (`DEBUG GC`, Shardis runs under --expose-gc for it; Redis has
 * no GC so its two figures are the same measurement taken again).
 * Medians over the rounds; the ratio is Shardis / redis-server.
 *
 *   npm run build && node dist/benchmarks/memory.js [--keys 1000000] [--rounds 3]
 *     [--workers <default>] [--value-bytes 16] [--node-args "--max-semi-space-size=..."]
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import crypto from 'node:crypto';
import { DEFAULT_WORKERS } from '../src/cli';
import { startRedis, startShardis, stop, median, infoField, BenchClient, type Target } from './lib/targets';

interface Options {
  keys: number;
  rounds: number;
  workers: number;
  valueBytes: number;
  nodeArgs: string[];
}

function parseOptions(argv: string[]): Options {
  const o: Options = { keys: 1_000_000, rounds: 3, workers: DEFAULT_WORKERS, valueBytes: 16, nodeArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--keys': o.keys = Number(v); i++; break;
      case '--rounds': o.rounds = Number(v); i++; break;
      case '--workers': o.workers = Number(v); i++; break;
      case '--value-bytes': o.valueBytes = Number(v); i++; break;
      case '--node-args': o.nodeArgs = v.split(' ').filter((s) => s !== ''); i++; break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  return o;
}

/** Resident set size of a process in bytes (the whole process: every shard thread included). */
export function rssOf(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Loads keys `keyName(from)`..`keyName(to-1)` (default `key:<n>`) with random values over one raw
 * connection, `chunk` commands per write, waiting for each chunk's replies
 * (each is `+OK\r\n`, so counting bytes is enough) before sending the next.
 */
export async function loadKeys(
  port: number,
  from: number,
  to: number,
  valueBytes: number,
  keyName: (n: number) => string = (n) => `key:${n}`,
  chunk = 10_000,
): Promise<void> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  sock.setNoDelay(true);
  let pending = 0;
  let wake: (() => void) | null = null;
  sock.on('data', (d: Buffer) => {
    pending -= d.length;
    if (pending <= 0 && wake) {
      const w = wake;
      wake = null;
      w();
    }
  });
  const valHeader = Buffer.from(`$${valueBytes}\r\n`, 'latin1');
  for (let start = from; start < to; start += chunk) {
    const end = Math.min(to, start + chunk);
    const rnd = crypto.randomBytes((end - start) * valueBytes);
    const parts: Buffer[] = [];
    for (let n = start; n < end; n++) {
      const key = keyName(n);
      parts.push(Buffer.from(`*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n`, 'latin1'));
      parts.push(valHeader, rnd.subarray((n - start) * valueBytes, (n - start + 1) * valueBytes), Buffer.from('\r\n'));
    }
    pending += (end - start) * 5;
    const done = new Promise<void>((r) => (wake = r));
    sock.write(Buffer.concat(parts));
    await done;
  }
  sock.destroy();
}

interface Sample {
  rssLoaded: number;
  rssAfterGc: number;
  used: number;
}

async function measure(t: Target, o: Options, isShardis: boolean): Promise<Sample> {
  const pid = t.proc.pid as number;
  const c = await BenchClient.connect(t.port);
  await sleep(500);
  const rss0 = rssOf(pid);
  const used0 = infoField(String(await c.call('INFO', 'memory')), 'used_memory');
  await loadKeys(t.port, 0, o.keys, o.valueBytes);
  const dbsize = Number(await c.call('DBSIZE'));
  if (dbsize !== o.keys) throw new Error(`${t.name}: DBSIZE ${dbsize}, expected ${o.keys}`);
  await sleep(1000);
  const rssLoaded = rssOf(pid);
  if (isShardis) {
    const r = await c.call('DEBUG', 'GC');
    if (r instanceof Error) throw r;
    await sleep(300);
  }
  const rssAfterGc = rssOf(pid);
  const used = infoField(String(await c.call('INFO', 'memory')), 'used_memory') - used0;
  c.close();
  return { rssLoaded: (rssLoaded - rss0) / o.keys, rssAfterGc: (rssAfterGc - rss0) / o.keys, used: used / o.keys };
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const cpus = os.cpus();
  console.log(`# Memory per key: Shardis (--workers ${o.workers}) vs redis-server — ${cpus.length} x ${cpus[0]?.model ?? 'cpu'}, node ${process.version}`);
  console.log(`# ${o.keys} keys SET key:<n> <${o.valueBytes} random bytes>, pipelined; ${o.rounds} alternating rounds, medians`);
  const samples: { redis: Sample[]; shardis: Sample[] } = { redis: [], shardis: [] };
  for (let round = 0; round < o.rounds; round++) {
    const order: ('redis' | 'shardis')[] = round % 2 === 0 ? ['redis', 'shardis'] : ['shardis', 'redis'];
    for (const which of order) {
      const t = which === 'redis' ? await startRedis() : await startShardis(o.workers, ['--expose-gc', ...o.nodeArgs]);
      try {
        const s = await measure(t, o, which === 'shardis');
        samples[which].push(s);
        console.log(`#   round ${round + 1} ${which}: rss ${s.rssLoaded.toFixed(1)} B/key loaded, ${s.rssAfterGc.toFixed(1)} after GC, used_memory ${s.used.toFixed(1)} B/key`);
      } finally {
        await stop(t);
      }
    }
  }
  const med = (xs: Sample[], f: (s: Sample) => number): number => median(xs.map(f));
  const rows: [string, (s: Sample) => number][] = [
    ['RSS growth, loaded', (s) => s.rssLoaded],
    ['RSS growth, after full GC', (s) => s.rssAfterGc],
    ['INFO used_memory growth', (s) => s.used],
  ];
  console.log('\n| bytes per key | redis-server | Shardis | ratio |');
  console.log('|---|---|---|---|');
  for (const [name, f] of rows) {
    const r = med(samples.redis, f);
    const s = med(samples.shardis, f);
    console.log(`| ${name} | ${r.toFixed(0)} | ${s.toFixed(0)} | ${(s / r).toFixed(2)} |`);
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
