/**
 * Differential testing: run the same command sequence against Shardis and a
 * real redis-server and require identical replies. This is how compatibility
 * is proven: the reference decides, not our reading of the docs.
 */
import { RespClient, type Reply } from './resp-client';

export type Cmd = readonly (string | Buffer | number)[];

export interface DiffOptions {
  /** Command names (lowercase) whose array replies Redis leaves unordered: sorted before comparing. */
  unordered?: readonly string[];
  /** Rewrites a reply before comparison (e.g. rounding TTLs); gets both the command and the reply. */
  normalize?: (cmd: Cmd, reply: Reply) => Reply;
  /** Commands per pipelined write. */
  chunk?: number;
}

export interface Mismatch {
  index: number;
  cmd: string;
  shardis: Reply;
  redis: Reply;
}

function sortDeep(r: Reply): Reply {
  return Array.isArray(r) ? [...r].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) : r;
}

export function showCmd(cmd: Cmd): string {
  return cmd.map((a) => JSON.stringify(Buffer.isBuffer(a) ? a.toString('latin1') : String(a))).join(' ');
}

/** Runs `script` on both servers (fresh connections, FLUSHALL first) and returns every mismatch. */
export async function runDifferential(shardisPort: number, redisPort: number, script: readonly Cmd[], opts: DiffOptions = {}): Promise<Mismatch[]> {
  const a = await RespClient.connect(shardisPort);
  const b = await RespClient.connect(redisPort);
  try {
    await a.call('FLUSHALL');
    await b.call('FLUSHALL');
    const unordered = new Set(opts.unordered ?? []);
    const chunk = opts.chunk ?? 200;
    const out: Mismatch[] = [];
    for (let i = 0; i < script.length; i += chunk) {
      const part = script.slice(i, i + chunk);
      const [ra, rb] = await Promise.all([a.pipeline(part), b.pipeline(part)]);
      part.forEach((cmd, j) => {
        const name = String(cmd[0]).toLowerCase();
        let x = ra[j];
        let y = rb[j];
        if (unordered.has(name)) {
          x = sortDeep(x);
          y = sortDeep(y);
        }
        if (opts.normalize) {
          x = opts.normalize(cmd, x);
          y = opts.normalize(cmd, y);
        }
        if (JSON.stringify(x) !== JSON.stringify(y)) out.push({ index: i + j, cmd: showCmd(cmd), shardis: x, redis: y });
      });
    }
    return out;
  } finally {
    a.close();
    b.close();
  }
}

/** A small seeded PRNG (mulberry32) so generated scripts are reproducible from the seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(r: () => number, items: readonly T[]): T {
  return items[Math.floor(r() * items.length)];
}

/** The first mismatches, readable in an assertion message (long commands and replies are clipped). */
export function describeMismatches(ms: readonly Mismatch[], first = 10, clipAt = 600): string {
  const clip = (s: string): string => (s.length > clipAt ? `${s.slice(0, clipAt)}...(${s.length} chars)` : s);
  return ms
    .slice(0, first)
    .map((m) => `#${m.index} ${clip(m.cmd)}\n   shardis: ${clip(JSON.stringify(m.shardis))}\n   redis:   ${clip(JSON.stringify(m.redis))}`)
    .join('\n');
}
