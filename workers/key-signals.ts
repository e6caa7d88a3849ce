/**
 * Shard-side state that lives for a connection and listens to keys: waiters of
 * blocked commands, WATCH (MULTI) watchers, and `.WATCH` result subscriptions.
 *
 * A write to a key (any write op that did not fail, an expiry, FLUSHDB,
 * SWAPDB) calls `signal`, which calls every listener on that key. Listeners
 * may append events to the outbox, which the host sends to the main thread
 * in one message just before the batch's replies (or after an expiry cycle).
 *
 * Everything is indexed by connection too, so that when a connection ends the
 * main thread sends one `connClosed` RPC and `dropConn` removes all of that
 * connection's listeners in this shard: the shard hears of the abort through a
 * message in the same ordered stream as the connection's requests, never by
 * polling, and never before a registration that was sent earlier.
 */

import type { ShardEvent } from '../src/core/shard-protocol';

/** The kinds of listeners, counted separately for INFO. */
export type ListenerKind = 'block' | 'watch' | 'result';

export interface KeyListener {
  readonly kind: ListenerKind;
  readonly connId: number;
  /** Called after the key was (or may have been) modified. */
  modified(db: number, key: string): void;
}

/**
 * A client blocked on keys of this shard (a 'block' listener per key
 * carries it): what to run for it when one of them is written. `here`: this
 * shard may serve it itself (BpopRequest.here); else only the main thread does.
 */
export interface BlockedWait {
  readonly token: number;
  readonly connId: number;
  readonly db: number;
  readonly proto: 2 | 3;
  readonly cmd: string;
  readonly params: string[];
  readonly keys: string[];
  /** Stream reads: the ID per key, `$` resolved when the client blocked. */
  readonly ids: string[];
  readonly here: boolean;
}

export interface Registration {
  db: number;
  key: string;
  listener: KeyListener;
}

export class KeySignals {
  private readonly byDb = new Map<number, Map<string, Set<KeyListener>>>();
  private readonly byConn = new Map<number, Set<Registration>>();
  /** Live listeners by kind (INFO: per-shard waiters and watches). */
  readonly counts: Record<ListenerKind, number> = { block: 0, watch: 0, result: 0 };
  /** Total live listeners: the engine skips all signalling when this is 0. */
  size = 0;
  /** Counts signals that reached listeners, so listeners sharing work (.WATCH groups) run once per signal. */
  seq = 0;
  /** Events for the main thread, sent after the current batch or expiry cycle. */
  outbox: ShardEvent[] = [];
  /** The blocked client of each connection with 'block' listeners here (at most one wait per connection). */
  private readonly waits = new Map<number, BlockedWait>();
  /** Keys already announced as ready in this batch (one event per key per batch). */
  private readyThisBatch = new Set<string>();
  /**
   * CLIENT TRACKING's table (Redis's TrackingTable): key -> connections that
   * read it since its last write. Keys of every db alike, as in Redis.
   */
  private readonly tracked = new Map<string, Set<number>>();
  /** Some client tracks in BCAST mode: every write is reported. */
  private bcast = false;

  /** tracking-table-max-keys, this shard's share of it (0: no limit). */
  trackingMaxKeys = 0;

  /** Remembers that `connId` read `key` (a tracked read). */
  track(key: string, connId: number): void {
    let conns = this.tracked.get(key);
    if (conns === undefined) {
      this.tracked.set(key, (conns = new Set()));
      this.size++; // a tracked key makes writes worth signalling
      if (this.trackingMaxKeys !== 0 && this.tracked.size > this.trackingMaxKeys) this.limitTracked();
    }
    conns.add(connId);
  }

  /**
   * Over tracking-table-max-keys: keys leave the table, their trackers told
   * as if the keys had changed (Redis's trackingLimitUsedSlots; it picks them
   * at random, here the longest-tracked go first). Not reported to BCAST
   * clients (`by` -1), as in Redis.
   */
  limitTracked(): void {
    if (this.trackingMaxKeys === 0) return;
    for (const key of this.tracked.keys()) {
      if (this.tracked.size <= this.trackingMaxKeys) break;
      const conns = this.tracked.get(key) as Set<number>;
      this.tracked.delete(key);
      this.size--;
      this.outbox.push({ type: 'invalidate', key, by: -1, conns: [...conns] });
    }
  }

