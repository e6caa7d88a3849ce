/**
 * Generic keyspace commands (DEL, EXISTS, EXPIRE, TTL, RENAME, COPY, OBJECT,
 * MEMORY USAGE ...), shard-local parts. Multi-key commands whose keys span
 * shards are split (`sum`) or run by src/coordination/ (the scratch executor, COPY).
 *
 * Deadlines are handled as exact 64-bit values (bigint) because Redis accepts
 * any deadline that fits a long long and echoes it back exactly.
 */
import type { ShardOpContext, ShardOps } from '../op-context';
import type { ReplyWriter } from '../../src/core/wire/reply-writer';
import {
  ERR_DB_INDEX, ERR_NOT_INTEGER, ERR_NO_SUCH_KEY, ERR_SYNTAX, ReplyError, errInvalidExpire,
} from '../../src/core/errors';
import { isCanonicalInt64, isOpt, parseI64 } from '../../src/core/args/parse';
import { dbIndexArg, parseCopyOptions } from '../../src/core/args/options';
import { stringEncoding, typeName, type Value } from '../value';
import type { Db } from '../db';
import { NOTIFY } from '../../src/core/notify';
import { copiedForm, type StringForm } from '../../src/core/shard-protocol';
import { keyUsage } from '../structures/memory-usage';

export const ERR_SAME_OBJECT = 'ERR source and destination objects are the same';
const MAX_I64 = 2n ** 63n - 1n;
const MIN_I64 = -(2n ** 63n);

/** DEL, and UNLINK (variant lazy): a lazy deletion frees big values in the background in Redis (workers/lazyfree.ts). */
function opDel(ctx: ShardOpContext, args: string[], w: ReplyWriter, variant?: { lazy: boolean }): void {
  const lazy = variant?.lazy === true || ctx.shard.settings.lazyfree.userDel;
  let n = 0;
  for (let i = 1; i < args.length; i++) {
    if (lazy) {
      const v = ctx.db.peek(args[i], ctx.now);
      if (v !== undefined) ctx.shard.lazyFree(v);
    }
    if (ctx.db.has(args[i], ctx.now) && ctx.db.delete(args[i])) {
      n++;
      ctx.notify(NOTIFY.generic, 'del', args[i]);
    }
  }
  w.integer(n);
}

function opExists(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  let n = 0;
  for (let i = 1; i < args.length; i++) if (ctx.db.has(args[i], ctx.now)) n++;
  w.integer(n);
}

/** TOUCH: like EXISTS, but a hit counts as an access (OBJECT IDLETIME restarts). */
function opTouch(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  let n = 0;
  for (let i = 1; i < args.length; i++) if (ctx.db.get(args[i], ctx.now) !== undefined) n++;
  w.integer(n);
}

function opType(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const v = ctx.db.peek(args[1], ctx.now);
  w.simple(v === undefined ? 'none' : typeName(v));
}

/** Stores a value with its TTL at `dst`, replacing whatever was there, held as `form` says (a string's StringForm). */
function putWithTtl(dstDb: Db, dst: string, val: Value, at: bigint | undefined, form: StringForm | null): void {
  dstDb.deleteReplaced(dst);
  dstDb.set(dst, val);
  if (at !== undefined) dstDb.setExpireExact(dst, at);
  dstDb.setStringForm(dst, form);
}

function renameGeneric(ctx: ShardOpContext, args: string[], w: ReplyWriter, nx: boolean): void {
  const db = ctx.db;
  const src = args[1];
  const dst = args[2];
  const val = db.get(src, ctx.now);
  if (val === undefined) throw new ReplyError(ERR_NO_SUCH_KEY);
  if (src === dst) {
    if (nx) w.integer(0);
    else w.ok();
    return;
  }
  if (nx && db.has(dst, ctx.now)) {
    w.integer(0);
    return;
  }
  const at = db.getExpireExact(src);
  // Redis moves the object itself: a raw or private string stays so.
  const form = db.stringForm(src);
  db.delete(src);
  putWithTtl(db, dst, val, at, form);
  // Redis counts a rename as one change.
  ctx.notify(NOTIFY.generic, 'rename_from', src, 0);
  ctx.notify(NOTIFY.generic, 'rename_to', dst);
  if (nx) w.integer(1);
  else w.ok();
}

