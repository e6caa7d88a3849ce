/**
 * Snapshots across restarts: SHUTDOWN and SIGTERM save when save points are
 * set (SAVE/NOSAVE override), the server loads the file at start, save points
 * fire on their own, BGSAVE/LASTSAVE/INFO persistence report as Redis does,
 * and a save that cannot write refuses writes with -MISCONF while reads go on.
 */
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ANY_WORKERS, MULTI_SHARD_WORKERS, REDIS_SERVER, noMultiShard, startRedis, startShardis } from './helpers/servers';
import { connectResp, type RespClient } from './helpers/resp-client';
import { eventually, sleep } from './helpers/util';
import { everyShapeDataset } from './helpers/datasets';
import { info as readInfo, infoField, infoNumber } from './helpers/info';

/** DEBUG (DIGEST) is off by default, as in Redis 7. */
const DBG = ['--enable-debug-command', 'yes'];

const WORKERS = MULTI_SHARD_WORKERS[0] ?? ANY_WORKERS;

function tmpDir(tt: { teardown(fn: () => unknown): void }): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'shardis-persist-'));
  tt.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

async function exited(proc: import('node:child_process').ChildProcess): Promise<number | null> {
  if (proc.exitCode !== null) return proc.exitCode;
  return new Promise((r) => proc.once('exit', (c) => r(c)));
}

t.test('SHUTDOWN and SIGTERM save when save points are set; the next start loads the file', async (t) => {
  const dir = tmpDir(t);
  const a = await startShardis(t, { workers: WORKERS, dir, persist: true, args: DBG });
  const ac = await connectResp(t, a.port);
  await ac.pipeline(everyShapeDataset(5, 30));
  const digest = await ac.call('DEBUG', 'DIGEST');
  await ac.call('SHUTDOWN').catch(() => undefined);
  t.equal(await exited(a.proc), 0);
  t.ok(fs.existsSync(path.join(dir, 'dump.rdb')), 'SHUTDOWN saved (default save points)');

  const b = await startShardis(t, { workers: WORKERS, dir, persist: true, args: DBG });
  const bc = await connectResp(t, b.port);
  t.equal(await bc.call('DEBUG', 'DIGEST'), digest, 'loaded at start');
  await bc.call('SET', 'after', 'sigterm');
  const d2 = await bc.call('DEBUG', 'DIGEST');
  t.equal(await b.stop(), 0, 'SIGTERM exits 0');

  const c = await startShardis(t, { workers: WORKERS, dir, args: [...DBG, '--save', ''] });
  const cc = await connectResp(t, c.port);
  t.equal(await cc.call('DEBUG', 'DIGEST'), d2, 'SIGTERM saved');
  await cc.call('SET', 'lost', 'x');
  t.equal(await c.stop(), 0);
  const d = await startShardis(t, { workers: WORKERS, dir, args: [...DBG, '--save', ''] });
  const dc = await connectResp(t, d.port);
  t.equal(await dc.call('EXISTS', 'lost'), 0, 'no save points: SIGTERM does not save');
  await dc.call('SET', 'kept', 'x');
  await dc.call('SHUTDOWN', 'SAVE').catch(() => undefined);
  t.equal(await exited(d.proc), 0);
  const e = await startShardis(t, { workers: WORKERS, dir, persist: true, args: DBG });
  const ec = await connectResp(t, e.port);
  t.equal(await ec.call('EXISTS', 'kept'), 1, 'SHUTDOWN SAVE saved without save points');
  await ec.call('SET', 'nosave', 'x');
  await ec.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
  t.equal(await exited(e.proc), 0);
  const f = await startShardis(t, { workers: WORKERS, dir, args: DBG });
  const fc = await connectResp(t, f.port);
  t.equal(await fc.call('EXISTS', 'nosave'), 0, 'SHUTDOWN NOSAVE did not save');
  t.equal(await fc.call('EXISTS', 'kept'), 1);
});

t.test('BGSAVE, BGSAVE SCHEDULE, LASTSAVE and INFO persistence as redis-server answers them', { skip: REDIS_SERVER ? false : 'no redis-server' }, async (t) => {
  const srv = await startShardis(t, { workers: WORKERS, args: DBG });
  const redis = await startRedis(t);
  const sc = await connectResp(t, srv.port);
  const rc = await connectResp(t, redis.port);
  for (const c of [sc, rc]) await c.pipeline(everyShapeDataset(9, 20));
  const script = [['BGSAVE'], ['BGSAVE', 'SCHEDULE'], ['BGSAVE'], ['BGSAVE', 'NOW'], ['SAVE', 'x']];
  t.same(await sc.pipeline(script), await rc.pipeline(script));
  await eventually('the saves to end', async () => (await infoField(sc, 'persistence', 'rdb_bgsave_in_progress')) === '0' && (await infoField(sc, 'persistence', 'rdb_saves')) === '1');
  t.equal(await infoField(sc, 'persistence', 'rdb_last_bgsave_status'), 'ok');
  t.equal(await infoField(sc, 'persistence', 'rdb_changes_since_last_save'), '0');
  const last = (await sc.call('LASTSAVE')) as number;
  t.ok(Math.abs(last - Date.now() / 1000) < 5, 'LASTSAVE is the last save time');
  await sc.call('SET', 'a', '1');
  await sc.call('INCR', 'n');
  t.equal(await infoField(sc, 'persistence', 'rdb_changes_since_last_save'), '2');
  t.equal(await sc.call('SAVE'), 'OK');
  t.equal(await infoField(sc, 'persistence', 'rdb_changes_since_last_save'), '0');
});

