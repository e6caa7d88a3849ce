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
import { execRefused, queueInMulti } from './commands/transactions';
import { handleResultWatch } from './commands/result-watch';
import { subscribedContextError } from './commands/pubsub';
import { callCoordinator } from './coordination/calls';
import type { Transaction } from './coordination/transactions';
import { propagate, ScriptFeedPlace } from './coordination/command-propagation';
import type { PendingReply } from './shard-clients/shard-client';
import { runSplit } from './coordination/split';
import { sendScriptUser } from './coordination/script-user';
import { runScriptUnlocked } from './coordination/scripts';
import { authRequired, checkRequest, ERR_NOAUTH } from './commands/acl';
import { debugNotAllowedError, protectedActionAllowed } from './acl/protected';
import { commandFlags } from './monitoring';
import { slowlogArgs } from './core/slow-args';
import { SERVES_BLOCKED, TRACK_READS } from './core/shard-protocol';
import { tracksReads } from './tracking/tracking';

/** Redis shows every command to monitors except admin commands and those flagged skip_monitor. */
function shownToMonitors(entry: TableEntry): boolean {
  const flags = commandFlags(entry.fullName);
  const own = entry.parent !== undefined ? commandFlags(entry.parent.fullName) : [];
  return !flags.includes('admin') && !flags.includes('skip_monitor') && !own.includes('skip_monitor');
}

/** Whether a tracking connection's read is remembered (tracking/tracking.ts tracksReads, for a read command). */
function tracksRead(conn: Connection, entry: TableEntry): boolean {
  return tracksReads(conn) && commandFlags(entry.fullName).includes('readonly');
}

