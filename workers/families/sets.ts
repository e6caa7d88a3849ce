/**
 * The sets family (shard-local rows). Each `op*` runs in the shard owning its
 * keys; when a multi-key command's keys span shards the generic cross-shard
 * executor runs the same op on scratch copies, so an op touches only the keys
 * at its declared positions.
 *
 * Reply order: Redis answers an intset in numeric order and a hashtable in its
 * dict order; SetValue.ordered() gives numeric order for intsets and storage
 * order otherwise, so every reply Redis makes deterministic is identical here.
 */
import type { ShardOpContext, ShardOps } from '../op-context';
import type { ReplyWriter } from '../../src/core/wire/reply-writer';
import { ERR_INVALID_CURSOR, ERR_NOT_INTEGER, ERR_SYNTAX, ReplyError, WRONGTYPE, ERR_NUMKEYS } from '../../src/core/errors';
import { parseI64, isOpt } from '../../src/core/args/parse';
import { parseScanCursor, parseScanOptions } from '../../src/core/args/scan';
import { globMatch } from '../../src/core/glob';
import { SetValue } from '../structures/set';
import { deleteIfEmpty, getTyped } from './typed';
import { NOTIFY } from '../../src/core/notify';

const ERR_POSITIVE = 'ERR value is out of range, must be positive';
const ERR_SRANDMEMBER_RANGE = 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807';
const ERR_NUMKEYS_ARGS = "ERR Number of keys can't be greater than number of args";
const ERR_LIMIT = "ERR LIMIT can't be negative";
/**
 * SRANDMEMBER with a huge negative count makes Redis stream billions of
 * replies (it stalls until memory runs out); a shard builds a reply in one
 * buffer, so a count whose reply would pass this many bytes is refused instead.
 */
const MAX_RANDOM_REPLY_BYTES = 512 * 1024 * 1024;
const ERR_REPLY_TOO_LARGE = 'ERR the reply would be too large (SRANDMEMBER count)';

const MIN_I64 = -(2n ** 63n);

function getSet(ctx: ShardOpContext, key: string): SetValue | undefined {
  return getTyped<SetValue>(ctx, key, 'set');
}

/** The set at `key`, created (empty, intset) and stored when absent. */
function getOrCreateSet(ctx: ShardOpContext, key: string): SetValue {
  const found = getSet(ctx, key);
  if (found !== undefined) return found;
  const created = new SetValue();
  ctx.db.set(key, created);
  return created;
}

/**
 * Looks every key up first and fails with WRONGTYPE on any that is not a set,
 * as Redis checks them all before computing (missing keys are undefined).
 */
function loadSets(ctx: ShardOpContext, keys: readonly string[]): (SetValue | undefined)[] {
  const out: (SetValue | undefined)[] = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) out[i] = getSet(ctx, keys[i]);
  return out;
}

function writeMembers(w: ReplyWriter, members: readonly string[], asSet: boolean): void {
  if (asSet) w.set(members.length);
  else w.array(members.length);
  for (const m of members) w.bulk(m);
}

/** Stores a computed result the way Redis's *STORE commands do: replaces the key (and its TTL), or deletes it when empty. */
function storeResult(ctx: ShardOpContext, dst: string, result: SetValue, w: ReplyWriter, event: string): void {
  if (result.size() === 0) {
    if (ctx.db.delete(dst)) ctx.notify(NOTIFY.generic, 'del', dst);
    w.integer(0);
    return;
  }
  ctx.db.set(dst, result);
  ctx.db.persist(dst);
  ctx.notify(NOTIFY.set, event, dst);
  w.integer(result.size());
}

// ---------------------------------------------------------------------------
// Single-key commands

/** SADD key member [member ...]: every add to a set goes through here. */
function opSadd(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const set = getOrCreateSet(ctx, args[1]);
  let added = 0;
  for (let i = 2; i < args.length; i++) if (set.add(args[i])) added++;
  if (added > 0) ctx.notify(NOTIFY.set, 'sadd', args[1], added);
  w.integer(added);
}

function opSrem(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const set = getSet(ctx, args[1]);
  if (set === undefined) return w.integer(0);
  let removed = 0;
  for (let i = 2; i < args.length; i++) {
    if (set.remove(args[i])) removed++;
    if (set.size() === 0) break;
  }
  if (removed > 0) ctx.notify(NOTIFY.set, 'srem', args[1], removed);
  deleteIfEmpty(ctx, args[1], set);
  w.integer(removed);
}

function opScard(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const set = getSet(ctx, args[1]);
  w.integer(set === undefined ? 0 : set.size());
}

function opSismember(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const set = getSet(ctx, args[1]);
  w.integer(set !== undefined && set.has(args[2]) ? 1 : 0);
}

