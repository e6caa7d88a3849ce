/**
 * Cross-shard transactions: what a connection's MULTI holds, and how EXEC
 * runs it (the commands are src/commands/transactions.ts, the shard side
 * workers/rpc/transactions.ts; the protocol is in docs/architecture.md,
 * "Transactions and cross-shard atomicity").
 *
 * EXEC takes one of two paths:
 * - fast path: every queued command is a shard row whose keys, and every
 *   watched key, live on one shard. One `exec` RPC carries the watch check
 *   and the commands to that shard, which runs them in a row: atomic without
 *   any lock, as cheap as a pipeline.
 * - lock path: anything else. EXEC takes the global shard lock (no other
 *   request reaches any shard while it is held), checks and drops the watches
 *   on every shard that has some, then runs the commands through the router
 *   and assembles their replies.
 */
import { sendScriptUser } from './script-user';
import { queuedArgvBytes } from '../client-memory';
import { TRACK_READS } from '../core/shard-protocol';
import { tracksReads } from '../tracking/tracking';
import type { Connection, ConnectionTxn } from '../connection';
import type { CoordContext, ServerContext, TableEntry } from './context';
import { ROUTE_CROSS, ROUTE_MAIN } from '../core/routing/router';
import { PendingReply } from '../shard-clients/shard-client';
import { arrayReply, errorReply } from '../resp/replies';
import { callCoordinator } from './calls';
import { runSplit } from './split';

const EMPTY_ARRAY = Buffer.from('*0\r\n');
const NIL_ARRAY: Record<2 | 3, Buffer> = { 2: Buffer.from('*-1\r\n'), 3: Buffer.from('_\r\n') };

export interface QueuedCommand {
  entry: TableEntry;
  args: string[];
  /**
   * Set at EXEC when the user's ACL rules changed since MULTI and no longer
   * allow this command: its place in EXEC's reply is `error`, and it does not
   * run. `log` records it in the ACL log, once the transaction really runs
   * (a fired WATCH cancels it first, as in Redis).
   */
  denied?: { error: string; log: () => void };
}

/** A connection's transaction state (`conn.txn`, created by the first MULTI or WATCH). */
export class Transaction implements ConnectionTxn {
  /** Commands queued since MULTI; null when not in MULTI. */
  queue: QueuedCommand[] | null = null;
  /** A command was rejected while queuing: EXEC replies EXECABORT. */
  aborted = false;
  /** Shards where this connection watches keys. */
  readonly watchShards = new Set<number>();

  get inMulti(): boolean {
    return this.queue !== null;
  }

  get queuedCount(): number {
    return this.queue === null ? -1 : this.queue.length;
  }

  get queuedArgvBytes(): number {
    let n = 0;
    for (const q of this.queue ?? []) n += queuedArgvBytes(q.args);
    return n;
  }
}

/** The connection's transaction state, created on first use. */
export function txnOf(conn: Connection): Transaction {
  // conn.txn is only ever set here, so it is this class.
  if (conn.txn === null) conn.txn = new Transaction();
  return conn.txn as Transaction;
}

/** The RPC scope of a connection's own requests (its id reaches the shard: watches are per connection). */
function scopeOf(conn: Connection): { db: number; proto: 2 | 3; connId: number } {
  return { db: conn.db, proto: conn.proto, connId: conn.id };
}

/** WATCH: registers the keys in their shards, without waiting (later requests to a shard queue behind it). */
export function watchKeys(server: ServerContext, conn: Connection, entry: TableEntry, args: string[]): void {
  const txn = txnOf(conn);
  for (const part of server.shards.router.split(entry.spec, args)) {
    void server.shards.call(part.shard, 'watch', { keys: part.args.slice(1) }, scopeOf(conn));
    txn.watchShards.add(part.shard);
    conn.shardsWithState.add(part.shard);
  }
}

/** Forgets every WATCHed key of the connection (the shard replies are not needed: later requests queue behind them). */
export function unwatchAll(server: ServerContext, conn: Connection): void {
  const txn = conn.txn as Transaction | null;
  if (txn === null || txn.watchShards.size === 0) return;
  for (const s of txn.watchShards) void server.shards.call(s, 'unwatch', undefined, scopeOf(conn));
  txn.watchShards.clear();
}

/** Runs EXEC's queue (MULTI state already cleared); `watched` are the shards holding the connection's watches. */
export function execute(ctx: CoordContext, queue: readonly QueuedCommand[], watched: number[]): Buffer | Promise<Buffer> {
  if (queue.length === 0 && watched.length === 0) return EMPTY_ARRAY;
  const shard = singleShard(ctx.server, queue, watched);
  if (shard >= 0) return execOnShard(ctx, shard, queue);
  return execLocked(ctx, queue, watched);
}

/**
 * The one shard every queued command and every watch lives on, or -1 when
 * EXEC needs the lock path: a main-thread command, keys on several shards,
 * watches on another shard, or a blocking command.
 */
