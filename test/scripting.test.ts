/**
 * Scripts on a real server: atomic across shards (keys a script does not
 * declare, on other shards, with nothing interleaved), writes from scripts
 * waking blocked clients, failing WATCH and raising keyspace notifications
 * on any shard, -BUSY past busy-reply-threshold, SCRIPT KILL and
 * UNKILLABLE, and a client that leaves while its script runs.
 */
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RespClient } from './helpers/resp-client';
import { Subscriber } from './helpers/subscriber';
import { startShardis, WORKER_MATRIX } from './helpers/servers';
import { keysOnDifferentShards } from './helpers/shards';
import { eventually, sleep, err } from './helpers/util';
import { infoNumber } from './helpers/info';

// The transfer moves one unit between two keys it does not declare (one per shard);
// the audit reads both twice with a busy loop between: an interleaved write would show.
const TRANSFER = `
local a, b = ARGV[1], ARGV[2]
redis.call('decr', a)
for i = 1, 200 do end
redis.call('incr', b)
return 1`;
const AUDIT = `
local x = tonumber(redis.call('get', ARGV[1]) or 0) + tonumber(redis.call('get', ARGV[2]) or 0)
for i = 1, 2000 do end
local y = tonumber(redis.call('get', ARGV[1]) or 0) + tonumber(redis.call('get', ARGV[2]) or 0)
return {x, y}`;

