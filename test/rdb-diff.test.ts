/**
 * RDB files and DUMP payloads against redis-server 7.0.15, both ways, on a
 * seeded dataset of every type and encoding (test/helpers/datasets.ts):
 * - redis-server writes dump.rdb; Shardis loads it at start: DEBUG DIGEST,
 *   every key's DUMP bytes and the streams' groups (XINFO STREAM FULL) equal;
 * - Shardis writes dump.rdb (SAVE): redis-check-rdb accepts it and
 *   redis-server loads it with the same DEBUG DIGEST;
 * - DUMP payloads RESTORE across the two servers with equal DIGEST-VALUEs.
 */
import t from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { MULTI_SHARD_WORKERS, ANY_WORKERS, REDIS_SERVER, startRedis, startShardis, which } from './helpers/servers';
import { connectResp, type RespClient } from './helpers/resp-client';
import { everyShapeDataset } from './helpers/datasets';

/** DEBUG (DIGEST) is off by default, as in Redis 7. */
const DBG = ['--enable-debug-command', 'yes'];

const REDIS_CHECK_RDB = which('redis-check-rdb');
const skip = REDIS_SERVER && REDIS_CHECK_RDB ? false : 'redis-server and redis-check-rdb are needed';
const WORKERS = [...new Set([ANY_WORKERS, ...MULTI_SHARD_WORKERS.slice(0, 1)])];
const DEBUG = ['--enable-debug-command', 'yes'];

async function load(c: RespClient, cmds: (string | number)[][]): Promise<void> {
  const replies = await c.pipeline(cmds);
  const bad = replies.findIndex((r) => r !== null && typeof r === 'object' && !Array.isArray(r));
  if (bad >= 0) throw new Error(`${cmds[bad].join(' ')} -> ${JSON.stringify(replies[bad])}`);
}

async function keysOf(c: RespClient): Promise<string[]> {
  return ((await c.call('KEYS', '*')) as string[]).sort();
}

function tmpDir(tt: { teardown(fn: () => unknown): void }): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'shardis-rdb-'));
  tt.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

t.test('redis-server writes, Shardis loads', { skip }, async (t) => {
  const redis = await startRedis(t, DEBUG);
  const rc = await connectResp(t, redis.port);
  await load(rc, everyShapeDataset(7));
  t.equal(await rc.call('SAVE'), 'OK');
  const rdir = (await rc.call('CONFIG', 'GET', 'dir')) as string[];
  const digest = await rc.call('DEBUG', 'DIGEST');
  t.not(digest, '0'.repeat(40));
  for (const workers of WORKERS) {
    await t.test(`--workers ${workers}`, async (t) => {
      const dir = tmpDir(t);
      fs.copyFileSync(path.join(rdir[1], 'dump.rdb'), path.join(dir, 'dump.rdb'));
      const srv = await startShardis(t, { workers, dir, args: DBG });
      const sc = await connectResp(t, srv.port);
      t.equal(await sc.call('DEBUG', 'DIGEST'), digest, 'same dataset digest');
      const info = (await sc.call('INFO', 'persistence')) as string;
      t.match(info, /rdb_last_load_keys_loaded:\d+/);
      for (const db of [0, 3, 15]) {
        await rc.call('SELECT', db);
        await sc.call('SELECT', db);
        const keys = await keysOf(rc);
        t.same(await keysOf(sc), keys, `db ${db}: same keys`);
        let differ: string[] = [];
        for (const k of keys) {
          const [a, b] = await Promise.all([rc.call('DUMP', k), sc.call('DUMP', k)]);
          // A set converted from an intset while loading is in Redis's dict order, which is its own.
          if (a !== b && k !== 's:ibig') differ.push(k);
          t.same(await sc.call('PEXPIRETIME', k), await rc.call('PEXPIRETIME', k), `${k}: same deadline`);
          t.same(await sc.call('OBJECT', 'ENCODING', k), await rc.call('OBJECT', 'ENCODING', k), `${k}: same encoding`);
        }
        // A stream node's layout after deletions is Redis's own (tombstones); its entries and groups are compared below.
        differ = differ.filter((k) => !k.startsWith('x:'));
        t.same(differ, [], `db ${db}: DUMP payloads byte for byte`);
      }
      await rc.call('SELECT', 0);
      await sc.call('SELECT', 0);
      for (const k of ['x:s', 'x:empty', 'x:trim']) {
        t.same(await sc.call('XINFO', 'STREAM', k, 'FULL'), await rc.call('XINFO', 'STREAM', k, 'FULL'), `${k}: groups, consumers and PELs`);
      }
    });
  }
});

