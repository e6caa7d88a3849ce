/**
 * Routes one framed request: finds its row, checks arity, and either runs it
 * on the main thread (coordinator rows) or sends it to the shard owning its
 * keys. Commands whose keys span shards are split per shard and their replies
 * combined (split strategies), or handed to a cross-shard coordinator.
 *
 * Replies keep request order because each request reserves its place in the
 * connection's reply queue before anything is sent.
 */
import type { Connection } from './connection';
import type { Server } from './server';
import { commandTable, keyPositions, type TableEntry } from './commands/table';
import { errorReply, integerReply, okReply, type CoordContext } from './commands/coord-context';
import { errUnknownCommand, errUnknownSubcommand, errWrongArity } from './resp/errors';
import { arrayElements, readInteger } from './resp/reply-reader';
import { PendingReply, type ReplySink } from './shard/shard-client';
import { queueInMulti } from './commands/transactions';
import { scratchCoordinator } from './commands/cross-shard/scratch';
import type { CoordOp } from './commands/spec';
import { handleResultWatch } from './commands/result-watch';
import { subscribedContextError } from './commands/pubsub';
import { blockingCoord } from './blocking/commands';

function arityOk(arity: number, argc: number): boolean {
  return arity >= 0 ? argc === arity : argc >= -arity;
}

export class Dispatcher {
  private readonly scratchOps = new Map<TableEntry, CoordOp>();

  constructor(private readonly server: Server) {}

  /** Resolves the row of a request, or replies with the error and returns undefined. */
  resolve(conn: Connection, args: string[]): TableEntry | undefined {
    const entry = commandTable.lookup(args[0]);
    if (entry === undefined) {
      const bufs = toBuffers(args);
      // `<cmd>.WATCH` / `<cmd>.UNWATCH` wrap any watchable row (commands/result-watch.ts).
      if (handleResultWatch(this.server, conn, bufs)) return undefined;
      conn.reply(errorReply(errUnknownCommand(bufs)));
      return undefined;
    }
    if (!arityOk(entry.spec.arity, args.length)) {
      entry.rejectedCalls++;
      conn.reply(errorReply(errWrongArity(entry.fullName)));
      return undefined;
    }
    // Key/value pair commands (MSET, MSETNX): an odd count is an arity error, as in Redis.
    if (entry.spec.step === 2 && entry.spec.lastKey === -1 && (args.length - entry.spec.firstKey) % 2 !== 0) {
      entry.rejectedCalls++;
      conn.reply(errorReply(errWrongArity(entry.fullName)));
      return undefined;
    }
    // A container called alone (COMMAND, arity -1) runs its own body.
    if (entry.subcommands === undefined || args.length === 1) return entry;
    const subName = args[1];
    const sub = entry.subcommands.get(subName.toLowerCase());
    if (sub === undefined) {
      entry.rejectedCalls++;
      conn.reply(errorReply(errUnknownSubcommand(subName, entry.spec.name)));
      return undefined;
    }
    if (!arityOk(sub.spec.arity, args.length)) {
      sub.rejectedCalls++;
      conn.reply(errorReply(errWrongArity(sub.fullName)));
      return undefined;
    }
    return sub;
  }

