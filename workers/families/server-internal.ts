/**
 * Internal shard ops for server introspection (INFO keyspace/memory/stats).
 */
import type { CommandSpec } from '../../src/commands/spec';

export const serverInternalCommands: CommandSpec[] = [];
