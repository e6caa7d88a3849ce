/**
 * Blocked clients, owned by the main thread.
 *
 * A blocking command first tries to take data like its non-blocking
 * counterpart. When there is none, the shards owning its keys keep a 'block'
 * listener for the connection on each key (workers/rpc/blocking.ts), and
 * the client waits here, in a FIFO list per (db, key).
 *
 * Who serves it: a wait whose keys are all on one shard (BLMOVE with both
 * keys there too) is served by that shard itself, right
 * after the client command that gave it data, before the next command runs
 * there, as Redis serves blocked clients after each command; the shard
 * reports it ('served', naming the wait by its token). Anything else, and
 * writes by EXEC or scripts, make the shard send a 'ready' event; the main
 * thread then retries the waiting clients of that key in order, each with a
 * one-shot attempt on the key's shard, until the data is gone.
 *
 * Exactly once, also across shards:
 * - a client has at most one attempt in flight; a 'ready' for one of its keys
 *   that arrives meanwhile is remembered (`dirty`) and retried after;
 * - a first attempt over keys on several shards runs under the shard lock,
 *   so no write lands between its steps;
 * - a reply that finds its connection gone, or that the connection never
 *   wrote because it closed first, is put back where it came from (`bundo`);
 * - a retry carries the wait's token: a shard that served the wait itself
 *   (its 'served' is then already here, ahead of the retry's answer) answers
 *   it with nothing, and a wait served by a retry leaves the shard's list.
 *
 * Everything a waiter holds (timer, abort listener, queue entries, shard
 * listeners) is released in `finish`, whichever way the wait ends; shard
 * listeners of a closed connection go with `connClosed`.
 *
 * The propagation feed (AOF, replicas) learns of a pop where it ran: each
 * attempt that may serve takes its place in the feed as it is sent (the
 * dispatcher gives a blocking command none), and fills it with the command's
 * logged form if it served, or leaves it empty. A wait that began before the
 * feed did (a first replica, CONFIG SET appendonly yes) is logged all the
 * same, and a pop that ran before a snapshot's start is logged before its
 * point. What goes back with `bundo` is logged too. A pop a shard ran
 * right after a client's write is logged right after that write's place
 * (PropagationFeed.reserveAfter), which the write's reply position knows.
 */
import type { ServerContext } from './context';
import { unblockError, type Connection, type UnblockHow } from '../connection';
import type { BpopRequest, UndoRequest } from '../core/shard-protocol';
import { onAbort, type Disposer } from '../abort-listener';
import { bulkReply } from '../resp/replies';
import type { FeedSlot, PropagationFeed } from '../persistence/propagation';
import type { ShardEvent } from '../core/shard-protocol';

export type Family = 'list' | 'zset' | 'stream';

export interface BlockRequest {
  family: Family;
  /** The `bpop` command: blpop, brpop, blmpop, bzpopmin, bzpopmax, bzmpop, blmove, xread, xreadgroup. */
  cmd: string;
  params: string[];
  /** Keys (latin1) in the client's order. */
  keys: string[];
  /** Stream reads: the ID per key (`$` is resolved by the first attempt). */
  ids: string[];
  /** Milliseconds, 0 = forever. */
  timeoutMs: number;
  /** BLMOVE/BRPOPLPUSH: where the element goes. */
  move?: { dst: string; from: string; to: string };
  /** The command as the feed logs it once served (aofForm with its reply); null for a read (XREAD). */
  logged: string[] | null;
}

type Outcome =
  | { kind: 'served'; reply: Buffer; undo: UndoRequest | null; streams: { index: number; part: string }[] }
  | { kind: 'none' }
  | { kind: 'error'; reply: Buffer };

const NONE: Outcome = { kind: 'none' };
const MAX_TIMER_MS = 2 ** 31 - 1;

function nullArray(proto: 2 | 3): Buffer {
  return Buffer.from(proto === 3 ? '_\r\n' : '*-1\r\n');
}

