/**
 * `.WATCH` result subscriptions (DiceDB-style): first reply and pushes after
 * every write that changes the result, nothing for writes that do not,
 * UNWATCH, shared fingerprints, RESP2 and RESP3, cleanup on disconnect, and a
 * watcher that never reads being cut by client-output-buffer-limit.
 */
import t from 'tap';
import net from 'node:net';
import { startShardis, WORKER_MATRIX, ANY_WORKERS, type Teardownable } from './helpers/servers';
import { RespClient, encodeCommand, connectResp } from './helpers/resp-client';
import { connectIoredis } from './helpers/ioredis';
import { infoField, shardTotal } from './helpers/info';
import { waitFor } from './helpers/util';
import { parseResp, type Resp3Value } from './helpers/resp3';

type Value = Resp3Value;
interface Frame {
  /** True for a RESP3 push (`>`); RESP2 pushes are plain arrays. */
  push: boolean;
  value: Value;
}

/** A raw socket that collects every frame (replies and pushes alike) in arrival order. */
class FrameClient {
  private buf: Buffer = Buffer.alloc(0);
  private frames: Frame[] = [];
  private waiter: (() => void) | null = null;
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      let o = 0;
      for (;;) {
        const r = parseResp(this.buf, o);
        if (r === null) break;
        this.frames.push({ value: r.value, push: r.type === '>' });
        o = r.end;
      }
      this.buf = this.buf.subarray(o);
      this.waiter?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiter?.();
    });
    socket.on('error', () => undefined);
  }

  static async connect(t: Teardownable, port: number, proto: 2 | 3 = 2): Promise<FrameClient> {
    const s = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      s.once('connect', resolve);
      s.once('error', reject);
    });
    s.setNoDelay(true);
    const c = new FrameClient(s);
    t.teardown(() => s.destroy());
    if (proto === 3) await c.call('HELLO', '3');
    return c;
  }

  send(...args: (string | number)[]): void {
    this.socket.write(encodeCommand(args));
  }

  /** The next frame, waiting up to `ms`. */
  async next(ms = 3000): Promise<Frame> {
    const deadline = Date.now() + ms;
    while (this.frames.length === 0) {
      if (this.closed) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('no frame in time');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = null;
    }
    return this.frames.shift() as Frame;
  }

  async call(...args: (string | number)[]): Promise<Value> {
    this.send(...args);
    return (await this.next()).value;
  }

  /** True if no frame arrives within `ms`. */
  async quiet(ms = 300): Promise<boolean> {
    return (await this.next(ms).catch(() => null)) === null;
  }
}

/** Sum of result_watches over every shard. */
const resultWatches = (c: RespClient): Promise<number> => shardTotal(c, 'result_watches');

