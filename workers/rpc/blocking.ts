/**
 * Shard RPC, the shard side of the blocking commands (BLPOP, BZPOPMIN,
 * BLMOVE, XREAD BLOCK, ...). The main thread (src/coordination/blocking/)
 * owns the blocked clients and their FIFO order; a shard only ever answers
 * one-shot questions about its own keys (`bpop`, see BpopRequest in
 * src/core/shard-protocol.ts for its modes) and, when there is nothing, keeps
 * a 'block' listener per key, which marks the key ready when it is written.
 *
 * A served attempt hands back the client's reply, how to put the data back
 * (`bundo`) if the client is gone by the time the reply reaches the main
 * thread, and, for stream reads, which keys were served and each one's part
 * of the reply (to merge replies from several shards).
 *
 * A wait whose keys are all here may also be served by this shard itself,
 * right after a client's command gives it data (`serveBlockedHere`, called
 * by the engine after such a command), as Redis serves blocked clients
 * after each command; the main thread learns of it from a 'served' event.
 * A token names each wait, so a retry from the main thread never serves a
 * wait the shard served already.
 *
 * These are not client commands, so nothing signals their keys for them: the
 * handlers signal what they change themselves.
 */
import { ReplyWriter } from '../../src/core/wire/reply-writer';
import { ReplyError, WRONGTYPE } from '../../src/core/errors';
import { NOTIFY } from '../../src/core/notify';
import type { BpopRequest, BpopResult, UndoRequest } from '../../src/core/shard-protocol';
import type { ShardOpContext } from '../op-context';
import { ListValue } from '../structures/list';
import { ZSetValue } from '../structures/zset';
import { NIL } from '../structures/skiplist';
import { formatId } from '../structures/stream-id';
import { countGroupReads, planXread, serveXread } from '../families/streams';
import type { RpcHandlers } from './handler';

interface Request extends BpopRequest {
  ctx: ShardOpContext;
}

/** The value at key if it has `type`; undefined if absent, or (lenient) of another type; WRONGTYPE if strict. */
function typed<T>(r: Request, key: string, type: 'list' | 'zset'): T | undefined {
  const v = r.ctx.db.get(key, r.ctx.now);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== type) {
    if (r.mode === 0) return undefined;
    throw new ReplyError(WRONGTYPE);
  }
  return v as unknown as T;
}

/**
 * What a blocked client's pop raises, as Redis 7.0 raises it: its keyspace
 * event (`lpop`, `zpopmin` ...), `del` when the key went with its last
 * element, and `changes` for the dirty counter (Redis counts BZPOPMIN/MAX as
 * one, BLMPOP and BZMPOP per element, BLPOP, BRPOP and BLMOVE as none).
 */
function afterPop(r: Request, cls: number, event: string, key: string, size: number, changes: number): void {
  const shard = r.ctx.shard;
  shard.stats.dirty += changes;
  shard.notify(cls, event, key, r.ctx.dbIndex);
  if (size !== 0) return;
  r.ctx.db.delete(key);
  shard.notify(NOTIFY.generic, 'del', key, r.ctx.dbIndex);
}

/** What a served attempt hands back: the client's reply, how to undo it, and stream parts. */
interface Served {
  reply: ReplyWriter;
  undo: UndoRequest | null;
  streams: { index: number; part: string }[];
}

function writer(proto: 2 | 3): ReplyWriter {
  const w = new ReplyWriter(256);
  w.proto = proto;
  return w;
}

