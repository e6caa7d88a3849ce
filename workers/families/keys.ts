/**
 * Generic keyspace commands (DEL, EXISTS, EXPIRE, TTL, ...), shard-local parts.
 */
import type { CommandSpec, ShardOpContext } from '../../src/commands/spec';
import type { ReplyWriter } from '../../src/resp/reply-writer';

function opDel(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  let n = 0;
  for (let i = 1; i < args.length; i++) {
    if (ctx.db.has(args[i], ctx.now) && ctx.db.delete(args[i])) n++;
  }
  w.integer(n);
}

function opExists(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  let n = 0;
  for (let i = 1; i < args.length; i++) if (ctx.db.has(args[i], ctx.now)) n++;
  w.integer(n);
}

export const keyCommands: CommandSpec[] = [
  {
    name: 'del', arity: -2, flags: ['write'], firstKey: 1, lastKey: -1, step: 1,
    group: 'generic', since: '1.0.0', summary: 'Deletes one or more keys.',
    complexity: 'O(N) where N is the number of keys that will be removed.', syntax: 'key [key ...]', op: opDel, split: 'sum',
  },
  {
    name: 'exists', arity: -2, flags: ['readonly', 'fast'], firstKey: 1, lastKey: -1, step: 1,
    group: 'generic', since: '1.0.0', summary: 'Determines whether one or more keys exist.',
    complexity: 'O(N) where N is the number of keys to check.', syntax: 'key [key ...]', op: opExists, split: 'sum',
  },
];
