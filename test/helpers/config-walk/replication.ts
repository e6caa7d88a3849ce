/**
 * Config-walk checks owned by the replication helpers (replicaof, masterauth,
 * masteruser, repl-*, replica-*, min-replicas-* and their slave-* aliases).
 * Format: ./types.ts. Parameters missing here are tap todo until the final merge.
 */
import type { CheckTable } from './types';

export const checks: CheckTable = {};
