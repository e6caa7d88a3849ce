/**
 * Shardis as a primary, redis-server 7.0.15 as its replica: a full sync
 * (diskless with EOF marker, and disk-based) while clients keep writing
 * every type in several dbs, transactions and scripts, ending with equal
 * DEBUG DIGESTs; a partial resync after CLIENT KILL TYPE replica (the
 * primary's sync_partial_ok, no second full sync); WAIT; -NOREPLICAS;
 * ROLE, CLIENT LIST and INFO replication's fields against a redis-server
 * primary with a redis-server replica.
 */
import t, { type Test } from 'tap';
import { connectResp, type RespClient, type Reply } from './helpers/resp-client';
import { freePort, startRedis, startShardis, noRedisServer, noMultiShard, MULTI_SHARD_WORKERS, WORKER_MATRIX } from './helpers/servers';
import { keyOnAnotherShard } from './helpers/shards';
import { everyShapeDataset } from './helpers/datasets';
import { startWriter } from './helpers/replication';
import { parseInfo } from './helpers/info';
import { eventually, sleep } from './helpers/util';

const SYNC_MS = 30_000;

async function infoOf(c: RespClient, section: string): Promise<Record<string, string>> {
  return parseInfo(String(await c.call('INFO', section)))[section] ?? {};
}

/** Touches the writer's short-lived keys once they are past their TTL: the primary deletes (and propagates) each. */
async function expireAll(c: RespClient, keys: readonly [number, string][]): Promise<void> {
  await sleep(200);
  const cmds: (string | number)[][] = [];
  for (const [db, k] of keys) cmds.push(['SELECT', db], ['EXISTS', k]);
  cmds.push(['SELECT', 0]);
  await c.pipeline(cmds);
}

/** Waits until the replica applied everything the primary streamed, then compares their digests. */
async function sameDigest(t: Test, primary: RespClient, replica: RespClient, what: string): Promise<void> {
  const caughtUp = async (): Promise<void> =>
    eventually(`${what}: replica offset reaches the primary's`, async () => {
      const p = Number((await infoOf(primary, 'replication')).master_repl_offset);
      const r = await infoOf(replica, 'replication');
      return r.master_link_status === 'up' && Number(r.slave_repl_offset) === p;
    }, SYNC_MS);
  // The primary's digest walk deletes keys whose TTL just passed (and streams their DELs): compare once it is stable.
  let pd: Reply = null;
  let rd: Reply = null;
  for (let i = 0; i < 3; i++) {
    const before = await primary.call('DEBUG', 'DIGEST');
    await caughtUp();
    rd = await replica.call('DEBUG', 'DIGEST');
    pd = await primary.call('DEBUG', 'DIGEST');
    if (pd === before) break;
  }
  t.not(pd, '0'.repeat(40), `${what}: the primary has data`);
  t.equal(rd, pd, `${what}: equal DEBUG DIGEST`);
  for (const db of [0, 1, 5]) {
    await primary.call('SELECT', db);
    await replica.call('SELECT', db);
    t.equal(await replica.call('DBSIZE'), await primary.call('DBSIZE'), `${what}: db ${db} has as many keys`);
  }
  await primary.call('SELECT', 0);
  await replica.call('SELECT', 0);
}

const cases = WORKER_MATRIX.filter((w) => w !== 1).map((workers, i) => ({ workers, diskless: i % 2 === 0 }));

