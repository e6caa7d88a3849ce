/**
 * Cross-shard coordinators of the keys family.
 */
import type { CoordOp } from '../spec';

export const keyCrossShardOps: Record<string, CoordOp> = {};
