/**
 * Engine-level tests: command families run by a shard engine in this process
 * (test/helpers/engine.ts), no server, no socket. They cover what the rows of
 * the command table decide on the shard side: the op each row binds, the
 * variants several rows share (LPUSH/RPUSH, the ZRANGE forms, EXPIRE/TTL
 * forms, ...), and the shard RPC that coordinators use. Expected replies are
 * Redis 7.0's.
 */
import t from 'tap';
import { EngineHarness } from './helpers/engine';
import { opTable, OPS } from '../workers/ops';
import { commandRows } from '../src/core/commands';
import { err } from './helpers/util';

t.test('every shard row is bound to an op, and every op to a row', async (t) => {
  let rows = 0;
  for (const spec of commandRows) {
    if (spec.runs !== 'shard') continue;
    for (const s of spec.subcommands ?? [spec]) {
      // A main-thread subcommand of a shard container (MEMORY STATS) has no op.
      if (s.runs !== 'shard') continue;
      rows++;
      const full = s === spec ? spec.name : `${spec.name}|${s.name}`;
      const entry = s === spec ? opTable.lookup(full) : opTable.lookup(spec.name)?.subcommands?.get(s.name);
      t.ok(entry !== undefined && entry.opIndex >= 0 && OPS[entry.opIndex] === entry, full);
    }
  }
  t.equal(OPS.length, rows, 'one op index per shard row');
});

t.test('list pushes and pops: one op per form, the end from the row', async (t) => {
  const e = new EngineHarness();
  t.teardown(() => e.close());
  t.equal(e.run('RPUSH', 'l', 'b', 'c'), 2);
  t.equal(e.run('lpush', 'l', 'a'), 3);
  t.equal(e.run('LPUSHX', 'none', 'x'), 0);
  t.equal(e.run('RPUSHX', 'l', 'd'), 4);
  t.same(e.run('LRANGE', 'l', 0, -1), ['a', 'b', 'c', 'd']);
  t.equal(e.run('LPOP', 'l'), 'a');
  t.same(e.run('RPOP', 'l', 2), ['d', 'c']);
  t.same(e.run('RPOPLPUSH', 'l', 'l2'), 'b');
  t.equal(e.run('EXISTS', 'l'), 0);
  t.same(e.run('LPOP', 'l', 1, 2), err("ERR wrong number of arguments for 'lpop' command"));
});

t.test('the ZRANGE forms are one op with the form in the row', async (t) => {
  const e = new EngineHarness();
  t.teardown(() => e.close());
  e.run('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c', 4, 'd');
  t.same(e.run('ZRANGE', 'z', 0, 1), ['a', 'b']);
  t.same(e.run('ZRANGE', 'z', '(1', 3, 'BYSCORE', 'WITHSCORES'), ['b', '2', 'c', '3']);
  t.same(e.run('ZREVRANGE', 'z', 0, 1), ['d', 'c']);
  t.same(e.run('ZRANGEBYSCORE', 'z', 2, '+inf', 'LIMIT', 1, 1), ['c']);
  t.same(e.run('ZREVRANGEBYSCORE', 'z', '+inf', 3), ['d', 'c']);
  t.same(e.run('ZRANGEBYLEX', 'z', '-', '[b'), ['a', 'b']);
  t.same(e.run('ZREVRANGEBYLEX', 'z', '[b', '-'), ['b', 'a']);
  t.equal(e.run('ZRANGESTORE', 'dst', 'z', 1, 2), 2);
  t.same(e.run('ZRANGE', 'dst', 0, -1), ['b', 'c']);
  t.same(e.run('ZREVRANGE', 'z', 0, 1, 'BYSCORE'), err('ERR syntax error'));
  t.equal(e.run('ZRANK', 'z', 'c'), 2);
  t.equal(e.run('ZREVRANK', 'z', 'c'), 1);
  t.same(e.run('ZPOPMIN', 'z'), ['a', '1']);
  t.same(e.run('ZPOPMAX', 'z'), ['d', '4']);
});

t.test('EXPIRE/TTL forms share their op; the unit and base come from the row', async (t) => {
  const e = new EngineHarness();
  t.teardown(() => e.close());
  e.run('SET', 'k', 'v');
  t.equal(e.run('TTL', 'k'), -1);
  t.equal(e.run('EXPIRE', 'k', 100), 1);
  t.equal(e.run('TTL', 'k'), 100);
  t.ok((e.run('PTTL', 'k') as number) > 99_000);
  t.equal(e.run('PEXPIRE', 'k', 5000), 1);
  t.equal(e.run('TTL', 'k'), 5);
  const at = Math.floor(Date.now() / 1000) + 1000;
  t.equal(e.run('EXPIREAT', 'k', at), 1);
  t.equal(e.run('EXPIRETIME', 'k'), at);
  t.equal(e.run('PEXPIRETIME', 'k'), at * 1000);
  t.equal(e.run('PEXPIREAT', 'k', at * 1000 + 500), 1);
  t.equal(e.run('PEXPIRETIME', 'k'), at * 1000 + 500);
  t.same(e.run('EXPIRE', 'k', '9223372036854775807'), err("ERR invalid expire time in 'expire' command"));
  t.same(e.run('PEXPIRE', 'k', 10, 'XX', 'NX'), err('ERR NX and XX, GT or LT options at the same time are not compatible'));
});

