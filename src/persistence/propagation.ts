/**
 * The ordered stream of effective writes (Redis's propagate()): one feed,
 * read by two consumers, the AOF (src/persistence/aof.ts) and the
 * replication stream (src/replication/primary.ts).
 *
 * Each logged write reserves its place when it is dispatched (`reserve`) and
 * the place is filled when its reply arrives (the reply decides the
 * propagated form: the ID XADD chose, the member SPOP took). Places are
 * handed to the consumers up to the first unfilled one, so consumers see
 * dispatch order, which is the order every shard ran its commands in. A
 * command that blocks takes a place per attempt to serve it, as the attempt
 * is sent (src/coordination/blocking.ts), so a waiting client never holds
 * the feed back. A marker (`marker`) runs its callback at its place in that
 * order: an AOF rewrite switches files there, a full sync takes its offset
 * there, WAIT learns the offset of the client's writes there.
 *
 * SELECT is the consumers' business: each one tracks the db its reader is
 * in and writes SELECT when a place's db differs (places fill out of order,
 * so the SELECT cannot be decided when a place is reserved).
 */
import { aofForm, encodeCommand, type Cmd } from './aof-commands';
import type { FeedPlace } from '../shard-clients/shard-client';

/** Who reads the feed. */
export interface FeedConsumer {
  /**
   * A place's commands (RESP, without SELECT) as run in `db`. `resetsDb`:
   * they SELECT another db themselves, so the next place must SELECT again.
   * `replicate` is false for writes that came from our own primary (its
   * stream reaches our replicas verbatim instead).
   */
  write(db: number, data: Buffer, resetsDb: boolean, replicate: boolean): void;
}

/** One place in the feed. */
class Slot implements FeedPlace {
  /** The encoded commands, once known (empty: nothing to propagate). */
  data: Buffer | null = null;
  /** Its commands SELECT another db: the next place repeats its SELECT. */
  resetsDb = false;
  /** Runs once the place reached the consumers (WAIT's offset of a client's last write). */
  onWritten: (() => void) | null = null;
  /** The place this one was reserved right after (reserveAfter): its followers stay together, in order. */
  leader: FeedPlace | null = null;
  constructor(
    readonly db: number,
    readonly replicate: boolean,
    /** A marker: runs at this point of the order instead of carrying data. */
    readonly marker: (() => void) | null = null,
  ) {}
}

export class PropagationFeed {
  private readonly slots: Slot[] = [];
  private head = 0;
  private readonly consumers: FeedConsumer[] = [];
  /** Whether writes are to be logged at all (the AOF is on, or a replication backlog exists). */
  private readonly wanted: (() => boolean)[] = [];

  /** Adds a consumer; `wanted` says while it wants writes (dispatch skips the feed when nobody does). */
  addConsumer(c: FeedConsumer, wanted: () => boolean): void {
    this.consumers.push(c);
    this.wanted.push(wanted);
  }

  /** True while some consumer wants writes. */
  get active(): boolean {
    for (const w of this.wanted) if (w()) return true;
    return false;
  }

  /**
   * Places (writes, markers) not handed to the consumers yet: writes
   * dispatched whose reply has not come, and what waits behind them. Zero
   * means every write dispatched so far is in the stream (FAILOVER waits for
   * it before it compares offsets).
   */
  get pending(): number {
    return this.slots.length - this.head;
  }

  /** Reserves the next place for a write dispatched now in `db`. */
  reserve(db: number, replicate = true): Slot {
    const s = new Slot(db, replicate);
    this.slots.push(s);
    return s;
  }

  /**
   * Moves an unfilled place to the end of the order, now: its command did
   * not run where it was dispatched but runs from here (a script whose
   * unlocked run gave up before it wrote, run again under the shard lock),
   * after what was dispatched meanwhile and after a snapshot point placed
   * meanwhile, which otherwise had neither its effects nor the script after it.
   */
  requeue(slot: Slot): Slot {
    const moved = this.reserve(slot.db, slot.replicate);
    moved.onWritten = slot.onWritten;
    slot.onWritten = null;
    this.skip(slot);
    return moved;
  }

