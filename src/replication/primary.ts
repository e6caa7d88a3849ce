/**
 * Shardis as a primary (Redis's replication.c, master side): replicas that
 * sent SYNC/PSYNC, the stream they are fed from the propagation feed
 * (src/persistence/propagation.ts), full resyncs with an RDB snapshot
 * (disk-based: `$<len>` then the file; diskless: `$EOF:<mark>` then the
 * snapshot as it is produced, then the mark), partial resyncs from the
 * backlog (+CONTINUE), REPLCONF, WAIT, PINGs every repl-ping-replica-period,
 * and min-replicas-to-write's count of good replicas.
 *
 * A replica is an ordinary Connection (flag S) whose output after PSYNC is
 * the stream, queued with `push`. Its teardown joins the connection's abort:
 * one counted listener removes it from the set of replicas.
 */
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Config } from '../config/config';
import { unblockError, type Connection } from '../connection';
import type { TaskCounts } from '../stats';
import { onAbort, type Disposer } from '../abort-listener';
import type { PropagationFeed } from '../persistence/propagation';
import type { RdbPersistence } from '../persistence/rdb';
import { encodeCommand } from '../persistence/aof-commands';
import { ReplicationState, newReplid, NULL_REPLID, type StreamListener } from './state';

/** A replica's state, as INFO's slaveN lines name it. */
export type ReplicaState = 'wait_bgsave' | 'send_bulk' | 'online';

/** Queued output past which a full sync's transfer waits for the replica to read. */
const TRANSFER_BACKPRESSURE_BYTES = 1024 * 1024;

export class ReplicaClient {
  state: ReplicaState = 'wait_bgsave';
  listeningPort = 0;
  ipAddress = '';
  capaEof = false;
  capaPsync2 = false;
  /** Offset and time of the last REPLCONF ACK (INFO offset=, lag=). */
  ackOffset = 0;
  ackTime = Date.now();
  /**
   * Whether the replica itself has sent REPLCONF ACK yet: ackOffset starts at
   * the sync's offset, but only the replica's own ACK says it has applied
   * that much (Redis's repl_ack_off, which only ACKs set). FAILOVER waits for it.
   */
  acked = false;
  /** SYNC (no PSYNC): the old protocol, no +FULLRESYNC line and no ACKs. */
  prePsync = false;
  /**
   * A diskless transfer ended: the replica finds the EOF mark only at the end
   * of a read, so nothing follows it until the replica's first ACK says it
   * loaded the snapshot (Redis's repl_put_online_on_ack).
   */
  onlineOnAck = false;
  /** Stream bytes produced while its snapshot is on its way, sent after it. */
  pending: Buffer[] | null = null;
  dispose: Disposer = () => undefined;
  constructor(readonly conn: Connection) {}

  /** The address the replica is reachable at (REPLCONF ip-address, else its connection's peer address). */
  get ip(): string {
    if (this.ipAddress !== '') return this.ipAddress;
    const a = this.conn.socket.remoteAddress ?? '';
    return a.startsWith('::ffff:') ? a.slice(7) : a;
  }
}

/** A full sync in preparation or in progress: the replicas that share one snapshot. */
interface SyncJob {
  diskless: boolean;
  replicas: ReplicaClient[];
  /** Replicas may still join until the snapshot starts. */
  started: boolean;
}

/** Per-connection REPLCONF state before it became a replica (listening-port and capa come before PSYNC). */
interface Handshake {
  listeningPort: number;
  ipAddress: string;
  capaEof: boolean;
  capaPsync2: boolean;
}

export interface ReplicationDeps {
  readonly config: Config;
  readonly log: Logger;
  readonly feed: PropagationFeed;
  readonly rdb: RdbPersistence;
  readonly tasks: TaskCounts;
  /** True while another snapshot runs outside the RDB's own (an AOF rewrite): the shards keep one at a time. */
  readonly otherSnapshot: () => boolean;
  /** Tells the shards whether to report the keys they delete by expiry or eviction (settings.propagateDeletes). */
  readonly propagateDeletes: (on: boolean) => void;
  /** True while clients' writes are paused (CLIENT PAUSE, FAILOVER): no GETACK then, as Redis (it would move the offset). */
  readonly writesPaused: () => boolean;
}