t.test('INCR/DECR, SETEX/PSETEX, HSET/HMSET, BITFIELD_RO, XREVRANGE, SORT_RO', async (t) => {
  const e = new EngineHarness();
  t.teardown(() => e.close());
  t.equal(e.run('INCR', 'n'), 1);
  t.equal(e.run('INCRBY', 'n', 10), 11);
  t.equal(e.run('DECR', 'n'), 10);
  t.equal(e.run('DECRBY', 'n', 4), 6);
  t.same(e.run('DECRBY', 'n', '-9223372036854775808'), err('ERR decrement would overflow'));
  t.equal(e.run('SETEX', 's', 10, 'v'), 'OK');
  t.equal(e.run('TTL', 's'), 10);
  t.equal(e.run('PSETEX', 's', 3000, 'v'), 'OK');
  t.equal(e.run('TTL', 's'), 3);
  t.same(e.run('SETEX', 's', 0, 'v'), err("ERR invalid expire time in 'setex' command"));
  t.equal(e.run('HSET', 'h', 'a', 1, 'b', 2), 2);
  t.equal(e.run('HMSET', 'h', 'c', 3), 'OK');
  t.same(e.run('HSET', 'h', 'a'), err("ERR wrong number of arguments for 'hset' command"));
  t.same(e.run('BITFIELD', 'bf', 'SET', 'u8', 0, 200), [0]);
  t.same(e.run('BITFIELD_RO', 'bf', 'GET', 'u8', 0), [200]);
  t.same(e.run('BITFIELD_RO', 'bf', 'SET', 'u8', 0, 1), err('ERR BITFIELD_RO only supports the GET subcommand'));
  e.run('XADD', 'x', '1-0', 'f', 'a');
  e.run('XADD', 'x', '2-0', 'f', 'b');
  t.same(e.run('XRANGE', 'x', '-', '+', 'COUNT', 1), [['1-0', ['f', 'a']]]);
  t.same(e.run('XREVRANGE', 'x', '+', '-', 'COUNT', 1), [['2-0', ['f', 'b']]]);
  e.run('RPUSH', 'sl', 3, 1, 2);
  t.same(e.run('SORT_RO', 'sl'), ['1', '2', '3']);
  t.same(e.run('SORT_RO', 'sl', 'STORE', 'x2'), err('ERR syntax error'));
  t.equal(e.run('SORT', 'sl', 'DESC', 'STORE', 'sorted'), 3);
  t.same(e.run('LRANGE', 'sorted', 0, -1), ['3', '2', '1']);
});

t.test('the shard RPC: dump and restore, scratch execution, keyspace walks', async (t) => {
  const e = new EngineHarness();
  t.teardown(() => e.close());
  e.run('SADD', 'a', 'x', 'y');
  e.run('SADD', 'b', 'y', 'z');
  e.run('PEXPIRE', 'a', 60_000);
  const a = e.rpc('dump', { key: 'a' });
  t.ok(a !== null && a.type === 'set' && a.expireAt !== null, 'dump carries the type and the deadline');
  t.equal(e.rpc('dump', { key: 'missing' }), null);
  t.equal(e.rpc('restore', { key: 'a2', value: a!, mode: 'nx' }), true);
  t.equal(e.rpc('restore', { key: 'a2', value: a!, mode: 'nx' }), false, 'nx keeps an existing key');
  t.same((e.run('SMEMBERS', 'a2') as string[]).sort(), ['x', 'y']);
  t.ok((e.run('PTTL', 'a2') as number) > 50_000, 'the deadline came along');
  // The scratch executor runs an op on copies of keys it is given, and says which changed.
  const sunion = opTable.lookup('sunionstore')!;
  const out = e.rpc('scratch', {
    opIndex: sunion.opIndex,
    args: ['SUNIONSTORE', 'dest', 'a', 'b'],
    keys: [
      { key: 'dest', value: null },
      { key: 'a', value: e.rpc('dump', { key: 'a' }) },
      { key: 'b', value: e.rpc('dump', { key: 'b' }) },
    ],
  });
  t.equal(out.reply, ':3\r\n');
  t.same(out.changed.map((c) => c.key), ['dest'], 'only the destination changed');
  t.equal(e.run('EXISTS', 'dest'), 0, "the shard's own data is untouched");
  t.equal(e.rpc('dbsize', undefined), 3);
  t.same(e.rpc('keys', { pattern: 'a*' }).sort(), ['a', 'a2']);
  const page = e.rpc('scan', { cursor: 0, count: 100, pattern: null, type: 'set' });
  t.same([page.next, page.keys.sort()], [0, ['a', 'a2', 'b']]);
  t.equal(e.rpc('delete', { key: 'a2' }), true);
  t.equal(e.rpc('delete', { key: 'a2' }), false);
  t.throws(() => e.rpc('bpop', { mode: 1, cmd: 'nonsense', params: [], keys: ['a'], ids: [] }), /unknown blocking op/);
});