  /**
   * Reserves a place right after `after` (and after those reserved after it
   * before): for what its shard ran right after it, a blocked client served
   * there. A place already handed to the consumers (never expected: a shard
   * sends what it served before the reply that fills `after`) gets one at the
   * end instead.
   */
  reserveAfter(after: FeedPlace, db: number, replicate = true): Slot {
    const at = this.slots.indexOf(after as Slot, this.head);
    if (at === -1) return this.reserve(db, replicate);
    const s = new Slot(db, replicate);
    s.leader = after;
    let i = at + 1;
    while (i < this.slots.length && this.slots[i].leader === after) i++;
    this.slots.splice(i, 0, s);
    return s;
  }

  /** Fills a place with nothing: what it stood for changed nothing (a blocked client's attempt that found no data). */
  skip(slot: Slot): void {
    slot.data = Buffer.alloc(0);
    this.drain();
  }

  /** Fills a place with the command that ran and its reply. */
  complete(slot: Slot, args: readonly string[], reply: Buffer): void {
    slot.data = encode(aofForm(args, reply, Date.now()));
    this.drain();
  }

  /** Adds at the end of the order (a coordinator's own effects, what a gone blocked client had taken put back). */
  appendNow(db: number, cmds: Cmd[], replicate = true, onWritten: (() => void) | null = null): void {
    const s = this.reserve(db, replicate);
    s.data = encode(cmds);
    s.onWritten = onWritten;
    this.drain();
  }

  /** Fills a transaction's place: the commands that ran, between MULTI and EXEC. */
  completeExec(slot: Slot, queued: readonly (readonly string[])[], replies: readonly Buffer[] | null): void {
    const cmds: Cmd[] = [];
    let selects = false;
    if (replies !== null) {
      for (let i = 0; i < queued.length && i < replies.length; i++) {
        // SELECT inside MULTI changes the db of what follows: propagated as is.
        if (queued[i][0].toLowerCase() === 'select') {
          selects = true;
          cmds.push([...queued[i]]);
        } else cmds.push(...aofForm(queued[i], replies[i], Date.now()));
      }
    }
    // A transaction of only SELECTs changed nothing.
    const effective = cmds.some((c) => c[0].toLowerCase() !== 'select');
    slot.resetsDb = selects && effective;
    slot.data = effective ? encode([['MULTI'], ...cmds, ['EXEC']]) : Buffer.alloc(0);
    this.drain();
  }

  /**
   * A key a shard deleted on its own (expiry, eviction): propagated right
   * after the last place that has its reply. Every command that shard ran
   * before the delete has answered (its replies and events come in its
   * order, events first), so they are all before that point; places after it
   * are waiting, so they ran after the delete (or on other shards, on other
   * keys). Inserting at the head instead would put the DEL before a filled
   * place that waits behind a slow one (a script, a transaction).
   */
  deleteNow(db: number, key: string): void {
    const s = new Slot(db, true);
    s.data = encodeCommand(['DEL', key]);
    let at = this.slots.length;
    while (at > this.head && this.slots[at - 1].marker === null && this.slots[at - 1].data === null) at--;
    this.slots.splice(at, 0, s);
    this.drain();
  }

  /** Runs `fn` at this point of the order: after every place reserved before it reached the consumers. */
  marker(fn: () => void): void {
    this.slots.push(new Slot(-1, false, fn));
    this.drain();
  }

  /** Hands the filled prefix of the order to the consumers. */
  private drain(): void {
    while (this.head < this.slots.length) {
      const s = this.slots[this.head];
      if (s.marker === null && s.data === null) break;
      this.head++;
      if (s.marker !== null) {
        s.marker();
        continue;
      }
      const data = s.data as Buffer;
      if (data.length !== 0) for (const c of this.consumers) c.write(s.db, data, s.resetsDb, s.replicate);
      s.onWritten?.();
    }
    if (this.head > 1024 && this.head * 2 > this.slots.length) {
      this.slots.splice(0, this.head);
      this.head = 0;
    } else if (this.head === this.slots.length && this.head > 0) {
      this.slots.length = 0;
      this.head = 0;
    }
  }
}

function encode(cmds: Cmd[]): Buffer {
  if (cmds.length === 0) return Buffer.alloc(0);
  return cmds.length === 1 ? encodeCommand(cmds[0]) : Buffer.concat(cmds.map(encodeCommand));
}

export type { Slot as FeedSlot };
