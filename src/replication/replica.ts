/**
 * Shardis as a replica (Redis's replication.c, the replica half):
 * REPLICAOF's link to a master. The link connects, makes the handshake
 * (PING, AUTH, REPLCONF listening-port and capa, PSYNC), takes a full
 * resync's snapshot (disk `$<len>` or diskless `$EOF:<mark>` payloads,
 * rdb-transfer.ts) or a partial one (+CONTINUE), and then applies the
 * master's command stream: read with redis-parser (a trusted stream) and
 * run through one in-process connection flagged `isMaster`, exactly as a
 * client's commands run (SELECT, MULTI/EXEC, cross-shard commands), with
 * its replies dropped. It keeps the offsets, answers REPLCONF GETACK and
 * sends REPLCONF ACK every second, and, when the link drops, remembers the
 * master's replication id and offset so the next connection can PSYNC.
 */
import net from 'node:net';
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import RedisParser from 'redis-parser';
import type { Logger } from 'pino';
import { Connection, type ConnectionHost } from '../connection';
import type { Config } from '../config/config';
import { RdbTransfer } from './rdb-transfer';

/** Replication ids and offsets kept by the server (the master half owns them); what a replica link changes. */
export interface ReplicationIds {
  readonly replid: string;
  readonly masterReplOffset: number;
  /** FULLRESYNC: the master's id and offset become ours; the backlog starts over. */
  onFullResync(replid: string, offset: number): void;
  /** +CONTINUE with a new id (the master was promoted): ours becomes the old id, still valid up to here. */
  onContinue(newReplid: string | null): void;
  /** Bytes of the master's stream, as read: kept verbatim (backlog, sub-replicas); the offset moves on. */
  feedFromMaster(bytes: Buffer): void;
  /** REPLICAOF NO ONE: a new id, the old one kept as replid2 up to this offset. */
  promote(): void;
}

/**
 * A coordinated failover that made us a replica of its target
 * (src/replication/failover.ts): while it is in progress our PSYNC asks the
 * target to take over, and its answer decides the failover.
 */
export interface FailoverPsync {
  /** failover-in-progress: the next PSYNC is `PSYNC <replid> <offset> FAILOVER`. */
  readonly inProgress: boolean;
  /** The answer to that PSYNC: accepted (+FULLRESYNC, +CONTINUE), or not (an error, or the link closed before it came). */
  answered(accepted: boolean, reply: string): void;
}

/** What the link needs from the server. */
export interface ReplicaHost {
  readonly log: Logger;
  readonly config: Config;
  readonly connectionHost: ConnectionHost;
  /** Registers the in-process master client (server.connections) and gives it an id. */
  addInternalConnection(make: (id: number) => Connection): Connection;
  /** The port this server listens on (REPLCONF listening-port). */
  readonly port: number;
  readonly ids: ReplicationIds;
  /** Empties every database and loads a snapshot (a full resync); -LOADING is answered meanwhile. */
  loadSnapshot(rdb: Buffer): Promise<number>;
  /** The internal user the master's commands run as (unchecked, as Redis's master client). */
  readonly internalUser: Connection['user'];
  /** FAILOVER's side of the PSYNC. */
  readonly failover: FailoverPsync;
}

/** ROLE's and INFO's names of the link's states (Redis's replstateToString). */
export type LinkState = 'connect' | 'connecting' | 'handshake' | 'sync' | 'connected';

/** Commands queued from the stream before the socket is paused (a coordinator holding the stream back). */
const MAX_QUEUED = 10_000;
/**
 * The link is tried again this long after it failed: Redis's replicationCron
 * runs once a second, and every 100 ms while a failover is under way, so the
 * hand-over to an unreachable target is retried quickly.
 */
const RETRY_MS = 1000;
const FAILOVER_RETRY_MS = 100;

/** The bytes a command took in the stream: the master writes each one as a multibulk, exactly. */
function encodedLength(args: Buffer[]): number {
  let n = 3 + String(args.length).length;
  for (const a of args) n += 5 + String(a.length).length + a.length;
  return n;
}

function encode(args: readonly string[]): Buffer {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return Buffer.from(s, 'latin1');
}

/** A socket-shaped stream for the master's in-process client: nothing is read from it, what it writes is dropped. */
class MasterClientSocket extends Duplex {
  readonly localAddress: string;
  readonly localPort: number;

