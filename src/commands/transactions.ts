/**
 * MULTI, EXEC, DISCARD, WATCH, UNWATCH. Between MULTI and EXEC the dispatcher
 * queues commands here (`queueInMulti`) instead of running them; EXEC hands
 * the queue to the coordination layer (src/coordination/transactions.ts).
 */
import type { Connection } from '../connection';
import type { CoordContext, CoordOp, Coords, TableEntry } from '../coordination/context';
import { errorReply, okReply } from '../resp/replies';
import { execute, txnOf, unwatchAll, watchKeys, type Transaction } from '../coordination/transactions';
import { clusterRouteExec } from '../cluster/redirect';
import { recheckQueued } from './acl';

const ERR_EXECABORT = 'EXECABORT Transaction discarded because of previous errors.';
const QUEUED = Buffer.from('+QUEUED\r\n');

/** Commands that run at once even inside MULTI (as in Redis's processCommand). */
const RUN_IN_MULTI = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

/**
 * Called by the dispatcher for every resolved command while the connection is
 * in MULTI. Returns true when the command was queued (or rejected) here,
 * false when it must run now.
 */
export function queueInMulti(conn: Connection, entry: TableEntry, args: string[]): boolean {
  const txn = txnOf(conn);
  const name = entry.parent === undefined ? entry.spec.name : entry.parent.spec.name;
  if (RUN_IN_MULTI.has(name)) return false;
  if (entry.spec.flags.includes('no_multi') || (entry.parent !== undefined && entry.parent.spec.flags.includes('no_multi'))) {
    txn.aborted = true;
    conn.reply(errorReply('ERR Command not allowed inside a transaction'));
    return true;
  }
  // The framer made this array for this request alone: it is kept as it is.
  (txn.queue as NonNullable<Transaction['queue']>).push({ entry, args });
  conn.reply(QUEUED);
  return true;
}

/** DISCARD, RESET: leaves MULTI and unwatches everything. */
export function discardTransaction(ctx: Pick<CoordContext, 'server' | 'conn'>): void {
  if (ctx.conn.txn === null) return;
  const txn = txnOf(ctx.conn);
  txn.queue = null;
  txn.aborted = false;
  unwatchAll(ctx.server, ctx.conn);
}

/**
 * EXEC refused before it ran (its arity): Redis's execCommandAbort answers
 * EXECABORT with the reason and discards a transaction in progress.
 */
export function execRefused(server: CoordContext['server'], conn: CoordContext['conn'], error: string): Buffer {
  if (conn.txn !== null && txnOf(conn).inMulti) discardTransaction({ server, conn });
  return errorReply(`EXECABORT Transaction discarded because of: ${error.replace(/^ERR /, '')}`);
}

const multi: CoordOp = (ctx) => {
  const txn = txnOf(ctx.conn);
  if (txn.queue !== null) return errorReply('ERR MULTI calls can not be nested');
  txn.queue = [];
  txn.aborted = false;
  return okReply();
};

const discard: CoordOp = (ctx) => {
  if (ctx.conn.txn === null || !ctx.conn.txn.inMulti) return errorReply('ERR DISCARD without MULTI');
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
  if (ctx.conn.txn !== null && ctx.conn.txn.inMulti) return errorReply('ERR WATCH inside MULTI is not allowed');
  watchKeys(ctx.server, ctx.conn, ctx.entry, args);
  return okReply();
};

const exec: CoordOp = (ctx) => {
  const { conn } = ctx;
  if (conn.txn === null || !conn.txn.inMulti) return errorReply('ERR EXEC without MULTI');
  const txn = txnOf(conn);
  const queue = txn.queue ?? [];
  if (txn.aborted) {
    discardTransaction(ctx);
    return errorReply(ERR_EXECABORT);
  }
  const cluster = ctx.server.cluster;
  if (cluster !== null) {
    // Cluster mode: the transaction's keys as a whole must belong here (one slot, served by us).
    const route = clusterRouteExec(cluster, conn, queue.map((q) => ({ spec: q.entry.spec, args: q.args })));
    if (route.kind === 'error') {
      discardTransaction(ctx);
      return errorReply(route.message);
    }
  }
  txn.queue = null;
  recheckQueued(ctx.server, conn, queue);
  const watched = [...txn.watchShards];
  // EXEC always unwatches: the shards drop the watches as they check them.
  txn.watchShards.clear();
  return execute(ctx, queue, watched);
};

export const transactionCoords: Coords = {
  multi,
  exec,
  discard,
  watch,
  unwatch,
};
