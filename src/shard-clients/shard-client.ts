/**
 * The main thread's handle on one shard: it accumulates the turn's requests
 * into one batch, sends the batch when the shard set flushes, and hands each
 * reply to whoever waits for it. Replies come back in request order, so a
 * plain FIFO of pending replies matches them up.
 *
 * Two kinds of request share the stream: client commands (an op index and
 * arguments, answered with RESP bytes) and shard RPCs (`call`: typed data,
 * src/core/shard-protocol.ts). Sharing one ordered stream is what lets an RPC
 * sent after a command (a WATCH registration, a connection's end) run after it.
 */
import { RPC_OP, RequestBatchBuilder, decodeOutcome, encodeRpc, splitReplies } from '../core/wire/shard-batch';
import { CallBatch, type ReplySlot } from '../core/wire/call-batch';
import type { RpcCall, RpcMethod, RpcOutcome, RpcRequest, RpcResult, ShardEvent } from '../core/shard-protocol';
import { ReplyError } from '../core/errors';
import type { ArenaLease } from './reply-arena';

/** Receives a reply once its bytes arrive. */
export interface ReplySink {
  deliver(p: PendingReply): void;
}

/**
 * Where a client's write sits in the propagation feed
 * (src/persistence/propagation.ts, which owns what it is): what its shard
 * ran right after it (a blocked client it served) is logged right after it.
 */
export interface FeedPlace {
  readonly db: number;
}

/**
 * One request's place in line. Once the reply arrives, its RESP bytes are
 * `data[start..end)` (a region of the shard's reply batch, or a whole buffer).
 */
export class PendingReply implements ReplySlot {
  data: Buffer | null = null;
  start = 0;
  end = 0;
  /** CLIENT REPLY OFF/SKIP: the reply keeps its place but is never written. */
  dropped = false;
  /** Told the reply when it arrives, before anything else (the AOF logs the write it answers). */
  onReply: ((reply: Buffer) => void) | null = null;
  /** A client's write: its place in the feed (null without one: the feed was off, or nothing is logged). */
  feedPlace: FeedPlace | null = null;
  /**
   * Set when `data` is the inline shard's reply arena (reply-arena.ts): the
   * connection that writes the reply releases it once the socket is done
   * with the bytes. Whoever else gets the reply leaves it set.
   */
  lease: ArenaLease | null = null;
  constructor(readonly sink: ReplySink) {}

  /** The reply as one Buffer (allocates a view when it is a region). */
  bytes(): Buffer {
    const d = this.data as Buffer;
    return this.start === 0 && this.end === d.length ? d : d.subarray(this.start, this.end);
  }

  setWhole(data: Buffer): void {
    this.data = data;
    this.start = 0;
    this.end = data.length;
  }
}

/** How an encoded batch reaches a worker shard: its MessagePort. */
export interface ShardTransport {
  /** A batch was opened: it will be posted at the end of this turn (ShardProgress counts it from now). */
  opened(): void;
  post(batch: ArrayBuffer): void;
  close(): Promise<void>;
}

/**
 * A shard engine on the main thread (`--workers 0`): it takes the turn's
 * requests unencoded, fills in every pending reply, and delivers them.
 */
export interface InlineShard {
  run(calls: CallBatch<PendingReply>): void;
  close(): Promise<void>;
}

/**
 * An RPC's place in line: an inline shard answers with its `outcome`, a
 * worker shard with the outcome serialized as the reply's bytes.
 */
class RpcPending extends PendingReply {
  outcome: RpcOutcome | null = null;
}

/** Resolves an RPC's promise from its outcome. */
class RpcSink implements ReplySink {
  constructor(
    private readonly resolve: (value: unknown) => void,
    private readonly reject: (err: ReplyError) => void,
  ) {}
  deliver(p: PendingReply): void {
    const outcome = (p as RpcPending).outcome ?? decodeOutcome((p.data as Buffer).subarray(p.start, p.end));
    if (outcome.ok) this.resolve(outcome.value);
    else this.reject(new ReplyError(outcome.error));
  }
}

/** Where an RPC acts: the db, the protocol client replies are written in, and the connection it is for. */
export interface RpcScope {
  db?: number;
  proto?: 2 | 3;
  connId?: number;
}