/** INFO replication's master_failover_state. */
export type FailoverState = 'no-failover' | 'waiting-for-sync' | 'failover-in-progress';

/**
 * What the primary side asks of a coordinated failover (FAILOVER,
 * src/replication/failover.ts, which sets itself as `Replication.failover`).
 */
export interface FailoverHooks {
  readonly state: FailoverState;
  /** Runs first in every replication cron (Redis's updateFailoverStatus). */
  cron(): void;
  /** An online replica acknowledged an offset: the failover may be able to go on. */
  acked(): void;
  /** A failover with a TIMEOUT holds the cron's PINGs while writes are paused (Redis: they would move the offset the target must reach). */
  readonly holdsPings: boolean;
}

/** The replication cron's period, and its period while a failover runs (Redis runs replicationCron every 100 ms then). */
const CRON_MS = 1000;
const FAILOVER_CRON_MS = 100;

export class Replication implements StreamListener {
  readonly state: ReplicationState;
  readonly replicas = new Set<ReplicaClient>();
  private readonly byConn = new WeakMap<Connection, ReplicaClient>();
  private readonly handshakes = new WeakMap<Connection, Handshake>();
  /** The db the stream last SELECTed (server.slaveseldb), -1: the next write SELECTs. */
  private selDb = -1;
  private job: SyncJob | null = null;
  private readonly queued: ReplicaClient[] = [];
  private cronTimer: NodeJS.Timeout | null = null;
  private cronLoops = 0;
  /** When the last replica left (repl-backlog-ttl counts from here), 0 while replicas are attached. */
  private noReplicasSince = Date.now();
  /** WAIT callers waiting for acknowledgements. */
  private readonly waiters = new Set<{ offset: number; need: number; done: (n: number) => void }>();
  private getackPending = false;
  syncFull = 0;
  syncPartialOk = 0;
  syncPartialErr = 0;
  /**
   * The replica side's answer to REPLCONF GETACK from our primary (it sends
   * REPLCONF ACK on its link); set by src/replication/replica.ts.
   */
  onGetAck: ((conn: Connection) => void) | null = null;
  /** A coordinated failover (FAILOVER), set by src/replication/failover.ts. */
  failover: FailoverHooks | null = null;
  private cronPeriod = CRON_MS;

  constructor(private readonly deps: ReplicationDeps) {
    this.state = new ReplicationState(() => deps.config.getNumber('repl-backlog-size'));
    this.state.listener = this;
    deps.feed.addConsumer({ write: (db, data, resetsDb, replicate) => this.write(db, data, resetsDb, replicate) }, () => this.state.backlog !== null);
  }

  start(): void {
    this.cronTimer = setInterval(() => this.cron(), this.cronPeriod);
    this.cronTimer.unref();
  }

  /** While a failover runs the cron runs ten times a second, as Redis's (its checks and the PING period in cron loops go faster). */
  setFastCron(fast: boolean): void {
    const period = fast ? FAILOVER_CRON_MS : CRON_MS;
    if (period === this.cronPeriod) return;
    this.cronPeriod = period;
    if (this.cronTimer === null) return;
    clearInterval(this.cronTimer);
    this.start();
  }

  close(): void {
    if (this.cronTimer !== null) clearInterval(this.cronTimer);
    this.cronTimer = null;
    for (const w of this.waiters) w.done(this.countAcks(w.offset));
    this.waiters.clear();
  }

  // ---- the stream ----

  /** A place of the propagation feed: into the stream, with SELECT when the db changes. */
  private write(db: number, data: Buffer, resetsDb: boolean, replicate: boolean): void {
    // A replica's stream is its primary's, passed on verbatim: its own writes (replica-read-only no) stay local, as in Redis.
    if (!replicate || this.state.backlog === null || this.state.link !== null) return;
    if (db !== this.selDb) {
      this.state.append(encodeCommand(['SELECT', String(db)]));
      this.selDb = db;
    }
    this.state.append(data);
    if (resetsDb) this.selDb = -1;
  }

