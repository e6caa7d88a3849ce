import t from 'tap';
import { startShardis, WORKER_MATRIX } from './helpers/servers';
import { connectResp } from './helpers/resp-client';

for (const workers of WORKER_MATRIX) {
  t.test(`basic round trip with --workers ${workers}`, async (t) => {
    const srv = await startShardis(t, { workers });
    const c = await connectResp(t, srv.port);
    t.equal(await c.call('PING'), 'PONG');
    t.equal(await c.call('SET', 'k', 'v'), 'OK');
    t.equal(await c.call('GET', 'k'), 'v');
    const keys = Array.from({ length: 50 }, (_, i) => `key:${i}`);
    t.equal(await c.call('MSET', ...keys.flatMap((k) => [k, `val-${k}`])), 'OK');
    t.same(await c.call('MGET', ...keys, 'missing'), [...keys.map((k) => `val-${k}`), null]);
    t.equal(await c.call('DEL', ...keys), 50);
    t.equal(await c.call('DBSIZE'), 1);
  });
}
