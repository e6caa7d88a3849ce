/**
 * Every coordinator command family (rows that run on the main thread).
 */
import type { CommandSpec } from './spec';
import { connectionCommands } from './connection';
import { serverCommands } from './server-info';

export const coordFamilies: readonly CommandSpec[] = [...connectionCommands, ...serverCommands];
