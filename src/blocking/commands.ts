/**
 * The blocking commands as clients see them: BLPOP, BRPOP, BLMOVE,
 * BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP (coordinator rows), and the
 * BLOCK form of XREAD/XREADGROUP (shard rows whose `blocksIf` sends them here).
 *
 * Each body checks its arguments in Redis's order (which decides which error
 * wins), then hands a BlockRequest to the blocking manager (manager.ts), which
 * answers at once when there is data and waits otherwise.
 */
import type { CommandSpec, CoordOp } from '../commands/spec';
import type { CoordContext } from '../commands/coord-context';
import { ERR_SYNTAX, ReplyError } from '../resp/errors';
import { parseMpop, parseSafeInt } from '../../workers/args';
import { parseXreadArgs } from '../../workers/families/streams';
import { blockingOf, type BlockRequest } from './manager';
import { parseSecondsTimeout } from './timeout';


const str = (b: Buffer): string => b.latin1Slice(0, b.length);

function run(ctx: CoordContext, req: BlockRequest): Promise<Buffer> {
  const manager = blockingOf(ctx.server);
  return ctx.inExec === true ? manager.tryOnce(ctx.conn, req) : manager.block(ctx.conn, req);
}

/** LEFT/RIGHT (or MIN/MAX), case-insensitive, else a syntax error. */
function word(b: Buffer, a: string, z: string): string {
  const s = str(b).toLowerCase();
  if (s !== a && s !== z) throw new ReplyError(ERR_SYNTAX);
  return s;
}

/** BLPOP/BRPOP/BZPOPMIN/BZPOPMAX key [key ...] timeout */
function keysThenTimeout(family: 'list' | 'zset'): CoordOp {
  return (ctx, args) => {
    const timeoutMs = parseSecondsTimeout(args[args.length - 1]);
    const keys = args.slice(1, -1).map(str);
    return run(ctx, { family, cmd: ctx.spec.name, params: [], keys, ids: [], timeoutMs });
  };
}

/** BLMOVE source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout */
const blmove: CoordOp = (ctx, args) => {
  const from = word(args[3], 'left', 'right');
  const to = word(args[4], 'left', 'right');
  const timeoutMs = parseSecondsTimeout(args[5]);
  return moveRequest(ctx, args, from, to, timeoutMs);
};

/** BRPOPLPUSH source destination timeout: BLMOVE source destination RIGHT LEFT. */
const brpoplpush: CoordOp = (ctx, args) => moveRequest(ctx, args, 'right', 'left', parseSecondsTimeout(args[3]));

function moveRequest(ctx: CoordContext, args: Buffer[], from: string, to: string, timeoutMs: number): Promise<Buffer> {
  const src = str(args[1]);
  const dst = str(args[2]);
  return run(ctx, { family: 'list', cmd: 'blmove', params: [dst, from, to], keys: [src], ids: [], timeoutMs, move: { dst, from, to } });
}

/** BLMPOP/BZMPOP timeout numkeys key [key ...] <LEFT | RIGHT | MIN | MAX> [COUNT count] */
function mpop(family: 'list' | 'zset'): CoordOp {
  const [a, z] = family === 'list' ? ['left', 'right'] : ['min', 'max'];
  // Redis parses numkeys, the direction and COUNT before the timeout.
  return (ctx, args) => {
    const { keys, where, count } = parseMpop(args.map(str), 2, a, z);
    const timeoutMs = parseSecondsTimeout(args[1]);
    return run(ctx, { family, cmd: ctx.spec.name, params: [where, String(count)], keys, ids: [], timeoutMs });
  };
}

/** XREAD/XREADGROUP with BLOCK (the rows live with the streams family). */
export const blockingCoord: CoordOp = (ctx, args) => {
  const strs = args.map(str);
  strs[0] = ctx.spec.name;
  const p = parseXreadArgs(strs);
  const keys = strs.slice(p.streamsArg, p.streamsArg + p.streamsCount);
  const ids = strs.slice(p.streamsArg + p.streamsCount);
  const params = [p.count > 0 ? String(p.count) : '', p.groupName ?? '', p.consumerName, p.noack ? '1' : '0'];
  return run(ctx, { family: 'stream', cmd: ctx.spec.name, params, keys, ids, timeoutMs: p.blockMs });
};

