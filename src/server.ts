/**
 * The server: the accept loop, the registry of live connections, the shards,
 * and an orderly shutdown (stop accepting, end every connection, close shards).
 */
import { boundPort, openListeners, parseBind } from './listeners';
import { ClientIds } from './client-ids';
import { Metrics } from './metrics/metrics';
import net from 'node:net';
import tls from 'node:tls';
import fs from 'node:fs';
import { buildTlsOptions } from './config/tls';
import type { Logger } from 'pino';
import { Connection, type ConnectionHost } from './connection';
import { Dispatcher } from './dispatch';
import { ShardSet } from './shard-clients/shard-set';
import { ServerStats, type TaskCounts } from './stats';
import type { Config } from './config/config';
import { VERSION } from './version';
import { ShardLock } from './coordination/shard-lock';
import { commandTable } from './commands/table';
import type { ShardEvent } from './core/shard-protocol';
import type { ServerContext, ShardEventHandlers } from './coordination/context';
import { PubSubHub } from './pubsub/hub';
import { publishKeyspaceEvent } from './pubsub/notifications';
import { Acl } from './acl/acl';
import { isLoopback, PROTECTED_MODE_ERROR } from './acl/protected';
import { closeConnectionsOf } from './commands/acl';
import { clientFlags, clientLine } from './commands/client';
import { Monitoring } from './monitoring';
import { ClientPause } from './coordination/pause';
import { Tracking } from './tracking/tracking';
import { Cluster, configFilePath } from './cluster/cluster';
import { MigrateSockets } from './cluster/migrate-sockets';
import { RdbPersistence } from './persistence/rdb';
import { Aof } from './persistence/aof';
import { PropagationFeed } from './persistence/propagation';
import { Replication } from './replication/primary';
import { replayCommands } from './persistence/loader';
import { restoreShard } from './coordination/restore-shard';
import { forgetScriptUsers } from './coordination/script-user';
import { ReplicaLink, type ReplicaHost } from './replication/replica';
import { Failover } from './replication/failover';

const SHUTDOWN_GRACE_MS = 2000;

/**
 * Wakes write tasks once per event-loop turn instead of once per shard reply
 * batch: when a pipeline's commands were spread over several shards, their
 * replies arrive as several messages in the same turn, and one socket write
 * for all of them is cheaper for both ends than one per message.
 */
class WriteWakeups {
  private pending: Connection[] = [];
  private scheduled = false;
  /** The shard set is running a turn's batches: it calls `release` when done (no immediate needed). */
  private held = false;

  schedule(conn: Connection): void {
    this.pending.push(conn);
    if (!this.scheduled && !this.held) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  }

  hold(): void {
    this.held = true;
  }

  /** The batches are done: their writers are woken now; an immediate already scheduled then finds none. */
  release(): void {
    this.held = false;
    this.run();
  }

  private readonly run = (): void => {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const conns = this.pending;
    this.pending = [];
    for (const c of conns) c.wakeWriterNow();
  };
}