function opRename(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  renameGeneric(ctx, args, w, false);
}

function opRenamenx(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  renameGeneric(ctx, args, w, true);
}

/** Deep copy of a value: strings are immutable, typed values clone themselves. */
export function cloneValue(v: Value): Value {
  return typeof v === 'string' ? v : v.clone();
}

function opCopy(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const opts = parseCopyOptions(args, ctx.shard.settings.databases);
  const dstIndex = opts.db < 0 ? ctx.dbIndex : opts.db;
  // A cluster serves db 0 only.
  if (ctx.shard.settings.clusterEnabled && dstIndex !== ctx.dbIndex) throw new ReplyError('ERR Copying to another database is not allowed in cluster mode');
  const src = args[1];
  const dst = args[2];
  if (dstIndex === ctx.dbIndex && src === dst) throw new ReplyError(ERR_SAME_OBJECT);
  const val = ctx.db.get(src, ctx.now);
  if (val === undefined) {
    w.integer(0);
    return;
  }
  const dstDb = ctx.shard.db(dstIndex);
  if (dstDb.has(dst, ctx.now) && !opts.replace) {
    w.integer(0);
    return;
  }
  // Redis duplicates the object as it is held, so even a small integer stops being the shared one.
  const form = typeof val === 'string' ? copiedForm(ctx.db.stringForm(src), isCanonicalInt64(val)) : null;
  putWithTtl(dstDb, dst, cloneValue(val), ctx.db.getExpireExact(src), form);
  // The command's own signals are for its db: another db's key is signalled here (a client blocked there is served).
  if (dstIndex !== ctx.dbIndex && ctx.shard.signals.size !== 0) ctx.shard.signals.signal(dstIndex, dst, ctx.connId);
  ctx.shard.stats.dirty++;
  ctx.shard.notify(NOTIFY.generic, 'copy_to', dst, dstIndex);
  w.integer(1);
}

/** MOVE key db: the key keeps its slot, so the other db lives in this same shard. */
function opMove(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  if (ctx.shard.settings.clusterEnabled) throw new ReplyError('ERR MOVE is not allowed in cluster mode');
  const dstIndex = dbIndexArg(args[2], ctx.shard.settings.databases);
  if (dstIndex === ctx.dbIndex) throw new ReplyError(ERR_SAME_OBJECT);
  const key = args[1];
  const val = ctx.db.get(key, ctx.now);
  if (val === undefined) {
    w.integer(0);
    return;
  }
  const dstDb = ctx.shard.db(dstIndex);
  if (dstDb.has(key, ctx.now)) {
    w.integer(0);
    return;
  }
  const at = ctx.db.getExpireExact(key);
  const form = ctx.db.stringForm(key);
  ctx.db.delete(key);
  putWithTtl(dstDb, key, val, at, form);
  // The command's own signals are for its db: the key's arrival in the other db is signalled here (WATCH, blocked clients there).
  if (ctx.shard.signals.size !== 0) ctx.shard.signals.signal(dstIndex, key, ctx.connId);
  ctx.shard.notify(NOTIFY.generic, 'move_from', key, ctx.dbIndex);
  ctx.shard.notify(NOTIFY.generic, 'move_to', key, dstIndex);
  w.integer(1);
}

const NX = 1;
const XX = 2;
const GT = 4;
const LT = 8;

/**
 * EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (the rows' variant says which: a time
 * relative to now or absolute, in seconds or milliseconds). Checked in
 * Redis's order: options, then the number, then overflow, then the key, then
 * the conditions.
 */
