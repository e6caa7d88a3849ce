/**
 * The list family over TCP with every worker count: pushes and pops at both
 * ends, the exact RESP2 shapes of LPOP/RPOP/LMPOP replies (null bulk vs null
 * array vs empty array), ranges and indexes, LINSERT/LREM/LTRIM/LSET, LPOS and
 * its errors, WRONGTYPE, LMOVE/RPOPLPUSH/LMPOP with keys on different shards,
 * lists moving between shards (RENAME/COPY use serialize()), binary elements
 * through ioredis, the ring buffer against an array model, and
 * redis-benchmark's list tests.
 */
import t from 'tap';
import { startShardis, WORKER_MATRIX, ANY_WORKERS, noRedisBenchmark, runRedisBenchmark } from './helpers/servers';
import { connectIoredis } from './helpers/ioredis';
import { RespClient, encodeCommand, type Reply, connectResp } from './helpers/resp-client';
import { rng } from './helpers/differential';
import { ListValue } from '../workers/structures/list';
import { restoreValue, dumpValue } from '../workers/value';
import { shardOf, keysOnDifferentShards } from './helpers/shards';
import { err } from './helpers/util';

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/** The raw bytes of one reply (to tell `$-1`, `*-1` and `*0` apart). */
async function rawReply(port: number, ...args: string[]): Promise<string> {
  const c = await RespClient.connect(port);
  try {
    await c.sendRaw(encodeCommand(args), 1);
    return c.raw.toString('latin1');
  } finally {
    c.close();
  }
}

