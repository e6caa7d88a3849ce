/**
 * Expiry: lazy (a read of an expired key finds nothing and reclaims it),
 * active (keys nobody reads are reclaimed by the shard's hz cycle), and the
 * TTL family's replies.
 */
import t from 'tap';
import { startShardis, WORKER_MATRIX } from './helpers/servers';
import { connectResp } from './helpers/resp-client';
import { sleep } from './helpers/util';

for (const workers of WORKER_MATRIX) {
  t.test(`expiry with --workers ${workers}`, async (t) => {
    const srv = await startShardis(t, { workers });
    const c = await connectResp(t, srv.port);

    t.test('lazy expiry hides and reclaims a key on access', async (t) => {
      await c.call('FLUSHALL');
      const r = await c.pipeline([['SET', 'lazy', 'v', 'PX', '200'], ['SET', 'lazy2', 'v', 'PX', '200'], ['GET', 'lazy']]);
      t.equal(r[2], 'v');
      await sleep(220);
      t.equal(await c.call('GET', 'lazy'), null);
      t.equal(await c.call('EXISTS', 'lazy2'), 0);
      t.equal(await c.call('TTL', 'lazy2'), -2);
      t.equal(await c.call('TYPE', 'lazy2'), 'none');
      t.same(await c.call('KEYS', '*'), []);
      t.same(await c.call('SCAN', '0'), ['0', []]);
      t.same(await c.call('RENAME', 'lazy2', 'x'), { error: 'ERR no such key' });
      t.equal(await c.call('DBSIZE'), 0);
    });

    t.test('5,000 unread keys with a 100 ms TTL are reclaimed by the active cycle', async (t) => {
      await c.call('FLUSHALL');
      const cmds: string[][] = Array.from({ length: 5000 }, (_, i) => ['SET', `act:${i}`, 'v', 'PX', '100']);
      const filled = await c.pipeline([...cmds, ['DBSIZE']]);
      t.ok((filled[5000] as number) > 0, 'the keys were there');
      // Also some in another db and some that must survive.
      await c.call('SELECT', '3');
      await c.pipeline(Array.from({ length: 500 }, (_, i) => ['SET', `db3:${i}`, 'v', 'PX', '100']));
      await c.call('SET', 'keep3', 'v');
      await c.call('SELECT', '0');
      await c.call('SET', 'keep', 'v', 'EX', '1000');
      const c3 = await connectResp(t, srv.port);
      await c3.call('SELECT', '3');
      const started = Date.now();
      let sizes: unknown[] = [];
      while (Date.now() - started < 3000) {
        sizes = [await c.call('DBSIZE'), await c3.call('DBSIZE')];
        if (sizes[0] === 1 && sizes[1] === 1) break;
        await sleep(50);
      }
      t.same(sizes, [1, 1], `reclaimed in ${Date.now() - started} ms without reads`);
      t.equal(await c.call('GET', 'keep'), 'v');
      t.equal(await c3.call('GET', 'keep3'), 'v');
    });

    t.test('DBSIZE counts logically expired keys until they are reclaimed', async (t) => {
      await c.call('FLUSHALL');
      const r = await c.pipeline([...Array.from({ length: 50 }, (_, i) => ['SET', `d:${i}`, 'v', 'PX', '300']), ['DBSIZE']]);
      t.equal(r[50], 50);
      await sleep(310);
      // Whatever the active cycle has not reclaimed yet still counts, as in Redis; reads never see them.
      t.ok(((await c.call('DBSIZE')) as number) <= 50);
      t.equal(await c.call('EXISTS', ...Array.from({ length: 50 }, (_, i) => `d:${i}`)), 0);
      t.equal(await c.call('DBSIZE'), 0, 'reads reclaimed the rest');
    });

    t.test('TTL, PTTL, EXPIRETIME, PEXPIRETIME', async (t) => {
      await c.call('FLUSHALL');
      t.equal(await c.call('TTL', 'none'), -2);
      t.equal(await c.call('PTTL', 'none'), -2);
      t.equal(await c.call('EXPIRETIME', 'none'), -2);
      t.equal(await c.call('PEXPIRETIME', 'none'), -2);
      await c.call('SET', 'k', 'v');
      t.equal(await c.call('TTL', 'k'), -1);
      t.equal(await c.call('PEXPIRETIME', 'k'), -1);
      const before = Date.now();
      t.equal(await c.call('EXPIRE', 'k', '100'), 1);
      t.ok([99, 100].includes((await c.call('TTL', 'k')) as number), 'TTL rounds to the nearest second');
      const pttl = (await c.call('PTTL', 'k')) as number;
      t.ok(pttl > 99000 && pttl <= 100000, `PTTL ${pttl}`);
      const pat = (await c.call('PEXPIRETIME', 'k')) as number;
      t.ok(pat >= before + 100000 && pat <= Date.now() + 100000, 'PEXPIRETIME is absolute');
      t.equal(await c.call('EXPIRETIME', 'k'), Math.floor((pat + 500) / 1000), 'EXPIRETIME rounds');
      t.equal(await c.call('PEXPIREAT', 'k', '4102444800123'), 1);
      t.equal(await c.call('PEXPIRETIME', 'k'), 4102444800123);
      t.equal(await c.call('EXPIRETIME', 'k'), 4102444800);
      t.equal(await c.call('PEXPIREAT', 'k', '9223372036854775807'), 1);
      const raw = await c.sendRaw('*2\r\n$11\r\nPEXPIRETIME\r\n$1\r\nk\r\n');
      t.ok(raw.length === 1 && c.raw.toString().endsWith(':9223372036854775807\r\n'), 'a deadline beyond 2^53 is echoed exactly');
      t.same(await c.call('EXPIRE', 'k', '9223372036854775807'), { error: "ERR invalid expire time in 'expire' command" });
      t.same(await c.call('EXPIRE', 'k', '9223372036854775'), { error: "ERR invalid expire time in 'expire' command" });
      t.same(await c.call('PEXPIRE', 'k', '9223372036854775807'), { error: "ERR invalid expire time in 'pexpire' command" });
      t.same(await c.call('EXPIREAT', 'k', '-9223372036854775808'), { error: "ERR invalid expire time in 'expireat' command" });
      t.same(await c.call('EXPIRE', 'k', 'abc'), { error: 'ERR value is not an integer or out of range' });
      t.same(await c.call('EXPIRE', 'k', '10', 'nx', 'xx'), { error: 'ERR NX and XX, GT or LT options at the same time are not compatible' });
      t.same(await c.call('EXPIRE', 'k', 'abc', 'gt', 'lt'), { error: 'ERR GT and LT options at the same time are not compatible' });
      t.same(await c.call('EXPIRE', 'k', '10', 'foo'), { error: 'ERR Unsupported option foo' });
      t.same(await c.call('EXPIRE', 'k'), { error: "ERR wrong number of arguments for 'expire' command" });
    });

    t.test('EXPIRE conditions, past deadlines, PERSIST, SET clears TTL', async (t) => {
      await c.call('FLUSHALL');
      await c.call('SET', 'k', 'v');
      t.equal(await c.call('EXPIRE', 'missing', '100'), 0);
      t.equal(await c.call('EXPIRE', 'k', '100', 'XX'), 0, 'XX needs a TTL');
      t.equal(await c.call('EXPIRE', 'k', '100', 'GT'), 0, 'no TTL is infinite: never greater');
      t.equal(await c.call('EXPIRE', 'k', '100', 'LT'), 1, 'no TTL is infinite: anything is less');
      t.equal(await c.call('EXPIRE', 'k', '50', 'NX'), 0);
      t.equal(await c.call('EXPIRE', 'k', '200', 'GT'), 1);
      t.ok([199, 200].includes((await c.call('TTL', 'k')) as number));
      t.equal(await c.call('EXPIRE', 'k', '300', 'LT'), 0);
      t.equal(await c.call('EXPIRE', 'k', '300', 'XX', 'GT'), 1);
      t.equal(await c.call('PERSIST', 'k'), 1);
      t.equal(await c.call('PERSIST', 'k'), 0);
      t.equal(await c.call('PERSIST', 'missing'), 0);
      t.equal(await c.call('TTL', 'k'), -1);
      await c.call('EXPIRE', 'k', '100');
      await c.call('SET', 'k', 'v2');
      t.equal(await c.call('TTL', 'k'), -1, 'SET clears the TTL');
      await c.call('EXPIRE', 'k', '100');
      await c.call('SET', 'k', 'v3', 'KEEPTTL');
      t.ok([99, 100].includes((await c.call('TTL', 'k')) as number), 'KEEPTTL keeps it');
      t.equal(await c.call('EXPIRE', 'k', '-1'), 1, 'a past deadline deletes');
      t.equal(await c.call('EXISTS', 'k'), 0);
      await c.call('SET', 'k', 'v');
      t.equal(await c.call('PEXPIRE', 'k', '0'), 1);
      t.equal(await c.call('GET', 'k'), null);
      await c.call('SET', 'k', 'v');
      t.equal(await c.call('EXPIREAT', 'k', '1'), 1);
      t.equal(await c.call('DBSIZE'), 0, 'deleted at once, not left for the expiry cycle');
      await c.call('SET', 'k', 'v');
      t.equal(await c.call('PEXPIREAT', 'k', String(Date.now() + 100000)), 1);
      t.ok(((await c.call('TTL', 'k')) as number) >= 99);
      // MOVE and COPY carry the TTL.
      t.equal(await c.call('MOVE', 'k', '1'), 1);
      await c.call('SELECT', '1');
      t.ok(((await c.call('TTL', 'k')) as number) >= 99);
      t.equal(await c.call('COPY', 'k', 'k2'), 1);
      t.ok(((await c.call('TTL', 'k2')) as number) >= 99);
      await c.call('SELECT', '0');
    });
  });
}