export class Server implements ServerContext, ConnectionHost {
  readonly writeWakeups = new WriteWakeups();
  readonly commands = commandTable;
  readonly connections = new Map<number, Connection>();
  readonly tasks: TaskCounts = { readTasks: 0, writeTasks: 0, signalListeners: 0 };
  readonly stats = new ServerStats();
  readonly dispatcher = new Dispatcher(this);
  /** Serializes multi-step cross-shard commands against everything else (coordination/shard-lock.ts). */
  readonly lock = new ShardLock();
  /** Who handles each kind of event shards send unasked (blocking, pub/sub, watches register here). */
  readonly shardEvents: ShardEventHandlers = {
    push: (_shard, ev) => this.connections.get(ev.connId)?.push(Buffer.from(ev.data, 'latin1')),
    // One `.WATCH` result for all of its watchers (workers/rpc/result-watch.ts): one Buffer shared by every queue.
    'push-many': (_shard, ev) => {
      const data = Buffer.from(ev.data, 'latin1');
      for (const id of ev.connIds) this.connections.get(id)?.push(data);
    },
  };
  shards!: ShardSet;
  /** Pub/sub channels and patterns (src/pubsub/hub.ts). */
  readonly pubsub = new PubSubHub(this.tasks);
  /** Users and permissions: checked on this thread before a request is routed. */
  readonly acl = new Acl();
  readonly monitoring: Monitoring;
  /** Prometheus metrics on --metrics-port (src/metrics/metrics.ts). */
  readonly metrics: Metrics;
  readonly pause = new ClientPause();
  readonly tracking = new Tracking(this.tasks, (id) => this.connections.get(id));
  readonly rdb: RdbPersistence;
  readonly aof: Aof;
  readonly feed = new PropagationFeed();
  readonly replication: Replication;
  /** FAILOVER's state machine (src/replication/failover.ts). */
  readonly failover: Failover;
  loading = false;
  private saveCron: NodeJS.Timeout | null = null;
  /** The TCP listeners, one per bind address (src/listeners.ts). */
  private listeners: net.Server[] = [];
  /** The unix socket listener (unixsocket), if any: its connections are the same Connection as TCP ones. */
  private unixListener: net.Server | null = null;
  /** The pidfile this server wrote (removed at shutdown). */
  private pidfile: string | null = null;
  /** The TLS listener (tls-port), if any; its connections are the same Connection as TCP ones. */
  private tlsListener: tls.Server | null = null;
  /** Redis Cluster, when cluster-enabled (src/cluster/). */
  cluster: Cluster | null = null;
  readonly migrateSockets = new MigrateSockets();
  /** See src/client-ids.ts: ids fit the shard requests' connection id bits. */
  private readonly clientIds = new ClientIds((id) => this.connections.has(id));
  /** The link to our master while this server is a replica (REPLICAOF), else null. */
  replica: ReplicaLink | null = null;
  private closing: Promise<void> | null = null;
  /** Resolves once the server has fully stopped. */
  readonly stopped: Promise<void>;
  private markStopped!: () => void;
  exitCode = 0;

  constructor(
    readonly config: Config,
    readonly log: Logger,
  ) {
    this.stopped = new Promise((resolve) => (this.markStopped = resolve));
    this.acl.onUserGone = (user, caller) => closeConnectionsOf(this, user, caller);
    this.acl.pubsubDefaultAll = config.get('acl-pubsub-default') === 'allchannels';
    this.acl.logMaxLen = config.getNumber('acllog-max-len');
    const requirepass = config.get('requirepass') ?? '';
    if (requirepass !== '') this.acl.setRequirePass(requirepass);
    this.monitoring = new Monitoring(config, this.tasks);
    this.metrics = new Metrics(this, this.log);
    this.rdb = new RdbPersistence(config, () => this.shards, log, (fn) => this.lock.whenFree(fn), () => this.stats.totalCommands);
    this.aof = new Aof(config, log, this.feed, (file, onStarted) => this.rdb.writeChunked(file, true, onStarted));
    this.replication = new Replication({ config, log, feed: this.feed, rdb: this.rdb, tasks: this.tasks, otherSnapshot: () => this.aof.rewriting,
      propagateDeletes: (on) => this.shards.broadcastSettings({ propagateDeletes: on }),
      writesPaused: () => this.pause.active !== null,
    });
    this.failover = new Failover({
      log,
      replication: this.replication,
      streamSettled: () => this.feed.pending === 0,
      pauseWrites: (on) => (on ? this.pause.pause(Infinity, 'write', 'failover') : this.pause.unpause('failover')),
      follow: (target) => this.replicaOf(target.host, target.port),
      promote: () => this.replicaOfNoOne(),
    });
    this.replication.failover = this.failover;
  }

  /** `user` lines of the configuration (main.ts collects them), applied at start. */
  configUsers: string[][] = [];

  /** Loads the aclfile named in the configuration, if any; throws with Redis's reason when it is invalid. */
  private loadAclFile(): void {
    const file = this.config.get('aclfile') ?? '';
    const users = this.configUsers;
    if (users.length > 0 && file !== '') {
      throw new Error(
        'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.',
      );
    }
    for (const [name, ...rules] of users) {
      if (name === 'default') this.acl.defaultUser.apply('reset', this.acl.pubsubDefaultAll);
      try {
        this.acl.setUser(name, rules);
      } catch (err) {
        throw new Error(`Error loading ACL rules for the user named '${name}': ${(err as Error).message}. Critical error while loading ACLs. Exiting.`);
      }
    }
    if (file === '') return;
    const err = this.acl.loadFile(file);
    if (err !== null) throw new Error(`Aborting Redis startup because of ACL errors: ${err}`);
  }