for (const workers of WORKER_MATRIX) {
  t.test(`lists with --workers ${workers}`, async (t) => {
    const srv = await startShardis(t, { workers });
    const c = await connectResp(t, srv.port);

    t.test('pushes, pops, length; the key goes with its last element', async (t) => {
      t.equal(await c.call('LPUSH', 'l', 'a', 'b', 'c'), 3);
      t.same(await c.call('LRANGE', 'l', '0', '-1'), ['c', 'b', 'a'], 'LPUSH puts each element at the head in turn');
      t.equal(await c.call('RPUSH', 'l', 'x', 'y'), 5);
      t.same(await c.call('LRANGE', 'l', '0', '-1'), ['c', 'b', 'a', 'x', 'y']);
      t.equal(await c.call('LPUSHX', 'l', 'h'), 6);
      t.equal(await c.call('RPUSHX', 'l', 't1', 't2'), 8);
      t.equal(await c.call('LPUSHX', 'nolist', 'a'), 0);
      t.equal(await c.call('RPUSHX', 'nolist', 'a'), 0);
      t.equal(await c.call('EXISTS', 'nolist'), 0, 'PUSHX never creates the key');
      t.equal(await c.call('LLEN', 'l'), 8);
      t.equal(await c.call('LPOP', 'l'), 'h');
      t.equal(await c.call('RPOP', 'l'), 't2');
      t.same(await c.call('LPOP', 'l', '2'), ['c', 'b']);
      t.same(await c.call('RPOP', 'l', '2'), ['t1', 'y']);
      t.same(await c.call('RPOP', 'l', '100'), ['x', 'a'], 'a count beyond the length pops everything');
      t.equal(await c.call('EXISTS', 'l'), 0);
      t.equal(await c.call('LLEN', 'l'), 0);
      t.same(await c.call('LPOP', 'l', '1', '2'), err("ERR wrong number of arguments for 'lpop' command"));
      t.same(await c.call('LPUSH', 'l'), err("ERR wrong number of arguments for 'lpush' command"));
    });

    t.test('LPOP/RPOP reply shapes (RESP2)', async (t) => {
      await c.call('DEL', 'p');
      t.equal(await rawReply(srv.port, 'LPOP', 'p'), '$-1\r\n', 'missing key without count: null bulk');
      t.equal(await rawReply(srv.port, 'LPOP', 'p', '0'), '*-1\r\n', 'missing key with count 0: null array');
      t.equal(await rawReply(srv.port, 'RPOP', 'p', '3'), '*-1\r\n', 'missing key with count: null array');
      await c.call('RPUSH', 'p', 'a');
      t.equal(await rawReply(srv.port, 'LPOP', 'p', '0'), '*0\r\n', 'existing key with count 0: empty array');
      t.equal(await c.call('LLEN', 'p'), 1, 'count 0 pops nothing');
      t.equal(await rawReply(srv.port, 'LPOP', 'p', '-1'), '-ERR value is out of range, must be positive\r\n');
      t.equal(await rawReply(srv.port, 'LPOP', 'p', 'x'), '-ERR value is out of range, must be positive\r\n');
      t.equal(await rawReply(srv.port, 'RPOP', 'p', '1'), '*1\r\n$1\r\na\r\n');
      t.equal(await rawReply(srv.port, 'LPOP', 'nokey', '-1'), '-ERR value is out of range, must be positive\r\n', 'the count is checked first');
    });

    t.test('LRANGE, LINDEX, LSET', async (t) => {
      await c.call('DEL', 'r');
      await c.call('RPUSH', 'r', '0', '1', '2', '3', '4', '5');
      t.same(await c.call('LRANGE', 'r', '1', '3'), ['1', '2', '3']);
      t.same(await c.call('LRANGE', 'r', '-2', '-1'), ['4', '5']);
      t.same(await c.call('LRANGE', 'r', '-100', '1'), ['0', '1']);
      t.same(await c.call('LRANGE', 'r', '4', '100'), ['4', '5']);
      t.same(await c.call('LRANGE', 'r', '3', '2'), []);
      t.same(await c.call('LRANGE', 'r', '6', '10'), []);
      t.same(await c.call('LRANGE', 'r', '0', '-9223372036854775808'), []);
      t.same(await c.call('LRANGE', 'r', 'a', '1'), err('ERR value is not an integer or out of range'));
      t.same(await c.call('LRANGE', 'nokey', '0', '-1'), []);
      t.equal(await c.call('LINDEX', 'r', '0'), '0');
      t.equal(await c.call('LINDEX', 'r', '-1'), '5');
      t.equal(await c.call('LINDEX', 'r', '6'), null);
      t.equal(await c.call('LINDEX', 'r', '-7'), null);
      t.equal(await c.call('LINDEX', 'nokey', 'abc'), null, 'a missing key answers before the index is parsed');
      t.same(await c.call('LINDEX', 'r', 'abc'), err('ERR value is not an integer or out of range'));
      t.equal(await c.call('LSET', 'r', '-1', 'five'), 'OK');
      t.equal(await c.call('LSET', 'r', '0', 'zero'), 'OK');
      t.same(await c.call('LRANGE', 'r', '0', '-1'), ['zero', '1', '2', '3', '4', 'five']);
      t.same(await c.call('LSET', 'r', '6', 'x'), err('ERR index out of range'));
      t.same(await c.call('LSET', 'nokey', '0', 'x'), err('ERR no such key'));
      t.same(await c.call('LSET', 'nokey', 'abc', 'x'), err('ERR no such key'));
      t.same(await c.call('LSET', 'r', 'abc', 'x'), err('ERR value is not an integer or out of range'));
    });

    t.test('LINSERT, LREM, LTRIM', async (t) => {
      await c.call('DEL', 'i');
      await c.call('RPUSH', 'i', 'a', 'b', 'a', 'c', 'a');
      t.equal(await c.call('LINSERT', 'i', 'BEFORE', 'b', 'x'), 6);
      t.equal(await c.call('LINSERT', 'i', 'after', 'c', 'y'), 7);
      t.equal(await c.call('LINSERT', 'i', 'AFTER', 'zz', 'y'), -1);
      t.equal(await c.call('LINSERT', 'nokey', 'AFTER', 'a', 'y'), 0);
      t.same(await c.call('LINSERT', 'i', 'MIDDLE', 'a', 'y'), err('ERR syntax error'));
      t.same(await c.call('LRANGE', 'i', '0', '-1'), ['a', 'x', 'b', 'a', 'c', 'y', 'a']);
      t.equal(await c.call('LREM', 'i', '-1', 'a'), 1, 'negative count removes from the tail');
      t.same(await c.call('LRANGE', 'i', '0', '-1'), ['a', 'x', 'b', 'a', 'c', 'y']);
      t.equal(await c.call('LREM', 'i', '1', 'a'), 1);
      t.same(await c.call('LRANGE', 'i', '0', '-1'), ['x', 'b', 'a', 'c', 'y']);
      t.equal(await c.call('LREM', 'i', '0', 'zz'), 0);
      t.equal(await c.call('LREM', 'nokey', '0', 'a'), 0);
      t.same(await c.call('LREM', 'nokey', 'x', 'a'), err('ERR value is not an integer or out of range'));
      t.equal(await c.call('LTRIM', 'i', '1', '-2'), 'OK');
      t.same(await c.call('LRANGE', 'i', '0', '-1'), ['b', 'a', 'c']);
      t.equal(await c.call('LTRIM', 'i', '5', '10'), 'OK');
      t.equal(await c.call('EXISTS', 'i'), 0, 'trimming everything deletes the key');
      t.equal(await c.call('LTRIM', 'nokey', '0', '1'), 'OK');
      await c.call('RPUSH', 'i', 'a', 'a');
      t.equal(await c.call('LREM', 'i', '0', 'a'), 2);
      t.equal(await c.call('EXISTS', 'i'), 0, 'removing every element deletes the key');
    });

    t.test('LPOS', async (t) => {
      await c.call('DEL', 'q');
      await c.call('RPUSH', 'q', 'a', 'b', 'c', 'a', 'b', 'c', 'a');
      t.equal(await c.call('LPOS', 'q', 'a'), 0);
      t.equal(await c.call('LPOS', 'q', 'a', 'RANK', '2'), 3);
      t.equal(await c.call('LPOS', 'q', 'a', 'RANK', '-1'), 6);
      t.same(await c.call('LPOS', 'q', 'a', 'COUNT', '0'), [0, 3, 6]);
      t.same(await c.call('LPOS', 'q', 'a', 'COUNT', '2', 'RANK', '-1'), [6, 3]);
      t.same(await c.call('LPOS', 'q', 'a', 'COUNT', '0', 'MAXLEN', '4'), [0, 3]);
      t.equal(await c.call('LPOS', 'q', 'zz'), null);
      t.same(await c.call('LPOS', 'q', 'zz', 'COUNT', '1'), []);
      t.equal(await c.call('LPOS', 'nokey', 'a'), null);
      t.same(await c.call('LPOS', 'nokey', 'a', 'COUNT', '1'), []);
      t.same(await c.call('LPOS', 'q', 'a', 'RANK', '-9223372036854775808', 'COUNT', '1'), [6, 3, 0], 'Redis negates LONG_MIN into itself: every match');
      t.same(
        await c.call('LPOS', 'q', 'a', 'RANK', '0'),
        err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list"),
      );
      t.same(await c.call('LPOS', 'q', 'a', 'RANK', 'x'), err('ERR value is not an integer or out of range'));
      t.same(await c.call('LPOS', 'q', 'a', 'COUNT', '-1'), err("ERR COUNT can't be negative"));
      t.same(await c.call('LPOS', 'q', 'a', 'COUNT', 'x'), err("ERR COUNT can't be negative"));
      t.same(await c.call('LPOS', 'q', 'a', 'MAXLEN', '-1'), err("ERR MAXLEN can't be negative"));
      t.same(await c.call('LPOS', 'q', 'a', 'RANK'), err('ERR syntax error'));
      t.same(await c.call('LPOS', 'q', 'a', 'FOO', '1'), err('ERR syntax error'));
      t.same(await c.call('LPOS', 'nokey', 'a', 'COUNT', '-1'), err("ERR COUNT can't be negative"), 'options are checked before the key');
    });

    t.test('WRONGTYPE, TYPE and encoding', async (t) => {
      const wrong = err('WRONGTYPE Operation against a key holding the wrong kind of value');
      await c.call('SET', 's', 'v');
      for (const cmd of [
        ['LPUSH', 's', 'a'], ['RPUSHX', 's', 'a'], ['LPOP', 's'], ['RPOP', 's', '2'], ['LLEN', 's'], ['LRANGE', 's', '0', '1'],
        ['LINDEX', 's', '0'], ['LSET', 's', '0', 'a'], ['LINSERT', 's', 'BEFORE', 'a', 'b'], ['LREM', 's', '0', 'a'],
        ['LTRIM', 's', '0', '1'], ['LPOS', 's', 'a'], ['LMOVE', 's', 'x', 'LEFT', 'LEFT'], ['RPOPLPUSH', 's', 'x'], ['LMPOP', '1', 's', 'LEFT'],
      ]) {
        t.same(await c.call(...cmd), wrong, cmd.join(' '));
      }
      t.equal(await c.call('GET', 's'), 'v');
      await c.call('DEL', 'e');
      await c.call('RPUSH', 'e', ...Array.from({ length: 300 }, (_, i) => `e${i}`));
      t.equal(await c.call('TYPE', 'e'), 'list');
      t.equal(await c.call('OBJECT', 'ENCODING', 'e'), 'quicklist', 'Redis 7.0 reports quicklist for every list');
      await c.call('LTRIM', 'e', '0', '0');
      t.equal(await c.call('OBJECT', 'ENCODING', 'e'), 'quicklist');
      t.ok((await c.call('MEMORY', 'USAGE', 'e')) as number > 0);
    });

    t.test('LMOVE, RPOPLPUSH, LMPOP with keys on different shards', async (t) => {
      const [a, b, d] = keysOnDifferentShards('mv', 3, workers);
      if (workers > 1) t.not(shardOf(a, workers), shardOf(b, workers), `${a} and ${b} are on different shards`);
      await c.call('DEL', a, b, d);
      await c.call('RPUSH', a, '1', '2', '3');
      t.equal(await c.call('LMOVE', a, b, 'LEFT', 'RIGHT'), '1');
      t.equal(await c.call('LMOVE', a, b, 'RIGHT', 'LEFT'), '3');
      t.same(await c.call('LRANGE', b, '0', '-1'), ['3', '1']);
      t.equal(await c.call('RPOPLPUSH', a, b), '2');
      t.equal(await c.call('EXISTS', a), 0, 'the emptied source is gone');
      t.same(await c.call('LRANGE', b, '0', '-1'), ['2', '3', '1']);
      t.equal(await c.call('RPOPLPUSH', a, b), null, 'missing source');
      t.equal(await c.call('LMOVE', b, b, 'LEFT', 'RIGHT'), '2', 'same key rotates');
      t.same(await c.call('LRANGE', b, '0', '-1'), ['3', '1', '2']);
      t.equal(await c.call('RPOPLPUSH', b, b), '2');
      t.same(await c.call('LRANGE', b, '0', '-1'), ['2', '3', '1']);
      t.same(await c.call('LMOVE', b, a, 'UP', 'LEFT'), err('ERR syntax error'));
      await c.call('SET', d, 'str');
      t.same(await c.call('LMOVE', b, d, 'LEFT', 'LEFT'), err('WRONGTYPE Operation against a key holding the wrong kind of value'));
      t.equal(await c.call('LLEN', b), 3, 'nothing popped when the destination has the wrong type');
      t.equal(await c.call('LMOVE', a, d, 'LEFT', 'LEFT'), null, 'a missing source answers nil before the destination is checked');
      await c.call('DEL', d);
      // LMPOP takes the first non-empty list in key order.
      t.same(await c.call('LMPOP', '3', a, d, b, 'RIGHT', 'COUNT', '2'), [b, ['1', '3']]);
      t.same(await c.call('LMPOP', '2', a, b, 'LEFT'), [b, ['2']]);
      t.equal(await c.call('EXISTS', b), 0);
      t.equal(await rawReply(srv.port, 'LMPOP', '2', a, b, 'LEFT'), '*-1\r\n', 'nothing to pop: null array');
      t.same(await c.call('LMPOP', '0', a, 'LEFT'), err('ERR numkeys should be greater than 0'));
      t.same(await c.call('LMPOP', '3', a, b, 'LEFT'), err('ERR syntax error'));
      t.same(await c.call('LMPOP', '1', a, 'LEFT', 'COUNT', '0'), err('ERR count should be greater than 0'));
      t.same(await c.call('COMMAND', 'GETKEYS', 'LMPOP', '2', a, b, 'LEFT'), [a, b]);
      t.same(await c.call('COMMAND', 'GETKEYS', 'LMOVE', a, b, 'LEFT', 'LEFT'), [a, b]);
    });

    t.test('lists move between shards intact (RENAME, COPY)', async (t) => {
      const [a, b, d] = keysOnDifferentShards('ren', 3, workers);
      const elements = ['', '12:ab', '3:', ALL_BYTES.toString('latin1'), 'x'.repeat(5000), '-1', '0'];
      await c.call('DEL', a, b, d);
      await c.call('RPUSH', a, ...elements);
      t.equal(await c.call('RENAME', a, b), 'OK');
      t.same(await c.call('LRANGE', b, '0', '-1'), elements);
      t.equal(await c.call('COPY', b, d), 1);
      await c.call('LPUSH', d, 'more');
      t.same(await c.call('LRANGE', d, '0', '-1'), ['more', ...elements]);
      t.same(await c.call('LRANGE', b, '0', '-1'), elements, 'the copy is independent');
    });

    t.test('binary elements through ioredis', async (t) => {
      const io = await connectIoredis(t, srv.port);
      await io.del('bin');
      t.equal(await io.rpush('bin', ALL_BYTES, Buffer.alloc(0), 'plain'), 3);
      const all = await io.lrangeBuffer('bin', 0, -1);
      t.ok(all[0].equals(ALL_BYTES), 'all 256 byte values survive');
      t.equal(all[1].length, 0);
      t.equal(await io.lpos('bin', ALL_BYTES), 0);
      t.same(await io.rpop('bin', 2), ['plain', ''], 'RPOP with a count pops from the tail inwards');
      t.same(await io.call('LMPOP', '1', 'bin', 'LEFT'), ['bin', [ALL_BYTES.toString('utf8')]]);
      t.equal(await io.exists('bin'), 0);
    });
  });
}