function touchesKeyspace(entry: TableEntry): boolean {
  const f = commandFlags(entry.fullName);
  return f.includes('write') || f.includes('readonly') || f.includes('may_replicate');
}
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
      if (args[0].includes('.') && authRequired(this.server, conn)) {
        conn.reply(errorReply(ERR_NOAUTH));
        return undefined;
      }
      if (handleResultWatch(this.server, conn, args)) return undefined;
      // CLIENT LIST's cmd= is the last command looked up, as Redis's c->lastcmd: NULL when none was found.
      conn.lastCommand = 'NULL';
      conn.reply(errorReply(errUnknownCommand(args)));
      return undefined;
    }
    // Set at lookup, as Redis's processCommand does: rejected and queued commands count too.
    conn.lastCommand = entry.fullName;
    if (!arityOk(entry.spec.arity, args.length)) {
      entry.rejectedCalls++;
      // A refused EXEC answers EXECABORT and drops the transaction, as Redis's execCommandAbort.
      conn.reply(entry.fullName === 'exec' ? execRefused(this.server, conn, errWrongArity('exec')) : errorReply(errWrongArity(entry.fullName)));
      return undefined;
    }
    // A container called alone (COMMAND, arity -1) runs its own body.
    if (entry.subcommands === undefined || args.length === 1) return entry;
    const subName = args[1];
    const sub = entry.subcommands.get(subName.toLowerCase());
    conn.lastCommand = sub === undefined ? 'NULL' : sub.fullName;
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
  /** Set by dispatchOne when the command used up a CLIENT CACHING given before it. */
  private cachingUsed = false;

  dispatch(conn: Connection, args: string[]): Promise<void> | undefined {
    // A script has run past busy-reply-threshold: -BUSY, except for the few
    // commands allowed then (SCRIPT KILL, ...), which run at once.
    if (this.server.shards.busyScript(this.busyThreshold) >= 0) return this.whileBusy(conn, args);
    if (conn.tracking !== null && conn.tracking.caching) {
      this.cachingUsed = false;
      const barrier = this.dispatchReplying(conn, args);
      // As Redis's resetClient: kept while a transaction is open (MULTI, queued commands), else cleared.
      if (this.cachingUsed && conn.tracking !== null && !(conn.txn !== null && conn.txn.inMulti)) conn.tracking.caching = false;
      return barrier;
    }
    return this.dispatchReplying(conn, args);
  }

  private dispatchReplying(conn: Connection, args: string[]): Promise<void> | undefined {
    if (!conn.replyOff && !conn.skipNextReply) return this.dispatchOne(conn, args);
    // CLIENT REPLY OFF / SKIP: the command runs, its reply keeps its place unwritten.
    conn.droppingReplies = true;
    conn.skipNextReply = false;
    try {
      return this.dispatchOne(conn, args);
    } finally {
      conn.droppingReplies = false;
    }
  }

  private dispatchOne(conn: Connection, args: string[]): Promise<void> | undefined {
    // A multi-step cross-shard command is running: wait for it, in arrival order.
    if (this.server.lock.held) return this.defer(conn, args);
    const entry = this.resolve(conn, args);
    // DEBUG is refused unless enable-debug-command allows it for this client (Redis's CMD_PROTECTED), checked before authentication as Redis does.
    if (entry !== undefined && entry.fullName === 'debug' && !protectedActionAllowed(this.server.config.get('enable-debug-command'), conn.socket.remoteAddress)) {
      entry.rejectedCalls++;
      if (conn.txn !== null && conn.txn.inMulti) conn.txn.aborted = true;
      conn.reply(errorReply(debugNotAllowedError('DEBUG')));
      return undefined;
    }
    // Authentication and ACL, before anything reaches a shard. An open user
    // (the default user of a server without ACL rules) costs two field reads.
    if (entry !== undefined && !(conn.authenticated && conn.user.open)) {
      const denied = checkRequest(this.server, conn, entry, args);
      if (denied !== null) {
        entry.rejectedCalls++;
        if (conn.txn !== null && conn.txn.inMulti) conn.txn.aborted = true;
        conn.reply(errorReply(denied));
        return undefined;
      }
    }
    // A monitor is a replica to Redis: it may not touch the keyspace.
    if (entry !== undefined && conn.isMonitor && touchesKeyspace(entry)) {
      entry.rejectedCalls++;
      conn.reply(errorReply("ERR Replica can't interact with the keyspace"));
      return undefined;
    }
    // CLIENT PAUSE: the command waits for the pause to end (after the arity checks, as in Redis;
    // what Redis refuses before it looks at the pause is refused at once, below).
    if (entry !== undefined && this.server.pause.active !== null && !conn.isMonitor && this.pauses(conn, entry) && !this.refusedBeforePause(conn, entry)) {
      return new Promise((resolve) => {
        this.server.pause.hold(conn, () => {
          const barrier = this.dispatchOne(conn, args);
          if (barrier === undefined) resolve();
          else barrier.then(resolve, resolve);
        });
      });
    }
    const cluster = this.server.cluster;
    // Our master's stream is applied whatever slots we serve (Redis skips the redirect for its master client).
    if (cluster !== null && entry !== undefined && !conn.isMaster) {
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
          // Redis checks and runs in one step; here a round trip passed. A
          // lock holder (MIGRATE) may be moving these keys now: wait for it
          // and ask again. And CLUSTER SETSLOT may have closed the slot
          // meanwhile: route again on the slot map as it is now, or the write
          // lands on a node that no longer serves the slot.
          if (this.server.lock.held) {
            conn.clusterAsking = asking;
            return this.defer(conn, args);
          }
          const now = clusterRoute(cluster, { clusterAsking: asking, clusterReadonly: conn.clusterReadonly }, entry.spec, args);
          const decided: ClusterRoute = now.kind === 'check' ? afterExistenceCheck(now, existing) : now;
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
    // A replica: writes only from its master (-READONLY), and nothing stale while the link is down (-MASTERDOWN).
    if (entry !== undefined && this.server.replica !== null && !conn.isMaster) {
      const refusal = replicaRefusal(this.server, entry);
      if (refusal !== null) return this.refuse(conn, entry, refusal);
    }
    // min-replicas-to-write: too few replicas acknowledged recently (src/replication/primary.ts);
    // a write queued in MULTI is refused then too, and fails the transaction, as in Redis.
    if (entry !== undefined && !conn.isMaster && this.server.replication.refusesWrites() && entry.spec.flags.includes('write')) {
      return this.refuse(conn, entry, 'NOREPLICAS Not enough good replicas to write.');
    }
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
    conn.currentArgs = args;
    // One feed of effective writes for the AOF and the replicas (src/persistence/propagation.ts).
    const place = propagate(this.server, conn, entry, args);
    entry.calls++;
    this.server.stats.totalCommands++;
    // MONITOR: one count checked per command while nobody monitors.
    const monitored = this.server.monitoring.monitors.size !== 0 && shownToMonitors(entry);
    if (monitored && entry.fullName === 'exec') this.feedQueued(conn);
    const shards = this.server.shards;
    const target = shards.router.route(entry.spec, args);
    // CLIENT TRACKING: the shards remember this read's keys for the connection.
    const sendId = conn.tracking !== null && tracksRead(conn, entry) ? (conn.id | TRACK_READS) >>> 0 : conn.id;
    // CLIENT CACHING applies to the next command only: used up once it ran, unless in MULTI (see dispatch).
    if (conn.tracking !== null && conn.tracking.caching && entry.parent?.spec.name !== 'client') this.cachingUsed = true;
    if (monitored && target !== ROUTE_MAIN) this.server.monitoring.monitors.feed(conn, conn.db, args);
    if (target >= 0) {
      // The framer's array is handed over: nothing here reads it after sending.
      // SERVES_BLOCKED: clients blocked on what it writes are served right after it, in its shard.
      // A script's calls are checked against its user's permissions in the shard (coordination/script-user.ts).
      if (entry.spec.undeclaredKeys) sendScriptUser(shards, conn, target);
      shards.clients[target].sendOwned(entry.opIndex, conn.db, conn.proto, (sendId | SERVES_BLOCKED) >>> 0, args, 1, conn.reserve());
      return undefined;
    }
    if (target === ROUTE_MAIN) {
      const barrier = this.runCoordinator(conn, entry, entry.coord as CoordOp, args);
      // Shown once it ran (Redis feeds monitors after the call): SELECT shows its new db.
      if (monitored) this.server.monitoring.monitors.feed(conn, conn.db, args);
      return barrier;
    }
    // The keys span shards: the row's plan, fixed when the table was built.
    const cross = entry.cross;
    if (cross?.kind === 'split') {
      const slot = conn.reserve();
      const started = performance.now();
      runSplit(shards, entry, cross.combine, args, { db: conn.db, proto: conn.proto, connId: sendId }, (buf) => {
        // The whole command's time (its parts do not report their own): slow log and latency monitor.
        const micros = (performance.now() - started) * 1000;
        const monitoring = this.server.monitoring;
        if (micros >= monitoring.reportMicros()) monitoring.commandTimed(conn, entry.fullName, slowlogArgs(args), micros, Date.now());
        conn.fill(slot, buf);
      });
      return undefined;
    }
    const locked = (cross as { run: CoordOp }).run;
    if (entry.spec.undeclaredKeys) {
      // A script that keeps to its declared keys' shard runs there without the lock (coordination/scripts.ts).
      const b = runScriptUnlocked({ conn, server: this.server, entry }, args, (slot) => this.runLocked(conn, entry, locked, args, slot, () => this.rerunsHere(conn, place, slot, args)));
      if (b !== false) return b;
    }
    return this.runLocked(conn, entry, locked, args);
  }

  /**
   * Refusals Redis's processCommand makes before its pause check: a
   * replica's -READONLY / -MASTERDOWN and -NOREPLICAS. Such a command is
   * answered at once, not held (a write on a primary that FAILOVER has just
   * turned into a replica gets -READONLY, as from redis-server).
   */
  private refusedBeforePause(conn: Connection, entry: TableEntry): boolean {
    if (conn.isMaster) return false;
    if (this.server.replica !== null && replicaRefusal(this.server, entry) !== null) return true;
    return this.server.replication.refusesWrites() && entry.spec.flags.includes('write');
  }

  /** Whether the current pause holds this command back (Redis's is_may_replicate_command for WRITE). */
  private pauses(conn: Connection, entry: TableEntry): boolean {
    if (this.server.pause.active === 'all') return true;
    const writes = (e: TableEntry): boolean => {
      const f = commandFlags(e.fullName);
      // PUBLISH and SPUBLISH propagate to replicas in Redis: a WRITE pause holds them too.
      return f.includes('write') || f.includes('may_replicate') || e.spec.flags.includes('write') || e.fullName === 'publish' || e.fullName === 'spublish';
    };
    if (entry.fullName === 'exec') {
      const txn = conn.txn as Transaction | null;
      return txn !== null && txn.queue !== null && txn.queue.some((q) => writes(q.entry));
    }
    return writes(entry);
  }

  /** EXEC runs its queued commands first: monitors see each of them before the EXEC itself. */
  private feedQueued(conn: Connection): void {
    // conn.txn is only ever a Transaction (coordination/transactions.ts).
    const txn = conn.txn as Transaction | null;
    if (txn === null || txn.aborted || txn.queue === null) return;
    for (const q of txn.queue) if (shownToMonitors(q.entry)) this.server.monitoring.monitors.feed(conn, conn.db, q.args);
  }

  private readonly busyThreshold = (): number => this.server.config.getNumber('busy-reply-threshold');

  private whileBusy(conn: Connection, args: string[]): Promise<void> | undefined {
    const entry = this.resolve(conn, args);
    if (entry === undefined) return undefined;
    if (!entry.spec.flags.includes('allow_busy') || entry.spec.runs !== 'main' || entry.coord === undefined) {
      entry.rejectedCalls++;
      conn.reply(errorReply('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.'));
      return undefined;
    }
    entry.calls++;
    this.server.stats.totalCommands++;
    return this.runCoordinator(conn, entry, entry.coord, args);
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
  private runLocked(conn: Connection, entry: TableEntry, op: CoordOp, args: string[], slot = conn.reserve(), onGranted?: () => void): Promise<void> {
    return this.server.lock.acquire().then(async (release) => {
      onGranted?.();
      let reply: Buffer;
      try {
        reply = await callCoordinator(op, { conn, server: this.server, entry }, args);
      } finally {
        release();
      }
      conn.fill(slot, reply);
    });
  }

  /**
   * A script's unlocked run gave up and it runs again under the lock, now:
   * its place in the feed moves here, or it gets one here if the feed
   * started meanwhile (a first replica's backlog, whose snapshot the run
   * that gave up did not make it into).
   */
  private rerunsHere(conn: Connection, place: ScriptFeedPlace | undefined, slot: PendingReply, args: string[]): void {
    if (place !== undefined) place.requeue();
    else if (!conn.loader && this.server.feed.active) slot.onReply = new ScriptFeedPlace(this.server, conn, args).onReply;
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

const ERR_READONLY = "READONLY You can't write against a read only replica.";
const ERR_MASTERDOWN = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";

/** processCommand's replica checks, in Redis's order: a write under replica-read-only, then a non-stale command while the link is down. */
function replicaRefusal(server: ServerContext, entry: TableEntry): string | null {
  const flags = commandFlags(entry.fullName);
  if (flags.includes('write') && server.config.get('replica-read-only') === 'yes') return ERR_READONLY;
  if (!flags.includes('stale') && server.config.get('replica-serve-stale-data') === 'no' && !(server.replica as { linkUp: boolean }).linkUp) return ERR_MASTERDOWN;
  return null;
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