function opExpire(ctx: ShardOpContext, args: string[], w: ReplyWriter, { relative, seconds }: { relative: boolean; seconds: boolean }): void {
  let flags = 0;
  for (let j = 3; j < args.length; j++) {
    const a = args[j];
    if (isOpt(a, 'nx')) flags |= NX;
    else if (isOpt(a, 'xx')) flags |= XX;
    else if (isOpt(a, 'gt')) flags |= GT;
    else if (isOpt(a, 'lt')) flags |= LT;
    else throw new ReplyError(`ERR Unsupported option ${a}`);
  }
  if (flags & NX && flags & (XX | GT | LT)) throw new ReplyError('ERR NX and XX, GT or LT options at the same time are not compatible');
  if (flags & GT && flags & LT) throw new ReplyError('ERR GT and LT options at the same time are not compatible');
  let when = parseI64(args[2]);
  if (when === null) throw new ReplyError(ERR_NOT_INTEGER);
  if (seconds) {
    // C's LLONG_MAX / 1000 truncates toward zero.
    if (when > MAX_I64 / 1000n || when < MIN_I64 / 1000n) throw new ReplyError(errInvalidExpire(args[0]));
    when *= 1000n;
  }
  const base = relative ? BigInt(ctx.now) : 0n;
  if (when > MAX_I64 - base) throw new ReplyError(errInvalidExpire(args[0]));
  when += base;
  const db = ctx.db;
  const key = args[1];
  if (db.get(key, ctx.now) === undefined) {
    w.integer(0);
    return;
  }
  if (flags !== 0) {
    const cur = db.getExpireExact(key);
    if ((flags & NX && cur !== undefined) || (flags & XX && cur === undefined)) {
      w.integer(0);
      return;
    }
    // No TTL counts as an infinite one: never less, always greater.
    if (flags & GT && (cur === undefined || when <= cur)) {
      w.integer(0);
      return;
    }
    if (flags & LT && cur !== undefined && when >= cur) {
      w.integer(0);
      return;
    }
  }
  if (when <= BigInt(ctx.now)) {
    // A deadline already passed deletes now; Redis does not count it as an expired key.
    db.delete(key);
    ctx.notify(NOTIFY.generic, 'del', key);
  } else {
    db.setExpireExact(key, when);
    ctx.notify(NOTIFY.generic, 'expire', key);
  }
  w.integer(1);
}

/** TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 no key, -1 no TTL; seconds are rounded to nearest. */
function opTtl(ctx: ShardOpContext, args: string[], w: ReplyWriter, { ms, absolute }: { ms: boolean; absolute: boolean }): void {
  const key = args[1];
  if (ctx.db.peek(key, ctx.now) === undefined) {
    w.integer(-2);
    return;
  }
  const at = ctx.db.getExpireExact(key);
  if (at === undefined) {
    w.integer(-1);
    return;
  }
  let t = absolute ? at : at - BigInt(ctx.now);
  if (t < 0n) t = 0n;
  w.integer(ms ? t : (t + 500n) / 1000n);
}

function opPersist(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  if (ctx.db.get(args[1], ctx.now) === undefined) {
    w.integer(0);
    return;
  }
  const removed = ctx.db.persist(args[1]);
  if (removed) ctx.notify(NOTIFY.generic, 'persist', args[1]);
  w.integer(removed ? 1 : 0);
}

// ---- OBJECT ----

const LFU_NOT_SELECTED =
  'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';
const LFU_SELECTED =
  'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';

function isLfu(policy: string): boolean {
  return policy.endsWith('-lfu');
}

/** Redis keeps one object for each of the integers 0..9999 and reports it as never freed. */
function isSharedInteger(s: string): boolean {
  if (s.length > 4 || stringEncoding(s) !== 'int') return false;
  const n = Number(s);
  return n >= 0 && n < 10000;
}

/** OBJECT ENCODING of a string: its contents decide unless Redis holds it another way (StringForm). */
function heldEncoding(s: string, form: StringForm | null): string {
  if (form === 'raw') return 'raw';
  if (form === 'text') return s.length <= 44 ? 'embstr' : 'raw';
  return stringEncoding(s);
}

