/**
 * Server commands that fan out to every shard: DBSIZE, FLUSHDB, FLUSHALL.
 */
import type { CommandSpec, CoordOp } from './spec';
import { broadcast, integerReply, okReply } from './coord-context';
import { CommandTable } from './table';
import { readInteger } from '../resp/reply-reader';

const dbsize: CoordOp = async (ctx) => {
  const replies = await broadcast(ctx, CommandTable.internalOp('__dbsize'));
  return integerReply(replies.reduce((sum, r) => sum + (readInteger(r) ?? 0), 0));
};

const flushdb: CoordOp = async (ctx) => {
  await broadcast(ctx, CommandTable.internalOp('__flushdb'));
  return okReply();
};

const flushall: CoordOp = async (ctx) => {
  await broadcast(ctx, CommandTable.internalOp('__flushall'));
  return okReply();
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
];
