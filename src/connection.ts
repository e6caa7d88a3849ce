/**
 * One client connection: a read task, a write task, and one AbortController
 * that ties them together.
 *
 * - The read task reads the socket, frames requests and dispatches them in order.
 * - The write task writes replies in request order as they become ready,
 *   respecting socket backpressure.
 * - Whichever ends first (EOF, socket error, QUIT, CLIENT KILL, timeout,
 *   protocol error, server shutdown) aborts the connection's signal, and the
 *   abort reaches the other task: the socket is destroyed (ending the read
 *   loop) and the writer is woken to exit. Replies still in flight in shards are
 *   dropped when they arrive (`deliver` sees the connection is closed).
 *
 * Every listener added here is removed in `cleanup`, and the live task counts
 * are visible in INFO (section `tasks`).
 */
import type { Socket } from 'node:net';
import { once } from 'node:events';
import type { Logger } from 'pino';
import { RequestFramer, ProtocolError, QueryBufferLimitError } from './resp/request-framer';
import { PendingReply, type FeedPlace, type ReplySink } from './shard-clients/shard-client';
import type { ArenaLease } from './shard-clients/reply-arena';
import type { Config } from './config/config';
import type { ServerStats, TaskCounts } from './stats';
import type { User } from './acl/acl';
import { ClientMemoryModel } from './client-memory';

/**
 * What a connection needs from the server that accepted it. The server
 * implements it; a connection never reaches the server class itself (which
 * is built on connections), so the import runs one way.
 */
export interface ConnectionHost {
  readonly log: Logger;
  readonly config: Config;
  readonly stats: ServerStats;
  readonly tasks: TaskCounts;
  /** Routes one framed request (src/dispatch.ts); a promise when later requests must wait for it. */
  readonly dispatcher: { dispatch(conn: Connection, args: string[]): Promise<void> | undefined };
  /** Lets the connection's write task run in this turn's wake-up pass (one socket write per turn). */
  readonly writeWakeups: { schedule(conn: Connection): void };
  /** Called once both tasks have ended and the connection has cleaned up. */
  connectionClosed(conn: Connection): void;
}

/** A connection's CLIENT TRACKING state (src/tracking/tracking.ts keeps the server side). */
export interface ClientTracking {
  /** Client id to redirect to, 0 for none. */
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** CLIENT CACHING YES/NO given for the next command. */
  caching: boolean;
  brokenRedirect: boolean;
  /** BCAST prefixes, sorted as Redis lists them. */
  prefixes: string[];
}

/** What a connection in MULTI (or with WATCHed keys) holds; src/coordination/transactions.ts fills it in. */
export interface ConnectionTxn {
  readonly inMulti: boolean;
  aborted: boolean;
  /** Commands queued since MULTI (CLIENT LIST's multi=). */
  readonly queuedCount: number;
  /** Their arguments' bytes plus a pointer each (CLIENT LIST's multi-mem=). */
  readonly queuedArgvBytes: number;
}

/** Writes longer than this go to the socket in pieces of it, so a client reading a long reply slowly counts as interacting. */
const WRITE_PIECE = 256 * 1024;

/** A pipelining client whose unread output passes this stops being read until it drains. */
const READ_PAUSE_OUTPUT_BYTES = 4 * 1024 * 1024;
/** Ready replies larger than this are written on their own instead of concatenated. */
const CONCAT_LIMIT = 64 * 1024;

export type CloseReason = 'eof' | 'error' | 'quit' | 'killed' | 'timeout' | 'protocol' | 'shutdown' | 'write' | 'output';

/**
 * How a blocked command (BLPOP & co., XREAD BLOCK, WAIT) is ended from
 * outside: CLIENT UNBLOCK's TIMEOUT or ERROR, or the server turning replica
 * (REPLICAOF, FAILOVER, CLUSTER REPLICATE), which Redis's
 * replicationSetMaster answers with -UNBLOCKED for every blocked client.
 */
