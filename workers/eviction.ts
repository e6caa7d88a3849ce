/**
 * maxmemory: keeps a shard's accounted memory under its share of the limit
 * by evicting keys chosen as Redis 7 chooses them: sample
 * maxmemory-samples keys per database, score them (idle time for LRU,
 * 255 - frequency for LFU, how soon the TTL ends for volatile-ttl), keep the
 * best candidates in an eviction pool of 16 that survives between rounds,
 * and evict the best one; random policies take a random key. The volatile
 * policies only ever look at keys with a TTL.
 */
import type { ShardState } from './shard-state';
import type { Db } from './db';
import { NOTIFY } from '../src/core/notify';

/** Redis's EVPOOL_SIZE. */
const POOL_SIZE = 16;

interface Candidate {
  score: number;
  db: Db;
  key: string;
}

/** Candidates kept between rounds, best (highest score) last. One pool per shard. */
const pools = new WeakMap<ShardState, Candidate[]>();

function score(policy: string, db: Db, key: string): number | undefined {
  if (policy.endsWith('-lru')) return db.idleTicks(key);
  if (policy.endsWith('-lfu')) {
    const c = db.lfuCounter(key);
    return c === undefined ? undefined : 255 - c;
  }
  // volatile-ttl: the sooner it expires, the better a candidate.
  const at = db.getExpire(key);
  return at === undefined ? undefined : Number.MAX_SAFE_INTEGER - at;
}

function fillPool(shard: ShardState, pool: Candidate[], policy: string, volatile: boolean): void {
  const samples = shard.settings.maxmemorySamples;
  for (const db of shard.dbs) {
    if (db === undefined || (volatile ? db.expires.size === 0 : db.size === 0)) continue;
    const keys = volatile ? db.sampleVolatileKeys(samples) : db.sampleKeys(samples);
    for (const key of keys) {
      if (pool.some((c) => c.db === db && c.key === key)) continue;
      const s = score(policy, db, key);
      if (s === undefined) continue;
      if (pool.length >= POOL_SIZE && s <= pool[0].score) continue;
      let at = 0;
      while (at < pool.length && pool[at].score < s) at++;
      pool.splice(at, 0, { score: s, db, key });
      if (pool.length > POOL_SIZE) pool.shift();
    }
  }
}

/** Picks the next key to evict, or undefined when the policy finds none. */
function pickVictim(shard: ShardState, now: number): { db: Db; key: string } | undefined {
  const policy = shard.settings.maxmemoryPolicy;
  const volatile = policy.startsWith('volatile-');
  if (policy.endsWith('-random')) {
    const dbs = shard.dbs.filter((d): d is Db => d !== undefined && (volatile ? d.expires.size > 0 : d.size > 0));
    if (dbs.length === 0) return undefined;
    const db = dbs[Math.floor(Math.random() * dbs.length)];
    const key = volatile ? db.sampleVolatileKeys(1)[0] : db.randomKey(now);
    return key === undefined ? undefined : { db, key };
  }
  let pool = pools.get(shard);
  if (pool === undefined) {
    pool = [];
    pools.set(shard, pool);
  }
  fillPool(shard, pool, policy, volatile);
  // The best candidate that still exists (a pool entry may have been deleted or lost its TTL since).
  while (pool.length > 0) {
    const c = pool.pop() as Candidate;
    if (c.db.peek(c.key, now) === undefined) continue;
    if (volatile && c.db.getExpire(c.key) === undefined) continue;
    return { db: c.db, key: c.key };
  }
  return undefined;
}

/**
 * Evicts until the shard is under its limit, or until this call's budget
 * (maxmemory-eviction-tenacity) is spent. Returns false when it cannot get
 * under (noeviction, or nothing the policy may evict): write commands that
 * may grow memory are then refused with -OOM.
 */
export function performEvictions(shard: ShardState, now: number): boolean {
  const outcome = evict(shard, now);
  const st = shard.stats;
  // INFO's eviction exceeded time, as Redis's update_metrics: from a call that left the shard over its
  // limit (refusing, or still evicting) until one that finds it under.
  if (outcome === 'under') {
    if (st.evictionExceededSince !== 0) {
      st.evictionExceededMicros += (performance.now() - st.evictionExceededSince) * 1000;
      st.evictionExceededSince = 0;
    }
  } else if (st.evictionExceededSince === 0) st.evictionExceededSince = performance.now();
  return outcome !== 'refuse';
}

/** Under the limit (already, or after evicting), still over it with evictions going on, or over it with nothing to evict. */
function evict(shard: ShardState, now: number): 'under' | 'running' | 'refuse' {
  const limit = shard.memoryLimit;
  if (limit === 0 || shard.memory.used <= limit) return 'under';
  if (shard.settings.maxmemoryPolicy === 'noeviction') return 'refuse';
  // Bounded work per call, like Redis's eviction time limit (which tenacity scales): a huge
  // overshoot is paid over several commands. Tenacity 10 (the default) allows 10,000 keys, 100 no bound.
  const tenacity = shard.settings.maxmemoryEvictionTenacity;
  const budget = tenacity >= 100 ? Infinity : Math.max(16, tenacity * 1000);
  for (let n = 0; n < budget && shard.memory.used > limit; n++) {
    const victim = pickVictim(shard, now);
    if (victim === undefined) return 'refuse';
    const dbIndex = victim.db.dbIndex;
    if (shard.settings.lazyfree.eviction) {
      const v = victim.db.peek(victim.key, now);
      if (v !== undefined) shard.lazyFree(v);
    }
    victim.db.delete(victim.key);
    shard.stats.evictedKeys++;
    if (shard.signals.size !== 0) shard.signals.signal(dbIndex, victim.key);
    shard.notify(NOTIFY.evicted, 'evicted', victim.key, dbIndex);
    shard.propagateDel(dbIndex, victim.key);
  }
  // Over the limit only because the budget ran out: eviction is still making progress, so the
  // command runs (Redis's EVICT_RUNNING); the next ones evict more.
  return shard.memory.used <= limit ? 'under' : 'running';
}

export const ERR_OOM = "OOM command not allowed when used memory > 'maxmemory'.";
