/**
 * The command table as the main thread sees it: every row of
 * src/core/commands/ with what only this thread has bound to it: the
 * coordinator of each `main` row, the cross-shard plan of each `shard` row
 * (fixed here, once), and the INFO commandstats counters. Routing, arity
 * checks, COMMAND and COMMAND DOCS read it.
 */
import { CommandIndex, type CommandEntry } from '../core/commands/model';
import { commandRows } from '../core/commands';
import type { CoordOp, Coords, CrossShardPlan, TableEntry } from '../coordination/context';
import { connectionCoords } from './connection';
import { serverCoords } from './server';
import { keyspaceCoords } from './keyspace';
import { introspectionCoords } from './introspection';
import { clientCoords } from './client';
import { configCoords } from './config';
import { shutdownCoords } from './shutdown';
import { persistenceCoords } from './persistence';
import { replicationCoords } from './replication';
import { pubsubCoords } from './pubsub';
import { transactionCoords } from './transactions';
import { blockingCoords } from './blocking';
import { aclCoords } from './acl';
import { scriptingCoords } from './scripting';
import { functionCoords } from './functions';
import { clusterCoords } from './cluster';
import { migrateCoords } from './migrate';
import { crossShardCoords } from '../coordination/cross-shard';
import { scratchCoordinator } from '../coordination/scratch';
import { monitoringCoords } from './monitoring';
import { memoryCoords } from './memory';
import { replicaofCoords } from './replicaof';
import { failoverCoords } from './failover';
import { LATENCY_BUCKETS } from '../core/latency-buckets';

/** Every main-thread body, by full name. */
const coords: Coords = {
  ...connectionCoords,
  ...serverCoords,
  ...keyspaceCoords,
  ...introspectionCoords,
  ...clientCoords,
  ...configCoords,
  ...shutdownCoords,
  ...persistenceCoords,
  ...replicationCoords,
  ...pubsubCoords,
  ...transactionCoords,
  ...blockingCoords,
  ...aclCoords,
  ...monitoringCoords,
  ...memoryCoords,
  ...scriptingCoords,
  ...functionCoords,
  ...clusterCoords,
  ...migrateCoords,
  ...replicaofCoords,
  ...failoverCoords,
};

function crossPlan(entry: TableEntry): CrossShardPlan {
  const spec = entry.spec;
  if (spec.runs === 'main' || entry.opIndex < 0) return null;
  switch (spec.cross) {
    case 'sum':
    case 'gather':
    case 'all-ok':
      return { kind: 'split', combine: spec.cross };
    case 'coordinator': {
      const run = crossShardCoords[entry.fullName];
      if (run === undefined) throw new Error(`row '${entry.fullName}' wants a cross-shard coordinator and none is registered`);
      return { kind: 'coordinator', run };
    }
    case 'scratch':
      return { kind: 'coordinator', run: scratchCoordinator(entry) };
  }
}

function bind(base: CommandEntry<TableEntry>): TableEntry {
  const spec = base.spec;
  const coord: CoordOp | undefined = coords[base.fullName];
  const leaf = spec.subcommands === undefined;
  if (spec.runs === 'main' && leaf && coord === undefined) throw new Error(`main row '${base.fullName}' has no coordinator`);
  if (spec.runs === 'shard' && coord !== undefined && spec.blocksIf === undefined) {
    throw new Error(`shard row '${base.fullName}' has a coordinator but never blocks`);
  }
  if (spec.runs === 'shard' && spec.blocksIf !== undefined && coord === undefined) {
    throw new Error(`shard row '${base.fullName}' may block and has no coordinator`);
  }
  const entry: TableEntry = {
    ...base, coord, cross: null, calls: 0, usec: 0, rejectedCalls: 0, failedCalls: 0, latency: new Float64Array(LATENCY_BUCKETS),
  };
  // The scratch coordinator closes over the entry itself, so the plan is set once the entry exists.
  (entry as { cross: CrossShardPlan }).cross = crossPlan(entry);
  return entry;
}

export const commandTable = new CommandIndex<TableEntry>(commandRows, bind);

{
  // A registered body no row refers to is a typo in a row or dead code.
  const names = new Set<string>();
  for (const e of commandTable.all()) names.add(e.fullName);
  for (const name of Object.keys(coords)) if (!names.has(name)) throw new Error(`coordinator '${name}' is registered but no row has that name`);
}
