/**
 * CLUSTER and its subcommands, ASKING, READONLY, READWRITE (Redis's
 * clusterCommand), over the node's cluster state (src/cluster/). Replies and
 * error texts are Redis 7.0.15's. Slot key counts come from the shards
 * (each counts its keys per slot), so COUNTKEYSINSLOT is one shard call.
 */
import { acquireShardLock, type CoordContext, type CoordOp, type Coords } from '../coordination/context';
import { buildReply, errorReply, helpReply, integerReply, okReply, simpleReply, bulkReply } from '../resp/replies';
import { ERR_NOT_INTEGER, ERR_SYNTAX, ReplyError } from '../core/errors';
import { parseI64 } from '../core/args/parse';
import { keyHashSlotOfString, slotToShard, SLOT_COUNT } from '../core/routing/slot';
import type { ReplyWriter } from '../core/wire/reply-writer';
import type { Cluster } from '../cluster/cluster';
import { ClusterState, MSG_TYPE_NAMES } from '../cluster/state';
import { NODE_FAIL, type ClusterNode } from '../cluster/node';
import type { BusLink } from '../cluster/link';

const ERR_DISABLED = 'ERR This instance has cluster support disabled';

function clusterOf(ctx: CoordContext): Cluster {
  const c = ctx.server.cluster;
  if (c === null) throw new ReplyError(ERR_DISABLED);
  return c;
}

/** getSlotOrReply: an integer in 0..16383. */
function slotArg(s: string): number {
  const n = parseI64(s);
  if (n === null || n < 0n || n >= BigInt(SLOT_COUNT)) throw new ReplyError('ERR Invalid or out of range slot');
  return Number(n);
}

function llArg(s: string): bigint {
  const n = parseI64(s);
  if (n === null) throw new ReplyError(ERR_NOT_INTEGER);
  return n;
}

function nodeArg(c: Cluster, name: string, error = `ERR Unknown node ${name}`): ClusterNode {
  const n = c.state.lookup(name);
  if (n === undefined) throw new ReplyError(error);
  return n;
}

function keysInSlot(ctx: CoordContext, slot: number): Promise<number> {
  const shards = ctx.server.shards;
  return shards.call(slotToShard(slot, shards.count), 'countKeysInSlot', { slot });
}

async function dbEmpty(ctx: CoordContext): Promise<boolean> {
  const sizes = await ctx.server.shards.broadcast('dbsize', undefined, { db: 0 });
  return sizes.every((n) => n === 0);
}

/**
 * Runs `act` if db 0 is empty (or `check` is false), else replies `error`:
 * under the shard lock, so that no write lands between the check and the act
 * (Redis does both in one call), e.g. a key in slots the node then forgets.
 */
async function withEmptyDb(ctx: CoordContext, check: boolean, error: string, act: () => Buffer): Promise<Buffer> {
  if (!check) return act();
  const release = await acquireShardLock(ctx);
  try {
    return (await dbEmpty(ctx)) ? act() : errorReply(error);
  } finally {
    release();
  }
}

/** After a change from a command: recompute the state and write nodes.conf before replying (as Redis does). */
function committed(c: Cluster): Buffer {
  c.state.updateState();
  c.saveNow();
  return okReply();
}

// ---------------------------------------------------------------------------

const info: CoordOp = (ctx) => {
  const c = clusterOf(ctx);
  const s = c.state;
  s.updateState();
  const counts = s.slotCounts();
  const lines = [
    `cluster_state:${s.ok ? 'ok' : 'fail'}`,
    `cluster_slots_assigned:${counts.assigned}`,
    `cluster_slots_ok:${counts.ok}`,
    `cluster_slots_pfail:${counts.pfail}`,
    `cluster_slots_fail:${counts.fail}`,
    `cluster_known_nodes:${s.nodes.size}`,
    `cluster_size:${s.size}`,
    `cluster_current_epoch:${s.currentEpoch}`,
    `cluster_my_epoch:${s.myself.epoch}`,
  ];
  let sent = 0;
  MSG_TYPE_NAMES.forEach((name, i) => {
    if (s.sent[i] === 0) return;
    sent += s.sent[i];
    lines.push(`cluster_stats_messages_${name}_sent:${s.sent[i]}`);
  });
  lines.push(`cluster_stats_messages_sent:${sent}`);
  let received = 0;
  MSG_TYPE_NAMES.forEach((name, i) => {
    if (s.received[i] === 0) return;
    received += s.received[i];
    lines.push(`cluster_stats_messages_${name}_received:${s.received[i]}`);
  });
  lines.push(`cluster_stats_messages_received:${received}`);
  lines.push(`total_cluster_links_buffer_limit_exceeded:${c.linksBufferLimitExceeded}`);
  return buildReply(ctx, (w) => w.verbatim(lines.join('\r\n') + '\r\n'));
};