/** BLPOP/BRPOP/BLMPOP: the first non-empty list in key order. */
function serveList(r: Request, proto: 2 | 3): Served | null {
  const left = r.cmd === 'blpop' || (r.cmd === 'blmpop' && r.params[0] === 'left');
  const count = r.cmd === 'blmpop' ? Number(r.params[1]) : 1;
  for (const key of r.keys) {
    const list = typed<ListValue>(r, key, 'list');
    if (list === undefined || list.length === 0) continue;
    if (r.mode >= 2) return null;
    const n = Math.min(count, list.length);
    const popped: string[] = [];
    for (let i = 0; i < n; i++) popped.push((left ? list.popFront() : list.popBack()) as string);
    afterPop(r, NOTIFY.list, left ? 'lpop' : 'rpop', key, list.length, r.cmd === 'blmpop' ? n : 0);
    r.ctx.shard.signals.signal(r.ctx.dbIndex, key);
    const w = writer(proto);
    w.array(2);
    w.bulk(key);
    if (r.cmd === 'blmpop') {
      w.array(n);
      for (const e of popped) w.bulk(e);
    } else {
      w.bulk(popped[0]);
    }
    // Pushed back one at a time, the last popped first, the list is as it was.
    return { reply: w, undo: { kind: left ? 'lpush' : 'rpush', key, items: popped.reverse() }, streams: [] };
  }
  return null;
}

/** BZPOPMIN/BZPOPMAX/BZMPOP: the first non-empty sorted set in key order. */
function serveZset(r: Request, proto: 2 | 3): Served | null {
  const max = r.cmd === 'bzpopmax' || (r.cmd === 'bzmpop' && r.params[0] === 'max');
  const count = r.cmd === 'bzmpop' ? Number(r.params[1]) : 1;
  for (const key of r.keys) {
    const z = typed<ZSetValue>(r, key, 'zset');
    if (z === undefined || z.size() === 0) continue;
    if (r.mode >= 2) return null;
    const n = Math.min(count, z.size());
    const w = writer(proto);
    const undo: string[] = [];
    if (r.cmd === 'bzmpop') {
      w.array(2);
      w.bulk(key);
      w.array(n);
    } else {
      w.array(3);
      w.bulk(key);
    }
    const zsl = z.zsl;
    for (let i = 0; i < n; i++) {
      const x = max ? zsl.tail : zsl.first;
      const member = zsl.member(x);
      const score = zsl.score(x);
      if (r.cmd === 'bzmpop') w.array(2);
      w.bulk(member);
      w.double(score);
      undo.push(scoreText(score), member);
      zsl.remove(x);
    }
    afterPop(r, NOTIFY.zset, max ? 'zpopmax' : 'zpopmin', key, z.size(), r.cmd === 'bzmpop' ? n : 1);
    r.ctx.shard.signals.signal(r.ctx.dbIndex, key);
    return { reply: w, undo: { kind: 'zadd', key, items: undo }, streams: [] };
  }
  return null;
}

/** Exact text of a score for `bundo` (JS's shortest round-trip form). */
function scoreText(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  return String(d);
}

function pushOne(r: Request, key: string, list: ListValue | undefined, left: boolean, v: string): void {
  let target = list;
  if (target === undefined) {
    target = new ListValue(1);
    r.ctx.db.set(key, target);
  }
  if (left) target.pushFront(v);
  else target.pushBack(v);
  r.ctx.shard.notify(NOTIFY.list, left ? 'lpush' : 'rpush', key, r.ctx.dbIndex);
  r.ctx.shard.signals.signal(r.ctx.dbIndex, key);
}

/**
 * BLMOVE/BRPOPLPUSH with both keys here: params [destination, from, to].
 * The destination's type is checked only once there is something to move
 * (a wrong type then ends the wait with WRONGTYPE, as in Redis).
 */