export type UnblockHow = 'timeout' | 'error' | 'role-change';

/** The error a blocked command is ended with (without its '-'), null for a timeout (the command's own empty reply). */
export function unblockError(how: UnblockHow): string | null {
  if (how === 'error') return 'UNBLOCKED client unblocked via CLIENT UNBLOCK';
  if (how === 'role-change') return 'UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)';
  return null;
}

export class Connection implements ReplySink {
  readonly id: number;
  readonly controller = new AbortController();
  readonly signal = this.controller.signal;
  readonly createdAt = Date.now();
  /** Last read or write (ms), as Redis's lastinteraction: the idle timeout and CLIENT LIST's idle= read it. */
  lastInteraction = this.createdAt;
  /** Redis's query and reply buffers as they would be for this traffic (CLIENT LIST's memory fields). */
  readonly mem = new ClientMemoryModel();
  /** The bytes of the socket read whose commands are being run (Redis keeps a read in qbuf until all of them ran). */
  private readBufBytes = 0;
  lastCommand = 'NULL';
  /** The arguments of the command last dispatched (CLIENT LIST's argv-mem while it runs or blocks, as Redis keeps c->argv). */
  currentArgs: readonly string[] | null = null;
  db = 0;
  proto: 2 | 3 = 2;
  /** Cluster mode: ASKING was sent; the next command may touch an importing slot. */
  clusterAsking = false;
  /** Cluster mode: READONLY (reads on a replica are served, not redirected). */
  clusterReadonly = false;
  name = '';
  libName = '';
  libVer = '';
  readonly addr: string;
  readonly laddr: string;
  closeReason: CloseReason | null = null;
  /**
   * The ACL user this connection runs as, and whether it has authenticated
   * (set by the server on accept, by AUTH, HELLO AUTH and RESET).
   */
  user!: User;
  /** Per shard, the permissions its scripts run with there, as last sent (src/coordination/script-user.ts). */
  scriptRulesSent: (string | null)[] | null = null;
  authenticated = false;

  // --- State other subsystems keep per connection (read by CLIENT LIST and INFO) ---
  /** Channels and patterns this connection subscribes to (pub/sub), or null. */
  channels: Set<string> | null = null;
  patterns: Set<string> | null = null;
  /** Shard channels (SSUBSCRIBE), counted apart from the others as in Redis. */
  shardChannels: Set<string> | null = null;
  /** The blocked command this connection waits in, if any (CLIENT UNBLOCK reaches it). */
  blocked: { unblock(how: UnblockHow): boolean } | null = null;
  /** Live `.WATCH` subscriptions. */
  resultWatches = 0;
  /** In MONITOR mode (src/monitoring/monitor.ts): CLIENT LIST's `O` flag. */
  isMonitor = false;
  /** CLIENT TRACKING state, null while tracking is off. */
  tracking: ClientTracking | null = null;
  /** CLIENT REPLY OFF: no command gets a reply until CLIENT REPLY ON. */
  replyOff = false;
  /** CLIENT REPLY SKIP: the next command gets no reply. */
  skipNextReply = false;
  /** Set by the dispatcher while it dispatches a command whose reply is not to be written. */
  droppingReplies = false;
  /** MULTI queue and WATCHed shards (commands/transactions.ts); null until the first MULTI or WATCH. */
  txn: ConnectionTxn | null = null;
  /** Shards holding state for this connection (waiters, watches): told when it ends. */
  readonly shardsWithState = new Set<number>();
  /** When the output buffer first went over the soft limit (0 = it is not over). */
  private softLimitSince = 0;

  private readonly framer: RequestFramer;
  private queue: PendingReply[] = [];
  private head = 0;
  /** Bytes of ready replies taken by the writer but not yet flushed by the socket. */
  private wakeWriter: (() => void) | null = null;
  /** The socket pushed back: the write task waits for `drain`. */
  private writerBlocked = false;
  /** Set by QUIT or a protocol error: write what is queued, then close. */
  private closingGracefully = false;
  private readonly log: Logger;
  readonly done: Promise<void>;