  constructor(
    readonly remoteAddress: string,
    readonly remotePort: number,
    real: Socket,
  ) {
    super();
    this.localAddress = real.localAddress ?? '';
    this.localPort = real.localPort ?? 0;
  }

  setNoDelay(): this {
    return this;
  }

  setTimeout(): this {
    return this;
  }

  override _read(): void {
    /* the link hands commands to the dispatcher itself */
  }

  override _write(_chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    // A master gets no replies (REPLCONF GETACK's is written by the link itself).
    cb();
  }
}

export class ReplicaLink {
  state: LinkState = 'connect';
  /** The master's id and offset once known (this connection's, or the one before it for PSYNC). */
  private masterReplid: string | null = null;
  /** Bytes of the stream read, and applied (sent to be run), since offset 0 of the master's history. */
  readOffset = 0;
  processedOffset = 0;
  /** When data last came from the master (ms). */
  lastIo = 0;
  /** When the link last went down (ms); 0 if it never was up. */
  downSince = 0;
  /** The payload of a full resync being received, else null. */
  transfer: RdbTransfer | null = null;
  private transferLastIo = 0;
  private socket: Socket | null = null;
  private masterConn: Connection | null = null;
  private parser: RedisParser | null = null;
  private readonly queue: Buffer[][] = [];
  private queueHead = 0;
  /**
   * The stream's bytes read and not yet passed on: as Redis's
   * replicationFeedStreamFromMasterStream, our backlog and our own replicas
   * get the master's bytes once they are applied, so our offset is always the
   * applied one and a PSYNC after a dropped link never repeats bytes in them.
   */
  private readonly unfed: Buffer[] = [];
  private unfedSkip = 0;
  /** Bytes applied in this pump and not passed on yet. */
  private toFeed = 0;
  /** Inside a MULTI from the master: its bytes are counted once its EXEC is. */
  private inTxn = false;
  private txnBytes = 0;
  /** The master client's database, kept across a partial resync (the stream does not SELECT again). */
  private db = 0;
  private waiting = false;
  /**
   * The command the master's client is waiting for (a coordinator, a command
   * held behind the shard lock). It was counted as applied, so it must run
   * even when the link drops: the old client is closed only once it is done,
   * and the next client starts after it.
   */
  private inflight: Promise<void> | null = null;
  private stopped = false;
  /** PSYNC ... FAILOVER was sent on this connection and its answer has not come. */
  private failoverReplyDue = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly cron: NodeJS.Timeout;
  /** Full and partial syncs this link made (logged and shown by tests through INFO). */
  fullSyncs = 0;
  partialSyncs = 0;

  constructor(
    private readonly host: ReplicaHost,
    readonly masterHost: string,
    readonly masterPort: number,
    /** The id/offset to try PSYNC with first (the server's own history, when it was a master or a replica before). */
    cached: { replid: string; offset: number } | null,
  ) {
    if (cached !== null) {
      this.masterReplid = cached.replid;
      this.readOffset = this.processedOffset = cached.offset;
    }
    this.cron = setInterval(() => this.tick(), 1000);
    this.cron.unref();
    this.connect();
  }

  get log(): Logger {
    return this.host.log;
  }

  get linkUp(): boolean {
    return this.state === 'connected';
  }

  // --- What INFO replication and ROLE show (the master half's ReplicaLinkView) ---

  get linkStatus(): 'up' | 'down' {
    return this.state === 'connected' ? 'up' : 'down';
  }

  get roleState(): LinkState {
    return this.state;
  }

  lastIoSecondsAgo(): number {
    return this.state === 'connected' ? Math.floor((Date.now() - this.lastIo) / 1000) : -1;
  }

  get syncInProgress(): boolean {
    return this.state === 'sync';
  }

  get syncTotalBytes(): number {
    return this.transfer?.totalBytes ?? -1;
  }

  get syncReadBytes(): number {
    return this.transfer?.receivedBytes ?? 0;
  }

  syncLastIoSecondsAgo(): number {
    return Math.floor((Date.now() - this.transferLastIo) / 1000);
  }

  /** master_link_down_since_seconds: -1 until the link was up once (as Redis 7.0). */
  linkDownSinceSeconds(): number {
    if (this.state === 'connected') return -1;
    return this.downSince === 0 ? -1 : Math.floor((Date.now() - this.downSince) / 1000);
  }