for (const { workers, diskless } of cases) {
  t.test(`redis-server replicates from Shardis --workers ${workers} (${diskless ? 'diskless' : 'disk-based'} sync)`, { skip: noRedisServer }, async (t) => {
    const s = await startShardis(t, {
      workers,
      args: ['--enable-debug-command', 'yes', '--repl-diskless-sync', diskless ? 'yes' : 'no', '--repl-diskless-sync-delay', '0', '--repl-ping-replica-period', '1'],
    });
    const p = await connectResp(t, s.port);
    // A dataset of every type and encoding, and enough keys that the sync takes a while.
    await p.pipeline(everyShapeDataset(workers + 1, 100));
    for (let b = 0; b < 10; b++) {
      const batch: (string | number)[][] = [];
      for (let i = 0; i < 2000; i++) batch.push(['SET', `bulk:${b}:${i}`, `value-${b}-${i}`]);
      await p.pipeline(batch);
    }
    const writerConn = await connectResp(t, s.port);
    const writer = startWriter(writerConn, 7 + workers);
    await sleep(100);

    // The replica starts while the writer writes: writes before, during and after its snapshot.
    const r = await startRedis(t, ['--replicaof', '127.0.0.1', String(s.port), '--enable-debug-command', 'yes']);
    const rc = await connectResp(t, r.port);
    await eventually('replica link up', async () => (await infoOf(rc, 'replication')).master_link_status === 'up', SYNC_MS);
    await sleep(300);
    const writes = await writer.stop();
    t.ok(writes > 0, `${writes} writes while the replica synced`);
    await expireAll(p, writer.expiring);
    await sameDigest(t, p, rc, 'after the full sync');

    const stats = await infoOf(p, 'stats');
    t.equal(stats.sync_full, '1', 'one full sync');
    t.equal(stats.sync_partial_ok, '0', 'no partial sync yet');

    // ROLE and INFO as a primary with one online replica.
    const role = (await p.call('ROLE')) as Reply[];
    t.equal(role[0], 'master');
    t.type(role[1], 'number');
    t.same((role[2] as Reply[]).map((x) => (x as Reply[]).slice(0, 2)), [['127.0.0.1', String(r.port)]], 'ROLE lists the replica with its listening port');
    const repl = await infoOf(p, 'replication');
    t.equal(repl.connected_slaves, '1');
    t.match(repl.slave0, new RegExp(`^ip=127\\.0\\.0\\.1,port=${r.port},state=online,offset=\\d+,lag=\\d+$`));
    t.equal(repl.repl_backlog_active, '1');
    t.equal((await infoOf(rc, 'replication')).master_replid, repl.master_replid, 'the replica took our replication id');
    const list = String(await p.call('CLIENT', 'LIST', 'TYPE', 'replica'));
    t.equal(list.trim().split('\n').length, 1, 'CLIENT LIST TYPE replica shows the replica');
    t.match(list, /flags=S /);

    // WAIT: the replica acknowledges our writes; asking for two waits out the timeout.
    await p.call('SET', 'waited', '1');
    t.equal(await p.call('WAIT', 1, 5000), 1, 'WAIT 1 is acknowledged by the replica');
    await p.call('SET', 'waited', '2');
    t.equal(await p.call('WAIT', 2, 200), 1, 'WAIT 2 times out with one acknowledgement');
    t.same(await p.call('WAIT', 1, -1), { error: 'ERR timeout is negative' });

    // min-replicas-to-write: one good replica is enough for 1, not for 2.
    await p.call('CONFIG', 'SET', 'min-replicas-to-write', '2');
    t.same(await p.call('SET', 'k', 'v'), { error: 'NOREPLICAS Not enough good replicas to write.' });
    t.equal(await p.call('GET', 'k'), null, 'reads still served');
    t.same(await p.pipeline([['MULTI'], ['SET', 'k', 'v'], ['EXEC']]), [
      'OK',
      { error: 'NOREPLICAS Not enough good replicas to write.' },
      { error: 'EXECABORT Transaction discarded because of previous errors.' },
    ], 'a write queued in MULTI is refused and fails the transaction');
    await p.call('CONFIG', 'SET', 'min-replicas-to-write', '1');
    t.equal(await p.call('SET', 'k', 'v'), 'OK');
    t.equal((await infoOf(p, 'replication')).min_slaves_good_slaves, '1');
    await p.call('CONFIG', 'SET', 'min-replicas-to-write', '0');

    // The link drops: the replica continues from our backlog, with writes made meanwhile.
    t.equal(await p.call('CLIENT', 'KILL', 'TYPE', 'replica'), 1, 'CLIENT KILL TYPE replica');
    const writer2 = startWriter(writerConn, 99 + workers);
    await eventually('replica reconnected', async () => (await infoOf(p, 'replication')).connected_slaves === '1', SYNC_MS);
    await sleep(200);
    await writer2.stop();
    await expireAll(p, writer2.expiring);
    await sameDigest(t, p, rc, 'after the partial resync');
    const stats2 = await infoOf(p, 'stats');
    t.equal(stats2.sync_full, '1', 'no second full sync');
    t.equal(stats2.sync_partial_ok, '1', 'one partial resync (sync_partial_ok)');
  });
}

