/**
 * Lazy freeing as Redis 7.0 reports it (lazyfree.c). Redis hands a value to
 * a background thread instead of freeing it in place when the value is made
 * of more than LAZYFREE_THRESHOLD allocations and the deletion is lazy:
 * UNLINK always, DEL with lazyfree-lazy-user-del, overwrites with
 * lazyfree-lazy-server-del, expiry with lazyfree-lazy-expire, eviction with
 * lazyfree-lazy-eviction, FLUSHALL/FLUSHDB ASYNC (or lazyfree-lazy-user-flush)
 * for every key. INFO counts those values in lazyfreed_objects.
 *
 * A shard has no allocator to spare: dropping the last reference is all a
 * free is, and V8's collector does the work later on its own. So the choice
 * is the same as Redis's and is counted the same way; nothing is ever
 * pending (lazyfree_pending_objects stays 0).
 */
import type { Value } from './value';
import type { ListValue } from './structures/list';
import type { StreamValue } from './structures/stream';

/** LAZYFREE_THRESHOLD: values made of more allocations than this are freed lazily. */
export const LAZYFREE_THRESHOLD = 64;

/** lazyfreeGetFreeEffort: how many allocations freeing the value takes. */
export function freeEffort(v: Value): number {
  if (typeof v === 'string') return 1;
  switch (v.type) {
    case 'list':
      return (v as ListValue).quicklistNodes();
    case 'set':
    case 'hash':
      return v.encoding() === 'hashtable' ? v.size() : 1;
    case 'zset':
      return v.encoding() === 'skiplist' ? v.size() : 1;
    case 'stream': {
      // Every node is an allocation; so is each group and the entries of its PEL (the first group's PEL as the estimate).
      const s = v as StreamValue;
      let effort = s.nodes.length;
      const first = s.groups.values().next();
      if (!first.done) effort += s.groups.size * (1 + first.value.pel.size);
      return effort;
    }
  }
  return 1;
}

/** Whether a lazy deletion of `v` goes to the background in Redis (and so counts in lazyfreed_objects). */
export function freedLazily(v: Value): boolean {
  return typeof v !== 'string' && freeEffort(v) > LAZYFREE_THRESHOLD;
}
