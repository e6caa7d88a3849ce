/**
 * Dispatches one framed request: finds its row, checks arity, asks the
 * router where it runs, and sends it there: to the shard owning its keys,
 * to a coordinator on the main thread, or, when its keys span shards, to the
 * row's cross-shard plan (split and gather, or a coordinator under the shard
 * lock).
 *
 * Replies keep request order because each request reserves its place in the
 * connection's reply queue before anything is sent.
 */
import type { Connection } from './connection';
import type { CoordOp, ServerContext, TableEntry } from './coordination/context';
import { commandTable } from './commands/table';
import { errorReply } from './resp/replies';
import { errUnknownCommand, errUnknownSubcommand, errWrongArity } from './core/errors';
import { ROUTE_MAIN } from './core/routing/router';
import { queueInMulti } from './commands/transactions';
import { handleResultWatch } from './commands/result-watch';
import { subscribedContextError } from './commands/pubsub';
import { callCoordinator } from './coordination/calls';
import type { Transaction } from './coordination/transactions';
import { arrayElements } from './resp/reply-reader';
import { aofForm } from './persistence/aof-commands';
import { runSplit } from './coordination/split';
import { afterExistenceCheck, clusterRoute, type ClusterRoute } from './cluster/redirect';

function arityOk(arity: number, argc: number): boolean {
  return arity >= 0 ? argc === arity : argc >= -arity;
}

export class Dispatcher {
  constructor(private readonly server: ServerContext) {}