  /** The callback a propagated write runs once it is in the stream: the connection's WAIT offset. */
  wroteFor(conn: Connection): (() => void) | null {
    if (this.state.backlog === null) return null;
    return () => {
      conn.woff = this.state.masterReplOffset;
    };
  }

  /** StreamListener: bytes appended to the stream reach every replica (buffered while its snapshot is sent). */
  streamed(data: Buffer): void {
    for (const r of this.replicas) {
      if (r.pending !== null) r.pending.push(data);
      else if (r.state === 'online') r.conn.push(data);
    }
  }

  /** StreamListener: our stream's identity changed; replicas reconnect and PSYNC again. */
  disconnectReplicas(reason: string): void {
    if (this.replicas.size > 0) this.deps.log.info({ reason, replicas: this.replicas.size }, 'disconnecting replicas');
    for (const r of [...this.replicas]) r.conn.close('killed');
    this.selDb = -1;
  }

  // ---- REPLCONF ----

  private handshake(conn: Connection): Handshake {
    let h = this.handshakes.get(conn);
    if (h === undefined) {
      h = { listeningPort: 0, ipAddress: '', capaEof: false, capaPsync2: false };
      this.handshakes.set(conn, h);
    }
    return h;
  }

  /** REPLCONF option value ...: null means no reply (ACK), else the reply line. */
  replconf(conn: Connection, args: readonly string[]): string | null {
    if (args.length % 2 === 0) return '-ERR syntax error';
    const r = this.byConn.get(conn);
    for (let i = 1; i < args.length; i += 2) {
      const opt = args[i].toLowerCase();
      const val = args[i + 1];
      switch (opt) {
        case 'listening-port': {
          const n = parseIntStrict(val);
          if (n === null) return '-ERR value is not an integer or out of range';
          this.handshake(conn).listeningPort = n;
          if (r !== undefined) r.listeningPort = n;
          break;
        }
        case 'ip-address': {
          if (val.length >= 46) return `-ERR REPLCONF ip-address provided by replica instance is too long: ${val.length} bytes`;
          this.handshake(conn).ipAddress = val;
          if (r !== undefined) r.ipAddress = val;
          break;
        }
        case 'capa': {
          const v = val.toLowerCase();
          if (v === 'eof') this.handshake(conn).capaEof = true;
          else if (v === 'psync2') this.handshake(conn).capaPsync2 = true;
          break;
        }
        case 'ack': {
          // Only a replica acknowledges, and gets no reply (replicas never read one here).
          if (r === undefined) return null;
          const off = parseIntStrict(val);
          if (off === null) return null;
          if (off > r.ackOffset) r.ackOffset = off;
          r.acked = true;
          r.ackTime = Date.now();
          if (r.onlineOnAck) this.putOnline(r);
          if (r.state === 'online') {
            this.checkWaiters();
            this.failover?.acked();
          }
          return null;
        }
        case 'getack':
          // Our primary asks for our offset (the replica side answers on its link).
          if (this.onGetAck !== null && conn.isMaster) this.onGetAck(conn);
          return null;
        case 'rdb-only': {
          if (val !== '0' && val !== '1') return '-ERR value is not an integer or out of range';
          return '-ERR REPLCONF rdb-only is not supported by Shardis';
        }
        default:
          return `-ERR Unrecognized REPLCONF option: ${args[i]}`;
      }
    }
    return '+OK';
  }

  // ---- SYNC / PSYNC ----

