/**
 * nodes.conf (cluster-config-file) as Redis 7.0 writes and reads it: one
 * CLUSTER NODES line per node, then `vars currentEpoch N lastVoteEpoch M`.
 * A redis-server can load a file Shardis wrote and the other way round.
 */
import fs from 'node:fs';
import { SLOT_COUNT } from '../core/routing/slot';
import { ClusterNode, NODE_MYSELF, NODE_SLAVE, isValidNodeName, parseFlags, randomNodeName, NODE_MASTER } from './node';
import { ClusterState, type ClusterHooks } from './state';

export function nodesConfText(state: ClusterState): string {
  return `${state.describeAll()}vars currentEpoch ${state.currentEpoch} lastVoteEpoch ${state.lastVoteEpoch}\n`;
}

/** Writes the file whole, then renames it over the old one: a crash never leaves half a file. */
export function saveNodesConf(file: string, state: ClusterState): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, nodesConfText(state));
  fs.renameSync(tmp, file);
}

export class NodesConfError extends Error {}

/**
 * Loads a cluster state from nodes.conf, or returns null when the file does
 * not exist or is empty (a fresh node). A malformed file is an error: Redis
 * refuses to start with one.
 */
export function loadNodesConf(file: string, hooks: ClusterHooks): ClusterState | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  if (text.trim() === '') return null;
  const nodes = new Map<string, ClusterNode>();
  const get = (name: string): ClusterNode => {
    let n = nodes.get(name);
    if (n === undefined) nodes.set(name, (n = new ClusterNode(name, 0)));
    return n;
  };
  let currentEpoch = 0;
  let lastVoteEpoch = 0;
  let myself: ClusterNode | null = null;
  const slotOwner: (ClusterNode | null)[] = new Array(SLOT_COUNT).fill(null);
  const migrating: [number, string][] = [];
  const importing: [number, string][] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const argv = line.split(/\s+/);
    if (argv[0] === 'vars') {
      for (let i = 1; i + 1 < argv.length; i += 2) {
        if (argv[i] === 'currentEpoch') currentEpoch = Number(argv[i + 1]);
        else if (argv[i] === 'lastVoteEpoch') lastVoteEpoch = Number(argv[i + 1]);
        else throw new NodesConfError(`Unrecognized vars in nodes.conf: ${argv[i]}`);
      }
      continue;
    }
    if (argv.length < 8) throw new NodesConfError(`Unrecoverable error: corrupted cluster config file "${line}".`);
    if (!isValidNodeName(argv[0])) throw new NodesConfError(`Corrupted node name in nodes.conf: ${argv[0]}`);
    const n = get(argv[0]);
    const m = /^(.*):(\d+)(?:@(\d+))?(?:,(.*))?$/.exec(argv[1]);
    if (m === null) throw new NodesConfError(`Address in nodes.conf has no port: ${argv[1]}`);
    n.ip = m[1];
    n.port = Number(m[2]);
    n.cport = m[3] !== undefined ? Number(m[3]) : n.port + 10000;
    n.hostname = m[4] ?? '';
    n.flags = parseFlags(argv[2]);
    if ((n.flags & NODE_MYSELF) !== 0) myself = n;
    if (argv[3] !== '-') {
      const master = get(argv[3]);
      n.master = master;
      master.addReplica(n);
    }
    if (Number(argv[4]) !== 0) n.pingSent = Date.now();
    if (Number(argv[5]) !== 0) n.pongReceived = Date.now();
    n.configEpoch = Number(argv[6]);
    for (let i = 8; i < argv.length; i++) {
      const s = argv[i];
      if (s.startsWith('[')) {
        const mm = /^\[(\d+)-([<>])-([0-9a-f]{40})\]$/.exec(s);
        if (mm === null) throw new NodesConfError(`Bad slot entry in nodes.conf: ${s}`);
        (mm[2] === '>' ? migrating : importing).push([Number(mm[1]), mm[3]]);
        continue;
      }
      const dash = s.indexOf('-');
      const start = Number(dash === -1 ? s : s.slice(0, dash));
      const end = dash === -1 ? start : Number(s.slice(dash + 1));
      if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end >= SLOT_COUNT || start > end) {
        throw new NodesConfError(`Bad slot range in nodes.conf: ${s}`);
      }
      for (let j = start; j <= end; j++) slotOwner[j] = n;
    }
  }
  if (myself === null) throw new NodesConfError('Myself node not present in cluster config file.');
  const state = new ClusterState(myself, hooks);
  for (const n of nodes.values()) {
    // A master named only as some replica's master has no line of its own yet.
    if (n.flags === 0) n.flags = NODE_MASTER;
    if (n !== myself) state.addNode(n);
  }
  for (let j = 0; j < SLOT_COUNT; j++) {
    const owner = slotOwner[j];
    if (owner !== null) state.addSlot(owner, j);
  }
  for (const [slot, name] of migrating) state.migratingTo[slot] = get(name);
  for (const [slot, name] of importing) state.importingFrom[slot] = get(name);
  state.currentEpoch = currentEpoch;
  state.lastVoteEpoch = lastVoteEpoch;
  if ((myself.flags & NODE_SLAVE) !== 0 && myself.master === null) myself.flags = (myself.flags & ~NODE_SLAVE) | NODE_MASTER;
  return state;
}

/** A fresh node: a random name, a master with no slots. */
export function freshState(hooks: ClusterHooks): ClusterState {
  return new ClusterState(new ClusterNode(randomNodeName(), NODE_MYSELF | NODE_MASTER), hooks);
}
