/**
 * Differential tests of the blocking commands against a real redis-server:
 * seeded scripts where they find data (immediate replies), time out after a
 * few milliseconds (nil), or fail (timeouts that are negative, not floats,
 * out of range; bad directions, numkeys, COUNT; WRONGTYPE; XREAD BLOCK
 * syntax), over keys that land on different shards. Also COMMAND INFO rows
 * and CLIENT UNBLOCK errors.
 */
import t from 'tap';
import net from 'node:net';
import { ANY_WORKERS } from './helpers/servers';
import { DifferentialSuite, rng, pick, type Cmd } from './helpers/differential';
import { connectResp, type Reply } from './helpers/resp-client';

const LISTS = ['l0', 'l1', 'l2', 'l3', 'bin\x00\xff', 'str'];
const ZSETS = ['z0', 'z1', 'z2', 'str'];
const STREAMS = ['s0', 's1', 's2', 'str'];

// Timeouts that time out at once or fail; never one that would wait long on an empty key.
const SECONDS = [
  '0.01', '0.001', '0.00001', '1e-400', '-1', '-0.5', 'abc', '', ' 1', '1 ', '1e300', 'inf', '-inf', 'nan', '1e5000',
  '9223372036854775.808', '9223372036854776', '0.01x', '+0.01', '.01', '1e-2',
];
const MILLIS = ['1', '5', '-1', 'abc', '1.5', '', '-0', '9223372036854775808'];

function keys(r: () => number, from: readonly string[]): string[] {
  return Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(r, from));
}

function script(seed: number, n: number): Cmd[] {
  const r = rng(seed);
  const out: Cmd[] = [['SET', 'str', 'v']];
  let id = 1;
  for (let i = 0; i < n; i++) {
    const x = r();
    const secs = r() < 0.8 ? pick(r, SECONDS.slice(0, 3)) : pick(r, SECONDS);
    if (x < 0.15) out.push([pick(r, ['RPUSH', 'LPUSH']), pick(r, LISTS), ...keys(r, ['a', 'b', 'c', '', '\x00'])]);
    else if (x < 0.25) out.push(['ZADD', pick(r, ZSETS), String(Math.floor(r() * 5)), pick(r, ['m', 'n', 'o', 'p']), '1.5', 'q']);
    else if (x < 0.32) out.push(['XADD', pick(r, STREAMS), `${id++}-1`, 'f', pick(r, ['v', 'w'])]);
    else if (x < 0.4) out.push([pick(r, ['BLPOP', 'BRPOP']), ...keys(r, LISTS), secs]);
    else if (x < 0.47) out.push([pick(r, ['BZPOPMIN', 'BZPOPMAX']), ...keys(r, ZSETS), secs]);
    else if (x < 0.53) {
      const ks = keys(r, LISTS);
      const nk = r() < 0.8 ? String(ks.length) : pick(r, ['0', '-1', 'abc', '9', String(ks.length + 1)]);
      const tail = r() < 0.5 ? [] : pick(r, [['COUNT', '2'], ['COUNT', '0'], ['COUNT', 'x'], ['COUNT'], ['FOO']]);
      out.push(['BLMPOP', secs, nk, ...ks, pick(r, ['LEFT', 'right', 'up']), ...tail]);
    } else if (x < 0.59) {
      const ks = keys(r, ZSETS);
      const nk = r() < 0.8 ? String(ks.length) : pick(r, ['0', '-1', 'abc', '9']);
      const tail = r() < 0.5 ? [] : pick(r, [['COUNT', '3'], ['COUNT', '-1'], ['COUNT']]);
      out.push(['BZMPOP', secs, nk, ...ks, pick(r, ['MIN', 'max', 'mid']), ...tail]);
    } else if (x < 0.66) {
      out.push(['BLMOVE', pick(r, LISTS), pick(r, LISTS), pick(r, ['LEFT', 'RIGHT', 'up']), pick(r, ['LEFT', 'right', 'x']), secs]);
    } else if (x < 0.7) {
      out.push(['BRPOPLPUSH', pick(r, LISTS), pick(r, LISTS), secs]);
    } else if (x < 0.78) {
      const ks = keys(r, STREAMS);
      const ids = ks.map(() => pick(r, ['0', '$', '0-0', '2', 'bad', '>']));
      const opts = r() < 0.3 ? ['COUNT', pick(r, ['1', '0', '-3', 'x'])] : [];
      const ms = r() < 0.8 ? pick(r, MILLIS.slice(0, 2)) : pick(r, MILLIS);
      const body = r() < 0.9 ? [...ks, ...ids] : ks;
      out.push(['XREAD', ...opts, 'BLOCK', ms, 'STREAMS', ...body]);
    } else if (x < 0.82) {
      const k = pick(r, STREAMS);
      out.push(['XGROUP', 'CREATE', k, 'g', '0', 'MKSTREAM']);
      out.push(['XREADGROUP', 'GROUP', pick(r, ['g', 'nog']), 'c', 'BLOCK', pick(r, MILLIS.slice(0, 2)), 'STREAMS', k, pick(r, ['>', '0', '$'])]);
    } else if (x < 0.86) {
      out.push([pick(r, ['BLPOP', 'BLMOVE', 'BLMPOP', 'BZMPOP', 'BZPOPMIN', 'BRPOPLPUSH']), ...keys(r, ['a']).slice(0, Math.floor(r() * 2))]);
    } else if (x < 0.93) {
      out.push(['LRANGE', pick(r, LISTS), '0', '-1']);
      out.push(['ZRANGE', pick(r, ZSETS), '0', '-1', 'WITHSCORES']);
    } else {
      out.push(['XRANGE', pick(r, STREAMS), '-', '+']);
      out.push(['DEL', pick(r, [...LISTS, ...ZSETS, ...STREAMS])]);
    }
  }
  return out;
}

