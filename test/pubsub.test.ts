/**
 * Pub/Sub: ioredis and raw RESP2/RESP3 subscribers, PUBSUB introspection,
 * the RESP2 subscribed-mode rule, cleanup of subscriptions when connections
 * end (counters back at baseline), and the pubsub output buffer limit.
 */
import t from 'tap';
import net from 'node:net';
import { startShardis, WORKER_MATRIX, ANY_WORKERS } from './helpers/servers';
import { encodeCommand, connectResp } from './helpers/resp-client';
import { Subscriber } from './helpers/subscriber';
import { connectIoredis } from './helpers/ioredis';
import { infoNumber } from './helpers/info';
import { eventually } from './helpers/util';

for (const workers of WORKER_MATRIX) {
  // One server per worker count for both subtests (server starts dominate the run time).
  let srvP: ReturnType<typeof startShardis> | null = null;
  const server = (): ReturnType<typeof startShardis> => (srvP ??= startShardis(t, { workers }));

  t.test(`ioredis subscribers, patterns and PUBSUB (--workers ${workers})`, async (t) => {
    const srv = await server();
    const sub = await connectIoredis(t, srv.port);
    const psub = await connectIoredis(t, srv.port);
    const pub = await connectIoredis(t, srv.port);
    const got: string[] = [];
    sub.on('messageBuffer', (ch: Buffer, msg: Buffer) => got.push(`m ${ch.toString('latin1')} ${msg.toString('latin1')}`));
    psub.on('pmessageBuffer', (p: Buffer, ch: Buffer, msg: Buffer) => got.push(`p ${p.toString('latin1')} ${ch.toString('latin1')} ${msg.toString('latin1')}`));
    t.equal(await sub.subscribe('news', 'sport', Buffer.from('bin\x00\xff', 'latin1') as unknown as string), 3); // ioredis takes Buffers as arguments
    t.equal(await psub.psubscribe('new?', 'sp[a-o]rt', 'h*llo'), 3);

    t.equal(await pub.publish('news', 'n1'), 2, 'channel + pattern');
    t.equal(await pub.publish('sport', 's1'), 2);
    t.equal(await pub.publish('hello', 'h1'), 1);
    t.equal(await pub.publish('nobody', 'x'), 0);
    t.equal(await pub.publish(Buffer.from('bin\x00\xff', 'latin1'), Buffer.from('\r\n\x00', 'latin1')), 1);
    await eventually('messages', async () => got.length >= 6);
    t.same(got.filter((g) => g.startsWith('m')), ['m news n1', 'm sport s1', 'm bin\x00\xff \r\n\x00']);
    t.same(got.filter((g) => g.startsWith('p')), ['p new? news n1', 'p sp[a-o]rt sport s1', 'p h*llo hello h1']);

    const rc = await connectResp(t, srv.port);
    t.same(((await rc.call('PUBSUB', 'CHANNELS')) as string[]).sort(), ['bin\x00\xff', 'news', 'sport']);
    t.same(((await pub.pubsub('CHANNELS', 's*')) as string[]).sort(), ['sport']);
    t.same(await pub.pubsub('NUMSUB', 'news', 'none'), ['news', 1, 'none', 0]);
    t.equal(await pub.pubsub('NUMPAT'), 3);
    const text = await pub.info('everything');
    t.match(text, /pubsub_channels:3\r\n/);
    t.match(text, /pubsub_patterns:3\r\n/);
    t.match(text, /pubsub_clients:2\r\n/);
    const list = (await pub.call('CLIENT', 'LIST')) as string;
    t.match(list, /sub=3 psub=0 .*cmd=subscribe/);
    t.match(list, /flags=P .*sub=0 psub=3/);
    t.equal(((await pub.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string).trim().split('\n').length, 2);

    t.equal(await sub.unsubscribe('news'), 2);
    t.equal(await psub.punsubscribe(), 0);
    t.same(await pub.pubsub('NUMSUB', 'news', 'sport'), ['news', 0, 'sport', 1]);
    t.equal(await pub.pubsub('NUMPAT'), 0);
    t.equal(await pub.publish('news', 'n2'), 0);
    // A connection without subscriptions is a normal client again.
    t.equal(await psub.get('k'), null);
  });

  t.test(`raw RESP2 / RESP3 subscribed mode (--workers ${workers})`, async (t) => {
    const srv = await server();
    const c = await connectResp(t, srv.port);
    t.same(await c.call('UNSUBSCRIBE'), ['unsubscribe', null, 0]);
    t.same(await c.call('PUNSUBSCRIBE'), ['punsubscribe', null, 0]);
    t.same(await c.sendRaw(encodeCommand(['SUBSCRIBE', 'a', 'b', 'a']), 3), [['subscribe', 'a', 1], ['subscribe', 'b', 2], ['subscribe', 'a', 2]]);
    t.same(await c.call('PING'), ['pong', '']);
    t.same(await c.call('PING', 'hi'), ['pong', 'hi']);
    t.same(await c.call('GET', 'k'), { error: "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context" });
    t.same(await c.call('CONFIG', 'GET', 'x'), { error: "ERR Can't execute 'config|get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context" });
    t.same(await c.call('NOSUCH'), { error: "ERR unknown command 'NOSUCH', with args beginning with: " }, 'unknown commands are still unknown');
    t.same(await c.call('GET'), { error: "ERR wrong number of arguments for 'get' command" }, 'arity comes first');
    t.same(await c.call('PSUBSCRIBE', 'x*'), ['psubscribe', 'x*', 3]);
    t.same(await c.sendRaw(encodeCommand(['UNSUBSCRIBE']), 2), [['unsubscribe', 'a', 2], ['unsubscribe', 'b', 1]]);
    t.same(await c.call('UNSUBSCRIBE'), ['unsubscribe', null, 1], 'nothing left to unsubscribe, the pattern still counts');
    t.same(await c.call('RESET'), 'RESET');
    t.equal(await c.call('GET', 'k'), null, 'RESET dropped the subscriptions');

    // RESP3: pushes, and every command is allowed.
    const r = net.connect(srv.port, '127.0.0.1');
    t.teardown(() => r.destroy());
    let raw = '';
    r.on('data', (d: Buffer) => (raw += d.toString('latin1')));
    const pub = await connectResp(t, srv.port);
    r.write(encodeCommand(['HELLO', '3']));
    r.write(encodeCommand(['SUBSCRIBE', 'ch']));
    await eventually('subscribe', async () => raw.includes('>3\r\n$9\r\nsubscribe'));
    raw = '';
    r.write(encodeCommand(['GET', 'nokey']));
    r.write(encodeCommand(['PING']));
    await eventually('replies', async () => raw.includes('+PONG'));
    t.equal(raw, '_\r\n+PONG\r\n');
    raw = '';
    t.equal(await pub.call('PUBLISH', 'ch', 'hello'), 1);
    await eventually('push', async () => raw.length >= 34);
    t.equal(raw, '>3\r\n$7\r\nmessage\r\n$2\r\nch\r\nhello\r\n'.replace('hello', '$5\r\nhello'));
    raw = '';
    r.write(encodeCommand(['UNSUBSCRIBE']));
    await eventually('unsubscribe', async () => raw.endsWith(':0\r\n'));
    t.equal(raw, '>3\r\n$11\r\nunsubscribe\r\n$2\r\nch\r\n:0\r\n');
  });
}

t.test('disconnecting subscribers leave nothing behind', async (t) => {
  const srv = await startShardis(t, { workers: ANY_WORKERS });
  const admin = await connectResp(t, srv.port);
  const baseListeners = await infoNumber(admin, 'tasks', 'signal_listeners');
  const subs: Subscriber[] = [];
  for (let i = 0; i < 60; i++) {
    const s = await Subscriber.connect(srv.port);
    s.send('SUBSCRIBE', `c${i % 7}`, 'all', `own${i}`);
    s.send('PSUBSCRIBE', `c${i % 3}*`, '*');
    subs.push(s);
  }
  await Promise.all(subs.map((s) => s.count(5)));
  // One connection listener each, plus exactly one pub/sub abort listener each (not one per channel).
  t.equal(await infoNumber(admin, 'tasks', 'signal_listeners'), baseListeners + 120);
  t.equal(await infoNumber(admin, 'clients', 'pubsub_clients'), 60);
  t.equal(await admin.call('PUBLISH', 'all', 'x'), 120);
  // Half leave by unsubscribing from everything (the listener goes, the connection stays), half disconnect.
  for (let i = 0; i < 30; i++) {
    subs[i].send('UNSUBSCRIBE');
    subs[i].send('PUNSUBSCRIBE');
  }
  for (let i = 30; i < 60; i++) subs[i].close();
  await eventually('counters at baseline', async () => (await infoNumber(admin, 'tasks', 'signal_listeners')) === baseListeners + 30);
  t.equal(await infoNumber(admin, 'clients', 'pubsub_clients'), 0);
  t.equal(await infoNumber(admin, 'stats', 'pubsub_channels'), 0);
  t.equal(await infoNumber(admin, 'stats', 'pubsub_patterns'), 0);
  t.same(await admin.call('PUBSUB', 'CHANNELS'), []);
  t.equal(await admin.call('PUBSUB', 'NUMPAT'), 0);
  t.equal(await admin.call('PUBLISH', 'all', 'x'), 0);
  for (let i = 0; i < 30; i++) subs[i].close();
  await eventually('all gone', async () => (await infoNumber(admin, 'clients', 'connected_clients')) === 1);
  t.equal(await infoNumber(admin, 'tasks', 'signal_listeners'), baseListeners);
});

t.test('a subscriber that never reads is disconnected at its limit; others keep receiving', async (t) => {
  const srv = await startShardis(t, { workers: ANY_WORKERS });
  const admin = await connectResp(t, srv.port);
  t.equal(await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 1mb 256kb 2'), 'OK');
  // The slow one: subscribes, then stops reading (its kernel buffers fill, then the server's).
  const slow = net.connect(srv.port, '127.0.0.1');
  t.teardown(() => slow.destroy());
  const slowClosed = new Promise<void>((resolve) => slow.once('close', () => resolve()));
  slow.on('error', () => undefined);
  slow.setNoDelay(true);
  slow.write(encodeCommand(['SUBSCRIBE', 'flood']));
  await new Promise<void>((resolve) => slow.once('data', () => resolve()));
  slow.pause();
  const fast = await Subscriber.connect(srv.port);
  t.teardown(() => fast.close());
  fast.send('SUBSCRIBE', 'flood');
  await fast.count(1);
  const pub = await connectResp(t, srv.port);
  const payload = 'x'.repeat(4096);
  let sent = 0;
  let slowGone = false;
  let extra = 0;
  // Publish until the server has cut the slow subscriber off (a paused socket
  // cannot see its own close: ask the server), then some more.
  while (extra < 2000 && sent <= 40000) {
    const batch = Array.from({ length: 100 }, (_, i) => ['PUBLISH', 'flood', `${sent + i}:${payload}`]);
    const replies = await pub.pipeline(batch);
    if (!replies.every((r) => typeof r === 'number' && r >= 1)) {
      t.fail(`PUBLISH failed: ${JSON.stringify(replies.find((r) => typeof r !== 'number' || r < 1))}`);
      break;
    }
    sent += 100;
    if (slowGone) extra += 100;
    else slowGone = JSON.stringify(await admin.call('PUBSUB', 'NUMSUB', 'flood')) === JSON.stringify(['flood', 1]);
  }
  t.ok(slowGone, `slow subscriber disconnected after ${sent - extra} messages`);
  t.ok(sent - extra <= 20000, 'at the 1mb hard limit (plus kernel socket buffers), not later');
  // Once it reads again it finds the end of the stream.
  slow.resume();
  await slowClosed;
  t.pass('the slow connection is closed');
  await fast.count(1 + sent, 15000);
  t.equal(fast.frames.length, 1 + sent, 'the reading subscriber got every message');
  t.same(fast.frames[sent], ['message', 'flood', `${sent - 1}:${payload}`]);
  t.equal(await infoNumber(admin, 'clients', 'pubsub_clients'), 1);
  t.same(await admin.call('PUBSUB', 'NUMSUB', 'flood'), ['flood', 1]);
});

t.test('shard channels: SSUBSCRIBE, SPUBLISH, counts, cleanup', async (t) => {
  const srv = await startShardis(t, { workers: ANY_WORKERS });
  const admin = await connectResp(t, srv.port);
  const baseListeners = await infoNumber(admin, 'tasks', 'signal_listeners');
  const s = await Subscriber.connect(srv.port);
  t.teardown(() => s.close());
  s.send('SSUBSCRIBE', 'sc', 'sd');
  s.send('SUBSCRIBE', 'sc');
  await s.count(3);
  t.same(s.frames, [['ssubscribe', 'sc', 1], ['ssubscribe', 'sd', 2], ['subscribe', 'sc', 1]], 'shard channels are counted apart');
  t.equal(await admin.call('SPUBLISH', 'sc', 'hi'), 1);
  t.equal(await admin.call('PUBLISH', 'sc', 'ho'), 1, 'the two namespaces are separate');
  await s.count(5);
  t.same(s.frames.slice(3), [['smessage', 'sc', 'hi'], ['message', 'sc', 'ho']]);
  t.equal(await infoNumber(admin, 'stats', 'pubsubshard_channels'), 2);
  t.equal(await infoNumber(admin, 'stats', 'pubsub_channels'), 1);
  t.match(String(await admin.call('CLIENT', 'LIST')), /flags=P .*sub=1 psub=0 ssub=2 /);
  t.same(await admin.call('PUBSUB', 'SHARDNUMSUB', 'sc', 'zz'), ['sc', 1, 'zz', 0]);
  t.equal(await infoNumber(admin, 'tasks', 'signal_listeners'), baseListeners + 2, 'one connection listener, one pub/sub listener');
  // Still subscribed by shard channels after UNSUBSCRIBE: RESP2 keeps refusing other commands.
  s.send('UNSUBSCRIBE');
  s.send('GET', 'k');
  await s.count(7);
  t.same(s.frames[5], ['unsubscribe', 'sc', 0]);
  t.match(s.frames[6], { error: /^ERR Can't execute 'get'/ });
  s.close();
  await eventually('cleanup', async () => (await infoNumber(admin, 'stats', 'pubsubshard_channels')) === 0);
  await eventually('listeners at baseline', async () => (await infoNumber(admin, 'tasks', 'signal_listeners')) === baseListeners);
  t.same(await admin.call('PUBSUB', 'SHARDCHANNELS'), []);
});
