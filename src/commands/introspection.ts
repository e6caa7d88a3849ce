/**
 * COMMAND and its subcommands, read from the command table.
 */
import type { CommandSpec } from './spec';

export const introspectionCommands: CommandSpec[] = [];