class Waiter {
  /** Key indexes per shard, in key order. */
  readonly byShard = new Map<number, number[]>();
  /** Shards where this connection has 'block' listeners. */
  readonly registered = new Set<number>();
  /** Shards that answered a registering attempt with nothing: they hold the wait (and check its token). */
  readonly held = new Set<number>();
  /** Shards that announced a key while an attempt was in flight: retried after it. */
  readonly dirty = new Set<number>();
  readonly queueIds: string[] = [];
  inFlight = false;
  finished = false;
  /** A timeout / CLIENT UNBLOCK reply waiting for the attempt in flight to come back empty. */
  pending: Buffer | null = null;
  timer: NodeJS.Timeout | null = null;
  disposeAbort: Disposer | null = null;
  /** After being served: the reply whose writing is watched, and how to undo it. */
  guard: { reply: Buffer; undo: UndoRequest; timer: NodeJS.Timeout | null } | null = null;
  readonly handle = { unblock: (how: UnblockHow): boolean => this.unblock(how) };
  readonly done: Promise<Buffer>;
  resolve!: (b: Buffer) => void;
  /** Set by the manager: ends the wait with a reply (timeout, unblock). */
  expire!: (reply: Buffer) => void;
  readonly crossMove: boolean;
  /** The key's shard may serve this wait itself (BpopRequest.here). */
  readonly here: boolean;

  constructor(
    readonly token: number,
    readonly conn: Connection,
    readonly db: number,
    readonly proto: 2 | 3,
    readonly req: BlockRequest,
    readonly keyShards: number[],
    dstShard: number,
  ) {
    this.done = new Promise((r) => (this.resolve = r));
    keyShards.forEach((s, i) => {
      let list = this.byShard.get(s);
      if (list === undefined) this.byShard.set(s, (list = []));
      list.push(i);
    });
    this.crossMove = req.move !== undefined && dstShard !== keyShards[0];
    this.here = !this.crossMove && this.byShard.size === 1;
  }

  private unblock(how: UnblockHow): boolean {
    if (this.finished) return false;
    const error = unblockError(how);
    this.expire(error === null ? nullArray(this.proto) : Buffer.from(`-${error}\r\n`));
    return true;
  }
}

interface KeyQueue {
  id: string;
  shard: number;
  waiters: Waiter[];
  running: boolean;
  again: boolean;
}

export class BlockingManager {
  private readonly queues = new Map<string, KeyQueue>();
  /** Waits by token, until their shards can no longer report them served (their `bunblock` answered). */
  private readonly byToken = new Map<number, Waiter>();
  private lastToken = 0;

  constructor(private readonly server: ServerContext) {
    server.shardEvents.ready = (_shard, ev) => this.onReady(ev.db, ev.key);
    server.shardEvents.served = (shard, ev) => this.onServed(shard, ev);
  }

  /** Clients waiting in this manager (tests and INFO cross-check `blocked_clients`). */
  get waitingKeys(): number {
    return this.queues.size;
  }

  private shardOf(key: string): number {
    return this.server.shards.router.shardOf(key);
  }

  /** Runs a blocking command: resolves with its reply (data, timeout, error). */
  block(conn: Connection, req: BlockRequest): Promise<Buffer> {
    const keyShards = req.keys.map((k) => this.shardOf(k));
    const dstShard = req.move === undefined ? -1 : this.shardOf(req.move.dst);
    const w = new Waiter(this.nextToken(), conn, conn.db, conn.proto, req, keyShards, dstShard);
    this.byToken.set(w.token, w);
    w.expire = (reply) => this.expire(w, reply);
    // Waiting clients of a list or zset key are served before a newcomer takes anything (FIFO).
    const behind = req.family !== 'stream' && req.keys.some((k) => (this.queues.get(this.queueId(w.db, k))?.waiters.length ?? 0) > 0);
    for (let i = 0; i < req.keys.length; i++) this.enqueue(w, req.keys[i], keyShards[i]);
    w.disposeAbort = onAbort(conn.signal, this.server.tasks, () => this.onAbort(w));
    this.armTimer(w);
    w.inFlight = true;
    void this.firstAttempt(w, behind ? 2 : 1).then(
      (out) => {
        const ended = this.settle(w, out);
        if (ended) return;
        if (!w.conn.closed) w.conn.blocked = w.handle;
        // Behind others: serve them (and then this one) as if the keys were just written.
        if (behind) for (const k of req.keys) this.onReady(w.db, k);
      },
      (err: unknown) => this.settle(w, { kind: 'error', reply: Buffer.from(`-ERR internal error: ${String(err)}\r\n`) }),
    );
    return w.done;
  }

