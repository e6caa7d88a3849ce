/**
 * The teardown acceptance test: thousands of connections end through every
 * path there is, mixed and concurrently, and afterwards every live counter in
 * INFO (tasks, listeners, in-flight requests, blocked/pubsub/watching clients,
 * per-shard waiters and watches, the shard lock) and the server process's
 * active resources (process.getActiveResourcesInfo(), reported by INFO) are
 * back at their baseline, and the server still serves new clients.
 */
import t, { type Test } from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startShardis, startShardisWithPort, MULTI_SHARD_WORKERS, noMultiShard } from './helpers/servers';
import { RespClient, connectResp } from './helpers/resp-client';
import { info } from './helpers/info';
import { readLiveCounters, expectBaseline } from './helpers/live-counters';
import { waitFor } from './helpers/util';
import { cmd, lifecyclePaths, openRaw, runMixed, useUnixSocket } from '../benchmarks/lib/lifecycles';

const PER_PATH = Number(process.env.SHARDIS_TEARDOWN_PER_PATH ?? 150);

t.test('every teardown path leaves nothing behind', { skip: noMultiShard }, async (t) => {
  for (const workers of MULTI_SHARD_WORKERS) await t.test(`--workers ${workers}`, (t) => teardownPaths(t, workers));
});

async function teardownPaths(t: Test, workers: number): Promise<void> {
  const srv = await startShardis(t, { workers });
  const admin = await connectResp(t, srv.port);
  await admin.call('SET', 'big', 'x'.repeat(2000));
  const baseline = await readLiveCounters(admin);
  t.equal(baseline.connected_clients, '1', 'only the admin connection at the start');
  t.match(baseline.active_resources, /TCPServerWrap=1/, 'the listener is an active resource');

  await t.test('mixed teardown paths, concurrently', async (t) => {
    // SHARDIS_TEARDOWN_PATHS=eof,rst narrows the run (for debugging one path).
    const only = process.env.SHARDIS_TEARDOWN_PATHS?.split(',');
    const names = Object.keys(lifecyclePaths).filter((n) => only === undefined || only.includes(n));
    const done = await runMixed(srv.port, (id) => admin.call('CLIENT', 'KILL', 'ID', id), names, PER_PATH);
    for (const name of names) t.equal(done[name], PER_PATH, `${PER_PATH} lifecycles ended by ${name}`);
  });

  await t.test('idle timeout', async (t) => {
    t.same(await admin.call('CONFIG', 'SET', 'timeout', '1'), 'OK');
    // The idle timeout applies to every connection, the admin's too: keep it busy.
    const keepAlive = setInterval(() => void admin.call('PING').catch(() => undefined), 200);
    t.teardown(() => clearInterval(keepAlive));
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        const c = await openRaw(srv.port);
        c.socket.write(cmd('PING'));
        await c.closed; // the server closes it after 1 s of silence
      }),
    );
    t.ok(Date.now() - started >= 900, 'closed by the server after the idle timeout');
    t.same(await admin.call('CONFIG', 'SET', 'timeout', '0'), 'OK');
    clearInterval(keepAlive);
  });

  await t.test('output buffer limits: pipelined replies and pub/sub messages nobody reads', async (t) => {
    t.same(await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 256kb 0 0 pubsub 64kb 0 0'), 'OK');
    // 16 x 1 MB of replies: more than the kernel's socket buffers take from a
    // client that never reads, so the rest queues in the server and passes the limit.
    await admin.call('SET', 'huge', 'h'.repeat(1024 * 1024));
    const before = Number((await info(admin, 'stats')).stats.client_output_buffer_limit_disconnections);
    const flooders = 10;
    const subscribers = 50;
    // A client that does not read cannot see the server close it until it
    // reads again: each resumes once the server has cut off all of them (INFO).
    const allCut = waitFor(async () => {
      const n = Number((await info(admin, 'stats')).stats.client_output_buffer_limit_disconnections);
      return n - before >= flooders + subscribers;
    }, 60000);
    const clients = Array.from({ length: flooders + subscribers }, async (_, i) => {
      const c = await openRaw(srv.port);
      c.socket.pause(); // never read
      if (i < flooders) c.socket.write(Buffer.concat(Array.from({ length: 16 }, () => cmd('GET', 'huge'))));
      else c.socket.write(cmd('SUBSCRIBE', 'flood'));
      await allCut;
      c.socket.resume();
      await c.closed;
    });
    // A publisher keeps going until every subscriber has been cut off.
    const publisher = await RespClient.connect(srv.port);
    let publishing = true;
    let published = 0;
    const pub = (async () => {
      while (publishing) {
        await publisher.call('PUBLISH', 'flood', 'y'.repeat(4000));
        published++;
      }
    })();
    const cut = await allCut;
    t.ok(cut, 'every flooded client was closed at its limit');
    if (!cut) t.comment(String(await admin.call('CLIENT', 'LIST')), JSON.stringify((await info(admin, 'stats')).stats));
    await Promise.all(clients);
    publishing = false;
    await pub;
    t.ok(published > 0, 'the publisher kept going');
    publisher.close();
    t.same(await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 0 0 pubsub 32mb 8mb 60'), 'OK');
    t.equal(await admin.call('DEL', 'huge'), 1);
  });

  await t.test('replication links: replicas leaving mid-sync, killed, or after their sync; WAIT clients leaving', async (t) => {
    t.same(await admin.call('CONFIG', 'SET', 'repl-diskless-sync-delay', '0'), 'OK');
    const psync = Buffer.from('REPLCONF listening-port 1 capa eof capa psync2\r\nPSYNC ? -1\r\n');
    const replicas = Array.from({ length: 60 }, async (_, i) => {
      const c = await openRaw(srv.port);
      let got = '';
      let gone = false;
      c.socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
      void c.closed.then(() => (gone = true));
      c.socket.write(psync);
      if (i % 3 === 0) {
        c.socket.destroy(); // gone before (or while) its snapshot is sent
      } else if (i % 3 === 1) {
        // (Another replica's CLIENT KILL TYPE replica may have closed this one already.)
        await waitFor(() => gone || got.includes('FULLRESYNC'), 10000);
        await admin.call('CLIENT', 'KILL', 'TYPE', 'replica');
      } else {
        await waitFor(() => gone || /\$EOF:([0-9a-f]{40})[\s\S]*\1/.test(got), 10000);
        c.socket.write('REPLCONF ACK 0\r\n');
        await waitFor(() => got.length > 0 && c.socket.writableLength === 0, 1000);
        c.socket.end();
      }
      await c.closed;
    });
    const waiters = Array.from({ length: 40 }, async (_, i) => {
      const c = await openRaw(srv.port);
      c.socket.write(cmd('SET', `w${i}`, 'x'));
      c.socket.write(cmd('WAIT', '100', '0')); // blocks: never that many replicas
      await new Promise((r) => setTimeout(r, 50));
      if (i % 2 === 0) c.socket.destroy();
      else c.socket.end();
      await c.closed;
    });
    await Promise.all([...replicas, ...waiters]);
    // And whole lifecycles: synced, online, acknowledging a WAIT, then gone.
    for (let i = 0; i < 3; i++) {
      const c = await openRaw(srv.port);
      let got = '';
      c.socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
      c.socket.write(psync);
      t.ok(await waitFor(() => /\$EOF:([0-9a-f]{40})[\s\S]*\1/.test(got), 10000), 'the snapshot arrived');
      c.socket.write('REPLCONF ACK 0\r\n');
      const waiter = await RespClient.connect(srv.port);
      await waiter.call('SET', 'acked', String(i));
      const waiting = waiter.call('WAIT', '1', '5000');
      t.ok(await waitFor(() => got.includes('GETACK'), 5000), 'WAIT asked the replica for its offset');
      const offset = Number(/master_repl_offset:(\d+)/.exec(String(await admin.call('INFO', 'replication')))?.[1]);
      c.socket.write(`REPLCONF ACK ${offset}\r\n`);
      t.equal(await waiting, 1, 'WAIT counted the replica');
      waiter.close();
      c.socket.end();
      await c.closed;
    }
    t.same(await admin.call('CLIENT', 'KILL', 'TYPE', 'replica'), 0, 'no replica left behind');
    t.same(await admin.call('CONFIG', 'SET', 'repl-diskless-sync-delay', '5'), 'OK');
  });

  await t.test('every counter is back at its baseline', async (t) => {
    await expectBaseline(t, admin, baseline);
  });

  await t.test('the server still serves new clients', async (t) => {
    const c = await RespClient.connect(srv.port);
    t.equal(await c.call('SET', 'after', 'teardown'), 'OK');
    t.equal(await c.call('GET', 'after'), 'teardown');
    c.close();
  });

  await t.test('it shuts down cleanly with stateful clients connected, without listener warnings', async (t) => {
    // Server shutdown is a teardown path too: a blocked client, a subscriber,
    // a watcher and a client in MULTI are connected when it happens.
    const clients = await Promise.all([0, 1, 2, 3].map(() => openRaw(srv.port)));
    clients[0].socket.write(cmd('BLPOP', 'never', '0'));
    clients[1].socket.write(cmd('SUBSCRIBE', 'news'));
    clients[2].socket.write(cmd('GET.WATCH', 'w:0'));
    clients[3].socket.write(Buffer.concat([cmd('MULTI'), cmd('SET', 'k', 'v')]));
    t.ok(await clients[1].waitFor('subscribe'), 'subscribed');
    t.ok(await clients[2].waitFor('GET'), 'watching');
    t.ok(await clients[3].waitFor('QUEUED'), 'in MULTI');
    admin.close();
    const started = Date.now();
    t.equal(await srv.stop(), 0, 'exit code 0');
    await Promise.all(clients.map((c) => c.closed));
    t.ok(Date.now() - started < 5000, 'every client was closed within the shutdown grace period');
    t.notMatch(srv.output(), /MaxListenersExceeded|possible EventEmitter memory leak/);
  });
}

t.test('every teardown path over the unix socket leaves nothing behind', { skip: noMultiShard }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardis-unix-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const sock = path.join(dir, 'shardis.sock');
  const { srv } = await startShardisWithPort(t, { workers: MULTI_SHARD_WORKERS[0] }, (port) => ['--port', String(port), '--unixsocket', sock]);
  const admin = await connectResp(t, srv.port);
  await admin.call('SET', 'big', 'x'.repeat(2000));
  const baseline = await readLiveCounters(admin);
  useUnixSocket(sock);
  t.teardown(() => useUnixSocket(null));
  const names = Object.keys(lifecyclePaths);
  const perPath = 12;
  const done = await runMixed(srv.port, (id) => admin.call('CLIENT', 'KILL', 'ID', id), names, perPath, 40);
  for (const name of names) t.equal(done[name], perPath, `${perPath} unix socket lifecycles ended by ${name}`);
  await expectBaseline(t, admin, baseline);
});
