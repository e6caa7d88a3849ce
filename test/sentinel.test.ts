/**
 * Sentinel failover of Shardis: three redis-sentinel 7.0.15 processes
 * monitor a Shardis primary and its Shardis replica (they find the replica
 * through INFO replication and each other through the __sentinel__:hello
 * channel); the primary is killed with SIGKILL, and within 30 s the sentinels
 * promote the replica (MULTI, SLAVEOF NO ONE, CONFIG REWRITE, CLIENT KILL
 * TYPE normal, EXEC), which then takes writes and still has the data.
 */
import t, { type Test } from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { MULTI_SHARD_WORKERS, freePort, startShardis, which } from './helpers/servers';
import { RespClient, connectResp, type Reply } from './helpers/resp-client';
import { eventually, portOpen, waitFor } from './helpers/util';
import { infoField } from './helpers/info';

const REDIS_SENTINEL = which('redis-sentinel');
const DEBUG = ['--enable-debug-command', 'yes'];


/** Starts a redis-sentinel watching `master` (quorum 2, down after 1 s); stopped by PID at teardown. */
async function startSentinel(t: Test, dir: string, masterPort: number): Promise<number> {
  const port = await freePort();
  const conf = path.join(dir, `sentinel-${port}.conf`);
  fs.writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor mymaster 127.0.0.1 ${masterPort} 2`,
      'sentinel down-after-milliseconds mymaster 1000',
      // An election that splits its votes is tried again after twice this: short, so one retry fits the wait below.
      'sentinel failover-timeout mymaster 4000',
      'sentinel parallel-syncs mymaster 1',
      '',
    ].join('\n'),
  );
  const proc = spawn(REDIS_SENTINEL as string, [conf], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  t.teardown(async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  });
  if (!(await waitFor(() => portOpen(port), 10_000, 50))) throw new Error('redis-sentinel did not start');
  return port;
}

/** SENTINEL MASTER's reply as a map. */
async function sentinelMaster(c: RespClient): Promise<Map<string, string>> {
  const r = (await c.call('SENTINEL', 'MASTER', 'mymaster')) as Reply[];
  const m = new Map<string, string>();
  for (let i = 0; i + 1 < r.length; i += 2) m.set(String(r[i]), String(r[i + 1]));
  return m;
}

t.test('three sentinels fail a killed Shardis primary over to its Shardis replica', { skip: REDIS_SENTINEL === null ? 'redis-sentinel is not installed' : false }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardis-sentinel-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const primary = await startShardis(t, { workers: MULTI_SHARD_WORKERS[0] ?? 0, args: [...DEBUG, '--repl-diskless-sync-delay', '0'] });
  const replica = await startShardis(t, { workers: 0, args: DEBUG });
  const p = await connectResp(t, primary.port);
  const r = await connectResp(t, replica.port);
  await p.pipeline(Array.from({ length: 1000 }, (_v, i) => ['SET', `key:${i}`, `v${i}`]));
  await p.call('SET', 'before', 'failover');
  t.equal(await r.call('REPLICAOF', '127.0.0.1', primary.port), 'OK');
  await eventually('replica link up', async () => (await infoField(r, 'replication', 'master_link_status')) === 'up', 15_000);
  await eventually('replica has the data', async () => (await r.call('GET', 'before')) === 'failover', 10_000);
  const sentinels: RespClient[] = [];
  for (let i = 0; i < 3; i++) sentinels.push(await connectResp(t, await startSentinel(t, dir, primary.port)));
  const s = sentinels[0];
  // Each sentinel has found the replica (INFO replication) and the two other sentinels (the hello channel).
  for (const [i, c] of sentinels.entries()) {
    await eventually(`sentinel ${i} sees the replica and its peers`, async () => {
      const m = await sentinelMaster(c);
      return m.get('num-slaves') === '1' && m.get('num-other-sentinels') === '2';
    }, 20_000);
  }

  const killedAt = Date.now();
  primary.proc.kill('SIGKILL');
  // The promotion ends with CLIENT KILL TYPE normal: every poll uses a new connection, as clients reconnect.
  const promoted = await waitFor(async () => {
    const addr = (await s.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')) as Reply[];
    if (String(addr[1]) !== String(replica.port)) return false;
    const c = await RespClient.connect(replica.port);
    try {
      return (await infoField(c, 'replication', 'role')) === 'master';
    } finally {
      c.close();
    }
  }, 30_000, 200);
  const seconds = (Date.now() - killedAt) / 1000;
  t.ok(promoted, `the replica was promoted ${seconds.toFixed(1)} s after SIGKILL (at most 30 s: a split vote is retried after 8 s)`);
  t.ok(await waitFor(() => r.isClosed, 5000), "Sentinel's CLIENT KILL TYPE normal closed the old client connection");
  const n = await connectResp(t, replica.port);
  t.same(((await n.call('ROLE')) as Reply[])[0], 'master', 'ROLE says master');
  t.equal(await n.call('SET', 'after', 'failover'), 'OK', 'the promoted replica takes writes');
  t.equal(await n.call('GET', 'before'), 'failover', 'and kept the data');
  t.equal(await n.call('DBSIZE'), 1002);
  // Every sentinel agrees on the new primary. The others learn it from the leader's hello messages (sent
  // every 2 s), so they may lag the one polled above by a few seconds.
  for (const [i, c] of sentinels.entries()) {
    const addr = async (): Promise<string> => String(((await c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster')) as Reply[])[1]);
    await waitFor(async () => (await addr()) === String(replica.port), 10_000, 200);
    t.equal(await addr(), String(replica.port), `sentinel ${i} names the promoted replica`);
  }
});
