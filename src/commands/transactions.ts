/**
 * MULTI, EXEC, DISCARD, WATCH, UNWATCH (the shard side is
 * workers/families/transactions.ts; the protocol is in docs/architecture.md, "Transactions and cross-shard atomicity").
 *
 * Between MULTI and EXEC the dispatcher queues commands here instead of
 * running them. EXEC then takes one of two paths:
 * - fast path: every queued command is a shard-local command whose keys, and
 *   every watched key, live on one shard. One `__exec` op carries the watch
 *   check and the commands to that shard, which runs them in a row: atomic
 *   without any lock, as cheap as a pipeline.
 * - lock path: anything else. EXEC takes the global shard lock (no other
 *   request reaches any shard while it is held), checks and drops the watches
 *   on every shard that has some, then runs the commands through the normal
 *   routing and assembles their replies.
 */
import type { Connection } from '../connection';
import type { Server } from '../server';
import { keyPositions, CommandTable, type TableEntry } from './table';
import type { CommandSpec, CoordOp } from './spec';
import type { CoordContext } from './coord-context';
import { errorReply, okReply } from './coord-context';
import { PendingReply } from '../shard/shard-client';
import { readInteger } from '../resp/reply-reader';

const ERR_EXECABORT = 'EXECABORT Transaction discarded because of previous errors.';
const QUEUED = Buffer.from('+QUEUED\r\n');
const EMPTY_ARRAY = Buffer.from('*0\r\n');
const NIL_ARRAY: Record<2 | 3, Buffer> = { 2: Buffer.from('*-1\r\n'), 3: Buffer.from('_\r\n') };

export interface QueuedCommand {
  entry: TableEntry;
  args: Buffer[];
}

/** A connection's transaction state (conn.txn). */
export class Transaction {
  /** Commands queued since MULTI; null when not in MULTI. */
  queue: QueuedCommand[] | null = null;
  /** A command was rejected while queuing: EXEC replies EXECABORT. */
  aborted = false;
  /** Shards where this connection watches keys. */
  readonly watchShards = new Set<number>();
}

function txnOf(conn: Connection): Transaction {
  if (conn.txn === null) conn.txn = new Transaction();
  return conn.txn;
}

/** Commands that run at once even inside MULTI (as in Redis's processCommand). */
const RUN_IN_MULTI = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

/**
 * Called by the dispatcher for every resolved command while the connection is
 * in MULTI, with arguments it owns. Returns true when the command was queued
 * (or rejected) here, false when it must run now.
 */
export function queueInMulti(conn: Connection, entry: TableEntry, args: Buffer[]): boolean {
  const txn = conn.txn as Transaction;
  const name = entry.parent === undefined ? entry.spec.name : entry.parent.spec.name;
  if (RUN_IN_MULTI.has(name)) return false;
  if (entry.spec.flags.includes('no_multi') || (entry.parent !== undefined && entry.parent.spec.flags.includes('no_multi'))) {
    txn.aborted = true;
    conn.reply(errorReply('ERR Command not allowed inside a transaction'));
    return true;
  }
  // Kept as they are: the dispatcher made these Buffers for this call from
  // the framer's strings (toBuffers), so they point into no read buffer.
  (txn.queue as QueuedCommand[]).push({ entry, args });
  conn.reply(QUEUED);
  return true;
}

/** A shard request on behalf of the connection (its id reaches the shard op). */
function shardCall(server: Server, shard: number, op: number, conn: Connection, args: readonly (Buffer | string)[]): Promise<Buffer> {
  return new Promise((resolve) => {
    const sink = { deliver: (p: PendingReply) => resolve(p.bytes()) };
    server.shards.clients[shard].send(op, conn.db, conn.proto, conn.id, args, 1, new PendingReply(sink));
  });
}

/** Forgets every WATCHed key of the connection (the shard replies are not needed: later requests queue behind them). */
function unwatchAll(server: Server, conn: Connection): void {
  const txn = conn.txn;
  if (txn === null || txn.watchShards.size === 0) return;
  const op = CommandTable.internalOp('__unwatch');
  for (const s of txn.watchShards) void shardCall(server, s, op, conn, ['']);
  txn.watchShards.clear();
}

/** DISCARD, RESET: leaves MULTI and unwatches everything. */
export function discardTransaction(ctx: CoordContext): void {
  const txn = ctx.conn.txn;
  if (txn === null) return;
  txn.queue = null;
  txn.aborted = false;
  unwatchAll(ctx.server, ctx.conn);
}

const multi: CoordOp = (ctx) => {
  const txn = txnOf(ctx.conn);
  if (txn.queue !== null) return errorReply('ERR MULTI calls can not be nested');
  txn.queue = [];
  txn.aborted = false;
  return okReply();
};

const discard: CoordOp = (ctx) => {
  if (ctx.conn.txn === null || ctx.conn.txn.queue === null) return errorReply('ERR DISCARD without MULTI');
  discardTransaction(ctx);
  return okReply();
};

const unwatch: CoordOp = (ctx) => {
  unwatchAll(ctx.server, ctx.conn);
  return okReply();
};

/**
 * WATCH: registers the keys in their shards. The reply does not wait for the
 * shards: anything sent to a shard later (another client's write, EXEC)
 * queues behind the registration there.
 */
