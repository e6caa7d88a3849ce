/**
 * One node of a Redis Cluster as this node knows it (Redis's clusterNode):
 * its 40-hex-digit name, flags, addresses, config epoch, the slots it serves,
 * its master, liveness timestamps and failure reports. The flag bits are the
 * ones the cluster bus carries (Redis 7.0's CLUSTER_NODE_*).
 */
import { randomBytes } from 'node:crypto';
import { SLOT_COUNT } from '../core/routing/slot';

export const NODE_MASTER = 1;
export const NODE_SLAVE = 2;
export const NODE_PFAIL = 4;
export const NODE_FAIL = 8;
export const NODE_MYSELF = 16;
export const NODE_HANDSHAKE = 32;
export const NODE_NOADDR = 64;
export const NODE_MEET = 128;
export const NODE_MIGRATE_TO = 256;
export const NODE_NOFAILOVER = 512;

export const NAME_LEN = 40;
/** The all-zero name a bus header carries for "no master". */
export const NULL_NAME = '\0'.repeat(NAME_LEN);

export function randomNodeName(): string {
  return randomBytes(NAME_LEN / 2).toString('hex');
}

export function isValidNodeName(name: string): boolean {
  return name.length === NAME_LEN && /^[0-9a-f]+$/.test(name);
}

/** The outbound or inbound bus connection of a node, as far as the node model needs to know. */
export interface NodeLink {
  readonly ctime: number;
  close(): void;
}

export class ClusterNode {
  flags: number;
  ip = '';
  port = 0;
  cport = 0;
  /** The plaintext port when `port` is TLS; 0 here. */
  pport = 0;
  hostname = '';
  configEpoch = 0;
  /** Bitmap of served slots, as the bus carries it (bit j of byte j/8... low bit first). */
  readonly slots = new Uint8Array(SLOT_COUNT / 8);
  numSlots = 0;
  master: ClusterNode | null = null;
  readonly replicas: ClusterNode[] = [];
  /** Creation time (handshake timeout). */
  readonly ctime = Date.now();
  /** When the pending PING was sent, 0 when none is pending. */
  pingSent = 0;
  pongReceived = 0;
  dataReceived = 0;
  failTime = 0;
  voteTime = 0;
  replOffset = 0;
  /** Masters that reported this node as PFAIL/FAIL, with when they last did. */
  readonly failReports = new Map<string, number>();
  link: NodeLink | null = null;
  inboundLink: NodeLink | null = null;

  constructor(
    public name: string,
    flags: number,
  ) {
    this.flags = flags;
  }

  get isMaster(): boolean {
    return (this.flags & NODE_MASTER) !== 0;
  }
  get isReplica(): boolean {
    return (this.flags & NODE_SLAVE) !== 0;
  }
  get inHandshake(): boolean {
    return (this.flags & NODE_HANDSHAKE) !== 0;
  }
  get failed(): boolean {
    return (this.flags & NODE_FAIL) !== 0;
  }
  get timedOut(): boolean {
    return (this.flags & NODE_PFAIL) !== 0;
  }

  hasSlot(slot: number): boolean {
    return (this.slots[slot >> 3] & (1 << (slot & 7))) !== 0;
  }

  /** Sets a slot bit; returns whether it was clear. */
  setSlot(slot: number): boolean {
    if (this.hasSlot(slot)) return false;
    this.slots[slot >> 3] |= 1 << (slot & 7);
    this.numSlots++;
    return true;
  }

  /** Clears a slot bit; returns whether it was set. */
  clearSlot(slot: number): boolean {
    if (!this.hasSlot(slot)) return false;
    this.slots[slot >> 3] &= ~(1 << (slot & 7));
    this.numSlots--;
    return true;
  }

  /** The config epoch that speaks for this node's slots: its own, or its master's. */
  get epoch(): number {
    return this.master !== null ? this.master.configEpoch : this.configEpoch;
  }

  addReplica(r: ClusterNode): void {
    if (!this.replicas.includes(r)) this.replicas.push(r);
  }

  removeReplica(r: ClusterNode): void {
    const i = this.replicas.indexOf(r);
    if (i !== -1) this.replicas.splice(i, 1);
  }

  /** Redis's flag list (representClusterNodeFlags): "myself,master", "slave,fail?", "noflags". */
  flagString(): string {
    const parts: string[] = [];
    if (this.flags & NODE_MYSELF) parts.push('myself');
    if (this.flags & NODE_MASTER) parts.push('master');
    if (this.flags & NODE_SLAVE) parts.push('slave');
    if (this.flags & NODE_PFAIL) parts.push('fail?');
    if (this.flags & NODE_FAIL) parts.push('fail');
    if (this.flags & NODE_HANDSHAKE) parts.push('handshake');
    if (this.flags & NODE_NOADDR) parts.push('noaddr');
    if (this.flags & NODE_NOFAILOVER) parts.push('nofailover');
    return parts.length === 0 ? 'noflags' : parts.join(',');
  }
}

/** Flags from the comma list of nodes.conf (the inverse of flagString). */
export function parseFlags(list: string): number {
  let flags = 0;
  for (const f of list.split(',')) {
    switch (f) {
      case 'myself': flags |= NODE_MYSELF; break;
      case 'master': flags |= NODE_MASTER; break;
      case 'slave': flags |= NODE_SLAVE; break;
      case 'fail?': flags |= NODE_PFAIL; break;
      case 'fail': flags |= NODE_FAIL; break;
      case 'handshake': flags |= NODE_HANDSHAKE; break;
      case 'noaddr': flags |= NODE_NOADDR; break;
      case 'nofailover': flags |= NODE_NOFAILOVER; break;
      case 'noflags': break;
      default: throw new Error(`Unknown flag in nodes.conf: ${f}`);
    }
  }
  return flags;
}