function serveMove(r: Request, proto: 2 | 3): Served | null {
  const src = r.keys[0];
  const [dst, from, to] = r.params;
  const list = typed<ListValue>(r, src, 'list');
  if (list === undefined || list.length === 0 || r.mode >= 2) return null;
  const dv = r.ctx.db.get(dst, r.ctx.now);
  if (dv !== undefined && (typeof dv === 'string' || dv.type !== 'list')) throw new ReplyError(WRONGTYPE);
  const target = src === dst ? list : (dv as ListValue | undefined);
  const v = (from === 'left' ? list.popFront() : list.popBack()) as string;
  // Redis raises the push, then the pop.
  pushOne(r, dst, target, to === 'left', v);
  afterPop(r, NOTIFY.list, from === 'left' ? 'lpop' : 'rpop', src, list.length, 0);
  r.ctx.shard.signals.signal(r.ctx.dbIndex, src);
  const w = writer(proto);
  w.bulk(v);
  return { reply: w, undo: null, streams: [] };
}

/** Cross-shard BLMOVE, step 1 (source shard): is there something to move? */
function servePeek(r: Request, proto: 2 | 3): Served | null {
  const list = typed<ListValue>(r, r.keys[0], 'list');
  if (list === undefined || list.length === 0 || r.mode >= 2) return null;
  const w = writer(proto);
  w.integer(1);
  return { reply: w, undo: null, streams: [] };
}

/** Cross-shard BLMOVE, step 2 (destination shard): WRONGTYPE unless a list or absent. */
function serveDestCheck(r: Request, proto: 2 | 3): Served | null {
  const v = r.ctx.db.get(r.keys[0], r.ctx.now);
  if (v !== undefined && (typeof v === 'string' || v.type !== 'list')) throw new ReplyError(WRONGTYPE);
  const w = writer(proto);
  w.integer(1);
  return { reply: w, undo: null, streams: [] };
}

/** Cross-shard BLMOVE, step 3 (source shard, under the lock): pop one element (params [from]). */
function servePopOne(r: Request, proto: 2 | 3): Served | null {
  const key = r.keys[0];
  const list = typed<ListValue>(r, key, 'list');
  if (list === undefined || list.length === 0) return null;
  const v = (r.params[0] === 'left' ? list.popFront() : list.popBack()) as string;
  afterPop(r, NOTIFY.list, r.params[0] === 'left' ? 'lpop' : 'rpop', key, list.length, 0);
  r.ctx.shard.signals.signal(r.ctx.dbIndex, key);
  const w = writer(proto);
  w.bulk(v);
  // The coordinator pushes the element to the destination; it reads it from here.
  return { reply: w, undo: { kind: r.params[0] === 'left' ? 'lpush' : 'rpush', key, items: [v] }, streams: [] };
}

/**
 * XREAD/XREADGROUP: params [count, group, consumer, noack]; ids follow the
 * keys. Rebuilt as a request without BLOCK and planned like the command.
 */
function serveStream(r: Request, proto: 2 | 3, resolved: string[]): Served | null {
  const group = r.cmd === 'xreadgroup';
  const args: string[] = [r.cmd];
  if (group) args.push('group', r.params[1], r.params[2]);
  if (r.params[0] !== '') args.push('count', r.params[0]);
  if (group && r.params[3] === '1') args.push('noack');
  args.push('streams', ...r.keys, ...r.ids);
  if (group && r.mode === 0) {
    // A group reader whose stream was deleted (or replaced) while it waited ends with an error, as in Redis 7.0.
    for (const key of r.keys) {
      const v = r.ctx.db.get(key, r.ctx.now);
      if (v === undefined || typeof v === 'string' || v.type !== 'stream') throw new ReplyError('UNBLOCKED the stream key no longer exists');
    }
  }
  let plan;
  try {
    plan = planXread(r.ctx, args);
  } catch (err) {
    // A key that changed type while a client waited: it keeps waiting.
    if (r.mode === 0 && err instanceof ReplyError && err.message === WRONGTYPE) return null;
    if (r.mode === 0 && err instanceof ReplyError && err.message.startsWith('NOGROUP')) {
      throw new ReplyError('NOGROUP the consumer group this client was blocked on no longer exists');
    }
    throw err;
  }
  for (let k = 0; k < r.keys.length; k++) {
    resolved.push(r.ids[k] === '$' ? formatId(plan.gts[k]) : r.ids[k]);
  }
  if (r.mode >= 2) return null;
  const w = writer(proto);
  const bounds: number[] = [];
  const served = serveXread(r.ctx, args, plan, w, bounds);
  if (served === null) return null;
  // Served on its first attempt, the read did not wait: it counts as the command does.
  if (group && r.mode === 1) countGroupReads(r.ctx, served.length);
  const streams = served.map((index, i) => ({ index, part: w.buf.latin1Slice(bounds[i], bounds[i + 1]) }));
  return { reply: w, undo: null, streams };
}

