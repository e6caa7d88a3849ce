/**
 * The bitmaps family (shard-local rows).
 */
import type { CommandSpec } from '../../src/commands/spec';

export const bitmapCommands: CommandSpec[] = [];