  constructor(
    readonly socket: Socket,
    private readonly host: ConnectionHost,
    id: number,
    /** The unix socket path, for a client of the unixsocket listener (Redis shows it as its address). */
    unixPath?: string,
  ) {
    this.id = id;
    this.addr = unixPath !== undefined ? `${unixPath}:0` : `${socket.remoteAddress}:${socket.remotePort}`;
    this.laddr = unixPath !== undefined ? `${unixPath}:0` : `${socket.localAddress}:${socket.localPort}`;
    this.log = host.log.child({ client: id, addr: this.addr });
    this.framer = new RequestFramer(host.config.framerLimits);
    socket.setNoDelay(true);
    socket.on('error', this.onSocketError);
    this.signal.addEventListener('abort', this.onAbort, { once: true });
    host.tasks.signalListeners++;
    this.done = Promise.all([this.readTask(), this.writeTask()]).then(() => this.cleanup());
  }

  /**
   * Mirrors `signal.aborted`, which hot paths read once per reply and per
   * request: AbortSignal's getter validates its receiver on every call, a
   * plain field costs nothing. Only `close` aborts the controller.
   */
  private ended = false;

  get closed(): boolean {
    return this.ended;
  }

  /** Bytes of replies that have arrived and not yet been handed to the socket (kept as a running count). */
  private readyBytes = 0;

  /** Bytes of output not yet taken by the kernel: arrived replies plus the socket's buffer. */
  get pendingOutputBytes(): number {
    return this.socket.writableLength + this.readyBytes;
  }

  get pendingReplies(): number {
    return this.queue.length - this.head;
  }

  get queryBufferBytes(): number {
    const held = this.framer.bufferedBytes;
    return held > this.readBufBytes ? held : this.readBufBytes;
  }

  /** Ends the connection now, from any side. */
  close(reason: CloseReason): void {
    if (this.ended) return;
    this.ended = true;
    this.closeReason = reason;
    this.controller.abort();
  }

  /**
   * Set by the dispatcher for a write while the AOF is on: handed to the next
   * reply position reserved, which tells it the reply (src/persistence/aof.ts).
   */
  aofNext: ((reply: Buffer) => void) | null = null;
  /** Set with aofNext for a plain write: its place in the feed, handed to the same reply position (PendingReply.feedPlace). */
  feedPlaceNext: FeedPlace | null = null;
  /** The connection that replays the AOF at start-up: served while loading, never logged. */
  loader = false;
  /** A replica of ours after SYNC/PSYNC (CLIENT LIST flag S, type replica; src/replication/primary.ts). */
  isReplica = false;
  /** The link to our primary, applying its stream (flag M, type master; src/replication/replica.ts). */
  isMaster = false;
  /** Replication offset just after this connection's last propagated write (WAIT waits for replicas to reach it). */
  woff = 0;

  /** Reserves the next reply position (for a shard request or a coordinator). */
  reserve(): PendingReply {
    const p = new PendingReply(this);
    if (this.droppingReplies) p.dropped = true;
    if (this.aofNext !== null) {
      p.onReply = this.aofNext;
      this.aofNext = null;
      p.feedPlace = this.feedPlaceNext;
      this.feedPlaceNext = null;
    }
    this.queue.push(p);
    return p;
  }

  /** Queues a reply that is ready now. */
  reply(data: Buffer): void {
    const p = new PendingReply(this);
    if (this.droppingReplies) p.dropped = true;
    if (this.aofNext !== null) {
      p.onReply = this.aofNext;
      this.aofNext = null;
      this.feedPlaceNext = null;
    }
    p.setWhole(data);
    this.queue.push(p);
    this.deliver(p);
  }