const myid: CoordOp = (ctx) => bulkReply(clusterOf(ctx).myself.name);

const nodes: CoordOp = (ctx) => buildReply(ctx, (w) => w.verbatim(clusterOf(ctx).state.describeAll()));

/** One node of CLUSTER SLOTS: endpoint, port, id, and the (empty unless a hostname is set) metadata. */
function slotsNode(w: ReplyWriter, n: ClusterNode): void {
  w.array(4);
  w.bulk(n.ip);
  w.integer(n.port);
  w.bulk(n.name);
  if (n.hostname !== '') {
    w.map(1);
    w.bulk('hostname');
    w.bulk(n.hostname);
  } else {
    w.map(0);
  }
}

const slots: CoordOp = (ctx) => {
  const s = clusterOf(ctx).state;
  const ranges: [number, number, ClusterNode][] = [];
  let start = -1;
  for (let j = 0; j <= SLOT_COUNT; j++) {
    const owner = j < SLOT_COUNT ? s.slots[j] : null;
    if (start !== -1 && (j === SLOT_COUNT || owner !== s.slots[start])) {
      ranges.push([start, j - 1, s.slots[start] as ClusterNode]);
      start = -1;
    }
    if (owner !== null && start === -1) start = j;
  }
  return buildReply(ctx, (w) => {
    w.array(ranges.length);
    for (const [a, b, n] of ranges) {
      const replicas = n.replicas.filter((r) => !r.failed);
      w.array(3 + replicas.length);
      w.integer(a);
      w.integer(b);
      slotsNode(w, n);
      for (const r of replicas) slotsNode(w, r);
    }
  });
};

function shardNode(w: ReplyWriter, n: ClusterNode): void {
  const fields = n.hostname !== '' ? 8 : 7;
  w.map(fields);
  w.bulk('id');
  w.bulk(n.name);
  w.bulk('port');
  w.integer(n.port);
  w.bulk('ip');
  w.bulk(n.ip);
  w.bulk('endpoint');
  w.bulk(n.ip);
  if (n.hostname !== '') {
    w.bulk('hostname');
    w.bulk(n.hostname);
  }
  w.bulk('role');
  w.bulk(n.isMaster ? 'master' : 'replica');
  w.bulk('replication-offset');
  w.integer(n.replOffset);
  w.bulk('health');
  w.bulk((n.flags & NODE_FAIL) !== 0 ? 'fail' : 'online');
}

const shards: CoordOp = (ctx) => {
  const s = clusterOf(ctx).state;
  const masters = [...s.nodes.values()].filter((n) => n.isMaster || n.master === null);
  return buildReply(ctx, (w) => {
    w.array(masters.length);
    for (const m of masters) {
      w.map(2);
      w.bulk('slots');
      const ranges = ClusterState.ranges(m);
      w.array(ranges.length * 2);
      for (const [a, b] of ranges) {
        w.integer(a);
        w.integer(b);
      }
      w.bulk('nodes');
      w.array(1 + m.replicas.length);
      shardNode(w, m);
      for (const r of m.replicas) shardNode(w, r);
    }
  });
};

