/**
 * Coordinators for shard-local rows whose keys land on different shards and
 * that no generic split strategy covers (RENAME, COPY, MSETNX, ...), keyed by
 * full command name. Each family keeps its own in src/commands/cross-shard/.
 */
import type { CoordOp } from './spec';
import { stringCrossShardOps } from './cross-shard/strings';
import { keyCrossShardOps } from './cross-shard/keys';
import { sortCrossShardOps } from './cross-shard/sort';

export const crossShardOps: Record<string, CoordOp> = { ...stringCrossShardOps, ...keyCrossShardOps, ...sortCrossShardOps };
