/**
 * The hash family over TCP with every worker count: writes and reads and
 * their error texts, HINCRBYFLOAT's long double formatting, HRANDFIELD's
 * shapes (membership, repeats, distinctness, whole-hash answers), HSCAN's
 * guarantee on a hashtable while it changes, listpack/hashtable encodings,
 * binary fields and values through ioredis, and hashes moving between shards
 * (RENAME/COPY) with their contents and encoding intact.
 */
import t from 'tap';
import { startShardis, WORKER_MATRIX } from './helpers/servers';
import { connectIoredis } from './helpers/ioredis';
import { RespClient, type Reply, connectResp } from './helpers/resp-client';
import { shardOf } from './helpers/shards';
import { err } from './helpers/util';

const WRONGTYPE = err('WRONGTYPE Operation against a key holding the wrong kind of value');

function pairsToObject(r: Reply): Record<string, string> {
  const out: Record<string, string> = {};
  const a = r as string[];
  for (let i = 0; i + 1 < a.length; i += 2) out[a[i]] = a[i + 1];
  return out;
}

/** Fills `key` with n fields f0..f(n-1) = v0..v(n-1) in one pipeline. */
async function fill(c: RespClient, key: string, n: number, from = 0): Promise<void> {
  const cmds: string[][] = [];
  for (let i = from; i < from + n; i += 100) {
    const args = ['HSET', key];
    for (let j = i; j < Math.min(from + n, i + 100); j++) args.push(`f${j}`, `v${j}`);
    cmds.push(args);
  }
  await c.pipeline(cmds);
}

