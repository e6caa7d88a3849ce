/**
 * Every shard-local command family. The order fixes each op's index in
 * request batches (src/commands/op-index.ts); both threads import this list.
 */
import type { CommandSpec } from '../../src/commands/spec';
import { stringCommands } from './strings';
import { keyCommands } from './keys';
import { internalCommands } from './internal';
import { serverInternalCommands } from './server-internal';

export const shardFamilies: readonly CommandSpec[] = [...stringCommands, ...keyCommands, ...internalCommands, ...serverInternalCommands];