  /**
   * Queues an out-of-band message (a pub/sub message, a `.WATCH` update).
   * It goes after every reply already reserved, so on a RESP3 connection
   * pushes interleave with replies in the order things happened here.
   */
  push(data: Buffer): void {
    if (this.ended) return;
    const p = new PendingReply(this);
    p.setWhole(data);
    this.queue.push(p);
    this.deliver(p);
  }

  /**
   * True while a reply holding exactly this Buffer waits in the queue, not yet
   * handed to the socket: a blocking command served just as its client left
   * puts back what the client never got (src/coordination/blocking.ts).
   */
  holdsReply(data: Buffer): boolean {
    for (let i = this.head; i < this.queue.length; i++) if (this.queue[i]?.data === data) return true;
    return false;
  }

  /** True while subscribed to any channel or pattern (RESP2 then only takes a few commands). */
  get subscribed(): boolean {
    return (
      (this.channels !== null && this.channels.size > 0) ||
      (this.patterns !== null && this.patterns.size > 0) ||
      (this.shardChannels !== null && this.shardChannels.size > 0)
    );
  }

  /** Fills a reserved position. */
  fill(p: PendingReply, data: Buffer): void {
    p.setWhole(data);
    this.deliver(p);
  }

  deliver(p: PendingReply): void {
    if (p.onReply !== null) {
      // The write ran whether or not its client is still here: log it either way.
      const f = p.onReply;
      p.onReply = null;
      f(p.bytes());
    }
    if (this.ended) {
      // The connection is gone: drop the reply.
      releaseLease(p);
      return;
    }
    if (p.dropped) p.end = p.start; // CLIENT REPLY OFF/SKIP: an empty reply keeps the order
    this.readyBytes += p.end - p.start;
    if (this.writerBlocked && p.data !== null && (p.start !== 0 || p.end !== p.data.length)) {
      // The client is not reading: a region of a shared buffer (the inline
      // shard's 64 KiB reply arena) would keep all of that buffer alive for
      // as long as this reply waits, so the reply gets its own copy.
      const own = Buffer.allocUnsafe(p.end - p.start);
      p.data.copy(own, 0, p.start, p.end);
      releaseLease(p);
      p.setWhole(own);
    }
    if (p.data !== null && p.end > p.start && p.data[p.start] === 45 /* '-' */) this.countErrorReply(p.bytes());
    if (this.host.config.outputLimitsActive && this.overOutputLimit()) return;
    if (this.wakeWriter !== null && this.queue[this.head] === p) this.host.writeWakeups.schedule(this);
  }

  /**
   * An error reply, for INFO's error counts. One to our primary, to a replica
   * or to the AOF loader means the two sides' data differ: Redis logs it as
   * critical and counts it apart (unexpected_error_replies).
   */
  private countErrorReply(reply: Buffer): void {
    const stats = this.host.stats;
    stats.countError(reply);
    if (!this.isMaster && !this.isReplica && !this.loader) return;
    stats.unexpectedErrorReplies++;
    const [from, to] = this.loader ? ['server', 'AOF-loading-client'] : this.isMaster ? ['replica', 'master'] : ['master', 'replica'];
    this.host.log.warn({ error: reply.latin1Slice(1, Math.min(reply.length, 256)).trimEnd() }, `== CRITICAL == This ${from} is sending an error to its ${to}`);
  }

  /**
   * client-output-buffer-limit, as Redis checks it when output is queued: the
   * class is `pubsub` while subscribed, else `normal`; over the hard limit, or
   * over the soft limit for longer than its seconds, the client is closed.
   */
  private overOutputLimit(): boolean {
    const limits = this.host.config.outputLimits;
    const limit = this.isReplica ? limits.replica : this.subscribed ? limits.pubsub : limits.normal;
    const used = this.pendingOutputBytes;
    if (limit.hard > 0 && used >= limit.hard) return this.closeForOutput(used);
    if (limit.soft > 0 && used >= limit.soft) {
      const now = Date.now();
      if (this.softLimitSince === 0) this.softLimitSince = now;
      else if (now - this.softLimitSince >= limit.seconds * 1000) return this.closeForOutput(used);
    } else {
      this.softLimitSince = 0;
    }
    return false;
  }