  /**
   * Dispatches one request, its arguments as the framer decoded them (latin1
   * strings). Returns a promise when later requests of this connection must
   * wait for this one (multi-step coordinators), else undefined.
   *
   * The shard-local single-shard path, nearly every request, sends the
   * strings as they are. Coordinators and the multi-key paths work on
   * Buffers and get them converted here (toBuffers).
   */
  dispatch(conn: Connection, args: string[]): Promise<void> | undefined {
    // A multi-step cross-shard command is running: wait for it, in arrival order.
    if (this.server.lock.held) return this.defer(conn, args);
    const entry = this.resolve(conn, args);
    // --- Transactions (commands/transactions.ts): between MULTI and EXEC a
    // rejected command fails the transaction and the others are queued.
    if (conn.txn !== null && conn.txn.queue !== null) {
      if (entry === undefined) conn.txn.aborted = true;
      else if (queueInMulti(conn, entry, toBuffers(args))) return undefined;
    }
    if (entry === undefined) return undefined;
    // Pub/sub: a subscribed RESP2 connection only takes (P)(UN)SUBSCRIBE, PING, QUIT, RESET.
    if (conn.channels !== null || conn.patterns !== null || conn.shardChannels !== null) {
      const err = subscribedContextError(conn, entry);
      if (err !== null) {
        entry.rejectedCalls++;
        conn.reply(errorReply(err));
        return undefined;
      }
    }
    conn.lastCommand = entry.fullName;
    entry.calls++;
    this.server.stats.totalCommands++;
    const spec = entry.spec;
    if (spec.coord !== undefined) return this.runCoordinator(conn, entry, spec.coord, toBuffers(args));
    // A shard-local row that may block (XREAD/XREADGROUP with BLOCK) waits through src/blocking.
    if (spec.blocksIf !== undefined) {
      const bufs = toBuffers(args);
      if (spec.blocksIf(bufs)) return this.runCoordinator(conn, entry, blockingCoord, bufs);
    }
    // Shard-local row: find the owning shard(s).
    const shards = this.server.shards;
    const from = entry.parent === undefined ? 1 : 2;
    // The framer's array is handed over: nothing here reads it after sending.
    if (shards.count === 1) {
      shards.clients[0].sendOwned(entry.opIndex, conn.db, conn.proto, conn.id, args, from, conn.reserve());
      return undefined;
    }
    // Single-key commands (the common case) skip building a positions array.
    if (spec.firstKey > 0 && spec.firstKey === spec.lastKey && spec.getKeys === undefined) {
      const s = spec.firstKey < args.length ? shards.shardOfKey(args[spec.firstKey]) : 0;
      shards.clients[s].sendOwned(entry.opIndex, conn.db, conn.proto, conn.id, args, from, conn.reserve());
      return undefined;
    }
    return this.dispatchMultiKey(conn, entry, toBuffers(args), from);
  }

  /** Routes a shard-local row with several keys (or computed ones): one shard, split, or coordinated. */
  private dispatchMultiKey(conn: Connection, entry: TableEntry, args: Buffer[], from: number): Promise<void> | undefined {
    const spec = entry.spec;
    const shards = this.server.shards;
    const positions = keyPositions(spec, args);
    if (positions.length === 0) {
      shards.clients[0].send(entry.opIndex, conn.db, conn.proto, conn.id, args, from, conn.reserve());
      return undefined;
    }
    const first = shards.shardOfKey(args[positions[0]]);
    let single = true;
    for (let i = 1; i < positions.length; i++) {
      if (shards.shardOfKey(args[positions[i]]) !== first) {
        single = false;
        break;
      }
    }
    if (single) {
      shards.clients[first].send(entry.opIndex, conn.db, conn.proto, conn.id, args, from, conn.reserve());
      return undefined;
    }
    if (spec.split !== undefined) {
      const slot = conn.reserve();
      this.split(conn, entry, args, positions, (buf) => conn.fill(slot, buf));
      return undefined;
    }
    if (entry.crossShard !== undefined) return this.runLocked(conn, entry, entry.crossShard, args);
    // Everything else runs its own op on a scratch copy of its keys (cross-shard/scratch.ts).
    let scratch = this.scratchOps.get(entry);
    if (scratch === undefined) {
      scratch = scratchCoordinator(entry);
      this.scratchOps.set(entry, scratch);
    }
    return this.runLocked(conn, entry, scratch, args);
  }

  /** Queues a request behind the current lock holder; the connection reads nothing more until it ran. */
  private defer(conn: Connection, args: string[]): Promise<void> {
    return new Promise((resolve) => {
      this.server.lock.whenFree(() => {
        if (conn.closed) return resolve();
        const barrier = this.dispatch(conn, args);
        if (barrier === undefined) resolve();
        else barrier.then(resolve, resolve);
      });
    });
  }

