/**
 * Active expiry: reclaims keys whose TTL passed even if nobody reads them.
 * Lazy expiry (Db.get/peek) handles keys that are read.
 *
 * Each cycle walks every db's `expires` map from where the last cycle stopped
 * (a Map iterator stays valid while the map changes, and wraps around here),
 * in batches of keys. Like Redis's cycle it is adaptive: it goes on to the
 * next batch only while a good share of the last batch had expired, so a db
 * full of long-lived TTLs costs a few checks per cycle, while a mass expiry
 * is reclaimed at full speed. A time budget bounds every cycle, so a shard
 * with millions of TTLs never stalls requests.
 */
import type { ShardState } from './shard-state';

/** Keys looked at per batch (Redis's ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP). */
const BATCH = 20;
/** Go on with another batch while more than this share of the last one had expired. */
const REPEAT_SHARE = 0.1;
/**
 * Keys always looked at per db per cycle (a few tens of microseconds), so
 * expired keys sitting behind a long run of live TTLs are still reached soon.
 */
const MIN_PER_CYCLE = 1000;

export function activeExpireCycle(state: ShardState, now: number, budgetMs: number): number {
  const deadline = performance.now() + budgetMs;
  let expired = 0;
  for (const db of state.dbs) {
    if (db === undefined || db.expires.size === 0) continue;
    let it = db.expireCursor ?? db.expires.entries();
    // Visit at most the whole map once per cycle.
    let left = db.expires.size;
    let checked = 0;
    for (;;) {
      let batchExpired = 0;
      let batchChecked = 0;
      while (batchChecked < BATCH && left > 0) {
        let next = it.next();
        if (next.done) {
          it = db.expires.entries();
          next = it.next();
          if (next.done) break;
        }
        batchChecked++;
        left--;
        const [key, at] = next.value;
        if (at <= now) {
          db.expireKey(key);
          batchExpired++;
        }
      }
      expired += batchExpired;
      checked += batchChecked;
      if (left <= 0 || batchChecked === 0) break;
      if (checked >= MIN_PER_CYCLE && batchExpired <= batchChecked * REPEAT_SHARE) break;
      if (performance.now() > deadline) break;
    }
    db.expireCursor = it;
    if (performance.now() > deadline) break;
  }
  return expired;
}
