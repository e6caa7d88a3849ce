/**
 * Which shard a key lands on with `n` shards (as the server routes it), for
 * tests that need keys on the same or on different shards.
 */
import { keyHashSlot, slotToShard } from '../../src/core/routing/slot';

export function shardOf(key: string | Buffer, n: number): number {
  return n <= 1 ? 0 : slotToShard(keyHashSlot(typeof key === 'string' ? Buffer.from(key, 'latin1') : key), n);
}

/** `count` key names starting with `prefix`, each on a different shard while there are shards left. */
export function keysOnDifferentShards(prefix: string, count: number, n: number): string[] {
  const out: string[] = [];
  const used = new Set<number>();
  for (let i = 0; out.length < count; i++) {
    const k = `${prefix}${i}`;
    const s = shardOf(k, n);
    if (n > 1 && used.has(s) && used.size < n) continue;
    used.add(s);
    out.push(k);
  }
  return out;
}

/** The first key name `${prefix}N` on another shard than `other` (`${prefix}0` when there is one shard). */
export function keyOnAnotherShard(prefix: string, other: string | Buffer, n: number): string {
  for (let i = 0; ; i++) {
    const k = `${prefix}${i}`;
    if (n <= 1 || shardOf(k, n) !== shardOf(other, n)) return k;
  }
}