  /**
   * A blocking command inside EXEC never blocks (as in Redis, it answers as if
   * its timeout had passed): one attempt, nothing registered. EXEC's lock path
   * already holds the shard lock, so the attempt takes no lock of its own.
   */
  async tryOnce(conn: Connection, req: BlockRequest): Promise<Buffer> {
    const keyShards = req.keys.map((k) => this.shardOf(k));
    const dstShard = req.move === undefined ? -1 : this.shardOf(req.move.dst);
    // Token 0: nothing is registered, so no shard serves this try on its own.
    const w = new Waiter(0, conn, conn.db, conn.proto, req, keyShards, dstShard);
    let out: Outcome = NONE;
    if (w.crossMove) {
      out = await this.moveAttempt(w, 0);
    } else {
      for (const run of runs(w.keyShards)) {
        out = await this.send(w, run.shard, 0, req.cmd, req.params, run.idxs);
        if (out.kind !== 'none') break;
      }
    }
    if (out.kind !== 'none') return out.reply;
    // Redis answers a move that cannot block with a null bulk, the pops with a null array.
    if (req.move !== undefined) return Buffer.from(w.proto === 3 ? '_\r\n' : '$-1\r\n');
    return nullArray(w.proto);
  }

  private nextToken(): number {
    // Tokens cross to the shards as numbers: wrap well inside the exact integers.
    this.lastToken = this.lastToken >= 2 ** 52 ? 1 : this.lastToken + 1;
    return this.lastToken;
  }

  private queueId(db: number, key: string): string {
    return `${db}\0${key}`;
  }

  private enqueue(w: Waiter, key: string, shard: number): void {
    const id = this.queueId(w.db, key);
    if (w.queueIds.includes(id)) return;
    let q = this.queues.get(id);
    if (q === undefined) this.queues.set(id, (q = { id, shard, waiters: [], running: false, again: false }));
    q.waiters.push(w);
    w.queueIds.push(id);
  }

  private armTimer(w: Waiter): void {
    if (w.req.timeoutMs === 0) return;
    const at = Date.now() + w.req.timeoutMs;
    const tick = (): void => {
      const left = at - Date.now();
      if (left > 0) {
        w.timer = setTimeout(tick, Math.min(left, MAX_TIMER_MS));
        return;
      }
      w.timer = null;
      this.expire(w, nullArray(w.proto));
    };
    w.timer = setTimeout(tick, Math.min(w.req.timeoutMs, MAX_TIMER_MS));
  }

  /** Timeout or CLIENT UNBLOCK: ends the wait now, or once the attempt in flight came back empty. */
  private expire(w: Waiter, reply: Buffer): void {
    if (w.finished) return;
    if (w.inFlight) {
      w.pending ??= reply;
      return;
    }
    this.finish(w, reply, null);
  }

  private onAbort(w: Waiter): void {
    w.disposeAbort = null;
    if (!w.finished) {
      this.expire(w, nullArray(w.proto));
      return;
    }
    // Served, but the reply may not have reached the socket: then it goes back.
    const g = w.guard;
    if (g === null) return;
    w.guard = null;
    if (g.timer !== null) clearTimeout(g.timer);
    if (w.conn.holdsReply(g.reply)) this.putBack(w, g.undo);
  }

  // -------------------------------------------------------------------------
  // Attempts

  /** Sends one `bpop` attempt to a shard. */
  private async send(w: Waiter, shard: number, mode: BpopRequest['mode'], cmd: string, params: string[], idxs: readonly number[], keys?: string[]): Promise<Outcome> {
    const req = w.req;
    const sent: BpopRequest = { mode, cmd, params, keys: keys ?? idxs.map((i) => req.keys[i]), ids: [] };
    if (keys === undefined && req.family === 'stream') sent.ids = idxs.map((i) => req.ids[i]);
    if (mode === 1 || mode === 2) {
      // A closed connection must register nothing: its connClosed may already be gone.
      if (w.conn.closed) return NONE;
      w.conn.shardsWithState.add(shard);
      w.registered.add(shard);
      sent.here = w.here;
    }
    // Where the shard holds the wait, it checks it still does (it may have served it itself).
    if (w.held.has(shard) || mode === 1 || mode === 2) sent.token = w.token;
    let result;
    try {
      result = await this.server.shards.call(shard, 'bpop', sent, { db: w.db, proto: w.proto, connId: w.conn.id });
    } catch (err) {
      return { kind: 'error', reply: Buffer.from(`-${(err as Error).message}\r\n`, 'latin1') };
    }
    if (result.served) return { kind: 'served', reply: Buffer.from(result.reply, 'latin1'), undo: result.undo, streams: result.streams };
    if (mode === 1 || mode === 2) w.held.add(shard);
    // Not served: stream reads learn their resolved IDs (`$`).
    if (keys === undefined && req.family === 'stream') result.ids.forEach((id, j) => (req.ids[idxs[j]] = id));
    return NONE;
  }