  /** Loads the dataset at start: the AOF when appendonly is yes, else the RDB file. */
  private async loadData(): Promise<void> {
    this.loading = true;
    try {
      if (this.config.get('appendonly') === 'yes') {
        await this.aof.start(
          (data, commands) =>
            replayCommands(
              this,
              (c) => {
                // The loader replays what was already allowed: it runs unchecked, as Redis's AOF client.
                c.user = this.acl.internalUser;
                c.authenticated = true;
                this.connections.set(c.id, c);
              },
              this.clientIds.take(),
              data,
              commands,
            ),
          (file) => this.rdb.writeTo(file, true),
          (file) => this.rdb.load(file).then(() => undefined),
        );
      } else {
        await this.rdb.load();
      }
    } finally {
      this.loading = false;
    }
  }

  async shutdownSave(mode: 'default' | 'save' | 'nosave'): Promise<boolean> {
    if (mode === 'nosave') return true;
    if (mode === 'default' && (this.config.get('save') as string) === '') return true;
    // A background save in progress is waited for, then a fresh one is made (Redis kills the child and saves).
    if (this.rdb.inProgress !== null) await this.rdb.inProgress;
    const r = await this.rdb.save(false);
    if (!r.ok) this.log.warn('Error trying to save the DB, can\'t exit.');
    return r.ok;
  }

  get port(): number {
    return boundPort(this.listeners) ?? this.config.values.port;
  }

  async start(): Promise<void> {
    const v = this.config.values;
    this.loadAclFile();
    this.shards = await ShardSet.start(
      v.workers,
      this.config.shardSettings(),
      v.logLevel,
      this.log,
      (err) => {
        this.exitCode = 1;
        void this.close(`shard failure: ${err.message}`);
      },
      this.config.get('logfile') as string,
    );
    this.shards.replyGate = this.writeWakeups;
    this.shards.eventHandler = (shard, events) => {
      for (const ev of events) {
        const handler = this.shardEvents[ev.type] as ((shard: number, ev: ShardEvent) => void) | undefined;
        handler?.(shard, ev);
      }
    };
    this.shardEvents.keyspace = (_shard, ev) => publishKeyspaceEvent(this, ev);
    // A script's PUBLISH / SPUBLISH (a worker shard's script waits for the count).
    this.shardEvents.publish = (shard, ev) => {
      const receivers = ev.sharded ? this.pubsub.spublish(ev.channel, ev.message) : this.pubsub.publish(ev.channel, ev.message);
      if (ev.answer) this.shards.answerPublish(shard, receivers);
    };
    for (const c of this.shards.clients) c.publishReceivers = (channel, sharded) => this.pubsub.receivers(channel, sharded);
    // A script's call refused by its user's ACL rules: logged as Redis logs it (context lua).
    this.shardEvents['acl-denied'] = (_shard, ev) => {
      const conn = this.connections.get(ev.connId);
      if (conn !== undefined) this.acl.addLog(ev.reason, 'lua', ev.object, conn.user.name, clientLine(conn).trimEnd());
    };
    // Keys the shards expired or evicted: DEL for the replicas and the AOF.
    this.shardEvents['propagate-del'] = (_shard, ev) => {
      if (this.feed.active) this.feed.deleteNow(ev.db, ev.key);
    };
    // A crashed shard thread is restarted and its slots restored from the snapshot and the AOF.
    this.shards.onRestart = (shard) => {
      forgetScriptUsers(this.connections.values());
      return restoreShard(this, shard);
    };
    this.shardEvents.invalidate = (_shard, ev) => this.tracking.invalidated(ev.key, ev.by, ev.conns);
    this.tracking.onBcastChange = (on) => this.shards.broadcastSettings({ trackingBcast: on });
    // A shard command past the slow log's or latency monitor's threshold.
    this.shardEvents.slow = (_shard, ev) => {
      const entry = this.commands.ops[ev.op];
      if (entry !== undefined) this.monitoring.commandTimed(this.connections.get(ev.connId), entry.fullName, ev.args, ev.micros, ev.at);
    };
    // port 0 means "no TCP listener" when TLS or a unix socket serves instead, as in Redis.
    // Alone it picks a free port (Shardis's test servers rely on that), since Redis would refuse to start.
    const unixsocket = this.config.get('unixsocket') as string;
    const tcp = v.port !== 0 || (this.config.getNumber('tls-port') === 0 && unixsocket === '');
    if (tcp) await this.listen(v.port, v.bind);
    const metricsPort = this.config.getNumber('metrics-port');
    if (metricsPort > 0) await this.metrics.listen(metricsPort, this.metricsHost());
    if (this.config.getNumber('tls-port') > 0) await this.listenTls(this.config.getNumber('tls-port'));
    if (unixsocket !== '') await this.listenUnix(unixsocket);
    this.writePidfile();
    if (this.config.get('cluster-enabled') === 'yes') await this.startCluster();
    // Load the data while answering -LOADING (the dispatcher checks `loading`).
    try {
      await this.loadData();
    } catch (err) {
      this.log.fatal({ err }, 'could not load the data');
      // Exit status 1 however main learns of it (this rejection, or the stop it may see first).
      this.exitCode = 1;
      await this.close('bad data file');
      throw err;
    }
    this.replication.start();
    const replicaof = (this.config.get('replicaof') ?? '').trim();
    if (replicaof !== '') {
      const [host, port] = replicaof.split(/\s+/);
      this.replicaOf(host, Number(port));
    }
    // clientsCron at Redis's default hz: idle timeouts and the client buffer model, then maxmemory-clients.
    this.clientEvictionTimer = setInterval(() => {
      this.clientsCron();
      this.evictClients();
    }, 100);
    this.clientEvictionTimer.unref();
    // serverCron's persistence part. One snapshot at a time per shard: an RDB save and an AOF rewrite never overlap.
    this.saveCron = setInterval(() => {
      if (this.aof.rewriting) return;
      if (this.rdb.scheduled && this.rdb.inProgress === null) {
        this.rdb.scheduled = false;
        void this.rdb.save(true);
      }
      void this.rdb.cron();
      if (this.rdb.inProgress === null) this.aof.cron();
    }, 1000);
    this.saveCron.unref();
    this.log.info(
      {
        version: VERSION, port: this.listeners.length === 0 ? 0 : this.port, tlsPort: this.tlsPort, unixsocket: unixsocket === '' ? undefined : unixsocket,
        bind: v.bind, workers: v.workers, shards: this.shards.count,
      },
      'Shardis ready to accept connections',
    );
  }

