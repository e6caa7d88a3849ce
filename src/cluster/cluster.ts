/**
 * Redis Cluster for one Shardis node: the cluster state (state.ts), nodes.conf
 * (nodes-conf.ts) and the cluster bus, Redis 7.0's own binary protocol on
 * the cluster port (bus-codec.ts, link.ts), so that Shardis and redis-server
 * nodes can share one cluster.
 *
 * What it does, as Redis's cluster.c does it: the MEET handshake; a PING to
 * some node every second and to any node not heard of for half the node
 * timeout, each carrying gossip about a few other nodes (and every node
 * suspected down); learning nodes from gossip; slot ownership by config
 * epoch (PING/PONG bitmaps and UPDATE messages), epoch collisions; PFAIL when
 * a node does not answer within the node timeout and FAIL once a majority
 * of masters report it (FAIL messages); PUBLISH carried to every node.
 */
import net from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import { SLOT_COUNT } from '../core/routing/slot';
import {
  ClusterNode,
  NODE_FAIL,
  NODE_HANDSHAKE,
  NODE_MASTER,
  NODE_MEET,
  NODE_MYSELF,
  NODE_NOADDR,
  NODE_PFAIL,
  NODE_SLAVE,
  NODE_NOFAILOVER,
  isValidNodeName,
  randomNodeName,
} from './node';
import { ClusterState, type ClusterHooks } from './state';
import { freshState, loadNodesConf, saveNodesConf } from './nodes-conf';
import {
  decodeMessage,
  encodeFail,
  encodePing,
  encodePublish,
  encodeUpdate,
  MSG_MEET,
  MSG_PING,
  MSG_PONG,
  MSG_PUBLISH,
  MSG_PUBLISHSHARD,
  MSG_FAIL,
  MSG_UPDATE,
  MSG_FAILOVER_AUTH_REQUEST,
  MSG_FAILOVER_AUTH_ACK,
  MFLAG0_FORCEACK,
  encodeEmpty,
  type BusMessage,
  type Gossip,
  type HeaderFields,
} from './bus-codec';
import { BusLink } from './link';

const CRON_MS = 100;
/** Failure reports older than node timeout times this are forgotten (CLUSTER_FAIL_REPORT_VALIDITY_MULT). */
const FAIL_REPORT_VALIDITY_MULT = 2;
/** A master marked FAIL that serves slots is cleared after node timeout times this (CLUSTER_FAIL_UNDO_TIME_MULT). */
const FAIL_UNDO_TIME_MULT = 2;

export interface ClusterOptions {
  /** The client port (myself's port). */
  port: number;
  /** cluster-port; 0 = port + 10000. */
  busPort: number;
  bind: string;
  nodeTimeout: number;
  /** cluster-config-file, resolved against dir. */
  configFile: string;
  requireFullCoverage: boolean;
  allowReadsWhenDown: boolean;
}

export interface ClusterHost {
  readonly log: Logger;
  /** Delete the keys of these slots (slots this node lost). */
  dropSlotKeys(slots: number[]): void;
  /** Deliver a message published on another node to local subscribers. */
  publishLocal(channel: string, message: string, sharded: boolean): void;
  /** Our replication offset, gossiped in every bus header (replica ranking in elections). */
  replOffset(): number;
  /** The master our replication link follows (host, port), or null while we are a master. */
  following(): { host: string; port: number } | null;
  /** Replicate from that master (clusterSetMaster's replicationSetMaster), or stop (a promoted replica). */
  follow(target: { host: string; port: number } | null): void;
}

