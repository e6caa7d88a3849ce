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

/**
 * active-expire-effort (1-10) scales the cycle as in Redis's
 * activeExpireCycle, with effort = setting - 1: keys looked at per batch
 * (ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP 20, plus a quarter of it per step), the
 * share of expired keys in a batch below which the cycle moves on
 * (ACTIVE_EXPIRE_CYCLE_ACCEPTABLE_STALE 10%, minus a point per step) and the
 * share of the cycle's period it may take (ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC
 * 25%, plus two points per step).
 */
export function expireCycleParams(activeExpireEffort: number): { batch: number; repeatShare: number; timeShare: number } {
  const effort = Math.min(9, Math.max(0, activeExpireEffort - 1));
  return { batch: 20 + 5 * effort, repeatShare: (10 - effort) / 100, timeShare: (25 + 2 * effort) / 100 };
}
/**
 * Keys always looked at per db per cycle (a few tens of microseconds), so
 * expired keys sitting behind a long run of live TTLs are still reached soon.
 */
const MIN_PER_CYCLE = 1000;

/** One cycle; `periodMs` is the time between cycles (1000 / hz), of which it may take its effort's share. */
export function activeExpireCycle(state: ShardState, now: number, periodMs: number): number {
  const { batch, repeatShare, timeShare } = expireCycleParams(state.settings.activeExpireEffort);
  // A replica's keys expire by its master's DELs (Redis runs the active cycle on masters only).
  if (state.settings.replica) return 0;
  const start = performance.now();
  const deadline = start + periodMs * timeShare;
  let expired = 0;
  try {
    expired = walk(state, now, deadline, batch, repeatShare);
  } finally {
    state.stats.expireCycleMicros += (performance.now() - start) * 1000;
  }
  return expired;
}

/** The cycle's walk over the dbs' TTLs until done or past `deadline` (then counted, as Redis's timelimit_exit). */
function walk(state: ShardState, now: number, deadline: number, batch: number, repeatShare: number): number {
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
      while (batchChecked < batch && left > 0) {
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
      if (checked >= MIN_PER_CYCLE && batchExpired <= batchChecked * repeatShare) break;
      if (performance.now() > deadline) break;
    }
    db.expireCursor = it;
    if (performance.now() > deadline) {
      state.stats.expireTimeCapReached++;
      break;
    }
  }
  return expired;
}