  private async listen(port: number, bind: string): Promise<void> {
    this.listeners = await openListeners(port, bind, this.config.getNumber('tcp-backlog'), (socket) => this.accept(socket));
    for (const l of this.listeners) l.on('error', (err) => this.log.error({ err }, 'listener error'));
  }

  /** /metrics is served on the first bind address. */
  metricsHost(): string {
    return parseBind(this.config.values.bind)[0]?.host ?? '127.0.0.1';
  }

  /**
   * CONFIG SET port / bind: the old listeners close, the new ones open; if
   * they cannot, the old ones are opened again and the error is thrown
   * (Redis's changeListenPort / changeBindAddr). Connections stay.
   */
  async relisten(oldBind: string): Promise<void> {
    const oldPort = this.port;
    for (const l of this.listeners) l.close();
    this.listeners = [];
    try {
      await this.listen(this.config.values.port, this.config.values.bind);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, port: this.config.values.port, bind: this.config.values.bind }, 'Failed to listen: keeping the old port and addresses');
      await this.listen(oldPort, oldBind);
      throw err;
    }
  }

  /**
   * unixsocket: a listener on a path, chmod'ed to unixsocketperm; its clients
   * are local (protected mode and "local" switches let them through), as in Redis.
   */
  private async listenUnix(file: string): Promise<void> {
    // A stale socket file from an earlier run would make listen fail with EADDRINUSE (Redis unlinks it too).
    fs.rmSync(file, { force: true });
    const listener = net.createServer((socket) => this.accept(socket, file));
    this.unixListener = listener;
    await listen(listener, { path: file, backlog: this.config.getNumber('tcp-backlog') });
    const perm = parseInt(this.config.get('unixsocketperm') as string, 8);
    if (perm !== 0) fs.chmodSync(file, perm);
    listener.on('error', (err) => this.log.error({ err }, 'unix socket listener error'));
  }

  /** pidfile: this process's id, written once listening, removed at shutdown (Redis's createPidFile). */
  private writePidfile(): void {
    const file = this.config.get('pidfile') as string;
    if (file === '') return;
    try {
      fs.writeFileSync(file, `${process.pid}\n`);
      this.pidfile = file;
    } catch (err) {
      // As Redis: a pidfile that cannot be written is logged, not fatal.
      this.log.warn({ err: (err as Error).message, file }, 'Failed to write PID file');
    }
  }

  /** The port the TLS listener is bound to, or 0. */
  get tlsPort(): number {
    const addr = this.tlsListener?.address();
    return addr && typeof addr === 'object' ? addr.port : 0;
  }

  private tlsOptions(): tls.TlsOptions {
    return buildTlsOptions((name) => this.config.get(name) ?? '');
  }

  /** Opens the TLS listener on `port` (0: a free one), replacing the current one; its connections stay. */
  private async listenTls(port: number): Promise<void> {
    const opts = this.tlsOptions();
    const server = tls.createServer({ ...opts, noDelay: true } as tls.TlsOptions, (socket) => this.accept(socket));
    // A handshake that fails (no client certificate, wrong CA, bad protocol) never becomes a connection.
    server.on('tlsClientError', (err) => this.log.debug({ err: err.message }, 'TLS handshake failed'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.config.values.bind, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.log.error({ err }, 'TLS listener error'));
    const old = this.tlsListener;
    this.tlsListener = server;
    old?.close();
  }

  /**
   * Applies changed tls-* settings (CONFIG SET): new connections get the new
   * certificates and rules, established ones keep theirs, as in Redis. The
   * values were checked by buildTlsOptions before they were stored.
   */
  async reloadTls(portChanged: boolean): Promise<void> {
    const port = this.config.getNumber('tls-port');
    if (port === 0) {
      const old = this.tlsListener;
      this.tlsListener = null;
      old?.close();
      return;
    }
    if (this.tlsListener === null || portChanged) {
      await this.listenTls(port);
      return;
    }
    const opts = this.tlsOptions();
    this.tlsListener.setSecureContext(opts);
    // Read per connection by Node's TLS server: tls-auth-clients takes effect for the next handshake.
    const srv = this.tlsListener as tls.Server & { requestCert: boolean; rejectUnauthorized: boolean };
    srv.requestCert = opts.requestCert === true;
    srv.rejectUnauthorized = opts.rejectUnauthorized === true;
  }

  private clientEvictionTimer: NodeJS.Timeout | null = null;

  /** Redis's clientsCron for every client: the idle timeout, then the query/reply buffer resizing CLIENT LIST shows. */
  private clientsCron(): void {
    const now = Date.now();
    const nowS = Math.floor(now / 1000);
    const timeout = this.config.values.timeout;
    for (const c of this.connections.values()) {
      if (c.closed) continue;
      if (c.idleTimedOut(nowS, timeout)) {
        this.log.debug({ client: c.id }, 'Closing idle client');
        c.close('timeout');
        continue;
      }
      const resized = c.mem.cron(now, c.queryBufferBytes, nowS - Math.floor(c.lastInteraction / 1000));
      if (resized < 0) this.stats.replyBufferShrinks++;
      else if (resized > 0) this.stats.replyBufferExpands++;
    }
  }

  /**
   * maxmemory-clients: while the clients' query and output buffers together
   * pass the limit, the client using the most is closed (evicted_clients),
   * as Redis's client eviction does; CLIENT NO-EVICT clients are spared.
   */
  private evictClients(): void {
    const limit = this.config.getNumber('maxmemory-clients');
    if (limit <= 0) return;
    const mem = new Map<Connection, number>();
    let total = 0;
    for (const c of this.connections.values()) {
      if (c.closed || c.loader) continue;
      const m = c.queryBufferBytes + c.pendingOutputBytes;
      total += m;
      if (!clientFlags.get(c)?.noEvict) mem.set(c, m);
    }
    while (total > limit && mem.size > 0) {
      let worst: Connection | null = null;
      let most = -1;
      for (const [c, m] of mem) if (m > most) [worst, most] = [c, m];
      const c = worst as Connection;
      mem.delete(c);
      total -= most;
      this.stats.evictedClients++;
      this.log.debug({ client: c.id, bytes: most }, 'client evicted (maxmemory-clients)');
      c.close('killed');
    }
  }

  private async startCluster(): Promise<void> {
    const c = this.config;
    const cluster = new Cluster(
      {
        port: this.port,
        busPort: Number(c.get('cluster-port')),
        bind: this.config.values.bind,
        nodeTimeout: Number(c.get('cluster-node-timeout')),
        configFile: configFilePath(c.get('dir') as string, c.get('cluster-config-file') as string),
        requireFullCoverage: c.get('cluster-require-full-coverage') === 'yes',
        allowReadsWhenDown: c.get('cluster-allow-reads-when-down') === 'yes',
      },
      {
        log: this.log,
        dropSlotKeys: (slots) => {
          void this.shards.broadcast('delKeysInSlots', { slots }, { db: 0 }).then((counts) => {
            const n = counts.reduce((a, b) => a + b, 0);
            if (n > 0) this.log.info({ keys: n, slots: slots.length }, 'deleted the keys of slots this node no longer serves');
          });
        },
        replOffset: () => this.replication.state.masterReplOffset,
        following: () => (this.replica === null ? null : { host: this.replica.masterHost, port: this.replica.masterPort }),
        follow: (target) => {
          if (target === null) this.replicaOfNoOne();
          else this.replicaOf(target.host, target.port);
        },
        publishLocal: (channel, message, sharded) => {
          if (sharded) this.pubsub.spublish(channel, message);
          else this.pubsub.publish(channel, message);
        },
      },
    );
    await cluster.start();
    this.cluster = cluster;
  }

  /** `unixPath`: the socket came from the unix socket listener at that path. */
  private accept(socket: net.Socket, unixPath?: string): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (this.connections.size >= this.config.values.maxclients) {
      this.stats.rejectedConnections++;
      socket.on('error', () => undefined);
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    // Protected mode: no password for the default user, and the client is not on this host.
    if (unixPath === undefined && this.config.get('protected-mode') === 'yes' && this.acl.defaultUser.nopass && !isLoopback(socket.remoteAddress)) {
      this.stats.rejectedConnections++;
      socket.on('error', () => undefined);
      socket.end(PROTECTED_MODE_ERROR);
      return;
    }
    this.stats.totalConnections++;
    const id = this.clientIds.take();
    // tcp-keepalive: read per accept, so CONFIG SET applies to new connections, as in Redis.
    const keepalive = this.config.getNumber('tcp-keepalive');
    if (keepalive > 0 && unixPath === undefined) socket.setKeepAlive(true, keepalive * 1000);
    const conn = new Connection(socket, this, id, unixPath);
    // Every connection starts as the default user, authenticated when that user needs no password.
    conn.user = this.acl.defaultUser;
    conn.authenticated = this.acl.defaultUser.nopass && this.acl.defaultUser.enabled;
    this.connections.set(id, conn);
  }

  private replicaHost(): ReplicaHost {
    return {
      log: this.log,
      config: this.config,
      connectionHost: this,
      addInternalConnection: (make) => {
        const conn = make(this.clientIds.take());
        this.connections.set(conn.id, conn);
        // Sent ahead of the client's first command on every shard's ordered stream.
        if (conn.isMaster) this.shards.broadcastSettings({ masterConnId: conn.id });
        return conn;
      },
      port: this.port,
      ids: this.replication.state,
      internalUser: this.acl.internalUser,
      failover: this.failover,
      loadSnapshot: async (rdb) => {
        this.loading = true;
        try {
          // A full resync replaces the dataset (functions included), as Redis's emptyData.
          await this.shards.broadcast('flushall', undefined);
          await this.shards.broadcast('functionFlush', undefined).catch(() => undefined);
          return await this.rdb.loadBuffer(rdb, 'master');
        } finally {
          this.loading = false;
        }
      },
    };
  }

  /**
   * REPLICAOF host port: follows that master (from now on a replica). Our own
   * history (id and offset) is offered for a partial resync first, as Redis
   * does, so a demoted master or a replica moved to a promoted sibling can
   * continue instead of loading everything again.
   */
  replicaOf(host: string, port: number): void {
    const previous = this.replica;
    const cached = previous !== null ? previous.history : { replid: this.replication.state.replid, offset: this.replication.state.masterReplOffset };
    previous?.stop();
    const link = new ReplicaLink(this.replicaHost(), host, port, cached);
    // As Redis's replicationSetMaster: every blocked client (BLPOP & co.,
    // XREAD BLOCK, WAIT) is let go with -UNBLOCKED, its wait assumed a primary.
    for (const conn of this.connections.values()) conn.blocked?.unblock('role-change');
    // CONFIG GET replicaof and CONFIG REWRITE show the master being followed, as in Redis.
    this.setReplicaofParam(`${host} ${port}`);
    this.shards.broadcastSettings({ replicaReadOnly: this.config.shardSettings().replicaReadOnly, replica: true });
    this.replica = link;
    this.replication.state.link = link;
    this.replication.onGetAck = () => link.ackNow();
  }

  private setReplicaofParam(value: string): void {
    const spec = this.config.spec('replicaof');
    if (spec !== undefined) this.config.setValidated(spec, value);
  }

  /** REPLICAOF NO ONE: a master again, keeping the data; the old id stays valid (replid2) for our replicas' PSYNC. */
  replicaOfNoOne(): void {
    const link = this.replica;
    if (link === null) return;
    this.replica = null;
    link.stop();
    this.replication.state.link = null;
    this.replication.onGetAck = null;
    this.replication.state.promote();
    this.setReplicaofParam('');
    this.shards.broadcastSettings({ replicaReadOnly: false, replica: false, masterConnId: 0 });
  }

  /** Called by a connection once both of its tasks have ended and it has cleaned up. */
  connectionClosed(conn: Connection): void {
    this.connections.delete(conn.id);
    const cause = conn.closeReason ?? 'eof';
    this.stats.closedBy.set(cause, (this.stats.closedBy.get(cause) ?? 0) + 1);
    // Shards that keep state for it (waiters, watches) drop it. The op goes in
    // the same ordered stream as the connection's own requests, so it always
    // comes after anything the connection registered.
    if (conn.shardsWithState.size > 0) {
      for (const s of conn.shardsWithState) void this.shards.call(s, 'connClosed', undefined, { connId: conn.id });
      conn.shardsWithState.clear();
    }
    this.log.debug({ client: conn.id, reason: conn.closeReason }, 'connection closed');
  }

  /** Stops accepting, ends every connection, then closes the shards. Idempotent. */
  close(reason = 'shutdown'): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      this.log.info({ reason }, 'shutting down');
      this.failover.close();
      this.pause.close();
      this.replica?.stop();
      if (this.saveCron !== null) clearInterval(this.saveCron);
      if (this.clientEvictionTimer !== null) clearInterval(this.clientEvictionTimer);
      const listenerClosed = Promise.all(this.listeners.map((l) => new Promise<void>((resolve) => l.close(() => resolve()))));
      const tlsListener = this.tlsListener;
      const tlsClosed = tlsListener ? new Promise<void>((resolve) => tlsListener.close(() => resolve())) : Promise.resolve();
      const unixListener = this.unixListener;
      const unixClosed = unixListener ? new Promise<void>((resolve) => unixListener.close(() => resolve())) : Promise.resolve();
      // Finish in-flight commands: each connection writes the replies it is
      // owed and closes; whatever has not finished within the grace period is cut.
      const conns = [...this.connections.values()];
      for (const c of conns) c.closeAfterReplies('shutdown');
      const grace = setTimeout(() => {
        for (const c of conns) c.close('shutdown');
      }, SHUTDOWN_GRACE_MS);
      await Promise.all(conns.map((c) => c.done));
      clearTimeout(grace);
      await listenerClosed;
      await this.metrics.close();
      await tlsClosed;
      await unixClosed;
      if (this.pidfile !== null) fs.rmSync(this.pidfile, { force: true });
      await this.cluster?.close();
      this.migrateSockets.closeAll();
      this.replication.close();
      this.aof.close();
      await this.shards?.close();
      this.log.info('bye');
      this.markStopped();
    })();
    return this.closing;
  }
}

/** listen() as a promise: rejects with the listen error (EADDRINUSE, EACCES...). */
function listen(server: net.Server, opts: net.ListenOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
