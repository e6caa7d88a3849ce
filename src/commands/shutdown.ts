/**
 * SHUTDOWN: the same orderly stop as SIGTERM. Nothing is persisted (Shardis
 * keeps no files), so SAVE/NOSAVE/NOW/FORCE are accepted and change nothing;
 * ABORT has no pending shutdown to cancel, as in Redis.
 */
import type { CommandSpec, CoordOp } from './spec';
import { errorReply } from './coord-context';
import { ERR_SYNTAX } from '../resp/errors';

const shutdown: CoordOp = (ctx, args) => {
  const opts = args.slice(1).map((a) => a.toString('latin1').toLowerCase());
  for (const o of opts) {
    if (!['nosave', 'save', 'now', 'force', 'abort'].includes(o)) return errorReply(ERR_SYNTAX);
  }
  if (opts.includes('save') && opts.includes('nosave')) return errorReply(ERR_SYNTAX);
  if (opts.includes('abort')) {
    if (opts.length > 1) return errorReply(ERR_SYNTAX);
    return errorReply('ERR No shutdown in progress.');
  }
  // Like Redis, a successful SHUTDOWN never replies: the caller's connection
  // just closes (at once, so the shutdown does not wait out its grace period
  // for a reply that will never come).
  ctx.conn.close('shutdown');
  void ctx.server.close('SHUTDOWN command');
  return new Promise<Buffer>(() => undefined);
};

export const shutdownCommands: CommandSpec[] = [
  {
    name: 'shutdown', arity: -1, flags: ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'allow_busy'],
    firstKey: 0, lastKey: 0, step: 0, group: 'server', since: '1.0.0',
    summary: 'Synchronously saves the database(s) to disk and shuts down the Redis server.',
    complexity: 'O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)',
    syntax: '[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]', coord: shutdown,
  },
];