for (const workers of WORKER_MATRIX) {
  t.test(`--workers ${workers}`, async (t) => {
    const srv = await startShardis(t, { workers });
    const shards = Math.max(1, workers);
    const c = await RespClient.connect(srv.port);
    t.teardown(() => c.close());

    await t.test('a script reaching undeclared keys on several shards is atomic', async (t) => {
      const [a, b] = keysOnDifferentShards('acct:', 2, shards);
      await c.call('MSET', a, '1000', b, '1000');
      const clients = await Promise.all(Array.from({ length: 6 }, () => RespClient.connect(srv.port)));
      const bad: unknown[] = [];
      await Promise.all(
        clients.map(async (cl, i) => {
          for (let n = 0; n < 60; n++) {
            if (i % 2 === 0) {
              const r = await cl.call('EVAL', TRANSFER, '0', i % 4 === 0 ? a : b, i % 4 === 0 ? b : a);
              if (r !== 1) bad.push(r);
            } else {
              const r = await cl.call('EVAL', AUDIT, '0', a, b);
              if (JSON.stringify(r) !== '[2000,2000]') bad.push(r);
            }
          }
        }),
      );
      for (const cl of clients) cl.close();
      t.same(bad, [], 'every audit saw the total unchanged and consistent within the script');
      const [x, y] = (await c.call('MGET', a, b)) as string[];
      t.equal(Number(x) + Number(y), 2000);
      t.equal(await c.call('INFO', 'tasks').then((s) => /lock_held:0/.test(String(s))), true, 'the shard lock is free');
    });

    await t.test('multi-key commands inside a script span shards', async (t) => {
      const ks = keysOnDifferentShards('mk:', 3, shards);
      t.same(await c.call('EVAL', "redis.call('mset', ARGV[1], 'x', ARGV[2], 'y', ARGV[3], 'z') return {redis.call('mget', ARGV[1], ARGV[2], ARGV[3], 'nokey'), redis.call('exists', ARGV[1], ARGV[2], ARGV[3]), redis.call('del', ARGV[1], ARGV[3])}", '0', ...ks), [['x', 'y', 'z', null], 3, 2]);
      t.same(await c.call('MGET', ...ks), [null, 'y', null]);
    });

    await t.test("a script's write wakes a client blocked on another shard", async (t) => {
      const [q, other] = keysOnDifferentShards('bq:', 2, shards);
      const blocked = await RespClient.connect(srv.port);
      t.teardown(() => blocked.close());
      const popped = blocked.call('BLPOP', q, '5');
      await eventually('the client blocks', async () => (await infoNumber(c, 'clients', 'blocked_clients')) === 1);
      t.equal(await c.call('EVAL', "redis.call('set', KEYS[1], 'x') return redis.call('rpush', ARGV[1], 'job')", '1', other, q), 1);
      t.same(await popped, [q, 'job']);
    });

    await t.test("a script's write fails another client's WATCH", async (t) => {
      const [w, other] = keysOnDifferentShards('wk:', 2, shards);
      const watcher = await RespClient.connect(srv.port);
      t.teardown(() => watcher.close());
      await watcher.call('WATCH', w);
      await c.call('EVAL', "return redis.call('set', ARGV[1], 'changed')", '1', other, w);
      await watcher.call('MULTI');
      await watcher.call('SET', w, 'mine');
      t.equal(await watcher.call('EXEC'), null, 'EXEC aborted');
      t.equal(await c.call('GET', w), 'changed');
    });

    await t.test("a script's writes raise keyspace notifications", async (t) => {
      const [k] = keysOnDifferentShards('nk:', 1, shards);
      await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA');
      t.teardown(() => c.call('CONFIG', 'SET', 'notify-keyspace-events', ''));
      const sub = await Subscriber.connect(srv.port);
      t.teardown(() => sub.close());
      sub.send('SUBSCRIBE', `__keyspace@0__:${k}`);
      await sub.count(1);
      await c.call('EVAL', "return redis.call('set', ARGV[1], 'v')", '0', k);
      await sub.until((r) => JSON.stringify(r) === JSON.stringify(['message', `__keyspace@0__:${k}`, 'set']));
      t.pass('notified');
    });

    await t.test('blocking commands inside a script do not block', async (t) => {
      t.same(await c.call('EVAL', "return redis.pcall('blpop', 'nolist', 0)", '0'), err('ERR This Redis command is not allowed from script'));
      // A stream read with BLOCK is refused, as Redis refuses it in scripts (scripting-diff compares the text).
      const r = (await c.call('EVAL', "return redis.call('xread', 'block', 0, 'streams', 'nostream', '$')", '0')) as { error: string };
      t.match(r.error, /^ERR xread command is not allowed with BLOCK option from scripts/);
      t.same(await c.call('EVAL', "return redis.call('xread', 'streams', 'nostream', '$')", '0'), null);
    });

    // An inline shard's script holds the main thread itself: nobody can be told BUSY.
    await t.test('BUSY, SCRIPT KILL and UNKILLABLE', { skip: workers === 0 ? 'the inline shard runs scripts on the main thread' : false }, async (t) => {
      await c.call('CONFIG', 'SET', 'busy-reply-threshold', '50');
      t.teardown(() => c.call('CONFIG', 'SET', 'busy-reply-threshold', '5000'));
      t.same(await c.call('SCRIPT', 'KILL'), err('NOTBUSY No scripts in execution right now.'));
      const runner = await RespClient.connect(srv.port);
      t.teardown(() => runner.close());
      const looping = runner.call('EVAL', 'local i = 0 while true do i = i + 1 end', '0');
      await sleep(150);
      t.same(await c.call('GET', 'x'), err('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.'));
      t.equal(await c.call('SCRIPT', 'KILL'), 'OK');
      const r = (await looping) as { error: string };
      t.match(r.error, /^ERR Script killed by user with SCRIPT KILL\.\.\. script: \w+, on @user_script:1\.$/);
      t.equal(await c.call('PING'), 'PONG');

      const writing = runner.call('EVAL', "local function ms() local t = redis.call('time') return t[1] * 1000 + t[2] / 1000 end redis.call('set', KEYS[1], 'w') local t0 = ms() while ms() < t0 + 600 do end return 'done'", '1', 'wkey');
      await sleep(150);
      t.match(await c.call('SCRIPT', 'KILL'), { error: /^UNKILLABLE / });
      t.equal(await writing, 'done', 'a script that wrote runs to its end');
      t.equal(await c.call('GET', 'wkey'), 'w');
    });

    await t.test("the AOF keeps a script's effects and the functions", async (t) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardis-scripts-aof-'));
      t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
      const args = ['--appendonly', 'yes', '--save', ''];
      const first = await startShardis(t, { workers, dir, args });
      const a = await RespClient.connect(first.port);
      const [k1, k2] = keysOnDifferentShards('aof:', 2, shards);
      // TIME makes the script non-deterministic: only its effects replay to the same data.
      const stamp = await a.call('EVAL', "local t = redis.call('time')[2] redis.call('set', KEYS[1], t) redis.call('incrby', ARGV[1], 5) return t", '1', k1, k2);
      await a.call('FUNCTION', 'LOAD', "#!lua name=aoflib\nredis.register_function('bump', function(keys) return redis.call('incr', keys[1]) end)");
      t.equal(await a.call('FCALL', 'bump', '1', k2), 6);
      a.close();
      await first.stop();
      const second = await startShardis(t, { workers, dir, args });
      const b = await RespClient.connect(second.port);
      t.teardown(() => b.close());
      t.same(await b.call('MGET', k1, k2), [stamp, '6'], 'the writes came back as they were made');
      t.equal(await b.call('FCALL', 'bump', '1', k2), 7, 'the library came back');
    });

    await t.test('the RDB keeps the function libraries', async (t) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardis-scripts-rdb-'));
      t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
      const first = await startShardis(t, { workers, dir });
      const a = await RespClient.connect(first.port);
      await a.call('FUNCTION', 'LOAD', "#!lua name=rdblib\nredis.register_function{function_name='echo2', callback=function(keys, args) return args[1] .. args[1] end, flags={'no-writes'}}");
      t.equal(await a.call('SAVE'), 'OK');
      a.close();
      await first.stop();
      const second = await startShardis(t, { workers, dir });
      const b = await RespClient.connect(second.port);
      t.teardown(() => b.close());
      t.equal(await b.call('FCALL_RO', 'echo2', '0', 'ab'), 'abab');
    });

    await t.test('a script keeping to its keys\' shard runs without the lock; one reaching another shard takes it', { skip: shards < 2 ? 'one shard: no lock' : false }, async (t) => {
      const locks = (): Promise<number> => infoNumber(c, 'tasks', 'lock_acquisitions');
      const [home, far] = keysOnDifferentShards('reach:', 2, shards);
      await c.call('SET', far, 'far-value');
      // Reads another shard's key only when asked: the first runs keep to KEYS[1].
      const READ = "if ARGV[1] == 'far' then return redis.call('get', ARGV[2]) end return redis.call('incr', KEYS[1])";
      t.equal(await c.call('EVAL', READ, '1', home, 'near', far), 1, 'first run: under the lock (nothing learnt yet)');
      const before = await locks();
      for (let i = 2; i <= 20; i++) t.equal(await c.call('EVAL', READ, '1', home, 'near', far), i);
      t.equal(await locks(), before, 'runs that keep to their declared keys\' slot take no lock');
      // Pipelined: the aborted call runs again under the lock, its reply in its place.
      const replies = await Promise.all([c.call('EVAL', READ, '1', home, 'near', far), c.call('EVAL', READ, '1', home, 'far', far), c.call('EVAL', READ, '1', home, 'near', far)]);
      t.same(replies, [21, 'far-value', 22], 'the call that reached another shard was aborted unrun and ran again under the lock');
      t.ok((await locks()) > before, 'and the script takes the lock from then on');
      // One that wrote first cannot be aborted: that call fails (its write stays), the next run takes the lock.
      const WRITE = "redis.call('incr', KEYS[1]) if ARGV[1] == 'far' then return redis.call('get', ARGV[2]) end return 'ok'";
      await c.call('EVAL', WRITE, '1', home, 'near', far);
      await c.call('EVAL', WRITE, '1', home, 'near', far);
      t.match(await c.call('EVAL', WRITE, '1', home, 'far', far), { error: /ERR this script reached a key of another shard after it wrote/ });
      t.equal(await c.call('GET', home), '25', 'its write before stays, as with any failing script');
      t.equal(await c.call('EVAL', WRITE, '1', home, 'far', far), 'far-value');
    });

    await t.test('a cross-shard script runs after every command dispatched before it', { skip: shards < 2 ? 'one shard' : false }, async (t) => {
      // A script reaches other shards on its own channels, not the main thread's, and in the
      // main thread's flush the script's shard may get its batch before the far shard gets the
      // one with the SET: the far shard must run that SET before the script's call.
      const [home, far] = keysOnDifferentShards('order:', 2, shards);
      const SCRIPT = "return redis.call('set', KEYS[2], ARGV[1])";
      const bad: string[] = [];
      // Without the wait for the far shard (workers/scripting/peers.ts) about 1 round in 130 failed here.
      for (let round = 0; round < 1500; round++) {
        // GET first: the home shard's batch of this turn is opened (and so posted) before the far one's.
        const replies = await c.pipeline([
          ['GET', home],
          ['SET', far, `before-${round}`],
          ['EVAL', SCRIPT, '2', home, far, `script-${round}`],
          ['GET', far],
        ]);
        if (replies[3] !== `script-${round}`) bad.push(`round ${round}: ${String(replies[3])}`);
      }
      t.same(bad, [], "the script's write, dispatched last, is the one that stays");
    });

    await t.test('SCRIPT DEBUG: NO is accepted, YES and SYNC are refused with the reason', async (t) => {
      t.equal(await c.call('SCRIPT', 'DEBUG', 'no'), 'OK');
      for (const mode of ['yes', 'SYNC']) t.match(await c.call('SCRIPT', 'DEBUG', mode), { error: /^ERR SCRIPT DEBUG YES\/SYNC is not supported by this server: it has no Lua debugger/ });
      t.equal(await c.call('EVAL', 'return 1', '0'), 1, 'scripts run as before');
    });

    await t.test('a client that leaves while its script runs', async (t) => {
      const leaving = await Subscriber.connect(srv.port);
      leaving.send('EVAL', "for i = 1, 3000000 do end return redis.call('set', 'after', 'yes')", '0');
      await sleep(20);
      leaving.close();
      await eventually('the script ran to its end', async () => (await c.call('GET', 'after')) === 'yes');
      await eventually('its connection is gone', async () => (await infoNumber(c, 'clients', 'connected_clients')) === 1);
      t.equal(await c.call('PING'), 'PONG');
    });
  });
}
