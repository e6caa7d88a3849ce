/**
 * Keyspace-wide coordinator commands: KEYS, SCAN, RANDOMKEY, SWAPDB (fan out to every shard).
 */
import type { CommandSpec } from './spec';

export const keyspaceCommands: CommandSpec[] = [];
