/**
 * Protocol edge cases over raw sockets against the built server.
 *
 * The framer has its own unit tests; these check what a client actually sees
 * through the connection: request boundaries falling anywhere in the TCP
 * stream, deep pipelines, hostile headers (no allocation, exact error, only the
 * offending connection closed), inline quoting, the query buffer limit, and
 * clients that vanish mid-request leaving no task behind.
 *
 * Expected protocol error texts and close behaviour were checked against
 * redis-server 7.0.15 (test/protocol-diff.test.ts keeps checking them).
 */
import t from 'tap';
import net from 'node:net';
import fs from 'node:fs';
import { startShardis, WORKER_MATRIX, type Teardownable } from './helpers/servers';
import { encodeCommand, connectResp } from './helpers/resp-client';
import { rng } from './helpers/differential';
import { info, infoNumber } from './helpers/info';
import { sleep, waitFor } from './helpers/util';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');

const bulk = (s: string): string => `$${Buffer.byteLength(s, 'latin1')}\r\n${s}\r\n`;
const int = (n: number): string => `:${n}\r\n`;
const NIL = '$-1\r\n';
const OK = '+OK\r\n';

/** A raw socket that records every byte received and whether the server closed it. */
class RawConn {
  data = Buffer.alloc(0);
  closed = false;
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.data = Buffer.concat([this.data, d]);
      this.notify();
    });
    // A server that closes while we still write may reset the connection: that is a close too.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  static connect(port: number): Promise<RawConn> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.off('error', reject);
        s.setNoDelay(true);
        resolve(new RawConn(s));
      });
      s.once('error', reject);
    });
  }

  private notify(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  write(bytes: Buffer | string): void {
    if (!this.socket.destroyed) this.socket.write(typeof bytes === 'string' ? b(bytes) : bytes);
  }

  /** Resolves once `cond` holds (checked on every event), or rejects after `ms`. */
  async until(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + ms;
    while (!cond()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.data.toString('latin1').slice(0, 300))} closed=${this.closed}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for exactly `n` bytes in total (a little longer to catch any extra). */
  async bytes(n: number, ms = 5000): Promise<Buffer> {
    await this.until(() => this.data.length >= n || this.closed, ms, `${n} bytes`);
    return this.data;
  }

  take(): Buffer {
    const d = this.data;
    this.data = Buffer.alloc(0);
    return d;
  }

  destroy(): void {
    this.socket.destroy();
  }
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error('no VmRSS');
  return Number(m[1]);
}

async function raw(t: Teardownable, port: number): Promise<RawConn> {
  const c = await RawConn.connect(port);
  t.teardown(() => c.destroy());
  return c;
}

// ---------------------------------------------------------------------------
// The split-read pipeline: varied, idempotent, with its exact expected bytes.

const BIN_VALUE = 'bin\r\nval\x00\xff\r\n$3\r\n*1\r\n';
const SPLIT_LANES = 4;

/**
 * The pipeline for one lane (`p` is a one-character key prefix so that lanes
 * run in parallel without sharing keys, and every lane's bytes are the same length).
 */
function splitCase(p: string): { request: Buffer; reply: Buffer } {
  const mkeys = Array.from({ length: 8 }, (_, i) => `${p}split:m${i}`);
  const request = b(
    [
      encodeCommand(['SET', `${p}split:bin`, BIN_VALUE]).toString('latin1'),
      encodeCommand(['GET', `${p}split:bin`]).toString('latin1'),
      encodeCommand(['MSET', ...mkeys.flatMap((k, i) => [k, `v${i}\r\n`])]).toString('latin1'),
      'PING\r\n',
      encodeCommand(['MGET', ...mkeys, `${p}split:missing`]).toString('latin1'),
      '\r\n',
      'ECHO "say \\"hi\\"" \r\n',
      '*0\r\n',
      '\n',
      encodeCommand(['DEL', `${p}split:ctr`]).toString('latin1'),
      `INCR '${p}split:ctr'\n`,
      '   \r\n',
      encodeCommand(['ECHO', '']).toString('latin1'),
      'PING "x y"\r\n',
    ].join(''),
  );
  const reply = b(
    [
      OK,
      bulk(BIN_VALUE),
      OK,
      '+PONG\r\n',
      `*${mkeys.length + 1}\r\n` + mkeys.map((_, i) => bulk(`v${i}\r\n`)).join('') + NIL,
      bulk('say "hi"'),
      // The counter always exists before a round (set by the test, then left at 1 by INCR).
      int(1),
      int(1),
      bulk(''),
      bulk('x y'),
    ].join(''),
  );
  return { request, reply };
}