const links: CoordOp = (ctx) => {
  const c = clusterOf(ctx);
  const all = [...c.links].filter((l) => l.node !== null) as (BusLink & { node: ClusterNode })[];
  return buildReply(ctx, (w) => {
    w.array(all.length);
    for (const l of all) {
      w.map(6);
      w.bulk('direction');
      w.bulk(l.inbound ? 'from' : 'to');
      w.bulk('node');
      w.bulk(l.node.name);
      w.bulk('create-time');
      w.integer(l.ctime);
      w.bulk('events');
      w.bulk(l.sendBuffer > 0 ? 'rw' : 'r');
      w.bulk('send-buffer-allocated');
      w.integer(l.sendBuffer);
      w.bulk('send-buffer-used');
      w.integer(l.sendBuffer);
    }
  });
};

const keyslot: CoordOp = (ctx, args) => {
  clusterOf(ctx);
  return integerReply(keyHashSlotOfString(args[2]));
};

const countkeysinslot: CoordOp = async (ctx, args) => {
  clusterOf(ctx);
  const n = llArg(args[2]);
  if (n < 0n || n >= BigInt(SLOT_COUNT)) return errorReply('ERR Invalid slot');
  return integerReply(await keysInSlot(ctx, Number(n)));
};

const getkeysinslot: CoordOp = async (ctx, args) => {
  clusterOf(ctx);
  const slot = llArg(args[2]);
  const count = llArg(args[3]);
  if (slot < 0n || slot >= BigInt(SLOT_COUNT) || count < 0n) return errorReply('ERR Invalid slot or number of keys');
  const shardSet = ctx.server.shards;
  const s = Number(slot);
  const keys = await shardSet.call(slotToShard(s, shardSet.count), 'getKeysInSlot', { slot: s, count: Number(count > 1_000_000_000n ? 1_000_000_000n : count) });
  return buildReply(ctx, (w) => {
    w.array(keys.length);
    for (const k of keys) w.bulk(k);
  });
};

/** ADDSLOTS / DELSLOTS and their RANGE forms: every slot checked first, then all applied. */
function slotsCommand(add: boolean, ranged: boolean): CoordOp {
  return (ctx, args) => {
    const c = clusterOf(ctx);
    const s = c.state;
    if (ranged && (args.length - 2) % 2 !== 0) return errorReply(`ERR wrong number of arguments for 'cluster|${args[1].toLowerCase()}' command`);
    const wanted: number[] = [];
    if (ranged) {
      for (let i = 2; i < args.length; i += 2) {
        const a = slotArg(args[i]);
        const b = slotArg(args[i + 1]);
        if (a > b) return errorReply(`ERR start slot number ${a} is greater than end slot number ${b}`);
        for (let j = a; j <= b; j++) wanted.push(j);
      }
    } else {
      for (let i = 2; i < args.length; i++) wanted.push(slotArg(args[i]));
    }
    const seen = new Set<number>();
    for (const j of wanted) {
      if (add && s.slots[j] !== null) return errorReply(`ERR Slot ${j} is already busy`);
      if (!add && s.slots[j] === null) return errorReply(`ERR Slot ${j} is already unassigned`);
      if (seen.has(j)) return errorReply(`ERR Slot ${j} specified multiple times`);
      seen.add(j);
    }
    for (const j of wanted) {
      if (add) {
        // A slot we were importing is now simply ours.
        s.importingFrom[j] = null;
        s.addSlot(s.myself, j);
      } else {
        s.delSlot(j);
      }
    }
    return committed(c);
  };
}

