/**
 * Settings that shape data structures reach the shards with Redis's effect:
 * stream-node-max-entries / -bytes decide where XADD starts a stream node and
 * so what `~` trimming (MAXLEN/MINID, with and without LIMIT) removes;
 * hll-sparse-max-bytes decides when a HyperLogLog turns dense (its bytes).
 */
import t from 'tap';
import { DifferentialSuite, type Cmd } from './helpers/differential';
import { RespClient } from './helpers/resp-client';

const diff = new DifferentialSuite(t);

function streamScript(entries: string, bytes: string): Cmd[] {
  const script: Cmd[] = [['CONFIG', 'SET', 'stream-node-max-entries', entries], ['CONFIG', 'SET', 'stream-node-max-bytes', bytes]];
  for (let i = 1; i <= 120; i++) {
    const big = i % 7 === 0 ? 'v'.repeat(60) : 'v';
    script.push(['XADD', 's', `${i}-0`, 'f', big]);
    if (i % 10 === 0) script.push(['XADD', 's', 'MAXLEN', '~', '37', `${i}-1`, 'g', 'x'], ['XLEN', 's']);
  }
  script.push(
    ['XTRIM', 's', 'MAXLEN', '~', '5', 'LIMIT', '10'], ['XLEN', 's'],
    ['XTRIM', 's', 'MINID', '~', '90', 'LIMIT', '1'], ['XLEN', 's'],
    ['XTRIM', 's', 'MINID', '~', '100'], ['XLEN', 's'],
    ['XTRIM', 's', 'MAXLEN', '~', '0'], ['XLEN', 's'], ['XRANGE', 's', '-', '+', 'COUNT', '3'],
    ['DEL', 's'],
  );
  return script;
}

diff.test('stream node sizes decide ~ trimming', async (t, s) => {
  for (const [entries, bytes] of [['100', '4096'], ['10', '4096'], ['7', '200'], ['0', '300'], ['3', '0']]) {
    await s.check(`stream-node-max-entries ${entries}, stream-node-max-bytes ${bytes}`, streamScript(entries, bytes));
  }
  await s.check('defaults back', [['CONFIG', 'SET', 'stream-node-max-entries', '100'], ['CONFIG', 'SET', 'stream-node-max-bytes', '4096']]);
});

diff.test('hll-sparse-max-bytes decides when a HyperLogLog turns dense', async (t, s) => {
  const script: Cmd[] = [];
  for (const limit of ['3000', '60', '0']) {
    script.push(['CONFIG', 'SET', 'hll-sparse-max-bytes', limit], ['DEL', 'h']);
    for (let i = 0; i < 40; i++) script.push(['PFADD', 'h', `e${i * 7919}`], ['STRLEN', 'h']);
    script.push(['GET', 'h'], ['PFCOUNT', 'h']);
  }
  script.push(['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000']);
  await s.check('hll-sparse-max-bytes', script);
});

diff.test('OBJECT ENCODING says raw for strings modified in place, as Redis', async (t, s) => {
  const script: Cmd[] = [
    ['SET', 'e', 'hello'], ['SET', 'r', 'x'.repeat(50)], ['SET', 'i', '123'], ['SET', 'a', 'hi'], ['APPEND', 'a', 'x'], ['APPEND', 'new', 'hi'],
    ['SETRANGE', 'b', '0', 'x'], ['SET', 'c', 'abc'], ['SETRANGE', 'c', '1', 'z'], ['INCRBYFLOAT', 'f', '1.5'], ['SETBIT', 's1', '3', '1'],
    ['SET', 's2', 'a'], ['SETBIT', 's2', '1', '1'], ['PFADD', 'h', 'a'], ['BITFIELD', 'bf', 'SET', 'u8', '0', '1'], ['SET', 'n', '12'],
    ['APPEND', 'n', '3'], ['INCR', 'i'], ['SET', 'a', 'fresh'],
  ];
  for (const k of ['e', 'r', 'i', 'a', 'new', 'b', 'c', 'f', 's1', 's2', 'h', 'bf', 'n']) script.push(['OBJECT', 'ENCODING', k]);
  await s.check('encodings', script);
});