  /** The master's client connection (CLIENT LIST flag M), while the link is up. */
  get client(): Connection | null {
    return this.masterConn;
  }

  /** Ends the link for good (REPLICAOF NO ONE, another master, shutdown). */
  stop(): void {
    this.stopped = true;
    clearInterval(this.cron);
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.drop('stopped');
  }

  private connect(): void {
    if (this.stopped) return;
    this.state = 'connecting';
    this.log.info({ host: this.masterHost, port: this.masterPort }, 'Connecting to MASTER');
    const socket = net.connect({ host: this.masterHost, port: this.masterPort });
    this.socket = socket;
    socket.setNoDelay(true);
    this.lastIo = Date.now();
    socket.once('connect', () => void this.handshake(socket));
    socket.on('error', (err) => {
      this.log.warn({ err: err.message }, 'Error condition on socket for SYNC');
      this.lost(socket);
    });
    socket.on('close', () => this.lost(socket));
  }

  /** The socket ended (error, EOF, master gone): drop what this connection had and try again soon. */
  private lost(socket: Socket): void {
    if (this.socket !== socket) return;
    if (this.state === 'connected') this.log.info('Connection with master lost.');
    // A failover's PSYNC left unanswered is refused, as Redis takes no reply (PSYNC_TRY_LATER).
    const failoverUnanswered = this.failoverReplyDue;
    this.drop('lost');
    this.scheduleRetry();
    if (failoverUnanswered) this.host.failover.answered(false, 'the connection closed before the reply');
  }

  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer !== null) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, this.host.failover.inProgress ? FAILOVER_RETRY_MS : RETRY_MS);
    this.retryTimer.unref();
  }

  /** Closes the socket and the master's client; the master's id and processed offset stay for PSYNC. */
  private drop(_why: string): void {
    const wasUp = this.state === 'connected';
    const socket = this.socket;
    this.socket = null;
    if (socket !== null) {
      socket.removeAllListeners('data');
      socket.on('error', () => undefined);
      socket.destroy();
    }
    const conn = this.masterConn;
    this.masterConn = null;
    if (conn !== null) this.db = conn.db;
    const inflight = this.inflight;
    if (conn !== null) {
      if (inflight === null) conn.close('killed');
      else void inflight.then(() => conn.close('killed'));
    }
    this.inTxn = false;
    this.txnBytes = 0;
    this.unfed.length = 0;
    this.unfedSkip = 0;
    this.toFeed = 0;
    this.parser = null;
    this.queue.length = 0;
    this.queueHead = 0;
    this.waiting = false;
    this.transfer = null;
    this.failoverReplyDue = false;
    // What was read but never applied is not ours: the next PSYNC asks for it again.
    this.readOffset = this.processedOffset;
    if (wasUp) this.downSince = Date.now();
    this.state = 'connect';
  }

  // --- The handshake (syncWithMaster) ---

  /**
   * Reads one line reply at a time while the handshake runs. Bytes are only
   * cut into lines when a reply is asked for: what follows the PSYNC reply
   * (the payload, the stream) stays as it came, for `detach`.
   */
  private lineReader(socket: Socket): { read: () => Promise<string>; detach: () => Buffer } {
    let buf: Buffer = Buffer.alloc(0);
    let want: ((line: string) => void) | null = null;
    const take = (): string | null => {
      for (;;) {
        const nl = buf.indexOf(10);
        if (nl < 0) return null;
        const line = buf.latin1Slice(0, nl).replace(/\r$/, '');
        buf = buf.subarray(nl + 1);
        // A master preparing a snapshot may send bare newlines: they are not replies.
        if (line !== '') return line;
      }
    };
    const onData = (chunk: Buffer): void => {
      this.lastIo = Date.now();
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      if (want === null) return;
      const line = take();
      if (line === null) return;
      const w = want;
      want = null;
      w(line);
    };
    socket.on('data', onData);
    return {
      read: () =>
        new Promise((resolve) => {
          const line = take();
          if (line !== null) resolve(line);
          else want = resolve;
        }),
      detach: () => {
        socket.off('data', onData);
        return buf;
      },
    };
  }

  private async handshake(socket: Socket): Promise<void> {
    if (this.socket !== socket) return;
    this.state = 'handshake';
    this.log.info('Non blocking connect for SYNC fired the event.');
    const reader = this.lineReader(socket);
    const read = reader.read;
    const send = (...args: string[]): void => {
      socket.write(encode(args));
    };
    const alive = (): boolean => this.socket === socket;
    try {
      send('PING');
      const pong = await read();
      if (!alive()) return;
      // An error about authentication is fine here: AUTH comes next (as Redis accepts -NOAUTH, -NOPERM, -ERR operation not permitted).
      if (pong.startsWith('-') && !/^-(NOAUTH|NOPERM|ERR operation not permitted)/.test(pong)) return this.fail(socket, `Error reply to PING from master: '${pong.slice(1)}'`);
      this.log.info('Master replied to PING, replication can continue...');
      const pass = this.host.config.get('masterauth') ?? '';
      const user = this.host.config.get('masteruser') ?? '';
      if (pass !== '') {
        send(...(user !== '' ? ['AUTH', user, pass] : ['AUTH', pass]));
        const r = await read();
        if (!alive()) return;
        if (r.startsWith('-')) return this.fail(socket, `Unable to AUTH to MASTER: ${r.slice(1)}`);
      }
      send('REPLCONF', 'listening-port', String(this.announcedPort()));
      const r1 = await read();
      if (!alive()) return;
      if (r1.startsWith('-')) this.log.info({ reply: r1 }, '(Non critical) Master does not understand REPLCONF listening-port');
      const ip = this.host.config.get('replica-announce-ip') ?? '';
      if (ip !== '') {
        send('REPLCONF', 'ip-address', ip);
        const r = await read();
        if (!alive()) return;
        if (r.startsWith('-')) this.log.info({ reply: r }, '(Non critical) Master does not understand REPLCONF ip-address');
      }
      send('REPLCONF', 'capa', 'eof', 'capa', 'psync2');
      const r2 = await read();
      if (!alive()) return;
      if (r2.startsWith('-')) this.log.info({ reply: r2 }, '(Non critical) Master does not understand REPLCONF capa');
      // A failover in progress asks the target to take over (it checks that we share its history's id).
      const failover = this.host.failover.inProgress ? ['FAILOVER'] : [];
      if (this.masterReplid !== null) {
        this.log.info({ replid: this.masterReplid, offset: this.processedOffset + 1, failover: failover.length > 0 }, 'Trying a partial resynchronization');
        send('PSYNC', this.masterReplid, String(this.processedOffset + 1), ...failover);
      } else {
        this.log.info('Partial resynchronization not possible (no cached master)');
        send('PSYNC', '?', '-1', ...failover);
      }
      this.failoverReplyDue = failover.length > 0;
      const reply = await read();
      if (!alive()) return;
      const rest = reader.detach();
      if (this.failoverReplyDue) {
        this.failoverReplyDue = false;
        // Refused: the failover aborts and stops this link (we are a primary again).
        this.host.failover.answered(/^\+(FULLRESYNC|CONTINUE)\b/.test(reply), reply);
        if (!alive()) return;
      }
      this.onPsyncReply(socket, reply, rest);
    } catch (err) {
      this.fail(socket, (err as Error).message);
    }
  }

  private announcedPort(): number {
    const p = Number(this.host.config.get('replica-announce-port') ?? '0');
    return p > 0 ? p : this.host.port;
  }

  private fail(socket: Socket, message: string): void {
    if (this.socket !== socket) return;
    this.log.warn(message);
    this.drop('failed');
    this.scheduleRetry();
  }

  private onPsyncReply(socket: Socket, reply: string, rest: Buffer): void {
    const words = reply.split(' ');
    if (words[0] === '+FULLRESYNC' && words.length >= 3) {
      const replid = words[1];
      const offset = Number(words[2]);
      this.log.info({ replid, offset }, 'Full resync from master');
      this.masterReplid = replid;
      this.readOffset = this.processedOffset = offset;
      this.host.ids.onFullResync(replid, offset);
      this.db = 0;
      this.fullSyncs++;
      this.startTransfer(socket, rest);
      return;
    }
    if (words[0] === '+CONTINUE') {
      const newId = words[1];
      this.log.info('Successful partial resynchronization with master.');
      if (newId !== undefined && newId !== '' && newId !== this.masterReplid) {
        this.masterReplid = newId;
        this.host.ids.onContinue(newId);
      }
      this.partialSyncs++;
      this.startStream(socket, rest);
      return;
    }
    // -NOMASTERLINK / -LOADING: the master cannot serve us yet; anything else is an error. Try again later.
    this.fail(socket, `Unexpected reply to PSYNC from master: ${reply}`);
  }

  // --- The snapshot ---

  private startTransfer(socket: Socket, first: Buffer): void {
    this.state = 'sync';
    const transfer = new RdbTransfer();
    this.transfer = transfer;
    this.transferLastIo = Date.now();
    const onData = (chunk: Buffer): void => {
      if (this.socket !== socket) return;
      this.countInput(chunk);
      this.lastIo = this.transferLastIo = Date.now();
      const step = transfer.push(chunk);
      if (step.kind === 'more') return;
      socket.off('data', onData);
      if (step.kind === 'error') return this.fail(socket, step.message);
      // The stream that follows waits in the socket while the snapshot loads.
      socket.pause();
      void this.loadPayload(socket, step.rdb, step.rest, step.eofMarked);
    };
    socket.on('data', onData);
    if (first.length > 0) onData(first);
  }

  private async loadPayload(socket: Socket, rdb: Buffer, rest: Buffer, eofMarked: boolean): Promise<void> {
    this.log.info({ bytes: rdb.length, diskless: eofMarked }, 'MASTER <-> REPLICA sync: Flushing old data and loading the DB in memory');
    try {
      const keys = await this.host.loadSnapshot(rdb);
      this.log.info({ keys }, 'MASTER <-> REPLICA sync: Finished with success');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'Failed trying to load the MASTER synchronization DB from socket');
      // Nothing of this master's history is ours now.
      this.masterReplid = null;
      return this.fail(socket, 'loading the snapshot failed');
    }
    if (this.socket !== socket) return;
    this.transfer = null;
    this.startStream(socket, rest);
    // A diskless master puts the replica online on its first ACK: send it now (as Redis does).
    if (eofMarked) this.sendAck();
    socket.resume();
  }

  // --- The command stream ---

  private startStream(socket: Socket, first: Buffer): void {
    this.state = 'connected';
    this.lastIo = Date.now();
    const id = this.host.addInternalConnection((cid) => {
      const c = new Connection(new MasterClientSocket(this.masterHost, this.masterPort, socket) as unknown as Socket, this.host.connectionHost, cid);
      c.user = this.host.internalUser;
      c.authenticated = true;
      c.isMaster = true;
      c.db = this.db;
      return c;
    });
    this.masterConn = id;
    // The master's client ending from this side (CLIENT KILL TYPE master) drops the link, as in Redis.
    void id.done.then(() => {
      if (this.masterConn === id && this.socket === socket) {
        this.log.info('Connection with master lost (its client was closed).');
        this.drop('killed');
        this.scheduleRetry();
      }
    });
    this.parser = new RedisParser({
      returnBuffers: true,
      returnReply: (reply: unknown) => {
        if (Array.isArray(reply)) this.queue.push(reply as Buffer[]);
      },
      returnError: () => undefined,
      returnFatalError: (err: Error) => this.fail(socket, `Protocol error from master: ${err.message}`),
    });
    socket.on('data', (chunk: Buffer) => this.onStreamData(socket, chunk));
    const before = this.inflight;
    if (before !== null) {
      // The previous client's last command has not finished: this client's commands come after it.
      this.waiting = true;
      void before.then(() => {
        if (this.masterConn !== id) return;
        this.waiting = false;
        this.pump();
      });
    }
    if (first.length > 0) this.onStreamData(socket, first);
  }

  /** The snapshot's and the stream's bytes: network input, and replication input too (Redis 7.0 counts them in both). */
  private countInput(chunk: Buffer): void {
    const stats = this.host.connectionHost.stats;
    stats.netInputBytes += chunk.length;
    stats.netReplInputBytes += chunk.length;
  }

  private onStreamData(socket: Socket, chunk: Buffer): void {
    if (this.socket !== socket || this.parser === null) return;
    this.countInput(chunk);
    this.lastIo = Date.now();
    this.readOffset += chunk.length;
    this.unfed.push(chunk);
    this.parser.execute(chunk);
    this.pump();
  }

  /** Runs queued commands in order; a command that holds its connection back (a coordinator) holds the stream too. */
  private pump(): void {
    const conn = this.masterConn;
    if (conn === null) return;
    const dispatcher = this.host.connectionHost.dispatcher;
    while (!this.waiting && this.queueHead < this.queue.length) {
      const raw = this.queue[this.queueHead];
      this.queue[this.queueHead++] = undefined as unknown as Buffer[];
      const bytes = encodedLength(raw);
      const name = raw[0]?.toString('latin1').toLowerCase();
      if (name === 'replconf' && raw.length >= 2 && raw[1].toString('latin1').toLowerCase() === 'getack') {
        // The ACK counts what came before the GETACK, not the GETACK itself (Redis replies before adding its bytes).
        this.sendAck();
        this.applied(bytes);
        continue;
      }
      // As Redis's commandProcessed: the applied offset does not move inside MULTI, so a link
      // lost in the middle of a transaction resumes from its MULTI (the transaction is discarded).
      if (name === 'multi') this.inTxn = true;
      if (this.inTxn) this.txnBytes += bytes;
      else this.applied(bytes);
      if (name === 'exec' || name === 'discard') {
        this.inTxn = false;
        this.applied(this.txnBytes);
        this.txnBytes = 0;
      }
      // The master's PING only keeps the link alive (and counts in the offset).
      if (name === 'ping') continue;
      const args = raw.map((b) => b.toString('latin1'));
      const barrier = dispatcher.dispatch(conn, args);
      if (barrier !== undefined) {
        this.waiting = true;
        const done = barrier.then(
          () => undefined,
          () => undefined,
        );
        this.inflight = done;
        void done.then(() => {
          if (this.inflight === done) this.inflight = null;
          if (this.masterConn !== conn) return;
          this.waiting = false;
          this.pump();
        });
      }
    }
    this.feed();
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    }
    const socket = this.socket;
    if (socket === null) return;
    if (this.queue.length - this.queueHead > MAX_QUEUED) socket.pause();
    else if (socket.isPaused() && this.transfer === null) socket.resume();
  }

  private applied(bytes: number): void {
    this.processedOffset += bytes;
    this.toFeed += bytes;
  }

  /** Passes the applied bytes on, verbatim, in the slices they were read in. */
  private feed(): void {
    let n = this.toFeed;
    this.toFeed = 0;
    const ids = this.host.ids;
    while (n > 0 && this.unfed.length > 0) {
      const chunk = this.unfed[0];
      const avail = chunk.length - this.unfedSkip;
      const take = Math.min(avail, n);
      ids.feedFromMaster(this.unfedSkip === 0 && take === chunk.length ? chunk : chunk.subarray(this.unfedSkip, this.unfedSkip + take));
      n -= take;
      if (take === avail) {
        this.unfed.shift();
        this.unfedSkip = 0;
      } else {
        this.unfedSkip += take;
      }
    }
  }

  /** REPLCONF GETACK that reached the dispatcher (the stream's own are answered in `pump`). */
  ackNow(): void {
    this.sendAck();
  }

  /** REPLCONF ACK <processed offset>: the master's WAIT and min-replicas count on it. */
  private sendAck(): void {
    const s = this.socket;
    if (s === null || this.state !== 'connected' || s.destroyed) return;
    s.write(encode(['REPLCONF', 'ACK', String(this.processedOffset)]));
  }

  /** Once a second: ACK, and the timeouts (repl-timeout) of every phase. */
  private tick(): void {
    const now = Date.now();
    const timeoutMs = this.host.config.getNumber('repl-timeout') * 1000;
    const s = this.socket;
    if (s === null) return;
    if (this.state === 'connected') {
      this.sendAck();
      if (now - this.lastIo > timeoutMs) {
        this.log.warn('MASTER timeout: no data nor PING received...');
        this.drop('timeout');
        this.scheduleRetry();
      }
      return;
    }
    if (this.state === 'sync' && now - this.transferLastIo > timeoutMs) {
      this.fail(s, 'Timeout receiving bulk data from MASTER... If the problem persists try to set the \'repl-timeout\' parameter in redis.conf to a larger value.');
      return;
    }
    if ((this.state === 'connecting' || this.state === 'handshake') && now - this.lastIo > timeoutMs) {
      this.fail(s, 'Timeout connecting to the MASTER...');
    }
  }

  /** The id/offset to PSYNC with after this link is gone (promotion keeps the history). */
  get history(): { replid: string; offset: number } | null {
    return this.masterReplid === null ? null : { replid: this.masterReplid, offset: this.processedOffset };
  }
}
