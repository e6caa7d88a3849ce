/**
 * The streams family (shard-local rows): XADD, XRANGE, XREAD, consumer
 * groups (XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM), XINFO.
 *
 * Replies and error texts follow Redis 7.0, including the order in which
 * Redis checks arguments (syntax before key lookups, etc.).
 *
 * Blocking: a request with BLOCK runs through src/coordination/blocking.ts (the rows'
 * `blocksIf`), which uses planXread/serveXread on the shards owning its keys;
 * without BLOCK the op answers at once.
 */
import { notifyUnsignalled, type ShardOpContext, type ShardOps } from '../op-context';
import type { ReplyWriter } from '../../src/core/wire/reply-writer';
import { ERR_NOT_INTEGER, ERR_NO_SUCH_KEY, ERR_SYNTAX, ReplyError, ERR_TIMEOUT_NEGATIVE } from '../../src/core/errors';
import { cString, intArg, parseI64 } from '../../src/core/args/parse';
import { parseXreadArgs, type XreadArgs } from '../../src/core/args/xread';
import { getTyped } from './typed';
import { NOTIFY } from '../../src/core/notify';
import {
  ConsumerGroup,
  INVALID_ENTRIES_READ,
  type Consumer,
  StreamValue,
  bumpCount,
  type Nack,
  type TrimArgs,
} from '../structures/stream';
import { lowerBound } from '../structures/stream-node';
import { ID_MAX, formatId, nextId, parseId, parseIntervalId, prevId, type ParsedId } from '../structures/stream-id';

const ERR_INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';
const ERR_XADD_TOP = 'ERR The ID specified in XADD is equal or smaller than the target stream top item';
const ERR_XADD_ZERO = 'ERR The ID specified in XADD must be greater than 0-0';
/** `<ms>-*` when the top item's ms already used the last sequence (Redis's streamAppendItem fails with ERANGE). */
const ERR_XADD_SEQ_EXHAUSTED = 'ERR Elements are too large to be stored';
const ERR_EXHAUSTED = 'ERR The stream has exhausted the last possible ID, unable to add more items';
const ERR_BAD_START = 'ERR invalid start ID for the interval';
const ERR_BAD_END = 'ERR invalid end ID for the interval';
const ERR_MAXLEN_MINID = 'ERR syntax error, MAXLEN and MINID options at the same time are not compatible';
const ERR_LIMIT_NO_TRIM = 'ERR syntax error, LIMIT cannot be used without specifying a trimming strategy';
const ERR_XTRIM_NO_TRIM = 'ERR syntax error, XTRIM must be called with a trimming strategy';
const ERR_LIMIT_NO_APPROX = 'ERR syntax error, LIMIT cannot be used without the special ~ option';
const ERR_MAXLEN_NEG = 'ERR The MAXLEN argument must be >= 0.';
const ERR_LIMIT_NEG = 'ERR The LIMIT argument must be >= 0.';
const ERR_GROUP_NEEDS_KEY =
  'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.';
const ERR_BUSYGROUP = 'BUSYGROUP Consumer Group name already exists';
const ERR_ENTRIESREAD = 'ERR value for ENTRIESREAD must be positive or -1';
const ERR_DOLLAR_GROUP =
  'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.';
const ERR_GT_NO_GROUP = 'ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.';
const ERR_COUNT_POSITIVE = 'ERR COUNT must be > 0';
const ERR_ENTRIES_ADDED_NEG = 'ERR entries_added must be positive';
const ERR_SETID_MAXDEL_ARG = 'ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id';
const ERR_SETID_TOP = 'ERR The ID specified in XSETID is smaller than the target stream top item';
const ERR_SETID_LENGTH = 'ERR The entries_added specified in XSETID is smaller than the target stream length';

const MAX_I64 = 2n ** 63n - 1n;
/** Without LIMIT, `~` trimming does at most 100 * stream-node-max-entries work. */
const DEFAULT_APPROX_LIMIT = 100 * 100;
/** XAUTOCLAIM scans at most COUNT * 10 PEL entries. */
const AUTOCLAIM_ATTEMPTS_FACTOR = 10;
const AUTOCLAIM_MAX_COUNT = Number(MAX_I64 / 16n);

// Redis formats names into these with %s: a NUL ends them.
function errNoGroup(key: string, group: string): string {
  return `NOGROUP No such key '${cString(key)}' or consumer group '${cString(group)}'`;
}

function errNoGroupForKey(group: string, key: string): string {
  return `NOGROUP No such consumer group '${cString(group)}' for key name '${cString(key)}'`;
}

/** Redis's addReplySubcommandSyntaxError: the subcommand as the client typed it (args[1]). */
function errSubcommandSyntax(container: string, sub: string): string {
  return `ERR unknown subcommand or wrong number of arguments for '${sub}'. Try ${container.toUpperCase()} HELP.`;
}

/** An option word compared as Redis's strcasecmp on C strings does. */
function opt(arg: string, word: string): boolean {
  const s = cString(arg);
  return s.length === word.length && s.toLowerCase() === word;
}

function getStream(ctx: ShardOpContext, key: string): StreamValue | undefined {
  return getTyped<StreamValue>(ctx, key, 'stream');
}

function llArg(s: string, error = ERR_NOT_INTEGER): bigint {
  const n = parseI64(s);
  if (n === null) throw new ReplyError(error);
  return n;
}

