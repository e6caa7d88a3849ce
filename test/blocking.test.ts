/**
 * Blocking commands on a real server: the immediate and the blocked-then-served
 * path of every command, timeouts (decimals, 0 = forever), FIFO service,
 * wake-ups from other clients, CLIENT UNBLOCK, the CLIENT LIST `b` flag,
 * pipelined commands behind a blocked one, RESP3 timeout replies, and the
 * cross-shard exactly-once case under concurrent pushers and disconnecting
 * poppers, with every counter back at its baseline afterwards.
 */
import t, { type Test } from 'tap';
import net from 'node:net';
import RedisParser from 'redis-parser';
import { startShardis, WORKER_MATRIX, MULTI_SHARD_WORKERS, ANY_WORKERS, noMultiShard } from './helpers/servers';
import { RespClient, type Reply, connectResp } from './helpers/resp-client';
import { rng } from './helpers/differential';
import { info, infoField, infoNumber } from './helpers/info';
import { sleep, waitFor } from './helpers/util';

/** Waits until `cond` holds, failing after `ms` (blocked states settle fast: polled often). */
const until = (cond: () => Promise<boolean>, ms = 3000): Promise<boolean> => waitFor(cond, ms, 10);

async function blockedClients(c: RespClient): Promise<number> {
  return infoNumber(c, 'clients', 'blocked_clients');
}

/** Counters that must come back to their baseline once blocked clients are gone. */
async function counters(c: RespClient): Promise<string> {
  const tasks = (await info(c, 'tasks')).tasks;
  const shards = Object.entries(tasks).filter(([k]) => /^shard\d+$/.test(k)).map(([k, v]) => `${k}=${v}`);
  return JSON.stringify({ signal: tasks.signal_listeners, blocked: await blockedClients(c), shards });
}

