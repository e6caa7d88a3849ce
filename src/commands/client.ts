/**
 * CLIENT and its subcommands (connection registry on the main thread).
 */
import type { CommandSpec } from './spec';

export const clientCommands: CommandSpec[] = [];