/** Keys of BLMPOP/BZMPOP: the numkeys arguments after numkeys (none if numkeys is not valid). */
function mpopKeys(args: readonly Buffer[]): number[] {
  if (args.length < 3) return [];
  const n = parseSafeInt(str(args[2]));
  if (n === null || n <= 0 || n > args.length - 4) return [];
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(3 + i);
  return out;
}

const row = (r: Omit<CommandSpec, 'step'> & { step?: number }): CommandSpec => ({ step: 1, ...r });

export const blockingCommands: CommandSpec[] = [
  row({
    name: 'blpop', arity: -3, flags: ['write', 'noscript', 'blocking'], firstKey: 1, lastKey: -2,
    group: 'list', since: '2.0.0', summary: 'Pops the first element of the first non-empty list, or waits for one.',
    complexity: 'O(N) where N is the number of provided keys.', syntax: 'key [key ...] timeout', coord: keysThenTimeout('list'),
  }),
  row({
    name: 'brpop', arity: -3, flags: ['write', 'noscript', 'blocking'], firstKey: 1, lastKey: -2,
    group: 'list', since: '2.0.0', summary: 'Pops the last element of the first non-empty list, or waits for one.',
    complexity: 'O(N) where N is the number of provided keys.', syntax: 'key [key ...] timeout', coord: keysThenTimeout('list'),
  }),
  row({
    name: 'blmove', arity: 6, flags: ['write', 'denyoom', 'noscript', 'blocking'], firstKey: 1, lastKey: 2,
    group: 'list', since: '6.2.0', summary: 'Moves an element from one list to another, waiting for the source to have one.',
    complexity: 'O(1)', syntax: 'source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout', coord: blmove,
  }),
  row({
    name: 'brpoplpush', arity: 4, flags: ['write', 'denyoom', 'noscript', 'blocking'], firstKey: 1, lastKey: 2,
    group: 'list', since: '2.2.0', summary: 'Moves the last element of a list to the head of another, waiting for one (deprecated: use BLMOVE).',
    complexity: 'O(1)', syntax: 'source destination timeout', coord: brpoplpush,
  }),
  row({
    name: 'blmpop', arity: -5, flags: ['write', 'blocking'], firstKey: 0, lastKey: 0, step: 0,
    group: 'list', since: '7.0.0', summary: 'Pops elements from the first non-empty of several lists, or waits for one.',
    complexity: 'O(N+M) where N is the number of provided keys and M is the number of elements returned.',
    syntax: 'timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]', getKeys: mpopKeys, coord: mpop('list'),
  }),
  row({
    name: 'bzpopmin', arity: -3, flags: ['write', 'noscript', 'blocking', 'fast'], firstKey: 1, lastKey: -2,
    group: 'sorted-set', since: '5.0.0', summary: 'Pops the lowest-scored member of the first non-empty sorted set, or waits for one.',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.', syntax: 'key [key ...] timeout', coord: keysThenTimeout('zset'),
  }),
  row({
    name: 'bzpopmax', arity: -3, flags: ['write', 'noscript', 'blocking', 'fast'], firstKey: 1, lastKey: -2,
    group: 'sorted-set', since: '5.0.0', summary: 'Pops the highest-scored member of the first non-empty sorted set, or waits for one.',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.', syntax: 'key [key ...] timeout', coord: keysThenTimeout('zset'),
  }),
  row({
    name: 'bzmpop', arity: -5, flags: ['write', 'blocking'], firstKey: 0, lastKey: 0, step: 0,
    group: 'sorted-set', since: '7.0.0', summary: 'Pops the lowest- or highest-scored members of the first non-empty of several sorted sets, or waits.',
    complexity: 'O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.',
    syntax: 'timeout numkeys key [key ...] <MIN | MAX> [COUNT count]', getKeys: mpopKeys, coord: mpop('zset'),
  }),
];
