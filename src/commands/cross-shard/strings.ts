/**
 * Cross-shard coordinators of the strings family.
 */
import type { CoordOp } from '../spec';

export const stringCrossShardOps: Record<string, CoordOp> = {};