  /**
   * Runs a multi-step cross-shard coordinator under the shard lock, so no
   * other command sees its keys half moved (coordination/shard-lock.ts).
   */
  private runLocked(conn: Connection, entry: TableEntry, op: CoordOp, args: Buffer[]): Promise<void> {
    const slot = conn.reserve();
    const started = performance.now();
    return this.server.lock.acquire().then(async (release) => {
      let buf: Buffer;
      try {
        buf = await op({ conn, server: this.server, spec: entry.spec }, args);
      } catch (err) {
        buf = errorReply(coordError(err));
      } finally {
        release();
      }
      countCoordCall(entry, started, buf);
      conn.fill(slot, buf);
    });
  }

  private runCoordinator(
    conn: Connection,
    entry: TableEntry,
    op: NonNullable<TableEntry['spec']['coord']>,
    args: Buffer[],
  ): Promise<void> | undefined {
    const ctx: CoordContext = { conn, server: this.server, spec: entry.spec };
    const started = performance.now();
    let result: Buffer | Promise<Buffer>;
    try {
      result = op(ctx, args);
    } catch (err) {
      result = errorReply(coordError(err));
    }
    if (!(result instanceof Promise)) {
      countCoordCall(entry, started, result);
      conn.reply(result);
      return undefined;
    }
    const slot = conn.reserve();
    return result.then(
      (buf) => {
        countCoordCall(entry, started, buf);
        conn.fill(slot, buf);
      },
      (err: unknown) => {
        const buf = errorReply(coordError(err));
        countCoordCall(entry, started, buf);
        conn.fill(slot, buf);
      },
    );
  }

  /**
   * Runs one queued command of an EXEC that holds the shard lock: the same
   * routing as `dispatch`, minus the lock deferral (the caller owns the lock),
   * with the reply captured instead of written. `oneShot` is true when every
   * shard request of the command was sent before this returned, so the next
   * command may be sent without waiting for this one's reply (each shard runs
   * requests in send order).
   */
  runInExec(conn: Connection, entry: TableEntry, args: Buffer[]): { reply: Promise<Buffer>; oneShot: boolean } {
    entry.calls++;
    this.server.stats.totalCommands++;
    const spec = entry.spec;
    const ctx: CoordContext = { conn, server: this.server, spec, inExec: true };
    const started = performance.now();
    const coordinated = (op: CoordOp): { reply: Promise<Buffer>; oneShot: boolean } => {
      let reply: Promise<Buffer>;
      try {
        reply = Promise.resolve(op(ctx, args));
      } catch (err) {
        reply = Promise.resolve(errorReply(coordError(err)));
      }
      reply = reply.then(
        (buf) => (countCoordCall(entry, started, buf), buf),
        (err: unknown) => errorReply(coordError(err)),
      );
      return { reply, oneShot: false };
    };
    // Blocking rows see `inExec` and make one attempt instead of waiting (as
    // in Redis); XREAD/XREADGROUP BLOCK run as their shard op, which never waits.
    if (spec.coord !== undefined) return coordinated(spec.coord);
    const shards = this.server.shards;
    const from = entry.parent === undefined ? 1 : 2;
    const positions = shards.count === 1 ? [] : keyPositions(spec, args);
    let target = positions.length === 0 ? 0 : shards.shardOfKey(args[positions[0]]);
    for (let i = 1; i < positions.length; i++) {
      if (shards.shardOfKey(args[positions[i]]) !== target) {
        target = -1;
        break;
      }
    }
    if (target >= 0) {
      const reply = new Promise<Buffer>((resolve) => {
        const sink = { deliver: (p: PendingReply) => resolve(p.bytes()) };
        shards.clients[target].send(entry.opIndex, conn.db, conn.proto, conn.id, args, from, new PendingReply(sink));
      });
      return { reply, oneShot: true };
    }
    if (spec.split !== undefined) {
      return { reply: new Promise((resolve) => this.split(conn, entry, args, positions, resolve)), oneShot: true };
    }
    if (entry.crossShard !== undefined) return coordinated(entry.crossShard);
    let scratch = this.scratchOps.get(entry);
    if (scratch === undefined) {
      scratch = scratchCoordinator(entry);
      this.scratchOps.set(entry, scratch);
    }
    return coordinated(scratch);
  }