  /** Sends when no multi-step command is between its steps (main-thread initiative). */
  private sendWhenFree(w: Waiter, shard: number, idxs: readonly number[]): Promise<Outcome> {
    return new Promise((resolve, reject) => {
      this.server.lock.whenFree(() => {
        this.logged(w, this.send(w, shard, 0, w.req.cmd, w.req.params, idxs)).then(resolve, reject);
      });
    });
  }

  /** The first attempt: serve if possible, else register on every key's shard. */
  private async firstAttempt(w: Waiter, mode: 1 | 2): Promise<Outcome> {
    const req = w.req;
    if (!w.crossMove && w.byShard.size === 1) {
      const [[shard, idxs]] = w.byShard;
      return this.logged(w, this.send(w, shard, mode, req.cmd, req.params, idxs));
    }
    const release = await this.server.lock.acquire();
    try {
      return await this.logged(w, this.firstAttemptLocked(w, mode));
    } finally {
      release();
    }
  }

  private async firstAttemptLocked(w: Waiter, mode: 1 | 2): Promise<Outcome> {
    const req = w.req;
    if (w.crossMove) return this.moveAttempt(w, mode);
    if (req.family === 'stream') return this.firstStreamAttempt(w);
    // The first non-empty key wins: runs of consecutive keys on one shard, in key order.
    for (const run of runs(w.keyShards)) {
      if (w.conn.closed) return NONE;
      const out = await this.send(w, run.shard, mode, req.cmd, req.params, run.idxs);
      if (out.kind !== 'none') return out;
    }
    return NONE;
  }

  /** The feed this wait's effects go to: none for a read (XREAD), for the AOF's own loader, or while nothing is logged. */
  private feedFor(w: Waiter): PropagationFeed | null {
    const feed = this.server.feed;
    return w.req.logged === null || w.conn.loader || !feed.active ? null : feed;
  }

  /**
   * Gives an attempt its place in the feed, reserved now, as its first
   * request is sent (the caller sends it in this same step, or holds the
   * lock): filled with the command's logged form if it served, else empty.
   */
  private async logged(w: Waiter, attempt: Promise<Outcome>): Promise<Outcome> {
    const feed = this.feedFor(w);
    const form = w.req.logged;
    if (feed === null || form === null) return attempt;
    const slot: FeedSlot = feed.reserve(w.db, !w.conn.isMaster);
    slot.onWritten = this.server.replication.wroteFor(w.conn);
    let out: Outcome = NONE;
    try {
      out = await attempt;
    } finally {
      if (out.kind === 'served') feed.complete(slot, form, out.reply);
      else feed.skip(slot);
    }
    return out;
  }

  /**
   * A stream read over several shards: validate every key in order first (an
   * error must come before anything is served), then serve or register on
   * every shard at once and merge what was served in key order.
   */
  private async firstStreamAttempt(w: Waiter): Promise<Outcome> {
    const req = w.req;
    for (const run of runs(w.keyShards)) {
      if (w.conn.closed) return NONE;
      const out = await this.send(w, run.shard, 3, req.cmd, req.params, run.idxs);
      if (out.kind === 'error') return out;
    }
    if (w.conn.closed) return NONE;
    const shards = [...w.byShard];
    const outs = await Promise.all(shards.map(([shard, idxs]) => this.send(w, shard, 1, req.cmd, req.params, idxs)));
    const served: { index: number; part: string }[] = [];
    outs.forEach((out, j) => {
      if (out.kind !== 'served') return;
      const idxs = shards[j][1];
      for (const { index, part } of out.streams) served.push({ index: idxs[index], part });
    });
    for (const out of outs) if (out.kind === 'error') return out;
    if (served.length === 0) return NONE;
    served.sort((a, b) => a.index - b.index);
    const head = `${w.proto === 3 ? '%' : '*'}${served.length}\r\n`;
    return { kind: 'served', reply: Buffer.from(head + served.map((s) => s.part).join(''), 'latin1'), undo: null, streams: [] };
  }