function stripV4Mapped(ip: string | undefined): string {
  if (ip === undefined) return '';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

export class Cluster {
  state!: ClusterState;
  readonly links = new Set<BusLink>();
  private listener: net.Server | null = null;
  private timer: NodeJS.Timeout | null = null;
  private iteration = 0;
  private saveScheduled = false;
  private closed = false;
  /** Links whose send buffer went over the limit (CLUSTER INFO); Shardis sets no limit, so 0. */
  readonly linksBufferLimitExceeded = 0;

  constructor(
    public opts: ClusterOptions,
    private readonly host: ClusterHost,
  ) {}

  private readonly hooks: ClusterHooks = {
    save: () => this.scheduleSave(),
    dropSlotKeys: (slots) => this.host.dropSlotKeys(slots),
  };

  get myself(): ClusterNode {
    return this.state.myself;
  }

  get allowReadsWhenDown(): boolean {
    return this.opts.allowReadsWhenDown;
  }

  setRequireFullCoverage(on: boolean): void {
    this.opts.requireFullCoverage = on;
    this.state.requireFullCoverage = on;
    this.state.updateState();
  }

  get busPort(): number {
    return this.opts.busPort !== 0 ? this.opts.busPort : this.opts.port + 10000;
  }

  /** Loads or creates nodes.conf and opens the bus port. */
  async start(): Promise<void> {
    this.state = loadNodesConf(this.opts.configFile, this.hooks) ?? freshState(this.hooks);
    this.state.requireFullCoverage = this.opts.requireFullCoverage;
    this.state.nodeTimeout = this.opts.nodeTimeout;
    const me = this.state.myself;
    me.port = this.opts.port;
    me.cport = this.busPort;
    this.saveNow();
    const listener = net.createServer((socket) => this.accept(socket));
    this.listener = listener;
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(this.busPort, this.opts.bind, () => {
        listener.off('error', reject);
        resolve();
      });
    });
    listener.on('error', (err) => this.host.log.error({ err }, 'cluster bus listener error'));
    this.state.updateState();
    this.timer = setInterval(() => this.cron(), CRON_MS);
    this.host.log.info({ node: me.name, busPort: this.busPort }, 'cluster bus ready');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const l of [...this.links]) l.close();
    const listener = this.listener;
    if (listener) await new Promise<void>((resolve) => listener.close(() => resolve()));
    this.saveNow();
  }

  // -------------------------------------------------------------------------
  // nodes.conf

  private scheduleSave(): void {
    if (this.saveScheduled || this.closed) return;
    this.saveScheduled = true;
    setImmediate(() => {
      this.saveScheduled = false;
      this.saveNow();
    });
  }

  /** Writes nodes.conf now (CLUSTER commands save before they reply, as Redis does). */
  saveNow(): void {
    try {
      saveNodesConf(this.opts.configFile, this.state);
    } catch (err) {
      this.host.log.error({ err, file: this.opts.configFile }, 'could not save the cluster config');
    }
  }

  // -------------------------------------------------------------------------
  // Links

  private accept(socket: net.Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    this.links.add(new BusLink(socket, null, true, this.onMessage, this.onLinkClosed));
  }

  private readonly onLinkClosed = (link: BusLink): void => {
    this.links.delete(link);
    const node = link.node;
    if (node === null) return;
    if (node.link === link) node.link = null;
    if (node.inboundLink === link) node.inboundLink = null;
  };

  private connect(node: ClusterNode): void {
    const socket = net.connect({ host: node.ip, port: node.cport });
    const link = new BusLink(socket, node, false, this.onMessage, this.onLinkClosed);
    this.links.add(link);
    node.link = link;
    // A ping pending from before the reconnect stays pending: failure detection keeps its clock.
    const oldPingSent = node.pingSent;
    socket.once('connect', () => {
      if (link.closed) return;
      this.sendPing(link, node.flags & NODE_MEET ? MSG_MEET : MSG_PING);
      if (oldPingSent !== 0) node.pingSent = oldPingSent;
      node.flags &= ~NODE_MEET;
    });
  }

  private header(): HeaderFields {
    const me = this.state.myself;
    const master = me.isReplica && me.master !== null ? me.master : me;
    return {
      currentEpoch: this.state.currentEpoch,
      configEpoch: master.configEpoch,
      offset: this.host.replOffset(),
      sender: me.name,
      myslots: master.slots,
      slaveof: me.isReplica && me.master !== null ? me.master.name : null,
      myip: '',
      port: me.port,
      pport: 0,
      cport: me.cport,
      flags: me.flags,
      state: this.state.ok ? 0 : 1,
      mflags0: 0,
    };
  }

  private count(type: number): void {
    if (type < this.state.sent.length) this.state.sent[type]++;
  }

  private gossipOf(n: ClusterNode): Gossip {
    return {
      name: n.name,
      pingSent: Math.floor(n.pingSent / 1000),
      pongReceived: Math.floor(n.pongReceived / 1000),
      ip: n.ip,
      port: n.port,
      cport: n.cport,
      flags: n.flags,
      pport: n.pport,
    };
  }

  /** PING, PONG or MEET with gossip about a few random nodes and every node in PFAIL (clusterSendPing). */
  private sendPing(link: BusLink, type: number): void {
    const state = this.state;
    if (link.node !== null && type === MSG_PING) link.node.pingSent = Date.now();
    const total = state.nodes.size;
    const fresh = total - 2;
    let wanted = Math.max(3, Math.floor(total / 10));
    if (wanted > fresh) wanted = fresh;
    const chosen = new Set<ClusterNode>();
    const all = [...state.nodes.values()];
    for (let tries = wanted * 3; tries > 0 && chosen.size < wanted; tries--) {
      const n = all[Math.floor(Math.random() * all.length)];
      if (n === state.myself || (n.flags & (NODE_PFAIL | NODE_HANDSHAKE | NODE_NOADDR)) !== 0) continue;
      if (n.link === null && n.numSlots === 0) continue;
      chosen.add(n);
    }
    for (const n of all) {
      if ((n.flags & NODE_PFAIL) !== 0 && (n.flags & (NODE_HANDSHAKE | NODE_NOADDR)) === 0) chosen.add(n);
    }
    const gossip = [...chosen].map((n) => this.gossipOf(n));
    link.send(encodePing(type, this.header(), gossip, state.myself.hostname));
    this.count(type);
  }

  private broadcast(buf: Buffer, type: number): void {
    for (const n of this.state.nodes.values()) {
      if (n === this.state.myself || n.link === null || (n.flags & (NODE_HANDSHAKE | NODE_NOADDR)) !== 0) continue;
      (n.link as BusLink).send(buf);
      this.count(type);
    }
  }

  /** PUBLISH / SPUBLISH in cluster mode: every node hears it (Redis 7.0 sends SPUBLISH to the shard's nodes). */
  propagatePublish(channel: string, message: string, sharded: boolean): void {
    const type = sharded ? MSG_PUBLISHSHARD : MSG_PUBLISH;
    const buf = encodePublish(type, this.header(), Buffer.from(channel, 'latin1'), Buffer.from(message, 'latin1'));
    if (!sharded) return this.broadcast(buf, type);
    // A shard: myself, my master or my replicas.
    const me = this.state.myself;
    const master = me.isReplica && me.master !== null ? me.master : me;
    for (const n of [master, ...master.replicas]) {
      if (n === me || n.link === null) continue;
      (n.link as BusLink).send(buf);
      this.count(type);
    }
  }

  // -------------------------------------------------------------------------
  // The cron (clusterCron), every 100 ms

  private cron(): void {
    const state = this.state;
    const now = Date.now();
    const timeout = this.opts.nodeTimeout;
    this.iteration++;
    const handshakeTimeout = Math.max(timeout, 1000);
    for (const node of [...state.nodes.values()]) {
      if (node === state.myself || (node.flags & NODE_NOADDR) !== 0) continue;
      if (node.inHandshake && now - node.ctime > handshakeTimeout) {
        state.deleteNode(node);
        continue;
      }
      if (node.link === null && node.ip !== '' && node.cport !== 0) this.connect(node);
    }
    // Every second, ping the node we heard of longest ago among 5 random ones.
    if (this.iteration % 10 === 0) {
      const all = [...state.nodes.values()];
      let oldest: ClusterNode | null = null;
      for (let i = 0; i < 5 && all.length > 0; i++) {
        const n = all[Math.floor(Math.random() * all.length)];
        if (n.link === null || n.pingSent !== 0 || (n.flags & (NODE_MYSELF | NODE_HANDSHAKE)) !== 0) continue;
        if (oldest === null || n.pongReceived < oldest.pongReceived) oldest = n;
      }
      if (oldest !== null) this.sendPing(oldest.link as BusLink, MSG_PING);
    }
    let changed = false;
    for (const node of state.nodes.values()) {
      if (node === state.myself || (node.flags & (NODE_NOADDR | NODE_HANDSHAKE)) !== 0) continue;
      const link = node.link as BusLink | null;
      const pingDelay = now - node.pingSent;
      const dataDelay = now - node.dataReceived;
      // A link that got no answer for half the timeout is reconnected: the socket may be stuck.
      if (link !== null && now - link.ctime > timeout && node.pingSent !== 0 && pingDelay > timeout / 2 && dataDelay > timeout / 2) {
        link.close();
      }
      if (node.link !== null && node.pingSent === 0 && now - node.pongReceived > timeout / 2) {
        this.sendPing(node.link as BusLink, MSG_PING);
        continue;
      }
      if (node.pingSent === 0) continue;
      const delay = Math.min(pingDelay, dataDelay);
      if (delay > timeout && (node.flags & (NODE_PFAIL | NODE_FAIL)) === 0) {
        node.flags |= NODE_PFAIL;
        changed = true;
      }
    }
    for (const node of state.nodes.values()) if (node.timedOut) this.markFailingIfNeeded(node);
    if (changed) state.save();
    if (state.myself.isReplica) this.handleReplicaFailover();
    this.followOurMaster();
    state.updateState();
  }

  /**
   * The replication link follows the cluster's view: a replica replicates
   * from its master (CLUSTER REPLICATE, a demoted master, a replica moved to
   * a promoted sibling), a master (a won election) replicates from nobody.
   */
  private followOurMaster(): void {
    const me = this.state.myself;
    const master = me.isReplica ? me.master : null;
    const want = master !== null && master.ip !== '' && master.port !== 0 ? { host: master.ip, port: master.port } : null;
    const now = this.host.following();
    if (me.isReplica && want === null) return; // master's address not known yet
    if (want?.host === now?.host && want?.port === now?.port) return;
    this.host.log.info({ master: want }, want === null ? 'cluster: no longer replicating (now a master)' : 'cluster: replicating from our master');
    this.host.follow(want);
  }

  // -------------------------------------------------------------------------
  // Failure detection

  private validFailReports(node: ClusterNode): number {
    const maxAge = this.opts.nodeTimeout * FAIL_REPORT_VALIDITY_MULT;
    const now = Date.now();
    for (const [name, at] of node.failReports) if (now - at > maxAge) node.failReports.delete(name);
    return node.failReports.size;
  }

  /** PFAIL becomes FAIL once a majority of masters (counting us) reports it; everyone is told. */
  private markFailingIfNeeded(node: ClusterNode): void {
    const state = this.state;
    if (!node.timedOut || node.failed) return;
    const quorum = Math.floor(state.size / 2) + 1;
    let failures = this.validFailReports(node);
    if (state.myself.isMaster) failures++;
    if (failures < quorum) return;
    this.host.log.info({ node: node.name }, 'marking node as failing (quorum reached)');
    node.flags = (node.flags & ~NODE_PFAIL) | NODE_FAIL;
    node.failTime = Date.now();
    this.broadcast(encodeFail(this.header(), node.name), MSG_FAIL);
    state.save();
  }

  private clearFailureIfNeeded(node: ClusterNode): void {
    const now = Date.now();
    if (node.isReplica || node.numSlots === 0 || now - node.failTime > this.opts.nodeTimeout * FAIL_UNDO_TIME_MULT) {
      node.flags &= ~NODE_FAIL;
      this.state.save();
    }
  }

  // -------------------------------------------------------------------------
  // Receiving (clusterProcessPacket)

  private readonly onMessage = (link: BusLink, buf: Buffer): void => {
    if (this.closed) return;
    const msg = decodeMessage(buf);
    if (msg === null) {
      this.host.log.warn({ len: buf.length }, 'dropping a malformed cluster bus message');
      return;
    }
    try {
      this.process(link, msg);
    } catch (err) {
      this.host.log.error({ err }, 'cluster bus message failed');
    }
  };

  private peerIp(link: BusLink, msg: BusMessage): string {
    return msg.myip !== '' ? msg.myip : stripV4Mapped(link.socket.remoteAddress);
  }

  private process(link: BusLink, msg: BusMessage): void {
    const state = this.state;
    const now = Date.now();
    const type = msg.type;
    if (type < state.received.length) state.received[type]++;
    let sender: ClusterNode | null = state.lookup(msg.sender) ?? null;
    if (sender !== null && sender.inHandshake) sender = null;
    if (sender !== null && link.inbound && link.node === null) {
      if (sender.inboundLink !== null && sender.inboundLink !== link) sender.inboundLink.close();
      link.node = sender;
      sender.inboundLink = link;
    }
    if (sender !== null) {
      if (msg.currentEpoch > state.currentEpoch) {
        state.currentEpoch = msg.currentEpoch;
        state.save();
      }
      if (msg.configEpoch > sender.configEpoch) {
        sender.configEpoch = msg.configEpoch;
        state.save();
      }
      sender.replOffset = msg.offset;
      sender.dataReceived = now;
    }
    switch (msg.kind) {
      case 'ping':
        return this.processPing(link, msg, sender);
      case 'fail': {
        if (sender === null) return;
        const failing = state.lookup(msg.about);
        if (failing !== undefined && (failing.flags & (NODE_FAIL | NODE_MYSELF)) === 0) {
          failing.flags = (failing.flags & ~NODE_PFAIL) | NODE_FAIL;
          failing.failTime = now;
          state.save();
        }
        return;
      }
      case 'publish':
        if (sender === null) return;
        this.host.publishLocal(msg.channel.toString('latin1'), msg.message.toString('latin1'), type === MSG_PUBLISHSHARD);
        return;
      case 'update': {
        if (sender === null) return;
        const n = state.lookup(msg.about);
        if (n === undefined || n.configEpoch >= msg.aboutEpoch) return;
        if (n.isReplica) state.setNodeAsMaster(n);
        n.configEpoch = msg.aboutEpoch;
        state.updateSlotsConfigWith(n, msg.aboutEpoch, msg.slots);
        state.save();
        return;
      }
      default:
        if (type === MSG_FAILOVER_AUTH_REQUEST) {
          if (sender !== null) this.voteIfNeeded(sender, msg);
        } else if (type === MSG_FAILOVER_AUTH_ACK) {
          // A vote counts from a master serving slots, for the election we are running.
          if (sender !== null && sender.isMaster && sender.numSlots > 0 && msg.currentEpoch >= this.election.epoch) this.election.votes++;
        }
        // MFSTART (a manual failover) asks the master to pause its clients
        // until the replica caught up with its replication offset; Shardis
        // has no replication stream to pause, so it is not answered.
        return;
    }
  }

  // -------------------------------------------------------------------------
  // Replica promotion (failover authorization, as Redis 7.0)

  /**
   * A replica of a failed master asks for our vote (clusterSendFailoverAuthIfNeeded):
   * a master serving slots votes once per epoch, for a replica whose master
   * is FAIL, at most once per master in twice the node timeout, and only if
   * no slot the replica claims has a newer owner.
   */
  private voteIfNeeded(node: ClusterNode, msg: BusMessage): void {
    const state = this.state;
    const me = state.myself;
    if (!me.isMaster || me.numSlots === 0) return;
    if (msg.currentEpoch < state.currentEpoch) return;
    if (state.lastVoteEpoch === state.currentEpoch) return;
    const master = node.master;
    if (node.isMaster || master === null) return;
    if (!master.failed && (msg.mflags0 & MFLAG0_FORCEACK) === 0) return;
    const now = Date.now();
    if (now - master.voteTime < this.opts.nodeTimeout * 2) return;
    for (let j = 0; j < SLOT_COUNT; j++) {
      if ((msg.myslots[j >> 3] & (1 << (j & 7))) === 0) continue;
      const owner = state.slots[j];
      if (owner === null || owner.configEpoch <= msg.configEpoch) continue;
      return;
    }
    state.lastVoteEpoch = state.currentEpoch;
    master.voteTime = now;
    this.saveNow();
    const link = node.link as BusLink | null;
    if (link !== null) {
      link.send(encodeEmpty(MSG_FAILOVER_AUTH_ACK, this.header()));
      this.count(MSG_FAILOVER_AUTH_ACK);
    }
    this.host.log.info({ replica: node.name, epoch: state.currentEpoch }, 'failover auth granted');
  }

  /** The election this node runs as a replica of a failed master (clusterHandleSlaveFailover). */
  private readonly election = { time: 0, sent: false, epoch: 0, votes: 0 };

  private handleReplicaFailover(): void {
    const state = this.state;
    const me = state.myself;
    const master = me.master;
    if (!me.isReplica || master === null || !master.failed || master.numSlots === 0) return;
    const now = Date.now();
    const timeout = this.opts.nodeTimeout;
    const authTimeout = Math.max(timeout * 2, 2000);
    const retry = authTimeout * 2;
    const e = this.election;
    if (now - e.time > retry) {
      // A new election, after a random delay so replicas rarely collide;
      // replicas with less data (a larger rank) wait a second more each.
      const rank = master.replicas.filter((r) => r !== me && r.replOffset > me.replOffset).length;
      e.time = now + 500 + Math.floor(Math.random() * 500) + rank * 1000;
      e.sent = false;
      e.votes = 0;
      return;
    }
    if (now < e.time) return;
    if (now - e.time > authTimeout) return;
    if (!e.sent) {
      state.currentEpoch++;
      e.epoch = state.currentEpoch;
      e.sent = true;
      this.broadcast(encodeEmpty(MSG_FAILOVER_AUTH_REQUEST, this.header()), MSG_FAILOVER_AUTH_REQUEST);
      this.saveNow();
      this.host.log.info({ epoch: e.epoch }, 'starting a failover election');
      return;
    }
    const quorum = Math.floor(state.size / 2) + 1;
    if (e.votes < quorum) return;
    this.host.log.info({ votes: e.votes, epoch: e.epoch }, 'failover election won: replacing the master');
    if (me.configEpoch < e.epoch) me.configEpoch = e.epoch;
    this.replaceMaster(master);
  }

  /** Takes the master's slots and role (clusterFailoverReplaceYourMaster). */
  private replaceMaster(old: ClusterNode): void {
    const state = this.state;
    const me = state.myself;
    state.setNodeAsMaster(me);
    for (let j = 0; j < SLOT_COUNT; j++) {
      if (state.slots[j] !== old) continue;
      state.delSlot(j);
      state.addSlot(me, j);
    }
    state.updateState();
    this.saveNow();
    this.broadcastPong();
  }

  private processPing(link: BusLink, msg: Extract<BusMessage, { kind: 'ping' }>, sender: ClusterNode | null): void {
    const state = this.state;
    const me = state.myself;
    const type = msg.type;
    if (type === MSG_PING || type === MSG_MEET) {
      // We learn our own address from the first MEET (as the peer reached us).
      if (type === MSG_MEET || me.ip === '') {
        const local = stripV4Mapped(link.socket.localAddress);
        if (local !== '' && local !== me.ip) {
          me.ip = local;
          state.save();
        }
      }
      if (sender === null && type === MSG_MEET) {
        const node = new ClusterNode(randomNodeName(), NODE_HANDSHAKE);
        node.ip = this.peerIp(link, msg);
        node.port = msg.port;
        node.pport = msg.pport;
        node.cport = msg.cport;
        state.addNode(node);
        state.save();
        this.processGossip(msg, null);
      }
      this.sendPing(link, MSG_PONG);
    }
    if (!link.inbound && link.node !== null) {
      const node = link.node;
      if (node.inHandshake) {
        if (sender !== null) {
          // We already know this node by name: keep that one, update its address.
          this.updateAddressIfNeeded(sender, link, msg);
          state.deleteNode(node);
          return;
        }
        state.renameNode(node, msg.sender);
        node.flags &= ~NODE_HANDSHAKE;
        node.flags |= msg.flags & (NODE_MASTER | NODE_SLAVE);
        state.save();
        sender = null; // Not trusted for the rest of this message (Redis does the same).
      } else if (node.name !== msg.sender) {
        // The address now answers with another name: this node has no address any more.
        node.flags |= NODE_NOADDR;
        node.ip = '';
        node.port = 0;
        node.cport = 0;
        link.close();
        state.save();
        return;
      }
    }
    if (sender !== null && type === MSG_PING) this.updateAddressIfNeeded(sender, link, msg);
    if (!link.inbound && type === MSG_PONG && link.node !== null) {
      const node = link.node;
      node.pongReceived = Date.now();
      node.pingSent = 0;
      if (node.timedOut) {
        node.flags &= ~NODE_PFAIL;
        state.save();
      } else if (node.failed) {
        this.clearFailureIfNeeded(node);
      }
    }
    if (sender === null) return;
    if (msg.hostname !== null && msg.hostname !== sender.hostname) {
      sender.hostname = msg.hostname;
      state.save();
    }
    // Role.
    if (msg.slaveof === null) {
      state.setNodeAsMaster(sender);
    } else {
      const master = state.lookup(msg.slaveof);
      if (master !== undefined && master !== sender && sender.master !== master) state.setNodeAsReplica(sender, master);
      else if (master === undefined && sender.isMaster) {
        sender.flags = (sender.flags & ~NODE_MASTER) | NODE_SLAVE;
        state.save();
      }
    }
    // Slots.
    const senderMaster = sender.isMaster ? sender : sender.master;
    if (senderMaster !== null) {
      const dirty = !sameBitmap(senderMaster.slots, msg.myslots);
      if (sender.isMaster && dirty) state.updateSlotsConfigWith(sender, msg.configEpoch, msg.myslots);
      if (dirty) {
        // The sender claims a slot we know a newer owner of: tell it (UPDATE).
        for (let j = 0; j < SLOT_COUNT; j++) {
          if ((msg.myslots[j >> 3] & (1 << (j & 7))) === 0) continue;
          const owner = state.slots[j];
          if (owner === null || owner === sender || owner === senderMaster) continue;
          if (owner.configEpoch > msg.configEpoch) {
            link.send(encodeUpdate(this.header(), owner.configEpoch, owner.name, owner.slots));
            this.count(MSG_UPDATE);
            break;
          }
        }
      }
    }
    if (sender.isMaster && me.isMaster && msg.configEpoch === me.configEpoch) state.handleEpochCollision(sender);
    this.processGossip(msg, sender);
  }

  private updateAddressIfNeeded(node: ClusterNode, link: BusLink, msg: BusMessage): void {
    if (link === node.link) return;
    const ip = this.peerIp(link, msg);
    if (node.ip === ip && node.port === msg.port && node.cport === msg.cport) return;
    node.ip = ip;
    node.port = msg.port;
    node.pport = msg.pport;
    node.cport = msg.cport;
    node.flags &= ~NODE_NOADDR;
    node.link?.close();
    this.state.save();
  }

  private processGossip(msg: Extract<BusMessage, { kind: 'ping' }>, sender: ClusterNode | null): void {
    const state = this.state;
    const now = Date.now();
    for (const g of msg.gossip) {
      const node = state.lookup(g.name);
      if (node !== undefined) {
        if (sender !== null && sender.isMaster && node !== state.myself) {
          if (g.flags & (NODE_FAIL | NODE_PFAIL)) {
            node.failReports.set(sender.name, now);
            this.markFailingIfNeeded(node);
          } else {
            node.failReports.delete(sender.name);
          }
        }
        if ((g.flags & (NODE_FAIL | NODE_PFAIL)) === 0 && node.pingSent === 0 && node.failReports.size === 0) {
          const pong = g.pongReceived * 1000;
          if (pong <= now + 500 && pong > node.pongReceived) node.pongReceived = pong;
        }
        if ((node.flags & (NODE_FAIL | NODE_PFAIL)) !== 0 && (g.flags & (NODE_NOADDR | NODE_FAIL | NODE_PFAIL)) === 0 &&
          g.ip !== '' && (node.ip !== g.ip || node.port !== g.port || node.cport !== g.cport)) {
          node.link?.close();
          node.ip = g.ip;
          node.port = g.port;
          node.pport = g.pport;
          node.cport = g.cport;
          node.flags &= ~NODE_NOADDR;
        }
      } else if (sender !== null && (g.flags & NODE_NOADDR) === 0 && g.ip !== '' && isValidNodeName(g.name) && !state.blacklisted(g.name)) {
        const n = new ClusterNode(g.name, g.flags & (NODE_MASTER | NODE_SLAVE | NODE_NOFAILOVER));
        if ((n.flags & (NODE_MASTER | NODE_SLAVE)) === 0) n.flags |= NODE_MASTER;
        n.ip = g.ip;
        n.port = g.port;
        n.pport = g.pport;
        n.cport = g.cport;
        state.addNode(n);
        state.save();
      }
    }
  }

  // -------------------------------------------------------------------------
  // What the CLUSTER commands ask

  /** A PONG to every node: our new configuration spreads at once (clusterBroadcastPong). */
  broadcastPong(): void {
    for (const n of this.state.nodes.values()) {
      if (n === this.state.myself || n.link === null || (n.flags & (NODE_HANDSHAKE | NODE_NOADDR)) !== 0) continue;
      this.sendPing(n.link as BusLink, MSG_PONG);
    }
  }

  /**
   * CLUSTER FAILOVER TAKEOVER: a replica becomes master of its master's
   * slots with a new epoch of its own, asking nobody
   * (clusterFailoverReplaceYourMaster).
   */
  takeover(): void {
    const state = this.state;
    const me = state.myself;
    const old = me.master;
    if (old === null) return;
    state.currentEpoch++;
    me.configEpoch = state.currentEpoch;
    this.replaceMaster(old);
  }

  /** CLUSTER MEET: a handshake node with a random name, to be MEET by the cron. False if the address is bad. */
  meet(ip: string, port: number, cport: number): boolean {
    let norm = ip;
    if (net.isIPv6(ip)) norm = stripV4Mapped(ip);
    else if (!net.isIPv4(ip)) return false;
    if (port <= 0 || port > 65535 || cport <= 0 || cport > 65535) return false;
    for (const n of this.state.nodes.values()) {
      if (n.inHandshake && n.ip === norm && n.port === port && n.cport === cport) return true;
    }
    const node = new ClusterNode(randomNodeName(), NODE_HANDSHAKE | NODE_MEET);
    node.ip = norm;
    node.port = port;
    node.cport = cport;
    this.state.addNode(node);
    return true;
  }

  /** CLUSTER RESET: forget every other node and every slot; HARD also takes a new name and zeroes the epochs. */
  reset(hard: boolean): void {
    const state = this.state;
    const me = state.myself;
    if (me.isReplica) {
      state.setNodeAsMaster(me);
      me.flags = (me.flags & ~NODE_SLAVE) | NODE_MASTER;
    }
    for (let j = 0; j < SLOT_COUNT; j++) {
      state.migratingTo[j] = null;
      state.importingFrom[j] = null;
      state.delSlot(j);
    }
    for (const n of [...state.nodes.values()]) if (n !== me) state.deleteNode(n);
    if (hard) {
      state.currentEpoch = 0;
      state.lastVoteEpoch = 0;
      me.configEpoch = 0;
      state.renameNode(me, randomNodeName());
    }
    state.updateState();
    this.saveNow();
  }
}

function sameBitmap(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** cluster-config-file resolved as Redis does: relative to `dir`. */
export function configFilePath(dir: string, file: string): string {
  return path.isAbsolute(file) ? file : path.join(dir, file);
}
