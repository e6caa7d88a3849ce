/**
 * This node's view of the cluster (Redis's clusterState): the known nodes,
 * which node serves each slot, slots being migrated or imported, the epochs,
 * and whether the cluster is up. Both the CLUSTER commands and the bus
 * (bus.ts) change it through the methods here, which keep the slot table and
 * each node's bitmap in step and ask for nodes.conf to be saved.
 */
import { SLOT_COUNT } from '../core/routing/slot';
import {
  ClusterNode,
  NODE_FAIL,
  NODE_HANDSHAKE,
  NODE_MASTER,
  NODE_MIGRATE_TO,
  NODE_MYSELF,
  NODE_NOADDR,
  NODE_PFAIL,
  NODE_SLAVE,
} from './node';

/** Message types of the bus, in Redis's order (their index is the type number). */
export const MSG_TYPE_NAMES = ['ping', 'pong', 'meet', 'fail', 'publish', 'auth-req', 'auth-ack', 'update', 'mfstart', 'module', 'publishshard'] as const;

/** How long a forgotten node may not be re-added by gossip (CLUSTER FORGET), as in Redis. */
export const BLACKLIST_TTL_MS = 60_000;
/** A master serves nothing for this long after start (CLUSTER_WRITABLE_DELAY). */
const WRITABLE_DELAY_MS = 2000;

export interface ClusterHooks {
  /** nodes.conf must be written (coalesced by the caller). */
  save(): void;
  /** The keys of these slots are no longer ours: delete them. */
  dropSlotKeys(slots: number[]): void;
}

export class ClusterState {
  readonly nodes = new Map<string, ClusterNode>();
  readonly slots: (ClusterNode | null)[] = new Array(SLOT_COUNT).fill(null);
  readonly migratingTo: (ClusterNode | null)[] = new Array(SLOT_COUNT).fill(null);
  readonly importingFrom: (ClusterNode | null)[] = new Array(SLOT_COUNT).fill(null);
  currentEpoch = 0;
  lastVoteEpoch = 0;
  ok = false;
  size = 0;
  /** Names recently forgotten, with when they may come back. */
  readonly blacklist = new Map<string, number>();
  readonly sent = new Array<number>(MSG_TYPE_NAMES.length).fill(0);
  readonly received = new Array<number>(MSG_TYPE_NAMES.length).fill(0);
  requireFullCoverage = true;
  /** cluster-node-timeout, for the rejoin delay. */
  nodeTimeout = 15000;
  private firstUpdate = 0;
  private amongMinorityTime = 0;

  constructor(
    public myself: ClusterNode,
    private readonly hooks: ClusterHooks,
  ) {
    this.nodes.set(myself.name, myself);
  }

  save(): void {
    this.hooks.save();
  }

  lookup(name: string): ClusterNode | undefined {
    return this.nodes.get(name);
  }

  addNode(node: ClusterNode): void {
    this.nodes.set(node.name, node);
  }

  /** Removes a node: its slots, its migrations, its failure reports about others, its links. */
  deleteNode(node: ClusterNode): void {
    for (let j = 0; j < SLOT_COUNT; j++) {
      if (this.importingFrom[j] === node) this.importingFrom[j] = null;
      if (this.migratingTo[j] === node) this.migratingTo[j] = null;
      if (this.slots[j] === node) this.delSlot(j);
    }
    for (const other of this.nodes.values()) other.failReports.delete(node.name);
    if (node.master !== null) node.master.removeReplica(node);
    for (const r of node.replicas) if (r.master === node) r.master = null;
    node.link?.close();
    node.inboundLink?.close();
    node.link = null;
    node.inboundLink = null;
    this.nodes.delete(node.name);
  }

  /** A handshake node learned its real name (first PONG). */
  renameNode(node: ClusterNode, name: string): void {
    this.nodes.delete(node.name);
    node.name = name;
    this.nodes.set(name, node);
  }

  addSlot(node: ClusterNode, slot: number): boolean {
    if (this.slots[slot] !== null) return false;
    node.setSlot(slot);
    this.slots[slot] = node;
    return true;
  }

  delSlot(slot: number): boolean {
    const n = this.slots[slot];
    if (n === null) return false;
    n.clearSlot(slot);
    this.slots[slot] = null;
    return true;
  }