const setslot: CoordOp = async (ctx, args) => {
  const c = clusterOf(ctx);
  const s = c.state;
  const me = s.myself;
  if (me.isReplica) return errorReply('ERR Please use SETSLOT only with masters.');
  const slot = slotArg(args[2]);
  const action = args[3].toLowerCase();
  if (action === 'migrating' && args.length === 5) {
    if (s.slots[slot] !== me) return errorReply(`ERR I'm not the owner of hash slot ${slot}`);
    const n = nodeArg(c, args[4], `ERR I don't know about node ${args[4]}`);
    if (!n.isMaster) return errorReply('ERR Target node is not a master');
    s.migratingTo[slot] = n;
  } else if (action === 'importing' && args.length === 5) {
    if (s.slots[slot] === me) return errorReply(`ERR I'm already the owner of hash slot ${slot}`);
    const n = nodeArg(c, args[4], `ERR I don't know about node ${args[4]}`);
    if (!n.isMaster) return errorReply('ERR Target node is not a master');
    s.importingFrom[slot] = n;
  } else if (action === 'stable' && args.length === 4) {
    s.migratingTo[slot] = null;
    s.importingFrom[slot] = null;
  } else if (action === 'node' && args.length === 5) {
    const n = nodeArg(c, args[4]);
    if (!n.isMaster) return errorReply('ERR Target node is not a master');
    // Giving a slot away: the key count and the reassignment are one step
    // under the shard lock, as they are one call in Redis. A write let in
    // between would leave a key in a slot this node no longer serves.
    const release = n !== me ? await acquireShardLock(ctx) : null;
    try {
      const keys = n !== me && (s.slots[slot] === me || s.migratingTo[slot] !== null) ? await keysInSlot(ctx, slot) : 0;
      if (s.slots[slot] === me && n !== me && keys !== 0) {
        return errorReply(`ERR Can't assign hashslot ${slot} to a different node while I still hold keys for this hash slot.`);
      }
      // The last key has gone: the migration is over.
      if (s.migratingTo[slot] !== null && n !== me && keys === 0) s.migratingTo[slot] = null;
      if (n === me && s.importingFrom[slot] !== null) {
        // The import is complete: take the slot with a new epoch, so the rest
        // of the cluster accepts our claim without an election.
        s.importingFrom[slot] = null;
        if (s.bumpConfigEpoch()) ctx.server.log.info({ epoch: me.configEpoch, slot }, 'config epoch bumped after importing a slot');
        c.broadcastPong();
      }
      s.delSlot(slot);
      s.addSlot(n, slot);
    } finally {
      release?.();
    }
  } else {
    return errorReply('ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP');
  }
  return committed(c);
};

const meet: CoordOp = (ctx, args) => {
  const c = clusterOf(ctx);
  const port = parseI64(args[3]);
  if (port === null) return errorReply(`ERR Invalid TCP base port specified: ${args[3]}`);
  let cport = port + 10000n;
  if (args.length > 5) return errorReply(ERR_SYNTAX);
  if (args.length === 5) {
    const cp = parseI64(args[4]);
    if (cp === null) return errorReply(`ERR Invalid TCP bus port specified: ${args[4]}`);
    cport = cp;
  }
  if (!c.meet(args[2], Number(port), Number(cport))) return errorReply(`ERR Invalid node address specified: ${args[2]}:${args[3]}`);
  return okReply();
};

const forget: CoordOp = (ctx, args) => {
  const c = clusterOf(ctx);
  const s = c.state;
  const n = nodeArg(c, args[2]);
  if (n === s.myself) return errorReply("ERR I tried hard but I can't forget myself...");
  if (s.myself.isReplica && s.myself.master === n) return errorReply("ERR Can't forget my master!");
  s.blacklistAdd(n.name);
  s.deleteNode(n);
  return committed(c);
};

const replicate: CoordOp = async (ctx, args) => {
  const c = clusterOf(ctx);
  const s = c.state;
  const n = nodeArg(c, args[2]);
  if (n === s.myself) return errorReply("ERR Can't replicate myself");
  if (n.isReplica) return errorReply('ERR I can only replicate a master, not a replica.');
  if (s.myself.isMaster && (s.myself.numSlots !== 0 || !(await dbEmpty(ctx)))) {
    return errorReply('ERR To set a master the node must be empty and without assigned slots.');
  }
  // The role is recorded and gossiped; Shardis does not replicate the data yet.
  for (let j = 0; j < SLOT_COUNT; j++) {
    s.migratingTo[j] = null;
    s.importingFrom[j] = null;
  }
  s.setNodeAsReplica(s.myself, n);
  return committed(c);
};