  /** Turns BCAST reporting on or off (the shard setting trackingBcast). */
  setBcast(on: boolean): void {
    if (on === this.bcast) return;
    this.bcast = on;
    this.size += on ? 1 : -1;
  }

  /** FLUSHDB / FLUSHALL: the main thread tells every tracking client to drop everything, so the table goes. */
  clearTracking(): void {
    this.size -= this.tracked.size;
    this.tracked.clear();
  }

  /** (key, client) pairs in the tracking table. */
  get trackedItems(): number {
    let n = 0;
    for (const conns of this.tracked.values()) n += conns.size;
    return n;
  }

  get trackedKeys(): number {
    return this.tracked.size;
  }

  /** A written key's trackers hear of it once, and forget it (Redis's trackingInvalidateKey). */
  private invalidate(key: string, by: number): void {
    const conns = this.tracked.get(key);
    if (conns === undefined && !this.bcast) return;
    if (conns !== undefined) {
      this.tracked.delete(key);
      this.size--;
    }
    this.outbox.push({ type: 'invalidate', key, by, conns: conns === undefined ? [] : [...conns] });
  }

  add(db: number, key: string, listener: KeyListener): void {
    let keys = this.byDb.get(db);
    if (keys === undefined) this.byDb.set(db, (keys = new Map()));
    let set = keys.get(key);
    if (set === undefined) keys.set(key, (set = new Set()));
    if (set.has(listener)) return;
    set.add(listener);
    let regs = this.byConn.get(listener.connId);
    if (regs === undefined) this.byConn.set(listener.connId, (regs = new Set()));
    regs.add({ db, key, listener });
    this.counts[listener.kind]++;
    this.size++;
  }

  /** Removes every listener for which `match` is true on one connection (e.g. UNWATCH, a waiter served). */
  removeWhere(connId: number, match: (r: Registration) => boolean): number {
    const regs = this.byConn.get(connId);
    if (regs === undefined) return 0;
    let n = 0;
    for (const r of regs) {
      if (!match(r)) continue;
      regs.delete(r);
      this.detach(r);
      n++;
    }
    if (regs.size === 0) this.byConn.delete(connId);
    return n;
  }

  /** One connection's registrations in this shard (a copy: callers may remove while walking it). */
  registrationsOf(connId: number): Registration[] {
    const regs = this.byConn.get(connId);
    return regs === undefined ? [] : [...regs];
  }

  /** The connection ended: all of its listeners go. */
  dropConn(connId: number): number {
    this.waits.delete(connId);
    return this.removeWhere(connId, () => true);
  }

  /**
   * Registers a blocked client: a 'block' listener on each of its keys, which
   * marks the key ready when written. A wait over several runs of keys here
   * registers once per run, under one token.
   */
  block(wait: BlockedWait): void {
    this.waits.set(wait.connId, wait);
    const token = wait.token;
    const listener: KeyListener & { token: number } = {
      kind: 'block',
      connId: wait.connId,
      token,
      modified: (db, key) => this.markReady(db, key),
    };
    for (const key of wait.keys) this.add(wait.db, key, listener);
  }

  /** The wait a 'block' listener stands for, while it is still registered (undefined once served or gone). */
  waitOf(listener: KeyListener): BlockedWait | undefined {
    const wait = this.waits.get(listener.connId);
    return wait !== undefined && wait.token === (listener as { token?: number }).token ? wait : undefined;
  }

  /** The connection's wait here, if it still waits. */
  waitFor(connId: number): BlockedWait | undefined {
    return this.waits.get(connId);
  }

  /** The connection stopped waiting (served, timed out, unblocked): its wait and 'block' listeners go. */
  unblock(connId: number): number {
    this.waits.delete(connId);
    return this.removeWhere(connId, (reg) => reg.listener.kind === 'block');
  }

  private detach(r: Registration): void {
    const keys = this.byDb.get(r.db);
    const set = keys?.get(r.key);
    if (set === undefined || !set.delete(r.listener)) return;
    if (set.size === 0) keys!.delete(r.key);
    if (keys!.size === 0) this.byDb.delete(r.db);
    this.counts[r.listener.kind]--;
    this.size--;
  }

  /** Listeners on one key (for a subsystem to find its own). */
  listeners(db: number, key: string): ReadonlySet<KeyListener> | undefined {
    return this.byDb.get(db)?.get(key);
  }

