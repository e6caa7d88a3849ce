/**
 * DEBUG subcommands against redis-server 7.0.15. POPULATE: the same calls on
 * both servers give the same replies (errors too), keys, values (cut or
 * zero-padded to a size), DEBUG DIGEST, and no change to
 * rdb_changes_since_last_save; keys that exist keep their values, an expired
 * one is replaced. SET-ACTIVE-EXPIRE: with 0, keys past their deadline stay
 * until read; with 1 the cycle takes them.
 */
import t, { type Test } from 'tap';
import { WORKER_MATRIX, noRedisServer, startRedis, startShardis } from './helpers/servers';
import { connectResp, type RespClient } from './helpers/resp-client';
import { eventually, sleep } from './helpers/util';
import { infoNumber } from './helpers/info';

const DBG = ['--enable-debug-command', 'yes'];
type Cmd = (string | number)[];

const STEPS: Cmd[] = [
  ['SET', 'key:1', 'mine'], ['SET', 'key:2', 'old', 'PX', 1], ['DEBUG', 'SLEEP', 0.01],
  ['DEBUG', 'POPULATE', 3], ['MGET', 'key:0', 'key:1', 'key:2'], ['PTTL', 'key:2'],
  ['DEBUG', 'POPULATE', 2, 'pre', 12], ['GET', 'pre:1'], ['DEBUG', 'POPULATE', 2, 'cut', 3], ['GET', 'cut:1'],
  ['DEBUG', 'POPULATE', 1, 'zero', 0], ['GET', 'zero:0'], ['DEBUG', 'POPULATE', 0],
  ['DEBUG', 'POPULATE', -1], ['DEBUG', 'POPULATE', 'abc'], ['DEBUG', 'POPULATE', 1, 'a', 'b'], ['DEBUG', 'POPULATE', 1, 'a', -5],
  ['DEBUG', 'POPULATE', '1.5'], ['DEBUG', 'POPULATE', 1, 'a', 1, 'x'], ['DEBUG', 'POPULATE'],
  ['DEBUG', 'POPULATE', 2000, 'many', 40], ['DBSIZE'], ['GET', 'many:1999'], ['TYPE', 'many:7'], ['STRLEN', 'many:7'],
  ['SELECT', 2], ['DEBUG', 'POPULATE', 100], ['DBSIZE'], ['SELECT', 0], ['DBSIZE'],
];

/**
 * Runs `body` against one redis-server and a Shardis per worker count (the
 * matrix's first and last), DEBUG enabled on both, redis-server flushed and
 * its stats reset before each.
 */
async function againstBoth(t: Test, body: (sc: RespClient, rc: RespClient, workers: number) => Promise<void>): Promise<void> {
  const redis = await startRedis(t, DBG);
  const rc = await connectResp(t, redis.port);
  for (const workers of new Set([WORKER_MATRIX[0], WORKER_MATRIX[WORKER_MATRIX.length - 1]])) {
    const s = await startShardis(t, { workers, args: DBG });
    const sc = await connectResp(t, s.port);
    await rc.call('FLUSHALL');
    await rc.call('CONFIG', 'RESETSTAT');
    await body(sc, rc, workers);
    await s.stop();
  }
}

t.test('DEBUG POPULATE does what redis-server\'s does', { skip: noRedisServer }, (t) =>
  againstBoth(t, async (sc, rc, workers) => {
    const dirty = (c: RespClient): Promise<number> => infoNumber(c, 'persistence', 'rdb_changes_since_last_save');
    const before = [await dirty(sc), await dirty(rc)];
    for (const step of STEPS) t.same(await sc.call(...step), await rc.call(...step), `--workers ${workers}: ${step.join(' ')}`);
    t.same([(await dirty(sc)) - before[0], (await dirty(rc)) - before[1]], [2, 2], `--workers ${workers}: only the two SETs are changes`);
    t.equal(await sc.call('DEBUG', 'DIGEST'), await rc.call('DEBUG', 'DIGEST'), `--workers ${workers}: the same dataset`);
  }),
);

t.test('DEBUG SET-ACTIVE-EXPIRE stops and restarts the active expiry cycle, as in redis-server', { skip: noRedisServer }, (t) =>
  againstBoth(t, async (sc, rc, workers) => {
    const expired = (c: RespClient): Promise<number> => infoNumber(c, 'stats', 'expired_keys');
    const both = async (...cmd: (string | number)[]): Promise<unknown[]> => [await sc.call(...cmd), await rc.call(...cmd)];
    t.same(await both('DEBUG', 'SET-ACTIVE-EXPIRE', 0), ['OK', 'OK']);
    const keys = Array.from({ length: 20 }, (_, i) => `ttl:${i}`);
    for (const k of keys) await both('SET', k, 'v', 'PX', 50);
    await sleep(400);
    t.same([await expired(sc), await expired(rc)], [0, 0], `--workers ${workers}: four cycles' time later, nothing expired`);
    t.same(await both('DBSIZE'), [20, 20], 'the keys are still there, unread');
    t.same(await both('DEBUG', 'SET-ACTIVE-EXPIRE', 1), ['OK', 'OK']);
    for (const c of [sc, rc]) await eventually('the cycle to take them', async () => (await expired(c)) === 20, 5000);
    t.same(await both('DBSIZE'), [0, 0], `--workers ${workers}: taken by the cycle once it runs again`);
    // Read as atoi: a word is 0.
    t.same(await both('DEBUG', 'SET-ACTIVE-EXPIRE', 'on'), ['OK', 'OK']);
    for (const k of keys) await both('SET', k, 'v', 'PX', 50);
    await sleep(300);
    t.same(await both('DBSIZE'), [20, 20], '"on" reads as 0: the cycle is off again');
    for (const wrong of [['DEBUG', 'SET-ACTIVE-EXPIRE'], ['DEBUG', 'SET-ACTIVE-EXPIRE', 1, 2]]) {
      const [ours, theirs] = await both(...wrong);
      t.match(ours, { error: /^ERR unknown subcommand/ }, `${wrong.join(' ')}: refused`);
      t.same(ours, theirs, `${wrong.join(' ')}: as redis-server refuses it`);
    }
    await both('DEBUG', 'SET-ACTIVE-EXPIRE', 1);
  }),
);