t.test('a save point saves by itself', async (t) => {
  const dir = tmpDir(t);
  const srv = await startShardis(t, { workers: ANY_WORKERS, dir, args: [...DBG, '--save', '1 2'] });
  const c = await connectResp(t, srv.port);
  await c.call('SET', 'a', '1');
  await c.call('SET', 'b', '2');
  await eventually('dump.rdb', () => fs.existsSync(path.join(dir, 'dump.rdb')), 8000);
  t.equal(await infoField(c, 'persistence', 'rdb_changes_since_last_save'), '0');
});

t.test('a failed save refuses writes with -MISCONF, keeps reads, and the last good file intact', async (t) => {
  const dir = tmpDir(t);
  const sub = path.join(dir, 'data');
  fs.mkdirSync(sub);
  const srv = await startShardis(t, { workers: WORKERS, dir: sub, args: [...DBG, '--save', '3600 1'] });
  const c = await connectResp(t, srv.port);
  await c.call('SET', 'k', 'v');
  t.equal(await c.call('SAVE'), 'OK');
  const good = fs.readFileSync(path.join(sub, 'dump.rdb'));
  // The directory turns unwritable (a read-only dir does not stop root, a missing one does).
  fs.renameSync(sub, path.join(dir, 'moved'));
  t.equal(await c.call('BGSAVE'), 'Background saving started');
  await eventually('the save to fail', async () => (await infoField(c, 'persistence', 'rdb_last_bgsave_status')) === 'err');
  t.match(await c.call('SET', 'k', 'w'), { error: /^MISCONF / });
  t.equal(await c.call('GET', 'k'), 'v', 'reads go on');
  t.same(await c.call('SAVE'), { error: 'ERR' });
  t.same(fs.readFileSync(path.join(dir, 'moved', 'dump.rdb')), good, 'the last good file is untouched');
  fs.renameSync(path.join(dir, 'moved'), sub);
  t.equal(await c.call('SAVE'), 'OK');
  t.equal(await c.call('SET', 'k', 'w'), 'OK', 'writes again after a good save');
});

t.test('BGSAVE is a point-in-time snapshot while writes go on (copy-on-write per shard)', async (t) => {
  const dir = tmpDir(t);
  const srv = await startShardis(t, { workers: WORKERS, dir, args: DBG });
  const c = await connectResp(t, srv.port);
  const N = 20000;
  const fill: (string | number)[][] = [];
  for (let i = 0; i < N; i += 500) {
    const cmd: (string | number)[] = ['MSET'];
    for (let j = i; j < i + 500; j++) cmd.push(`k:${j}`, `value-${j}-${'x'.repeat(j % 50)}`);
    fill.push(cmd);
  }
  fill.push(['RPUSH', 'list', 'a', 'b'], ['HSET', 'h', 'f', 'v'], ['SELECT', '2'], ['SET', 'other', '1'], ['SELECT', '0']);
  await c.pipeline(fill);
  const writes: (string | number)[][] = [];
  for (let j = 0; j < N; j += 97) writes.push(['SET', `k:${j}`, 'changed'], ['DEL', `k:${j + 1}`], ['SET', `new:${j}`, 'x']);
  writes.push(['RPUSH', 'list', 'c'], ['HDEL', 'h', 'f'], ['SELECT', '2'], ['DEL', 'other'], ['SELECT', '0']);
  const [before, started] = (await c.pipeline([['DEBUG', 'DIGEST'], ['BGSAVE'], ...writes])) as string[];
  t.equal(started, 'Background saving started');
  const after = await c.call('DEBUG', 'DIGEST');
  t.not(after, before, 'the writes changed the dataset');
  await eventually('the save', async () => (await infoField(c, 'persistence', 'rdb_bgsave_in_progress')) === '0' && (await infoField(c, 'persistence', 'rdb_saves')) === '1', 20000);
  const copy = tmpDir(t);
  fs.copyFileSync(path.join(dir, 'dump.rdb'), path.join(copy, 'dump.rdb'));
  const other = await startShardis(t, { workers: WORKERS, dir: copy, args: DBG });
  const oc = await connectResp(t, other.port);
  t.equal(await oc.call('DEBUG', 'DIGEST'), before, 'the file holds the dataset as it was when BGSAVE started');
});

