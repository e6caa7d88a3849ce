/**
 * MEMORY DOCTOR, STATS, PURGE and MALLOC-STATS (Redis's object.c), and
 * LOLWUT. Shardis's memory is V8's: figures come from the process and from
 * every shard's heap (the `info` shard RPC), in the fields Redis reports.
 */
import type { CoordOp, Coords } from '../coordination/context';
import { buildReply, errorReply, okReply } from '../resp/replies';
import { scriptingMemory, usedMemory } from './info';
import { parseI64 } from '../core/args/parse';
import { REDIS_VERSION } from '../version';

/** Below this much used memory Redis's doctor declines to judge (5 MB, as in Redis). */
const DOCTOR_MIN_BYTES = 5 * 1024 * 1024;

const memoryDoctor: CoordOp = async (ctx) => {
  const shards = await ctx.server.shards.broadcast('info', { perOp: false });
  const used = usedMemory(ctx.server, shards);
  const text =
    used < DOCTOR_MIN_BYTES
      ? "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting."
      : "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.";
  return buildReply(ctx, (w) => w.verbatim(text));
};

/** MEMORY STATS: Redis's fields, as a map (an array of pairs in RESP2). */
const memoryStats: CoordOp = async (ctx) => {
  const shards = await ctx.server.shards.broadcast('info', { perOp: false });
  const used = usedMemory(ctx.server, shards);
  const mem = process.memoryUsage();
  const dbs = new Map<number, number>();
  for (const s of shards) for (const [db, keys] of s.dbs) dbs.set(db, (dbs.get(db) ?? 0) + keys);
  const keys = [...dbs.values()].reduce((a, b) => a + b, 0);
  const startup = mem.heapUsed > used ? used : Math.min(used, 1024 * 1024);
  const dataset = Math.max(0, used - startup);
  const clients = ctx.server.connections.size;
  const scripting = scriptingMemory(shards);
  return buildReply(ctx, (w) => {
    const ints: [string, number][] = [
      ['peak.allocated', used],
      ['total.allocated', used],
      ['startup.allocated', startup],
      ['replication.backlog', 0],
      ['clients.slaves', 0],
      ['clients.normal', clients * 1024],
      ['cluster.links', 0],
      ['aof.buffer', 0],
      ['lua.caches', scripting.scriptBytes],
      ['functions.caches', scripting.functionBytes],
    ];
    const dbList = [...dbs.entries()].sort(([a], [b]) => a - b);
    w.map(ints.length + dbList.length + 17);
    for (const [k, v] of ints) {
      w.bulk(k);
      w.integer(v);
    }
    for (const [db, n] of dbList) {
      w.bulk(`db.${db}`);
      w.map(2);
      w.bulk('overhead.hashtable.main');
      w.integer(n * 24);
      w.bulk('overhead.hashtable.expires');
      w.integer(0);
    }
    const fields: [string, number, boolean][] = [
      ['overhead.total', startup, false],
      ['keys.count', keys, false],
      ['keys.bytes-per-key', keys === 0 ? 0 : Math.floor(dataset / keys), false],
      ['dataset.bytes', dataset, false],
      ['dataset.percentage', used === 0 ? 0 : (dataset * 100) / used, true],
      ['peak.percentage', 100, true],
      ['allocator.allocated', used, false],
      ['allocator.active', mem.heapTotal, false],
      ['allocator.resident', mem.rss, false],
      ['allocator-fragmentation.ratio', mem.heapTotal / Math.max(1, used), true],
      ['allocator-fragmentation.bytes', mem.heapTotal - used, false],
      ['allocator-rss.ratio', mem.rss / Math.max(1, mem.heapTotal), true],
      ['allocator-rss.bytes', mem.rss - mem.heapTotal, false],
      ['rss-overhead.ratio', 1, true],
      ['rss-overhead.bytes', 0, false],
      ['fragmentation', mem.rss / Math.max(1, used), true],
      ['fragmentation.bytes', mem.rss - used, false],
    ];
    for (const [k, v, dbl] of fields) {
      w.bulk(k);
      if (dbl) w.double(v);
      else w.integer(Math.round(v));
    }
  });
};

/** MEMORY PURGE: collect garbage on every thread (when Node exposes gc), then +OK. */
const memoryPurge: CoordOp = async (ctx) => {
  await ctx.server.shards.broadcast('gc', undefined);
  (globalThis as { gc?: () => void }).gc?.();
  return okReply();
};

/** What Redis answers when built without jemalloc: V8 has no malloc statistics to print. */
const memoryMallocStats: CoordOp = (ctx) => buildReply(ctx, (w) => w.verbatim('Stats not supported for the current allocator'));

/** LOLWUT [VERSION v]: Redis 7.0 draws art for versions 5 and 6 only; every other version prints the version line. */
const lolwut: CoordOp = (ctx, args) => {
  let version = 7;
  for (let i = 1; i < args.length; i++) {
    if (args[i].toLowerCase() === 'version' && i + 1 < args.length) {
      const v = parseI64(args[++i]);
      if (v === null) return errorReply('ERR value is not an integer or out of range');
      version = Number(v);
    }
  }
  let text = `Redis ver. ${REDIS_VERSION}\n`;
  if (version === 5) text = `${schotter()}\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. ${REDIS_VERSION}\n`;
  else if (version === 6) text = `${skyline()}\nDedicated to the 8 bit game developers of past and present.\nOriginal 8 bit image from Plaguemon by hikikomori. Redis ver. ${REDIS_VERSION}\n`;
  return buildReply(ctx, (w) => w.verbatim(text));
};

/** A small Schotter: rows of squares tilting and drifting more towards the bottom, drawn with braille-free ASCII. */
function schotter(): string {
  const rows: string[] = [];
  for (let r = 0; r < 12; r++) {
    let line = '';
    for (let c = 0; c < 8; c++) line += Math.random() * 12 < r ? ' /\\ ' : ' [] ';
    rows.push(line.trimEnd());
  }
  return rows.join('\n');
}

/** A city skyline in the terminal's colours, as LOLWUT 6 draws one. */
function skyline(): string {
  const rows: string[] = [];
  const heights = Array.from({ length: 40 }, () => Math.floor(Math.random() * 10));
  for (let r = 9; r >= 0; r--) rows.push(heights.map((h) => (h > r ? '\x1b[0;37;47m \x1b[0m' : '\x1b[0;30;40m \x1b[0m')).join(''));
  return rows.join('\n');
}

export const memoryCoords: Coords = {
  'memory|doctor': memoryDoctor,
  'memory|stats': memoryStats,
  'memory|purge': memoryPurge,
  'memory|malloc-stats': memoryMallocStats,
  lolwut: lolwut,
};
