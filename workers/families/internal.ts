/**
 * Internal shard ops: what coordinators on the main thread ask of every shard
 * (DBSIZE, FLUSHDB, KEYS, SCAN, ...). Never reachable by clients: the rows are
 * `internal` and their names start with `__`.
 */
import type { CommandSpec, ShardOpContext } from '../../src/commands/spec';
import type { ReplyWriter } from '../../src/resp/reply-writer';

function opDbsize(ctx: ShardOpContext, _args: string[], w: ReplyWriter): void {
  w.integer(ctx.db.size);
}

function opFlushdb(ctx: ShardOpContext, _args: string[], w: ReplyWriter): void {
  ctx.db.clear();
  w.ok();
}

function opFlushall(ctx: ShardOpContext, _args: string[], w: ReplyWriter): void {
  for (const db of ctx.shard.dbs) db?.clear();
  w.ok();
}

const internal = (name: string, op: CommandSpec['op']): CommandSpec => ({
  name, arity: -1, flags: [], firstKey: 0, lastKey: 0, step: 0, group: 'server', since: '0.0.0', summary: '', internal: true, op,
});

export const internalCommands: CommandSpec[] = [
  internal('__dbsize', opDbsize),
  internal('__flushdb', opFlushdb),
  internal('__flushall', opFlushall),
];