function opSmismember(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const set = getSet(ctx, args[1]);
  w.array(args.length - 2);
  for (let i = 2; i < args.length; i++) w.integer(set !== undefined && set.has(args[i]) ? 1 : 0);
}

function opSmembers(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const set = getSet(ctx, args[1]);
  writeMembers(w, set === undefined ? [] : set.ordered(), true);
}

/** SRANDMEMBER key [count]: positive count = distinct members, negative = |count| picks with repeats. */
function opSrandmember(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  if (args.length > 3) throw new ReplyError(ERR_SYNTAX);
  if (args.length === 2) {
    const set = getSet(ctx, args[1]);
    if (set === undefined) return w.nullBulk();
    return w.bulk(set.random());
  }
  const l = parseI64(args[2]);
  if (l === null) throw new ReplyError(ERR_NOT_INTEGER);
  if (l === MIN_I64) throw new ReplyError(ERR_SRANDMEMBER_RANGE);
  const set = getSet(ctx, args[1]);
  if (set === undefined || l === 0n) return w.array(0);
  const size = set.size();
  if (l < 0n || l === 1n) {
    const abs = l < 0n ? -l : l;
    if (abs > 1_000_000n && abs * BigInt(set.averageLength() + 8) > BigInt(MAX_RANDOM_REPLY_BYTES)) throw new ReplyError(ERR_REPLY_TOO_LARGE);
    const count = Number(abs);
    w.array(count);
    for (let i = 0; i < count; i++) w.bulk(set.random());
    return;
  }
  if (l >= BigInt(size)) return writeMembers(w, set.ordered(), false);
  writeMembers(w, set.randomDistinct(Number(l)), false);
}

/** SPOP key [count] */
function opSpop(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const key = args[1];
  if (args.length > 3) throw new ReplyError(ERR_SYNTAX);
  if (args.length === 2) {
    const set = getSet(ctx, key);
    if (set === undefined) return w.nullBulk();
    w.bulk(set.popRandom());
    ctx.notify(NOTIFY.set, 'spop', key);
    deleteIfEmpty(ctx, key, set);
    return;
  }
  const l = parseI64(args[2]);
  if (l === null || l < 0n) throw new ReplyError(ERR_POSITIVE);
  const set = getSet(ctx, key);
  if (set === undefined || l === 0n) return w.set(0);
  const size = set.size();
  const whole = l >= BigInt(size);
  const count = whole ? size : Number(l);
  // Redis counts each member popped; the del of the emptied set not again.
  ctx.notify(NOTIFY.set, 'spop', key, count);
  if (whole) {
    writeMembers(w, set.ordered(), true);
    ctx.db.delete(key);
    ctx.notify(NOTIFY.generic, 'del', key, 0);
    return;
  }
  w.set(count);
  for (let i = 0; i < count; i++) w.bulk(set.popRandom());
  // When few members remain, Redis moves them into a brand-new set, whose
  // encoding is chosen afresh (a big all-integer set can become an intset again).
  if ((size - count) * 5 <= count) set.reencodeFresh();
}

/** SMOVE source destination member */
function opSmove(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const src = args[1];
  const dst = args[2];
  const member = args[3];
  // Both are looked up before anything is checked: a missing source answers 0 whatever the destination holds.
  const srcVal = ctx.db.get(src, ctx.now);
  const dstVal = ctx.db.get(dst, ctx.now);
  if (srcVal === undefined) return w.integer(0);
  if (typeof srcVal === 'string' || srcVal.type !== 'set') throw new ReplyError(WRONGTYPE);
  if (dstVal !== undefined && (typeof dstVal === 'string' || dstVal.type !== 'set')) throw new ReplyError(WRONGTYPE);
  const srcSet = srcVal as SetValue;
  if (src === dst) return w.integer(srcSet.has(member) ? 1 : 0);
  if (!srcSet.remove(member)) return w.integer(0);
  ctx.notify(NOTIFY.set, 'srem', src);
  deleteIfEmpty(ctx, src, srcSet);
  let dstSet = dstVal as SetValue | undefined;
  if (dstSet === undefined) {
    dstSet = new SetValue();
    ctx.db.set(dst, dstSet);
  }
  if (dstSet.add(member)) ctx.notify(NOTIFY.set, 'sadd', dst);
  w.integer(1);
}

// ---------------------------------------------------------------------------
// Algebra

/**
 * Members of the intersection, in the iteration order of the smallest set
 * (Redis's order), stopping after `limit` (0 = all). Undefined entries are
 * missing keys: the result is then empty.
 */
