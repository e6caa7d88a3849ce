/**
 * The sort family (shard-local rows).
 */
import type { CommandSpec } from '../../src/commands/spec';

export const sortCommands: CommandSpec[] = [];