for (const workers of WORKER_MATRIX) {
  t.test(`blocking commands with --workers ${workers}`, async (t) => {
    const srv = await startShardis(t, { workers });
    const [ctl, a, b, c] = await Promise.all([0, 1, 2, 3].map(() => connectResp(t, srv.port)));
    // Every connection accepted (each holds one abort listener) before the baseline is taken.
    await until(async () => (await infoField(ctl, 'tasks', 'connections')) === '4');
    const baseline = await counters(ctl);

    t.test('immediate replies', async (t) => {
      await ctl.call('RPUSH', 'l', 'a', 'b', 'c');
      t.same(await a.call('BLPOP', 'none', 'l', 0), ['l', 'a']);
      t.same(await a.call('BRPOP', 'l', 'none', 0), ['l', 'c']);
      await ctl.call('RPUSH', 'l', 'x', 'y');
      t.same(await a.call('BLMPOP', 0, 2, 'none', 'l', 'RIGHT', 'COUNT', 2), ['l', ['y', 'x']]);
      t.same(await a.call('BLMOVE', 'l', 'dst', 'LEFT', 'RIGHT', 0), 'b');
      t.same(await a.call('BRPOPLPUSH', 'dst', 'other', 0), 'b');
      t.same(await ctl.call('LRANGE', 'other', 0, -1), ['b']);
      await ctl.call('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c');
      t.same(await a.call('BZPOPMIN', 'none', 'z', 0), ['z', 'a', '1']);
      t.same(await a.call('BZPOPMAX', 'z', 0), ['z', 'c', '3']);
      t.same(await a.call('BZMPOP', 0, 1, 'z', 'MIN', 'COUNT', 5), ['z', [['b', '2']]]);
      await ctl.call('XADD', 's', '1-1', 'f', 'v');
      t.same(await a.call('XREAD', 'BLOCK', 0, 'STREAMS', 's', '0'), [['s', [['1-1', ['f', 'v']]]]]);
      await ctl.call('SET', 'str', 'v');
      t.same(await a.call('BLPOP', 'none', 'str', 0), { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' });
      t.same(await a.call('BLPOP', 'k', -1), { error: 'ERR timeout is negative' });
      t.same(await a.call('BLPOP', 'k', 'abc'), { error: 'ERR timeout is not a float or out of range' });
      t.same(await a.call('BLPOP', 'k', '1e300'), { error: 'ERR timeout is negative' });
      t.same(await a.call('XREAD', 'BLOCK', '1.5', 'STREAMS', 's', '0'), { error: 'ERR timeout is not an integer or out of range' });
      t.equal(await blockedClients(ctl), 0);
    });

    t.test('timeouts with decimals, RESP2 nil array', async (t) => {
      const started = Date.now();
      t.equal(await a.call('BLPOP', 'nothing', '0.15'), null);
      const took = Date.now() - started;
      t.ok(took >= 140 && took < 1500, `took ${took} ms`);
      t.equal(await a.call('BZPOPMIN', 'nothing', '0.01'), null);
      t.equal(await a.call('BLMOVE', 'nothing', 'x', 'LEFT', 'LEFT', '0.01'), null);
      t.equal(await a.call('BLMPOP', '0.01', 1, 'nothing', 'LEFT'), null);
      t.equal(await a.call('XREAD', 'BLOCK', 10, 'STREAMS', 'nothing', '$'), null);
    });

    t.test('blocked, then served by a write from another client', async (t) => {
      const cases: [Reply[], Reply[], Reply][] = [
        [['BLPOP', 'w1', 'w2', 0], ['RPUSH', 'w2', 'v'], ['w2', 'v']],
        [['BRPOP', 'w1', 0], ['LPUSH', 'w1', 'p', 'q'], ['w1', 'p']],
        [['BLMOVE', 'w3', 'w4', 'RIGHT', 'LEFT', 0], ['RPUSH', 'w3', 'm'], 'm'],
        [['BRPOPLPUSH', 'w5', 'w6', 0], ['LMOVE', 'w4', 'w5', 'LEFT', 'LEFT'], 'm'],
        [['BLMPOP', 0, 2, 'w7', 'w8', 'LEFT', 'COUNT', 3], ['RPUSH', 'w8', 'a', 'b'], ['w8', ['a', 'b']]],
        [['BZPOPMIN', 'z1', 'z2', 0], ['ZADD', 'z2', 5, 'm'], ['z2', 'm', '5']],
        [['BZPOPMAX', 'z3', 0], ['ZADD', 'z3', 1, 'x', 2, 'y'], ['z3', 'y', '2']],
        [['BZMPOP', 0, 1, 'z4', 'MAX', 'COUNT', 2], ['ZADD', 'z4', 1, 'x', 2, 'y'], ['z4', [['y', '2'], ['x', '1']]]],
        [['XREAD', 'BLOCK', 0, 'STREAMS', 'x1', 'x2', '$', '$'], ['XADD', 'x2', '5-1', 'f', 'v'], [['x2', [['5-1', ['f', 'v']]]]]],
      ];
      for (const [cmd, write, expected] of cases) {
        const pending = a.call(...(cmd as string[]));
        t.ok(await until(async () => (await blockedClients(ctl)) === 1), `${cmd[0]} blocks`);
        await b.call(...(write as string[]));
        t.same(await pending, expected, String(cmd[0]));
      }
      t.same(await ctl.call('LRANGE', 'w6', 0, -1), ['m']);
      t.same(await ctl.call('LRANGE', 'w1', 0, -1), ['q']);
      await ctl.call('XGROUP', 'CREATE', 'gs', 'g', '$', 'MKSTREAM');
      const pending = a.call('XREADGROUP', 'GROUP', 'g', 'c1', 'BLOCK', 0, 'STREAMS', 'gs', '>');
      t.ok(await until(async () => (await blockedClients(ctl)) === 1));
      await b.call('XADD', 'gs', '7-1', 'k', 'v');
      t.same(await pending, [['gs', [['7-1', ['k', 'v']]]]]);
      t.same(await ctl.call('XPENDING', 'gs', 'g'), [1, '7-1', '7-1', [['c1', '1']]]);
    });

    t.test('0 waits forever; FIFO across three clients', async (t) => {
      const pa = a.call('BLPOP', 'fifo', 0);
      await until(async () => (await blockedClients(ctl)) === 1);
      const pb = b.call('BLPOP', 'fifo', 0);
      await until(async () => (await blockedClients(ctl)) === 2);
      const pc = c.call('BLPOP', 'fifo-other', 'fifo', 0);
      await until(async () => (await blockedClients(ctl)) === 3);
      await sleep(300);
      t.equal(await blockedClients(ctl), 3, 'still waiting after 300 ms');
      const list = String(await ctl.call('CLIENT', 'LIST'));
      t.equal(list.split('\n').filter((l) => / flags=b /.test(l)).length, 3, 'CLIENT LIST shows flag b');
      await ctl.call('RPUSH', 'fifo', '1');
      t.same(await pa, ['fifo', '1']);
      await ctl.call('RPUSH', 'fifo', '2', '3');
      t.same(await pb, ['fifo', '2']);
      t.same(await pc, ['fifo', '3']);
    });

    t.test('CLIENT UNBLOCK', async (t) => {
      const id = Number(await a.call('CLIENT', 'ID'));
      t.equal(await ctl.call('CLIENT', 'UNBLOCK', id), 0, 'not blocked');
      let pending = a.call('BLPOP', 'u', 0);
      await until(async () => (await blockedClients(ctl)) === 1);
      t.equal(await ctl.call('CLIENT', 'UNBLOCK', id, 'TIMEOUT'), 1);
      t.equal(await pending, null);
      pending = a.call('BZPOPMIN', 'u', 0);
      await until(async () => (await blockedClients(ctl)) === 1);
      t.equal(await ctl.call('CLIENT', 'UNBLOCK', id, 'ERROR'), 1);
      t.same(await pending, { error: 'UNBLOCKED client unblocked via CLIENT UNBLOCK' });
      t.same(await ctl.call('CLIENT', 'UNBLOCK', id, 'maybe'), { error: 'ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR' });
      t.same(await ctl.call('CLIENT', 'UNBLOCK', 'abc'), { error: 'ERR value is not an integer or out of range' });
      await ctl.call('RPUSH', 'u', 'kept');
      t.same(await ctl.call('LRANGE', 'u', 0, -1), ['kept'], 'an unblocked client takes nothing');
    });

    t.test('type changes and vanished groups while blocked (as Redis 7.0)', async (t) => {
      const wait = async (): Promise<boolean> => until(async () => (await blockedClients(ctl)) === 1);
      let pending = a.call('BLPOP', 'tc', 0);
      await wait();
      await ctl.call('SET', 'tc', 'str');
      await sleep(50);
      t.equal(await blockedClients(ctl), 1, 'a wrong type keeps it waiting');
      await ctl.call('DEL', 'tc');
      await ctl.call('RPUSH', 'tc', 'x');
      t.same(await pending, ['tc', 'x']);
      await ctl.call('SET', 'tcd', 'str');
      pending = a.call('BLMOVE', 'tcs', 'tcd', 'LEFT', 'LEFT', 0);
      await wait();
      await ctl.call('RPUSH', 'tcs', 'e');
      t.same(await pending, { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' });
      t.same(await ctl.call('LRANGE', 'tcs', 0, -1), ['e'], 'nothing was moved');
      await ctl.call('XGROUP', 'CREATE', 'tg', 'g', '$', 'MKSTREAM');
      pending = a.call('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', 'tg', '>');
      await wait();
      await ctl.call('XGROUP', 'DESTROY', 'tg', 'g');
      t.same(await pending, { error: 'NOGROUP the consumer group this client was blocked on no longer exists' });
      await ctl.call('XGROUP', 'CREATE', 'tg', 'g', '$');
      pending = a.call('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', 0, 'STREAMS', 'tg', '>');
      await wait();
      await ctl.call('DEL', 'tg');
      t.same(await pending, { error: 'UNBLOCKED the stream key no longer exists' });
    });

    t.test('wake-ups by cross-shard writes (LMOVE, RENAME, COPY)', async (t) => {
      const dsts = ['xw:1', 'xw:2', 'xw:3', 'xw:4', 'xw:5'];
      for (const d of dsts) {
        await ctl.call('RPUSH', 'xw:src', `v-${d}`);
        const pending = a.call('BLPOP', d, 0);
        await until(async () => (await blockedClients(ctl)) === 1);
        await b.call('LMOVE', 'xw:src', d, 'LEFT', 'LEFT');
        t.same(await pending, [d, `v-${d}`], `LMOVE into ${d}`);
      }
      for (const d of dsts) {
        await ctl.call('ZADD', 'xw:z', 1, d);
        const pending = a.call('BZPOPMIN', `${d}:z`, 0);
        await until(async () => (await blockedClients(ctl)) === 1);
        await b.call(d.endsWith('1') ? 'COPY' : 'RENAME', 'xw:z', `${d}:z`);
        t.same(await pending, [`${d}:z`, d, '1'], `RENAME/COPY into ${d}:z`);
        await ctl.call('DEL', 'xw:z');
      }
    });

    t.test('pipelined commands wait behind a blocked one', async (t) => {
      const replies = a.pipeline([['BLPOP', 'pipe', 0], ['PING'], ['LLEN', 'pipe']]);
      await until(async () => (await blockedClients(ctl)) === 1);
      let settled = false;
      void replies.then(() => (settled = true));
      await sleep(100);
      t.notOk(settled, 'nothing answered while blocked');
      await ctl.call('RPUSH', 'pipe', 'x', 'y');
      t.same(await replies, [['pipe', 'x'], 'PONG', 1]);
    });

    t.test('RESP3 timeout reply', async (t) => {
      const s = net.connect(srv.port, '127.0.0.1');
      t.teardown(() => s.destroy());
      let got = '';
      s.on('data', (d) => (got += d.toString('latin1')));
      s.write('HELLO 3\r\nBLPOP r3 0.01\r\nBLMOVE r3 r4 LEFT LEFT 0.01\r\n');
      t.ok(await until(async () => got.endsWith('_\r\n_\r\n'), 2000), JSON.stringify(got.slice(-20)));
    });

    t.test('a client that leaves while blocked leaves nothing behind', async (t) => {
      const gone = await RespClient.connect(srv.port);
      void gone.call('BLPOP', 'left1', 'left2', 0).catch(() => undefined);
      const gone2 = await RespClient.connect(srv.port);
      void gone2.call('XREAD', 'BLOCK', 0, 'STREAMS', 'left3', '$').catch(() => undefined);
      await until(async () => (await blockedClients(ctl)) === 2);
      gone.close();
      gone2.close();
      t.ok(await until(async () => (await counters(ctl)) === baseline), 'counters back at baseline');
      await ctl.call('RPUSH', 'left1', 'v');
      t.same(await ctl.call('LRANGE', 'left1', 0, -1), ['v'], 'nobody took it');
    });

    t.test('counters back at baseline', async (t) => {
      t.ok(await until(async () => (await counters(ctl)) === baseline), `${await counters(ctl)} vs ${baseline}`);
    });
  });
}

t.test('the idle timeout spares a blocked client', async (t) => {
  const srv = await startShardis(t, { workers: ANY_WORKERS, args: ['--timeout', '1'] });
  const idle = await connectResp(t, srv.port);
  const waiter = await connectResp(t, srv.port);
  const pending = waiter.call('BLPOP', 'idle:k', 0);
  // As Redis's clients cron: closed once the whole seconds idle exceed `timeout`, i.e. 2-3 s after its last interaction.
  t.ok(await waitFor(() => idle.isClosed, 5000), 'the idle client was closed');
  t.notOk(waiter.isClosed, 'the blocked client was not');
  const pusher = await connectResp(t, srv.port);
  await pusher.call('RPUSH', 'idle:k', 'v');
  t.same(await pending, ['idle:k', 'v']);
});

/**
 * Pushers push distinct elements onto keys spread over the shards while
 * poppers BLPOP over all of them; some poppers half-close while blocked and
 * keep counting what still arrives. Every element must end up popped exactly
 * once or still in a list.
 */
t.test('cross-shard exactly once under pushers and disconnecting poppers', { skip: noMultiShard }, async (t) => {
  for (const workers of MULTI_SHARD_WORKERS) await t.test(`--workers ${workers}`, (t) => exactlyOnce(t, workers));
});

async function exactlyOnce(t: Test, workers: number): Promise<void> {
  const srv = await startShardis(t, { workers });
  const ctl = await connectResp(t, srv.port);
  const baseline = await counters(ctl);
  const r = rng(4242);
  const KEYS = ['eo:a', 'eo:b', 'eo:c', 'eo:d', 'eo:e', 'eo:f', 'eo:g', 'eo:h'];
  const PUSHERS = 4;
  const PER_PUSHER = 240; // a multiple of the 4-command batches
  const POPPERS = 12;
  const popped: string[] = [];

  interface Popper {
    socket: net.Socket;
    closed: Promise<void>;
    leaving: boolean;
  }
  const poppers: Popper[] = [];
  const cmd = Buffer.from(`*${KEYS.length + 2}\r\n$5\r\nBLPOP\r\n${KEYS.map((k) => `$${k.length}\r\n${k}\r\n`).join('')}$1\r\n0\r\n`);
  for (let i = 0; i < POPPERS; i++) {
    const socket = net.connect(srv.port, '127.0.0.1');
    const p: Popper = { socket, closed: new Promise((res) => socket.once('close', () => res())), leaving: false };
    // Some poppers leave after a few pops, half-closing while blocked.
    const leaveAfter = i % 3 === 0 ? 5 + Math.floor(r() * 40) : Infinity;
    let mine = 0;
    const parser = new RedisParser({
      returnBuffers: false,
      returnReply: (reply: unknown) => {
        if (Array.isArray(reply)) popped.push(String(reply[1]));
        mine++;
        if (p.leaving) return;
        socket.write(cmd);
        if (mine >= leaveAfter) {
          p.leaving = true;
          // Leave at a random moment of the next wait.
          setTimeout(() => socket.end(), Math.floor(r() * 5));
        }
      },
      returnError: (err: Error) => t.fail(`popper error ${err.message}`),
    });
    socket.on('data', (d) => parser.execute(d));
    socket.on('error', () => undefined);
    socket.once('connect', () => socket.write(cmd));
    poppers.push(p);
  }

  // Churners: connect, BLPOP and half-close at once, over and over while the
  // pushers run, so replies keep arriving for connections that just ended.
  let pushing = true;
  let churns = 0;
  const churn = async (): Promise<void> => {
    for (let n = 0; pushing && n < 800; n++) {
      const socket = net.connect(srv.port, '127.0.0.1');
      const parser = new RedisParser({
        returnBuffers: false,
        returnReply: (reply: unknown) => {
          if (Array.isArray(reply)) popped.push(String(reply[1]));
        },
        returnError: (err: Error) => t.fail(`churner error ${err.message}`),
      });
      socket.on('data', (d) => parser.execute(d));
      socket.on('error', () => undefined);
      socket.once('connect', () => {
        socket.write(cmd);
        socket.end();
      });
      await new Promise((res) => socket.once('close', res));
      churns++;
    }
  };
  const churners = [churn(), churn()];

  const pushers = await Promise.all(Array.from({ length: PUSHERS }, () => RespClient.connect(srv.port)));
  t.teardown(() => pushers.forEach((p) => p.close()));
  await Promise.all(
    pushers.map(async (p, n) => {
      for (let i = 0; i < PER_PUSHER; i += 4) {
        const batch = [0, 1, 2, 3].map((j) => ['RPUSH', KEYS[Math.floor(r() * KEYS.length)], `p${n}:${i + j}`]);
        await p.pipeline(batch);
      }
    }),
  );
  pushing = false;
  await Promise.all(churners);
  t.ok(churns > 0, `${churns} connections came and went`);
  const total = PUSHERS * PER_PUSHER;
  const remaining = async (): Promise<string[]> => {
    const lists = await Promise.all(KEYS.map((k) => ctl.call('LRANGE', k, 0, -1)));
    return lists.flat() as string[];
  };
  // The poppers still there drain the lists.
  t.ok(await until(async () => popped.length + (await remaining()).length === total && (await remaining()).length === 0, 15000), `popped ${popped.length} of ${total}`);
  for (const p of poppers) if (!p.leaving) p.socket.end();
  await Promise.all(poppers.map((p) => p.closed));
  const left = await remaining();
  t.equal(popped.length + left.length, total, 'every element popped or still there');
  const all = [...popped, ...left];
  t.equal(new Set(all).size, all.length, 'no element twice');
  const expected = new Set<string>();
  for (let n = 0; n < PUSHERS; n++) for (let i = 0; i < PER_PUSHER; i++) expected.add(`p${n}:${i}`);
  t.same([...new Set(all)].sort(), [...expected].sort(), 'exactly the pushed elements');
  // Stream readers leaving as they are served: reading takes nothing, so nothing may be put anywhere.
  const keysBefore = await ctl.call('DBSIZE');
  const readers: Promise<unknown>[] = [];
  for (let i = 0; i < 100; i++) {
    const socket = net.connect(srv.port, '127.0.0.1');
    socket.on('error', () => undefined);
    // Read whatever arrives: a reply that arrives before the server's FIN and is
    // never read holds back 'end', and so 'close', for good (this test's old flake).
    socket.resume();
    socket.once('connect', () => socket.end('XREAD BLOCK 0 STREAMS eo:s eo:s2 0 0\r\n'));
    readers.push(new Promise((res) => socket.once('close', res)));
    await pushers[0].call('XADD', i % 2 === 0 ? 'eo:s' : 'eo:s2', '*', 'n', String(i));
  }
  await Promise.all(readers);
  t.equal(await ctl.call('DBSIZE'), Number(keysBefore) + 2, 'only the two streams were added');
  for (const p of pushers) p.close();
  t.ok(await until(async () => (await counters(ctl)) === baseline, 5000), `${await counters(ctl)} vs ${baseline}`);
}