for (const workers of WORKER_MATRIX) {
  t.test(`hashes with --workers ${workers}`, async (t) => {
    const srv = await startShardis(t, { workers });
    const c = await connectResp(t, srv.port);
    const io = await connectIoredis(t, srv.port);

    t.test('writes and reads', async (t) => {
      t.equal(await c.call('HSET', 'h', 'a', '1', 'b', '2', 'a', '3'), 2, 'a field repeated in one HSET counts once');
      t.equal(await c.call('HGET', 'h', 'a'), '3');
      t.equal(await c.call('HGET', 'h', 'zz'), null);
      t.equal(await c.call('HGET', 'nokey', 'a'), null);
      t.same(await c.call('HMGET', 'h', 'a', 'zz', 'b'), ['3', null, '2']);
      t.same(await c.call('HMGET', 'nokey', 'a', 'b'), [null, null]);
      t.equal(await c.call('HMSET', 'h', 'c', '', 'd', 'x'), 'OK');
      t.same(await c.call('HGETALL', 'h'), ['a', '3', 'b', '2', 'c', '', 'd', 'x'], 'a small hash answers in insertion order');
      t.same(await c.call('HKEYS', 'h'), ['a', 'b', 'c', 'd']);
      t.same(await c.call('HVALS', 'h'), ['3', '2', '', 'x']);
      t.same(await c.call('HGETALL', 'nokey'), []);
      t.equal(await c.call('HLEN', 'h'), 4);
      t.equal(await c.call('HLEN', 'nokey'), 0);
      t.equal(await c.call('HSTRLEN', 'h', 'd'), 1);
      t.equal(await c.call('HSTRLEN', 'h', 'c'), 0);
      t.equal(await c.call('HSTRLEN', 'h', 'zz'), 0);
      t.equal(await c.call('HEXISTS', 'h', 'c'), 1);
      t.equal(await c.call('HEXISTS', 'h', 'zz'), 0);
      t.equal(await c.call('HSETNX', 'h', 'a', 'new'), 0);
      t.equal(await c.call('HSETNX', 'h', 'e', 'new'), 1);
      t.equal(await c.call('HGET', 'h', 'e'), 'new');
      t.equal(await c.call('HSETNX', 'fresh', 'f', 'v'), 1);
      t.equal(await c.call('TYPE', 'fresh'), 'hash');
      t.equal(await c.call('HDEL', 'h', 'a', 'a', 'zz', 'b'), 2);
      t.same(await c.call('HKEYS', 'h'), ['c', 'd', 'e'], 'deleting keeps the order of the rest');
      t.equal(await c.call('HDEL', 'h', 'c', 'd', 'e'), 3);
      t.equal(await c.call('EXISTS', 'h'), 0, 'the last field takes the key with it');
      t.equal(await c.call('HDEL', 'nokey', 'a'), 0);
    });

    t.test('errors', async (t) => {
      await c.call('SET', 'str', 'x');
      for (const cmd of [
        ['HSET', 'str', 'a', '1'], ['HSETNX', 'str', 'a', '1'], ['HGET', 'str', 'a'], ['HMGET', 'str', 'a'], ['HMSET', 'str', 'a', '1'],
        ['HDEL', 'str', 'a'], ['HLEN', 'str'], ['HSTRLEN', 'str', 'a'], ['HEXISTS', 'str', 'a'], ['HINCRBY', 'str', 'a', '1'],
        ['HINCRBYFLOAT', 'str', 'a', '1'], ['HKEYS', 'str'], ['HVALS', 'str'], ['HGETALL', 'str'], ['HRANDFIELD', 'str'],
        ['HRANDFIELD', 'str', '2'], ['HSCAN', 'str', '0'],
      ]) t.same(await c.call(...cmd), WRONGTYPE, cmd.join(' '));
      t.same(await c.call('HSET', 'h', 'a'), err("ERR wrong number of arguments for 'hset' command"));
      t.same(await c.call('HSET', 'h', 'a', '1', 'b'), err("ERR wrong number of arguments for 'hset' command"));
      t.same(await c.call('HMSET', 'h', 'a', '1', 'b'), err("ERR wrong number of arguments for 'hmset' command"));
      t.same(await c.call('HGET', 'h'), err("ERR wrong number of arguments for 'hget' command"));
      t.equal(await c.call('EXISTS', 'h'), 0, 'a refused HSET creates nothing');
      t.same(await c.call('HINCRBY', 'h', 'a', 'x'), err('ERR value is not an integer or out of range'));
      t.same(await c.call('HINCRBYFLOAT', 'h', 'a', 'x'), err('ERR value is not a valid float'));
      t.same(await c.call('HINCRBYFLOAT', 'h', 'a', 'inf'), err('ERR value is NaN or Infinity'));
      t.equal(await c.call('EXISTS', 'h'), 0, 'a refused increment creates nothing');
      t.same(await c.call('HINCRBYFLOAT', 'str', 'a', 'x'), err('ERR value is not a valid float'), 'the increment is checked before the type');
    });

    t.test('HINCRBY and HINCRBYFLOAT', async (t) => {
      t.equal(await c.call('HINCRBY', 'n', 'i', '5'), 5);
      t.equal(await c.call('HINCRBY', 'n', 'i', '-7'), -2);
      await c.call('HSET', 'n', 'max', '9223372036854775807', 's', 'abc', 'sp', ' 1', 'fl', '1.5');
      t.same(await c.call('HINCRBY', 'n', 'max', '1'), err('ERR increment or decrement would overflow'));
      t.equal(await c.call('HINCRBY', 'n', 'max', '-9223372036854775807'), 0);
      t.same(await c.call('HINCRBY', 'n', 's', '1'), err('ERR hash value is not an integer'));
      t.same(await c.call('HINCRBY', 'n', 'sp', '1'), err('ERR hash value is not an integer'));
      t.same(await c.call('HINCRBY', 'n', 'fl', '1'), err('ERR hash value is not an integer'));
      t.equal(await c.call('HINCRBYFLOAT', 'n', 'fl', '0.1'), '1.6');
      t.equal(await c.call('HINCRBYFLOAT', 'n', 'f', '10.5'), '10.5');
      t.equal(await c.call('HINCRBYFLOAT', 'n', 'f', '0.1'), '10.6');
      t.equal(await c.call('HINCRBYFLOAT', 'n', 'f', '-10.6'), '0');
      t.equal(await c.call('HINCRBYFLOAT', 'n', 'g', '3.0e3'), '3000');
      t.equal(await c.call('HINCRBYFLOAT', 'n', 'g', '10.1'), '3010.10000000000000009', 'long double arithmetic, %.17Lf');
      t.equal(await c.call('HINCRBYFLOAT', 'n', 'i', '1'), '-1', 'an integer field works too');
      t.same(await c.call('HINCRBYFLOAT', 'n', 's', '1'), err('ERR hash value is not a float'));
      await c.call('HSET', 'n', 'big', '1e4932');
      t.same(await c.call('HINCRBYFLOAT', 'n', 'big', '1e4932'), err('ERR increment would produce NaN or Infinity'));
      t.equal(await c.call('HGET', 'n', 'big'), '1e4932', 'a refused increment leaves the value');
    });

    t.test('HRANDFIELD', async (t) => {
      t.equal(await c.call('HRANDFIELD', 'nokey'), null);
      t.same(await c.call('HRANDFIELD', 'nokey', '3'), []);
      t.same(await c.call('HRANDFIELD', 'nokey', '3', 'WITHVALUE'), err('ERR syntax error'), 'syntax comes before the key');
      await c.call('HSET', 'r', 'a', '1', 'b', '2', 'c', '3');
      const fields = new Set(['a', 'b', 'c']);
      t.ok(fields.has((await c.call('HRANDFIELD', 'r')) as string));
      t.same(await c.call('HRANDFIELD', 'r', '0'), []);
      t.same(await c.call('HRANDFIELD', 'r', '3'), ['a', 'b', 'c'], 'count >= size: the whole hash in order');
      t.same(await c.call('HRANDFIELD', 'r', '100', 'withvalues'), ['a', '1', 'b', '2', 'c', '3']);
      const two = (await c.call('HRANDFIELD', 'r', '2')) as string[];
      t.equal(two.length, 2);
      t.equal(new Set(two).size, 2, 'a positive count gives distinct fields');
      t.ok(two.every((f) => fields.has(f)));
      const many = (await c.call('HRANDFIELD', 'r', '-50')) as string[];
      t.equal(many.length, 50, 'a negative count gives exactly that many');
      t.ok(many.every((f) => fields.has(f)));
      t.ok(new Set(many).size < many.length, 'with repeats');
      const wv = pairsToObject(await c.call('HRANDFIELD', 'r', '-20', 'WITHVALUES'));
      for (const [f, v] of Object.entries(wv)) t.equal(v, { a: '1', b: '2', c: '3' }[f], `value of ${f}`);
      t.same(await c.call('HRANDFIELD', 'r', '-9223372036854775808'), err('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807'));
      t.same(await c.call('HRANDFIELD', 'r', '-4611686018427387904', 'WITHVALUES'), err('ERR value is out of range'));
      t.same(await c.call('HRANDFIELD', 'r', 'x'), err('ERR value is not an integer or out of range'));
      t.same(await c.call('HRANDFIELD', 'r', '1', 'WITHVALUES', 'x'), err('ERR syntax error'));

      // A hashtable-encoded hash: distinct picks from both strategies (few and many of the fields).
      await fill(c, 'bigr', 600);
      t.equal(await c.call('OBJECT', 'ENCODING', 'bigr'), 'hashtable');
      for (const n of [5, 150, 500]) {
        const got = (await c.call('HRANDFIELD', 'bigr', String(n), 'WITHVALUES')) as string[];
        t.equal(got.length, 2 * n);
        const obj = pairsToObject(got);
        t.equal(Object.keys(obj).length, n, `${n} distinct fields`);
        t.ok(Object.entries(obj).every(([f, v]) => v === `v${f.slice(1)}`), 'each with its own value');
      }
      const seen = new Set<string>();
      for (let i = 0; i < 20; i++) for (const f of (await c.call('HRANDFIELD', 'bigr', '-100')) as string[]) seen.add(f);
      t.ok(seen.size > 400, `random picks spread over the hash (${seen.size} of 600 seen)`);
    });

    t.test('HSCAN', async (t) => {
      t.same(await c.call('HSCAN', 'nokey', '0'), ['0', []]);
      await c.call('HSET', 's', 'a', '1', 'b', '2', 'ab', '3');
      t.same(await c.call('HSCAN', 's', '0', 'COUNT', '1'), ['0', ['a', '1', 'b', '2', 'ab', '3']], 'a listpack hash comes back whole');
      t.same(await c.call('HSCAN', 's', '0', 'MATCH', 'a*'), ['0', ['a', '1', 'ab', '3']]);
      t.same(await c.call('HSCAN', 's', 'x'), err('ERR invalid cursor'));
      t.same(await c.call('HSCAN', 's', '0', 'COUNT', '0'), err('ERR syntax error'));
      t.same(await c.call('HSCAN', 's', '0', 'NOVALUES'), err('ERR syntax error'), 'NOVALUES is Redis 7.4');
      t.same(await c.call('HSCAN', 's', '0', 'TYPE', 'string'), err('ERR syntax error'));

      // A hashtable while it changes: every field present for the whole scan comes back.
      await fill(c, 'bigs', 1000);
      t.equal(await c.call('OBJECT', 'ENCODING', 'bigs'), 'hashtable');
      const seen = new Set<string>();
      let cursor = '0';
      let calls = 0;
      let added = 1000;
      do {
        const [next, items] = (await c.call('HSCAN', 'bigs', cursor, 'COUNT', '37')) as [string, string[]];
        for (let i = 0; i < items.length; i += 2) {
          seen.add(items[i]);
          t.equal(items[i + 1], `v${items[i].slice(1)}`);
        }
        cursor = next;
        calls++;
        // Delete some fields in the upper half (never the lower, checked below) and add new ones.
        await c.call('HDEL', 'bigs', `f${500 + calls * 3}`, `f${501 + calls * 3}`);
        await fill(c, 'bigs', 2, added);
        added += 2;
      } while (cursor !== '0' && calls < 1000);
      t.equal(cursor, '0', 'the scan ends');
      t.ok(calls > 10, `several calls (${calls})`);
      const missing = [];
      for (let i = 0; i < 500; i++) if (!seen.has(`f${i}`)) missing.push(i);
      t.same(missing, [], 'no field present for the whole scan is missed');
      const matched = (await c.call('HSCAN', 'bigs', '0', 'COUNT', '100000', 'MATCH', 'f1?')) as [string, string[]];
      t.same(matched[0], '0');
      t.same(matched[1].filter((_, i) => i % 2 === 0).sort(), ['f10', 'f11', 'f12', 'f13', 'f14', 'f15', 'f16', 'f17', 'f18', 'f19']);
    });

    t.test('encodings', async (t) => {
      await c.call('HSET', 'e', 'a', 'x'.repeat(64));
      t.equal(await c.call('OBJECT', 'ENCODING', 'e'), 'listpack');
      await c.call('HSET', 'e', 'b', 'x'.repeat(65));
      t.equal(await c.call('OBJECT', 'ENCODING', 'e'), 'hashtable');
      await c.call('HDEL', 'e', 'b');
      t.equal(await c.call('OBJECT', 'ENCODING', 'e'), 'hashtable', 'never converted back');
      await fill(c, 'e2', 512);
      t.equal(await c.call('OBJECT', 'ENCODING', 'e2'), 'listpack');
      await fill(c, 'e2', 1, 512);
      t.equal(await c.call('OBJECT', 'ENCODING', 'e2'), 'hashtable');
      t.ok(((await c.call('MEMORY', 'USAGE', 'e2')) as number) > 513 * 10, 'MEMORY USAGE estimates the contents');
    });

    t.test('binary fields and values through ioredis', async (t) => {
      const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const k = Buffer.from([0, 0xff, 0x0d, 0x0a]);
      t.equal(await io.hset(k, all, all, Buffer.alloc(0), Buffer.from([0])), 2);
      t.same(await io.hgetBuffer(k, all), all);
      t.same(await io.hgetBuffer(k, Buffer.alloc(0)), Buffer.from([0]));
      t.equal(await io.hstrlen(k, all), 256);
      const obj = await io.hgetall('plain-missing');
      t.same(obj, {});
      await io.hset('ioh', { a: '1', b: '2' });
      t.same(await io.hgetall('ioh'), { a: '1', b: '2' });
      t.equal(await io.hincrbyfloat('ioh', 'a', '0.25'), '1.25');
      const [cur, items] = await io.hscanBuffer(k, 0);
      t.equal(cur.toString(), '0');
      t.equal(items.length, 4);
    });

    t.test('hashes move between shards intact (RENAME, COPY)', async (t) => {
      const src = 'move-src';
      let dst = 'move-dst0';
      for (let i = 1; workers > 1 && shardOf(dst, workers) === shardOf(src, workers); i++) dst = `move-dst${i}`;
      await fill(c, src, 600);
      await c.call('HSET', src, 'bin\x00\xff', '\x00');
      t.equal(await c.call('COPY', src, dst), 1);
      t.equal(await c.call('OBJECT', 'ENCODING', dst), 'hashtable');
      t.equal(await c.call('HLEN', dst), 601);
      t.same(pairsToObject(await c.call('HGETALL', dst)), pairsToObject(await c.call('HGETALL', src)));
      await c.call('DEL', dst);
      await c.call('HSET', 'small-src', 'z', '1', 'a', '2');
      t.equal(await c.call('RENAME', 'small-src', dst), 'OK');
      t.equal(await c.call('OBJECT', 'ENCODING', dst), 'listpack');
      t.same(await c.call('HGETALL', dst), ['z', '1', 'a', '2'], 'order survives the move');
    });
  });
}