export class ShardClient {
  private readonly builder = new RequestBatchBuilder();
  private queue: PendingReply[] = [];
  private head = 0;
  transport: ShardTransport | null = null;
  /** Set instead of `transport` for an inline shard: requests go into `calls`, not the encoder. */
  private inline: InlineShard | null = null;
  private calls: CallBatch<PendingReply> | null = null;
  /** An inline shard's background lane (callBackground): run after the turn's replies are written. */
  private background: CallBatch<PendingReply> | null = null;
  /** The inline shard's batch whose events and replies are being handed out (see batchEntry). */
  private running: CallBatch<PendingReply> | null = null;
  /** The previous turn's CallBatch, cleared, for reuse (null while it runs). */
  private spareCalls: CallBatch<PendingReply> | null = null;
  /**
   * Set while the shard's thread is being restarted after a crash: client
   * requests get this error at once (never a hang); only the restore's own
   * requests (`internal`) go through.
   */
  unavailable: Buffer | null = null;
  /** True while the restore sends its own requests (see unavailable). */
  internal = false;
  /** The receivers a PUBLISH (sharded: SPUBLISH) would reach now, for an inline shard's scripts (set by the server). */
  publishReceivers: ((channel: string, sharded: boolean) => number) | null = null;
  /** Receives events the shard sends unasked (see workers/key-signals.ts). */
  eventHandler: ((shard: number, events: ShardEvent[]) => void) | null = null;

  constructor(
    readonly id: number,
    /** Called when this client has its first request of the turn, so the shard set schedules a flush. */
    private readonly wantFlush: () => void,
  ) {}

  /** The first request of this turn's batch to a worker shard. */
  private openBatch(): void {
    this.transport?.opened();
    this.countedOn = this.transport;
    this.wantFlush();
  }

  /** The transport the open batch was counted on (a shard restarting meanwhile has a new one, or none yet). */
  private countedOn: ShardTransport | null = null;

  /** Requests sent or queued whose reply has not arrived yet. */
  get inflight(): number {
    return this.calls !== null ? this.calls.count : this.queue.length - this.head;
  }

  /** Makes this the client of a shard engine running on this thread. */
  attachInline(shard: InlineShard): void {
    this.inline = shard;
    this.calls = new CallBatch<PendingReply>();
  }

  /** Closes the worker transport or the inline shard. */
  async close(): Promise<void> {
    await (this.inline ?? this.transport)?.close();
  }

  /** Queues one command; `args[from..]` are the arguments after the name (or subcommand). */
  send(opIndex: number, db: number, proto: number, connId: number, args: readonly string[], from: number, pending: PendingReply): void {
    if (this.unavailable !== null && !this.internal) return this.refuse(pending);
    const calls = this.calls;
    if (calls !== null) {
      if (calls.count === 0) this.wantFlush();
      calls.add(opIndex, db, proto, connId, args, from, pending);
      return;
    }
    if (this.builder.count === 0) this.openBatch();
    this.builder.add(opIndex, db, proto, connId, args, from);
    this.queue.push(pending);
  }

  /**
   * Queues one command whose argument array (`args[0]` its name) the caller
   * hands over: it must not read or change it afterwards. An inline shard
   * runs on the array itself; a worker shard's batch copies it like `send`.
   */
  sendOwned(opIndex: number, db: number, proto: number, connId: number, args: string[], from: number, pending: PendingReply): void {
    if (this.unavailable !== null && !this.internal) return this.refuse(pending);
    const calls = this.calls;
    if (calls === null) return this.send(opIndex, db, proto, connId, args, from, pending);
    if (calls.count === 0) this.wantFlush();
    calls.addOwned(opIndex, db, proto, connId, args, pending);
  }

  /** Queues one command and resolves with its raw reply (RESP bytes). */
  request(opIndex: number, db: number, proto: number, args: readonly string[], from: number, connId = 0): Promise<Buffer> {
    return new Promise((resolve) => {
      this.send(opIndex, db, proto, connId, args, from, new PendingReply({ deliver: (p) => resolve(p.bytes()) }));
    });
  }

  /**
   * Calls a shard RPC in the background lane: on an inline shard it runs
   * after the turn's other requests and after their replies are written
   * (ShardSet's flush), so a client never waits behind it; a worker shard
   * takes it in the ordinary stream (its thread is not the one serving
   * sockets). Only for work whose order against commands does not matter: a
   * snapshot's slices (copy-on-write keeps them at their point in time).
   */
  callBackground<M extends RpcMethod>(method: M, req: RpcRequest<M>): Promise<RpcResult<M>> {
    if (this.calls === null) return this.call(method, req);
    return new Promise((resolve, reject) => {
      // As in `call`: the outcome of `method` is that method's result.
      const pending = new RpcPending(new RpcSink(resolve as (value: unknown) => void, reject));
      if (this.unavailable !== null && !this.internal) return this.refuse(pending);
      const bg = (this.background ??= new CallBatch<PendingReply>());
      // A client marked dirty twice in a turn is flushed once with work and once without: harmless.
      if (bg.count === 0) this.wantFlush();
      bg.addRpc(RPC_OP, 0, 2, 0, { method, req } as RpcCall, pending);
    });
  }

