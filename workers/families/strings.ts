/**
 * String commands. Each `op*` function runs inside the shard that owns the key.
 */
import type { CommandSpec, ShardOpContext } from '../../src/commands/spec';
import type { ReplyWriter } from '../../src/resp/reply-writer';
import { ERR_NOT_INTEGER, ERR_OVERFLOW, ERR_SYNTAX, ReplyError, WRONGTYPE, errInvalidExpire } from '../../src/resp/errors';
import { isOpt, parseI64, parseSafeInt } from '../args';
import type { Value } from '../value';

/** Reads a key that must hold a string (or nothing). */
export function getString(ctx: ShardOpContext, key: string): string | undefined {
  const v: Value | undefined = ctx.db.get(key, ctx.now);
  if (v === undefined || typeof v === 'string') return v;
  throw new ReplyError(WRONGTYPE);
}

function opGet(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  w.bulkOrNull(getString(ctx, args[1]));
}

/** SET key value [NX | XX] [GET] [EX s | PX ms | EXAT s | PXAT ms | KEEPTTL] */
function opSet(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const key = args[1];
  const value = args[2];
  let nx = false;
  let xx = false;
  let get = false;
  let keepTtl = false;
  let expireAt: number | undefined;
  let expireSeen = false;
  for (let i = 3; i < args.length; i++) {
    const a = args[i].toLowerCase();
    if (a === 'nx' && !xx) nx = true;
    else if (a === 'xx' && !nx) xx = true;
    else if (a === 'get') get = true;
    else if (a === 'keepttl' && !expireSeen) keepTtl = true;
    else if ((a === 'ex' || a === 'px' || a === 'exat' || a === 'pxat') && !keepTtl && !expireSeen && i + 1 < args.length) {
      const n = parseSafeInt(args[++i]);
      if (n === null) throw new ReplyError(ERR_NOT_INTEGER);
      if (n <= 0) throw new ReplyError(errInvalidExpire('set'));
      const ms = a === 'ex' || a === 'exat' ? n * 1000 : n;
      if (!Number.isSafeInteger(ms)) throw new ReplyError(errInvalidExpire('set'));
      expireAt = a === 'ex' || a === 'px' ? ctx.now + ms : ms;
      expireSeen = true;
    } else throw new ReplyError(ERR_SYNTAX);
  }
  const db = ctx.db;
  let old: string | undefined;
  if (get) {
    old = getString(ctx, key);
  }
  const exists = get ? old !== undefined : db.has(key, ctx.now);
  if ((nx && exists) || (xx && !exists)) {
    if (get) w.bulkOrNull(old);
    else w.nullBulk();
    return;
  }
  db.set(key, value);
  if (expireAt !== undefined) db.setExpire(key, expireAt);
  else if (!keepTtl) db.persist(key);
  if (get) w.bulkOrNull(old);
  else w.ok();
}

function opMget(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  w.array(args.length - 1);
  for (let i = 1; i < args.length; i++) {
    const v = ctx.db.get(args[i], ctx.now);
    if (typeof v === 'string') w.bulk(v);
    else w.nullBulk();
  }
}

function opMset(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  for (let i = 1; i + 1 < args.length; i += 2) {
    ctx.db.set(args[i], args[i + 1]);
    ctx.db.persist(args[i]);
  }
  w.ok();
}

const MIN_I64 = -(2n ** 63n);
const MAX_I64 = 2n ** 63n - 1n;

function incrBy(ctx: ShardOpContext, key: string, by: bigint, w: ReplyWriter): void {
  const cur = getString(ctx, key);
  let n = 0n;
  if (cur !== undefined) {
    const parsed = parseI64(cur);
    if (parsed === null) throw new ReplyError(ERR_NOT_INTEGER);
    n = parsed;
  }
  const next = n + by;
  if (next < MIN_I64 || next > MAX_I64) throw new ReplyError(ERR_OVERFLOW);
  const s = next.toString();
  if (cur === undefined) ctx.db.set(key, s);
  else ctx.db.replace(key, s);
  w.integer(s);
}

function opIncr(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  incrBy(ctx, args[1], 1n, w);
}

export const stringCommands: CommandSpec[] = [
  {
    name: 'get', arity: 2, flags: ['readonly', 'fast'], firstKey: 1, lastKey: 1, step: 1,
    group: 'string', since: '1.0.0', summary: 'Returns the string value of a key.', complexity: 'O(1)',
    syntax: 'key', op: opGet,
  },
  {
    name: 'set', arity: -3, flags: ['write', 'denyoom'], firstKey: 1, lastKey: 1, step: 1,
    group: 'string', since: '1.0.0', summary: 'Sets the string value of a key, ignoring its type. The key is created if it doesn\'t exist.',
    complexity: 'O(1)',
    syntax: 'key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]',
    op: opSet,
  },
  {
    name: 'mget', arity: -2, flags: ['readonly', 'fast'], firstKey: 1, lastKey: -1, step: 1,
    group: 'string', since: '1.0.0', summary: 'Atomically returns the string values of one or more keys.',
    complexity: 'O(N) where N is the number of keys to retrieve.', syntax: 'key [key ...]', op: opMget, split: 'gather',
  },
  {
    name: 'mset', arity: -3, flags: ['write', 'denyoom'], firstKey: 1, lastKey: -1, step: 2,
    group: 'string', since: '1.0.1', summary: 'Atomically creates or modifies the string values of one or more keys.',
    complexity: 'O(N) where N is the number of keys to set.', syntax: 'key value [key value ...]', op: opMset, split: 'all-ok',
  },
  {
    name: 'incr', arity: 2, flags: ['write', 'denyoom', 'fast'], firstKey: 1, lastKey: 1, step: 1,
    group: 'string', since: '1.0.0', summary: 'Increments the integer value of a key by one. Uses 0 as initial value if the key doesn\'t exist.',
    complexity: 'O(1)', syntax: 'key', op: opIncr,
  },
];