t.test('a client blocked before the first replica attached: its pop reaches the replica when it is served', { skip: noRedisServer }, async (t) => {
  for (const workers of WORKER_MATRIX) {
    const s = await startShardis(t, { workers, args: ['--repl-diskless-sync-delay', '0'] });
    const p = await connectResp(t, s.port);
    const waiter = await connectResp(t, s.port);
    // Blocked while nothing is logged yet (no AOF, no backlog).
    const served = waiter.call('BLPOP', 'jobs', 0);
    await eventually('blocked', async () => Number((await infoOf(p, 'clients')).blocked_clients) === 1, 5000);
    const r = await startRedis(t, ['--replicaof', '127.0.0.1', String(s.port)]);
    const rc = await connectResp(t, r.port);
    await eventually('replica in sync', async () => (await infoOf(rc, 'replication')).master_link_status === 'up', SYNC_MS);
    t.equal(await p.call('RPUSH', 'jobs', 'one', 'two'), 2);
    t.same(await served, ['jobs', 'one'], `--workers ${workers}: the waiter got the first`);
    await eventually(`--workers ${workers}: the replica caught up`, async () => {
      const info = await infoOf(rc, 'replication');
      return Number(info.slave_repl_offset) === Number((await infoOf(p, 'replication')).master_repl_offset);
    }, SYNC_MS);
    t.same(await rc.call('LRANGE', 'jobs', 0, -1), await p.call('LRANGE', 'jobs', 0, -1), `--workers ${workers}: the replica has what the primary has (["two"])`);
    await r.stop();
    await s.stop();
  }
});

t.test('clients served in their shard right after a write: the replica gets each pop right after that write', { skip: noRedisServer }, async (t) => {
  for (const workers of WORKER_MATRIX) {
    const s = await startShardis(t, { workers, args: ['--repl-diskless-sync-delay', '0', '--enable-debug-command', 'yes'] });
    const p = await connectResp(t, s.port);
    const r = await startRedis(t, ['--replicaof', '127.0.0.1', String(s.port), '--enable-debug-command', 'yes']);
    const rc = await connectResp(t, r.port);
    await eventually('replica in sync', async () => (await infoOf(rc, 'replication')).master_link_status === 'up', SYNC_MS);
    const waits: Promise<Reply>[] = [];
    const block = async (...cmds: (string | number)[][]): Promise<void> => {
      const c = await connectResp(t, s.port);
      for (const cmd of cmds.slice(0, -1)) await c.call(...cmd);
      waits.push(c.call(...cmds[cmds.length - 1]));
      const want = waits.length;
      await eventually(`${want} blocked`, async () => Number((await infoOf(p, 'clients')).blocked_clients) === want, 5000);
    };
    await p.call('XGROUP', 'CREATE', 'st', 'grp', '$', 'MKSTREAM');
    for (let round = 0; round < 20; round++) {
      waits.length = 0;
      await block(['XREADGROUP', 'GROUP', 'grp', 'c1', 'BLOCK', 5000, 'STREAMS', 'st', '>']);
      await block(['BLPOP', 'sj', 5]);
      await block(['BLPOP', 'jobs', 5]);
      await block(['BRPOP', 'jobs', 5]);
      await block(['BLMOVE', '{t}a', '{t}b', 'LEFT', 'LEFT', 5]);
      await block(['BZPOPMIN', 'z', 5]);
      await block(['SELECT', 2], ['BLPOP', 'm', 5]);
      // Each pop comes right after the write that fed it, before the pipeline's next command, which takes what is left
      // (every key is empty again at the end, {t}b apart, so the next round's clients block).
      await p.pipeline([
        ['RPUSH', 'jobs', `a${round}`, `b${round}`, `c${round}`],
        ['LPOP', 'jobs'],
        ['RPUSH', '{t}a', `x${round}`, `y${round}`],
        ['LMOVE', '{t}a', '{t}b', 'LEFT', 'RIGHT'],
        ['ZADD', 'z', round, `m${round}`, round + 0.5, `n${round}`],
        ['ZPOPMIN', 'z'],
        ['SELECT', 2],
        ['RPUSH', 'm', `v${round}`],
        ['RPUSH', 'm', `w${round}`],
        ['LPOP', 'm'],
        ['SELECT', 0],
        ['XADD', 'st', '*', 'n', round],
        // A script's push: its waiter is served after the script, logged after its effects.
        ['EVAL', "redis.call('rpush', KEYS[1], ARGV[1], ARGV[2])", 1, 'sj', `p${round}`, `q${round}`],
        ['LPOP', 'sj'],
        ['XREADGROUP', 'GROUP', 'grp', 'c2', 'STREAMS', 'st', '>'],
      ]);
      const got = await Promise.all(waits);
      t.ok(got.every((g) => Array.isArray(g) || typeof g === 'string'), `--workers ${workers} round ${round}: every waiter was served`);
    }
    await sameDigest(t, p, rc, `--workers ${workers}`);
    t.same(await rc.call('LRANGE', 'jobs', 0, -1), await p.call('LRANGE', 'jobs', 0, -1), `--workers ${workers}: the same jobs left`);
    const pending = await p.call('XPENDING', 'st', 'grp', '-', '+', 100, 'c1');
    t.equal(Array.isArray(pending) ? pending.length : -1, 20, `--workers ${workers}: the blocked group reader got every entry`);
    t.same(await rc.call('XPENDING', 'st', 'grp', '-', '+', 100, 'c1').then((r) => (r as string[][]).map((e) => e[0])), (pending as string[][]).map((e) => e[0]), `--workers ${workers}: the replica's pending entries are the primary's`);
    await r.stop();
    await s.stop();
  }
});

