/**
 * Moving keys between shards: dump a key's value (type, serialized contents,
 * deadline) from the shard that owns it, restore it on the shard that owns
 * another name, or delete it. The scratch executor and the cross-shard
 * coordinators (COPY, SORT ... STORE) are built on these; they run under the
 * shard lock, so nobody sees a key half moved.
 */
import type { DumpedValue } from '../core/shard-protocol';
import type { ShardSet } from '../shard-clients/shard-set';

/** The key's value in database `db`, or null when it does not exist. */
export function dumpKey(shards: ShardSet, key: string, db: number, read = false): Promise<DumpedValue | null> {
  return shards.call(shards.router.shardOf(key), 'dump', read ? { key, read } : { key }, { db });
}

/**
 * Stores a dumped value; mode `nx` keeps an existing key. Resolves with
 * whether it stored. `change`: the command's own write (COPY), counted as
 * one change (INFO rdb_changes_since_last_save); a write-back is not.
 */
export function restoreKey(shards: ShardSet, key: string, db: number, value: DumpedValue, mode: 'replace' | 'nx', change = false): Promise<boolean> {
  return shards.call(shards.router.shardOf(key), 'restore', { key, value, mode, change }, { db });
}

/** Removes a key without the `del` notification DEL would raise (the command raises its own). */
export function deleteKey(shards: ShardSet, key: string, db: number): Promise<boolean> {
  return shards.call(shards.router.shardOf(key), 'delete', { key }, { db });
}