// ---------------------------------------------------------------------------

for (const workers of WORKER_MATRIX) {
  t.test(`protocol edge cases with --workers ${workers}`, async (t) => {
    const srv = await startShardis(t, { workers });
    const ctl = await connectResp(t, srv.port);

    t.test('split reads at every byte offset', async (t) => {
      const lanes = await Promise.all(
        // One more lane than split lanes: the last one goes byte by byte.
        Array.from({ length: SPLIT_LANES + 1 }, async (_, lane) => {
          const p = String.fromCharCode(65 + lane);
          t.equal(await ctl.call('SET', `${p}split:ctr`, 'x'), 'OK');
          return { lane, ...splitCase(p), c: await raw(t, srv.port) };
        }),
      );
      const len = lanes[0].request.length;
      t.ok(lanes.every((l) => l.request.length === len));
      const results = await Promise.all(
        lanes.map(async ({ lane, request, reply, c }) => {
          const failures: string[] = [];
          const check = async (what: string): Promise<void> => {
            await c.bytes(reply.length);
            const got = c.take();
            if (!got.equals(reply)) failures.push(`${what}: ${JSON.stringify(got.toString('latin1'))}`);
          };
          // Reference: the whole pipeline in one write.
          c.write(request);
          await check('single write');
          // Every split point, spread over the lanes.
          for (let off = 1 + lane; lane < SPLIT_LANES && off < len && !c.closed; off += SPLIT_LANES) {
            c.write(request.subarray(0, off));
            // A pause between the writes: the server sees two reads.
            await sleep(1);
            c.write(request.subarray(off));
            await check(`split at ${off}`);
          }
          if (lane === SPLIT_LANES) {
            // Byte by byte, each on its own tick.
            for (let i = 0; i < len; i++) {
              c.write(request.subarray(i, i + 1));
              await new Promise((r) => setImmediate(r));
              if (i % 16 === 0) await sleep(1);
            }
            await check('byte by byte');
          }
          await sleep(20);
          if (c.data.length > 0) failures.push(`extra bytes ${JSON.stringify(c.data.toString('latin1'))}`);
          return { failures, closed: c.closed, expected: reply.toString('latin1') };
        }),
      );
      for (const r of results) {
        t.same(r.failures.slice(0, 3), [], `identical replies for every split (expected ${JSON.stringify(r.expected)})`);
        t.notOk(r.closed, 'connection still open');
      }
    });

    t.test('10,000 pipelined commands in one write', async (t) => {
      const r = rng(1000 + workers);
      const req: Buffer[] = [];
      for (let i = 0; i < 10000; i++) {
        const x = r();
        const k = `pipe:key:${Math.floor(r() * 150)}`;
        if (x < 0.35) req.push(encodeCommand(['INCR', `pipe:ctr:${Math.floor(r() * 40)}`]));
        else if (x < 0.65) req.push(encodeCommand(['SET', k, `v${i}` + (i % 7 === 0 ? '\r\n\x00' : '')]));
        else if (x < 0.97) req.push(encodeCommand(['GET', k]));
        // Errors (INCR of a non-number) in the middle must not disturb the order.
        else req.push(encodeCommand(['INCR', k]));
      }
      const model = expectedReplies(req);
      const c = await raw(t, srv.port);
      const started = Date.now();
      c.write(Buffer.concat(req));
      const exp = b(model.replies);
      await c.bytes(exp.length, 15000);
      await sleep(20);
      const got = c.take();
      t.equal(got.length, exp.length, 'reply length');
      t.ok(got.equals(exp), 'replies byte-identical and in order');
      if (!got.equals(exp)) {
        let i = 0;
        while (i < got.length && got[i] === exp[i]) i++;
        t.comment(`first difference at byte ${i}: got ${JSON.stringify(got.subarray(i, i + 60).toString('latin1'))} expected ${JSON.stringify(exp.subarray(i, i + 60).toString('latin1'))}`);
      }
      t.comment(`10k pipeline took ${Date.now() - started} ms`);
      // The model itself must be non-trivial: long INCR runs and many GET hits.
      t.ok(Math.max(...model.counters.values()) > 60, 'INCR sequences reach high numbers');
      t.ok(model.replies.split('-ERR value is not an integer').length > 20, 'errors are interleaved');
      t.ok(model.replies.split('$-1\r\n').length > 20 && (model.replies.match(/\$\d+\r\nv\d/g) ?? []).length > 500, 'GET misses and hits');
      t.equal(await ctl.call('GET', 'pipe:ctr:0'), String(model.counters.get('pipe:ctr:0')));
    });

    t.test('hostile input: exact error, only that connection closes, nothing allocated', async (t) => {
      t.equal(await ctl.call('SET', 'survivor', 'alive\r\n'), 'OK');
      const bystander = await connectResp(t, srv.port);
      t.equal(await bystander.call('PING'), 'PONG');
      // Let the process settle before measuring.
      await sleep(100);
      const rss0 = rssKb(srv.proc.pid as number);

      const PE = (m: string): string => `-ERR Protocol error: ${m}\r\n`;
      const closing: [string, string | Buffer, string][] = [
        ['huge multibulk count', '*5000000000\r\n', PE('invalid multibulk length')],
        // Redis 7.0 waits for the 30M arguments here; Shardis caps counts at 1M (see request-framer.ts).
        ['30M multibulk count', '*30000000\r\n', PE('invalid multibulk length')],
        ['negative count garbage', '*-1x\r\n', PE('invalid multibulk length')],
        ['huge bulk length', '*1\r\n$999999999999\r\n', PE('invalid bulk length')],
        ['bulk over proto-max-bulk-len', '*1\r\n$536870913\r\n', PE('invalid bulk length')],
        ['non-numeric bulk length', '*1\r\n$abc\r\n', PE('invalid bulk length')],
        ['null bulk in a request', '*1\r\n$-1\r\n', PE('invalid bulk length')],
        ['not a bulk', '*2\r\n$4\r\nECHO\r\n:1\r\n', PE("expected '$', got ':'")],
        ['70 KB inline without newline', 'A'.repeat(70 * 1024), PE('too big inline request')],
        ['70 KB multibulk count line', '*' + '1'.repeat(70 * 1024), PE('too big mbulk count string')],
        ['70 KB bulk length line', '*1\r\n$' + '1'.repeat(70 * 1024), PE('too big bulk count string')],
        ['unbalanced double quote', 'SET "a b\r\n', PE('unbalanced quotes in request')],
        ['unbalanced single quote', "SET 'a b\r\n", PE('unbalanced quotes in request')],
        ['text right after a closing quote', 'SET "a"b c\r\n', PE('unbalanced quotes in request')],
        // Commands before the bad bytes run; those after it never do.
        ['good, bad, then more', 'PING\r\n*1\r\n$-1\r\nSET survivor hacked\r\n', '+PONG\r\n' + PE('invalid bulk length')],
        ['bad then a write', '*1\r\n$x\r\n*3\r\n$3\r\nSET\r\n$8\r\nsurvivor\r\n$6\r\nhacked\r\n', PE('invalid bulk length')],
      ];
      for (const [name, bytes, reply] of closing) {
        const c = await raw(t, srv.port);
        c.write(bytes);
        await c.until(() => c.closed, 3000, `close after ${name}`);
        t.equal(c.data.toString('latin1'), reply, `${name}: reply`);
        t.ok(c.closed, `${name}: connection closed`);
      }

      // Forms Redis treats as inline commands: an error reply, and the connection stays.
      for (const [bytes, reply] of [
        ['$999999999999\r\n', "-ERR unknown command '$999999999999', with args beginning with: \r\n"],
        ['$abc\r\n', "-ERR unknown command '$abc', with args beginning with: \r\n"],
      ]) {
        const c = await raw(t, srv.port);
        c.write(bytes);
        await c.bytes(reply.length);
        await sleep(50);
        t.equal(c.data.toString('latin1'), reply, `${JSON.stringify(bytes)} is an unknown inline command`);
        t.notOk(c.closed, 'and the connection stays open');
        c.destroy();
      }

      // Accepted headers announcing huge requests must not allocate for them up front.
      const pending: RawConn[] = [];
      for (const bytes of ['*1048576\r\n', '*1\r\n$536870912\r\n', '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$536870000\r\nabc']) {
        const c = await raw(t, srv.port);
        c.write(bytes);
        pending.push(c);
      }
      await sleep(300);
      for (const c of pending) {
        t.equal(c.data.length, 0, 'no reply to an incomplete request');
        t.notOk(c.closed, 'incomplete huge request keeps waiting');
      }
      const rss1 = rssKb(srv.proc.pid as number);
      t.ok(rss1 - rss0 < 50 * 1024, `RSS grew by ${Math.round((rss1 - rss0) / 1024)} MB (< 50 MB)`);
      for (const c of pending) c.destroy();

      t.equal(await bystander.call('GET', 'survivor'), 'alive\r\n', 'data intact, nothing after the error ran');
      t.equal(await bystander.call('PING'), 'PONG', 'connection opened before keeps working');
      t.notOk(bystander.isClosed);
    });

    t.test('inline quoting and escapes', async (t) => {
      const c = await raw(t, srv.port);
      const lines: [string, string][] = [
        [`SET "a b" 'c d'\r\n`, OK],
        [`SET "\\x41\\x42\\xff\\x00z" "line\\r\\nbreak\\t\\\\\\"q"\r\n`, OK],
        [`SET 'it\\'s' "x\\xZZ\\q"\r\n`, OK],
        [`SET  \\x41   ""  \r\n`, OK],
        [`ECHO "\\n\\r\\t\\b\\a"\r\n`, bulk('\n\r\t\b\x07')],
      ];
      for (const [line, reply] of lines) {
        c.write(line);
        await c.bytes(reply.length);
        t.equal(c.take().toString('latin1'), reply, JSON.stringify(line));
      }
      t.equal(await ctl.call('GET', 'a b'), 'c d');
      t.equal(await ctl.call('GET', 'AB\xff\x00z'), 'line\r\nbreak\t\\"q');
      t.equal(await ctl.call('GET', "it's"), 'xxZZq', 'invalid \\x and unknown escapes keep the character');
      t.equal(await ctl.call('GET', '\\x41'), '', 'unquoted backslashes are literal');
    });

    t.test('client-query-buffer-limit', async (t) => {
      t.equal(await ctl.call('CONFIG', 'SET', 'client-query-buffer-limit', '1048576'), 'OK');
      t.teardown(() => ctl.call('CONFIG', 'SET', 'client-query-buffer-limit', '1073741824'));
      // A request that is complete never counts against the limit, however long the pipeline.
      const many = await raw(t, srv.port);
      const ping = b('*1\r\n$4\r\nPING\r\n');
      const n = 80000; // 1.1 MB
      many.write(Buffer.concat(Array.from({ length: n }, () => ping)));
      await many.bytes(7 * n, 10000);
      t.equal(many.data.length, 7 * n, 'every PING answered');
      t.notOk(many.closed);
      // A 900 KB value is under the limit.
      t.equal(await ctl.call('SET', 'qb:big', 'x'.repeat(900 * 1024)), 'OK');

      // 2 MB of a still-incomplete bulk: closed without a reply.
      const c = await raw(t, srv.port);
      c.write('*3\r\n$3\r\nSET\r\n$5\r\nqb:k1\r\n$3000000\r\n');
      c.write(Buffer.alloc(2 * 1024 * 1024, 0x78));
      await c.until(() => c.closed, 3000, 'close at the query buffer limit');
      t.equal(c.data.length, 0, 'no reply');
      t.equal(await ctl.call('EXISTS', 'qb:k1'), 0, 'nothing was stored');
      t.equal(await ctl.call('PING'), 'PONG');
    });

    t.test('clients that vanish mid-request leave nothing behind', async (t) => {
      const FIELDS = ['read_tasks', 'write_tasks', 'inflight_requests', 'signal_listeners'];
      const snapshot = async (): Promise<string> => {
        const tasks = (await info(ctl, 'tasks')).tasks;
        return FIELDS.map((k) => `${k}=${tasks[k]}`).join(' ');
      };
      const base = await snapshot();
      t.match(base, /read_tasks=1 write_tasks=1 inflight_requests=0 signal_listeners=1/);

      // Half a bulk, then gone.
      const half = await raw(t, srv.port);
      half.write('*3\r\n$3\r\nSET\r\n$7\r\nvanish1\r\n$100\r\nhalf a val');
      // A deep pipeline touching every shard, gone before reading anything.
      const deep = await raw(t, srv.port);
      const cmds: Buffer[] = [];
      for (let i = 0; i < 5000; i++) {
        cmds.push(i % 2 ? encodeCommand(['MGET', `v:${i}`, `v:${i + 1}`, `v:${i + 2}`, `v:${i + 3}`]) : encodeCommand(['SET', `v:${i}`, 'x'.repeat(100)]));
      }
      deep.write(Buffer.concat(cmds));
      // Replies far larger than the socket buffers: the writer waits for drain, then the client goes.
      t.equal(await ctl.call('SET', 'vanish:big', 'y'.repeat(1024 * 1024)), 'OK');
      const slow = await raw(t, srv.port);
      slow.socket.pause();
      slow.write(Buffer.concat(Array.from({ length: 40 }, () => encodeCommand(['GET', 'vanish:big']))));
      await sleep(150);
      t.equal(await infoNumber(ctl, 'tasks', 'read_tasks'), 1 + 3, 'read_tasks counts the three clients while they are connected');
      half.destroy();
      deep.destroy();
      slow.destroy();

      let now = '';
      await waitFor(async () => (now = await snapshot()) === base, 2000);
      t.equal(now, base, 'task counts back to baseline');
      t.equal(await ctl.call('EXISTS', 'vanish1'), 0, 'the half request never ran');
      const fresh = await connectResp(t, srv.port);
      t.equal(await fresh.call('PING'), 'PONG', 'a new client is served');
      t.equal(await fresh.call('GET', 'survivor'), 'alive\r\n');
    });
  });
}