  /**
   * SYNC or PSYNC replid offset from a connection that becomes our replica.
   * Returns an error line, or null when the connection is now a replica
   * (everything it gets from here on is pushed).
   */
  sync(conn: Connection, psync: { replid: string; offset: string } | null): string | null {
    if (conn.isReplica) return ''; // a replica repeating itself is ignored, as Redis does
    // Our history is about to change hands: replicas come back once the failover is over.
    if (this.failover !== null && this.failover.state !== 'no-failover') return "-NOMASTERLINK Can't SYNC while failing over";
    if (this.state.link !== null && this.state.link.linkStatus !== 'up') return "-NOMASTERLINK Can't SYNC while not connected with my master";
    const r = new ReplicaClient(conn);
    const h = this.handshakes.get(conn);
    if (h !== undefined) {
      r.listeningPort = h.listeningPort;
      r.ipAddress = h.ipAddress;
      r.capaEof = h.capaEof;
      r.capaPsync2 = h.capaPsync2;
    }
    r.prePsync = psync === null;
    conn.isReplica = true;
    this.byConn.set(conn, r);
    this.replicas.add(r);
    this.noReplicasSince = 0;
    r.dispose = onAbort(conn.signal, this.deps.tasks, () => this.detach(r));
    if (psync !== null) {
      const off = Number(psync.offset);
      if (Number.isSafeInteger(off) && this.state.canContinue(psync.replid, off)) {
        this.continueFrom(r, psync.replid, off);
        return null;
      }
      // '?' asks for a full sync outright; anything else was a partial resync we could not serve.
      if (psync.replid !== '?') this.syncPartialErr++;
    }
    this.syncFull++;
    this.state.ensureBacklog();
    // Before the snapshot starts (same ordered stream to the shards): no expiry after its point goes unreported.
    this.updateDeleteReports();
    this.enqueueFullSync(r);
    return null;
  }

  private continueFrom(r: ReplicaClient, replid: string, offset: number): void {
    this.syncPartialOk++;
    r.state = 'online';
    r.ackTime = Date.now();
    r.ackOffset = offset - 1;
    // A replica that knew our old id learns the new one (PSYNC2).
    r.conn.push(Buffer.from(r.capaPsync2 ? `+CONTINUE ${this.state.replid}\r\n` : '+CONTINUE\r\n', 'latin1'));
    const backlog = this.state.backlog;
    if (backlog !== null && offset <= this.state.masterReplOffset) r.conn.push(backlog.from(offset));
    this.deps.log.info({ replica: r.ip, port: r.listeningPort, replid, offset }, 'partial resynchronization accepted');
  }

  private detach(r: ReplicaClient): void {
    if (!this.replicas.delete(r)) return;
    r.pending = null;
    this.byConn.delete(r.conn);
    const qi = this.queued.indexOf(r);
    if (qi >= 0) this.queued.splice(qi, 1);
    if (this.job !== null) {
      const ji = this.job.replicas.indexOf(r);
      if (ji >= 0) this.job.replicas.splice(ji, 1);
    }
    if (this.replicas.size === 0) this.noReplicasSince = Date.now();
    this.deps.log.info({ replica: r.ip, port: r.listeningPort }, 'connection with replica lost');
    this.checkWaiters();
  }

  /** Full syncs: replicas join the job that has not started its snapshot, or wait for the next. */
  private disklessFor(r: ReplicaClient): boolean {
    return this.deps.config.get('repl-diskless-sync') === 'yes' && r.capaEof;
  }

  private enqueueFullSync(r: ReplicaClient): void {
    const diskless = this.disklessFor(r);
    const job = this.job;
    if (job !== null && !job.started && job.diskless === diskless) {
      job.replicas.push(r);
      this.maybeStartEarly(job);
      return;
    }
    if (job !== null) {
      this.queued.push(r);
      return;
    }
    this.newJob([r], diskless);
  }

  private newJob(replicas: ReplicaClient[], diskless: boolean): void {
    const job: SyncJob = { diskless, replicas, started: false };
    this.job = job;
    // repl-diskless-sync-delay: a diskless transfer waits for more replicas to share it.
    const delay = diskless ? this.deps.config.getNumber('repl-diskless-sync-delay') : 0;
    if (delay > 0 && !this.maybeStartEarly(job)) {
      const t = setTimeout(() => void this.runJob(job), delay * 1000);
      t.unref();
      (job as SyncJob & { timer?: NodeJS.Timeout }).timer = t;
    } else if (!job.started) void this.runJob(job);
  }