/** A long long argument that callers only compare or use as a count (clamped into the safe range). */
function countArg(s: string, error = ERR_NOT_INTEGER): number {
  const n = llArg(s, error);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  if (n < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
  return Number(n);
}

function strictId(arg: string, missingSeq = 0n): bigint {
  const p = parseId(arg, missingSeq, true);
  if (p === null) throw new ReplyError(ERR_INVALID_ID);
  return p.id;
}

function writeEntry(w: ReplyWriter, id: bigint, fields: readonly string[]): void {
  w.array(2);
  w.bulk(formatId(id));
  w.array(fields.length);
  for (const f of fields) w.bulk(f);
}

/** The entry as [id, fields] or nil when it is gone (XCLAIM, XINFO first/last entry). */
function writeEntryOrNull(w: ReplyWriter, s: StreamValue, id: bigint): void {
  const f = s.get(id);
  if (f === null) w.nullBulk();
  else writeEntry(w, id, f);
}

// ---------------------------------------------------------------------------
// XADD / XTRIM

interface AddTrimArgs {
  /** Index of the ID argument (XADD), or args.length. */
  idIndex: number;
  trim: TrimArgs | null;
  noMkstream: boolean;
  id: ParsedId | null;
}

/** streamParseAddOrTrimArgsOrReply: options, then (XADD) the ID. */
function parseAddOrTrim(args: string[], xadd: boolean): AddTrimArgs {
  let strategy: 'maxlen' | 'minid' | null = null;
  let approx = false;
  let maxlen = 0;
  let minid = 0n;
  let limit = 0;
  let limitGiven = false;
  let noMkstream = false;
  let id: ParsedId | null = null;
  let i = 2;
  for (; i < args.length; i++) {
    const more = args.length - 1 - i;
    const a = args[i];
    if (xadd && cString(a) === '*') break;
    if (opt(a, 'maxlen') && more > 0) {
      if (strategy !== null) throw new ReplyError(ERR_MAXLEN_MINID);
      approx = false;
      const next = cString(args[i + 1]);
      if (more >= 2 && next === '~') {
        approx = true;
        i++;
      } else if (more >= 2 && next === '=') i++;
      const n = llArg(args[i + 1]);
      if (n < 0n) throw new ReplyError(ERR_MAXLEN_NEG);
      maxlen = n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
      i++;
      strategy = 'maxlen';
    } else if (opt(a, 'minid') && more > 0) {
      if (strategy !== null) throw new ReplyError(ERR_MAXLEN_MINID);
      approx = false;
      const next = cString(args[i + 1]);
      if (more >= 2 && next === '~') {
        approx = true;
        i++;
      } else if (more >= 2 && next === '=') i++;
      minid = strictId(args[i + 1]);
      i++;
      strategy = 'minid';
    } else if (opt(a, 'limit') && more > 0) {
      const n = llArg(args[i + 1]);
      if (n < 0n) throw new ReplyError(ERR_LIMIT_NEG);
      limit = n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
      limitGiven = true;
      i++;
    } else if (xadd && opt(a, 'nomkstream')) {
      noMkstream = true;
    } else if (xadd) {
      id = parseId(a, 0n, true, true);
      if (id === null) throw new ReplyError(ERR_INVALID_ID);
      break;
    } else {
      throw new ReplyError(ERR_SYNTAX);
    }
  }
  if (limit && strategy === null) throw new ReplyError(ERR_LIMIT_NO_TRIM);
  if (!xadd && strategy === null) throw new ReplyError(ERR_XTRIM_NO_TRIM);
  if (limitGiven) {
    if (!approx) throw new ReplyError(ERR_LIMIT_NO_APPROX);
  } else {
    limit = approx ? DEFAULT_APPROX_LIMIT : 0;
  }
  const trim: TrimArgs | null = strategy === null ? null : { strategy, maxlen, minid, approx, limit };
  return { idIndex: i, trim, noMkstream, id };
}

/**
 * Adds one entry (streamAppendItem's ID rules). Every path that adds stream
 * entries goes through here, so a wake-up hook for blocked readers belongs here.
 * Returns the new ID or throws the XADD error.
 */
function appendEntry(ctx: ShardOpContext, s: StreamValue, given: ParsedId | null, fv: string[]): bigint {
  let id: bigint;
  if (given !== null) {
    if (given.seqGiven) id = given.id;
    else if (given.id >> 64n === s.lastId >> 64n) {
      // <ms>-* with the same ms as the top item: the next sequence, if there is one.
      if ((s.lastId & ((1n << 64n) - 1n)) === (1n << 64n) - 1n) throw new ReplyError(ERR_XADD_SEQ_EXHAUSTED);
      id = s.lastId + 1n;
    } else id = given.id;
  } else {
    const now = BigInt(ctx.now) << 64n;
    id = now > s.lastId ? now : (nextId(s.lastId) ?? 0n);
  }
  if (id <= s.lastId) throw new ReplyError(ERR_XADD_TOP);
  s.append(id, fv);
  return id;
}

/** XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...] */
function opXadd(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const p = parseAddOrTrim(args, true);
  const n = args.length - p.idIndex;
  if (n < 3 || (n - 1) % 2 === 1) throw new ReplyError("ERR wrong number of arguments for 'xadd' command");
  if (p.id !== null && p.id.seqGiven && p.id.id === 0n) throw new ReplyError(ERR_XADD_ZERO);
  const key = args[1];
  let s = getStream(ctx, key);
  if (s === undefined) {
    if (p.noMkstream) return w.nullBulk();
    s = new StreamValue();
    ctx.db.set(key, s);
  }
  if (s.lastId === ID_MAX) throw new ReplyError(ERR_EXHAUSTED);
  const id = appendEntry(ctx, s, p.id, args.slice(p.idIndex + 1));
  w.bulk(formatId(id));
  ctx.notify(NOTIFY.stream, 'xadd', key);
  // XADD counts one change for Redis's dirty counter, whatever its trimming removed.
  if (p.trim !== null && s.trim(p.trim) > 0) ctx.notify(NOTIFY.stream, 'xtrim', key, 0);
}

/** XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count] */
function opXtrim(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const p = parseAddOrTrim(args, false);
  const s = getStream(ctx, args[1]);
  if (s === undefined) return w.integer(0);
  const n = s.trim(p.trim as TrimArgs);
  // Redis's dirty counter counts each entry removed.
  if (n > 0) ctx.notify(NOTIFY.stream, 'xtrim', args[1], n);
  w.integer(n);
}

function opXlen(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const s = getStream(ctx, args[1]);
  w.integer(s === undefined ? 0 : s.length);
}

/** XDEL key id [id ...] */
function opXdel(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const s = getStream(ctx, args[1]);
  if (s === undefined) return w.integer(0);
  // Every ID is checked before anything is deleted.
  const ids: bigint[] = [];
  for (let i = 2; i < args.length; i++) ids.push(strictId(args[i]));
  let deleted = 0;
  let first = false;
  for (const id of ids) {
    if (!s.deleteEntry(id)) continue;
    if (id === s.firstId) first = true;
    if (id > s.maxDeletedId) s.maxDeletedId = id;
    deleted++;
  }
  if (deleted > 0 && (s.length === 0 || first)) s.refreshFirstId();
  if (deleted > 0) ctx.notify(NOTIFY.stream, 'xdel', args[1], deleted);
  w.integer(deleted);
}

// ---------------------------------------------------------------------------
// XRANGE / XREVRANGE

function parseRangeStart(arg: string): bigint {
  const p = parseIntervalId(arg, 0n);
  if (p === null) throw new ReplyError(ERR_INVALID_ID);
  if (!p.exclusive) return p.id;
  const n = nextId(p.id);
  if (n === null) throw new ReplyError(ERR_BAD_START);
  return n;
}

function parseRangeEnd(arg: string): bigint {
  const p = parseIntervalId(arg, (1n << 64n) - 1n);
  if (p === null) throw new ReplyError(ERR_INVALID_ID);
  if (!p.exclusive) return p.id;
  const n = prevId(p.id);
  if (n === null) throw new ReplyError(ERR_BAD_END);
  return n;
}

/** XRANGE key start end [COUNT n] / XREVRANGE key end start [COUNT n] */
function opXrange(ctx: ShardOpContext, args: string[], w: ReplyWriter, { rev }: { rev: boolean }): void {
  const start = parseRangeStart(rev ? args[3] : args[2]);
  const end = parseRangeEnd(rev ? args[2] : args[3]);
  let count = -1;
  for (let j = 4; j < args.length; j++) {
    if (opt(args[j], 'count') && j + 1 < args.length) {
      count = countArg(args[++j]);
      if (count < 0) count = 0;
    } else throw new ReplyError(ERR_SYNTAX);
  }
  const s = getStream(ctx, args[1]);
  if (s === undefined) return w.array(0);
  if (count === 0) return w.nullArray();
  replyRange(w, s, start, end, count === -1 ? 0 : count, rev);
}

function replyRange(w: ReplyWriter, s: StreamValue, start: bigint, end: bigint, count: number, rev: boolean): void {
  const out: [bigint, string[]][] = [];
  s.range(start, end, rev, count, (id, f) => out.push([id, f]));
  w.array(out.length);
  for (const [id, f] of out) writeEntry(w, id, f);
}

// ---------------------------------------------------------------------------
// XREAD / XREADGROUP


/** What an XREAD/XREADGROUP request resolved to: every key's stream, group and start ID. */
export interface XreadPlan {
  p: XreadArgs;
  streams: (StreamValue | undefined)[];
  groups: ConsumerGroup[];
  /** The ID after which each stream is read (`$` resolved, ">" as the largest ID). */
  gts: bigint[];
}

/** Resolves every key, group and ID before anything is served (errors in key order, as Redis). */
export function planXread(ctx: ShardOpContext, args: string[]): XreadPlan {
  const p = parseXreadArgs(args);
  const { streamsArg, streamsCount, groupName, isGroup } = p;
  const streams: (StreamValue | undefined)[] = new Array(streamsCount);
  const groups: ConsumerGroup[] = new Array(streamsCount);
  const gts: bigint[] = new Array(streamsCount);
  for (let k = 0; k < streamsCount; k++) {
    const key = args[streamsArg + k];
    const idArg = args[streamsArg + streamsCount + k];
    const s = getStream(ctx, key);
    streams[k] = s;
    if (groupName !== null) {
      const g = s?.groups.get(groupName);
      if (g === undefined) {
        throw new ReplyError(`${errNoGroup(key, groupName)} in XREADGROUP with GROUP option`);
      }
      groups[k] = g;
    }
    const c = cString(idArg);
    if (c === '$') {
      if (isGroup) throw new ReplyError(ERR_DOLLAR_GROUP);
      gts[k] = s === undefined ? 0n : s.lastId;
    } else if (c === '>') {
      if (!isGroup) throw new ReplyError(ERR_GT_NO_GROUP);
      // The largest ID stands for ">", as in Redis.
      gts[k] = ID_MAX;
    } else {
      gts[k] = strictId(idArg);
    }
  }
  return { p, streams, groups, gts };
}

/**
 * Serves what a plan can serve now and returns the indexes of the served
 * streams, or null (nothing written) when there is nothing to serve yet.
 * With `bounds`, the offsets in `w` where each served stream's part of the
 * reply starts go there, then where the last one ends (a blocked read over
 * several shards merges the parts, workers/rpc/blocking.ts).
 */
export function serveXread(ctx: ShardOpContext, args: string[], plan: XreadPlan, w: ReplyWriter, bounds?: number[]): number[] | null {
  const { streams, groups, gts } = plan;
  const { streamsArg, streamsCount, groupName, consumerName, count, noack } = plan.p;
  const served: number[] = [];
  const history: boolean[] = new Array(streamsCount).fill(false);
  for (let k = 0; k < streamsCount; k++) {
    const s = streams[k];
    if (s === undefined) continue;
    if (groupName !== null) {
      if (gts[k] !== ID_MAX) {
        served.push(k);
        history[k] = true;
      } else if (s.length > 0 && s.lastValidId() > groups[k].lastId) {
        served.push(k);
        gts[k] = groups[k].lastId;
      }
    } else if (s.length > 0 && s.lastValidId() > gts[k]) {
      served.push(k);
    }
  }
  if (served.length === 0) return null;

  if (w.proto === 3) w.map(served.length);
  else w.array(served.length);
  for (const k of served) {
    const s = streams[k] as StreamValue;
    bounds?.push(w.len);
    if (w.proto !== 3) w.array(2);
    w.bulk(args[streamsArg + k]);
    const start = nextId(gts[k]) ?? 0n;
    if (groupName === null) {
      replyRange(w, s, start, ID_MAX, count, false);
      continue;
    }
    const g = groups[k];
    const consumer = consumerOf(ctx, g, consumerName, args[streamsArg + k], ctx.now);
    if (history[k]) replyConsumerHistory(ctx, w, s, g, consumer.pending.a, start, count);
    else deliverNew(ctx, w, s, g, consumer, start, count, noack);
  }
  bounds?.push(w.len);
  return served;
}

/** XREAD/XREADGROUP when it does not block: what is there now, else the null array. */
function opXread(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const plan = planXread(ctx, args);
  const served = serveXread(ctx, args, plan, w);
  if (served === null) w.nullArray();
  else if (plan.p.groupName !== null) countGroupReads(ctx, served.length);
}

/**
 * The dirty counter of an XREADGROUP that did not wait: Redis adds one per
 * stream it served (PEL or group changes to propagate, even a history read),
 * none when it serves a client that waited.
 */
export function countGroupReads(ctx: ShardOpContext, streamsServed: number): void {
  ctx.shard.stats.dirty += streamsServed;
}


/** XREADGROUP with an ID: the consumer's own pending entries from `start` (deleted ones as [id, nil]). */
function replyConsumerHistory(
  ctx: ShardOpContext,
  w: ReplyWriter,
  s: StreamValue,
  g: ConsumerGroup,
  pending: readonly bigint[],
  start: bigint,
  count: number,
): void {
  const lo = lowerBound(pending, start);
  const n = count > 0 ? Math.min(count, pending.length - lo) : pending.length - lo;
  w.array(n);
  for (let i = lo; i < lo + n; i++) {
    const id = pending[i];
    const f = s.get(id);
    if (f === null) {
      w.array(2);
      w.bulk(formatId(id));
      w.nullArray();
    } else {
      writeEntry(w, id, f);
      const nack = g.pel.get(id) as Nack;
      nack.deliveryTime = ctx.now;
      nack.deliveryCount = bumpCount(nack.deliveryCount);
    }
  }
}

/** XREADGROUP with ">": new entries after the group's last ID, recorded in the PEL unless NOACK. */
function deliverNew(
  ctx: ShardOpContext,
  w: ReplyWriter,
  s: StreamValue,
  g: ConsumerGroup,
  consumer: Consumer,
  start: bigint,
  count: number,
  noack: boolean,
): void {
  const out: [bigint, string[]][] = [];
  s.range(start, ID_MAX, false, count, (id, f) => out.push([id, f]));
  w.array(out.length);
  for (const [id, f] of out) {
    if (id > g.lastId) s.advanceGroup(g, id);
    writeEntry(w, id, f);
    if (noack) continue;
    const nack = g.pel.get(id);
    if (nack === undefined) {
      g.pel.set(id, { consumer, deliveryTime: ctx.now, deliveryCount: 1 });
      g.pelOrder.insert(id);
      consumer.pending.insert(id);
    } else {
      // Already pending (after XGROUP SETID moved back): it now belongs to this consumer.
      g.assign(id, nack, consumer);
      nack.deliveryTime = ctx.now;
      nack.deliveryCount = 1;
    }
  }
}

// ---------------------------------------------------------------------------
// XGROUP

interface GroupTarget {
  s: StreamValue | undefined;
  g: ConsumerGroup | undefined;
}

/** The checks every XGROUP subcommand but HELP makes first (key type, key and group existence). */
function groupPreamble(ctx: ShardOpContext, args: string[], mkstream: boolean, needGroup: boolean): GroupTarget {
  const s = getStream(ctx, args[2]);
  if (mkstream) return { s, g: s?.groups.get(args[3]) };
  if (s === undefined) throw new ReplyError(ERR_GROUP_NEEDS_KEY);
  const g = s.groups.get(args[3]);
  if (g === undefined && needGroup) throw new ReplyError(errNoGroupForKey(args[3], args[2]));
  return { s, g };
}

function entriesReadArg(arg: string): bigint {
  const n = llArg(arg);
  if (n < 0n && n !== INVALID_ENTRIES_READ) throw new ReplyError(ERR_ENTRIESREAD);
  return n;
}

/**
 * A group's consumer (seen now), created on first use with the
 * `xgroup-createconsumer` notification, as in Redis. Like every change to a
 * group, it is not signalled: Redis 7.0's group commands leave WATCH alone.
 */
function consumerOf(ctx: ShardOpContext, g: ConsumerGroup, name: string, key: string, now: number): ReturnType<ConsumerGroup['consumer']> {
  if (!g.consumers.has(name)) notifyUnsignalled(ctx, NOTIFY.stream, 'xgroup-createconsumer', key);
  return g.consumer(name, now, true);
}

/** XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD n] */
function opXgroupCreate(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  let mkstream = false;
  let entriesRead = INVALID_ENTRIES_READ;
  for (let i = 5; i < args.length; ) {
    if (opt(args[i], 'mkstream')) {
      mkstream = true;
      i++;
    } else if (opt(args[i], 'entriesread') && i + 1 < args.length) {
      entriesRead = entriesReadArg(args[i + 1]);
      i += 2;
    } else throw new ReplyError(errSubcommandSyntax('xgroup', args[1]));
  }
  let { s } = groupPreamble(ctx, args, mkstream, false);
  if (args.length > 8) throw new ReplyError(errSubcommandSyntax('xgroup', args[1]));
  let id: bigint;
  if (cString(args[4]) === '$') id = s === undefined ? 0n : s.lastId;
  else id = strictId(args[4]);
  const created = s === undefined;
  if (s === undefined) {
    s = new StreamValue();
    ctx.db.set(args[2], s);
  }
  if (s.groups.has(args[3])) throw new ReplyError(ERR_BUSYGROUP);
  s.groups.set(args[3], new ConsumerGroup(args[3], id, entriesRead));
  // Redis signals the key only when MKSTREAM made it.
  if (created) ctx.notify(NOTIFY.stream, 'xgroup-create', args[2]);
  else notifyUnsignalled(ctx, NOTIFY.stream, 'xgroup-create', args[2]);
  w.ok();
}

/** XGROUP SETID key group id|$ [ENTRIESREAD n] */
function opXgroupSetid(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  // The option is checked before the key, the ID after it.
  if (args.length !== 5 && args.length !== 7) throw new ReplyError(errSubcommandSyntax('xgroup', args[1]));
  let entriesRead = INVALID_ENTRIES_READ;
  if (args.length === 7) {
    if (!opt(args[5], 'entriesread')) throw new ReplyError(errSubcommandSyntax('xgroup', args[1]));
    entriesRead = entriesReadArg(args[6]);
  }
  const { s, g } = groupPreamble(ctx, args, false, true);
  let id: bigint;
  if (cString(args[4]) === '$') id = (s as StreamValue).lastId;
  else {
    const p = parseId(args[4], 0n, false);
    if (p === null) throw new ReplyError(ERR_INVALID_ID);
    id = p.id;
  }
  const group = g as ConsumerGroup;
  group.lastId = id;
  group.entriesRead = entriesRead;
  notifyUnsignalled(ctx, NOTIFY.stream, 'xgroup-setid', args[2]);
  w.ok();
}

function opXgroupDestroy(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const { s, g } = groupPreamble(ctx, args, false, false);
  if (g === undefined) return w.integer(0);
  (s as StreamValue).groups.delete(args[3]);
  notifyUnsignalled(ctx, NOTIFY.stream, 'xgroup-destroy', args[2]);
  w.integer(1);
}

function opXgroupCreateconsumer(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const g = groupPreamble(ctx, args, false, true).g as ConsumerGroup;
  if (g.consumers.has(args[4])) return w.integer(0);
  g.consumer(args[4], ctx.now, false);
  notifyUnsignalled(ctx, NOTIFY.stream, 'xgroup-createconsumer', args[2]);
  w.integer(1);
}

function opXgroupDelconsumer(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const g = groupPreamble(ctx, args, false, true).g as ConsumerGroup;
  const existed = g.consumers.has(args[4]);
  w.integer(g.deleteConsumer(args[4]));
  if (existed) notifyUnsignalled(ctx, NOTIFY.stream, 'xgroup-delconsumer', args[2]);
}

const XGROUP_HELP = [
  'XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
  'HELP',
  '    Prints this help.',
];

const XINFO_HELP = [
  'XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
  'HELP',
  '    Prints this help.',
];

// ---------------------------------------------------------------------------
// XACK / XPENDING / XCLAIM / XAUTOCLAIM / XSETID

/** XACK key group id [id ...] */
function opXack(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const s = getStream(ctx, args[1]);
  const g = s?.groups.get(args[2]);
  // No key or group: nothing to acknowledge, whatever the IDs look like.
  if (g === undefined) return w.integer(0);
  const ids: bigint[] = [];
  for (let i = 3; i < args.length; i++) ids.push(strictId(args[i]));
  let acked = 0;
  for (const id of ids) if (g.ack(id)) acked++;
  // Redis counts each acknowledged entry as a change (no event, no signal).
  ctx.shard.stats.dirty += acked;
  w.integer(acked);
}

/** XPENDING key group [[IDLE min-idle] start end count [consumer]] */
function opXpending(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const argc = args.length;
  const summary = argc === 3;
  if (argc !== 3 && (argc < 6 || argc > 9)) throw new ReplyError(ERR_SYNTAX);
  let start = 0n;
  let end = ID_MAX;
  let count = 0;
  let minIdle = 0;
  let consumerName: string | null = null;
  if (argc >= 6) {
    let at = 3;
    if (opt(args[3], 'idle')) {
      minIdle = countArg(args[4]);
      if (argc < 8) throw new ReplyError(ERR_SYNTAX);
      at += 2;
    }
    count = countArg(args[at + 2]);
    if (count < 0) count = 0;
    start = parseRangeStart(args[at]);
    end = parseRangeEnd(args[at + 1]);
    if (at + 3 < argc) consumerName = args[at + 3];
  }
  const s = getStream(ctx, args[1]);
  const g = s?.groups.get(args[2]);
  if (g === undefined) throw new ReplyError(errNoGroup(args[1], args[2]));

  if (summary) {
    w.array(4);
    w.integer(g.pel.size);
    if (g.pel.size === 0) {
      w.nullBulk();
      w.nullBulk();
      w.nullArray();
      return;
    }
    const order = g.pelOrder.a;
    w.bulk(formatId(order[0]));
    w.bulk(formatId(order[order.length - 1]));
    const withPending = g.sortedConsumers().filter((c) => c.pending.size > 0);
    w.array(withPending.length);
    for (const c of withPending) {
      w.array(2);
      w.bulk(c.name);
      w.bulk(String(c.pending.size));
    }
    return;
  }

  let ids: readonly bigint[];
  if (consumerName !== null) {
    const c = g.consumers.get(consumerName);
    if (c === undefined) return w.array(0);
    ids = c.pending.a;
  } else ids = g.pelOrder.a;
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid] < start) lo = mid + 1;
    else hi = mid;
  }
  const rows: [bigint, Nack][] = [];
  for (let i = lo; count > 0 && i < ids.length && ids[i] <= end; i++) {
    const nack = g.pel.get(ids[i]) as Nack;
    if (minIdle && ctx.now - nack.deliveryTime < minIdle) continue;
    rows.push([ids[i], nack]);
    count--;
  }
  w.array(rows.length);
  for (const [id, nack] of rows) {
    w.array(4);
    w.bulk(formatId(id));
    w.bulk(nack.consumer.name);
    w.integer(Math.max(0, ctx.now - nack.deliveryTime));
    w.integer(nack.deliveryCount);
  }
}

/** XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms] [RETRYCOUNT n] [FORCE] [JUSTID] [LASTID id] */
function opXclaim(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const s = getStream(ctx, args[1]);
  const g = s?.groups.get(args[2]);
  if (s === undefined || g === undefined) throw new ReplyError(errNoGroup(args[1], args[2]));
  let minIdle = countArg(args[4], 'ERR Invalid min-idle-time argument for XCLAIM');
  if (minIdle < 0) minIdle = 0;
  const ids: bigint[] = [];
  let j = 5;
  for (; j < args.length; j++) {
    const p = parseId(args[j], 0n, true);
    if (p === null) break;
    ids.push(p.id);
  }
  const now = ctx.now;
  let deliveryTime: bigint | null = null;
  let retryCount: bigint = -1n;
  let force = false;
  let justId = false;
  let lastId = 0n;
  for (; j < args.length; j++) {
    const more = args.length - 1 - j;
    const a = args[j];
    if (opt(a, 'force')) force = true;
    else if (opt(a, 'justid')) justId = true;
    else if (opt(a, 'idle') && more > 0) {
      deliveryTime = BigInt(now) - llArg(args[++j], 'ERR Invalid IDLE option argument for XCLAIM');
    } else if (opt(a, 'time') && more > 0) {
      deliveryTime = llArg(args[++j], 'ERR Invalid TIME option argument for XCLAIM');
    } else if (opt(a, 'retrycount') && more > 0) {
      retryCount = llArg(args[++j], 'ERR Invalid RETRYCOUNT option argument for XCLAIM');
    } else if (opt(a, 'lastid') && more > 0) {
      lastId = strictId(args[++j]);
    } else throw new ReplyError(`ERR Unrecognized XCLAIM option '${cString(a)}'`);
  }
  const movesLastId = lastId > g.lastId;
  if (movesLastId) g.lastId = lastId;
  // A bogus delivery time (negative or in the future) becomes now rather than an error.
  const when = deliveryTime === null || deliveryTime < 0n || deliveryTime > BigInt(now) ? now : Number(deliveryTime);

  let consumer: Consumer | null = null;
  const claimed: bigint[] = [];
  let dropped = 0;
  for (const id of ids) {
    let nack = g.pel.get(id);
    if (!s.has(id)) {
      // The entry is gone: its NACK is dropped.
      if (nack !== undefined && g.ack(id)) dropped++;
      continue;
    }
    if (nack === undefined) {
      if (!force) continue;
      // FORCE creates the NACK (delivered once, now) and skips the idle check.
      consumer ??= consumerOf(ctx, g, args[3], args[1], now);
      nack = { consumer, deliveryTime: now, deliveryCount: 1 };
      g.pel.set(id, nack);
      g.pelOrder.insert(id);
      consumer.pending.insert(id);
    } else {
      if (minIdle && now - nack.deliveryTime < minIdle) continue;
      consumer ??= consumerOf(ctx, g, args[3], args[1], now);
      g.assign(id, nack, consumer);
    }
    nack.deliveryTime = when;
    if (retryCount >= 0n) nack.deliveryCount = retryCount > BigInt(Number.MAX_SAFE_INTEGER) ? retryCount : Number(retryCount);
    else if (!justId) nack.deliveryCount = bumpCount(nack.deliveryCount);
    claimed.push(id);
  }
  // Redis's dirty counter: one per NACK claimed or dropped; a moved LASTID only when nothing else was.
  const changes = claimed.length + dropped;
  ctx.shard.stats.dirty += changes === 0 && movesLastId ? 1 : changes;
  w.array(claimed.length);
  for (const id of claimed) {
    if (justId) w.bulk(formatId(id));
    else writeEntryOrNull(w, s, id);
  }
}

/** XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID] */
function opXautoclaim(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  let minIdle = countArg(args[4], 'ERR Invalid min-idle-time argument for XAUTOCLAIM');
  if (minIdle < 0) minIdle = 0;
  const start = parseRangeStart(args[5]);
  let count = 100;
  let justId = false;
  for (let j = 6; j < args.length; j++) {
    const more = args.length - 1 - j;
    if (opt(args[j], 'count') && more > 0) {
      const n = parseI64(args[j + 1]);
      if (n === null || n < 1n || n > BigInt(AUTOCLAIM_MAX_COUNT)) throw new ReplyError(ERR_COUNT_POSITIVE);
      count = Number(n);
      j++;
    } else if (opt(args[j], 'justid')) justId = true;
    else throw new ReplyError(ERR_SYNTAX);
  }
  const s = getStream(ctx, args[1]);
  const g = s?.groups.get(args[2]);
  if (s === undefined || g === undefined) throw new ReplyError(errNoGroup(args[1], args[2]));

  const now = ctx.now;
  let attempts = count * AUTOCLAIM_ATTEMPTS_FACTOR;
  const deletedIds: bigint[] = [];
  const claimed: bigint[] = [];
  let consumer: Consumer | null = null;
  const order = g.pelOrder;
  let i = order.lowerBound(start);
  while (attempts-- > 0 && count > 0 && i < order.a.length) {
    const id = order.a[i];
    const nack = g.pel.get(id) as Nack;
    if (!s.has(id)) {
      // Gone from the stream: dropped from the PEL and reported.
      g.ack(id);
      deletedIds.push(id);
      count--;
      continue; // `i` now points at the next entry
    }
    i++;
    if (minIdle && now - nack.deliveryTime < minIdle) continue;
    if (consumer === null) consumer = consumerOf(ctx, g, args[3], args[1], now);
    g.assign(id, nack, consumer);
    nack.deliveryTime = now;
    if (!justId) nack.deliveryCount = bumpCount(nack.deliveryCount);
    claimed.push(id);
    count--;
  }
  // Redis's dirty counter: one per NACK claimed or dropped.
  ctx.shard.stats.dirty += claimed.length + deletedIds.length;
  // The cursor: the next PEL entry not looked at, or 0-0 at the end.
  const cursor = i < order.a.length ? order.a[i] : 0n;
  w.array(3);
  w.bulk(formatId(cursor));
  w.array(claimed.length);
  for (const id of claimed) {
    if (justId) w.bulk(formatId(id));
    else writeEntryOrNull(w, s, id);
  }
  w.array(deletedIds.length);
  for (const id of deletedIds) w.bulk(formatId(id));
}

/** XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id] */
function opXsetid(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const id = strictId(args[2]);
  let entriesAdded = -1n;
  let maxDeleted = 0n;
  for (let i = 3; i < args.length; ) {
    const more = args.length - 1 - i;
    if (opt(args[i], 'entriesadded') && more > 0) {
      entriesAdded = llArg(args[i + 1]);
      if (entriesAdded < 0n) throw new ReplyError(ERR_ENTRIES_ADDED_NEG);
      i += 2;
    } else if (opt(args[i], 'maxdeletedid') && more > 0) {
      maxDeleted = strictId(args[i + 1]);
      if (id < maxDeleted) throw new ReplyError(ERR_SETID_MAXDEL_ARG);
      i += 2;
    } else throw new ReplyError(ERR_SYNTAX);
  }
  const s = getStream(ctx, args[1]);
  if (s === undefined) throw new ReplyError(ERR_NO_SUCH_KEY);
  if (s.length > 0) {
    if (id < s.lastValidId()) throw new ReplyError(ERR_SETID_TOP);
    if (entriesAdded !== -1n && BigInt(s.length) > entriesAdded) throw new ReplyError(ERR_SETID_LENGTH);
  }
  s.lastId = id;
  if (entriesAdded !== -1n) s.entriesAdded = entriesAdded;
  if (maxDeleted !== 0n) s.maxDeletedId = maxDeleted;
  // Only metadata changed: Redis 7.0 notifies without signalling the key.
  notifyUnsignalled(ctx, NOTIFY.stream, 'xsetid', args[1]);
  w.ok();
}