t.test('ring buffer behaves like an array under random operations', async (t) => {
  const r = rng(99);
  const list = new ListValue();
  let model: string[] = [];
  const problems: string[] = [];
  const check = (got: unknown, want: unknown, what: string): void => {
    if (got !== want && problems.length < 10) problems.push(`${what}: got ${String(got)}, want ${String(want)}`);
  };
  for (let step = 0; step < 20000; step++) {
    const x = r();
    const v = String(Math.floor(r() * 6));
    if (x < 0.2) {
      list.pushBack(v);
      model.push(v);
    } else if (x < 0.4) {
      list.pushFront(v);
      model.unshift(v);
    } else if (x < 0.5) {
      check(list.popFront(), model.shift(), `popFront at ${step}`);
    } else if (x < 0.6) {
      check(list.popBack(), model.pop(), `popBack at ${step}`);
    } else if (x < 0.67) {
      const i = Math.floor(r() * (model.length + 1));
      list.insertAt(i, v);
      model.splice(i, 0, v);
    } else if (x < 0.72) {
      const count = Math.floor(r() * 7) - 3;
      let removed = 0;
      const limit = count === 0 ? Infinity : Math.abs(count);
      const keep = (e: string): boolean => {
        if (e !== v || removed >= limit) return true;
        removed++;
        return false;
      };
      if (count >= 0) model = model.filter(keep);
      else model = model.reverse().filter(keep).reverse();
      check(list.removeMatching(v, count), removed, `removeMatching(${v}, ${count}) at ${step}`);
    } else if (x < 0.75) {
      const front = Math.floor(r() * 3);
      const back = Math.floor(r() * 3);
      list.trim(front, back);
      model = front + back >= model.length ? [] : model.slice(front, model.length - back);
    } else if (x < 0.8 && model.length > 0) {
      const i = Math.floor(r() * model.length);
      list.setAt(i, v);
      model[i] = v;
    } else if (x < 0.85) {
      // Occasional bursts grow the buffer past several doublings and shrink it back.
      const n = Math.floor(r() * 200);
      for (let j = 0; j < n; j++) {
        list.pushBack(`b${j}`);
        model.push(`b${j}`);
      }
    } else if (x < 0.9 && model.length > 0) {
      const n = Math.floor(r() * model.length);
      for (let j = 0; j < n; j++) check(list.popFront(), model.shift(), `burst popFront at ${step}`);
    }
    if (list.length !== model.length) {
      t.fail(`length ${list.length} != ${model.length} at step ${step}`);
      return;
    }
    if (step % 500 === 0 && JSON.stringify(list.toArray()) !== JSON.stringify(model)) check('contents', 'model', `contents at step ${step}`);
  }
  t.same(problems, [], 'no divergence from the array model');
  t.same(list.toArray(), model);
  const back = restoreValue('list', dumpValue(list).payload) as ListValue;
  t.same(back.toArray(), model, 'serialize round-trips');
  t.same(list.clone().toArray(), model);
  t.same(ListValue.fromArray(['x', 'y']).sortElements(), ['x', 'y']);
});