const watch: CoordOp = (ctx, args) => {
  const { conn, server } = ctx;
  const txn = txnOf(conn);
  if (txn.queue !== null) return errorReply('ERR WATCH inside MULTI is not allowed');
  const shards = server.shards;
  const groups = new Map<number, (Buffer | string)[]>();
  for (let i = 1; i < args.length; i++) {
    const s = shards.shardOfKey(args[i]);
    let g = groups.get(s);
    if (g === undefined) groups.set(s, (g = [''])); // the name slot, not sent
    g.push(args[i]);
  }
  const op = CommandTable.internalOp('__watch');
  for (const [s, keys] of groups) {
    void shardCall(server, s, op, conn, keys);
    txn.watchShards.add(s);
    conn.shardsWithState.add(s);
  }
  return okReply();
};

/**
 * The one shard every queued command and every watch lives on, or -1 when
 * EXEC needs the lock path: a coordinator command, keys on several shards,
 * watches on another shard, or a blocking command.
 */
function singleShard(server: Server, queue: readonly QueuedCommand[], watchShards: ReadonlySet<number>): number {
  const shards = server.shards;
  let target = -1;
  for (const s of watchShards) {
    if (target >= 0 && s !== target) return -1;
    target = s;
  }
  for (const { entry, args } of queue) {
    const spec = entry.spec;
    // Blocking rows take the lock path: Dispatcher.runInExec runs them with
    // `inExec`, so they make one attempt instead of waiting (as in Redis).
    if (spec.op === undefined || spec.coord !== undefined || entry.opIndex < 0 || spec.flags.includes('blocking')) return -1;
    if (shards.count === 1) {
      target = 0;
      continue;
    }
    const positions = keyPositions(spec, args);
    // Keyless shard ops go to shard 0, as in Dispatcher.dispatch.
    if (positions.length === 0) {
      if (target >= 0 && target !== 0) return -1;
      target = 0;
      continue;
    }
    for (const p of positions) {
      const s = shards.shardOfKey(args[p]);
      if (target >= 0 && s !== target) return -1;
      target = s;
    }
  }
  return target;
}

/** Fast path: one `__exec` op on one shard carries the watch check and every command. */
function execOnShard(ctx: CoordContext, shard: number, queue: readonly QueuedCommand[]): Promise<Buffer> {
  const parts: (Buffer | string)[] = ['', String(queue.length)];
  for (const { entry, args } of queue) {
    const from = entry.parent === undefined ? 1 : 2;
    parts.push(String(entry.opIndex), String(args.length - from));
    for (let i = from; i < args.length; i++) parts.push(args[i]);
    entry.calls++;
    ctx.server.stats.totalCommands++;
  }
  return shardCall(ctx.server, shard, CommandTable.internalOp('__exec'), ctx.conn, parts);
}

/** Lock path: see the module comment. */
async function execLocked(ctx: CoordContext, queue: readonly QueuedCommand[], watched: number[]): Promise<Buffer> {
  const { conn, server } = ctx;
  const release = await server.lock.acquire();
  try {
    const checkOp = CommandTable.internalOp('__watchcheck');
    const checks = await Promise.all(watched.map((s) => shardCall(server, s, checkOp, conn, [''])));
    if (checks.some((r) => readInteger(r) === 1)) return NIL_ARRAY[conn.proto];
    // A dead connection's transaction is cancelled: its watches are gone, nothing runs.
    if (conn.closed) return EMPTY_ARRAY;
    const replies: Promise<Buffer>[] = [];
    for (const { entry, args } of queue) {
      const run = server.dispatcher.runInExec(conn, entry, args);
      replies.push(run.reply);
      // A multi-step command must finish before the next one starts.
      if (!run.oneShot) await run.reply;
    }
    const bufs = await Promise.all(replies);
    return Buffer.concat([Buffer.from(`*${bufs.length}\r\n`), ...bufs]);
  } finally {
    release();
  }
}

const exec: CoordOp = (ctx) => {
  const { conn, server } = ctx;
  const txn = conn.txn;
  if (txn === null || txn.queue === null) return errorReply('ERR EXEC without MULTI');
  const queue = txn.queue;
  if (txn.aborted) {
    discardTransaction(ctx);
    return errorReply(ERR_EXECABORT);
  }
  txn.queue = null;
  const watched = [...txn.watchShards];
  // EXEC always unwatches: the shards drop the watches as they check them.
  txn.watchShards.clear();
  if (queue.length === 0 && watched.length === 0) return EMPTY_ARRAY;
  const shard = singleShard(server, queue, new Set(watched));
  if (shard >= 0) return execOnShard(ctx, shard, queue);
  return execLocked(ctx, queue, watched);
};

const tx = (name: string, arity: number, flags: CommandSpec['flags'], since: string, summary: string, complexity: string, coord: CoordOp): CommandSpec => ({
  name, arity, flags, firstKey: 0, lastKey: 0, step: 0, group: 'transactions', since, summary, complexity, coord,
});

export const transactionCommands: CommandSpec[] = [
  tx('multi', 1, ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], '1.2.0', 'Starts a transaction.', 'O(1)', multi),
  tx(
    'exec', 1, ['noscript', 'loading', 'stale', 'skip_slowlog'], '1.2.0', 'Runs every command queued since MULTI as one step.',
    'Depends on commands in the transaction', exec,
  ),
  tx(
    'discard', 1, ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], '2.0.0', 'Drops the commands queued since MULTI.',
    'O(N), when N is the number of queued commands', discard,
  ),
  {
    ...tx('watch', -2, ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], '2.2.0', 'Makes the next EXEC fail if any of the keys changes first.', 'O(1) for every key.', watch),
    firstKey: 1, lastKey: -1, step: 1, syntax: 'key [key ...]',
  },
  tx('unwatch', 1, ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], '2.2.0', 'Forgets every key watched by this connection.', 'O(1)', unwatch),
];