  /** repl-diskless-sync-max-replicas: enough replicas wait, no need to wait out the delay. */
  private maybeStartEarly(job: SyncJob): boolean {
    const max = this.deps.config.getNumber('repl-diskless-sync-max-replicas');
    if (!job.diskless || max <= 0 || job.replicas.length < max) return false;
    const t = (job as SyncJob & { timer?: NodeJS.Timeout }).timer;
    if (t !== undefined) clearTimeout(t);
    void this.runJob(job);
    return true;
  }

  private async runJob(job: SyncJob): Promise<void> {
    if (job.started) return;
    job.started = true;
    try {
      if (job.replicas.length > 0) await this.fullSync(job);
    } catch (err) {
      this.deps.log.warn({ err }, 'full resynchronization failed');
      for (const r of job.replicas) r.conn.close('error');
    } finally {
      this.job = null;
      // Everyone who queued meanwhile shares the next snapshot (one per kind of transfer).
      const next = this.queued.splice(0).filter((r) => this.replicas.has(r));
      const diskless = next.filter((r) => this.disklessFor(r));
      const disk = next.filter((r) => !this.disklessFor(r));
      if (diskless.length > 0) this.newJob(diskless, true);
      if (disk.length > 0) {
        if (this.job === null) this.newJob(disk, false);
        else this.queued.push(...disk);
      }
    }
  }

  /**
   * One snapshot for every replica of the job. At the snapshot's point in
   * the feed (every write dispatched before it is in the snapshot, every
   * later one in the stream after it) each replica gets +FULLRESYNC with the
   * stream's offset there and starts buffering the stream until its RDB is sent.
   */
  private async fullSync(job: SyncJob): Promise<void> {
    const { rdb, feed, log } = this.deps;
    const atPoint = (): void => {
      feed.marker(() => {
        this.selDb = -1;
        const offset = this.state.masterReplOffset;
        for (const r of job.replicas) {
          r.pending = [];
          r.state = 'send_bulk';
          if (!r.prePsync) r.conn.push(Buffer.from(`+FULLRESYNC ${this.state.replid} ${offset}\r\n`, 'latin1'));
          r.ackOffset = offset;
        }
        log.info({ replicas: job.replicas.length, offset, diskless: job.diskless }, 'starting full resynchronization');
      });
    };
    const live = (): ReplicaClient[] => job.replicas.filter((r) => !r.conn.closed);
    while (this.deps.otherSnapshot()) await new Promise((resolve) => setTimeout(resolve, 100));
    if (job.diskless) {
      const mark = randomBytes(20).toString('hex');
      let headerSent = false;
      await rdb.exclusive(() =>
        rdb.writeSnapshot(
          async (chunks) => {
            const chunk = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
            const rs = live();
            if (rs.length === 0) throw new Error('every replica of the transfer is gone');
            for (const r of rs) {
              if (!headerSent) r.conn.push(Buffer.from(`$EOF:${mark}\r\n`, 'latin1'));
              r.conn.push(chunk);
            }
            headerSent = true;
            await this.drained(rs);
          },
          false,
          atPoint,
        ),
      );
      for (const r of live()) r.conn.push(Buffer.from(mark, 'latin1'));
    } else {
      const file = rdb.filePath();
      await rdb.exclusive(() => rdb.writeChunked(file, false, atPoint));
      const size = (await fs.promises.stat(file)).size;
      for (const r of live()) r.conn.push(Buffer.from(`$${size}\r\n`, 'latin1'));
      const fh = await fs.promises.open(file, 'r');
      try {
        const buf = Buffer.allocUnsafe(256 * 1024);
        for (let pos = 0; pos < size; ) {
          const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
          if (bytesRead === 0) break;
          pos += bytesRead;
          const rs = live();
          if (rs.length === 0) break;
          const chunk = Buffer.from(buf.subarray(0, bytesRead));
          for (const r of rs) r.conn.push(chunk);
          await this.drained(rs);
        }
      } finally {
        await fh.close();
      }
    }
    // The snapshot is sent: what the stream produced meanwhile follows (after a
    // diskless transfer, once the replica's first ACK says it loaded it).
    for (const r of live()) {
      if (job.diskless) {
        r.state = 'wait_bgsave';
        r.onlineOnAck = true;
      } else this.putOnline(r);
    }
  }

