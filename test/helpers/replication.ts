/**
 * Replication test helpers: a client that keeps writing every kind of
 * command (types, dbs, transactions, scripts, IDs and members the primary
 * chooses) while a replica syncs.
 */
import type { RespClient } from './resp-client';
import { rng, pick } from './differential';

/** Writes of every kind until stopped; returns how many it made. */
export function startWriter(c: RespClient, seed: number): { stop: () => Promise<number>; expiring: [number, string][] } {
  const expiring: [number, string][] = [];
  const r = rng(seed);
  let running = true;
  let n = 0;
  const loop = (async (): Promise<void> => {
    while (running) {
      const batch: (string | number)[][] = [];
      for (let i = 0; i < 50; i++) {
        const k = `w:${Math.floor(r() * 2000)}`;
        const db = pick(r, [0, 0, 0, 1, 5]);
        batch.push(['SELECT', db]);
        switch (Math.floor(r() * 13)) {
          case 0: batch.push(['SET', k, `v${n}`]); break;
          case 1: batch.push(['INCRBY', `${k}:n`, Math.floor(r() * 100)]); break;
          case 2: batch.push(['RPUSH', `${k}:l`, `e${n}`, `f${n}`]); break;
          case 3: batch.push(['HSET', `${k}:h`, `f${n % 30}`, `v${n}`]); break;
          case 4: batch.push(['ZADD', `${k}:z`, Math.floor(r() * 1000) / 8, `m${n % 50}`]); break;
          case 5: batch.push(['SADD', `${k}:s`, `m${n % 40}`]); break;
          // Chosen by the primary: the replica must get the ID and the member it chose.
          case 6: batch.push(['XADD', `${k}:x`, '*', 'f', `${n}`]); break;
          case 7: batch.push(['SPOP', `${k}:s`]); break;
          case 8: batch.push(['SET', `${k}:t`, 'x', 'EX', 100000]); break;
          case 9: batch.push(['MULTI'], ['INCR', `{${k}}a`], ['LPUSH', `{${k}}b`, `${n}`], ['EXEC']); break;
          case 10: batch.push(['EVAL', "redis.call('incr', KEYS[1]); return redis.call('rpush', KEYS[2], ARGV[1])", 2, `{${k}}c`, `{${k}}d`, `${n}`]); break;
          // Expires soon: the primary's expiry must reach the replica as a DEL.
          case 11: batch.push(['SET', `${k}:e`, 'x', 'PX', 1 + Math.floor(r() * 150)]); expiring.push([db, `${k}:e`]); break;
          default: batch.push(['DEL', `${k}:l`]);
        }
        n++;
      }
      await c.pipeline(batch);
    }
  })();
  return {
    expiring,
    stop: async () => {
      running = false;
      await loop;
      return n;
    },
  };
}