/** Collections built around the thresholds, with every encoding they end in. */
function encodingScript(he: string, hv: string, si: string, ze: string, zv: string): Cmd[] {
  const s: Cmd[] = [
    ['CONFIG', 'SET', 'hash-max-listpack-entries', he, 'hash-max-listpack-value', hv, 'set-max-intset-entries', si],
    ['CONFIG', 'SET', 'zset-max-ziplist-entries', ze, 'zset-max-ziplist-value', zv],
    ['CONFIG', 'GET', '*-max-*-entries'], ['CONFIG', 'GET', '*-max-*-value'],
  ];
  const keys: string[] = [];
  const enc = (k: string): void => {
    keys.push(k);
    s.push(['OBJECT', 'ENCODING', k]);
  };
  for (const n of [1, 2, 3, 4, 5, 8]) {
    const h = `h${n}`;
    for (let i = 0; i < n; i++) s.push(['HSET', h, `f${i}`, 'v'.repeat(i + 1)]);
    enc(h);
    s.push(['HSET', `hv${n}`, 'f', 'x'.repeat(n * 2)]);
    enc(`hv${n}`);
    s.push(['HINCRBYFLOAT', `hf${n}`, 'f', `1.${'1'.repeat(n)}`]);
    enc(`hf${n}`);
    s.push(['HSETNX', `hn${n}`, 'x'.repeat(n), 'y']);
    enc(`hn${n}`);
    const set = `s${n}`;
    for (let i = 0; i < n; i++) s.push(['SADD', set, String(i * 7)]);
    enc(set);
    s.push(['SADD', `sm${n}`, ...Array.from({ length: n }, (_, i) => String(i))]);
    enc(`sm${n}`);
    s.push(['SINTERSTORE', `si${n}`, set, `sm${n}`], ['SUNIONSTORE', `su${n}`, set, `sm${n}`], ['SDIFFSTORE', `sd${n}`, set, `sm${n}`]);
    enc(`si${n}`); enc(`su${n}`); enc(`sd${n}`);
    const z = `z${n}`;
    for (let i = 0; i < n; i++) s.push(['ZADD', z, String(i), `m${'x'.repeat(i)}`]);
    enc(z);
    s.push(['ZINCRBY', `zi${n}`, '1', 'y'.repeat(n * 2)]);
    enc(`zi${n}`);
    s.push(['ZUNIONSTORE', `zu${n}`, '2', z, `zi${n}`], ['ZRANGESTORE', `zr${n}`, z, '0', '1']);
    enc(`zu${n}`); enc(`zr${n}`);
  }
  // Encodings survive a threshold change until the next write.
  s.push(['CONFIG', 'SET', 'hash-max-listpack-entries', '512', 'set-max-intset-entries', '512', 'zset-max-listpack-entries', '128'], ['CONFIG', 'SET', 'hash-max-listpack-value', '64', 'zset-max-listpack-value', '64']);
  for (const k of ['h8', 's8', 'z8']) enc(k);
  s.push(['SADD', 's8', '1000'], ['HSET', 'h8', 'new', '1'], ['ZADD', 'z8', '100', 'new']);
  enc('s8'); enc('h8'); enc('z8');
  s.push(['DEL', ...keys]);
  return s;
}

diff.test('listpack and intset thresholds decide OBJECT ENCODING as in Redis', async (t, s) => {
  for (const [he, hv, si, ze, zv] of [['512', '64', '512', '128', '64'], ['3', '4', '3', '3', '4'], ['0', '0', '0', '0', '0'], ['1', '100', '1', '1', '100'], ['5', '2', '8', '4', '6']]) {
    await s.check(`thresholds ${he}/${hv}/${si}/${ze}/${zv}`, encodingScript(he, hv, si, ze, zv), { unordered: ['config'] });
  }
  await s.check('no set-max-listpack-* in 7.0; the ziplist aliases', [
    ['CONFIG', 'GET', 'set-max-listpack-entries'], ['CONFIG', 'SET', 'set-max-listpack-entries', '1'],
    ['CONFIG', 'SET', 'hash-max-ziplist-entries', '7'], ['CONFIG', 'GET', 'hash-max-listpack-entries'],
    ['CONFIG', 'SET', 'hash-max-ziplist-entries', '512'],
  ]);
});