  /**
   * BLMOVE/BRPOPLPUSH with source and destination on different shards, under
   * the lock: is there something at the source (registering there when not,
   * on a first attempt), may the destination take it, pop, push.
   */
  private async moveAttempt(w: Waiter, mode: BpopRequest['mode']): Promise<Outcome> {
    const move = w.req.move as NonNullable<BlockRequest['move']>;
    const src = w.keyShards[0];
    const dst = this.shardOf(move.dst);
    const peek = await this.send(w, src, mode, 'peek', [], [0]);
    if (peek.kind !== 'served') return peek;
    const check = await this.send(w, dst, 0, 'destcheck', [], [], [move.dst]);
    if (check.kind === 'error') return check;
    const pop = await this.send(w, src, 0, 'popone', [move.from], [0]);
    if (pop.kind !== 'served' || pop.undo === null) return pop;
    // The popped element is what would go back (`undo`); it goes to the destination instead.
    const elem = pop.undo.items[0];
    const push = this.server.commands.lookup(move.to === 'left' ? 'lpush' : 'rpush');
    await this.server.shards.clients[dst].request((push as { opIndex: number }).opIndex, w.db, 2, ['', move.dst, elem], 1);
    return { kind: 'served', reply: bulkReply(elem, w.proto), undo: null, streams: [] };
  }

  /** Applies an attempt's outcome. Returns true when the wait is over. */
  private settle(w: Waiter, out: Outcome): boolean {
    w.inFlight = false;
    // A stream read takes nothing, so nothing goes back.
    if (out.kind === 'served') this.finish(w, out.reply, w.req.family === 'stream' ? null : out.undo);
    else if (out.kind === 'error') this.finish(w, out.reply, null);
    else if (w.pending !== null) this.finish(w, w.pending, null);
    else if (w.conn.closed) this.finish(w, nullArray(w.proto), null);
    if (w.finished) return true;
    if (w.dirty.size > 0) void this.drainDirty(w);
    return false;
  }

  private async drainDirty(w: Waiter): Promise<void> {
    while (!w.finished && !w.inFlight && w.dirty.size > 0) {
      const [shard] = w.dirty;
      await this.retry(w, shard);
    }
  }

  /** One retry of a waiter on one shard (after a 'ready'). Resolves true if its wait ended. */
  private async retry(w: Waiter, shard: number): Promise<boolean> {
    if (w.finished) return true;
    if (w.inFlight) {
      w.dirty.add(shard);
      return false;
    }
    w.dirty.delete(shard);
    const idxs = w.byShard.get(shard);
    if (idxs === undefined) return false;
    w.inFlight = true;
    let out: Outcome;
    try {
      if (w.crossMove) {
        const release = await this.server.lock.acquire();
        try {
          out = await this.logged(w, this.moveAttempt(w, 0));
        } finally {
          release();
        }
      } else {
        out = await this.sendWhenFree(w, shard, idxs);
      }
    } catch (err) {
      out = { kind: 'error', reply: Buffer.from(`-ERR internal error: ${String(err)}\r\n`) };
    }
    return this.settle(w, out);
  }

  // -------------------------------------------------------------------------
  // Wake-ups

  private onReady(db: number, key: string): void {
    const q = this.queues.get(this.queueId(db, key));
    if (q === undefined) return;
    q.again = true;
    if (!q.running) void this.runPass(q);
  }

  /**
   * Serves the waiters of one key in FIFO order. A list or zset waiter that
   * finds nothing means the key has nothing for its kind: the others of that
   * kind are skipped. Stream readers each have their own position, so each is tried.
   */
  private async runPass(q: KeyQueue): Promise<void> {
    q.running = true;
    try {
      while (q.again) {
        q.again = false;
        const failed = new Set<Family>();
        for (const w of [...q.waiters]) {
          if (w.finished) continue;
          if (w.req.family !== 'stream' && failed.has(w.req.family)) continue;
          if (w.inFlight) {
            w.dirty.add(q.shard);
            continue;
          }
          const ended = await this.retry(w, q.shard);
          if (!ended) failed.add(w.req.family);
        }
      }
    } finally {
      q.running = false;
      if (q.waiters.length === 0 && this.queues.get(q.id) === q) this.queues.delete(q.id);
    }
  }

  // -------------------------------------------------------------------------
  // The end of a wait