// ---------------------------------------------------------------------------
// XINFO

function writeLag(w: ReplyWriter, s: StreamValue, g: ConsumerGroup): void {
  const lag = s.lag(g);
  if (lag === null) w.nullBulk();
  else w.integer(lag);
}

function writeEntriesRead(w: ReplyWriter, g: ConsumerGroup): void {
  if (g.entriesRead === INVALID_ENTRIES_READ) w.nullBulk();
  else w.integer(g.entriesRead);
}

function sortedGroups(s: StreamValue): ConsumerGroup[] {
  return [...s.groups.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** XINFO STREAM key [FULL [COUNT n]] */
function opXinfoStream(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  // The key is looked up before the options are parsed.
  const s = getStream(ctx, args[2]);
  if (s === undefined) throw new ReplyError(ERR_NO_SUCH_KEY);
  const optc = args.length - 3;
  let full = false;
  let count = 10;
  if (optc > 0) {
    if ((optc !== 1 && optc !== 3) || !opt(args[3], 'full')) throw new ReplyError(errSubcommandSyntax('xinfo', args[1]));
    full = true;
    if (optc === 3) {
      if (!opt(args[4], 'count')) throw new ReplyError(errSubcommandSyntax('xinfo', args[1]));
      count = countArg(args[5]);
      if (count < 0) count = 10;
    }
  }
  w.map(full ? 9 : 10);
  w.bulk('length');
  w.integer(s.length);
  w.bulk('radix-tree-keys');
  w.integer(s.nodes.length);
  w.bulk('radix-tree-nodes');
  w.integer(s.raxNodeCount());
  w.bulk('last-generated-id');
  w.bulk(formatId(s.lastId));
  w.bulk('max-deleted-entry-id');
  w.bulk(formatId(s.maxDeletedId));
  w.bulk('entries-added');
  w.integer(s.entriesAdded);
  w.bulk('recorded-first-entry-id');
  w.bulk(formatId(s.firstId));
  if (!full) {
    w.bulk('groups');
    w.integer(s.groups.size);
    let first: bigint | null = null;
    let last: bigint | null = null;
    s.range(0n, ID_MAX, false, 1, (id) => (first = id));
    s.range(0n, ID_MAX, true, 1, (id) => (last = id));
    w.bulk('first-entry');
    if (first === null) w.nullBulk();
    else writeEntryOrNull(w, s, first);
    w.bulk('last-entry');
    if (last === null) w.nullBulk();
    else writeEntryOrNull(w, s, last);
    return;
  }
  w.bulk('entries');
  replyRange(w, s, 0n, ID_MAX, count, false);
  w.bulk('groups');
  const groups = sortedGroups(s);
  w.array(groups.length);
  for (const g of groups) {
    w.map(7);
    w.bulk('name');
    w.bulk(g.name);
    w.bulk('last-delivered-id');
    w.bulk(formatId(g.lastId));
    w.bulk('entries-read');
    writeEntriesRead(w, g);
    w.bulk('lag');
    writeLag(w, s, g);
    w.bulk('pel-count');
    w.integer(g.pel.size);
    w.bulk('pending');
    const pel = g.pelOrder.a;
    const np = count ? Math.min(count, pel.length) : pel.length;
    w.array(np);
    for (let i = 0; i < np; i++) {
      const nack = g.pel.get(pel[i]) as Nack;
      w.array(4);
      w.bulk(formatId(pel[i]));
      w.bulk(nack.consumer.name);
      w.integer(nack.deliveryTime);
      w.integer(nack.deliveryCount);
    }
    w.bulk('consumers');
    const consumers = g.sortedConsumers();
    w.array(consumers.length);
    for (const c of consumers) {
      w.map(4);
      w.bulk('name');
      w.bulk(c.name);
      w.bulk('seen-time');
      w.integer(c.seenTime);
      w.bulk('pel-count');
      w.integer(c.pending.size);
      w.bulk('pending');
      const cp = c.pending.a;
      const nc = count ? Math.min(count, cp.length) : cp.length;
      w.array(nc);
      for (let i = 0; i < nc; i++) {
        const nack = g.pel.get(cp[i]) as Nack;
        w.array(3);
        w.bulk(formatId(cp[i]));
        w.integer(nack.deliveryTime);
        w.integer(nack.deliveryCount);
      }
    }
  }
}

/** XINFO GROUPS key */
function opXinfoGroups(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const s = getStream(ctx, args[2]);
  if (s === undefined) throw new ReplyError(ERR_NO_SUCH_KEY);
  const groups = sortedGroups(s);
  w.array(groups.length);
  for (const g of groups) {
    w.map(6);
    w.bulk('name');
    w.bulk(g.name);
    w.bulk('consumers');
    w.integer(g.consumers.size);
    w.bulk('pending');
    w.integer(g.pel.size);
    w.bulk('last-delivered-id');
    w.bulk(formatId(g.lastId));
    w.bulk('entries-read');
    writeEntriesRead(w, g);
    w.bulk('lag');
    writeLag(w, s, g);
  }
}

/** XINFO CONSUMERS key group */
function opXinfoConsumers(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const s = getStream(ctx, args[2]);
  if (s === undefined) throw new ReplyError(ERR_NO_SUCH_KEY);
  const g = s.groups.get(args[3]);
  if (g === undefined) throw new ReplyError(errNoGroupForKey(args[3], args[2]));
  const consumers = g.sortedConsumers();
  w.array(consumers.length);
  for (const c of consumers) {
    w.map(3);
    w.bulk('name');
    w.bulk(c.name);
    w.bulk('pending');
    w.integer(c.pending.size);
    w.bulk('idle');
    w.integer(Math.max(0, ctx.now - c.seenTime));
  }
}

function opXgroupHelp(_ctx: ShardOpContext, _args: string[], w: ReplyWriter): void {
  w.lines(XGROUP_HELP);
}

function opXinfoHelp(_ctx: ShardOpContext, _args: string[], w: ReplyWriter): void {
  w.lines(XINFO_HELP);
}

// ---------------------------------------------------------------------------

const stream = { group: 'stream' as const };

export const streamOps: ShardOps = {
  xadd: opXadd,
  xlen: opXlen,
  xrange: opXrange,
  xdel: opXdel,
  xtrim: opXtrim,
  xread: opXread,
  xreadgroup: opXread,
  xack: opXack,
  xpending: opXpending,
  xclaim: opXclaim,
  xautoclaim: opXautoclaim,
  xsetid: opXsetid,
  'xgroup|create': opXgroupCreate,
  'xgroup|createconsumer': opXgroupCreateconsumer,
  'xgroup|delconsumer': opXgroupDelconsumer,
  'xgroup|destroy': opXgroupDestroy,
  'xgroup|help': opXgroupHelp,
  'xgroup|setid': opXgroupSetid,
  'xinfo|consumers': opXinfoConsumers,
  'xinfo|groups': opXinfoGroups,
  'xinfo|help': opXinfoHelp,
  'xinfo|stream': opXinfoStream,
};