const failover: CoordOp = (ctx, args) => {
  const c = clusterOf(ctx);
  const s = c.state;
  let mode: 'default' | 'force' | 'takeover' = 'default';
  if (args.length === 3) {
    const opt = args[2].toLowerCase();
    if (opt === 'force') mode = 'force';
    else if (opt === 'takeover') mode = 'takeover';
    else return errorReply(ERR_SYNTAX);
  } else if (args.length > 3) {
    return errorReply(ERR_SYNTAX);
  }
  const me = s.myself;
  if (me.isMaster) return errorReply('ERR You should send CLUSTER FAILOVER to a replica');
  const master = me.master;
  if (master === null) return errorReply("ERR I'm a replica but my master is unknown to me");
  if (mode === 'default' && (master.failed || master.link === null)) return errorReply('ERR Master is down or failed, please use CLUSTER FAILOVER FORCE');
  if (mode !== 'takeover') {
    // A coordinated failover waits for the replica to catch up with its
    // master's replication offset; Shardis has no replication stream yet.
    return errorReply('ERR CLUSTER FAILOVER without TAKEOVER needs replication, which this Shardis node does not have; use CLUSTER FAILOVER TAKEOVER');
  }
  c.takeover();
  return committed(c);
};

const reset: CoordOp = async (ctx, args) => {
  const c = clusterOf(ctx);
  let hard = false;
  if (args.length === 3) {
    const opt = args[2].toLowerCase();
    if (opt === 'hard') hard = true;
    else if (opt !== 'soft') return errorReply(ERR_SYNTAX);
  } else if (args.length > 3) {
    return errorReply(ERR_SYNTAX);
  }
  // The emptiness check and the reset are one step (see withEmptyDb).
  return withEmptyDb(ctx, c.myself.isMaster, "ERR CLUSTER RESET can't be called with master nodes containing keys", () => {
    c.reset(hard);
    return okReply();
  });
};

const setConfigEpoch: CoordOp = (ctx, args) => {
  const c = clusterOf(ctx);
  const s = c.state;
  const epoch = llArg(args[2]);
  if (epoch < 0n) return errorReply(`ERR Invalid config epoch specified: ${epoch}`);
  if (s.nodes.size > 1) return errorReply('ERR The user can assign a config epoch only when the node does not know any other node.');
  if (s.myself.configEpoch !== 0) return errorReply('ERR Node config epoch is already non-zero');
  s.myself.configEpoch = Number(epoch);
  if (s.currentEpoch < s.myself.configEpoch) s.currentEpoch = s.myself.configEpoch;
  return committed(c);
};

const bumpepoch: CoordOp = (ctx) => {
  const c = clusterOf(ctx);
  const bumped = c.state.bumpConfigEpoch();
  c.saveNow();
  return simpleReply(`${bumped ? 'BUMPED' : 'STILL'} ${c.myself.configEpoch}`);
};

const saveconfig: CoordOp = (ctx) => {
  const c = clusterOf(ctx);
  c.saveNow();
  return okReply();
};

const flushslots: CoordOp = async (ctx) => {
  const c = clusterOf(ctx);
  return withEmptyDb(ctx, true, 'ERR DB must be empty to perform CLUSTER FLUSHSLOTS.', () => {
    for (let j = 0; j < SLOT_COUNT; j++) if (c.state.slots[j] === c.myself) c.state.delSlot(j);
    return committed(c);
  });
};

const countFailureReports: CoordOp = (ctx, args) => integerReply(nodeArg(clusterOf(ctx), args[2]).failReports.size);

const replicas: CoordOp = (ctx, args) => {
  const c = clusterOf(ctx);
  const n = nodeArg(c, args[2]);
  if (!n.isMaster) return errorReply('ERR The specified node is not a master');
  return buildReply(ctx, (w) => {
    w.array(n.replicas.length);
    for (const r of n.replicas) w.bulk(c.state.describe(r));
  });
};