  /** Runs the background lane's requests (inline shard; see callBackground). */
  flushBackground(): void {
    const bg = this.background;
    if (bg === null || bg.count === 0 || this.inline === null) return;
    // Background requests sent while these run go into the next turn.
    this.background = null;
    this.inline.run(bg);
  }

  /** Whether background requests wait for flushBackground. */
  get hasBackground(): boolean {
    return this.background !== null && this.background.count > 0;
  }

  /** Calls a shard RPC; rejects with a ReplyError when the shard answered an error. */
  call<M extends RpcMethod>(method: M, req: RpcRequest<M>, scope: RpcScope = {}): Promise<RpcResult<M>> {
    return new Promise((resolve, reject) => {
      // The outcome of `method` is that method's result (the shard side is typed against the same interface).
      const pending = new RpcPending(new RpcSink(resolve as (value: unknown) => void, reject));
      if (this.unavailable !== null && !this.internal) return this.refuse(pending);
      const call = { method, req } as RpcCall;
      const db = scope.db ?? 0;
      const proto = scope.proto ?? 2;
      const connId = scope.connId ?? 0;
      const calls = this.calls;
      if (calls !== null) {
        if (calls.count === 0) this.wantFlush();
        calls.addRpc(RPC_OP, db, proto, connId, call, pending);
        return;
      }
      if (this.builder.count === 0) this.openBatch();
      this.builder.addBytes(RPC_OP, db, proto, connId, encodeRpc(call));
      this.queue.push(pending);
    });
  }

  flush(): void {
    const calls = this.calls;
    if (calls !== null) {
      if (calls.count === 0 || this.inline === null) return;
      // Requests sent while this batch runs or delivers (a coordinator's next
      // step, a woken waiter) go into the next batch.
      this.calls = this.spareCalls ?? new CallBatch<PendingReply>();
      this.spareCalls = null;
      const outer = this.running;
      this.running = calls;
      try {
        this.inline.run(calls);
      } finally {
        this.running = outer;
      }
      calls.clear();
      this.spareCalls = calls;
      return;
    }
    if (this.builder.count === 0 || this.transport === null) return;
    if (this.countedOn !== this.transport) this.transport.opened();
    this.countedOn = null;
    this.transport.post(this.builder.take());
  }

  onReplies(batch: ArrayBuffer): void {
    splitReplies(batch, this.onReply);
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private readonly onReply = (buf: Buffer, start: number, end: number): void => {
    const p = this.queue[this.head];
    this.queue[this.head++] = undefined as unknown as PendingReply; // let it be collected
    p.data = buf;
    p.start = start;
    p.end = end;
    p.sink.deliver(p);
  };

  /**
   * Entry `k` of the batch whose events are being handled (a 'served'
   * event's `after`): a shard sends a batch's events just before its
   * replies, so that batch's first entry is the oldest request still
   * waiting for its reply.
   */
  batchEntry(k: number): PendingReply | undefined {
    if (this.running !== null) return k < this.running.count ? this.running.pendings[k] : undefined;
    return this.queue[this.head + k];
  }

  onEvents(events: ShardEvent[]): void {
    this.eventHandler?.(this.id, events);
  }

  /** Runs `fn` (which sends requests synchronously) past the `unavailable` refusal: a restore's own requests. */
  internally<T>(fn: () => T): T {
    this.internal = true;
    try {
      return fn();
    } finally {
      this.internal = false;
    }
  }

  /** Answers a request at once with the `unavailable` error. */
  private refuse(p: PendingReply): void {
    const reply = this.unavailable as Buffer;
    p.setWhole(reply);
    if (p instanceof RpcPending) p.outcome = { ok: false, error: reply.latin1Slice(1, reply.length - 2) };
    p.sink.deliver(p);
  }

  /** Fails every request still waiting (the shard is gone): commands get `reply`, RPCs its error. */
  failAll(reply: Buffer): void {
    const outcome: RpcOutcome = { ok: false, error: reply.latin1Slice(1, reply.length - 2) };
    // Requests still in the unsent batch are failed below with the rest: drop
    // them, or the restarted thread would run them and answer replies that
    // no one waits for any more.
    if (this.builder.count > 0) this.builder.take();
    while (this.head < this.queue.length) {
      const p = this.queue[this.head++];
      p.setWhole(reply);
      if (p instanceof RpcPending) p.outcome = outcome;
      p.sink.deliver(p);
    }
    this.queue = [];
    this.head = 0;
  }
}