t.test('indexing a long list is O(1) from either end', async (t) => {
  const n = 1_000_000;
  const list = new ListValue();
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) list.pushBack(String(i));
    else list.pushFront(String(i));
  }
  const started = performance.now();
  let hits = 0;
  for (let j = 0; j < 200000; j++) if (list.at((j * 7919) % n) !== '') hits++;
  const ms = performance.now() - started;
  t.equal(hits, 200000);
  // A list walking from an end would need ~10^11 steps here.
  t.ok(ms < 1000, `200k random LINDEX-style reads took ${ms.toFixed(1)} ms`);
  t.equal(list.at(0), String(n - 1));
  t.equal(list.at(n - 1), String(n - 2));
});

t.test('redis-benchmark -t lpush,rpush,lpop,rpop,lrange -P 16 ', { skip: noRedisBenchmark }, async (t) => {
  const srv = await startShardis(t, { workers: ANY_WORKERS });
  const r = runRedisBenchmark(srv.port, ['-t', 'lpush,rpush,lpop,rpop,lrange', '-n', '4000', '-P', '16'], 60_000);
  t.equal(r.status, 0, `redis-benchmark exited 0 (stderr: ${r.stderr.slice(0, 500)})`);
  t.notMatch(r.output, /error|ERR/i, 'no error replies reported');
  const names = r.rates.map((x) => x.test);
  for (const want of ['LPUSH', 'RPUSH', 'LPOP', 'RPOP', 'LRANGE_100 (first 100 elements)', 'LRANGE_600 (first 600 elements)']) {
    t.ok(names.includes(want), `${want} ran`);
  }
  const c = await connectResp(t, srv.port);
  t.ok((await c.call('LLEN', 'mylist')) as number >= 600, 'the list LRANGE read is there');
  t.equal((await c.call('LRANGE', 'mylist', '0', '599') as Reply[]).length, 600);
});