  private closeForOutput(used: number): boolean {
    this.log.warn({ omem: used, class: this.isReplica ? 'replica' : this.subscribed ? 'pubsub' : 'normal' }, 'closing client that reached its output buffer limit');
    this.host.stats.outputLimitDisconnections++;
    this.close('output');
    return true;
  }

  /** Called by the server's wake-up batcher: lets the write task write what is ready. */
  wakeWriterNow(): void {
    const wake = this.wakeWriter;
    this.wakeWriter = null;
    wake?.();
  }

  /** QUIT: reply, stop reading, close once the replies are written. */
  closeAfterReplies(reason: CloseReason): void {
    this.closingGracefully = true;
    this.closeReason = reason;
    if (this.wakeWriter !== null) {
      const wake = this.wakeWriter;
      this.wakeWriter = null;
      wake();
    }
  }

  /**
   * The read task: lives from the first byte to the end of reading (EOF, error,
   * abort, QUIT, protocol error). Bytes arrive through the socket's 'data'
   * events and are framed and dispatched synchronously in `drainFramer`; the
   * task pauses the socket while a multi-step command runs (so the
   * connection's later commands wait for it) and while its unwritten output
   * is over the threshold.
   */
  private async readTask(): Promise<void> {
    const tasks = this.host.tasks;
    const socket = this.socket;
    tasks.readTasks++;
    try {
      await new Promise<void>((resolve) => {
        this.finishRead = resolve;
        socket.on('data', this.onData);
        socket.once('end', this.onEnd);
        socket.once('close', this.onClose);
      });
    } finally {
      socket.off('data', this.onData);
      socket.off('end', this.onEnd);
      socket.off('close', this.onClose);
      tasks.readTasks--;
      // EOF or a read error ends the connection at once, as in Redis (pending replies are dropped).
      if (!this.closingGracefully) this.close(this.readEndReason);
    }
  }

  private finishRead: (() => void) | null = null;
  private readEndReason: CloseReason = 'eof';
  /** Why reading is paused, if it is: a multi-step command in progress, or too much unwritten output. */
  private readPause: 'barrier' | 'output' | null = null;
  /** What takeReady's view holds of the inline shard's reply arena: released when written. */
  private takenLease: ArenaLease | null = null;
  private takenViews = 0;

  private stopReading(reason: CloseReason): void {
    this.readEndReason = reason;
    this.socket.pause();
    const finish = this.finishRead;
    this.finishRead = null;
    finish?.();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.lastInteraction = Date.now();
    this.host.stats.netInputBytes += chunk.length;
    this.host.stats.readsProcessed++;
    const held = this.framer.bufferedBytes;
    this.mem.onRead(held, chunk.length);
    this.readBufBytes = held + chunk.length;
    this.framer.push(chunk);
    this.drainFramer();
    this.readBufBytes = 0;
  };

  private readonly onEnd = (): void => this.stopReading('eof');
  private readonly onClose = (): void => this.stopReading(this.closeReason ?? 'error');

  private pauseReading(why: 'barrier' | 'output'): void {
    this.readPause = why;
    this.socket.pause();
  }

  private resumeReading(): void {
    this.readPause = null;
    if (this.finishRead === null) return;
    this.socket.resume();
    this.drainFramer();
  }

