/**
 * Server commands: the ones that fan out to every shard (DBSIZE, FLUSHDB,
 * FLUSHALL, INFO) and the ones about the server process itself (TIME, DEBUG).
 */
import type { CoordContext, CoordOp, Coords } from '../coordination/context';
import { parseSafeInt } from '../core/args/parse';
import type { ShardInfo } from '../core/shard-protocol';
import { buildReply, errorReply, helpReply, integerReply, okReply } from '../resp/replies';
import { ERR_SYNTAX } from '../core/errors';
import { buildInfo, needsShards, selectSections } from './info';
import { persistenceDebug } from './persistence';

const dbsize: CoordOp = async (ctx) => {
  const sizes = await ctx.server.shards.broadcast('dbsize', undefined, { db: ctx.conn.db });
  return integerReply(sizes.reduce((sum, n) => sum + n, 0));
};

/** FLUSHDB/FLUSHALL take at most one of ASYNC or SYNC. */
function flushModeOk(args: string[]): boolean {
  if (args.length === 1) return true;
  if (args.length > 2) return false;
  const m = args[1].toLowerCase();
  return m === 'async' || m === 'sync';
}

/** ASYNC, or no mode with lazyfree-lazy-user-flush: Redis frees the old keys in the background (counted in lazyfreed_objects). */
function flushLazily(ctx: Parameters<CoordOp>[0], args: string[]): { lazy: boolean } {
  if (args.length === 2) return { lazy: args[1].toLowerCase() === 'async' };
  return { lazy: ctx.server.config.get('lazyfree-lazy-user-flush') === 'yes' };
}

const flushdb: CoordOp = async (ctx, args) => {
  if (!flushModeOk(args)) return errorReply(ERR_SYNTAX);
  await ctx.server.shards.broadcast('flushdb', flushLazily(ctx, args), { db: ctx.conn.db });
  ctx.server.tracking.flushed();
  return okReply();
};

const flushall: CoordOp = async (ctx, args) => {
  if (!flushModeOk(args)) return errorReply(ERR_SYNTAX);
  await ctx.server.shards.broadcast('flushall', flushLazily(ctx, args));
  ctx.server.tracking.flushed();
  return okReply();
};

const info: CoordOp = async (ctx, args) => {
  const sections = selectSections(args.slice(1));
  let shards: ShardInfo[] = [];
  if (needsShards(sections)) shards = await ctx.server.shards.broadcast('info', { perOp: sections.has('commandstats') || sections.has('latencystats') });
  const text = buildInfo(ctx.server, sections, shards);
  return buildReply(ctx, (w) => w.verbatim(text));
};

const time: CoordOp = (ctx) => {
  const us = BigInt(Math.floor((performance.timeOrigin + performance.now()) * 1000));
  return buildReply(ctx, (w) => {
    w.array(2);
    w.bulk(String(us / 1000000n));
    w.bulk(String(us % 1000000n));
  });
};

/**
 * DEBUG SLEEP blocks the main thread like Redis blocks its event loop: no
 * client is served meanwhile (shards keep running but get no requests).
 */
function sleepMainThread(seconds: number): void {
  if (!(seconds > 0)) return;
  const ms = Math.min(seconds * 1000, 2 ** 31 - 1);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const DEBUG_HELP = [
  'SLEEP <seconds>',
  '    Stop the server for <seconds> (decimals allowed); no client is served meanwhile.',
  'GC',
  '    Shardis only: run a full garbage collection on the main thread and every shard',
  '    (needs node --expose-gc), so heap figures after it show live memory only.',
  'DIGEST',
  '    Output a hex signature representing the current DB content.',
  'DIGEST-VALUE <key> [<key> ...]',
  '    Output a hex signature of the values of all the specified keys.',
  'RELOAD',
  '    Save the RDB on disk and reload it back to memory.',
  'PANIC',
  '    Crash the server simulating a panic (the crash report follows crash-log-enabled).',
  'POPULATE <count> [<prefix>] [<size>]',
  '    Create the string keys <prefix>:0 to <prefix>:<count-1> (prefix "key") that do not',
  '    exist, each holding value:<n>, cut or padded with zero bytes to <size> when given.',
  '    They are neither propagated to replicas nor written to the AOF.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Stop (0) or restart (1) the active expiry cycle; keys still expire when they are read.',
  'SHARD-CRASH <index>',
  '    Shardis only: make a shard thread crash; it is restarted and its data restored.',
];

/** A count or size as Redis's getPositiveLongFromObjectOrReply takes it: a strict integer from 0. */
function nonNegativeLong(s: string): number | null {
  const n = parseSafeInt(s);
  return n === null || n < 0 ? null : n;
}

/** DEBUG POPULATE <count> [<prefix>] [<size>]: every shard adds its share of the keys. */
function populate(ctx: CoordContext, args: string[]): Buffer | Promise<Buffer> {
  const count = nonNegativeLong(args[2]);
  const size = args.length === 5 ? nonNegativeLong(args[4]) : 0;
  if (count === null || size === null) return errorReply('ERR value is out of range, must be positive');
  const prefix = args.length >= 4 ? args[3] : 'key';
  return ctx.server.shards.broadcast('populate', { count, prefix, size }, { db: ctx.conn.db }).then(() => okReply());
}

/** The `gc` function node exposes with --expose-gc (undefined otherwise). */
export function exposedGc(): (() => void) | undefined {
  return (globalThis as { gc?: () => void }).gc;
}

const debug: CoordOp = (ctx, args) => {
  const sub = args[1];
  const lower = sub.toLowerCase();
  if (lower === 'help' && args.length === 2) return helpReply('DEBUG', DEBUG_HELP);
  if (lower === 'sleep' && args.length === 3) {
    // strtod semantics: a non-number sleeps 0 seconds.
    const n = parseFloat(args[2]);
    sleepMainThread(Number.isFinite(n) ? n : 0);
    return okReply();
  }
  if (lower === 'panic' && args.length === 2) {
    // Outside this request's promise chain, so it reaches the process's crash handler (src/main.ts) as a real bug would.
    setImmediate(() => {
      throw new Error(`DEBUG PANIC called at Unix time ${Math.floor(Date.now() / 1000)}`);
    });
    // Redis never answers: the process is gone before a reply is written.
    return new Promise<Buffer>(() => undefined);
  }
  if (lower === 'populate' && args.length >= 3 && args.length <= 5) return populate(ctx, args);
  if (lower === 'set-active-expire' && args.length === 3) {
    // atoi, as Redis reads it: leading digits, anything else 0.
    const n = parseInt(args[2], 10);
    ctx.server.shards.broadcastSettings({ activeExpire: !Number.isNaN(n) && n !== 0 });
    return okReply();
  }
  const p = persistenceDebug(ctx, args);
  if (p !== null) return p;
  if (lower === 'gc' && args.length === 2) {
    const gc = exposedGc();
    if (gc === undefined) return errorReply('ERR DEBUG GC needs the server to run under node --expose-gc');
    return ctx.server.shards.broadcast('gc', undefined).then(() => {
      gc();
      return okReply();
    });
  }
  return errorReply(`ERR unknown subcommand or wrong number of arguments for '${sub}'. Try DEBUG HELP.`);
};

export const serverCoords: Coords = {
  dbsize: dbsize,
  flushdb: flushdb,
  flushall: flushall,
  info: info,
  time: time,
  debug: debug,
};
