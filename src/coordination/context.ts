/**
 * What main-thread command code can reach, as interfaces: the server
 * (`ServerContext`), the call a coordinator serves (`CoordContext`) and the
 * command table's entries as the main thread decorates them (`TableEntry`).
 *
 * Coordinators (src/commands/), the coordination layer (src/coordination/)
 * and the dispatcher depend on these interfaces, never on the Server class:
 * server.ts builds on all of them, so none of them may import it back.
 */
import type { Acl } from '../acl/acl';
import type { Logger } from 'pino';
import type { CommandEntry, CommandIndex } from '../core/commands/model';
import type { ShardEvent } from '../core/shard-protocol';
import type { Config } from '../config/config';
import type { Connection } from '../connection';
import type { ShardSet } from '../shard-clients/shard-set';
import type { ShardLock } from './shard-lock';
import type { PubSubHub } from '../pubsub/hub';
import type { ServerStats, TaskCounts } from '../stats';
import type { Monitoring } from '../monitoring';
import type { ClientPause } from './pause';
import type { Tracking } from '../tracking/tracking';
import type { Cluster } from '../cluster/cluster';
import type { MigrateSockets } from '../cluster/migrate-sockets';
import type { RdbPersistence } from '../persistence/rdb';
import type { Aof } from '../persistence/aof';
import type { ReplicaLink } from '../replication/replica';
import type { PropagationFeed } from '../persistence/propagation';
import type { Replication } from '../replication/primary';
import type { Failover } from '../replication/failover';

type EventOf<T extends ShardEvent['type']> = Extract<ShardEvent, { type: T }>;

/** Who handles each kind of event shards send unasked (blocking, pub/sub, watches register here). */
export type ShardEventHandlers = { [T in ShardEvent['type']]?: (shard: number, event: EventOf<T>) => void };

export interface ServerContext {
  readonly config: Config;
  /** The command table (src/commands/table.ts): COMMAND, INFO and CONFIG RESETSTAT read it through here. */
  readonly commands: CommandIndex<TableEntry>;
  readonly log: Logger;
  readonly shards: ShardSet;
  /** Serializes multi-step cross-shard commands against everything else (coordination/shard-lock.ts). */
  readonly lock: ShardLock;
  readonly pubsub: PubSubHub;
  /** Users, permissions and the ACL log (src/acl/). */
  readonly acl: Acl;
  /** CLIENT TRACKING's server side (src/tracking/). */
  readonly tracking: Tracking;
  /** CLIENT PAUSE: held commands and the deadline (coordination/pause.ts). */
  readonly pause: ClientPause;
  /** The slow log, the latency monitor and the MONITOR feed (src/monitoring/). */
  readonly monitoring: Monitoring;
  readonly stats: ServerStats;
  readonly tasks: TaskCounts;
  readonly connections: ReadonlyMap<number, Connection>;
  readonly shardEvents: ShardEventHandlers;
  /** The port the server listens on. */
  readonly port: number;
  /** The TLS listener's port, 0 without TLS. */
  readonly tlsPort: number;
  /** Redis Cluster (cluster-enabled yes), else null. */
  readonly cluster: Cluster | null;
  /** MIGRATE's cached connections to target instances. */
  readonly migrateSockets: MigrateSockets;
  /** RDB snapshots: SAVE, BGSAVE, save points, loading (src/persistence/rdb.ts). */
  readonly rdb: RdbPersistence;
  /** The append-only file (src/persistence/aof.ts). */
  readonly aof: Aof;
  /** The link to our master while this server is a replica (REPLICAOF), else null. */
  readonly replica: ReplicaLink | null;
  /** REPLICAOF host port: follow that master (src/replication/replica.ts). */
  replicaOf(host: string, port: number): void;
  /** REPLICAOF NO ONE: a master again, keeping the data and the old replication id as replid2. */
  replicaOfNoOne(): void;
  /** The ordered stream of effective writes, read by the AOF and the replication stream (src/persistence/propagation.ts). */
  readonly feed: PropagationFeed;
  /** Replication: the id/offset/backlog state, our replicas, the link to our primary (src/replication/). */
  readonly replication: Replication;
  /** FAILOVER's state machine (src/replication/failover.ts). */
  readonly failover: Failover;
  /** True while the dataset is loading at start (-LOADING). */
  readonly loading: boolean;
  /** Applies changed tls-* parameters (CONFIG SET): reloads certificates, moves the TLS listener. */
  reloadTls(portChanged: boolean): Promise<void>;
  /** CONFIG SET port / bind: reopen the listeners on the new values; on failure the old ones are back and this rejects. */
  relisten(oldBind: string): Promise<void>;
  /** Prometheus metrics (src/metrics/): serve /metrics on a port (0: stop). */
  readonly metrics: { listen(port: number, host: string): Promise<void>; readonly port: number };
  metricsHost(): string;
  /** Stops the server (SHUTDOWN). */
  close(reason: string): Promise<void>;
  /**
   * The save SHUTDOWN and SIGTERM make before stopping: `save` always,
   * `nosave` never, `default` when save points are configured. False if it failed.
   */
  shutdownSave(mode: 'default' | 'save' | 'nosave'): Promise<boolean>;
}

/** What a coordinator command (main thread) can reach: the connection it serves, the server, its own row. */
export interface CoordContext {
  readonly conn: Connection;
  readonly server: ServerContext;
  readonly entry: TableEntry;
  /** Set when the command runs inside EXEC, which holds the shard lock (blocking commands then do not block). */
  readonly inExec?: boolean;
}

/**
 * The shard lock for a coordinator that takes it itself (MIGRATE, CLUSTER
 * SETSLOT NODE). Inside EXEC the transaction already holds it for its whole
 * queue (coordination/transactions.ts), so the coordinator runs under that
 * hold: taking the lock again would wait for the EXEC that waits for it, and
 * every later request would queue behind them for good.
 */
export function acquireShardLock(ctx: CoordContext): Promise<() => void> {
  if (ctx.inExec === true) return Promise.resolve(() => undefined);
  return ctx.server.lock.acquire();
}

/** A coordinator command body; returns the encoded reply (or a promise of it). args[0] is the name as sent. */
export type CoordOp = (ctx: CoordContext, args: string[]) => Buffer | Promise<Buffer>;

/** A family's coordinators by full name (`ping`, `client|list`). */
export type Coords = Readonly<Record<string, CoordOp>>;

/**
 * How a shard row whose keys live on several shards runs, fixed when the
 * table is built (src/core/commands/spec.ts `CrossShard`): re-issued per
 * shard and combined, or a coordinator (hand-written, or the scratch executor).
 */
export type CrossShardPlan = { kind: 'split'; combine: 'sum' | 'gather' | 'all-ok' } | { kind: 'coordinator'; run: CoordOp } | null;

/** A command table entry on the main thread. */
export interface TableEntry extends CommandEntry<TableEntry> {
  /** Main-thread body: a `main` row's coordinator, or a shard row's for requests that block. */
  readonly coord: CoordOp | undefined;
  /** Shard rows: how a request whose keys span shards runs. */
  readonly cross: CrossShardPlan;
  /** Counters for INFO commandstats. */
  calls: number;
  /** Coordinator calls per latency bucket (src/core/latency-buckets.ts); shard ops keep theirs in the shards. */
  readonly latency: Float64Array;
  usec: number;
  rejectedCalls: number;
  failedCalls: number;
}