t.test('Shardis writes, redis-check-rdb accepts and redis-server loads', { skip }, async (t) => {
  for (const workers of WORKERS) {
    await t.test(`--workers ${workers}`, async (t) => {
      const dir = tmpDir(t);
      const srv = await startShardis(t, { workers, dir, args: [...DBG, '--rdbcompression', workers === ANY_WORKERS ? 'yes' : 'no'] });
      const sc = await connectResp(t, srv.port);
      await load(sc, everyShapeDataset(11));
      t.equal(await sc.call('SAVE'), 'OK');
      const digest = await sc.call('DEBUG', 'DIGEST');
      const check = spawnSync(REDIS_CHECK_RDB as string, [path.join(dir, 'dump.rdb')], { encoding: 'utf8' });
      t.equal(check.status, 0, check.stdout + check.stderr);
      t.match(check.stdout, /RDB looks OK/);
      // The reference server with the same commands: the same digest as Shardis's.
      const ref = await startRedis(t, DEBUG);
      const rc = await connectResp(t, ref.port);
      await load(rc, everyShapeDataset(11));
      t.equal(await rc.call('DEBUG', 'DIGEST'), digest, 'same digest as redis-server for the same commands');
      // And redis-server started on Shardis's file.
      const rdir = ((await rc.call('CONFIG', 'GET', 'dir')) as string[])[1];
      await ref.stop();
      const loaded = await startRedis(t, [...DEBUG, '--dir', dir]);
      void rdir;
      const lc = await connectResp(t, loaded.port);
      t.equal(await lc.call('DEBUG', 'DIGEST'), digest, 'redis-server loads the file with the same digest');
      t.same(await lc.call('XINFO', 'STREAM', 'x:s', 'FULL'), await sc.call('XINFO', 'STREAM', 'x:s', 'FULL'));
    });
  }
});

t.test('DUMP payloads RESTORE across both servers', { skip }, async (t) => {
  const redis = await startRedis(t, DEBUG);
  const srv = await startShardis(t, { workers: WORKERS[WORKERS.length - 1], args: DBG });
  const rc = await connectResp(t, redis.port);
  const sc = await connectResp(t, srv.port);
  const data = everyShapeDataset(3, 40);
  await load(rc, data);
  await load(sc, data);
  const keys = await keysOf(rc);
  for (const k of keys) {
    const [fromRedis, fromShardis] = await Promise.all([rc.call('DUMP', k), sc.call('DUMP', k)]);
    t.equal(await sc.call('RESTORE', `r:${k}`, 0, Buffer.from(fromRedis as string, 'latin1')), 'OK', `${k} into Shardis`);
    t.equal(await rc.call('RESTORE', `r:${k}`, 0, Buffer.from(fromShardis as string, 'latin1')), 'OK', `${k} into redis-server`);
    const [a, b] = await Promise.all([rc.call('DEBUG', 'DIGEST-VALUE', k, `r:${k}`), sc.call('DEBUG', 'DIGEST-VALUE', k, `r:${k}`)]);
    t.same(b, a, `${k}: same values both ways`);
  }
  // RESTORE's options and errors, as redis-server answers them.
  const payload = Buffer.from((await rc.call('DUMP', 's:embstr')) as string, 'latin1');
  const corrupt = Buffer.from(payload);
  corrupt[2] ^= 0xff;
  const badData = Buffer.from(payload);
  const cases: (string | number | Buffer)[][] = [
    ['RESTORE', 'k1', 0, payload],
    ['RESTORE', 'k1', 0, payload],
    ['RESTORE', 'k1', 0, payload, 'REPLACE'],
    ['RESTORE', 'k2', -1, payload],
    ['RESTORE', 'k2', 'x', payload],
    ['RESTORE', 'k2', 0, corrupt],
    ['RESTORE', 'k2', 0, badData.subarray(0, 3)],
    ['RESTORE', 'k3', 100000, payload, 'IDLETIME', 5],
    ['RESTORE', 'k4', 0, payload, 'IDLETIME', 5, 'FREQ', 3],
    ['RESTORE', 'k4', 0, payload, 'FREQ', 300],
    ['RESTORE', 'k4', 0, payload, 'IDLETIME', -1],
    ['RESTORE', 'k4', 0, payload, 'BOGUS'],
    ['RESTORE', 'k5', 1, payload, 'ABSTTL'],
    ['EXISTS', 'k5'],
    ['RESTORE', 'k1', 1, payload, 'ABSTTL', 'REPLACE'],
    ['EXISTS', 'k1'],
    ['RESTORE', 'k6', 4102444800000, payload, 'ABSTTL'],
    ['PEXPIRETIME', 'k6'],
    ['OBJECT', 'IDLETIME', 'k3'],
    ['DUMP', 'nosuchkey'],
  ];
  for (const c of cases) t.same(await sc.call(...c), await rc.call(...c), c.map((a) => (Buffer.isBuffer(a) ? '<payload>' : a)).join(' '));
});