  /** Resolves the row of a request, or replies with the error and returns undefined. */
  resolve(conn: Connection, args: string[]): TableEntry | undefined {
    const entry = commandTable.lookup(args[0]);
    if (entry === undefined) {
      // `<cmd>.WATCH` / `<cmd>.UNWATCH` wrap any watchable row (commands/result-watch.ts).
      if (handleResultWatch(this.server, conn, args)) return undefined;
      conn.reply(errorReply(errUnknownCommand(args)));
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
   * strings, the one argument type from the framer to the ops). Returns a
   * promise when later requests of this connection must wait for this one
   * (multi-step coordinators), else undefined.
   */
  dispatch(conn: Connection, args: string[]): Promise<void> | undefined {
    // A multi-step cross-shard command is running: wait for it, in arrival order.
    if (this.server.lock.held) return this.defer(conn, args);
    const entry = this.resolve(conn, args);
    const cluster = this.server.cluster;
    if (cluster !== null && entry !== undefined) {
      const asking = conn.clusterAsking;
      // ASKING lasts for one command (for the whole of a MULTI block).
      if (entry.spec.name !== 'asking' && (conn.txn === null || !conn.txn.inMulti)) conn.clusterAsking = false;
      const route = clusterRoute(cluster, { clusterAsking: asking, clusterReadonly: conn.clusterReadonly }, entry.spec, args);
      if (route.kind === 'error') return this.refuse(conn, entry, route.message);
      if (route.kind === 'check') {
        // An open slot: ask the keys' shard which of them it has, then
        // decide. The promise holds the connection's later requests back, so
        // replies keep their order.
        const shards = this.server.shards;
        return shards.call(shards.router.shardOf(route.keys[0]), 'countExisting', { keys: route.keys }, { db: conn.db }).then((existing) => {
          const decided: ClusterRoute = afterExistenceCheck(cluster, route, existing);
          if (decided.kind === 'error') return this.refuse(conn, entry, decided.message);
          return this.dispatchResolved(conn, entry, args);
        });
      }
    }
    return this.dispatchResolved(conn, entry, args);
  }

  /** A cluster redirect or refusal: the request is not run (inside MULTI it fails the transaction). */
  private refuse(conn: Connection, entry: TableEntry, message: string): undefined {
    if (conn.txn !== null && conn.txn.inMulti) conn.txn.aborted = true;
    entry.rejectedCalls++;
    conn.reply(errorReply(message));
    return undefined;
  }

  private dispatchResolved(conn: Connection, entry: TableEntry | undefined, args: string[]): Promise<void> | undefined {
    // --- Transactions: between MULTI and EXEC a rejected command fails the
    // transaction and the others are queued.
    if (conn.txn !== null && conn.txn.inMulti) {
      if (entry === undefined) conn.txn.aborted = true;
      else if (queueInMulti(conn, entry, args)) return undefined;
    }
    if (entry === undefined) return undefined;
    const refusal = persistenceRefusal(this.server, conn, entry);
    if (refusal !== null) {
      entry.rejectedCalls++;
      conn.reply(errorReply(refusal));
      return undefined;
    }
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
    if (this.server.aof.enabled && !conn.loader) logToAof(this.server, conn, entry, args);
    entry.calls++;
    this.server.stats.totalCommands++;
    const shards = this.server.shards;
    const target = shards.router.route(entry.spec, args);
    if (target >= 0) {
      // The framer's array is handed over: nothing here reads it after sending.
      shards.clients[target].sendOwned(entry.opIndex, conn.db, conn.proto, conn.id, args, entry.parent === undefined ? 1 : 2, conn.reserve());
      return undefined;
    }
    if (target === ROUTE_MAIN) return this.runCoordinator(conn, entry, entry.coord as CoordOp, args);
    // The keys span shards: the row's plan, fixed when the table was built.
    const cross = entry.cross;
    if (cross?.kind === 'split') {
      const slot = conn.reserve();
      runSplit(shards, entry, cross.combine, args, { db: conn.db, proto: conn.proto, connId: conn.id }, (buf) => conn.fill(slot, buf));
      return undefined;
    }
    return this.runLocked(conn, entry, (cross as { run: CoordOp }).run, args);
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
  private runLocked(conn: Connection, entry: TableEntry, op: CoordOp, args: string[]): Promise<void> {
    const slot = conn.reserve();
    return this.server.lock.acquire().then(async (release) => {
      let reply: Buffer;
      try {
        reply = await callCoordinator(op, { conn, server: this.server, entry }, args);
      } finally {
        release();
      }
      conn.fill(slot, reply);
    });
  }

  private runCoordinator(conn: Connection, entry: TableEntry, op: CoordOp, args: string[]): Promise<void> | undefined {
    const result = callCoordinator(op, { conn, server: this.server, entry }, args);
    if (!(result instanceof Promise)) {
      conn.reply(result);
      return undefined;
    }
    const slot = conn.reserve();
    return result.then((reply) => conn.fill(slot, reply));
  }
}

const ERR_LOADING = 'LOADING Redis is loading the dataset in memory';
const ERR_MISCONF =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/** -LOADING while the snapshot loads; -MISCONF for writes after a failed save (stop-writes-on-bgsave-error). */
function persistenceRefusal(server: ServerContext, conn: Connection, entry: TableEntry): string | null {
  const rdb = server.rdb;
  if ((rdb.loading || server.loading) && !conn.loader && !entry.spec.flags.includes('loading')) return ERR_LOADING;
  // As Redis: writes are refused while the AOF cannot be written (appendfsync always, or any policy once a write failed).
  if (server.aof.enabled && !server.aof.lastWriteOk && entry.spec.flags.includes('write')) return `MISCONF Errors writing to the AOF file: ${server.aof.lastWriteError}`;
  if (!rdb.lastBgsaveOk && entry.spec.flags.includes('write') && server.config.get('stop-writes-on-bgsave-error') === 'yes' && server.config.get('save') !== '') {
    return ERR_MISCONF;
  }
  return null;
}

/**
 * Gives a write its place in the AOF (src/persistence/aof.ts): reserved now,
 * in dispatch order, and filled when the reply arrives. A blocking command is
 * logged when it is served (at the end of the log), so it never holds the
 * log back; EXEC logs its queue's writes between MULTI and EXEC.
 */
function logToAof(server: ServerContext, conn: Connection, entry: TableEntry, args: string[]): void {
  const aof = server.aof;
  const flags = entry.spec.flags;
  const db = conn.db;
  if (entry.fullName === 'exec') {
    const queue = (conn.txn as Transaction | null)?.queue;
    if (queue === null || queue === undefined) return;
    const kept = queue.filter((q) => q.entry.spec.flags.includes('write') || q.entry.fullName === 'select');
    if (kept.length === 0) return;
    const index = queue.map((q) => kept.includes(q));
    const cmds = kept.map((q) => q.args.slice());
    const slot = aof.reserve(db);
    conn.aofNext = (reply) => {
      const all = arrayElements(reply);
      aof.completeExec(slot, cmds, all === null ? null : all.filter((_r, i) => index[i]));
    };
    return;
  }
  // Scripts and functions (may_replicate) are logged as called, like writes; PUBLISH is not persisted.
  if (!flags.includes('write') && !(flags.includes('may_replicate') && !flags.includes('pubsub'))) return;
  // The framer's array goes to the shard: the log keeps its own copy.
  const copy = args.slice();
  if (flags.includes('blocking')) {
    conn.aofNext = (reply) => aof.appendNow(db, aofForm(copy, reply, Date.now()));
    return;
  }
  const slot = aof.reserve(db);
  conn.aofNext = (reply) => aof.complete(slot, copy, reply);
}
