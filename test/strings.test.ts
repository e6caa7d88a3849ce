/**
 * The string family over TCP with every worker count: SET and its options,
 * the GET variants, counters, INCRBYFLOAT formatting, ranges, MSET/MSETNX/MGET
 * and LCS with keys on different shards, TTL rules of every write, and
 * binary-safe values (all 256 byte values) through ioredis and RespClient.
 */
import t from 'tap';
import { startShardis, WORKER_MATRIX } from './helpers/servers';
import { connectIoredis } from './helpers/ioredis';
import { RespClient, connectResp } from './helpers/resp-client';
import { shardOf, keyOnAnotherShard } from './helpers/shards';
import { err, sleep } from './helpers/util';

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

async function pttl(c: RespClient, key: string): Promise<number> {
  return (await c.call('PTTL', key)) as number;
}

for (const workers of WORKER_MATRIX) {
  t.test(`strings with --workers ${workers}`, async (t) => {
    const srv = await startShardis(t, { workers });
    const c = await connectResp(t, srv.port);
    // stringNumbers: integers past 2^53 must arrive exactly.
    const io = await connectIoredis(t, srv.port, { stringNumbers: true });

    t.test('SET options', async (t) => {
      t.equal(await c.call('SET', 'k', 'v'), 'OK');
      t.equal(await c.call('SET', 'k', 'w', 'NX'), null);
      t.equal(await c.call('SET', 'k', 'w', 'XX'), 'OK');
      t.equal(await c.call('SET', 'nk', 'w', 'XX'), null);
      t.equal(await c.call('EXISTS', 'nk'), 0);
      t.equal(await c.call('SET', 'k', 'x', 'GET'), 'w');
      t.equal(await c.call('SET', 'nk', 'x', 'GET'), null);
      t.equal(await c.call('GET', 'nk'), 'x');
      // NX with GET is allowed since 7.0: the old value comes back, nothing is set.
      t.equal(await c.call('SET', 'k', 'y', 'NX', 'GET'), 'x');
      t.equal(await c.call('GET', 'k'), 'x');
      t.equal(await c.call('SET', 'nx2', 'y', 'NX', 'GET'), null);
      t.equal(await c.call('GET', 'nx2'), 'y');
      t.equal(await c.call('SET', 'k', 'v', 'nx', 'nx'), null, 'repeating an option is fine');
      t.same(await c.call('SET', 'k', 'v', 'NX', 'XX'), err('ERR syntax error'));
      t.same(await c.call('SET', 'k', 'v', 'KEEPTTL', 'EX', '10'), err('ERR syntax error'));
      t.same(await c.call('SET', 'k', 'v', 'EX', '10', 'PX', '10'), err('ERR syntax error'));
      t.same(await c.call('SET', 'k', 'v', 'EX'), err('ERR syntax error'));
      t.same(await c.call('SET', 'k', 'v', 'PERSIST'), err('ERR syntax error'));
      t.same(await c.call('SET', 'k', 'v', 'EX', 'abc', 'NX', 'XX'), err('ERR syntax error'), 'syntax is checked before the expire value');
      t.same(await c.call('SET', 'k', 'v', 'EX', 'abc'), err('ERR value is not an integer or out of range'));
      t.same(await c.call('SET', 'k', 'v', 'EX', '0'), err("ERR invalid expire time in 'set' command"));
      t.same(await c.call('SET', 'k', 'v', 'PX', '-5'), err("ERR invalid expire time in 'set' command"));
      t.same(await c.call('SET', 'k', 'v', 'EX', '9223372036854775'), err("ERR invalid expire time in 'set' command"), 'overflow once made absolute');
      t.same(await c.call('SET', 'k', 'v', 'PX', '9223372036854775807'), err("ERR invalid expire time in 'set' command"));
      t.equal(await c.call('SET', 'k', 'v', 'EXAT', '9223372036854775'), 'OK', 'a huge absolute deadline is fine');
      t.equal(await c.call('SET', 'k', 'v', 'PXAT', '1'), 'OK');
      t.equal(await c.call('GET', 'k'), null, 'a deadline in the past removes the key');
      t.same(await c.call('SET', 'k'), err("ERR wrong number of arguments for 'set' command"));
    });

    t.test('GET variants', async (t) => {
      await c.call('SET', 'g', 'hello');
      t.equal(await c.call('GETDEL', 'g'), 'hello');
      t.equal(await c.call('GETDEL', 'g'), null);
      t.equal(await c.call('EXISTS', 'g'), 0);
      t.equal(await c.call('GETSET', 'g', 'a'), null);
      t.equal(await c.call('GETSET', 'g', 'b'), 'a');
      t.equal(await c.call('GET', 'g'), 'b');
      t.equal(await c.call('SETNX', 'g', 'c'), 0);
      t.equal(await c.call('SETNX', 'g2', 'c'), 1);
      t.equal(await c.call('GET', 'g2'), 'c');
      t.equal(await c.call('GETEX', 'g'), 'b');
      t.equal(await c.call('GETEX', 'missing', 'EX', 'abc'), null, 'a missing key answers nil before the value is checked');
      t.same(await c.call('GETEX', 'g', 'EX', 'abc'), err('ERR value is not an integer or out of range'));
      t.same(await c.call('GETEX', 'g', 'EX', '0'), err("ERR invalid expire time in 'getex' command"));
      t.same(await c.call('GETEX', 'g', 'PERSIST', 'EX', '10'), err('ERR syntax error'));
      t.same(await c.call('GETEX', 'g', 'KEEPTTL'), err('ERR syntax error'));
      t.same(await c.call('GETEX', 'missing', 'NX'), err('ERR syntax error'));
      t.equal(await c.call('GETEX', 'g', 'PXAT', '1'), 'b', 'the value comes back even though the key goes');
      t.equal(await c.call('EXISTS', 'g'), 0);
      t.same(await c.call('GETDEL', 'a', 'b'), err("ERR wrong number of arguments for 'getdel' command"));
    });

    t.test('TTL rules of every write', async (t) => {
      // Expiry itself (no PTTL needed): a kept TTL makes the key vanish, a cleared one does not.
      // One pipelined write, so the whole setup takes far less than the TTL even on a loaded machine.
      const setup: (string | number)[][] = [
        ['SET', 'e1', 'v', 'PX', 600], ['APPEND', 'e1', 'w'],
        ['SET', 'e2', '1', 'PX', 600], ['INCR', 'e2'],
        ['SET', 'e3', 'v', 'PX', 600], ['SET', 'e3', 'v2'],
        ['SET', 'e4', 'v', 'PX', 600], ['GETSET', 'e4', 'v2'],
        ['SET', 'e5', 'v', 'PX', 600], ['SET', 'e5', 'v2', 'KEEPTTL'],
        ['SET', 'e6', 'abc', 'PX', 600], ['SETRANGE', 'e6', 1, 'X'],
        ['SET', 'e7', '1.5', 'PX', 600], ['INCRBYFLOAT', 'e7', 1],
        ['SET', 'e8', 'v', 'PX', 600], ['MSET', 'e8', 'v2'],
        ['SET', 'e9', 'v', 'PX', 600], ['GETEX', 'e9', 'PERSIST'],
        ['PSETEX', 'e10', 600, 'v'],
        ['MGET', 'e1', 'e2', 'e5', 'e6', 'e7', 'e10'],
      ];
      const replies = await c.pipeline(setup);
      t.same(replies[replies.length - 1], ['vw', '2', 'v2', 'aXc', '2.5', 'v']);
      await sleep(900);
      t.same(await c.call('MGET', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8', 'e9', 'e10'), [null, null, 'v2', 'v2', null, null, null, 'v2', 'v', null]);

      const inRange = async (key: string, lo: number, hi: number, what: string): Promise<void> => {
        const p = await pttl(c, key);
        t.ok(p > lo && p <= hi, `${what}: PTTL ${p} in (${lo}, ${hi}]`);
      };
      await c.call('SET', 't', 'v', 'EX', '100');
      await inRange('t', 98000, 100000, 'SET EX');
      await c.call('APPEND', 't', 'x');
      await inRange('t', 98000, 100000, 'APPEND keeps');
      await c.call('SETRANGE', 't', '0', 'y');
      await inRange('t', 98000, 100000, 'SETRANGE keeps');
      await c.call('SET', 't', 'v', 'KEEPTTL');
      await inRange('t', 98000, 100000, 'KEEPTTL keeps');
      await c.call('SET', 't', '5');
      t.equal(await pttl(c, 't'), -1, 'SET clears');
      await c.call('SET', 't', '5', 'PX', '50000');
      await c.call('INCRBY', 't', '3');
      await c.call('DECR', 't');
      await c.call('INCRBYFLOAT', 't', '0.5');
      await inRange('t', 48000, 50000, 'counters keep');
      t.equal(await c.call('GETSET', 't', 'z'), '7.5');
      t.equal(await pttl(c, 't'), -1, 'GETSET clears');
      await c.call('SETEX', 't', '30', 'v');
      await inRange('t', 28000, 30000, 'SETEX');
      await c.call('PSETEX', 't', '20000', 'v');
      await inRange('t', 18000, 20000, 'PSETEX');
      t.equal(await c.call('GETEX', 't', 'EX', '40'), 'v');
      await inRange('t', 38000, 40000, 'GETEX EX');
      t.equal(await c.call('GETEX', 't', 'PX', '45000'), 'v');
      await inRange('t', 43000, 45000, 'GETEX PX');
      const nowS = Math.floor(Date.now() / 1000);
      await c.call('GETEX', 't', 'EXAT', String(nowS + 60));
      await inRange('t', 55000, 61000, 'GETEX EXAT');
      await c.call('GETEX', 't', 'PXAT', String(Date.now() + 70000));
      await inRange('t', 65000, 70000, 'GETEX PXAT');
      await c.call('GETEX', 't');
      await inRange('t', 60000, 70000, 'plain GETEX keeps');
      await c.call('GETEX', 't', 'PERSIST');
      t.equal(await pttl(c, 't'), -1, 'GETEX PERSIST clears');
      await c.call('SET', 't', 'v', 'EXAT', String(nowS + 100));
      await inRange('t', 95000, 101000, 'SET EXAT');
      await c.call('SET', 't', 'v', 'PXAT', String(Date.now() + 100000));
      await inRange('t', 95000, 100000, 'SET PXAT');
      await c.call('MSET', 't', 'w');
      t.equal(await pttl(c, 't'), -1, 'MSET clears');
    });

    t.test('counters', async (t) => {
      t.equal(await c.call('INCR', 'n'), 1);
      t.equal(await c.call('INCRBY', 'n', '41'), 42);
      t.equal(await c.call('DECR', 'n'), 41);
      t.equal(await c.call('DECRBY', 'n', '-9'), 50);
      t.equal(await c.call('DECRBY', 'nn', '5'), -5);
      await c.call('SET', 'n', '9223372036854775806');
      t.equal(await io.incr('n'), '9223372036854775807');
      t.same(await c.call('INCR', 'n'), err('ERR increment or decrement would overflow'));
      t.equal(await io.get('n'), '9223372036854775807', 'unchanged after the error');
      await c.call('SET', 'n', '-9223372036854775807');
      t.equal(await io.decr('n'), '-9223372036854775808');
      t.same(await c.call('DECR', 'n'), err('ERR increment or decrement would overflow'));
      t.same(await c.call('DECRBY', 'n', '-9223372036854775808'), err('ERR decrement would overflow'));
      t.equal(await io.incrby('n', '9223372036854775807'), '-1');
      for (const bad of ['abc', '', ' 1', '1 ', '01', '-0', '+1', '1.0', '9223372036854775808']) {
        await c.call('SET', 'b', bad);
        t.same(await c.call('INCR', 'b'), err('ERR value is not an integer or out of range'), `INCR on ${JSON.stringify(bad)}`);
        t.same(await c.call('INCRBY', 'n', bad), err('ERR value is not an integer or out of range'), `INCRBY by ${JSON.stringify(bad)}`);
      }
      // A pipeline of many increments from one client arrives in order.
      const p = io.pipeline();
      for (let i = 0; i < 1000; i++) p.incr('pipe');
      const res = (await p.exec()) ?? [];
      t.same(res.map((r) => r[1]), Array.from({ length: 1000 }, (_, i) => String(i + 1)));
    });

    t.test('INCRBYFLOAT', async (t) => {
      const seq: string[] = [];
      for (let i = 0; i < 10; i++) seq.push((await c.call('INCRBYFLOAT', 'f', '0.1')) as string);
      t.same(seq, ['0.1', '0.2', '0.3', '0.4', '0.5', '0.6', '0.7', '0.8', '0.9', '1']);
      await c.call('SET', 'f', '10.50');
      t.equal(await c.call('INCRBYFLOAT', 'f', '0.1'), '10.6');
      t.equal(await c.call('INCRBYFLOAT', 'f', '-5.0e3'), '-4989.39999999999999991', 'long double precision, %.17Lf');
      await c.call('SET', 'f', '5.0e3');
      t.equal(await c.call('INCRBYFLOAT', 'f', '2.0e2'), '5200');
      t.equal(await c.call('INCRBYFLOAT', 'f3', '3.0e3'), '3000');
      await c.call('SET', 'f', '1e17');
      t.equal(await c.call('INCRBYFLOAT', 'f', '0.5'), '100000000000000000.5');
      await c.call('SET', 'f', '0');
      t.equal(await c.call('INCRBYFLOAT', 'f', '0x1p3'), '8');
      t.equal(await c.call('INCRBYFLOAT', 'f', '-8'), '0');
      t.equal(await c.call('INCRBYFLOAT', 'f', '1e-18'), '0', 'rounded at 17 decimals, -0 becomes 0');
      t.same(await c.call('INCRBYFLOAT', 'f', 'inf'), err('ERR increment would produce NaN or Infinity'));
      t.same(await c.call('INCRBYFLOAT', 'f', 'nan'), err('ERR value is not a valid float'));
      t.same(await c.call('INCRBYFLOAT', 'f', ' 1'), err('ERR value is not a valid float'));
      t.same(await c.call('INCRBYFLOAT', 'f', '1e4933'), err('ERR value is not a valid float'));
      await c.call('SET', 'f', 'abc');
      t.same(await c.call('INCRBYFLOAT', 'f', '1'), err('ERR value is not a valid float'));
      const big = (await c.call('INCRBYFLOAT', 'fbig', '1e400')) as string;
      t.equal(big.length, 401, 'long double range: 1e400 is finite');
      t.match(big, /^10000000000000000000\d+$/);
    });

    t.test('APPEND, STRLEN, GETRANGE, SUBSTR, SETRANGE', async (t) => {
      t.equal(await c.call('APPEND', 's', ''), 0);
      t.equal(await c.call('EXISTS', 's'), 1, 'an empty APPEND creates the key');
      t.equal(await c.call('APPEND', 's', 'Hello '), 6);
      t.equal(await c.call('APPEND', 's', 'World'), 11);
      t.equal(await c.call('STRLEN', 's'), 11);
      t.equal(await c.call('STRLEN', 'nos'), 0);
      t.equal(await c.call('GETRANGE', 's', '0', '4'), 'Hello');
      t.equal(await c.call('GETRANGE', 's', '-5', '-1'), 'World');
      t.equal(await c.call('GETRANGE', 's', '-1', '-5'), '');
      t.equal(await c.call('GETRANGE', 's', '-100', '-50'), 'H', 'both clamp to 0');
      t.equal(await c.call('GETRANGE', 's', '5', '3'), '');
      t.equal(await c.call('GETRANGE', 's', '0', '9223372036854775807'), 'Hello World');
      t.equal(await c.call('GETRANGE', 's', '-9223372036854775808', '2'), 'Hel');
      t.equal(await c.call('SUBSTR', 's', '6', '-1'), 'World');
      t.equal(await c.call('GETRANGE', 'nos', '0', '-1'), '');
      t.same(await c.call('GETRANGE', 's', 'a', '1'), err('ERR value is not an integer or out of range'));
      t.equal(await c.call('SETRANGE', 's', '6', 'Redis'), 11);
      t.equal(await c.call('GET', 's'), 'Hello Redis');
      t.equal(await c.call('SETRANGE', 'pad', '3', 'ab'), 5);
      t.equal(await c.call('GET', 'pad'), '\0\0\0ab');
      t.equal(await c.call('SETRANGE', 'none', '5', ''), 0);
      t.equal(await c.call('EXISTS', 'none'), 0, 'setting nothing on a missing key creates nothing');
      t.equal(await c.call('SETRANGE', 's', '100', ''), 11, 'setting nothing returns the length');
      t.same(await c.call('SETRANGE', 's', '-1', 'x'), err('ERR offset is out of range'));
      t.same(await c.call('SETRANGE', 's', 'x', 'x'), err('ERR value is not an integer or out of range'));
      t.same(await c.call('SETRANGE', 's', '536870912', 'x'), err('ERR string exceeds maximum allowed size (proto-max-bulk-len)'));
      t.same(await c.call('SETRANGE', 's', '9223372036854775807', 'x'), err('ERR string exceeds maximum allowed size (proto-max-bulk-len)'));
      t.same(await c.call('SETRANGE', 'new', '536870910', 'xyz'), err('ERR string exceeds maximum allowed size (proto-max-bulk-len)'));
      // With a smaller limit (when CONFIG SET is available), APPEND and SETRANGE obey it.
      if ((await c.call('CONFIG', 'SET', 'proto-max-bulk-len', '1048576')) === 'OK') {
        await c.call('SET', 'lim', 'x'.repeat(1048570));
        t.same(await c.call('APPEND', 'lim', '1234567'), err('ERR string exceeds maximum allowed size (proto-max-bulk-len)'));
        t.equal(await c.call('APPEND', 'lim', '123456'), 1048576);
        t.same(await c.call('SETRANGE', 'lim2', '1048576', 'x'), err('ERR string exceeds maximum allowed size (proto-max-bulk-len)'));
        t.equal(await c.call('SETRANGE', 'lim2', '1048575', 'x'), 1048576);
        await c.call('SET', 'la', 'a'.repeat(600));
        await c.call('SET', 'lb', 'a'.repeat(600));
        t.same(await c.call('LCS', 'la', 'lb', 'LEN'), err('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len'));
        t.equal(await c.call('CONFIG', 'SET', 'proto-max-bulk-len', '536870912'), 'OK');
        await c.call('DEL', 'lim', 'lim2', 'la', 'lb');
      } else {
        t.comment('CONFIG SET proto-max-bulk-len not available: skipping the lowered-limit checks');
      }
    });

    t.test('binary values: all 256 bytes', async (t) => {
      await io.set(Buffer.from('bin\x00key\xff', 'latin1'), ALL_BYTES);
      const back = await io.getBuffer(Buffer.from('bin\x00key\xff', 'latin1'));
      t.ok(back !== null && back.equals(ALL_BYTES), 'GET returns the same 256 bytes');
      t.equal(await io.strlen(Buffer.from('bin\x00key\xff', 'latin1')), '256');
      await io.set('bin2', ALL_BYTES.subarray(0, 128));
      await io.append('bin2', ALL_BYTES.subarray(128));
      t.ok((await io.getBuffer('bin2'))?.equals(ALL_BYTES), 'APPEND is binary safe');
      t.ok((await io.getrangeBuffer('bin2', 250, -1)).equals(ALL_BYTES.subarray(250)), 'GETRANGE is binary safe');
      await io.setrange('bin2', 0, Buffer.from([0xff, 0x00, 0x80]));
      const expect = Buffer.concat([Buffer.from([0xff, 0x00, 0x80]), ALL_BYTES.subarray(3)]);
      t.ok((await io.getBuffer('bin2'))?.equals(expect), 'SETRANGE is binary safe');
      t.ok((await io.getsetBuffer('bin2', ALL_BYTES))?.equals(expect), 'GETSET returns bytes');
      t.ok((await io.getdelBuffer('bin2'))?.equals(ALL_BYTES), 'GETDEL returns bytes');
      const mkeys = Array.from({ length: 16 }, (_, i) => `mb:${i}`);
      await io.mset(...mkeys.flatMap((k, i) => [k, ALL_BYTES.subarray(i * 16, i * 16 + 16)]));
      const got = await io.mgetBuffer(...mkeys);
      t.ok(Buffer.concat(got.map((b) => b ?? Buffer.alloc(0))).equals(ALL_BYTES), 'MSET/MGET are binary safe across shards');
      // The same through RespClient, byte for byte.
      t.equal(await c.call('SET', ALL_BYTES, ALL_BYTES), 'OK');
      t.equal(await c.call('GET', ALL_BYTES), ALL_BYTES.toString('latin1'));
      t.equal(await c.call('SET', 'rev', Buffer.from(Array.from({ length: 256 }, (_, i) => 255 - i))), 'OK');
      t.equal(await c.call('LCS', ALL_BYTES, 'rev', 'LEN'), 1, 'LCS of a byte run and its reverse');
      t.equal(await c.call('LCS', ALL_BYTES, ALL_BYTES), ALL_BYTES.toString('latin1'), 'LCS of all bytes with itself');
    });

    t.test('MSET, MSETNX and MGET across shards', async (t) => {
      const keys = Array.from({ length: 60 }, (_, i) => `ms:${i}`);
      if (workers > 1) t.ok(new Set(keys.map((k) => shardOf(k, workers))).size > 1, 'keys span shards');
      t.equal(await c.call('MSETNX', ...keys.flatMap((k) => [k, `v${k}`])), 1);
      t.same(await c.call('MGET', ...keys), keys.map((k) => `v${k}`));
      // One existing key (anywhere) blocks the whole MSETNX.
      const fresh = Array.from({ length: 60 }, (_, i) => `fresh:${i}`);
      t.equal(await c.call('MSETNX', ...fresh.flatMap((k) => [k, 'x']), keys[37], 'y'), 0);
      t.equal(await c.call('EXISTS', ...fresh), 0, 'nothing was set');
      t.equal(await c.call('GET', keys[37]), `v${keys[37]}`);
      // Repeated keys: the last value wins.
      t.equal(await c.call('MSETNX', 'dup', '1', 'other', '2', 'dup', '3'), 1);
      t.same(await c.call('MGET', 'dup', 'other'), ['3', '2']);
      t.equal(await c.call('MSET', 'dup', 'a', 'dup', 'b'), 'OK');
      t.equal(await c.call('GET', 'dup'), 'b');
      t.same(await c.call('MSETNX', 'a', '1', 'b'), err("ERR wrong number of arguments for 'msetnx' command"));
      t.same(await c.call('MSET', 'a'), err("ERR wrong number of arguments for 'mset' command"));
      t.same(await c.call('MGET'), err("ERR wrong number of arguments for 'mget' command"));
      await c.call('SET', 'ttlkey', 'v', 'EX', '100');
      t.equal(await c.call('MSETNX', 'ttlkey', 'w', 'zz', 'x'), 0);
      t.ok((await pttl(c, 'ttlkey')) > 0, 'a failed MSETNX leaves the TTL');
    });

    t.test('LCS', async (t) => {
      // Many key pairs: with several shards some pairs are split (every other one
      // at least), which goes through the coordinator.
      let split = 0;
      for (let i = 0; i < 20; i++) {
        const a = `lcs:a${i}`;
        const b = i % 2 === 0 ? `lcs:b${i}` : keyOnAnotherShard(`lcs:b${i}-`, a, workers);
        if (shardOf(a, workers) !== shardOf(b, workers)) split++;
        await c.call('MSET', a, 'ohmytext');
        await c.call('MSET', b, 'mynewtext');
        t.equal(await c.call('LCS', a, b), 'mytext');
        t.equal(await c.call('LCS', a, b, 'LEN'), 6);
        t.same(await c.call('LCS', a, b, 'IDX'), ['matches', [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], 'len', 6]);
        t.same(await c.call('LCS', a, b, 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'), ['matches', [[[4, 7], [5, 8], 4]], 'len', 6]);
        t.same(await c.call('LCS', a, b, 'idx', 'withmatchlen'), ['matches', [[[4, 7], [5, 8], 4], [[2, 3], [0, 1], 2]], 'len', 6]);
        t.same(await c.call('LCS', a, b, 'LEN', 'IDX'), err('ERR If you want both the length and indexes, please just use IDX.'));
        t.same(await c.call('LCS', a, b, 'MINMATCHLEN'), err('ERR syntax error'));
        t.same(await c.call('LCS', a, b, 'MINMATCHLEN', 'x'), err('ERR value is not an integer or out of range'));
        t.equal(await c.call('LCS', a, `lcs:missing${i}`), '');
        t.same(await c.call('LCS', a, `lcs:missing${i}`, 'IDX'), ['matches', [], 'len', 0]);
      }
      if (workers > 1) t.ok(split > 0, `${split} of 20 pairs on different shards`);
      t.same(await c.call('LCS', 'a'), err("ERR wrong number of arguments for 'lcs' command"));
    });

    t.test('wrong arity', async (t) => {
      const cases: [string, number][] = [
        ['get', 0], ['getex', 0], ['getdel', 0], ['getset', 1], ['setnx', 1], ['setex', 2], ['psetex', 2], ['append', 1],
        ['strlen', 0], ['getrange', 2], ['substr', 2], ['setrange', 2], ['incr', 0], ['decr', 2], ['incrby', 1],
        ['decrby', 1], ['incrbyfloat', 1],
      ];
      for (const [name, n] of cases) {
        t.same(await c.call(name.toUpperCase(), ...Array.from({ length: n }, () => 'x')), err(`ERR wrong number of arguments for '${name}' command`), name);
      }
    });
  });
}