function opObjectEncoding(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const v = ctx.db.peek(args[2], ctx.now);
  if (v === undefined) w.nullBulk();
  else w.bulk(typeof v === 'string' ? heldEncoding(v, ctx.db.stringForm(args[2])) : v.encoding());
}

function opObjectRefcount(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const v = ctx.db.peek(args[2], ctx.now);
  if (v === undefined) w.nullBulk();
  else w.integer(typeof v === 'string' && ctx.db.stringForm(args[2]) === null && isSharedInteger(v) ? 2147483647 : 1);
}

function opObjectIdletime(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  if (ctx.db.peek(args[2], ctx.now) === undefined) {
    w.nullBulk();
    return;
  }
  if (isLfu(ctx.shard.settings.maxmemoryPolicy)) throw new ReplyError(LFU_SELECTED);
  w.integer(ctx.db.idleSeconds(args[2]) ?? 0);
}

/** The key's LFU counter, decayed by lfu-decay-time as Redis reports it (workers/db.ts keeps it under LFU policies). */
function opObjectFreq(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  if (ctx.db.peek(args[2], ctx.now) === undefined) {
    w.nullBulk();
    return;
  }
  if (!isLfu(ctx.shard.settings.maxmemoryPolicy)) throw new ReplyError(LFU_NOT_SELECTED);
  w.integer(ctx.db.lfuCounter(args[2]) ?? 0);
}

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the internal representation used to store the value at <key>.',
  'FREQ <key>',
  '    Return the logarithmic access frequency counter of <key> (LFU policies only).',
  'IDLETIME <key>',
  '    Return the number of seconds since <key> was last accessed (not with LFU policies).',
  'REFCOUNT <key>',
  '    Return the number of references to the value at <key>.',
  'HELP',
  '    Print this help.',
];

function opObjectHelp(_ctx: ShardOpContext, _args: string[], w: ReplyWriter): void {
  w.lines(OBJECT_HELP);
}

// ---- MEMORY ----

function opMemoryUsage(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  let samples = 5;
  for (let j = 3; j < args.length; j++) {
    if (isOpt(args[j], 'samples') && j + 1 < args.length) {
      const n = parseI64(args[++j]);
      if (n === null) throw new ReplyError(ERR_NOT_INTEGER);
      if (n < 0n) throw new ReplyError(ERR_SYNTAX);
      samples = n === 0n ? Number.MAX_SAFE_INTEGER : n > 1000000000n ? 1000000000 : Number(n);
    } else {
      throw new ReplyError(ERR_SYNTAX);
    }
  }
  const key = args[2];
  const v = ctx.db.peek(key, ctx.now);
  if (v === undefined) {
    w.nullBulk();
    return;
  }
  w.integer(keyUsage(key, v, samples));
}

const MEMORY_HELP = [
  'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Report memory problems.',
  'MALLOC-STATS',
  '    Report allocator statistics.',
  'PURGE',
  '    Ask the allocator to release unused memory.',
  'STATS',
  '    Report the server\'s memory usage.',
  'USAGE <key> [SAMPLES <count>]',
  '    Estimate the bytes used by <key> and its value; nested values are sampled',
  '    <count> times (default 5, 0 samples every element).',
  'HELP',
  '    Print this help.',
];

function opMemoryHelp(_ctx: ShardOpContext, _args: string[], w: ReplyWriter): void {
  w.lines(MEMORY_HELP);
}

export const keyOps: ShardOps = {
  del: opDel,
  exists: opExists,
  touch: opTouch,
  type: opType,
  rename: opRename,
  renamenx: opRenamenx,
  copy: opCopy,
  move: opMove,
  expire: opExpire,
  ttl: opTtl,
  persist: opPersist,
  'object|encoding': opObjectEncoding,
  'object|freq': opObjectFreq,
  'object|help': opObjectHelp,
  'object|idletime': opObjectIdletime,
  'object|refcount': opObjectRefcount,
  'memory|help': opMemoryHelp,
  'memory|usage': opMemoryUsage,
};
