/**
 * The replication identity and position every role shares (Redis's
 * server.replid/replid2/master_repl_offset/second_replid_offset and the
 * backlog): a primary serves PSYNC from it, a replica keeps it in step with
 * its primary's stream so its own replicas can continue from it, and a
 * promotion (REPLICAOF NO ONE) shifts it so those replicas can still PSYNC.
 *
 * The primary side (src/replication/primary.ts) appends what this server
 * propagates; the replica side (src/replication/replica.ts, `ReplicaLinkView`)
 * reports its link here and feeds the stream it receives.
 */
import { randomBytes } from 'node:crypto';
import { Backlog } from './backlog';

export const NULL_REPLID = '0'.repeat(40);

export function newReplid(): string {
  return randomBytes(20).toString('hex');
}

/**
 * What the replica side shows about its link to its primary (INFO
 * replication and ROLE on a replica). The replica helper's ReplicaLink
 * implements it; null while this server is a primary.
 */
export interface ReplicaLinkView {
  readonly masterHost: string;
  readonly masterPort: number;
  /** INFO master_link_status. */
  readonly linkStatus: 'up' | 'down';
  /** ROLE's state: connect, connecting, handshake, sync, connected. */
  readonly roleState: 'connect' | 'connecting' | 'handshake' | 'sync' | 'connected';
  /** Seconds since the last byte from the primary (master_last_io_seconds_ago), -1 when unknown. */
  lastIoSecondsAgo(): number;
  readonly syncInProgress: boolean;
  /** slave_read_repl_offset: stream bytes read from the primary. */
  readonly readOffset: number;
  /** slave_repl_offset: stream bytes applied. */
  readonly processedOffset: number;
  /** While a sync transfers its RDB: total (-1 for EOF-marker transfers), read so far, seconds since the last byte. */
  readonly syncTotalBytes: number;
  readonly syncReadBytes: number;
  syncLastIoSecondsAgo(): number;
  /** Seconds the link has been down (master_link_down_since_seconds), -1 while up. */
  linkDownSinceSeconds(): number;
}

/** Sub-replicas to tell about changes of the stream's identity (the primary side implements it). */
export interface StreamListener {
  /** Bytes appended to the stream (already in the backlog, offset advanced). */
  streamed(data: Buffer): void;
  /** The stream's identity changed under the replicas: they must PSYNC again. */
  disconnectReplicas(reason: string): void;
}

export class ReplicationState {
  replid = newReplid();
  replid2 = NULL_REPLID;
  /** Bytes of replication stream produced (or, on a replica, received) so far. */
  masterReplOffset = 0;
  /** Up to which offset replid2 is valid (second_repl_offset), -1 when none. */
  secondReplOffset = -1;
  backlog: Backlog | null = null;
  /** The link to our primary while we are a replica (REPLICAOF host port); null while a primary. */
  link: ReplicaLinkView | null = null;
  /** The primary side, told about the stream (set by the server). */
  listener: StreamListener | null = null;

  constructor(private readonly backlogSize: () => number) {}

  get role(): 'master' | 'slave' {
    return this.link === null ? 'master' : 'slave';
  }

  /** Creates the backlog if there is none (the first replica attaching, or a replica's full sync). */
  ensureBacklog(): Backlog {
    if (this.backlog === null) this.backlog = new Backlog(this.backlogSize(), this.masterReplOffset + 1);
    return this.backlog;
  }

  /** Appends to the stream: backlog, offset, and every attached replica. */
  append(data: Buffer): void {
    if (data.length === 0) return;
    this.ensureBacklog().append(data);
    this.masterReplOffset += data.length;
    this.listener?.streamed(data);
  }

  /** repl-backlog-ttl passed with no replica attached: the history is dropped (a new id so nobody continues from it). */
  freeBacklog(): void {
    this.backlog = null;
  }

  // ---- the replica side's hooks ----

  /** +FULLRESYNC replid offset: our stream is now the primary's from `offset`. */
  onFullResync(replid: string, offset: number): void {
    this.replid = replid;
    this.replid2 = NULL_REPLID;
    this.secondReplOffset = -1;
    this.masterReplOffset = offset;
    this.backlog = null;
    this.listener?.disconnectReplicas('full resync with our primary');
    this.ensureBacklog();
  }

  /** +CONTINUE [newid]: a new primary id (PSYNC2 after a failover) keeps our history valid under the old one. */
  onContinue(newId: string | null): void {
    if (newId === null || newId === this.replid) return;
    this.replid2 = this.replid;
    this.secondReplOffset = this.masterReplOffset + 1;
    this.replid = newId;
    this.listener?.disconnectReplicas('primary replication id changed');
  }

  /** The primary's stream bytes as received: kept verbatim and passed on to our own replicas. */
  feedFromMaster(data: Buffer): void {
    this.append(data);
  }

  /**
   * REPLICAOF NO ONE (shiftReplicationId): a fresh id; the old one stays
   * valid as replid2 up to this offset, so replicas of the old primary
   * continue with PSYNC against us.
   */
  promote(): void {
    this.replid2 = this.replid;
    this.secondReplOffset = this.masterReplOffset + 1;
    this.replid = newReplid();
    this.listener?.disconnectReplicas('promoted: new replication id');
  }

  /**
   * Whether PSYNC `replid` `offset` can continue from our backlog
   * (masterTryPartialResynchronization's checks).
   */
  canContinue(replid: string, offset: number): boolean {
    const idOk = replid === this.replid || (replid === this.replid2 && offset <= this.secondReplOffset);
    if (!idOk) return false;
    const b = this.backlog;
    return b !== null && b.has(offset) && offset <= this.masterReplOffset + 1;
  }
}
