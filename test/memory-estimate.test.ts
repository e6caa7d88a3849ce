/**
 * INFO used_memory follows collections written in place whether or not
 * maxmemory is set: without a limit their estimates are put off until INFO
 * asks (workers/db.ts settleSizes), with one they are made at every write
 * (eviction reads the total after each).
 */
import t from 'tap';
import { RespClient } from './helpers/resp-client';
import { startShardis } from './helpers/servers';
import { infoNumber } from './helpers/info';

for (const maxmemory of ['0', '1gb']) {
  t.test(`maxmemory ${maxmemory}`, async (t) => {
    const srv = await startShardis(t, { workers: 1 });
    const c = await RespClient.connect(srv.port);
    t.teardown(() => c.close());
    await c.call('CONFIG', 'SET', 'maxmemory', maxmemory);
    await c.call('RPUSH', 'list', 'x');
    const before = await infoNumber(c, 'memory', 'used_memory');
    const value = 'v'.repeat(100);
    // Written in place, 2,000 times: the list grows by ~200 KB.
    for (let i = 0; i < 20; i++) await c.call('RPUSH', 'list', ...Array.from({ length: 100 }, () => value));
    const grown = await infoNumber(c, 'memory', 'used_memory');
    t.ok(grown - before > 150_000, `used_memory grew with the list (${grown - before} bytes)`);
    const usage = (await c.call('MEMORY', 'USAGE', 'list')) as number;
    for (let i = 0; i < 2000; i++) await c.call('RPOP', 'list');
    const shrunk = await infoNumber(c, 'memory', 'used_memory');
    t.ok(grown - shrunk > usage / 2, `and shrank when it was emptied in place (${grown - shrunk} of ${usage} bytes)`);
  });
}
