/**
 * The blocking commands as clients see them: BLPOP, BRPOP, BLMOVE,
 * BRPOPLPUSH, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP (coordinator rows), and the
 * BLOCK form of XREAD/XREADGROUP (shard rows whose `blocksIf` sends them here).
 *
 * Each body checks its arguments in Redis's order (which decides which error
 * wins), then hands a BlockRequest to the blocking coordinator
 * (src/coordination/blocking.ts), which answers at once when there is data
 * and waits otherwise.
 */
import type { CoordContext, CoordOp, Coords } from '../coordination/context';
import { ERR_SYNTAX, ReplyError } from '../core/errors';
import { parseMpop } from '../core/args/options';
import { parseXreadArgs } from '../core/args/xread';
import { blockingOf, type BlockRequest } from '../coordination/blocking';
import { parseSecondsTimeout } from '../core/args/timeout';

function run(ctx: CoordContext, args: readonly string[], req: Omit<BlockRequest, 'logged'>): Promise<Buffer> {
  const manager = blockingOf(ctx.server);
  // Inside EXEC the transaction logs its commands; a read (XREAD) logs nothing.
  const logged = ctx.inExec !== true && ctx.entry.spec.flags.includes('write') ? args.slice() : null;
  return ctx.inExec === true ? manager.tryOnce(ctx.conn, { ...req, logged }) : manager.block(ctx.conn, { ...req, logged });
}

/** LEFT/RIGHT (or MIN/MAX), case-insensitive, else a syntax error. */
function word(arg: string, a: string, z: string): string {
  const s = arg.toLowerCase();
  if (s !== a && s !== z) throw new ReplyError(ERR_SYNTAX);
  return s;
}

/** BLPOP/BRPOP/BZPOPMIN/BZPOPMAX key [key ...] timeout */
function keysThenTimeout(family: 'list' | 'zset'): CoordOp {
  return (ctx, args) => {
    const timeoutMs = parseSecondsTimeout(args[args.length - 1]);
    const keys = args.slice(1, -1);
    return run(ctx, args, { family, cmd: ctx.entry.spec.name, params: [], keys, ids: [], timeoutMs });
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

function moveRequest(ctx: CoordContext, args: string[], from: string, to: string, timeoutMs: number): Promise<Buffer> {
  const src = args[1];
  const dst = args[2];
  return run(ctx, args, { family: 'list', cmd: 'blmove', params: [dst, from, to], keys: [src], ids: [], timeoutMs, move: { dst, from, to } });
}

/** BLMPOP/BZMPOP timeout numkeys key [key ...] <LEFT | RIGHT | MIN | MAX> [COUNT count] */
function mpop(family: 'list' | 'zset'): CoordOp {
  const [a, z] = family === 'list' ? ['left', 'right'] : ['min', 'max'];
  // Redis parses numkeys, the direction and COUNT before the timeout.
  return (ctx, args) => {
    const { keys, where, count } = parseMpop(args, 2, a, z);
    const timeoutMs = parseSecondsTimeout(args[1]);
    return run(ctx, args, { family, cmd: ctx.entry.spec.name, params: [where, String(count)], keys, ids: [], timeoutMs });
  };
}

/** XREAD/XREADGROUP with BLOCK (shard rows of the streams family, whose `blocksIf` routes them here). */
const xreadBlocking: CoordOp = (ctx, args) => {
  const cmd = ctx.entry.spec.name;
  const p = parseXreadArgs([cmd, ...args.slice(1)]);
  const keys = args.slice(p.streamsArg, p.streamsArg + p.streamsCount);
  const ids = args.slice(p.streamsArg + p.streamsCount);
  const params = [p.count > 0 ? String(p.count) : '', p.groupName ?? '', p.consumerName, p.noack ? '1' : '0'];
  return run(ctx, args, { family: 'stream', cmd, params, keys, ids, timeoutMs: p.blockMs });
};

export const blockingCoords: Coords = {
  blpop: keysThenTimeout('list'),
  brpop: keysThenTimeout('list'),
  blmove,
  brpoplpush,
  blmpop: mpop('list'),
  bzpopmin: keysThenTimeout('zset'),
  bzpopmax: keysThenTimeout('zset'),
  bzmpop: mpop('zset'),
  xread: xreadBlocking,
  xreadgroup: xreadBlocking,
};
