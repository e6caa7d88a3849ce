/**
 * The append-only file: Shardis's AOF directory passes redis-check-aof and
 * loads into redis-server with the same DEBUG DIGEST; a restart after kill -9
 * comes back with every acknowledged write (appendfsync always) or all but
 * the last second's (everysec), and nothing unacknowledged; BGREWRITEAOF
 * switches base and incremental file; a torn tail is cut with
 * aof-load-truncated yes and refused with no.
 */
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ANY_WORKERS, MULTI_SHARD_WORKERS, REDIS_SERVER, SERVER_MAIN, noMultiShard, noRedisServer, startRedis, startShardis, which } from './helpers/servers';
import { RespClient, connectResp } from './helpers/resp-client';
import { everyShapeDataset } from './helpers/datasets';
import { eventually, sleep } from './helpers/util';

/** DEBUG (DIGEST) is off by default, as in Redis 7. */
const DBG = ['--enable-debug-command', 'yes'];

const REDIS_CHECK_AOF = which('redis-check-aof');
const WORKERS = MULTI_SHARD_WORKERS[MULTI_SHARD_WORKERS.length - 1] ?? ANY_WORKERS;

function tmpDir(tt: { teardown(fn: () => unknown): void }): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'shardis-aof-'));
  tt.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

async function killed(srv: { proc: import('node:child_process').ChildProcess }): Promise<void> {
  const done = new Promise((r) => srv.proc.once('exit', r));
  srv.proc.kill('SIGKILL');
  await done;
}

const AOF = ['--appendonly', 'yes', '--appendfsync', 'always'];

