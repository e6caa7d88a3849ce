/**
 * Every row of the command table, family by family. The order fixes each
 * shard op's index (model.ts): both threads import this one list.
 */
import type { CommandSpec } from './spec';
import { stringCommands } from './strings';
import { keyCommands } from './keys';
import { hashCommands } from './hashes';
import { listCommands } from './lists';
import { setCommands } from './sets';
import { zsetCommands } from './zsets';
import { bitmapCommands } from './bitmaps';
import { hyperloglogCommands } from './hyperloglog';
import { streamCommands } from './streams';
import { sortCommands } from './sort';
import { geoCommands } from './geo';
import { connectionCommands } from './connection';
import { serverCommands } from './server';
import { keyspaceCommands } from './keyspace';
import { introspectionCommands } from './introspection';
import { clientCommands } from './client';
import { configCommands } from './config';
import { shutdownCommands } from './shutdown';
import { pubsubCommands } from './pubsub';
import { transactionCommands } from './transactions';
import { blockingCommands } from './blocking';
import { aclCommands } from './acl';
import { monitoringCommands } from './monitoring';
import { scriptingCommands, scriptCommands } from './scripting';
import { clusterCommands } from './cluster';
import { migrateCommands } from './migrate';
import { replicationCommands } from './replication';

export const commandRows: readonly CommandSpec[] = [
  // Shard-local families.
  ...stringCommands,
  ...keyCommands,
  ...hashCommands,
  ...listCommands,
  ...setCommands,
  ...zsetCommands,
  ...bitmapCommands,
  ...hyperloglogCommands,
  ...streamCommands,
  ...sortCommands,
  ...geoCommands,
  ...scriptingCommands,
  // Main-thread families.
  ...connectionCommands,
  ...serverCommands,
  ...keyspaceCommands,
  ...introspectionCommands,
  ...clientCommands,
  ...configCommands,
  ...shutdownCommands,
  ...pubsubCommands,
  ...transactionCommands,
  ...blockingCommands,
  ...aclCommands,
  ...monitoringCommands,
  ...scriptCommands,
  ...clusterCommands,
  ...migrateCommands,
  ...replicationCommands,
];
