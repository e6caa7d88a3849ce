/**
 * The inline shard's reply arena recycles its buffers (src/shard-clients/reply-arena.ts):
 * a buffer is reused only once every view of it has been written out. These
 * tests read back every byte of big replies (LRANGE of 1 KB elements, GET of
 * 100 KB values) while buffers are being reused: pipelines from many
 * connections, readers that stop reading (their replies wait in the socket
 * and in the write queue), and clients that leave with replies in flight. A
 * buffer reused while a view of it was still unwritten shows up as a reply
 * whose bytes are another reply's.
 *
 * The arena exists with `--workers 0` only (worker shards send their replies
 * in transferred batches), so the tests run when the matrix has 0.
 */
import t from 'tap';
import net from 'node:net';
import { startShardis, WORKER_MATRIX } from './helpers/servers';
import { connectResp, encodeCommand } from './helpers/resp-client';
import { infoNumber } from './helpers/info';

const noInline: string | false = WORKER_MATRIX.includes(0) ? false : `SHARDIS_TEST_WORKERS=${WORKER_MATRIX.join(',')} has no 0: the reply arena is the inline shard's`;

const LISTS = 8;
const ELEMENTS = 600;
const STRINGS = 16;

/** Element j of list k: 1000-1049 bytes, every byte value, different for every (k, j). */
function element(k: number, j: number): Buffer {
  const n = 1000 + ((k * 7 + j) % 50);
  const b = Buffer.allocUnsafe(n);
  let x = (k * 1_000_003 + j * 7919 + 1) >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** String i: 100 KB, different for every i. */
function bigString(i: number): Buffer {
  const b = Buffer.allocUnsafe(100 * 1024);
  for (let o = 0; o < b.length; o++) b[o] = (o * 31 + i * 17 + (o >>> 8)) & 255;
  return b;
}

function bulk(b: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n')]);
}

/** The exact bytes of LRANGE list:k from..to. */
function lrangeReply(k: number, from: number, to: number): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${to - from + 1}\r\n`)];
  for (let j = from; j <= to; j++) parts.push(bulk(element(k, j)));
  return Buffer.concat(parts);
}

/** A request and the exact bytes of its reply. */
interface Exchange {
  request: Buffer;
  reply: Buffer;
}

function lrange(k: number, from: number, to: number): Exchange {
  return { request: encodeCommand(['LRANGE', `list:${k}`, from, to]), reply: lrangeReply(k, from, to) };
}

function get(i: number): Exchange {
  return { request: encodeCommand(['GET', `str:${i}`]), reply: bulk(bigString(i)) };
}

function ping(): Exchange {
  return { request: encodeCommand(['PING']), reply: Buffer.from('+PONG\r\n') };
}

/** A mix of big and small replies, from seed `s`. */
function workload(s: number, count: number): Exchange[] {
  const out: Exchange[] = [];
  for (let i = 0; i < count; i++) {
    const r = (s * 131 + i * 17) % 10;
    const k = (s + i) % LISTS;
    if (r < 4) out.push(lrange(k, 0, ELEMENTS - 1));
    else if (r < 6) out.push(lrange(k, (i * 37) % 500, (i * 37) % 500 + 99));
    else if (r < 8) out.push(get((s + i) % STRINGS));
    else out.push(ping());
  }
  return out;
}

/**
 * Sends `exchanges` as one pipeline on a raw socket and resolves with the
 * index of the first reply whose bytes differ, or -1 when all match.
 * `pauseMs`: the socket does not read for that long after sending, so the
 * server's writes block and its replies wait.
 */
function runPipeline(port: number, exchanges: Exchange[], pauseMs: number): Promise<number> {
  const expected = Buffer.concat(exchanges.map((e) => e.reply));
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let got = 0;
    s.on('error', reject);
    s.on('connect', () => {
      if (pauseMs > 0) {
        s.pause();
        setTimeout(() => s.resume(), pauseMs);
      }
      s.write(Buffer.concat(exchanges.map((e) => e.request)));
    });
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      if (got < expected.length) return;
      s.destroy();
      const all = Buffer.concat(chunks);
      if (all.equals(expected)) return resolve(-1);
      let at = 0;
      for (let i = 0; i < exchanges.length; i++) {
        const r = exchanges[i].reply;
        if (!all.subarray(at, at + r.length).equals(r)) return resolve(i);
        at += r.length;
      }
      resolve(exchanges.length);
    });
  });
}

/** Sends a pipeline of big replies and leaves before reading them. */
function leaveEarly(port: number, exchanges: Exchange[]): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => resolve());
    s.on('connect', () => {
      s.write(Buffer.concat(exchanges.map((e) => e.request)));
      setTimeout(() => {
        s.destroy();
        resolve();
      }, 20);
    });
  });
}

t.test('big replies read back exactly while the reply arena reuses its buffers (--workers 0)', { skip: noInline }, async (t) => {
  const srv = await startShardis(t, { workers: 0 });
  const c = await connectResp(t, srv.port);
  for (let k = 0; k < LISTS; k++) {
    for (let from = 0; from < ELEMENTS; from += 100) {
      const elems: Buffer[] = [];
      for (let j = from; j < from + 100; j++) elems.push(element(k, j));
      await c.call('RPUSH', `list:${k}`, ...elems);
    }
  }
  for (let i = 0; i < STRINGS; i++) await c.call('SET', `str:${i}`, bigString(i));
  t.equal(await c.call('LLEN', 'list:3'), ELEMENTS);

  for (let round = 0; round < 3; round++) {
    const runs: Promise<number>[] = [];
    // Readers at full speed, readers that stop for a while, and clients that leave with replies in flight.
    for (let i = 0; i < 12; i++) runs.push(runPipeline(srv.port, workload(round * 100 + i, 24), 0));
    for (let i = 0; i < 4; i++) runs.push(runPipeline(srv.port, workload(round * 100 + 50 + i, 40), 150 + i * 50));
    const leaving = Array.from({ length: 4 }, (_, i) => leaveEarly(srv.port, workload(round * 100 + 80 + i, 30)));
    const mismatches = await Promise.all(runs);
    await Promise.all(leaving);
    t.same(
      mismatches.filter((m) => m !== -1),
      [],
      `round ${round}: every reply of ${runs.length} pipelines has its own bytes`,
    );
  }

  // The check means something only if buffers were reused meanwhile.
  t.ok((await infoNumber(c, 'tasks', 'reply_arena_reused')) > 0, 'arena buffers were reused during the rounds');
  t.ok((await infoNumber(c, 'tasks', 'reply_arena_allocated')) > 0, 'and allocated');
  // The server is intact afterwards.
  t.equal(await c.call('PING'), 'PONG');
  t.equal(await runPipeline(srv.port, [lrange(2, 0, ELEMENTS - 1), get(3)], 0), -1);
});

t.test('the arena gives back a burst’s pooled buffers once the server is idle (--workers 0)', { skip: noInline }, async (t) => {
  const srv = await startShardis(t, { workers: 0 });
  const c = await connectResp(t, srv.port);
  for (let from = 0; from < ELEMENTS; from += 100) {
    const elems: Buffer[] = [];
    for (let j = from; j < from + 100; j++) elems.push(element(0, j));
    await c.call('RPUSH', 'list:0', ...elems);
  }
  // A burst: many clients' pipelines of 600 KB replies at once, so the pool grows past its 4 MB floor.
  const pooled = async (): Promise<number> => infoNumber(c, 'tasks', 'reply_arena_pooled_bytes');
  let most = 0;
  for (let round = 0; round < 5 && most <= 4 * 1024 * 1024; round++) {
    await Promise.all(Array.from({ length: 16 }, (_, i) => runPipeline(srv.port, Array.from({ length: 16 }, () => lrange(0, 0, ELEMENTS - 1)), i % 2 === 0 ? 0 : 100)));
    most = Math.max(most, await pooled());
  }
  t.ok(most > 4 * 1024 * 1024, `the burst left more than 4 MB pooled (${most} bytes)`);
  // No command at all for a while: then the pool is back to its floor.
  await new Promise((resolve) => setTimeout(resolve, 5000));
  t.ok((await pooled()) <= 4 * 1024 * 1024, 'an idle server trims the pool to 4 MB');
});