function singleShard(server: ServerContext, queue: readonly QueuedCommand[], watched: readonly number[]): number {
  let target = -1;
  for (const s of watched) {
    if (target >= 0 && s !== target) return -1;
    target = s;
  }
  for (const { entry, args, denied } of queue) {
    // A command refused at EXEC (ACL re-check) takes the lock path, where its place gets the error.
    if (denied !== undefined) return -1;
    // Blocking rows take the lock path: runQueued runs them with `inExec`, so
    // they make one attempt instead of waiting (as in Redis).
    if (entry.opIndex < 0 || entry.spec.flags.includes('blocking')) return -1;
    const s = server.shards.router.route(entry.spec, args, false);
    if (s < 0 || (target >= 0 && s !== target)) return -1;
    target = s;
  }
  return target;
}

/** Fast path: one `exec` RPC on one shard carries the watch check and every command. */
async function execOnShard(ctx: CoordContext, shard: number, queue: readonly QueuedCommand[]): Promise<Buffer> {
  const commands = queue.map(({ entry, args }) => {
    entry.calls++;
    ctx.server.stats.totalCommands++;
    return { opIndex: entry.opIndex, args: args.slice(1) };
  });
  // CLIENT TRACKING: the shard remembers the keys of the queued reads (run-command.ts checks each is a read).
  const scope = scopeOf(ctx.conn);
  if (tracksReads(ctx.conn)) scope.connId = (scope.connId | TRACK_READS) >>> 0;
  // Queued scripts' calls are checked against the user's rules there too (script-user.ts), sent first.
  if (queue.some((q) => q.entry.spec.undeclaredKeys)) sendScriptUser(ctx.server.shards, ctx.conn, shard);
  const reply = await ctx.server.shards.call(shard, 'exec', { commands }, scope);
  return Buffer.from(reply, 'latin1');
}

/** Lock path: see the module comment. */
async function execLocked(ctx: CoordContext, queue: readonly QueuedCommand[], watched: number[]): Promise<Buffer> {
  const { conn, server } = ctx;
  const release = await server.lock.acquire();
  try {
    const dirty = await Promise.all(watched.map((s) => server.shards.call(s, 'watchCheck', undefined, scopeOf(conn))));
    if (dirty.some((d) => d)) return NIL_ARRAY[conn.proto];
    // A dead connection's transaction is cancelled: its watches are gone, nothing runs.
    if (conn.closed) return EMPTY_ARRAY;
    const replies: Promise<Buffer>[] = [];
    for (const { entry, args, denied } of queue) {
      if (denied !== undefined) {
        entry.rejectedCalls++;
        denied.log();
        replies.push(Promise.resolve(errorReply(denied.error)));
        continue;
      }
      const run = runQueued(ctx, entry, args);
      replies.push(run.reply);
      // A multi-step command must finish before the next one starts.
      if (!run.oneShot) await run.reply;
    }
    return arrayReply(await Promise.all(replies));
  } finally {
    release();
  }
}

/**
 * Runs one queued command of an EXEC that holds the shard lock: the router's
 * decision as for any request, minus the lock deferral (EXEC owns the lock),
 * with the reply captured instead of written. `oneShot` is true when every
 * shard request of the command was sent before this returned, so the next
 * command may be sent without waiting for this one's reply (each shard runs
 * requests in send order).
 */
function runQueued(ctx: CoordContext, entry: TableEntry, args: string[]): { reply: Promise<Buffer>; oneShot: boolean } {
  const { conn, server } = ctx;
  entry.calls++;
  server.stats.totalCommands++;
  const coordinated = (op: NonNullable<TableEntry['coord']>): { reply: Promise<Buffer>; oneShot: boolean } => ({
    reply: Promise.resolve(callCoordinator(op, { conn, server, entry, inExec: true }, args)),
    oneShot: false,
  });
  // Blocking rows see `inExec` and make one attempt instead of waiting (as in
  // Redis); XREAD/XREADGROUP BLOCK run as their shard op, which never waits.
  const target = server.shards.router.route(entry.spec, args, false);
  if (target === ROUTE_MAIN) return coordinated(entry.coord as NonNullable<TableEntry['coord']>);
  if (target !== ROUTE_CROSS) {
    const reply = new Promise<Buffer>((resolve) => {
      const pending = new PendingReply({ deliver: (p) => resolve(p.bytes()) });
      if (entry.spec.undeclaredKeys) sendScriptUser(server.shards, conn, target);
      server.shards.clients[target].send(entry.opIndex, conn.db, conn.proto, conn.id, args, 1, pending);
    });
    return { reply, oneShot: true };
  }
  const cross = entry.cross;
  if (cross?.kind === 'split') {
    return { reply: new Promise((resolve) => runSplit(server.shards, entry, cross.combine, args, scopeOf(conn), resolve)), oneShot: true };
  }
  return coordinated((cross as { run: NonNullable<TableEntry['coord']> }).run);
}
