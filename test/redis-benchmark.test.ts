/**
 * redis-benchmark runs to completion with no errors against every worker
 * count of the matrix (its complete default run against one), and what it
 * wrote is really there afterwards. Throughput is not asserted here
 * (benchmarks/ measures it as ratios against redis-server).
 */
import t from 'tap';
import { startShardis, WORKER_MATRIX, ANY_WORKERS, noRedisBenchmark, runRedisBenchmark } from './helpers/servers';
import { connectResp } from './helpers/resp-client';

for (const workers of WORKER_MATRIX) {
  t.test(`redis-benchmark -t ping,set,get,incr,mset -P 16 against --workers ${workers}`, { skip: noRedisBenchmark }, async (t) => {
    const srv = await startShardis(t, { workers });
    const n = 200000;
    const r = runRedisBenchmark(srv.port, ['-t', 'ping,set,get,incr,mset', '-P', '16', '-n', String(n), '-c', '50']);
    t.equal(r.status, 0, `redis-benchmark exited 0 (stderr: ${r.stderr.slice(0, 500)})`);
    t.notMatch(r.output, /error|ERR/i, 'no error replies reported');
    t.same(
      r.rates.map((x) => x.test),
      ['PING_INLINE', 'PING_MBULK', 'SET', 'GET', 'INCR', 'MSET (10 keys)'],
      'every requested test ran',
    );
    for (const x of r.rates) t.ok(x.rps > 0, `${x.test} reported a rate`);
    const c = await connectResp(t, srv.port);
    // INCR ran n times on one counter; SET/MSET wrote the benchmark's fixed keys.
    t.equal(await c.call('GET', 'counter:__rand_int__'), String(n));
    t.equal(await c.call('GET', 'key:__rand_int__'), 'VXK', 'the 3-byte payload redis-benchmark writes');
    t.equal(await c.call('EXISTS', 'key:__rand_int__'), 1);
  });
}

const DEFAULT_TESTS = [
  'PING_INLINE', 'PING_MBULK', 'SET', 'GET', 'INCR', 'LPUSH', 'RPUSH', 'LPOP', 'RPOP', 'SADD', 'HSET', 'SPOP', 'ZADD', 'ZPOPMIN',
  'LPUSH (needed to benchmark LRANGE)', 'LRANGE_100 (first 100 elements)', 'LRANGE_300 (first 300 elements)',
  'LRANGE_500 (first 500 elements)', 'LRANGE_600 (first 600 elements)', 'MSET (10 keys)',
];

for (const pipeline of [1, 16]) {
  t.test(`the complete default redis-benchmark run at -P ${pipeline}`, { skip: noRedisBenchmark }, async (t) => {
    const srv = await startShardis(t, { workers: ANY_WORKERS });
    const r = runRedisBenchmark(srv.port, ['-P', String(pipeline), '-n', '3000', '-c', '20'], 240_000);
    t.equal(r.status, 0, `redis-benchmark exited 0 (stderr: ${r.stderr.slice(0, 500)})`);
    t.notMatch(r.output, /error|ERR/i, 'no error replies reported');
    const ran = r.rates.filter((x) => x.rps > 0).map((x) => x.test);
    t.same(ran, DEFAULT_TESTS, 'every default test ran and reported a rate');
    const c = await connectResp(t, srv.port);
    t.equal(await c.call('TYPE', 'mylist'), 'list');
    t.equal(await c.call('TYPE', 'myset'), 'none', 'SPOP emptied the set SADD filled (same count)');
    t.equal(await c.call('TYPE', 'myhash'), 'hash');
  });
}