t.test('a key that a delete or an eviction takes away while BGSAVE walks, or moves into the part already walked, is still in the file', async (t) => {
  // A shard walks its keys by position and a delete moves the last key into
  // the hole. Deleting keys the walk has passed moves keys it has not reached
  // into the part it has passed; evicting keys it has not reached takes them
  // away before it writes them. Either way the file must hold them: they
  // were there when BGSAVE started.
  for (const workers of new Set([ANY_WORKERS, WORKERS])) {
    const dir = tmpDir(t);
    const srv = await startShardis(t, { workers, dir, args: DBG });
    const c = await connectResp(t, srv.port);
    const N = 30_000;
    const fill: (string | number)[][] = [];
    for (let i = 0; i < N; i += 1000) {
      const cmd: (string | number)[] = ['MSET'];
      for (let j = i; j < i + 1000; j++) cmd.push(`k:${j}`, `v${j}`);
      fill.push(cmd);
    }
    await c.pipeline(fill);
    const used = await infoNumber(c, 'memory', 'used_memory');
    await c.pipeline([['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-random'], ['CONFIG', 'SET', 'maxmemory', used]]);
    const before = await c.call('DEBUG', 'DIGEST');
    t.equal(await c.call('BGSAVE'), 'Background saving started');
    // The first keys written are the first walked: deleted in order while the
    // save runs, most of them after the walk passed them. Each new key evicts.
    let next = 0;
    let duringSave = 0;
    for (;;) {
      const batch: (string | number)[][] = [['INFO', 'persistence']];
      for (let j = 0; j < 100; j++, next++) batch.push(['DEL', `k:${next}`], ['SET', `new:${next}`, 'x'.repeat(100)]);
      const [info] = await c.pipeline(batch);
      if (!/rdb_bgsave_in_progress:1/.test(String(info))) break;
      duringSave += 100;
    }
    const evicted = await infoNumber(c, 'stats', 'evicted_keys');
    t.ok(duringSave >= 100 && evicted > 0, `--workers ${workers}: ${duringSave} deletes and ${evicted} evictions while the save ran`);
    await eventually('the save', async () => (await infoField(c, 'persistence', 'rdb_saves')) === '1', 20000);
    t.equal(await infoField(c, 'persistence', 'rdb_last_bgsave_status'), 'ok');
    const copy = tmpDir(t);
    fs.copyFileSync(path.join(dir, 'dump.rdb'), path.join(copy, 'dump.rdb'));
    const other = await startShardis(t, { workers, dir: copy, args: DBG });
    const oc = await connectResp(t, other.port);
    t.equal(await oc.call('DBSIZE'), N, `--workers ${workers}: every key of the start is in the file`);
    t.equal(await oc.call('DEBUG', 'DIGEST'), before, `--workers ${workers}: the file holds the dataset as it was when BGSAVE started`);
    await other.stop();
    await srv.stop();
  }
});

/** INFO persistence's fields, in their order. */
async function persistence(c: RespClient): Promise<Record<string, string>> {
  return (await readInfo(c, 'persistence')).persistence;
}

t.test('INFO persistence has redis-server\'s fields, in its order, with the AOF off and on', { skip: REDIS_SERVER ? false : 'no redis-server' }, async (t) => {
  // Shardis's own additions (documented in INFO's docs): the main thread's save buffer and the fsync count.
  const own = new Set(['current_save_buffer_bytes', 'peak_save_buffer_bytes', 'aof_fsyncs']);
  for (const aof of [['--appendonly', 'no'], ['--appendonly', 'yes']]) {
    const srv = await startShardis(t, { workers: ANY_WORKERS, dir: tmpDir(t), args: aof });
    const redis = await startRedis(t, aof);
    const sc = await connectResp(t, srv.port);
    const rc = await connectResp(t, redis.port);
    const ours = Object.keys(await persistence(sc)).filter((k) => !own.has(k));
    const theirs = Object.keys(await persistence(rc));
    t.same(ours, theirs, `${aof.join(' ')}: the same fields in the same order`);
    await srv.stop();
    await redis.stop();
  }
});

