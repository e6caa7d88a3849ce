/**
 * Shardis as a replica (src/replication/replica.ts), against the reference:
 * a redis-server 7.0.15 master streams a snapshot (diskless with the EOF
 * mark, and from disk with a length) and its command stream to Shardis
 * (--workers 0 and several shards) while a client keeps writing to it, and
 * both end with the same DEBUG DIGEST; a dropped link continues with a
 * partial resync (+CONTINUE, counted by the master's sync_partial_ok);
 * REPLICAOF NO ONE keeps the data and takes writes; the replica's refusals
 * (-READONLY, -MASTERDOWN) and REPLICAOF's errors are compared with a
 * redis-server replica in the same state.
 */
import t from 'tap';
import { MULTI_SHARD_WORKERS, noRedisServer, startRedis, startShardis, freePort, type ShardisProcess } from './helpers/servers';
import { connectResp, type Reply, type RespClient } from './helpers/resp-client';
import { everyShapeDataset } from './helpers/datasets';
import { rng } from './helpers/differential';
import { eventually, sleep, waitFor } from './helpers/util';
import { info, infoField, infoNumber } from './helpers/info';

const WORKERS = [...new Set([0, MULTI_SHARD_WORKERS[0] ?? 4])];
const DEBUG = ['--enable-debug-command', 'yes'];

