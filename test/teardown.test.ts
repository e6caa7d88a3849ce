/**
 * The teardown acceptance test: thousands of connections end through every
 * path there is, mixed and concurrently, and afterwards every live counter in
 * INFO (tasks, listeners, in-flight requests, blocked/pubsub/watching clients,
 * per-shard waiters and watches, the shard lock) and the server process's
 * active resources (process.getActiveResourcesInfo(), reported by INFO) are
 * back at their baseline, and the server still serves new clients.
 */
import t from 'tap';
import { startShardis } from './helpers/servers';
import { RespClient } from './helpers/resp-client';
import { info, waitFor, type InfoSections } from './helpers/info';
import { cmd, lifecyclePaths, openRaw, runMixed } from '../benchmarks/lib/lifecycles';

const PER_PATH = Number(process.env.SHARDIS_TEARDOWN_PER_PATH ?? 150);

/** The counters that must return to their baseline. */
function liveCounters(s: InfoSections): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of ['connected_clients', 'blocked_clients', 'pubsub_clients', 'watching_clients', 'client_read_tasks', 'client_write_tasks']) {
    out[f] = s.clients[f];
  }
  for (const [f, v] of Object.entries(s.tasks)) {
    if (f === 'shard_commands_processed' || f === 'lock_acquisitions') continue;
    out[f] = v;
  }
  out.pubsub_channels = s.stats.pubsub_channels;
  out.pubsub_patterns = s.stats.pubsub_patterns;
  return out;
}

t.test('every teardown path leaves nothing behind (--workers 4)', async (t) => {
  const srv = await startShardis(t, { workers: 4 });
  const admin = await RespClient.connect(srv.port);
  t.teardown(() => admin.close());
  await admin.call('SET', 'big', 'x'.repeat(2000));
  const baseline = liveCounters(await info(admin, 'clients', 'stats', 'tasks'));
  t.equal(baseline.connected_clients, '1', 'only the admin connection at the start');
  t.match(baseline.active_resources, /TCPServerWrap=1/, 'the listener is an active resource');

  await t.test('mixed teardown paths, concurrently', async (t) => {
    // SHARDIS_TEARDOWN_PATHS=eof,rst narrows the run (for debugging one path).
    const only = process.env.SHARDIS_TEARDOWN_PATHS?.split(',');
    const names = Object.keys(lifecyclePaths).filter((n) => only === undefined || only.includes(n));
    const done = await runMixed(srv.port, (id) => admin.call('CLIENT', 'KILL', 'ID', id), names, PER_PATH);
    for (const name of names) t.equal(done[name], PER_PATH, `${PER_PATH} lifecycles ended by ${name}`);
  });

  await t.test('idle timeout and output buffer limit, concurrently', async (t) => {
    t.same(await admin.call('CONFIG', 'SET', 'timeout', '1'), 'OK');
    // The idle timeout applies to every connection, the admin's too: keep it busy.
    const keepAlive = setInterval(() => void admin.call('PING'), 200);
    t.teardown(() => clearInterval(keepAlive));
    t.same(await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 256kb 0 0 pubsub 64kb 0 0'), 'OK');
    const idle = Array.from({ length: 100 }, async () => {
      const c = await openRaw(srv.port);
      c.socket.write(cmd('PING'));
      await c.closed; // the server closes it after 1 s of silence
    });
    // A client that does not read cannot see the server close it until it
    // reads again: each flooded client resumes once the server has cut off
    // all of them (counted by INFO).
    const before = Number((await info(admin, 'stats')).stats.client_output_buffer_limit_disconnections);
    const allCut = waitFor(async () => {
      const n = Number((await info(admin, 'stats')).stats.client_output_buffer_limit_disconnections);
      return n - before >= 100;
    }, 60000);
    const flooded = Array.from({ length: 100 }, async (_, i) => {
      const c = await openRaw(srv.port);
      c.socket.pause(); // never read
      if (i % 2 === 0) {
        // Pipelined replies pile up: 2000 x 2 KB passes the 256 KB normal limit.
        const one = cmd('GET', 'big');
        c.socket.write(Buffer.concat(Array.from({ length: 2000 }, () => one)));
      } else {
        c.socket.write(cmd('SUBSCRIBE', 'flood'));
      }
      await allCut;
      c.socket.resume();
      await c.closed;
    });
    // Publishers keep going until every flooded client has been cut off.
    const publisher = await RespClient.connect(srv.port);
    let publishing = true;
    const pub = (async () => {
      while (publishing) await publisher.call('PUBLISH', 'flood', 'y'.repeat(4000));
    })();
    t.ok(await allCut, 'every flooded client was closed at its limit');
    await Promise.all([...idle, ...flooded]);
    publishing = false;
    await pub;
    publisher.close();
    t.same(await admin.call('CONFIG', 'SET', 'timeout', '0'), 'OK');
    clearInterval(keepAlive);
    t.same(await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 0 0 pubsub 32mb 8mb 60'), 'OK');
  });

  await t.test('every counter is back at its baseline', async (t) => {
    let now = baseline;
    const settled = await waitFor(async () => {
      now = liveCounters(await info(admin, 'clients', 'stats', 'tasks'));
      return JSON.stringify(now) === JSON.stringify(baseline);
    }, 15000);
    t.ok(settled, 'counters settled');
    t.same(now, baseline);
  });

  await t.test('the server still serves new clients', async (t) => {
    const c = await RespClient.connect(srv.port);
    t.equal(await c.call('SET', 'after', 'teardown'), 'OK');
    t.equal(await c.call('GET', 'after'), 'teardown');
    c.close();
  });

  await t.test('it shuts down cleanly, without listener warnings', async (t) => {
    admin.close();
    t.equal(await srv.stop(), 0);
    t.notMatch(srv.output(), /MaxListenersExceeded|possible EventEmitter memory leak/);
  });
});
