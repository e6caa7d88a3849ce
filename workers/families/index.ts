/**
 * Every shard op, by the name rows refer to it (src/core/commands/: a row's
 * `op`, by default its full name). workers/ops.ts binds them to the rows.
 */
import type { ShardOps } from '../op-context';
import { stringOps } from './strings';
import { keyOps } from './keys';
import { dumpOps } from './dump';
import { hashOps } from './hashes';
import { listOps } from './lists';
import { setOps } from './sets';
import { zsetOps } from './zsets';
import { bitmapOps } from './bitmaps';
import { hyperloglogOps } from './hyperloglog';
import { streamOps } from './streams';
import { sortOps } from './sort';

export const shardOps: ShardOps = {
  ...stringOps,
  ...keyOps,
  ...dumpOps,
  ...hashOps,
  ...listOps,
  ...setOps,
  ...zsetOps,
  ...bitmapOps,
  ...hyperloglogOps,
  ...streamOps,
  ...sortOps,
};