t.test('a script whose unlocked run gives up while a full sync starts reaches the replica by its rerun (first backlog, then with one)', { skip: noRedisServer || noMultiShard }, async (t) => {
  const workers = MULTI_SHARD_WORKERS[0];
  const s = await startShardis(t, { workers, args: ['--repl-diskless-sync-delay', '0'] });
  const p = await connectResp(t, s.port);
  const far = keyOnAnotherShard('far', '{a}k', workers);
  // Spins (no write yet), then reaches `ARGV[1]`: a key of its declared key's shard, or one on another shard,
  // where the unlocked run gives up and the script runs again under the lock, after the sync took its snapshot.
  const BODY = "local n = 0 for i = 1, tonumber(ARGV[2]) do n = n + 1 end redis.call('incr', ARGV[1]) return redis.call('incr', KEYS[1])";
  for (const [round, what] of ['the first replica creates the backlog', 'a second replica while the backlog exists'].entries()) {
    const body = `${BODY} -- ${round}`;
    t.equal(await p.call('EVAL', body, '1', '{a}k', '{a}near', '1'), 2 * round + 1, 'the first run learns the script keeps to its shard');
    const s2 = await connectResp(t, s.port);
    const gaveUp = s2.call('EVAL', body, '1', '{a}k', far, '40000000');
    await sleep(50);
    const r = await startRedis(t, ['--replicaof', '127.0.0.1', String(s.port)]);
    const rc = await connectResp(t, r.port);
    t.equal(await gaveUp, 2 * round + 2, 'the script ran to its end under the lock');
    await eventually(`${what}: in sync`, async () => {
      const info = await infoOf(rc, 'replication');
      return info.master_link_status === 'up' && Number(info.slave_repl_offset) === Number((await infoOf(p, 'replication')).master_repl_offset);
    }, SYNC_MS);
    t.same(await rc.pipeline([['GET', '{a}k'], ['GET', far]]), await p.pipeline([['GET', '{a}k'], ['GET', far]]), `${what}: the replica has the script's writes once`);
    s2.close();
  }
});

