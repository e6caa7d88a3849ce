/**
 * Which helper owns a parameter's walk entry (see ./types.ts), so that a
 * missing entry of an owner whose branch is not merged yet is reported as
 * tap todo, by name, rather than failing the walk.
 */
const OPERATIONS = [
  /^(hash|zset|set|list)-max-/, /^list-compress-depth$/, /^active-expire-effort$/, /^lazyfree-/,
  /^tracking-table-max-keys$/, /^slowlog-/, /^latency-/, /^stream-node-/, /^hll-sparse-max-bytes$/,
  /^timeout$/, /^metrics-port$/,
];
const REPLICATION = [/^replicaof$/, /^slaveof$/, /^master(auth|user)$/, /^repl-/, /^replica-/, /^slave-/, /^min-(replicas|slaves)-/];

export type Owner = 'operations' | 'replication' | 'security';

export function ownerOf(name: string): Owner {
  if (OPERATIONS.some((re) => re.test(name))) return 'operations';
  if (REPLICATION.some((re) => re.test(name))) return 'replication';
  return 'security';
}

/**
 * Owners whose missing entries are still todo: the lead empties this at the
 * final merge, after which every parameter without an entry fails the walk.
 */
export const TODO_OWNERS: readonly Owner[] = [];
