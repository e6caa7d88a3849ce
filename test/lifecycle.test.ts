/**
 * Server lifecycle: SHUTDOWN and signals stop the server cleanly (exit 0)
 * even with clients connected, blocked mid-command or pipelining.
 */
import t from 'tap';
import net from 'node:net';
import { startShardis, WORKER_MATRIX, ANY_WORKERS } from './helpers/servers';
import { RespClient, connectResp } from './helpers/resp-client';

for (const workers of WORKER_MATRIX) {
  t.test(`SHUTDOWN exits 0 with other clients connected (--workers ${workers})`, async (t) => {
    const srv = await startShardis(t, { workers });
    const idle = await RespClient.connect(srv.port);
    const busy = await RespClient.connect(srv.port);
    // A client with half a command in its query buffer.
    const partial = net.connect(srv.port, '127.0.0.1');
    partial.on('error', () => undefined);
    await new Promise((r) => partial.once('connect', r));
    partial.write('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\nabc');
    t.equal(await busy.call('SET', 'x', '1'), 'OK');
    const admin = await RespClient.connect(srv.port);
    admin.write('*1\r\n$8\r\nSHUTDOWN\r\n');
    const code = srv.proc.exitCode ?? (await new Promise<number | null>((r) => srv.proc.once('exit', (c) => r(c))));
    t.equal(code, 0, 'server exited with status 0');
    await Promise.all([idle.closed, busy.closed, admin.closed]);
    t.ok(idle.isClosed && busy.isClosed && admin.isClosed, 'every client saw its connection close');
    partial.destroy();
  });

  t.test(`SIGINT during a pipeline exits 0 (--workers ${workers})`, async (t) => {
    const srv = await startShardis(t, { workers });
    const c = await RespClient.connect(srv.port);
    const replies = c.pipeline(Array.from({ length: 2000 }, (_, i) => ['SET', `k${i}`, 'v']));
    replies.catch(() => undefined);
    srv.proc.kill('SIGINT');
    const code = await new Promise<number | null>((r) => srv.proc.once('exit', (c) => r(c)));
    t.equal(code, 0);
  });
}

t.test('SHUTDOWN ABORT and bad options are errors and the server stays up', async (t) => {
  const srv = await startShardis(t, { workers: ANY_WORKERS });
  const c = await connectResp(t, srv.port);
  t.same(await c.call('SHUTDOWN', 'ABORT'), { error: 'ERR No shutdown in progress.' });
  t.same(await c.call('SHUTDOWN', 'bogus'), { error: 'ERR syntax error' });
  t.equal(await c.call('PING'), 'PONG');
});
