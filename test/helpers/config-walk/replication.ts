/**
 * Config-walk checks owned by the replication helpers (replicaof, masterauth,
 * masteruser, repl-*, replica-*, min-replicas-* and their slave-* aliases).
 * Format: ./types.ts. Parameters missing here are tap todo until the final merge.
 */
import type { CheckTable } from './types';
import { replicaChecks } from './replication-replica';

export const checks: CheckTable = {
  // The replica side's parameters (replicaof, masterauth, masteruser, replica-*, repl-timeout).
  ...replicaChecks,
};