  /** Frames and dispatches every complete request buffered, until done or paused. */
  private drainFramer(): void {
    if (this.readPause !== null || this.finishRead === null) return;
    try {
      for (;;) {
        if (this.closingGracefully || this.ended) {
          this.stopReading(this.closeReason ?? 'quit');
          return;
        }
        const args = this.framer.next();
        if (args === null) break;
        const barrier = this.host.dispatcher.dispatch(this, args);
        if (barrier !== undefined) {
          // A multi-step command may never finish (SHUTDOWN, a shard that
          // died): the abort destroys the socket, which ends this task anyway.
          this.pauseReading('barrier');
          void barrier.then(() => {
            if (this.readPause === 'barrier') this.resumeReading();
          });
          return;
        }
      }
    } catch (err) {
      if (err instanceof QueryBufferLimitError) {
        // Redis closes such a client without a reply (it only logs it).
        this.log.warn({ limit: this.host.config.framerLimits.maxQueryBuffer }, 'closing client that reached max query buffer length');
        this.stopReading('protocol');
        return;
      }
      if (err instanceof ProtocolError) {
        this.log.debug({ err: err.message }, 'protocol error');
        this.reply(Buffer.from(`-ERR ${err.message}\r\n`, 'latin1'));
        this.closeAfterReplies('protocol');
        this.stopReading('protocol');
        return;
      }
      // A bug (or an allocation failure) while routing one connection's
      // request must not take the server down: that connection alone ends.
      this.log.error({ err }, 'request handling failed; closing the connection');
      this.stopReading('error');
      this.close('error');
    }
    if (this.pendingOutputBytes > READ_PAUSE_OUTPUT_BYTES) this.pauseReading('output');
  }

  /**
   * Takes the run of ready replies at the head of the queue as one buffer.
   * Replies an inline shard wrote one after another into its reply arena
   * (a pipeline's commands, src/core/wire/call-batch.ts) are adjacent regions of
   * one buffer: such a run goes out as one view, without a copy. Anything
   * else ready is concatenated, up to CONCAT_LIMIT.
   */
  private takeReady(): Buffer | null {
    const q = this.queue;
    const i = this.head;
    if (i >= q.length || q[i].data === null) return null;
    const first = q[i];
    const data = first.data as Buffer;
    let last = first.end;
    let end = i + 1;
    while (end < q.length && q[end].data === data && q[end].start === last) {
      last = q[end].end;
      end++;
    }
    if (end === q.length || q[end].data === null || last - first.start >= CONCAT_LIMIT) {
      // The run's arena views are released when the socket is done with them (writeTask).
      // They are views of one buffer, so of one lease.
      let lease: ArenaLease | null = null;
      let leased = 0;
      for (let j = i; j < end; j++) {
        const l = q[j].lease;
        if (l !== null) {
          lease = l;
          leased++;
        }
        q[j] = undefined as unknown as PendingReply;
      }
      this.takenLease = lease;
      this.takenViews = leased;
      this.advance(end);
      this.readyBytes -= last - first.start;
      return first.start === 0 && last === data.length ? data : data.subarray(first.start, last);
    }
    return this.concatReady();
  }

  /** Copies the ready replies at the head of the queue into one buffer, up to about CONCAT_LIMIT bytes. */
  private concatReady(): Buffer {
    const q = this.queue;
    let i = this.head;
    let total = 0;
    let end = i;
    while (end < q.length && q[end].data !== null && total < CONCAT_LIMIT) {
      total += q[end].end - q[end].start;
      end++;
    }
    const out = Buffer.allocUnsafe(total);
    let o = 0;
    for (; i < end; i++) {
      const p = q[i];
      o += (p.data as Buffer).copy(out, o, p.start, p.end);
      releaseLease(p);
      q[i] = undefined as unknown as PendingReply;
    }
    this.advance(end);
    this.readyBytes -= total;
    return out;
  }