function bpop(ctx: ShardOpContext, req: BpopRequest): BpopResult {
  const signals = ctx.shard.signals;
  const token = req.token ?? 0;
  // A retry for a wait this shard no longer holds: served here already ('served' is on its way), or ended.
  if (req.mode === 0 && token !== 0 && signals.waitFor(ctx.connId)?.token !== token) return { served: false, ids: [] };
  const resolved: string[] = [];
  const served = serveOne({ ...req, ctx }, ctx.proto, resolved);
  if (served !== null) {
    // Served: this shard must not serve the same wait again after a later write
    // (a cross-shard move's first step only looked: the wait goes on until its pop).
    if (token !== 0 && req.cmd !== 'peek') signals.unblock(ctx.connId);
    return { served: true, reply: served.reply.buf.latin1Slice(0, served.reply.len), undo: served.undo, streams: served.streams };
  }
  if (req.mode === 1 || req.mode === 2) {
    const ids = resolved.length === req.keys.length ? resolved : req.ids;
    signals.block({ token, connId: ctx.connId, db: ctx.dbIndex, proto: ctx.proto, cmd: req.cmd, params: req.params, keys: req.keys, ids, here: req.here === true });
  }
  return { served: false, ids: resolved };
}

/** Runs one attempt of `r.cmd`: what it served, or null. */
function serveOne(r: Request, proto: 2 | 3, resolved: string[]): Served | null {
  // Copy-on-write for a snapshot in progress, as for a command: the keys a
  // serve pops from (or, for a group read, updates) and a move's destination
  // keep their old values.
  const snapshot = r.ctx.shard.snapshot;
  if (snapshot !== null && r.mode <= 1) {
    for (const key of r.keys) snapshot.preserve(r.ctx.dbIndex, key, r.ctx.now);
    if (r.cmd === 'blmove') snapshot.preserve(r.ctx.dbIndex, r.params[0], r.ctx.now);
  }
  let served: Served | null;
  switch (r.cmd) {
    case 'blpop':
    case 'brpop':
    case 'blmpop':
      served = serveList(r, proto);
      break;
    case 'bzpopmin':
    case 'bzpopmax':
    case 'bzmpop':
      served = serveZset(r, proto);
      break;
    case 'blmove':
      served = serveMove(r, proto);
      break;
    case 'peek':
      served = servePeek(r, proto);
      break;
    case 'destcheck':
      served = serveDestCheck(r, proto);
      break;
    case 'popone':
      served = servePopOne(r, proto);
      break;
    case 'xread':
    case 'xreadgroup':
      served = serveStream(r, proto, resolved);
      break;
    default:
      throw new ReplyError(`ERR unknown blocking op ${r.cmd}`);
  }
  return served;
}

/**
 * Serves the clients blocked on the keys the entry just run (`after`, its
 * index in the batch) gave data to, in the order they blocked, as Redis
 * does after each command: a client's command pipelined after the write
 * runs after them. Each one served is reported ('served') before the
 * batch's replies. A wait this shard may not serve (its keys span shards)
 * ahead of the others leaves the key to the main thread ('ready'), which
 * serves the rest in order with retries.
 */
