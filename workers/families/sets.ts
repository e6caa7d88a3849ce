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
import type { CommandSpec, ShardOpContext } from '../../src/commands/spec';
import type { ReplyWriter } from '../../src/resp/reply-writer';
import { ERR_INVALID_CURSOR, ERR_NOT_INTEGER, ERR_SYNTAX, ReplyError, WRONGTYPE, ERR_NUMKEYS } from '../../src/resp/errors';
import { parseI64, isOpt, parseScanCursor } from '../args';
import { globMatch } from '../glob';
import { SetValue } from '../structures/set';
import { deleteIfEmpty, getTyped } from './typed';
import { NOTIFY } from '../notify';

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
  if (added > 0) ctx.notify(NOTIFY.set, 'sadd', args[1]);
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
  if (removed > 0) ctx.notify(NOTIFY.set, 'srem', args[1]);
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
  ctx.notify(NOTIFY.set, 'spop', key);
  if (l >= BigInt(size)) {
    writeMembers(w, set.ordered(), true);
    ctx.db.delete(key);
    ctx.notify(NOTIFY.generic, 'del', key);
    return;
  }
  const count = Number(l);
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

/** Key positions of SINTERCARD: the `numkeys` arguments after it (as many as exist). */
function sintercardKeys(args: readonly Buffer[]): number[] {
  if (args.length < 2) return [];
  const numkeys = parseI64(args[1].latin1Slice(0, args[1].length));
  if (numkeys === null || numkeys < 1n) return [];
  const end = numkeys > BigInt(args.length - 2) ? args.length : 2 + Number(numkeys);
  const out: number[] = [];
  for (let i = 2; i < end; i++) out.push(i);
  return out;
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
  let count = 10;
  let pattern: string | null = null;
  for (let i = 3; i < args.length; i += 2) {
    const more = i + 1 < args.length;
    if (isOpt(args[i], 'count') && more) {
      const n = parseI64(args[i + 1]);
      if (n === null) throw new ReplyError(ERR_NOT_INTEGER);
      if (n < 1n) throw new ReplyError(ERR_SYNTAX);
      count = n > 1_000_000_000n ? 1_000_000_000 : Number(n);
    } else if (isOpt(args[i], 'match') && more) {
      pattern = args[i + 1];
    } else {
      throw new ReplyError(ERR_SYNTAX);
    }
  }
  // A lone `*` matches everything, even the empty member the matcher would refuse.
  if (pattern === '*') pattern = null;
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

// ---------------------------------------------------------------------------

const ALGEBRA_COMPLEXITY = 'O(N) where N is the total number of elements in all given sets.';

export const setCommands: CommandSpec[] = [
  {
    name: 'sadd', arity: -3, flags: ['write', 'denyoom', 'fast'], firstKey: 1, lastKey: 1, step: 1,
    group: 'set', since: '1.0.0', summary: 'Adds one or more members to a set, creating the set if needed.',
    complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
    syntax: 'key member [member ...]', op: opSadd,
  },
  {
    name: 'srem', arity: -3, flags: ['write', 'fast'], firstKey: 1, lastKey: 1, step: 1,
    group: 'set', since: '1.0.0', summary: 'Removes members from a set, deleting the set once it is empty.',
    complexity: 'O(N) where N is the number of members to be removed.',
    syntax: 'key member [member ...]', op: opSrem,
  },
  {
    name: 'scard', arity: 2, flags: ['readonly', 'fast'], firstKey: 1, lastKey: 1, step: 1,
    group: 'set', since: '1.0.0', summary: 'Returns how many members a set has.',
    complexity: 'O(1)', syntax: 'key', op: opScard,
  },
  {
    name: 'sismember', arity: 3, flags: ['readonly', 'fast'], firstKey: 1, lastKey: 1, step: 1,
    group: 'set', since: '1.0.0', summary: 'Tells whether a value is a member of a set.',
    complexity: 'O(1)', syntax: 'key member', op: opSismember,
  },
  {
    name: 'smismember', arity: -3, flags: ['readonly', 'fast'], firstKey: 1, lastKey: 1, step: 1,
    group: 'set', since: '6.2.0', summary: 'Tells, for each of several values, whether it is a member of a set.',
    complexity: 'O(N) where N is the number of elements being checked for membership',
    syntax: 'key member [member ...]', op: opSmismember,
  },
  {
    name: 'smembers', arity: 2, flags: ['readonly'], firstKey: 1, lastKey: 1, step: 1,
    group: 'set', since: '1.0.0', summary: 'Returns every member of a set.',
    complexity: 'O(N) where N is the set cardinality.', syntax: 'key', op: opSmembers,
  },
  {
    name: 'srandmember', arity: -2, flags: ['readonly'], firstKey: 1, lastKey: 1, step: 1,
    group: 'set', since: '1.0.0', summary: 'Returns one or more random members of a set without removing them.',
    complexity: 'Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.',
    syntax: 'key [count]', op: opSrandmember,
  },
  {
    name: 'spop', arity: -2, flags: ['write', 'fast'], firstKey: 1, lastKey: 1, step: 1,
    group: 'set', since: '1.0.0', summary: 'Removes and returns one or more random members of a set.',
    complexity: 'Without the count argument O(1), otherwise O(N) where N is the value of the passed count.',
    syntax: 'key [count]', op: opSpop,
  },
  {
    name: 'smove', arity: 4, flags: ['write', 'fast'], firstKey: 1, lastKey: 2, step: 1,
    group: 'set', since: '1.0.0', summary: 'Moves a member from one set to another.',
    complexity: 'O(1)', syntax: 'source destination member', op: opSmove,
  },
  {
    name: 'sinter', arity: -2, flags: ['readonly'], firstKey: 1, lastKey: -1, step: 1,
    group: 'set', since: '1.0.0', summary: 'Returns the members every given set has in common.',
    complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.',
    syntax: 'key [key ...]', op: opSinter,
  },
  {
    name: 'sintercard', arity: -3, flags: ['readonly'], firstKey: 0, lastKey: 0, step: 0,
    group: 'set', since: '7.0.0', summary: 'Counts the members the given sets have in common, optionally stopping at a limit.',
    complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.',
    syntax: 'numkeys key [key ...] [LIMIT limit]', getKeys: sintercardKeys, op: opSintercard,
  },
  {
    name: 'sunion', arity: -2, flags: ['readonly'], firstKey: 1, lastKey: -1, step: 1,
    group: 'set', since: '1.0.0', summary: 'Returns the members found in any of the given sets.',
    complexity: ALGEBRA_COMPLEXITY, syntax: 'key [key ...]', op: opSunion,
  },
  {
    name: 'sdiff', arity: -2, flags: ['readonly'], firstKey: 1, lastKey: -1, step: 1,
    group: 'set', since: '1.0.0', summary: 'Returns the members of the first set that none of the other sets has.',
    complexity: ALGEBRA_COMPLEXITY, syntax: 'key [key ...]', op: opSdiff,
  },
  {
    name: 'sinterstore', arity: -3, flags: ['write', 'denyoom'], firstKey: 1, lastKey: -1, step: 1,
    group: 'set', since: '1.0.0', summary: 'Stores the intersection of sets in a key, replacing what it held.',
    complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.',
    syntax: 'destination key [key ...]', op: opSinterstore,
  },
  {
    name: 'sunionstore', arity: -3, flags: ['write', 'denyoom'], firstKey: 1, lastKey: -1, step: 1,
    group: 'set', since: '1.0.0', summary: 'Stores the union of sets in a key, replacing what it held.',
    complexity: ALGEBRA_COMPLEXITY, syntax: 'destination key [key ...]', op: opSunionstore,
  },
  {
    name: 'sdiffstore', arity: -3, flags: ['write', 'denyoom'], firstKey: 1, lastKey: -1, step: 1,
    group: 'set', since: '1.0.0', summary: 'Stores the difference of the first set and the others in a key, replacing what it held.',
    complexity: ALGEBRA_COMPLEXITY, syntax: 'destination key [key ...]', op: opSdiffstore,
  },
  {
    name: 'sscan', arity: -3, flags: ['readonly'], firstKey: 1, lastKey: 1, step: 1,
    group: 'set', since: '2.8.0', summary: 'Iterates over the members of a set with a cursor.',
    complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.',
    syntax: 'key cursor [MATCH pattern] [COUNT count]', op: opSscan,
  },
];