t.test('INFO replication and ROLE have the fields redis-server shows as a primary', { skip: noRedisServer }, async (t) => {
  const s = await startShardis(t, { workers: WORKER_MATRIX[0], args: ['--repl-diskless-sync-delay', '0'] });
  const rm = await startRedis(t, ['--repl-diskless-sync-delay', '0']);
  const sr = await startRedis(t, ['--replicaof', '127.0.0.1', String(s.port)]);
  const rr = await startRedis(t, ['--replicaof', '127.0.0.1', String(rm.port)]);
  const [sc, rmc, src, rrc] = [await connectResp(t, s.port), await connectResp(t, rm.port), await connectResp(t, sr.port), await connectResp(t, rr.port)];
  for (const c of [src, rrc]) await eventually('link up', async () => (await infoOf(c, 'replication')).master_link_status === 'up', SYNC_MS);
  for (const c of [sc, rmc]) await eventually('replica online', async () => /state=online/.test((await infoOf(c, 'replication')).slave0 ?? ''), SYNC_MS);
  const fields = async (c: RespClient): Promise<string[]> => Object.keys(await infoOf(c, 'replication'));
  t.same(await fields(sc), await fields(rmc), 'same INFO replication fields, same order');
  const shape = (v: Reply): unknown => (Array.isArray(v) ? v.map(shape) : typeof v);
  t.same(shape(await sc.call('ROLE')), shape(await rmc.call('ROLE')), 'same ROLE shape');
  for (const [cmd, args] of [
    ['REPLCONF', ['listening-port']],
    ['REPLCONF', ['bogus', '1']],
    ['REPLCONF', ['listening-port', 'x']],
    ['WAIT', ['x', '0']],
    ['WAIT', ['0', 'x']],
    ['PSYNC', ['?']],
  ] as const) {
    t.same(await sc.call(cmd, ...args), await rmc.call(cmd, ...args), `${cmd} ${args.join(' ')}`);
  }
  t.same(await sc.call('REPLCONF', 'listening-port', '1234', 'capa', 'eof'), 'OK');
});

t.test('cluster mode: CLUSTER REPLICATE makes redis-server and Shardis nodes replicas of a Shardis master, with its data', { skip: noRedisServer }, async (t) => {
  const clusterArgs = async (bus?: number): Promise<string[]> => ['--cluster-enabled', 'yes', '--cluster-port', String(bus ?? (await freePort())), '--cluster-node-timeout', '2000', '--enable-debug-command', 'yes'];
  const masterBus = await freePort();
  const master = await startShardis(t, { workers: WORKER_MATRIX[0], args: [...(await clusterArgs(masterBus)), '--repl-diskless-sync-delay', '0'] });
  const redisReplica = await startRedis(t, await clusterArgs());
  const shardisReplica = await startShardis(t, { workers: WORKER_MATRIX[WORKER_MATRIX.length - 1], args: await clusterArgs() });
  const m = await connectResp(t, master.port);
  t.equal(await m.call('CLUSTER', 'ADDSLOTSRANGE', '0', '16383'), 'OK');
  const masterId = String(await m.call('CLUSTER', 'MYID'));
  await eventually('cluster_state:ok', async () => String(await m.call('CLUSTER', 'INFO')).includes('cluster_state:ok'), SYNC_MS);
  const writes: (string | number)[][] = [];
  for (let i = 0; i < 3000; i++) writes.push(['SET', `{t${i % 50}}k${i}`, `v${i}`], ['RPUSH', `{t${i % 50}}l`, i]);
  t.notOk((await m.pipeline(writes)).some((r) => typeof r === 'object' && r !== null), 'the master took every write');
  for (const port of [redisReplica.port, shardisReplica.port]) {
    const c = await connectResp(t, port);
    t.equal(await c.call('CLUSTER', 'MEET', '127.0.0.1', String(master.port), String(masterBus)), 'OK');
    await eventually('the replica knows the master', async () => String(await c.call('CLUSTER', 'NODES')).includes(masterId), SYNC_MS);
    t.equal(await c.call('CLUSTER', 'REPLICATE', masterId), 'OK');
    await eventually('link up', async () => (await infoOf(c, 'replication')).master_link_status === 'up', SYNC_MS);
    await m.call('SET', `{t1}after${port}`, 'x'); // through the stream, not the snapshot
    await sameDigest(t, m, c, `replica on port ${port}`);
  }
  t.equal((await infoOf(m, 'replication')).connected_slaves, '2');
});