diff.test('list-max-listpack-size decides the quicklist nodes MEMORY USAGE counts', async (t, s) => {
  const script: Cmd[] = [];
  for (const fill of ['-2', '-1', '-3', '-5', '1', '7', '100', '0']) {
    script.push(['CONFIG', 'SET', 'list-max-ziplist-size', fill], ['CONFIG', 'GET', 'list-max-listpack-size'], ['DEL', 'a', 'b', 'c']);
    for (let i = 0; i < 300; i++) script.push(['RPUSH', 'a', 'x'.repeat(1 + ((i * 37) % 90))]);
    for (let i = 0; i < 60; i++) script.push(['RPUSH', 'b', String(i * 1000003)]);
    for (let i = 0; i < 40; i++) script.push(['RPUSH', 'c', 'y'.repeat(300 + i * 13)]);
    script.push(['MEMORY', 'USAGE', 'a', 'SAMPLES', '0'], ['MEMORY', 'USAGE', 'b', 'SAMPLES', '0'], ['MEMORY', 'USAGE', 'c', 'SAMPLES', '0'], ['MEMORY', 'USAGE', 'a']);
  }
  script.push(['CONFIG', 'SET', 'list-max-listpack-size', '-2']);
  await s.check('list node sizes', script);
});

/** INFO memory's lazyfreed_objects, once Redis's background thread has caught up. */
async function lazyfreed(c: RespClient): Promise<number> {
  await new Promise((r) => setTimeout(r, 60));
  const m = /lazyfreed_objects:(\d+)/.exec(String(await c.call('INFO', 'memory')));
  return m === null ? -1 : Number(m[1]);
}