/** Keeps writing a mix of what a master streams (SELECT, MULTI/EXEC, scripts' effects, multi-key commands) until stopped. */
function startWriter(c: RespClient, seed: number): { stop: () => Promise<number> } {
  const r = rng(seed);
  let running = true;
  let sent = 0;
  const key = (p: string): string => `${p}:${Math.floor(r() * 100_000)}`;
  const loop = (async (): Promise<void> => {
    while (running) {
      const batch: (string | number)[][] = [];
      for (let i = 0; i < 40; i++) {
        const n = r();
        if (n < 0.3) batch.push(['SET', key('w'), String(r())]);
        else if (n < 0.4) batch.push(['INCR', `cnt:${Math.floor(r() * 50)}`]);
        else if (n < 0.5) batch.push(['RPUSH', `lst:${Math.floor(r() * 20)}`, String(i)]);
        else if (n < 0.6) batch.push(['HSET', `hsh:${Math.floor(r() * 20)}`, `f${Math.floor(r() * 100)}`, String(r())]);
        else if (n < 0.65) batch.push(['MSET', key('m'), 'a', key('m'), 'b']);
        else if (n < 0.7) batch.push(['SELECT', 2], ['ZADD', 'z2', Math.floor(r() * 1000), key('mem')], ['SELECT', 0]);
        else if (n < 0.75) batch.push(['MULTI'], ['SADD', 'set:tx', key('s')], ['INCRBY', 'cnt:tx', 3], ['EXEC']);
        else if (n < 0.8) batch.push(['EVAL', "redis.call('set', KEYS[1], ARGV[1]) return redis.call('incr', KEYS[2])", 2, key('ev'), 'cnt:ev', 'x']);
        else if (n < 0.85) batch.push(['EXPIRE', key('w'), 1000]);
        else if (n < 0.9) batch.push(['DEL', key('w'), key('m')]);
        else batch.push(['XADD', 'stream:w', '*', 'f', String(i)]);
      }
      sent += batch.length;
      await c.pipeline(batch);
      // A few hundred batches a second: enough to overlap every phase of a sync, few enough that digests stay quick.
      await sleep(2);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return sent;
    },
  };
}

async function digest(c: RespClient): Promise<Reply> {
  return c.call('DEBUG', 'DIGEST');
}

/** Polls both digests until they agree (every half second: a digest walks every key, and the replica may still be catching up). */
async function digestsAgree(a: RespClient, b: RespClient, what: string): Promise<void> {
  const same = async (): Promise<boolean> => {
    const [x, y] = await Promise.all([digest(a), digest(b)]);
    return x === y;
  };
  if (await waitFor(same, 30_000, 500)) return;
  // For the failure's message: the sizes, and whether it was only slow (agrees a little later) or diverged.
  const sizes = await Promise.all([a.call('DBSIZE'), b.call('DBSIZE')]);
  const late = await waitFor(same, 10_000, 1000);
  throw new Error(`digests still differ: ${what} (DBSIZE ${sizes.join(' vs ')}; ${late ? 'agreed 10 s later: slow, not diverged' : 'still different 10 s later'})`);
}

/** Waits for a line of the server's log (pino JSON) whose msg starts with `msg`, after `from` lines already seen. */
async function logged(s: ShardisProcess, msg: string, count = 1): Promise<void> {
  await eventually(`log line '${msg}' x${count}`, () => s.output().split('\n').filter((l) => l.includes(`"msg":"${msg}`)).length >= count, 20_000);
}

/** What INFO tasks counts of a connection's and a link's resources. */
async function liveCounts(c: RespClient): Promise<Record<string, string>> {
  const fields = (await info(c, 'tasks')).tasks ?? {};
  const keep = ['read_tasks', 'write_tasks', 'signal_listeners', 'connections', 'active_resources', 'inflight_requests'];
  return Object.fromEntries(keep.map((k) => [k, fields[k]]));
}

/** The replica's log lines about its link (pino JSON), for a failure's diagnostics. */
function replicaLog(s: ShardisProcess): string {
  return s.output().split('\n').filter((l) => /MASTER|master|sync|resync/i.test(l)).slice(-20).join('\n');
}

// Each worker count once, with one payload form each: --workers 0 diskless, several shards from disk.
for (const [workers, diskless] of WORKERS.map((w, i): [number, boolean] => [w, i % 2 === 0])) {
  {
    t.test(`Shardis (--workers ${workers}) replicates redis-server (${diskless ? 'diskless EOF-marked' : 'disk'} full sync) with writes during the sync`, { skip: noRedisServer }, async (t) => {
      const master = await startRedis(t, [...DEBUG, '--repl-diskless-sync', diskless ? 'yes' : 'no', '--repl-diskless-sync-delay', '0']);
      const m = await connectResp(t, master.port);
      const w = await connectResp(t, master.port);
      // A dataset of every shape in two databases, and enough keys that the snapshot takes a while.
      await m.call('DEBUG', 'POPULATE', 10_000, 'pop', 64);
      t.same(await m.pipeline(everyShapeDataset(7, 50)).then((rs) => rs.filter((x) => typeof x === 'object' && x !== null && 'error' in x)), [], 'dataset loaded on the master');
      const replica = await startShardis(t, { workers, args: DEBUG });
      const s = await connectResp(t, replica.port);
      await s.call('SET', 'stale', 'gone after the full sync');
      const baseline = await liveCounts(s);
      const writer = startWriter(w, workers * 10 + (diskless ? 1 : 0));
      await sleep(50);
      t.equal(await s.call('REPLICAOF', '127.0.0.1', master.port), 'OK');
      t.equal(await s.call('REPLICAOF', '127.0.0.1', master.port), 'OK Already connected to specified master', 'same master again: nothing to do');
      await logged(replica, 'MASTER <-> REPLICA sync: Finished with success');
      t.match(replica.output(), diskless ? /"diskless":true/ : /"diskless":false/, 'the payload came as the master sent it');
      // Writes go on after the snapshot: they reach the replica through the stream.
      await sleep(300);
      const sent = await writer.stop();
      t.ok(sent > 0, `the writer sent ${sent} commands across the sync`);
      await digestsAgree(m, s, 'after the full sync');
      t.equal(await s.call('GET', 'stale'), null, 'the full sync replaced what the replica held');
      t.same(await s.call('SET', 'x', '1'), { error: "READONLY You can't write against a read only replica." });

      // The link drops (the master closes it): the replica continues where it was, without a snapshot.
      const fullBefore = await infoNumber(m, 'stats', 'sync_full');
      const partialBefore = await infoNumber(m, 'stats', 'sync_partial_ok');
      const again = startWriter(w, 99);
      await m.call('CLIENT', 'KILL', 'TYPE', 'replica');
      await sleep(200);
      await again.stop();
      const resumed = await waitFor(async () => (await infoNumber(m, 'stats', 'sync_partial_ok')) > partialBefore, 15_000, 200);
      t.ok(resumed, 'the master counted a partial resync', { log: resumed ? '' : replicaLog(replica) });
      t.equal(await infoNumber(m, 'stats', 'sync_full'), fullBefore, 'no second full sync');
      await digestsAgree(m, s, 'after the partial resync');

      // Promotion: the data stays and writes are taken.
      const keys = await s.call('DBSIZE');
      t.equal(await s.call('REPLICAOF', 'NO', 'ONE'), 'OK');
      t.equal(await s.call('DBSIZE'), keys, 'the data is kept');
      t.equal(await s.call('SET', 'x', 'promoted'), 'OK');
      t.equal(await m.call('EXISTS', 'x'), 0, 'a promoted replica no longer follows the master');
      // The link's socket, timers and master client are all gone.
      await eventually('live counts back to their baseline', async () => JSON.stringify(await liveCounts(s)) === JSON.stringify(baseline), 5000).catch(() => undefined);
      t.same(await liveCounts(s), baseline, 'INFO tasks counts as before REPLICAOF');
    });
  }
}

t.test('refusals while the link is down, and REPLICAOF errors, as a redis-server replica in the same state', { skip: noRedisServer }, async (t) => {
  const deadPort = await freePort();
  const redis = await startRedis(t, ['--replica-serve-stale-data', 'no']);
  const shardis = await startShardis(t, { workers: 0, args: ['--replica-serve-stale-data', 'no'] });
  const r = await connectResp(t, redis.port);
  const s = await connectResp(t, shardis.port);
  const both = async (...cmd: (string | number)[]): Promise<[Reply, Reply]> => [await r.call(...cmd), await s.call(...cmd)];
  for (const cmd of [['REPLICAOF', 'localhost', 'abc'], ['REPLICAOF', 'localhost', '65536'], ['REPLICAOF', 'localhost', '-1'], ['SLAVEOF', 'no', 'two'], ['REPLICAOF', 'no', 'one'], ['REPLICAOF', 'x']]) {
    const [a, b] = await both(...cmd);
    t.same(b, a, cmd.join(' '));
  }
  // A master nobody listens on: the link stays down.
  for (const [a, b] of [await both('REPLICAOF', '127.0.0.1', deadPort)]) t.same(b, a, 'REPLICAOF to a dead master');
  for (const cmd of [['GET', 'k'], ['SET', 'k', 'v'], ['PING'], ['CONFIG', 'GET', 'replica-read-only']]) {
    const [a, b] = await both(...cmd);
    t.same(b, a, `${cmd.join(' ')} while the link is down`);
  }
  await both('CONFIG', 'SET', 'replica-serve-stale-data', 'yes');
  const scripts = [
    ['EVAL', "return redis.call('set', 'k', 'v')", 0],
    ['EVAL', "return redis.call('get', 'k')", 0],
    ['EVAL', "#!lua\nreturn redis.call('get', 'k')", 0],
    ['EVAL', "#!lua flags=no-writes\nreturn redis.call('get', 'k')", 0],
    ['EVAL_RO', "return redis.call('set', 'k', 'v')", 0],
    ['FUNCTION', 'LOAD', "#!lua name=walk\nredis.register_function('f', function() return 1 end)"],
  ];
  for (const cmd of [['GET', 'k'], ['SET', 'k', 'v'], ['DEL', 'k'], ...scripts]) {
    const [a, b] = await both(...cmd);
    t.same(b, a, `${cmd.join(' ')} with stale data served`);
  }
  await both('CONFIG', 'SET', 'replica-read-only', 'no');
  for (const cmd of [['SET', 'k', 'v'], ['GET', 'k'], ['EVAL', "return redis.call('set', 'k', 'w')", 0], ['GET', 'k']]) {
    const [a, b] = await both(...cmd);
    t.same(b, a, `${cmd.join(' ')} on a writable replica`);
  }
  t.same(await s.call('REPLICAOF', 'NO', 'ONE'), 'OK');
});

t.test('turning replica lets every blocked client go with -UNBLOCKED, and CLIENT UNBLOCK ERROR ends a WAIT, as redis-server', { skip: noRedisServer }, async (t) => {
  const deadPort = await freePort();
  const otherDeadPort = await freePort();
  const redis = await startRedis(t);
  const shardis = await startShardis(t, { workers: MULTI_SHARD_WORKERS[0] ?? 4 });
  type Seen = Record<string, Reply>;
  const run = async (port: number): Promise<Seen> => {
    const admin = await connectResp(t, port);
    const seen: Seen = {};
    const blocked = async (n: number): Promise<void> => eventually(`${n} blocked clients`, async () => (await infoField(admin, 'clients', 'blocked_clients')) === String(n));
    // CLIENT UNBLOCK ERROR on a WAIT (a primary without replicas: it would wait forever).
    const w = await connectResp(t, port);
    const wid = await w.call('CLIENT', 'ID');
    const waitReply = w.call('WAIT', 1, 0);
    await blocked(1);
    seen['CLIENT UNBLOCK ERROR'] = await admin.call('CLIENT', 'UNBLOCK', wid as number, 'ERROR');
    seen['WAIT unblocked'] = await waitReply;
    // Every kind of blocked command, then REPLICAOF.
    const cmds: (string | number)[][] = [
      ['BLPOP', 'q', 0],
      ['BLMOVE', 'src', 'dst', 'LEFT', 'RIGHT', 0],
      ['BZPOPMIN', 'z', 0],
      ['XREAD', 'BLOCK', 0, 'STREAMS', 's', '$'],
      ['WAIT', 1, 0],
    ];
    const pending: Promise<Reply>[] = [];
    for (const cmd of cmds) pending.push((await connectResp(t, port)).call(...cmd));
    await blocked(cmds.length);
    seen.REPLICAOF = await admin.call('REPLICAOF', '127.0.0.1', deadPort);
    const replies = await Promise.all(pending);
    cmds.forEach((cmd, i) => (seen[String(cmd[0])] = replies[i]));
    // A replica already: XREAD still blocks; REPLICAOF of the same master changes nothing, another master lets it go.
    const x = await connectResp(t, port);
    const xread = x.call('XREAD', 'BLOCK', 0, 'STREAMS', 's', '$');
    await blocked(1);
    seen['REPLICAOF same'] = await admin.call('REPLICAOF', '127.0.0.1', deadPort);
    await sleep(100);
    seen['blocked after REPLICAOF same'] = await infoField(admin, 'clients', 'blocked_clients');
    seen['REPLICAOF other'] = await admin.call('REPLICAOF', '127.0.0.1', otherDeadPort);
    seen['XREAD on a replica'] = await xread;
    seen['REPLICAOF NO ONE'] = await admin.call('REPLICAOF', 'NO', 'ONE');
    return seen;
  };
  const expected = await run(redis.port);
  t.match(expected.BLPOP, { error: /^UNBLOCKED force unblock/ }, 'the reference does it');
  t.same(await run(shardis.port), expected);
});

t.test('Shardis replicates Shardis: full sync with writes, partial resync, and a sibling continues from the promoted replica (PSYNC2)', async (t) => {
  const master = await startShardis(t, { workers: MULTI_SHARD_WORKERS[0] ?? 0, args: [...DEBUG, '--repl-diskless-sync-delay', '0'] });
  const a = await startShardis(t, { workers: 0, args: DEBUG });
  const b = await startShardis(t, { workers: MULTI_SHARD_WORKERS[0] ?? 0, args: DEBUG });
  const m = await connectResp(t, master.port);
  const w = await connectResp(t, master.port);
  const ca = await connectResp(t, a.port);
  const cb = await connectResp(t, b.port);
  await m.pipeline(Array.from({ length: 5000 }, (_v, i) => ['SET', `k:${i}`, `v${i}`]));
  await m.pipeline(everyShapeDataset(3, 50));
  const writer = startWriter(w, 5);
  t.equal(await ca.call('REPLICAOF', '127.0.0.1', master.port), 'OK');
  t.equal(await cb.call('REPLICAOF', '127.0.0.1', master.port), 'OK');
  for (const c of [ca, cb]) await eventually('link up', async () => (await infoField(c, 'replication', 'master_link_status')) === 'up', 20_000);
  await sleep(300);
  await writer.stop();
  await digestsAgree(m, ca, 'first replica after the full sync');
  await digestsAgree(m, cb, 'second replica after the full sync');

  // The links dropped from both ends (the replica's CLIENT KILL TYPE master, the master's TYPE replica): both continue from the backlog.
  const partialBefore = await infoNumber(m, 'stats', 'sync_partial_ok');
  t.equal(await ca.call('CLIENT', 'KILL', 'TYPE', 'master'), 1, "the first replica drops its master's client");
  await m.call('CLIENT', 'KILL', 'TYPE', 'replica');
  const again = startWriter(w, 6);
  await sleep(200);
  await again.stop();
  t.ok(await waitFor(async () => (await infoNumber(m, 'stats', 'sync_partial_ok')) >= partialBefore + 2, 15_000, 200), 'both replicas resumed with +CONTINUE', { log: replicaLog(a) });
  await digestsAgree(m, ca, 'first replica after the partial resync');
  await digestsAgree(m, cb, 'second replica after the partial resync');

  // Failover by hand: a is promoted, b follows it and continues from a's history (replid2), without a snapshot.
  const oldId = await infoField(m, 'replication', 'master_replid');
  t.equal(await ca.call('REPLICAOF', 'NO', 'ONE'), 'OK');
  t.equal(await infoField(ca, 'replication', 'role'), 'master');
  t.equal(await infoField(ca, 'replication', 'master_replid2'), oldId, 'the old id is kept as replid2');
  t.not(await infoField(ca, 'replication', 'master_replid'), oldId, 'and a new one made');
  t.equal(await ca.call('CONFIG', 'GET', 'replicaof').then((r) => (r as Reply[])[1]), '', 'CONFIG GET replicaof follows');
  t.equal(await cb.call('REPLICAOF', '127.0.0.1', a.port), 'OK');
  t.equal(await cb.call('CONFIG', 'GET', 'replicaof').then((r) => (r as Reply[])[1]), `127.0.0.1 ${a.port}`);
  await eventually('b follows a', async () => (await infoField(cb, 'replication', 'master_link_status')) === 'up', 15_000);
  t.equal(await infoNumber(ca, 'stats', 'sync_partial_ok'), 1, 'b continued from the promoted replica (+CONTINUE)');
  t.equal(await infoNumber(ca, 'stats', 'sync_full'), 0, 'no snapshot was needed');
  t.equal(await ca.call('SET', 'after', 'promotion'), 'OK');
  await eventually('the write reaches b', async () => (await cb.call('GET', 'after')) === 'promotion', 10_000);
  await digestsAgree(ca, cb, 'b after following a');
});

t.test('expired keys on a replica wait for the master’s DEL (hidden from reads, kept), as on a redis-server replica', { skip: noRedisServer }, async (t) => {
  const master = await startRedis(t, [...DEBUG, '--repl-diskless-sync-delay', '0']);
  const redisReplica = await startRedis(t, ['--replicaof', '127.0.0.1', String(master.port)]);
  const shardis = await startShardis(t, { workers: MULTI_SHARD_WORKERS[0] ?? 0, args: ['--replicaof', '127.0.0.1', String(master.port)] });
  const m = await connectResp(t, master.port);
  const r = await connectResp(t, redisReplica.port);
  const s = await connectResp(t, shardis.port);
  for (const c of [r, s]) await eventually('link up', async () => (await infoField(c, 'replication', 'master_link_status')) === 'up', 15_000);
  // The master keeps its expired keys until they are touched: only its DEL removes them downstream.
  await m.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
  await m.pipeline([['SET', 'gone', 'v', 'PX', '300'], ['SET', 'kept', 'v'], ['SET', 'h', 'v', 'PX', '300']]);
  await eventually('both replicas have the keys', async () => (await r.call('DBSIZE')) === 3 && (await s.call('DBSIZE')) === 3, 10_000);
  await sleep(600);
  const probe = [['GET', 'gone'], ['EXISTS', 'h'], ['PTTL', 'gone'], ['DBSIZE'], ['SCAN', '0'], ['KEYS', '*'], ['TYPE', 'h']];
  for (const cmd of probe) t.same(await s.call(...cmd), await r.call(...cmd), `${cmd.join(' ')} after the deadline, before the master's DEL`);
  // The master touches one key: it expires there and its DEL reaches the replicas.
  await m.call('GET', 'gone');
  await eventually('the DEL arrived', async () => (await r.call('DBSIZE')) === 2 && (await s.call('DBSIZE')) === 2, 10_000);
  for (const cmd of probe) t.same(await s.call(...cmd), await r.call(...cmd), `${cmd.join(' ')} after the master's DEL`);
});
