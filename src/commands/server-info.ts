/**
 * Server commands: the ones that fan out to every shard (DBSIZE, FLUSHDB,
 * FLUSHALL, INFO) and the ones about the server process itself (TIME, DEBUG).
 */
import type { CommandSpec, CoordOp } from './spec';
import { broadcast, buildReply, errorReply, integerReply, okReply } from './coord-context';
import { CommandTable } from './table';
import { readBulk, readInteger } from '../resp/reply-reader';
import { ERR_SYNTAX } from '../resp/errors';
import { buildInfo, needsShards, selectSections } from './info';
import type { ShardInfo } from '../../workers/families/server-internal';
import { helpReply } from './introspection';

const str = (b: Buffer): string => b.latin1Slice(0, b.length);

const dbsize: CoordOp = async (ctx) => {
  const replies = await broadcast(ctx, CommandTable.internalOp('__dbsize'));
  return integerReply(replies.reduce((sum, r) => sum + (readInteger(r) ?? 0), 0));
};

/** FLUSHDB/FLUSHALL take at most one of ASYNC or SYNC; both free memory at once here. */
function flushModeOk(args: Buffer[]): boolean {
  if (args.length === 1) return true;
  if (args.length > 2) return false;
  const m = str(args[1]).toLowerCase();
  return m === 'async' || m === 'sync';
}

const flushdb: CoordOp = async (ctx, args) => {
  if (!flushModeOk(args)) return errorReply(ERR_SYNTAX);
  await broadcast(ctx, CommandTable.internalOp('__flushdb'));
  return okReply();
};

const flushall: CoordOp = async (ctx, args) => {
  if (!flushModeOk(args)) return errorReply(ERR_SYNTAX);
  await broadcast(ctx, CommandTable.internalOp('__flushall'));
  return okReply();
};

/** Decodes a bulk reply `$n\r\n<json>\r\n` from a shard's __info. */
function parseShardInfo(reply: Buffer): ShardInfo {
  return JSON.parse(readBulk(reply) ?? 'null') as ShardInfo;
}

const info: CoordOp = async (ctx, args) => {
  const sections = selectSections(args.slice(1).map(str));
  let shards: ShardInfo[] = [];
  if (needsShards(sections)) {
    const replies = await broadcast(ctx, CommandTable.internalOp('__info'));
    shards = replies.map(parseShardInfo);
  }
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
];

/** The `gc` function node exposes with --expose-gc (undefined otherwise). */
export function exposedGc(): (() => void) | undefined {
  return (globalThis as { gc?: () => void }).gc;
}

const debug: CoordOp = (ctx, args) => {
  const sub = str(args[1]);
  const lower = sub.toLowerCase();
  if (lower === 'help' && args.length === 2) return helpReply('DEBUG', DEBUG_HELP);
  if (lower === 'sleep' && args.length === 3) {
    // strtod semantics: a non-number sleeps 0 seconds.
    const n = parseFloat(str(args[2]));
    sleepMainThread(Number.isFinite(n) ? n : 0);
    return okReply();
  }
  if (lower === 'gc' && args.length === 2) {
    const gc = exposedGc();
    if (gc === undefined) return errorReply('ERR DEBUG GC needs the server to run under node --expose-gc');
    return broadcast(ctx, CommandTable.internalOp('__gc')).then(() => {
      gc();
      return okReply();
    });
  }
  return errorReply(`ERR unknown subcommand or wrong number of arguments for '${sub}'. Try DEBUG HELP.`);
};

export const serverCommands: CommandSpec[] = [
  {
    name: 'dbsize', arity: 1, flags: ['readonly', 'fast'], firstKey: 0, lastKey: 0, step: 0, group: 'server', since: '1.0.0',
    summary: 'Returns the number of keys in the database.', complexity: 'O(1)', coord: dbsize,
  },
  {
    name: 'flushdb', arity: -1, flags: ['write'], firstKey: 0, lastKey: 0, step: 0, group: 'server', since: '1.0.0',
    summary: 'Removes all keys from the current database.', complexity: 'O(N) where N is the number of keys in the selected database',
    syntax: '[ASYNC | SYNC]', coord: flushdb,
  },
  {
    name: 'flushall', arity: -1, flags: ['write'], firstKey: 0, lastKey: 0, step: 0, group: 'server', since: '1.0.0',
    summary: 'Removes all keys from all databases.', complexity: 'O(N) where N is the total number of keys in all databases',
    syntax: '[ASYNC | SYNC]', coord: flushall,
  },
  {
    name: 'info', arity: -1, flags: ['loading', 'stale'], firstKey: 0, lastKey: 0, step: 0, group: 'server', since: '1.0.0',
    summary: 'Returns information and statistics about the server.', complexity: 'O(1)', syntax: '[section [section ...]]', coord: info,
  },
  {
    name: 'time', arity: 1, flags: ['loading', 'stale', 'fast'], firstKey: 0, lastKey: 0, step: 0, group: 'server', since: '2.6.0',
    summary: 'Returns the server time.', complexity: 'O(1)', coord: time,
  },
  {
    name: 'debug', arity: -2, flags: ['admin', 'noscript', 'loading', 'stale'], firstKey: 0, lastKey: 0, step: 0, group: 'server', since: '1.0.0',
    summary: 'Debugging helpers (SLEEP).', complexity: 'Depends on subcommand.', syntax: 'subcommand [argument [argument ...]]', coord: debug,
  },
];