const bigSet = (k: string, n: number): Cmd => ['SADD', k, ...Array.from({ length: n }, (_, i) => `m${i}`)];
const LAZY_STEPS: { name: string; cmds: Cmd[]; uncounted?: boolean }[] = [
  { name: 'UNLINK of a big set', cmds: [bigSet('{t}s', 200), ['UNLINK', '{t}s']] },
  { name: 'UNLINK of a small set', cmds: [bigSet('{t}s', 64), ['UNLINK', '{t}s']] },
  { name: 'DEL of a big set', cmds: [bigSet('{t}s', 200), ['DEL', '{t}s']] },
  { name: 'lazy-user-del: DEL of a big set', cmds: [['CONFIG', 'SET', 'lazyfree-lazy-user-del', 'yes'], bigSet('{t}s', 200), ['DEL', '{t}s']] },
  { name: 'lazy-user-del: DEL of 64 and 65 members', cmds: [bigSet('{t}a', 64), bigSet('{t}b', 65), ['DEL', '{t}a'], ['DEL', '{t}b']] },
  { name: 'lazy-user-del: lists by quicklist nodes', cmds: [
    ['RPUSH', '{t}l', ...Array.from({ length: 300 }, (_, i) => 'x'.repeat(1 + (i % 90)))], ['DEL', '{t}l'],
    ['CONFIG', 'SET', 'list-max-listpack-size', '1'], ['RPUSH', '{t}l', ...Array.from({ length: 100 }, (_, i) => String(i))], ['DEL', '{t}l'],
    ['CONFIG', 'SET', 'list-max-listpack-size', '-2'],
  ] },
  { name: 'lazy-user-del: zsets and hashes by encoding', cmds: [
    ['ZADD', '{t}z', ...Array.from({ length: 100 }, (_, i) => [String(i), `m${i}`]).flat()], ['DEL', '{t}z'],
    ['ZADD', '{t}z', ...Array.from({ length: 200 }, (_, i) => [String(i), `m${i}`]).flat()], ['DEL', '{t}z'],
    ['HSET', '{t}h', ...Array.from({ length: 600 }, (_, i) => [`f${i}`, 'v']).flat()], ['DEL', '{t}h'],
    ['CONFIG', 'SET', 'lazyfree-lazy-user-del', 'no'],
  ] },
  { name: 'FLUSHALL, FLUSHALL ASYNC', cmds: [['MSET', 'a', '1', 'b', '2', 'c', '3'], ['FLUSHALL'], ['MSET', 'a', '1', 'b', '2', 'c', '3'], ['FLUSHALL', 'ASYNC']] },
  { name: 'lazy-user-flush: FLUSHALL, FLUSHDB, FLUSHDB SYNC', cmds: [
    ['CONFIG', 'SET', 'lazyfree-lazy-user-flush', 'yes'], ['MSET', 'a', '1', 'b', '2', 'c', '3'], ['FLUSHALL'],
    ['MSET', 'a', '1', 'b', '2'], ['FLUSHDB'], ['MSET', 'a', '1', 'b', '2'], ['FLUSHDB', 'SYNC'],
    ['CONFIG', 'SET', 'lazyfree-lazy-user-flush', 'no'],
  ] },
  { name: 'overwrites without lazy-server-del', cmds: [bigSet('{t}s', 200), ['SET', '{t}s', 'x'], ['DEL', '{t}s']] },
  { name: 'lazy-server-del: SET, SUNIONSTORE and RENAME over big values', cmds: [
    ['CONFIG', 'SET', 'lazyfree-lazy-server-del', 'yes'],
    bigSet('{t}s', 200), ['SET', '{t}s', 'x'],
    bigSet('{t}d', 200), ['SADD', '{t}src', 'a'], ['SUNIONSTORE', '{t}d', '{t}src'],
    bigSet('{t}r1', 100), bigSet('{t}r2', 100), ['RENAME', '{t}r1', '{t}r2'],
    ['CONFIG', 'SET', 'lazyfree-lazy-server-del', 'no'], ['DEL', '{t}r2', '{t}d', '{t}s', '{t}src'],
  ] },
  // Whether the active cycle or the next access expires it first differs: counted once it is gone either way.
  { name: 'lazy-expire: a big zset expires', uncounted: true, cmds: [
    ['CONFIG', 'SET', 'lazyfree-lazy-expire', 'yes'], ['ZADD', '{t}z', ...Array.from({ length: 200 }, (_, i) => [String(i), `m${i}`]).flat()],
    ['PEXPIRE', '{t}z', '1'],
  ] },
  { name: 'lazy-expire: the zset is gone', cmds: [['EXISTS', '{t}z'], ['CONFIG', 'SET', 'lazyfree-lazy-expire', 'no']] },
];

async function lazyfreeCounts(port: number): Promise<number[]> {
  const c = await RespClient.connect(port);
  try {
    await c.call('CONFIG', 'RESETSTAT');
    const out = [await lazyfreed(c)];
    for (const step of LAZY_STEPS) {
      for (const r of await c.pipeline(step.cmds)) if (typeof r === 'object' && r !== null && 'error' in r) throw new Error(`${step.name}: ${r.error}`);
      const n = await lazyfreed(c);
      out.push(step.uncounted === true ? -1 : n);
    }
    return out;
  } finally {
    c.close();
  }
}

diff.test('lazyfree-lazy-*: what is freed lazily counts in lazyfreed_objects as in Redis', async (t, s) => {
  const [x, y] = await Promise.all([lazyfreeCounts(s.shardis.port), lazyfreeCounts(s.redis.port)]);
  t.same(x, y, `lazyfreed_objects after each step: ${LAZY_STEPS.map((st, i) => `${st.name} ${y[i + 1]}`).join('; ')}`);
  t.ok(y[y.length - 1] > 5, 'the reference counted lazy frees (the check can fail)');
});