for (const workers of WORKER_MATRIX) {
  t.test(`watch commands with --workers ${workers}`, async (t) => {
    const srv = await startShardis(t, { workers });
    const w = await connectResp(t, srv.port);

    t.test('GET.WATCH pushes every changed result in order (RESP2)', async (t) => {
      const c = await FrameClient.connect(t, srv.port, 2);
      const first = (await c.call('GET.WATCH', 'g')) as Value[];
      t.equal(first[0], 'GET');
      t.type(first[1], 'number');
      t.equal(first[2], null);
      const fp = first[1] as number;
      t.ok(fp >= 0 && fp <= 0xffffffff && Number.isInteger(fp), 'fingerprint is an unsigned 32-bit integer');

      const expect = async (value: Value, why: string): Promise<void> => {
        const f = await c.next();
        t.same(f, { push: false, value: ['GET', fp, value] }, why);
      };
      await w.call('SET', 'g', 'a');
      await expect('a', 'SET');
      await w.call('SET', 'g', 'a'); // same value: no push
      await w.call('EXPIRE', 'g', '1000'); // TTL only: GET unchanged
      await w.call('SET', 'other', 'x'); // another key
      await w.call('APPEND', 'g', 'b\x00\xff');
      await expect('ab\x00\xff', 'APPEND (unchanged writes before it pushed nothing)');
      await w.call('DEL', 'g');
      await expect(null, 'DEL');
      await w.call('DEL', 'g'); // nothing to delete
      await w.call('SET', 'g', 'v2');
      await expect('v2', 'SET after DEL');
      await w.call('EXPIRE', 'g', '0');
      await expect(null, 'EXPIRE 0 deletes');
      await w.call('SET', 'g', 'short', 'PX', '30');
      await expect('short', 'SET PX');
      await expect(null, 'expiry');
      await w.call('LPUSH', 'g', 'x');
      const wrong = await c.next();
      t.same(wrong.value, ['GET', fp, { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' }], 'a result that became an error is pushed too');
      await w.call('DEL', 'g');
      await expect(null, 'back to nil');

      // SWAPDB: the watch follows the database index, not the data.
      await w.call('SELECT', '1');
      await w.call('SET', 'g', 'from-db1');
      await w.call('SELECT', '0');
      await w.call('SWAPDB', '0', '1');
      await expect('from-db1', 'SWAPDB');
      await w.call('SWAPDB', '0', '1');
      await expect(null, 'SWAPDB back');
      await w.call('SELECT', '1');
      await w.call('DEL', 'g'); // another db: no push
      await w.call('SELECT', '0');

      t.equal(await c.call('GET.UNWATCH', String(fp)), 'OK');
      await w.call('SET', 'g', 'after-unwatch');
      t.equal(await c.call('PING'), 'PONG', 'no push after UNWATCH');
      t.equal(await c.call('GET.UNWATCH', String(fp)), 'OK', 'unwatching again is harmless');
    });

    t.test('RESP3: pushes are > frames, the first reply is an array', async (t) => {
      const c = await FrameClient.connect(t, srv.port, 3);
      await w.call('DEL', 'h3');
      c.send('HGETALL.WATCH', 'h3');
      const first = await c.next();
      t.equal(first.push, false);
      const [name, fp, res] = first.value as Value[];
      t.equal(name, 'HGETALL');
      t.same(res, []);
      await w.call('HSET', 'h3', 'f', 'v');
      t.same(await c.next(), { push: true, value: ['HGETALL', fp, ['f', 'v']] });
      await w.call('HSET', 'h3', 'f', 'v'); // same field and value
      await w.call('HSET', 'h3', 'g', '1');
      t.same(await c.next(), { push: true, value: ['HGETALL', fp, ['f', 'v', 'g', '1']] });
      // A push and a reply interleave in order of events.
      c.send('GET', 'nothing');
      t.same(await c.next(), { push: false, value: null });
      t.equal(await c.call('HGETALL.UNWATCH', String(fp)), 'OK');
    });

    t.test('RENAME (cross-shard when the keys are apart) updates both ends', async (t) => {
      const c = await FrameClient.connect(t, srv.port, 3);
      await w.call('DEL', 'rn-src', 'rn-dst');
      const [, sfp] = (await c.call('GET.WATCH', 'rn-src')) as Value[];
      const [, dfp] = (await c.call('GET.WATCH', 'rn-dst')) as Value[];
      await w.call('SET', 'rn-src', 'x');
      t.same((await c.next()).value, ['GET', sfp, 'x']);
      await w.call('RENAME', 'rn-src', 'rn-dst');
      const got = [(await c.next()).value, (await c.next()).value];
      t.same(
        got.sort((a, b) => Number((a as Value[])[1]) - Number((b as Value[])[1])),
        [['GET', sfp, null], ['GET', dfp, 'x']].sort((a, b) => Number(a[1]) - Number(b[1])),
      );
      t.ok(await c.quiet(), 'nothing else');
    });

    t.test('ZRANGE.WATCH, PFCOUNT.WATCH, SMEMBERS.WATCH, LRANGE.WATCH', async (t) => {
      const c = await FrameClient.connect(t, srv.port, 2);
      await w.call('DEL', 'z', 'p', 's', 'l');
      const [, zfp, z0] = (await c.call('ZRANGE.WATCH', 'z', '0', '-1', 'WITHSCORES')) as Value[];
      t.same(z0, []);
      const [pname, pfp, p0] = (await c.call('pfcount.watch', 'p')) as Value[];
      t.equal(pname, 'PFCOUNT', 'the name is upper-cased whatever the client typed');
      t.equal(p0, 0);
      const [, sfp] = (await c.call('SMEMBERS.WATCH', 's')) as Value[];
      const [, lfp] = (await c.call('LRANGE.WATCH', 'l', '0', '1')) as Value[];

      await w.call('ZADD', 'z', '2', 'b', '1', 'a');
      t.same((await c.next()).value, ['ZRANGE', zfp, ['a', '1', 'b', '2']]);
      await w.call('ZADD', 'z', '1', 'a'); // same score
      await w.call('ZINCRBY', 'z', '5', 'a');
      t.same((await c.next()).value, ['ZRANGE', zfp, ['b', '2', 'a', '6']]);

      await w.call('PFADD', 'p', 'x', 'y');
      t.same((await c.next()).value, ['PFCOUNT', pfp, 2]);
      await w.call('PFADD', 'p', 'x'); // no change to the estimate
      await w.call('PFADD', 'p', 'z');
      t.same((await c.next()).value, ['PFCOUNT', pfp, 3]);

      await w.call('SADD', 's', 'm');
      t.same((await c.next()).value, ['SMEMBERS', sfp, ['m']]);

      await w.call('RPUSH', 'l', 'a', 'b');
      t.same((await c.next()).value, ['LRANGE', lfp, ['a', 'b']]);
      await w.call('RPUSH', 'l', 'c'); // outside the watched range: no push
      await w.call('LSET', 'l', '1', 'B');
      t.same((await c.next()).value, ['LRANGE', lfp, ['a', 'B']]);

      // Several keys on one shard (a hash tag keeps them together).
      const [, mfp, m0] = (await c.call('PFCOUNT.WATCH', '{t}1', '{t}2')) as Value[];
      t.equal(m0, 0);
      await w.call('PFADD', '{t}2', 'q');
      t.same((await c.next()).value, ['PFCOUNT', mfp, 1], 'a write to the second key pushes');
      t.equal(await c.call('PFCOUNT.UNWATCH', String(mfp)), 'OK');

      // FLUSHDB changes every watched result.
      await w.call('FLUSHDB');
      const got = new Map<Value, Value>();
      for (let i = 0; i < 4; i++) {
        const v = (await c.next()).value as Value[];
        got.set(v[1], v[2]);
      }
      t.same(Object.fromEntries(got), { [String(zfp)]: [], [String(pfp)]: 0, [String(sfp)]: [], [String(lfp)]: [] }, 'FLUSHDB');
      t.ok(await c.quiet(), 'nothing more after FLUSHDB');
    });

    t.test('errors', async (t) => {
      const c = await connectResp(t, srv.port);
      t.same(await c.call('FOO.WATCH', 'k'), { error: "ERR unknown command 'FOO.WATCH', with args beginning with: 'k' " });
      t.same(await c.call('FOO.UNWATCH', '1'), { error: "ERR unknown command 'FOO.UNWATCH', with args beginning with: '1' " });
      t.same(await c.call('SET.WATCH', 'k', 'v'), { error: "ERR command 'set' cannot be watched: only read-only commands on keys can be watched" });
      t.same(await c.call('DBSIZE.WATCH'), { error: "ERR command 'dbsize' cannot be watched: only read-only commands on keys can be watched" });
      t.same(await c.call('SRANDMEMBER.WATCH', 's'), { error: "ERR command 'srandmember' cannot be watched: its reply is random" });
      t.same(await c.call('TOUCH.WATCH', 'k'), { error: "ERR command 'touch' cannot be watched: it changes access times" });
      t.same(await c.call('OBJECT.WATCH', 'ENCODING', 'k'), { error: "ERR command 'object' cannot be watched: it has subcommands" });
      t.same(await c.call('GET.WATCH'), { error: "ERR wrong number of arguments for 'get.watch' command" });
      t.same(await c.call('GET.WATCH', 'a', 'b'), { error: "ERR wrong number of arguments for 'get.watch' command" });
      t.same(await c.call('GET.UNWATCH'), { error: "ERR wrong number of arguments for 'get.unwatch' command" });
      t.same(await c.call('GET.UNWATCH', 'nope'), { error: 'ERR invalid fingerprint' });
      t.same(await c.call('GET.UNWATCH', '4294967296'), { error: 'ERR invalid fingerprint' });
      // Errors of the command itself: nothing is subscribed.
      await c.call('RPUSH', 'errlist', 'x');
      t.same(await c.call('GET.WATCH', 'errlist'), { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' });
      t.same(await c.call('ZRANGE.WATCH', 'z', 'a', 'b'), { error: 'ERR value is not an integer or out of range' });
      t.equal(await resultWatches(c), 0, 'failed watches left nothing in the shards');
      t.match(await infoField(c, 'clients', 'watching_clients'), '0');
      if (srv.workers > 1) {
        t.match(await c.call('PFCOUNT.WATCH', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'), { error: /must all be on one shard/ });
      }
      // Inside MULTI a subscription is refused like a no_multi command, and EXEC fails.
      t.same(
        await c.pipeline([['MULTI'], ['SET', 'inmulti', '1'], ['GET.WATCH', 'inmulti'], ['EXEC'], ['EXISTS', 'inmulti']]),
        ['OK', 'QUEUED', { error: 'ERR Command not allowed inside a transaction' }, { error: 'EXECABORT Transaction discarded because of previous errors.' }, 0],
      );
      t.equal(await resultWatches(c), 0, 'nothing subscribed from inside MULTI');
    });

    t.test('same fingerprint: two clients share it, one client twice is one subscription', async (t) => {
      const a = await FrameClient.connect(t, srv.port, 2);
      const b = await FrameClient.connect(t, srv.port, 3);
      await w.call('SET', 'shared', '0');
      const ra = (await a.call('GET.WATCH', 'shared')) as Value[];
      const rb = (await b.call('get.watch', 'shared')) as Value[];
      t.equal(ra[1], rb[1], 'same command, same fingerprint');
      const again = (await a.call('GET.WATCH', 'shared')) as Value[];
      t.same(again, ra, 'watching again replies the current result');
      t.equal(await resultWatches(w), 2, 'a twice + b once = 2 subscriptions');
      t.equal(await infoField(w, 'clients', 'watching_clients'), '2');
      const list = String(await w.call('CLIENT', 'LIST'));
      t.equal((list.match(/flags=w /g) ?? []).length, 2, 'CLIENT LIST shows flag w for watching clients');
      await w.call('SET', 'shared', '1');
      t.same(await a.next(), { push: false, value: ['GET', ra[1], '1'] });
      t.same(await b.next(), { push: true, value: ['GET', ra[1], '1'] });
      t.equal(await a.call('GET.UNWATCH', String(ra[1])), 'OK', 'one UNWATCH ends the single subscription');
      await w.call('SET', 'shared', '2');
      t.same(await b.next(), { push: true, value: ['GET', ra[1], '2'] }, 'the other client still gets it');
      t.equal(await a.call('PING'), 'PONG', 'nothing for the client that unwatched');
      t.equal(await infoField(w, 'clients', 'watching_clients'), '1');
      // Another database: another fingerprint.
      await b.call('SELECT', '1');
      const r1 = (await b.call('GET.WATCH', 'shared')) as Value[];
      t.not(r1[1], ra[1], 'db 1 gives another fingerprint');
      t.equal(r1[2], null);
      await w.call('SET', 'shared', '3'); // db 0
      t.same(await b.next(), { push: true, value: ['GET', ra[1], '3'] }, 'db 0 watch still pushes');
      await b.call('GET.UNWATCH', String(r1[1]));
      await b.call('SELECT', '0');
      await b.call('GET.UNWATCH', String(ra[1]));
      t.equal(await resultWatches(w), 0);

      // Many watchers of one command in one protocol: one run, the same push to each.
      const many = await Promise.all(Array.from({ length: 5 }, () => FrameClient.connect(t, srv.port, 3)));
      const fps = new Set<Value>();
      for (const m of many) fps.add(((await m.call('ZCARD.WATCH', 'many')) as Value[])[1]);
      t.equal(fps.size, 1);
      await w.call('ZADD', 'many', '1', 'x');
      for (const m of many) t.same(await m.next(), { push: true, value: ['ZCARD', [...fps][0], 1] });
      many[0].socket.destroy();
      await w.call('ZADD', 'many', '1', 'y');
      for (const m of many.slice(1)) t.same(await m.next(), { push: true, value: ['ZCARD', [...fps][0], 2] });
      for (const m of many) m.socket.destroy();
      t.ok(await waitFor(async () => (await resultWatches(w)) === 0), 'their subscriptions are gone');
    });

    t.test('disconnecting watchers return every counter to its baseline', async (t) => {
      const base = {
        watching: await infoField(w, 'clients', 'watching_clients'),
        listeners: await infoField(w, 'tasks', 'signal_listeners'),
        results: await resultWatches(w),
      };
      const clients: FrameClient[] = [];
      const ids: number[] = [];
      for (let i = 0; i < 20; i++) {
        const c = await FrameClient.connect(t, srv.port, i % 2 === 0 ? 2 : 3);
        clients.push(c);
        ids.push((await c.call('CLIENT', 'ID')) as number);
        c.send('GET.WATCH', `dk${i % 5}`);
        c.send('SMEMBERS.WATCH', `ds${i}`);
        c.send('GET.WATCH', `dk${i % 5}`);
      }
      for (const c of clients) for (let i = 0; i < 3; i++) await c.next();
      t.equal(await resultWatches(w), base.results + 40);
      t.equal(await infoField(w, 'clients', 'watching_clients'), String(Number(base.watching) + 20));
      for (let i = 0; i < 5; i++) await w.call('SET', `dk${i}`, 'x');
      // Half hang up, half are killed.
      for (let i = 0; i < clients.length; i++) {
        if (i % 2 === 0) clients[i].socket.destroy();
        else t.equal(await w.call('CLIENT', 'KILL', 'ID', String(ids[i])), 1);
      }
      t.ok(
        await waitFor(async () => {
          const now = {
            watching: await infoField(w, 'clients', 'watching_clients'),
            listeners: await infoField(w, 'tasks', 'signal_listeners'),
            results: await resultWatches(w),
          };
          return JSON.stringify(now) === JSON.stringify(base);
        }),
        'watching_clients, signal_listeners and result_watches back to baseline',
      );
      await w.call('SET', 'dk0', 'y'); // no one left to push to
      t.equal(await w.call('PING'), 'PONG');
    });

    t.test('ioredis (RESP3 by default) gets the first reply and stays in step while pushes arrive', async (t) => {
      const io = await connectIoredis(t, srv.port);
      const [name, fp, val] = (await io.call('GET.WATCH', 'io')) as [string, number, string | null];
      t.equal(name, 'GET');
      t.equal(val, null);
      for (let i = 0; i < 5; i++) {
        await w.call('SET', 'io', `v${i}`);
        t.equal(await io.get('io'), `v${i}`, 'replies still match their commands');
      }
      t.equal(await io.call('GET.UNWATCH', String(fp)), 'OK');
    });
  });
}

t.test('a watcher that never reads is closed by client-output-buffer-limit; the writer keeps going', async (t) => {
  const srv = await startShardis(t, { workers: ANY_WORKERS });
  const w = await connectResp(t, srv.port);
  t.equal(await w.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1mb 0 0'), 'OK');
  const c = await FrameClient.connect(t, srv.port, 3);
  const [, , first] = (await c.call('GET.WATCH', 'big')) as Value[];
  t.equal(first, null);
  const ids = String(await w.call('CLIENT', 'LIST'));
  t.equal((ids.match(/flags=w /g) ?? []).length, 1);
  c.socket.pause(); // never reads again
  const value = 'v'.repeat(64 * 1024);
  let ok = 0;
  const started = Date.now();
  for (let i = 0; i < 400; i++) {
    if ((await w.call('SET', 'big', `${i}:${value}`)) === 'OK') ok++;
  }
  t.equal(ok, 400, 'every write succeeded');
  t.ok(Date.now() - started < 15000, 'writes were not held up by the watcher');
  t.ok(
    await waitFor(async () => !/flags=w /.test(String(await w.call('CLIENT', 'LIST')))),
    'the watcher is gone',
  );
  t.ok(await waitFor(async () => (await infoField(w, 'clients', 'watching_clients')) === '0' && (await resultWatches(w)) === 0));
  t.match(srv.output(), /output buffer limit/, 'closed for its output buffer');
});
