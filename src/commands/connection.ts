/**
 * Connection commands: they run on the main thread and touch only the
 * connection's own state.
 */
import type { CommandSpec, CoordOp } from './spec';
import { buildReply, bulkReply, errorReply, okReply, simpleReply } from './coord-context';
import { ERR_DB_INDEX, ERR_NOT_INTEGER } from '../resp/errors';

const PONG = simpleReply('PONG');

const ping: CoordOp = (ctx, args) => {
  if (args.length > 2) return errorReply("ERR wrong number of arguments for 'ping' command");
  return args.length === 2 ? bulkReply(args[1].latin1Slice(0, args[1].length), ctx.conn.proto) : PONG;
};

const echo: CoordOp = (ctx, args) => bulkReply(args[1].latin1Slice(0, args[1].length), ctx.conn.proto);

const quit: CoordOp = (ctx) => {
  ctx.conn.closeAfterReplies('quit');
  return okReply();
};

const select: CoordOp = (ctx, args) => {
  const raw = args[1].latin1Slice(0, args[1].length);
  if (!/^-?\d+$/.test(raw)) return errorReply(ERR_NOT_INTEGER);
  const n = Number(raw);
  if (n < 0 || n >= ctx.server.config.values.databases) return errorReply(ERR_DB_INDEX);
  ctx.conn.db = n;
  return okReply();
};

export const connectionCommands: CommandSpec[] = [
  {
    name: 'ping', arity: -1, flags: ['fast'], firstKey: 0, lastKey: 0, step: 0, group: 'connection', since: '1.0.0',
    summary: 'Returns the server\'s liveliness response.', complexity: 'O(1)', syntax: '[message]', coord: ping,
  },
  {
    name: 'echo', arity: 2, flags: ['fast'], firstKey: 0, lastKey: 0, step: 0, group: 'connection', since: '1.0.0',
    summary: 'Returns the given string.', complexity: 'O(1)', syntax: 'message', coord: echo,
  },
  {
    name: 'quit', arity: -1, flags: ['allow_busy', 'noscript', 'loading', 'stale', 'fast', 'no_auth'], firstKey: 0, lastKey: 0, step: 0,
    group: 'connection', since: '1.0.0', summary: 'Closes the connection.', complexity: 'O(1)', coord: quit,
  },
  {
    name: 'select', arity: 2, flags: ['loading', 'stale', 'fast'], firstKey: 0, lastKey: 0, step: 0, group: 'connection', since: '1.0.0',
    summary: 'Changes the selected database.', complexity: 'O(1)', syntax: 'index', coord: select,
  },
];

export { buildReply };
