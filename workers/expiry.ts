/**
 * Active expiry: reclaims keys whose TTL passed even if nobody reads them.
 * Lazy expiry (Db.get/peek) handles keys that are read.
 *
 * Each cycle walks every db's `expires` map from where the last cycle stopped
 * (a Map iterator stays valid while the map changes) and deletes expired keys,
 * within a time budget so a shard with millions of TTLs never stalls requests.
 */
import type { ShardState } from './shard-state';

const CHECK_CLOCK_EVERY = 64;

export function activeExpireCycle(state: ShardState, now: number, budgetMs: number): number {
  const deadline = performance.now() + budgetMs;
  let expired = 0;
  for (const db of state.dbs) {
    if (db === undefined || db.expires.size === 0) continue;
    let it = db.expireCursor ?? db.expires.entries();
    let checked = 0;
    // Visit at most the whole map once per cycle.
    const limit = db.expires.size;
    while (checked < limit) {
      const next = it.next();
      if (next.done) {
        it = db.expires.entries();
        db.expireCursor = null;
        break;
      }
      checked++;
      const [key, at] = next.value;
      if (at <= now) {
        db.expireKey(key);
        expired++;
      }
      if (checked % CHECK_CLOCK_EVERY === 0 && performance.now() > deadline) break;
    }
    db.expireCursor = it;
    if (performance.now() > deadline) break;
  }
  return expired;
}