  /**
   * Runs a command per shard with that shard's keys and combines the replies.
   * Each key's arguments (the key, plus its value for key/value commands) are
   * regrouped by shard, keeping their relative order.
   */
  private split(conn: Connection, entry: TableEntry, args: Buffer[], positions: number[], done: (reply: Buffer) => void): void {
    const shards = this.server.shards;
    const spec = entry.spec;
    const perKey = spec.step; // arguments per key: 1 (DEL, MGET) or 2 (MSET)
    const groups = new Map<number, { args: Buffer[]; order: number[] }>();
    for (let k = 0; k < positions.length; k++) {
      const pos = positions[k];
      const s = shards.shardOfKey(args[pos]);
      let g = groups.get(s);
      if (g === undefined) {
        g = { args: [args[0]], order: [] };
        groups.set(s, g);
      }
      for (let j = 0; j < perKey; j++) g.args.push(args[pos + j]);
      g.order.push(k);
    }
    // Every part is sent now, in this one synchronous step (what makes a
    // split command atomic: docs/architecture.md, "Transactions and cross-shard atomicity"); the replies are combined
    // by a counting sink rather than promises (this is MSET's hot path).
    const gather = new SplitGather(spec.split as NonNullable<typeof spec.split>, groups.size, positions.length, done);
    let i = 0;
    for (const [s, g] of groups) {
      shards.clients[s].send(entry.opIndex, conn.db, conn.proto, conn.id, g.args, 1, new SplitPart(gather, i++, g.order));
    }
  }
}

/** One shard's part of a split command. */
class SplitPart extends PendingReply {
  constructor(
    gather: SplitGather,
    readonly index: number,
    /** Positions, in the whole command's key order, of this part's keys. */
    readonly order: number[],
  ) {
    super(gather);
  }
}

/** Collects the parts of a split command and combines them once all have arrived. */
class SplitGather implements ReplySink {
  private readonly parts: (SplitPart | undefined)[];
  private left: number;

  constructor(
    private readonly strategy: NonNullable<TableEntry['spec']['split']>,
    count: number,
    private readonly keys: number,
    private readonly done: (reply: Buffer) => void,
  ) {
    this.parts = new Array(count);
    this.left = count;
  }

  deliver(p: PendingReply): void {
    const part = p as SplitPart;
    this.parts[part.index] = part;
    if (--this.left === 0) this.done(this.combine());
  }

  private combine(): Buffer {
    const parts = this.parts as SplitPart[];
    for (const p of parts) {
      if (p.data !== null && p.data[p.start] === 45 /* '-' */) return p.bytes();
    }
    try {
      switch (this.strategy) {
        case 'sum': {
          let total = 0;
          for (const p of parts) total += readInteger(p.bytes()) ?? 0;
          return integerReply(total);
        }
        case 'all-ok':
          return okReply();
        case 'gather': {
          const out: Buffer[] = new Array(this.keys);
          for (const p of parts) {
            const elems = arrayElements(p.bytes()) ?? [];
            p.order.forEach((k, j) => (out[k] = elems[j]));
          }
          return Buffer.concat([Buffer.from(`*${out.length}\r\n`), ...out]);
        }
      }
    } catch (err) {
      return errorReply(coordError(err));
    }
  }
}

/** Time and outcome of a coordinator command for INFO commandstats (multi-step ones include their waits). */
function countCoordCall(entry: TableEntry, started: number, reply: Buffer): void {
  entry.usec += (performance.now() - started) * 1000;
  if (reply.length > 0 && reply[0] === 45 /* '-' */) entry.failedCalls++;
}

/** Request arguments as Buffers, for the paths that read them as bytes. */
function toBuffers(args: readonly string[]): Buffer[] {
  const out: Buffer[] = new Array(args.length);
  for (let i = 0; i < args.length; i++) out[i] = Buffer.from(args[i], 'latin1');
  return out;
}

function coordError(err: unknown): string {
  if (err instanceof Error && err.name === 'ReplyError') return err.message;
  return `ERR internal error: ${err instanceof Error ? err.message : String(err)}`;
}