  blacklistAdd(name: string): void {
    this.blacklist.set(name, Date.now() + BLACKLIST_TTL_MS);
  }

  blacklisted(name: string): boolean {
    const until = this.blacklist.get(name);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.blacklist.delete(name);
    return false;
  }

  /** Makes a node a master (it may have been a replica). */
  setNodeAsMaster(n: ClusterNode): void {
    if (n.isMaster) return;
    if (n.master !== null) {
      n.master.removeReplica(n);
      if (n !== this.myself) n.flags |= NODE_MIGRATE_TO;
    }
    n.flags &= ~NODE_SLAVE;
    n.flags |= NODE_MASTER;
    n.master = null;
    this.save();
  }

  /** Makes a node a replica of `master` (as heard on the bus or by CLUSTER REPLICATE). */
  setNodeAsReplica(n: ClusterNode, master: ClusterNode): void {
    if (n.isMaster) {
      // A master turned replica gives up its slots.
      for (let j = 0; j < SLOT_COUNT; j++) if (this.slots[j] === n) this.delSlot(j);
      n.flags &= ~(NODE_MASTER | NODE_MIGRATE_TO);
      n.flags |= NODE_SLAVE;
    }
    if (n.master !== master) {
      n.master?.removeReplica(n);
      master.addReplica(n);
      n.master = master;
    }
    this.save();
  }

  /**
   * A master claims `claimed` with config epoch `epoch` (PING/PONG/UPDATE,
   * Redis's clusterUpdateSlotsConfigWith): each claimed slot that is unowned,
   * or owned by a node with a smaller epoch, moves to the sender, unless we
   * are importing it by hand. Keys of slots we lose are dropped; a master
   * left with no slots follows the node that took them.
   */
  updateSlotsConfigWith(sender: ClusterNode, epoch: number, claimed: Uint8Array): void {
    if (sender === this.myself) return;
    const me = this.myself;
    const curMaster = me.isMaster ? me : me.master;
    let newMaster: ClusterNode | null = null;
    const dirty: number[] = [];
    let changed = false;
    for (let j = 0; j < SLOT_COUNT; j++) {
      if ((claimed[j >> 3] & (1 << (j & 7))) === 0) continue;
      const owner = this.slots[j];
      if (owner === sender) continue;
      if (this.importingFrom[j] !== null) continue;
      if (owner === null || owner.configEpoch < epoch) {
        if (owner === me && sender !== me) dirty.push(j);
        if (owner !== null && owner === curMaster) newMaster = sender;
        this.delSlot(j);
        this.addSlot(sender, j);
        changed = true;
      }
    }
    if (!changed) return;
    this.save();
    if (newMaster !== null && curMaster !== null && curMaster.numSlots === 0) {
      // Every slot of ours moved: become a replica of the node that has them
      // (cluster-allow-replica-migration's default). The role is recorded;
      // Shardis does not replicate its data.
      this.setNodeAsReplica(me, newMaster);
    } else if (dirty.length > 0) {
      this.hooks.dropSlotKeys(dirty);
    }
  }

  /** The largest config epoch any node has. */
  maxConfigEpoch(): number {
    let max = 0;
    for (const n of this.nodes.values()) if (n.configEpoch > max) max = n.configEpoch;
    return max;
  }

  /** CLUSTER BUMPEPOCH / a won election without consensus: whether the epoch moved. */
  bumpConfigEpoch(): boolean {
    const max = this.maxConfigEpoch();
    if (this.myself.configEpoch === 0 || this.myself.configEpoch !== max) {
      this.currentEpoch++;
      this.myself.configEpoch = this.currentEpoch;
      this.save();
      return true;
    }
    return false;
  }

  /**
   * Two masters with the same config epoch (Redis's
   * clusterHandleConfigEpochCollision): the one with the smaller name takes
   * a new epoch, so every master ends with a unique one.
   */
  handleEpochCollision(sender: ClusterNode): void {
    const me = this.myself;
    if (sender.configEpoch !== me.configEpoch || !sender.isMaster || !me.isMaster) return;
    if (sender.name <= me.name) return;
    this.currentEpoch++;
    me.configEpoch = this.currentEpoch;
    this.save();
  }