  private finish(w: Waiter, reply: Buffer, undo: UndoRequest | null): void {
    if (w.finished) return;
    w.finished = true;
    for (const id of w.queueIds) {
      const q = this.queues.get(id);
      if (q === undefined) continue;
      const i = q.waiters.indexOf(w);
      if (i !== -1) q.waiters.splice(i, 1);
      if (q.waiters.length === 0 && !q.running) this.queues.delete(id);
    }
    if (w.timer !== null) clearTimeout(w.timer);
    w.timer = null;
    const conn = w.conn;
    if (conn.blocked === w.handle) conn.blocked = null;
    this.release(w);
    if (conn.closed) {
      if (undo !== null) this.putBack(w, undo);
      w.disposeAbort?.();
      w.disposeAbort = null;
      w.resolve(reply);
      return;
    }
    w.resolve(reply);
    if (undo === null) {
      w.disposeAbort?.();
      w.disposeAbort = null;
      return;
    }
    // Keep listening for the abort until the reply is on its way.
    const guard: NonNullable<Waiter['guard']> = { reply, undo, timer: null };
    w.guard = guard;
    const check = (): void => {
      const g = w.guard;
      if (g === null) return;
      g.timer = null;
      if (!conn.closed && conn.holdsReply(g.reply)) {
        g.timer = setTimeout(check, 5);
        return;
      }
      w.guard = null;
      w.disposeAbort?.();
      w.disposeAbort = null;
    };
    // The dispatcher queues the reply in a microtask; the writer takes it on a later turn.
    guard.timer = setTimeout(check, 0);
  }

  /**
   * Ends the wait in its shards. Its token is kept until they answered: a
   * shard may have served it meanwhile, and its 'served' comes before that
   * answer. (Also for a closed connection, whose connClosed drops the same
   * listeners: whichever comes second finds nothing.)
   */
  private release(w: Waiter): void {
    const shards = [...w.registered];
    w.registered.clear();
    if (shards.length === 0) {
      this.byToken.delete(w.token);
      return;
    }
    const calls = shards.map((s) => this.server.shards.call(s, 'bunblock', undefined, { connId: w.conn.id }));
    const forget = (): void => void this.byToken.delete(w.token);
    Promise.all(calls).then(forget, forget);
  }

  /**
   * A shard served a wait itself, right after the client command at entry
   * `after` of the batch it is answering: the pop is logged right after that
   * command, and the client gets its reply (or, if its wait ended meanwhile,
   * the data goes back).
   */
  private onServed(shard: number, ev: Extract<ShardEvent, { type: 'served' }>): void {
    const w = this.byToken.get(ev.token);
    if (w === undefined) {
      this.server.log.warn({ shard, token: ev.token }, 'a shard served a wait that is not known here');
      return;
    }
    const reply = Buffer.from(ev.reply, 'latin1');
    const feed = this.feedFor(w);
    const form = w.req.logged;
    if (feed !== null && form !== null && reply[0] !== 0x2d /* - */) {
      const place = this.server.shards.clients[shard].batchEntry(ev.after)?.feedPlace;
      // No place: the write was dispatched before the feed began, so the snapshot it began with holds the pop too.
      if (place !== null) {
        const slot = place === undefined ? feed.reserve(w.db, !w.conn.isMaster) : feed.reserveAfter(place, w.db, !w.conn.isMaster);
        slot.onWritten = this.server.replication.wroteFor(w.conn);
        feed.complete(slot, form, reply);
      }
    }
    if (w.finished) {
      // Timed out or unblocked while the shard served it: what it took goes back.
      if (ev.undo !== null) this.putBack(w, ev.undo);
      return;
    }
    // An attempt still in flight comes back empty (the shard no longer holds the wait) and finds it finished.
    this.finish(w, reply, ev.undo);
  }

  /** Gives back what a gone client was served (logged as the push or ZADD it is: its pop was logged). */
  private putBack(w: Waiter, undo: UndoRequest): void {
    const shard = this.shardOf(undo.key);
    this.server.lock.whenFree(() => {
      this.feedFor(w)?.appendNow(w.db, [[undo.kind.toUpperCase(), undo.key, ...undo.items]], !w.conn.isMaster);
      void this.server.shards.call(shard, 'bundo', undo, { db: w.db });
    });
  }
}

/** Runs of consecutive keys on the same shard, in key order. */
function runs(keyShards: readonly number[]): { shard: number; idxs: number[] }[] {
  const out: { shard: number; idxs: number[] }[] = [];
  keyShards.forEach((s, i) => {
    const last = out[out.length - 1];
    if (last !== undefined && last.shard === s) last.idxs.push(i);
    else out.push({ shard: s, idxs: [i] });
  });
  return out;
}

const managers = new WeakMap<ServerContext, BlockingManager>();

/** The server's blocking manager (created on first use; it registers the 'ready' handler). */
export function blockingOf(server: ServerContext): BlockingManager {
  let m = managers.get(server);
  if (m === undefined) managers.set(server, (m = new BlockingManager(server)));
  return m;
}
