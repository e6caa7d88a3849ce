/**
 * Every coordinator command family (rows that run on the main thread).
 */
import type { CommandSpec } from './spec';
import { connectionCommands } from './connection';
import { serverCommands } from './server-info';
import { keyspaceCommands } from './keyspace';
import { introspectionCommands } from './introspection';
import { clientCommands } from './client';
import { configCommands } from './config-cmd';
import { shutdownCommands } from './shutdown';
import { pubsubCommands } from './pubsub';
import { transactionCommands } from './transactions';
import { blockingCommands } from '../blocking/commands';

export const coordFamilies: readonly CommandSpec[] = [
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
];