  private advance(head: number): void {
    if (head >= this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (head > 1024 && head * 2 > this.queue.length) {
      this.queue = this.queue.slice(head);
      this.head = 0;
    } else {
      this.head = head;
    }
  }

  private async writeTask(): Promise<void> {
    const tasks = this.host.tasks;
    const socket = this.socket;
    tasks.writeTasks++;
    try {
      for (;;) {
        if (this.ended) return;
        const out = this.takeReady();
        if (out === null) {
          if (this.closingGracefully && this.head >= this.queue.length) {
            await new Promise<void>((resolve) => socket.end(resolve));
            return;
          }
          await new Promise<void>((resolve) => (this.wakeWriter = resolve));
          continue;
        }
        this.host.stats.netOutputBytes += out.length;
        // What a replica is sent (its snapshot, the stream) is also replication output, as in Redis 7.0.
        if (this.isReplica) this.host.stats.netReplOutputBytes += out.length;
        this.host.stats.writesProcessed++;
        this.lastInteraction = Date.now();
        this.mem.onReply(out.length);
        // Arena views in `out` are released once the socket is done with its last byte.
        const lease = this.takenLease;
        const views = this.takenViews;
        this.takenLease = null;
        const done = lease === null ? undefined : () => lease.release(views);
        let flushed: boolean;
        if (out.length <= WRITE_PIECE) flushed = socket.write(out, done);
        else {
          // In pieces: each one's completion is an interaction, as each partial write is in Redis.
          for (let at = 0; at < out.length - WRITE_PIECE; at += WRITE_PIECE) socket.write(out.subarray(at, at + WRITE_PIECE), this.onWriteProgress);
          const last = out.subarray(Math.floor((out.length - 1) / WRITE_PIECE) * WRITE_PIECE);
          flushed = socket.write(last, done === undefined ? this.onWriteProgress : () => (this.onWriteProgress(), done()));
        }
        if (!flushed) {
          this.writerBlocked = true;
          try {
            await once(socket, 'drain', { signal: this.signal });
          } finally {
            this.writerBlocked = false;
          }
        }
        if (this.readPause === 'output' && this.pendingOutputBytes <= READ_PAUSE_OUTPUT_BYTES) this.resumeReading();
      }
    } catch (err) {
      if (!this.signal.aborted) this.log.debug({ err }, 'write failed');
    } finally {
      tasks.writeTasks--;
      this.close(this.closeReason ?? 'write');
    }
  }

  private readonly onSocketError = (err: Error): void => {
    this.log.debug({ err: err.message }, 'socket error');
    this.close('error');
  };

  /**
   * The idle timeout, checked by the server's clients cron as Redis's
   * clientsCronHandleTimeout: closed when the whole seconds since the last
   * read or write exceed `timeout`, sparing blocked clients (their command has
   * its own timeout), subscribers, MONITOR clients and replication links
   * (a replica's or master's link has its own repl-timeout).
   */
  idleTimedOut(nowSeconds: number, timeout: number): boolean {
    if (timeout <= 0 || this.blocked !== null || this.subscribed || this.isMonitor || this.loader || this.isReplica || this.isMaster) return false;
    return nowSeconds - Math.floor(this.lastInteraction / 1000) > timeout;
  }

  private readonly onWriteProgress = (): void => {
    this.lastInteraction = Date.now();
  };

  /** The abort reaches both tasks: the socket goes (ending the read loop) and the writer wakes to exit. */
  private readonly onAbort = (): void => {
    this.host.tasks.signalListeners--;
    this.socket.destroy();
    const ww = this.wakeWriter;
    this.wakeWriter = null;
    ww?.();
    // Destroying the socket emits 'close', which ends the read task.
  };

  private cleanup(): void {
    this.socket.off('error', this.onSocketError);
    // Keep a no-op error listener: a late error on a destroyed socket must not crash the server.
    this.socket.on('error', noop);
    // Replies never taken for writing: their arena views go back now.
    for (let i = this.head; i < this.queue.length; i++) {
      const p = this.queue[i];
      if (p !== undefined) releaseLease(p);
    }
    this.queue = [];
    this.head = 0;
    this.readyBytes = 0;
    this.host.connectionClosed(this);
  }
}

function noop(): void {}

/** This reply's bytes are no longer read here (reply-arena.ts). */
function releaseLease(p: PendingReply): void {
  const lease = p.lease;
  if (lease === null) return;
  p.lease = null;
  lease.release(1);
}