t.test('kill -9 with appendfsync always loses nothing; the AOF is valid for redis-check-aof and redis-server', { skip: REDIS_SERVER && REDIS_CHECK_AOF ? false : 'redis-server and redis-check-aof are needed' }, async (t) => {
  const dir = tmpDir(t);
  const a = await startShardis(t, { workers: WORKERS, dir, args: [...DBG, ...AOF] });
  const c = await connectResp(t, a.port);
  await c.pipeline(everyShapeDataset(21, 30));
  const extra = [
    ['XADD', 'x:auto', '*', 'f', 'v'], ['SADD', 'sp', 'a', 'b', 'c', 'd'], ['SPOP', 'sp'], ['SPOP', 'sp', '2'],
    ['SET', 'ttl', 'v', 'EX', '1000'], ['SETEX', 'ttl2', '1000', 'v'], ['EXPIRE', 'str:1', '5000'], ['GETEX', 'str:2', 'PX', '900000'],
    ['MULTI'], ['INCR', 'm'], ['SELECT', '5'], ['SET', 'in5', 'x'], ['EXEC'], ['SELECT', '0'],
    ['RPUSH', 'q', '1', '2'], ['BLPOP', 'q', '1'], ['SET', 'fail', 'x'], ['LPUSH', 'fail', 'y'], ['FLUSHDB'],
  ];
  // FLUSHDB at the end would empty db 0: run everything but it, then the rest in db 7.
  await c.pipeline(extra.slice(0, -1));
  await c.pipeline([['SELECT', '7'], ['SET', 'gone', '1'], ['FLUSHDB'], ['SET', 'kept', '1'], ['SELECT', '0']]);
  const digest = await c.call('DEBUG', 'DIGEST');
  await killed(a);
  const adir = path.join(dir, 'appendonlydir');
  const check = spawnSync(REDIS_CHECK_AOF as string, [path.join(adir, 'appendonly.aof.manifest')], { encoding: 'utf8' });
  t.equal(check.status, 0, check.stdout + check.stderr);
  t.match(check.stdout, /All AOF files and manifest are valid/);

  const b = await startShardis(t, { workers: WORKERS, dir, args: [...DBG, ...AOF] });
  const bc = await connectResp(t, b.port);
  t.equal(await bc.call('DEBUG', 'DIGEST'), digest, 'restart after kill -9: same data');
  t.equal(await bc.call('INFO', 'persistence').then((s) => /aof_enabled:1/.test(s as string)), true);

  // redis-server reads the same directory.
  const rdir = tmpDir(t);
  fs.cpSync(adir, path.join(rdir, 'appendonlydir'), { recursive: true });
  const redis = await startRedis(t, ['--appendonly', 'yes', '--enable-debug-command', 'yes', '--dir', rdir]);
  const rc = await connectResp(t, redis.port);
  t.equal(await rc.call('DEBUG', 'DIGEST'), digest, 'redis-server loads the AOF with the same digest');

  // BGREWRITEAOF: a new base and incremental file; writes after it land in the new one.
  t.equal(await bc.call('BGREWRITEAOF'), 'Background append only file rewriting started');
  await bc.call('SET', 'after-rewrite', '1');
  for (let i = 0; i < 200; i++) {
    if (/aof_rewrite_in_progress:0[\s\S]*aof_rewrites:1/.test((await bc.call('INFO', 'persistence')) as string)) break;
    await sleep(50);
  }
  t.same(fs.readFileSync(path.join(adir, 'appendonly.aof.manifest'), 'utf8'), 'file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
  t.same(fs.readdirSync(adir).sort(), ['appendonly.aof.2.base.rdb', 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
  await bc.call('SET', 'after-rewrite-2', '1');
  const d2 = await bc.call('DEBUG', 'DIGEST');
  await killed(b);
  const c2 = await startShardis(t, { workers: WORKERS, dir, args: [...DBG, ...AOF] });
  const cc = await connectResp(t, c2.port);
  t.equal(await cc.call('DEBUG', 'DIGEST'), d2, 'base + new incremental file load back');
});

t.test('a torn tail: cut with aof-load-truncated yes, fatal with no', async (t) => {
  const dir = tmpDir(t);
  const a = await startShardis(t, { workers: ANY_WORKERS, dir, args: [...DBG, ...AOF] });
  const c = await connectResp(t, a.port);
  await c.call('SET', 'a', '1');
  await c.call('SET', 'b', '2');
  await killed(a);
  const incr = path.join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
  const good = fs.statSync(incr).size;
  fs.appendFileSync(incr, '*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1');
  const bad = spawnSync(process.execPath, [SERVER_MAIN, '--port', '0', '--dir', dir, '--appendonly', 'yes', '--aof-load-truncated', 'no', '--workers', String(ANY_WORKERS)], { encoding: 'utf8', timeout: 20000 });
  t.equal(bad.status, 1, 'refuses to start');
  const b = await startShardis(t, { workers: ANY_WORKERS, dir, args: [...DBG, ...AOF] });
  const bc = await connectResp(t, b.port);
  t.same(await bc.call('MGET', 'a', 'b', 'c'), ['1', '2', null]);
  t.equal(fs.statSync(incr).size, good, 'the torn command was cut off');
});

/** Writers that INCR counters and RPUSH sequence numbers, recording what was acknowledged and when. */
async function writeLoad(port: number, ms: number): Promise<{ acked: { key: string; n: number; at: number }[]; sent: Map<string, number> }> {
  const acked: { key: string; n: number; at: number }[] = [];
  const sent = new Map<string, number>();
  const end = Date.now() + ms;
  const writer = async (w: number): Promise<void> => {
    const c = await RespClient.connect(port);
    try {
      for (let i = 0; Date.now() < end; i++) {
        const key = `{w${w}}:list`;
        sent.set(key, i + 1);
        await c.call('RPUSH', key, String(i));
        await c.call('INCR', `{w${w}}:n`);
        acked.push({ key, n: i + 1, at: Date.now() });
      }
    } catch {
      /* the server was killed mid-write */
    } finally {
      c.close();
    }
  };
  await Promise.all([0, 1, 2, 3, 4, 5].map(writer));
  return { acked, sent };
}

t.test('kill -9 under write load with appendfsync everysec: acknowledged writes older than ~1 s survive, nothing unacknowledged appears', async (t) => {
  const dir = tmpDir(t);
  const args = ['--appendonly', 'yes', '--appendfsync', 'everysec'];
  const a = await startShardis(t, { workers: WORKERS, dir, args });
  const load = writeLoad(a.port, 5000);
  await sleep(2500);
  const killedAt = Date.now();
  await killed(a);
  const { acked, sent } = await load;
  const b = await startShardis(t, { workers: WORKERS, dir, args });
  const c = await connectResp(t, b.port);
  for (const [key, nSent] of sent) {
    const list = (await c.call('LRANGE', key, 0, -1)) as string[];
    const counter = Number((await c.call('GET', key.replace(':list', ':n'))) ?? 0);
    t.same(list, list.map((_v, i) => String(i)), `${key}: an ordered prefix of what was sent`);
    t.ok(list.length <= nSent, `${key}: nothing unacknowledged beyond what was sent`);
    const safe = acked.filter((x) => x.key === key && x.at < killedAt - 1500).reduce((m, x) => Math.max(m, x.n), 0);
    t.ok(list.length >= safe, `${key}: every write acknowledged over 1.5 s before the kill is there (${list.length} >= ${safe})`);
    t.ok(counter >= safe && counter <= nSent, `${key}: counter ${counter} within [${safe}, ${nSent}]`);
  }
});

t.test('AOF rewrites that start while cross-shard commands hold the shard lock miss none of them', { skip: noMultiShard || noRedisServer }, async (t) => {
  // A command that takes the shard lock (LMOVE between shards: dump, run,
  // write back) has its place in the feed from its dispatch, and its effects
  // land while it holds the lock. A rewrite whose snapshot started in the
  // middle would have neither its effects (the base is older) nor its entry
  // (it went to the old incremental file): the new AOF would lose it. A
  // dispatched BGREWRITEAOF waits for the lock like any request; a rewrite
  // scheduled behind a BGSAVE starts when that ends, at any point of a
  // locked command, and must wait for the lock itself. Each round checks the
  // AOF as it stands right after one such rewrite, loaded into redis-server,
  // against the live data.
  const workers = MULTI_SHARD_WORKERS[MULTI_SHARD_WORKERS.length - 1];
  const dir = tmpDir(t);
  const a = await startShardis(t, { workers, dir, args: [...DBG, ...AOF] });
  const c = await connectResp(t, a.port);
  const admin = await connectResp(t, a.port);
  const w = await connectResp(t, a.port);
  const lists = Array.from({ length: 8 }, (_, i) => `lr:${i}`);
  for (const l of lists) await c.call('RPUSH', l, ...Array.from({ length: 40 }, (_, j) => `${l}:${j}`));
  const lockCount = async (): Promise<number> => Number(/lock_acquisitions:(\d+)/.exec(String(await c.call('INFO', 'tasks')))?.[1] ?? NaN);
  const locksBefore = await lockCount();
  const rewriting = async (): Promise<boolean> => /aof_rewrite_in_progress:1|aof_rewrite_scheduled:1/.test(String(await admin.call('INFO', 'persistence')));
  let seed = 7;
  const next = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  let moves = 0;
  const differing: number[] = [];
  const ROUNDS = 20;
  for (let round = 0; round < ROUNDS; round++) {
    let moving = true;
    const mover = (async () => {
      while (moving) {
        const batch: string[][] = [];
        for (let k = 0; k < 20; k++) {
          const i = next(lists.length);
          batch.push(['LMOVE', lists[i], lists[(i + 1 + next(lists.length - 1)) % lists.length], 'LEFT', 'RIGHT']);
        }
        await w.pipeline(batch);
        moves += batch.length;
      }
    })();
    // In one pipeline: sent apart, a save of this small dataset can end before the BGREWRITEAOF arrives.
    const [saving, rewrite] = await admin.pipeline([['BGSAVE'], ['BGREWRITEAOF']]);
    t.match(String(saving), /Background saving started/);
    t.equal(rewrite, 'Background append only file rewriting scheduled');
    await eventually('the rewrite to finish', async () => !(await rewriting()), 20_000);
    moving = false;
    await mover;
    const digest = await c.call('DEBUG', 'DIGEST');
    const rdir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardis-aof-copy-'));
    try {
      fs.cpSync(path.join(dir, 'appendonlydir'), path.join(rdir, 'appendonlydir'), { recursive: true });
      const redis = await startRedis(t, ['--appendonly', 'yes', '--enable-debug-command', 'yes', '--dir', rdir]);
      const rc = await RespClient.connect(redis.port);
      if ((await rc.call('DEBUG', 'DIGEST')) !== digest) differing.push(round);
      rc.close();
      await redis.stop();
    } finally {
      fs.rmSync(rdir, { recursive: true, force: true });
    }
  }
  t.ok((await lockCount()) - locksBefore > moves / 2, `most of the ${moves} moves (those between shards) took the shard lock`);
  t.same(differing, [], `the AOF after each of ${ROUNDS} rewrites holds every move`);
});

t.test('MIGRATE is logged as the deletion of the keys that left (COPY and NOKEY log nothing): a restart does not bring them back', { skip: noRedisServer }, async (t) => {
  const dir = tmpDir(t);
  const a = await startShardis(t, { workers: ANY_WORKERS, dir, args: AOF });
  const target = await startRedis(t);
  const c = await connectResp(t, a.port);
  await c.call('MSET', 'gone:1', 'a', 'gone:2', 'b', 'copied', 'c', 'stays', 'd');
  t.equal(await c.call('MIGRATE', '127.0.0.1', target.port, '', 0, 5000, 'KEYS', 'gone:1', 'gone:2'), 'OK');
  t.equal(await c.call('MIGRATE', '127.0.0.1', target.port, 'copied', 0, 5000, 'COPY'), 'OK');
  t.equal(await c.call('MIGRATE', '127.0.0.1', target.port, 'missing', 0, 5000), 'NOKEY');
  // The target takes one key and refuses the next (it has it already): the first has left all the same.
  const r0 = await connectResp(t, target.port);
  await r0.call('SET', 'busy', 'theirs');
  await c.call('MSET', 'partial', 'p', 'busy', 'ours');
  t.match(await c.call('MIGRATE', '127.0.0.1', target.port, '', 0, 5000, 'KEYS', 'partial', 'busy'), { error: /^ERR Target instance replied with error: BUSYKEY/ });
  t.same(await c.call('MGET', 'partial', 'busy'), [null, 'ours'], 'the key the target took is gone, the refused one stays');
  const incr = fs.readdirSync(path.join(dir, 'appendonlydir')).filter((f) => f.endsWith('.incr.aof'));
  const logged = incr.map((f) => fs.readFileSync(path.join(dir, 'appendonlydir', f), 'latin1')).join('');
  t.notMatch(logged, /migrate/i, 'no MIGRATE in the log');
  t.match(logged, /\*3\r\n\$3\r\nDEL\r\n\$6\r\ngone:1\r\n\$6\r\ngone:2\r\n/, 'one DEL of the two keys that left');
  await killed(a);
  const b = await startShardis(t, { workers: ANY_WORKERS, dir, args: AOF });
  const d = await connectResp(t, b.port);
  t.same(((await d.call('KEYS', '*')) as string[]).sort(), ['busy', 'copied', 'stays'], 'after a restart: the migrated keys stay gone, the copied and the refused ones stay');
  const r = await connectResp(t, target.port);
  t.same(((await r.call('KEYS', '*')) as string[]).sort(), ['busy', 'copied', 'gone:1', 'gone:2', 'partial'], 'the target has what was sent');
});

t.test('a client blocked before the AOF was turned on: its pop is logged when it is served, so a restart does not bring the element back', async (t) => {
  for (const workers of [...new Set([ANY_WORKERS, ...MULTI_SHARD_WORKERS])]) {
    const dir = tmpDir(t);
    const a = await startShardis(t, { workers, dir });
    const c = await connectResp(t, a.port);
    const waiter = await connectResp(t, a.port);
    const served = waiter.call('BLPOP', 'jobs', 0);
    await eventually('blocked', async () => /blocked_clients:1\r\n/.test(String(await c.call('INFO', 'clients'))), 5000);
    t.equal(await c.call('CONFIG', 'SET', 'appendonly', 'yes'), 'OK');
    await eventually('the AOF is on', async () => /aof_enabled:1[\s\S]*aof_rewrite_in_progress:0/.test(String(await c.call('INFO', 'persistence'))), 10_000);
    t.equal(await c.call('RPUSH', 'jobs', 'one', 'two'), 2);
    t.same(await served, ['jobs', 'one'], `--workers ${workers}: the waiter got the first`);
    await a.stop();
    const b = await startShardis(t, { workers, dir, args: AOF });
    const d = await connectResp(t, b.port);
    t.same(await d.call('LRANGE', 'jobs', 0, -1), ['two'], `--workers ${workers}: after a restart from the AOF, only what was left`);
  }
});