  private putOnline(r: ReplicaClient): void {
    r.onlineOnAck = false;
    const pending = r.pending ?? [];
    r.pending = null;
    if (pending.length > 0) r.conn.push(pending.length === 1 ? pending[0] : Buffer.concat(pending));
    r.state = 'online';
    r.ackTime = Date.now();
    this.deps.log.info({ replica: r.ip, port: r.listeningPort }, 'synchronization with replica succeeded');
    this.checkWaiters();
  }

  /** Waits while any of these replicas has more than TRANSFER_BACKPRESSURE_BYTES queued. */
  private async drained(rs: readonly ReplicaClient[]): Promise<void> {
    // The payload queues like any output: kept well below the replica class's hard limit, so only the stream can pass it.
    const hard = this.deps.config.outputLimits.replica.hard;
    const most = hard > 0 ? Math.min(TRANSFER_BACKPRESSURE_BYTES, Math.floor(hard / 4)) : TRANSFER_BACKPRESSURE_BYTES;
    for (;;) {
      const slow = rs.find((r) => !r.conn.closed && r.conn.pendingOutputBytes > most);
      if (slow === undefined) return;
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, 50);
        function done(): void {
          clearTimeout(t);
          slow?.conn.socket.off('drain', done);
          resolve();
        }
        slow.conn.socket.once('drain', done);
      });
    }
  }

  // ---- WAIT and good replicas ----

  /** Clients blocked in WAIT (INFO tasks). */
  get waitingClients(): number {
    return this.waiters.size;
  }

  /** Replicas whose acknowledged offset reached `offset`. */
  countAcks(offset: number): number {
    let n = 0;
    for (const r of this.replicas) if (r.state === 'online' && r.ackOffset >= offset) n++;
    return n;
  }

  /**
   * WAIT numreplicas timeout: resolves with the number of replicas that
   * acknowledged the connection's writes (all of them propagated before the
   * WAIT: a marker in the feed waits for the writes still in flight), or
   * with an error text when it was unblocked with one (CLIENT UNBLOCK ERROR,
   * the server turning replica).
   */
  wait(conn: Connection, need: number, timeoutMs: number, signal: AbortSignal, canBlock: boolean): Promise<number | string> {
    return new Promise((resolve) => {
      this.deps.feed.marker(() => {
        const offset = conn.woff;
        const have = this.countAcks(offset);
        if (have >= need || !canBlock || conn.closed) {
          resolve(have);
          return;
        }
        let timer: NodeJS.Timeout | null = null;
        const w = {
          offset,
          need,
          done: (n: number | string): void => {
            this.waiters.delete(w);
            if (timer !== null) clearTimeout(timer);
            dispose();
            conn.blocked = null;
            resolve(n);
          },
        };
        const dispose = onAbort(signal, this.deps.tasks, () => w.done(0));
        if (timeoutMs > 0) timer = setTimeout(() => w.done(this.countAcks(offset)), timeoutMs);
        conn.blocked = {
          unblock: (how) => {
            w.done(unblockError(how) ?? this.countAcks(offset));
            return true;
          },
        };
        this.waiters.add(w);
        this.requestAcks();
      });
    });
  }

  /** REPLCONF GETACK * into the stream, once per turn however many WAITs asked. */
  private requestAcks(): void {
    if (this.getackPending) return;
    this.getackPending = true;
    setImmediate(() => {
      this.getackPending = false;
      if (this.waiters.size === 0 || this.state.backlog === null || this.state.link !== null) return;
      // As Redis: not while writes are paused (the cron asks again once they are not).
      if (this.deps.writesPaused()) return;
      this.state.append(encodeCommand(['REPLCONF', 'GETACK', '*']));
    });
  }

  private checkWaiters(): void {
    for (const w of [...this.waiters]) {
      const n = this.countAcks(w.offset);
      if (n >= w.need) w.done(n);
    }
  }

  /** Online replicas whose last ACK is at most min-replicas-max-lag seconds old. */
  goodReplicas(): number {
    const maxLag = this.deps.config.getNumber('min-replicas-max-lag') * 1000;
    const now = Date.now();
    let n = 0;
    for (const r of this.replicas) if (r.state === 'online' && now - r.ackTime <= maxLag) n++;
    return n;
  }

  /** -NOREPLICAS for a write when min-replicas-to-write is set and too few replicas are good. */
  refusesWrites(): boolean {
    if (this.state.link !== null) return false;
    const min = this.deps.config.getNumber('min-replicas-to-write');
    if (min <= 0 || this.deps.config.getNumber('min-replicas-max-lag') <= 0) return false;
    return this.goodReplicas() < min;
  }

  private deletesReported = false;

  /**
   * Shards report expired and evicted keys while writes are propagated and
   * we are a primary (a replica gets its primary's DELs and passes them on).
   */
  updateDeleteReports(): void {
    const on = this.deps.feed.active && this.state.link === null;
    if (on === this.deletesReported) return;
    this.deletesReported = on;
    this.deps.propagateDeletes(on);
  }

  // ---- cron ----

  /** replicationCron's primary side, once a second (ten times a second while a failover runs). */
  private cron(): void {
    this.failover?.cron();
    this.cronLoops++;
    const now = Date.now();
    const period = this.deps.config.getNumber('repl-ping-replica-period');
    // PING the replicas, in the stream, so they can tell a silent primary from a dead one.
    if (this.state.link === null && this.replicas.size > 0 && period > 0 && this.cronLoops % period === 0 && this.failover?.holdsPings !== true) {
      this.state.append(encodeCommand(['PING']));
    }
    // A newline keeps replicas that wait for their snapshot from timing out.
    for (const r of this.replicas) if (r.state === 'wait_bgsave' && r.pending === null) r.conn.push(NEWLINE);
    // Replicas silent for longer than repl-timeout are dropped.
    const timeout = this.deps.config.getNumber('repl-timeout') * 1000;
    for (const r of [...this.replicas]) {
      if (r.state === 'online' && !r.prePsync && now - r.ackTime > timeout) {
        this.deps.log.warn({ replica: r.ip, port: r.listeningPort }, 'disconnecting timedout replica (streaming sync)');
        r.conn.close('timeout');
      }
    }
    // No replica for repl-backlog-ttl seconds: the history goes, under a new id nobody can continue.
    const ttl = this.deps.config.getNumber('repl-backlog-ttl');
    if (this.state.link === null && this.state.backlog !== null && this.replicas.size === 0 && ttl > 0 && this.noReplicasSince > 0 && now - this.noReplicasSince > ttl * 1000) {
      this.state.replid = newReplid();
      this.state.replid2 = NULL_REPLID;
      this.state.secondReplOffset = -1;
      this.state.freeBacklog();
      this.deps.log.info({ ttl }, 'replication backlog freed after no replicas connected');
    }
    const size = this.deps.config.getNumber('repl-backlog-size');
    if (this.state.backlog !== null && this.state.backlog.size !== size) this.state.backlog.resize(size);
    if (this.waiters.size > 0) this.requestAcks();
    this.updateDeleteReports();
  }

  /** The attached replica behind a connection, if any. */
  replicaOf(conn: Connection): ReplicaClient | undefined {
    return this.byConn.get(conn);
  }
}

const NEWLINE = Buffer.from('\n', 'latin1');

function parseIntStrict(s: string): number | null {
  if (!/^-?[0-9]{1,18}$/.test(s)) return null;
  return Number(s);
}
