/**
 * Which node serves a request in cluster mode (Redis's getNodeByQuery and
 * clusterRedirectClient): all keys must hash to one slot (-CROSSSLOT); an
 * unserved slot is -CLUSTERDOWN; a slot served elsewhere is -MOVED; a slot
 * being migrated away sends the keys we no longer have to the target
 * (-ASK); a slot being imported serves clients that said ASKING; a replica
 * serves reads to READONLY clients of its master's slots. Error texts are
 * Redis 7.0.15's.
 */
import { keyPositions, type CommandSpec } from '../core/commands/spec';
import { keyHashSlotOfString } from '../core/routing/slot';
import type { Cluster } from './cluster';
import type { ClusterNode } from './node';

export type ClusterRoute =
  | { kind: 'serve' }
  | { kind: 'error'; message: string }
  /** The slot is open (migrating to `migratingTo`, or importing when null): which keys exist here decides. */
  | { kind: 'check'; slot: number; keys: string[]; migratingTo: ClusterNode | null };

const SERVE: ClusterRoute = { kind: 'serve' };

export interface ClusterClientFlags {
  clusterAsking: boolean;
  clusterReadonly: boolean;
}

function redirect(kind: 'MOVED' | 'ASK', slot: number, n: ClusterNode): ClusterRoute {
  return { kind: 'error', message: `${kind} ${slot} ${n.ip}:${n.port}` };
}

export function clusterRoute(cluster: Cluster, client: ClusterClientFlags, spec: CommandSpec, args: readonly string[]): ClusterRoute {
  if (spec.firstKey <= 0 && spec.getKeys === undefined) return SERVE;
  // The common case, one key in a stable slot of ours while the cluster is up: no arrays made.
  if (spec.firstKey === spec.lastKey && spec.getKeys === undefined && spec.firstKey < args.length) {
    const state = cluster.state;
    const slot = keyHashSlotOfString(args[spec.firstKey]);
    if (state.ok && state.slots[slot] === state.myself && state.migratingTo[slot] === null && state.importingFrom[slot] === null) return SERVE;
  }
  const positions = keyPositions(spec, args);
  if (positions.length === 0) return SERVE;
  return routeKeys(cluster, client, positions.map((p) => args[p]), { write: spec.flags.includes('write'), asking: spec.flags.includes('asking'), migrate: spec.name === 'migrate' });
}

/**
 * EXEC: the keys of every queued command together must hash to one slot
 * served here (Redis checks the whole transaction when EXEC arrives). An
 * open slot is served without the per-key existence check.
 */
export function clusterRouteExec(cluster: Cluster, client: ClusterClientFlags, queued: readonly { spec: CommandSpec; args: readonly string[] }[]): ClusterRoute {
  const keys: string[] = [];
  let write = false;
  for (const q of queued) {
    if (q.spec.firstKey <= 0 && q.spec.getKeys === undefined) continue;
    for (const p of keyPositions(q.spec, q.args)) keys.push(q.args[p]);
    if (q.spec.flags.includes('write')) write = true;
  }
  if (keys.length === 0) return SERVE;
  const route = routeKeys(cluster, client, keys, { write, asking: false, migrate: false });
  return route.kind === 'check' ? SERVE : route;
}

/** What of the command the checks need: whether it writes, runs as if ASKING, is MIGRATE. */
interface RouteCmd {
  write: boolean;
  asking: boolean;
  migrate: boolean;
}

function routeKeys(cluster: Cluster, client: ClusterClientFlags, keys: readonly string[], cmd: RouteCmd): ClusterRoute {
  const state = cluster.state;
  const me = state.myself;
  const slot = keyHashSlotOfString(keys[0]);
  // The first key's slot must be served before the others are compared (Redis's order of checks).
  const n = state.slots[slot];
  if (n === null) return { kind: 'error', message: 'CLUSTERDOWN Hash slot not served' };
  for (let i = 1; i < keys.length; i++) {
    if (keyHashSlotOfString(keys[i]) !== slot) return { kind: 'error', message: "CROSSSLOT Keys in request don't hash to the same slot" };
  }
  if (!state.ok) {
    if (!cluster.allowReadsWhenDown) return { kind: 'error', message: 'CLUSTERDOWN The cluster is down' };
    if (cmd.write) return { kind: 'error', message: 'CLUSTERDOWN The cluster is down and only accepts read commands' };
  }
  const migrating = n === me && state.migratingTo[slot] !== null;
  const importing = !migrating && state.importingFrom[slot] !== null;
  // MIGRATE runs here whenever the slot is open: it is what empties it.
  if ((migrating || importing) && cmd.migrate) return SERVE;
  if (migrating || (importing && (client.clusterAsking || cmd.asking))) {
    return { kind: 'check', slot, keys: [...keys], migratingTo: migrating ? state.migratingTo[slot] : null };
  }
  if (client.clusterReadonly && !cmd.write && me.isReplica && me.master === n) return SERVE;
  if (n !== me) return redirect('MOVED', slot, n);
  return SERVE;
}

/** The answer for an open slot once we know how many of the keys exist here. */
export function afterExistenceCheck(route: Extract<ClusterRoute, { kind: 'check' }>, existing: number): ClusterRoute {
  const missing = route.keys.length - existing;
  // The route is fresh (the caller routes again once the count is back), so its target is current.
  if (route.migratingTo !== null) return missing === 0 ? SERVE : redirect('ASK', route.slot, route.migratingTo);
  if (route.keys.length > 1 && missing > 0) return { kind: 'error', message: 'TRYAGAIN Multiple keys request during rehashing of slot' };
  return SERVE;
}