  /** Whether writes must be reported for CLIENT TRACKING (a tracked key exists, or a BCAST client). */
  get tracking(): boolean {
    return this.tracked.size !== 0 || this.bcast;
  }

  /**
   * A key was changed by connection `by` (0: expiry, a write-back): called
   * where Redis calls signalModifiedKey, which is where ops raise their
   * keyspace notification (workers/engine.ts OpContext.notify), so a write
   * that changed nothing (DEL of a missing key) invalidates nothing.
   */
  written(key: string, by: number): void {
    this.invalidate(key, by);
  }

  /**
   * A key in `db` was (or may have been) modified. `by` is the client
   * command's connection, whose op reported its own changes through
   * `written`; without it (expiry, a coordinator's write-back, a blocked
   * client's pop) the change is reported for tracking here.
   */
  signal(db: number, key: string, by = -1, skipWatch = false): void {
    if (by < 0 && this.tracking) this.invalidate(key, 0);
    const set = this.byDb.get(db)?.get(key);
    if (set === undefined) return;
    this.seq++;
    // Copy: a listener may remove itself (or others) while we walk.
    for (const l of [...set]) if (!skipWatch || l.kind !== 'watch') l.modified(db, key);
  }

  /**
   * An op changed `key` (called where Redis calls signalModifiedKey, i.e.
   * where the op raises its keyspace notification): its WATCHers hear of it.
   * A client command's other listeners hear of every key it may write through
   * `signal(..., skipWatch)`; WATCH is exact, as in Redis, so a write that
   * changed nothing (SADD of a member already there, DEL of a missing key)
   * lets the transaction through.
   */
  signalWatch(db: number, key: string): void {
    const set = this.byDb.get(db)?.get(key);
    if (set === undefined) return;
    for (const l of [...set]) if (l.kind === 'watch') l.modified(db, key);
  }

  /**
   * Every listened key of a db may have changed (FLUSHDB, FLUSHALL, SWAPDB).
   * WATCHers hear of it only for keys that `existed` (Redis's
   * touchAllWatchedKeysInDb: flushing an empty db touches nothing).
   */
  signalDb(db: number, existed: ReadonlySet<string>): void {
    const keys = this.byDb.get(db);
    if (keys === undefined) return;
    for (const key of [...keys.keys()]) this.signal(db, key, -1, !existed.has(key));
  }

  /** The listened keys of a db that hold a value now (before a flush or swap changes them). */
  listenedKeysIn(db: number, contains: (key: string) => boolean): Set<string> {
    const out = new Set<string>();
    const keys = this.byDb.get(db);
    if (keys !== undefined) for (const key of keys.keys()) if (contains(key)) out.add(key);
    return out;
  }

  /**
   * Keys that blocked clients wait on, written by the entry running now: the
   * engine serves their waiters right after it (rpc/blocking.ts
   * serveBlockedHere), or announces them ('ready') when the entry is not a
   * client's own command.
   */
  readyHere: { db: number; key: string }[] = [];
  private readonly readyHereIds = new Set<string>();

  /** A blocked client's key was written (a 'block' listener's `modified`). */
  markReady(db: number, key: string): void {
    const id = `${db}\0${key}`;
    if (this.readyHereIds.has(id)) return;
    this.readyHereIds.add(id);
    this.readyHere.push({ db, key });
  }

  /** Takes the keys marked ready so far (for the engine to serve their waiters). */
  takeReadyHere(): { db: number; key: string }[] {
    const out = this.readyHere;
    this.readyHere = [];
    this.readyHereIds.clear();
    return out;
  }

  /** Leaves the keys marked ready to the main thread ('ready' events): their writer was not a client's own command. */
  announceReadyHere(): void {
    for (const { db, key } of this.takeReadyHere()) this.announceReady(db, key);
  }

  /** Queues one 'ready' event per key per batch. */
  announceReady(db: number, key: string): void {
    const id = `${db}\0${key}`;
    if (this.readyThisBatch.has(id)) return;
    this.readyThisBatch.add(id);
    this.outbox.push({ type: 'ready', db, key });
  }

  /** Takes the events gathered so far (the engine sends them). */
  takeEvents(): ShardEvent[] | null {
    if (this.readyHere.length !== 0) this.announceReadyHere();
    if (this.outbox.length === 0) return null;
    const out = this.outbox;
    this.outbox = [];
    this.readyThisBatch.clear();
    return out;
  }
}