export function serveBlockedHere(ctx: ShardOpContext, after: number): void {
  const signals = ctx.shard.signals;
  // A serve that writes (a pop, a move) may make keys ready again: served until none are.
  while (signals.readyHere.length !== 0) {
    for (const { db, key } of signals.takeReadyHere()) serveKey(ctx, db, key, after);
  }
}

function serveKey(base: ShardOpContext, db: number, key: string, after: number): void {
  const signals = base.shard.signals;
  const listeners = signals.listeners(db, key);
  if (listeners === undefined) return;
  // A list or zset wait that finds nothing means the key has nothing for its kind (Redis serves waits of the key's type).
  const failed = new Set<string>();
  for (const l of [...listeners]) {
    if (l.kind !== 'block') continue;
    const wait = signals.waitOf(l);
    if (wait === undefined) continue;
    if (!wait.here) {
      signals.announceReady(db, key);
      return;
    }
    const family = wait.cmd.startsWith('bz') ? 'zset' : wait.cmd.startsWith('x') ? 'stream' : 'list';
    if (failed.has(family)) continue;
    const ctx: ShardOpContext = {
      shard: base.shard,
      db: base.shard.db(wait.db),
      dbIndex: wait.db,
      connId: wait.connId,
      proto: wait.proto,
      now: base.now,
      // As the engine's context notifies (a group reader's new consumer, say), in the waiter's db.
      notify: (cls, event, k, changes = 1) => base.shard.opChanged(cls, event, k, wait.db, wait.connId, changes),
    };
    let reply: string;
    let undo: UndoRequest | null = null;
    try {
      const served = serveOne({ mode: 0, cmd: wait.cmd, params: wait.params, keys: wait.keys, ids: wait.ids, ctx }, wait.proto, []);
      if (served === null) {
        // Stream readers each read from their own position: one finding nothing says nothing of the next.
        if (family !== 'stream') failed.add(family);
        continue;
      }
      reply = served.reply.buf.latin1Slice(0, served.reply.len);
      undo = served.undo;
    } catch (err) {
      // The wait ends with the error, as the main thread's retry ends it: BLMOVE whose
      // destination is no longer a list, a group reader whose stream or group is gone.
      reply = `-${(err as Error).message}\r\n`;
    }
    signals.unblock(wait.connId);
    signals.outbox.push({ type: 'served', token: wait.token, after, reply, undo });
  }
}

export const blockingRpc: Pick<RpcHandlers, 'bpop' | 'bunblock' | 'bundo'> = {
  bpop,

  /** The connection stopped waiting (served, timed out, unblocked). */
  bunblock: (ctx) => ctx.shard.signals.unblock(ctx.connId),

  /**
   * Puts back what was served to a client that was gone when its reply
   * arrived: `lpush`/`rpush` elements one at a time; `zadd` score member pairs.
   */
  bundo: (ctx, { kind, key, items }) => {
    const v = ctx.db.get(key, ctx.now);
    let n = 0;
    if (kind === 'zadd') {
      if (v !== undefined && (typeof v === 'string' || v.type !== 'zset')) return 0;
      let z = v as ZSetValue | undefined;
      if (z === undefined) {
        z = new ZSetValue();
        ctx.db.set(key, z);
      }
      for (let i = 0; i + 1 < items.length; i += 2) {
        const score = Number(items[i] === 'inf' ? Infinity : items[i] === '-inf' ? -Infinity : items[i]);
        const x = z.find(items[i + 1]);
        if (x === NIL) z.insert(items[i + 1], score);
        else z.update(x, score);
        n++;
      }
    } else {
      if (v !== undefined && (typeof v === 'string' || v.type !== 'list')) return 0;
      let list = v as ListValue | undefined;
      if (list === undefined) {
        list = new ListValue(items.length);
        ctx.db.set(key, list);
      }
      for (const item of items) {
        if (kind === 'lpush') list.pushFront(item);
        else list.pushBack(item);
        n++;
      }
    }
    ctx.shard.signals.signal(ctx.dbIndex, key);
    return n;
  },
};