t.test('a BGSAVE shows its progress and its copy-on-write memory in INFO persistence; a cross-shard command copies its own keys only', { skip: noMultiShard }, async (t) => {
  const dir = tmpDir(t);
  const srv = await startShardis(t, { workers: WORKERS, dir });
  const c = await connectResp(t, srv.port);
  const N = 100_000;
  const value = 'v'.repeat(100);
  const fill: (string | number)[][] = [];
  for (let i = 0; i < N; i += 1000) {
    const cmd: (string | number)[] = ['MSET'];
    for (let j = i; j < i + 1000; j++) cmd.push(`k:${j}`, value);
    fill.push(cmd);
  }
  await c.pipeline(fill);
  const idle = await persistence(c);
  t.same(
    [idle.current_cow_peak, idle.current_cow_size, idle.current_fork_perc, idle.current_save_keys_processed, idle.current_save_keys_total, idle.rdb_last_cow_size],
    ['0', '0', '0.00', '0', '0', '0'],
    'no save: nothing to show',
  );
  const lockCount = (): Promise<number> => infoNumber(c, 'tasks', 'lock_acquisitions');
  const locksBefore = await lockCount();
  // The last keys written are the last a shard's walk reaches: writes to them right after the
  // start are copied first. RENAMEs across shards write back through shard RPCs, which before
  // copied everything the shard had left (megabytes here) instead of their own keys.
  const writes: (string | number)[][] = [];
  for (let j = N - 200; j < N; j++) writes.push(['SET', `k:${j}`, 'changed']);
  for (let j = 0; j < 10; j++) writes.push(['RENAME', `k:${N - 300 + j}`, `renamed:${j}`]);
  const [started] = await c.pipeline([['BGSAVE'], ...writes]);
  t.equal(started, 'Background saving started');
  const seen: Record<string, string>[] = [];
  for (;;) {
    const f = await persistence(c);
    if (f.rdb_bgsave_in_progress !== '1') break;
    seen.push(f);
    await sleep(2);
  }
  t.ok((await lockCount()) - locksBefore >= 5, 'most of the RENAMEs were across shards (they took the shard lock)');
  t.ok(seen.length > 0, `INFO was read ${seen.length} times during the save`);
  t.ok(seen.every((f) => Number(f.current_save_keys_total) === N), `current_save_keys_total is the ${N} keys of the start`);
  const processed = seen.map((f) => Number(f.current_save_keys_processed));
  t.ok(processed.every((p, i) => p <= N && (i === 0 || p >= processed[i - 1])), 'current_save_keys_processed grows up to the total');
  t.ok(seen.every((f) => f.current_fork_perc === ((Number(f.current_save_keys_processed) / N) * 100).toFixed(2)), 'current_fork_perc is processed / total');
  t.ok(seen.every((f) => Number(f.current_cow_size) <= Number(f.current_cow_peak)), 'current_cow_size stays under current_cow_peak');
  const done = await persistence(c);
  t.same([done.current_cow_peak, done.current_cow_size, done.current_save_keys_total], ['0', '0', '0'], 'after the save: nothing in progress');
  const cow = Number(done.rdb_last_cow_size);
  // At most the 210 keys written to (~110 bytes each), copied as they come and pulled with the
  // next slices: far below a shard's remainder (~25,000 keys, ~2.8 MB).
  t.ok(cow > 0 && cow < 100_000, `rdb_last_cow_size ${cow}: the keys written to, not the shards' remainders`);
  // Not the last read's 100.00: the file's last slice, fsync and rename can fall between two reads.
  t.ok(Math.max(...processed) > 0, 'keys were counted as they were written');
  t.equal(done.aof_last_cow_size, '0', 'no AOF rewrite ran');
  const copy = tmpDir(t);
  fs.copyFileSync(path.join(dir, 'dump.rdb'), path.join(copy, 'dump.rdb'));
  const other = await startShardis(t, { workers: WORKERS, dir: copy });
  const oc = await connectResp(t, other.port);
  t.same(await oc.call('MGET', `k:${N - 1}`, `k:${N - 300}`, 'renamed:0'), [value, value, null], 'the file holds the keys as they were at the start');
});

t.test('rdb_changes_since_last_save counts changes as Redis\'s dirty counter does', { skip: REDIS_SERVER ? false : 'no redis-server' }, async (t) => {
  const srv = await startShardis(t, { workers: WORKERS, args: DBG });
  const redis = await startRedis(t);
  const sc = await connectResp(t, srv.port);
  const rc = await connectResp(t, redis.port);
  const steps: (string | number)[][] = [
    ['SETBIT', 'k', 1, 1], ['SETBIT', 'k', 1, 1], ['SETBIT', 'k', 1, 0], ['DEL', 'nokey'], ['MSET', 'a', 1, 'b', 2],
    ['SET', 'x', 'y'], ['GET', 'x'], ['EXPIRE', 'nokey', 10], ['HSET', 'h', 'f', 'v'], ['INCR', 'n'], ['SADD', 's', 'm'], ['SREM', 's', 'zz'],
  ];
  for (const step of steps) {
    await sc.call(...step);
    await rc.call(...step);
    t.equal(await infoField(sc, 'persistence', 'rdb_changes_since_last_save'), await infoField(rc, 'persistence', 'rdb_changes_since_last_save'), step.join(' '));
  }
});