function intersect(sets: (SetValue | undefined)[], limit: number): string[] {
  const present: SetValue[] = [];
  for (const s of sets) {
    if (s === undefined) return [];
    present.push(s);
  }
  present.sort((a, b) => a.size() - b.size());
  const first = present[0];
  const out: string[] = [];
  for (const m of first.ordered()) {
    let all = true;
    for (let j = 1; j < present.length; j++) {
      if (present[j] !== first && !present[j].has(m)) {
        all = false;
        break;
      }
    }
    if (!all) continue;
    out.push(m);
    if (limit > 0 && out.length >= limit) break;
  }
  return out;
}

function union(sets: (SetValue | undefined)[]): SetValue {
  const out = new SetValue();
  for (const s of sets) {
    if (s === undefined) continue;
    for (const m of s.ordered()) out.add(m);
  }
  return out;
}

function difference(sets: (SetValue | undefined)[]): SetValue {
  const out = new SetValue();
  const first = sets[0];
  if (first === undefined) return out;
  for (const m of first.ordered()) {
    let found = false;
    for (let j = 1; j < sets.length; j++) {
      const s = sets[j];
      if (s !== undefined && s.has(m)) {
        found = true;
        break;
      }
    }
    if (!found) out.add(m);
  }
  return out;
}

function fromMembers(members: readonly string[]): SetValue {
  const out = new SetValue();
  for (const m of members) out.add(m);
  return out;
}

function opSinter(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  writeMembers(w, intersect(loadSets(ctx, args.slice(1)), 0), true);
}

function opSunion(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  writeMembers(w, union(loadSets(ctx, args.slice(1))).ordered(), true);
}

function opSdiff(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  writeMembers(w, difference(loadSets(ctx, args.slice(1))).ordered(), true);
}

function opSinterstore(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const result = fromMembers(intersect(loadSets(ctx, args.slice(2)), 0));
  storeResult(ctx, args[1], result, w, 'sinterstore');
}

function opSunionstore(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  storeResult(ctx, args[1], union(loadSets(ctx, args.slice(2))), w, 'sunionstore');
}

function opSdiffstore(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  storeResult(ctx, args[1], difference(loadSets(ctx, args.slice(2))), w, 'sdiffstore');
}

/** SINTERCARD numkeys key [key ...] [LIMIT limit]: every argument is checked before any key is read. */
function opSintercard(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const numkeys = parseI64(args[1]);
  if (numkeys === null || numkeys < 1n) throw new ReplyError(ERR_NUMKEYS);
  if (numkeys > BigInt(args.length - 2)) throw new ReplyError(ERR_NUMKEYS_ARGS);
  const n = Number(numkeys);
  let limit = 0;
  for (let j = 2 + n; j < args.length; j++) {
    if (isOpt(args[j], 'limit') && j + 1 < args.length) {
      const l = parseI64(args[++j]);
      if (l === null || l < 0n) throw new ReplyError(ERR_LIMIT);
      limit = l > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(l);
    } else {
      throw new ReplyError(ERR_SYNTAX);
    }
  }
  w.integer(intersect(loadSets(ctx, args.slice(2, 2 + n)), limit).length);
}

// ---------------------------------------------------------------------------
// SSCAN

/**
 * SSCAN key cursor [MATCH pattern] [COUNT count]. An intset answers in one
 * step (cursor 0), as in Redis; a hashtable walks positions top-down.
 */
function opSscan(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const cursor = parseScanCursor(args[2]);
  if (cursor === null) throw new ReplyError(ERR_INVALID_CURSOR);
  const set = getSet(ctx, args[1]);
  if (set === undefined) {
    // A missing key answers before the options are even parsed.
    w.array(2);
    w.bulk('0');
    w.array(0);
    return;
  }
  const { count, pattern } = parseScanOptions(args, 3, false);
  const out: string[] = [];
  let next = 0;
  if (set.encoding() === 'intset') {
    for (const m of set.ordered()) if (pattern === null || globMatch(pattern, m)) out.push(m);
  } else {
    const start = cursor > BigInt(set.size()) ? set.size() : Number(cursor);
    next = set.scan(start, count, (m) => {
      if (pattern === null || globMatch(pattern, m)) out.push(m);
    });
  }
  w.array(2);
  w.bulk(String(next));
  writeMembers(w, out, false);
}

export const setOps: ShardOps = {
  sadd: opSadd,
  srem: opSrem,
  scard: opScard,
  sismember: opSismember,
  smismember: opSmismember,
  smembers: opSmembers,
  srandmember: opSrandmember,
  spop: opSpop,
  smove: opSmove,
  sinter: opSinter,
  sintercard: opSintercard,
  sunion: opSunion,
  sdiff: opSdiff,
  sinterstore: opSinterstore,
  sunionstore: opSunionstore,
  sdiffstore: opSdiffstore,
  sscan: opSscan,
};