  /**
   * Recomputes cluster_state and cluster_size (Redis's clusterUpdateState).
   * A master starts serving only 2 s after start (CLUSTER_WRITABLE_DELAY), and
   * one back from a minority partition only after the node timeout (clamped
   * to 0.5-5 s), so it does not serve stale slots before it hears who owns them.
   */
  updateState(): void {
    const now = Date.now();
    if (this.firstUpdate === 0) this.firstUpdate = now;
    if (this.myself.isMaster && !this.ok && now - this.firstUpdate < WRITABLE_DELAY_MS) return;
    let ok = true;
    if (this.requireFullCoverage) {
      for (let j = 0; j < SLOT_COUNT; j++) {
        const n = this.slots[j];
        if (n === null || (n.flags & NODE_FAIL) !== 0) {
          ok = false;
          break;
        }
      }
    }
    let size = 0;
    let reachable = 0;
    for (const n of this.nodes.values()) {
      if (n.isMaster && n.numSlots > 0) {
        size++;
        if ((n.flags & (NODE_FAIL | NODE_PFAIL)) === 0) reachable++;
      }
    }
    this.size = size;
    if (reachable < Math.floor(size / 2) + 1) {
      ok = false;
      this.amongMinorityTime = now;
    }
    if (ok && !this.ok && this.myself.isMaster) {
      const rejoinDelay = Math.min(5000, Math.max(500, this.nodeTimeout));
      if (now - this.amongMinorityTime < rejoinDelay) return;
    }
    this.ok = ok;
  }

  /** Counts of assigned, ok, pfail and fail slots (CLUSTER INFO). */
  slotCounts(): { assigned: number; ok: number; pfail: number; fail: number } {
    const c = { assigned: 0, ok: 0, pfail: 0, fail: 0 };
    for (let j = 0; j < SLOT_COUNT; j++) {
      const n = this.slots[j];
      if (n === null) continue;
      c.assigned++;
      if (n.flags & NODE_FAIL) c.fail++;
      else if (n.flags & NODE_PFAIL) c.pfail++;
      else c.ok++;
    }
    return c;
  }

  /** The slot ranges a node serves, as [start, end] pairs. */
  static ranges(node: ClusterNode): [number, number][] {
    const out: [number, number][] = [];
    let start = -1;
    for (let j = 0; j <= SLOT_COUNT; j++) {
      const has = j < SLOT_COUNT && node.hasSlot(j);
      if (has && start === -1) start = j;
      if (!has && start !== -1) {
        out.push([start, j - 1]);
        start = -1;
      }
    }
    return out;
  }

  /**
   * One line of CLUSTER NODES and nodes.conf (Redis's
   * clusterGenNodeDescription): id, ip:port@cport, flags, master, ping sent,
   * pong received, config epoch, link state, slots, and for myself the open
   * migrations.
   */
  describe(node: ClusterNode): string {
    let addr = `${node.ip}:${node.port}@${node.cport}`;
    if (node.hostname !== '') addr += `,${node.hostname}`;
    const master = node.master !== null ? node.master.name : '-';
    const linked = (node.flags & NODE_MYSELF) !== 0 || node.link !== null;
    let line = `${node.name} ${addr} ${node.flagString()} ${master} ${node.pingSent} ${node.pongReceived} ${node.epoch} ${linked ? 'connected' : 'disconnected'}`;
    if (node.numSlots > 0) {
      for (const [a, b] of ClusterState.ranges(node)) line += a === b ? ` ${a}` : ` ${a}-${b}`;
    }
    if (node === this.myself) {
      for (let j = 0; j < SLOT_COUNT; j++) {
        const to = this.migratingTo[j];
        if (to !== null) line += ` [${j}->-${to.name}]`;
        const from = this.importingFrom[j];
        if (from !== null) line += ` [${j}-<-${from.name}]`;
      }
    }
    return line;
  }

  /** CLUSTER NODES: every node but those without an address... (Redis lists them all). */
  describeAll(): string {
    let out = '';
    for (const n of this.nodes.values()) out += this.describe(n) + '\n';
    return out;
  }

  /** Nodes that can be gossiped about or pinged. */
  *peers(): IterableIterator<ClusterNode> {
    for (const n of this.nodes.values()) {
      if (n === this.myself || (n.flags & (NODE_HANDSHAKE | NODE_NOADDR)) !== 0) continue;
      yield n;
    }
  }
}
