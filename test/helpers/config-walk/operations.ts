/**
 * Config-walk checks owned by the operations helper (listpack thresholds,
 * active-expire-effort, lazyfree-*, tracking-table-max-keys, slowlog-*,
 * latency-*, stream-node-*, hll-sparse-max-bytes, timeout, metrics-port).
 * Format: ./types.ts. Parameters missing here are tap todo until the final merge.
 */
import type { CheckTable } from './types';

export const checks: CheckTable = {};
