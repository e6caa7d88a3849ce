/**
 * Every shard-local command family. The order fixes each op's index in
 * request batches (src/commands/op-index.ts); both threads import this list.
 */
import type { CommandSpec } from '../../src/commands/spec';
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
import { internalCommands } from './internal';
import { serverInternalCommands } from './server-internal';
import { resultWatchCommands } from './result-watch';
import { transactionShardCommands } from './transactions';
import { blockingInternalCommands } from './blocking';

export const shardFamilies: readonly CommandSpec[] = [
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
  ...internalCommands,
  ...serverInternalCommands,
  ...resultWatchCommands,
  ...transactionShardCommands,
  ...blockingInternalCommands,
];