// Like every CLUSTER subcommand, HELP needs cluster mode (Redis answers it from clusterCommand).
const help: CoordOp = (ctx) => {
  if (ctx.server.cluster === null) return errorReply(ERR_DISABLED);
  return helpReply('CLUSTER', [
    'ADDSLOTS <slot> [<slot> ...]',
    '    Assign slots to current node.',
    'ADDSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]',
    '    Assign slots which are between <start-slot> and <end-slot> to current node.',
    'BUMPEPOCH',
    '    Advance the cluster config epoch.',
    'COUNT-FAILURE-REPORTS <node-id>',
    '    Return number of failure reports for <node-id>.',
    'COUNTKEYSINSLOT <slot>',
    '    Return the number of keys in <slot>.',
    'DELSLOTS <slot> [<slot> ...]',
    '    Delete slots information from current node.',
    'DELSLOTSRANGE <start slot> <end slot> [<start slot> <end slot> ...]',
    '    Delete slots information which are between <start-slot> and <end-slot> from current node.',
    'FAILOVER [FORCE|TAKEOVER]',
    '    Promote current replica node to being a master.',
    'FORGET <node-id>',
    '    Remove a node from the cluster.',
    'GETKEYSINSLOT <slot> <count>',
    '    Return key names stored by current node in a slot.',
    'FLUSHSLOTS',
    '    Delete current node own slots information.',
    'INFO',
    '    Return information about the cluster.',
    'KEYSLOT <key>',
    '    Return the hash slot for <key>.',
    'MEET <ip> <port> [<bus-port>]',
    '    Connect nodes into a working cluster.',
    'MYID',
    '    Return the node id.',
    'NODES',
    '    Return cluster configuration seen by node. Output format:',
    '    <id> <ip:port> <flags> <master> <pings> <pongs> <epoch> <link> <slot> ...',
    'REPLICATE <node-id>',
    '    Configure current node as replica to <node-id>.',
    'RESET [HARD|SOFT]',
    '    Reset current node (default: soft).',
    'SET-CONFIG-EPOCH <epoch>',
    '    Set config epoch of current node.',
    'SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)',
    '    Set slot state.',
    'REPLICAS <node-id>',
    '    Return <node-id> replicas.',
    'SAVECONFIG',
    '    Force saving cluster configuration on disk.',
    'SLOTS',
    '    Return information about slots range mappings. Each range is made of:',
    '    start, end, master and replicas IP addresses, ports and ids',
    'SHARDS',
    '    Return information about slot range mappings and the nodes associated with them.',
    'LINKS',
    '    Return information about all network links between this node and its peers.',
    '    Output format is an array where each array element is a map containing attributes of a link',
  ], 'Prints this help.');
};

const asking: CoordOp = (ctx) => {
  clusterOf(ctx);
  ctx.conn.clusterAsking = true;
  return okReply();
};

const readonly: CoordOp = (ctx) => {
  clusterOf(ctx);
  ctx.conn.clusterReadonly = true;
  return okReply();
};

const readwrite: CoordOp = (ctx) => {
  clusterOf(ctx);
  ctx.conn.clusterReadonly = false;
  return okReply();
};

export const clusterCoords: Coords = {
  'cluster|addslots': slotsCommand(true, false),
  'cluster|addslotsrange': slotsCommand(true, true),
  'cluster|delslots': slotsCommand(false, false),
  'cluster|delslotsrange': slotsCommand(false, true),
  'cluster|bumpepoch': bumpepoch,
  'cluster|count-failure-reports': countFailureReports,
  'cluster|countkeysinslot': countkeysinslot,
  'cluster|failover': failover,
  'cluster|flushslots': flushslots,
  'cluster|forget': forget,
  'cluster|getkeysinslot': getkeysinslot,
  'cluster|help': help,
  'cluster|info': info,
  'cluster|keyslot': keyslot,
  'cluster|links': links,
  'cluster|meet': meet,
  'cluster|myid': myid,
  'cluster|nodes': nodes,
  'cluster|replicas': replicas,
  'cluster|slaves': replicas,
  'cluster|replicate': replicate,
  'cluster|reset': reset,
  'cluster|saveconfig': saveconfig,
  'cluster|set-config-epoch': setConfigEpoch,
  'cluster|setslot': setslot,
  'cluster|shards': shards,
  'cluster|slots': slots,
  asking,
  readonly,
  readwrite,
};
