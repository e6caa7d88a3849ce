/**
 * The server: the accept loop, the registry of live connections, the shards,
 * and an orderly shutdown (stop accepting, end every connection, close shards).
 */
import net from 'node:net';
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
import { Cluster, configFilePath } from './cluster/cluster';
import { MigrateSockets } from './cluster/migrate-sockets';
import { RdbPersistence } from './persistence/rdb';
import { Aof } from './persistence/aof';
import { replayCommands } from './persistence/loader';
import { restoreShard } from './coordination/restore-shard';

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

  schedule(conn: Connection): void {
    this.pending.push(conn);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.run);
    }
  }

  private readonly run = (): void => {
    this.scheduled = false;
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
  readonly rdb: RdbPersistence;
  readonly aof: Aof;
  loading = false;
  private saveCron: NodeJS.Timeout | null = null;
  private listener: net.Server | null = null;
  /** Redis Cluster, when cluster-enabled (src/cluster/). */
  cluster: Cluster | null = null;
  readonly migrateSockets = new MigrateSockets();
  private nextClientId = 1;
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
    this.rdb = new RdbPersistence(config, () => this.shards, log);
    this.aof = new Aof(config, log, (file, onStarted) => this.rdb.writeChunked(file, true, onStarted));
  }

  /** Loads the dataset at start: the AOF when appendonly is yes, else the RDB file. */
  private async loadData(): Promise<void> {
    this.loading = true;
    try {
      if (this.config.get('appendonly') === 'yes') {
        await this.aof.start(
          (data, commands) =>
            replayCommands(this, (c) => this.connections.set(c.id, c), this.nextClientId++, data, commands),
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
    const addr = this.listener?.address();
    return addr && typeof addr === 'object' ? addr.port : this.config.values.port;
  }

  async start(): Promise<void> {
    const v = this.config.values;
    this.shards = await ShardSet.start(v.workers, this.config.shardSettings(), v.logLevel, this.log, (err) => {
      this.exitCode = 1;
      void this.close(`shard failure: ${err.message}`);
    });
    this.shards.eventHandler = (shard, events) => {
      for (const ev of events) {
        const handler = this.shardEvents[ev.type] as ((shard: number, ev: ShardEvent) => void) | undefined;
        handler?.(shard, ev);
      }
    };
    this.shardEvents.keyspace = (_shard, ev) => publishKeyspaceEvent(this, ev);
    // A crashed shard thread is restarted and its slots restored from the snapshot and the AOF.
    this.shards.onRestart = (shard) => restoreShard(this, shard);
    const listener = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.listener = listener;
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(v.port, v.bind, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    listener.on('error', (err) => this.log.error({ err }, 'listener error'));
    if (this.config.get('cluster-enabled') === 'yes') await this.startCluster();
    // Load the data while answering -LOADING (the dispatcher checks `loading`).
    try {
      await this.loadData();
    } catch (err) {
      this.log.fatal({ err }, 'could not load the data');
      await this.close('bad data file');
      throw err;
    }
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
      { version: VERSION, port: this.port, bind: v.bind, workers: v.workers, shards: this.shards.count },
      'Shardis ready to accept connections',
    );
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
        publishLocal: (channel, message, sharded) => {
          if (sharded) this.pubsub.spublish(channel, message);
          else this.pubsub.publish(channel, message);
        },
      },
    );
    await cluster.start();
    this.cluster = cluster;
  }

  private accept(socket: net.Socket): void {
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
    this.stats.totalConnections++;
    const id = this.nextClientId++;
    const conn = new Connection(socket, this, id);
    this.connections.set(id, conn);
  }

  /** Called by a connection once both of its tasks have ended and it has cleaned up. */
  connectionClosed(conn: Connection): void {
    this.connections.delete(conn.id);
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
      if (this.saveCron !== null) clearInterval(this.saveCron);
      const listener = this.listener;
      const listenerClosed = listener ? new Promise<void>((resolve) => listener.close(() => resolve())) : Promise.resolve();
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
      await this.cluster?.close();
      this.migrateSockets.closeAll();
      this.aof.close();
      await this.shards?.close();
      this.log.info('bye');
      this.markStopped();
    })();
    return this.closing;
  }
}
