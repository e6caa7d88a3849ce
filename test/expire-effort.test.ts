/**
 * active-expire-effort reaches the active expiry cycle (workers/expiry.ts):
 * one cycle over a db where every 20th TTL key has expired. At effort 1 the
 * cycle stops once batches come back mostly live (Redis's acceptable stale
 * share, 9%); at effort 10 it accepts no stale keys and goes through the
 * whole map. Engine-level: the cycle is run directly, with a time budget
 * that cannot run out, so the outcome does not depend on the machine.
 */
import t from 'tap';
import { EngineHarness } from './helpers/engine';
import { activeExpireCycle, expireCycleParams } from '../workers/expiry';

function oneCycle(effort: number): { expired: number; left: number } {
  const h = new EngineHarness({ activeExpireEffort: effort });
  try {
    for (let i = 0; i < 10_000; i++) h.run('SET', `k${i}`, 'v', 'PX', i % 20 === 0 ? '1' : '1000000');
    const until = Date.now() + 5;
    while (Date.now() < until) { /* let the short TTLs pass */ }
    const expired = activeExpireCycle(h.engine.state, Date.now(), 1_000_000);
    return { expired, left: h.engine.state.dbs[0]?.expires.size ?? 0 };
  } finally {
    h.close();
  }
}

t.test('the cycle parameters follow Redis (keys per loop, acceptable stale, time share)', async (t) => {
  t.same(expireCycleParams(1), { batch: 20, repeatShare: 0.1, timeShare: 0.25 });
  t.same(expireCycleParams(10), { batch: 65, repeatShare: 0.01, timeShare: 0.43 });
});

t.test('a higher effort reclaims more expired keys in one cycle', async (t) => {
  const low = oneCycle(1);
  const high = oneCycle(10);
  t.equal(high.expired, 500, 'effort 10: every expired key reclaimed in one cycle');
  t.ok(low.expired < high.expired / 2, `effort 1 stops early (${low.expired} of 500)`);
  t.ok(low.expired > 0, 'effort 1 reclaims some');
});