/** Expected replies for the 10k pipeline, from a model of SET/GET/INCR on strings. */
function expectedReplies(req: Buffer[]): { replies: string; counters: Map<string, number> } {
  const store = new Map<string, string>();
  const counters = new Map<string, number>();
  let out = '';
  for (const r of req) {
    const [cmd, k, v] = parseCommand(r);
    if (cmd === 'SET') {
      store.set(k, v);
      out += OK;
    } else if (cmd === 'GET') {
      const e = store.get(k);
      out += e === undefined ? NIL : bulk(e);
    } else {
      const e = store.get(k) ?? '0';
      if (!/^(0|-?[1-9][0-9]*)$/.test(e)) {
        out += '-ERR value is not an integer or out of range\r\n';
        continue;
      }
      const n = Number(e) + 1;
      store.set(k, String(n));
      if (k.startsWith('pipe:ctr:')) counters.set(k, n);
      out += int(n);
    }
  }
  return { replies: out, counters };
}

/** Decodes one request built by encodeCommand (the test's own, well-formed bytes). */
function parseCommand(buf: Buffer): string[] {
  const s = buf.toString('latin1');
  let i = s.indexOf('\r\n') + 2;
  const n = Number(s.slice(1, i - 2));
  const args: string[] = [];
  for (let a = 0; a < n; a++) {
    const e = s.indexOf('\r\n', i);
    const len = Number(s.slice(i + 1, e));
    args.push(s.slice(e + 2, e + 2 + len));
    i = e + 2 + len + 2;
  }
  return args;
}