const diff = new DifferentialSuite(t);

diff.test('blocking commands match redis-server', async (t, s) => {
  for (const seed of [11, 12, 13]) await s.check(`seed ${seed}`, script(seed * 100 + s.workers, 250), { chunk: 50 });
});

diff.test(
  'COMMAND INFO rows and CLIENT UNBLOCK errors match redis-server',
  async (t, s) => {
    const names = ['blpop', 'brpop', 'blmove', 'brpoplpush', 'blmpop', 'bzpopmin', 'bzpopmax', 'bzmpop', 'xread', 'xreadgroup'];
    const a = await connectResp(t, s.shardis.port);
    const b = await connectResp(t, s.redis.port);
    const head = (r: Reply): Reply => (Array.isArray(r) ? r.map((row) => (Array.isArray(row) ? row.slice(0, 6) : row)) : r);
    t.same(head(await a.call('COMMAND', 'INFO', ...names)), head(await b.call('COMMAND', 'INFO', ...names)));
    t.same(head(await a.call('COMMAND', 'INFO', 'client|unblock')), head(await b.call('COMMAND', 'INFO', 'client|unblock')));
    const cmds: Cmd[] = [
      ['CLIENT', 'UNBLOCK'],
      ['CLIENT', 'UNBLOCK', 'abc'],
      ['CLIENT', 'UNBLOCK', '1', 'maybe'],
      ['CLIENT', 'UNBLOCK', 'abc', 'maybe'],
      ['CLIENT', 'UNBLOCK', '99999', 'error'],
      ['CLIENT', 'UNBLOCK', '99999', 'TIMEOUT'],
      ['CLIENT', 'UNBLOCK', '1', 'timeout', 'x'],
      ['COMMAND', 'GETKEYS', 'BLPOP', 'a', 'b', '0'],
      ['COMMAND', 'GETKEYS', 'BLMPOP', '0', '2', 'a', 'b', 'LEFT'],
      ['COMMAND', 'GETKEYS', 'BZMPOP', '0', '1', 'a', 'MIN', 'COUNT', '2'],
      ['COMMAND', 'GETKEYS', 'BLMOVE', 'a', 'b', 'LEFT', 'LEFT', '0'],
    ];
    await s.check('CLIENT UNBLOCK and COMMAND GETKEYS', cmds);
  },
  { workers: [ANY_WORKERS] },
);

diff.test('RESP3 replies byte for byte (data, timeouts)', async (t, s) => {
  const cmds = [
    'HELLO 3', 'FLUSHALL', 'ZADD z 1.5 a 2 b 3 c', 'BZPOPMIN z 0', 'BZPOPMAX z 0', 'BZMPOP 0 1 z MAX', 'RPUSH l a b c d', 'BLMPOP 0 1 l LEFT COUNT 2',
    'BLPOP nothing l 0', 'BRPOPLPUSH l l2 0', 'XADD s 1-1 f v', 'XADD s2 1-1 g w', 'XREAD BLOCK 0 STREAMS s s2 0 0', 'BLMOVE x y LEFT LEFT 0.01',
    'XREAD BLOCK 5 STREAMS s $', 'BZPOPMIN nothing 0.01', 'PING',
  ];
  const raw = (port: number): Promise<string> =>
    new Promise((resolve) => {
      const sock = net.connect(port, '127.0.0.1');
      let got = '';
      sock.on('data', (d) => {
        got += d.toString('latin1');
        if (got.endsWith('+PONG\r\n')) {
          sock.destroy();
          resolve(got.slice(got.indexOf('+OK')));
        }
      });
      sock.write(cmds.join('\r\n') + '\r\n');
    });
  const [a, b] = await Promise.all([raw(s.shardis.port), raw(s.redis.port)]);
  t.equal(JSON.stringify(a), JSON.stringify(b));
});
