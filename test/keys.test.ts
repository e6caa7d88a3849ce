/**
 * The generic keyspace family over TCP, with every worker count: DEL, UNLINK,
 * EXISTS, TOUCH, TYPE, KEYS, SCAN, RANDOMKEY, RENAME, RENAMENX, COPY, MOVE,
 * SWAPDB, OBJECT, MEMORY USAGE, including keys spread over different shards
 * and binary key names.
 */
import t from 'tap';
import { startShardis, WORKER_MATRIX } from './helpers/servers';
import { RespClient, type Reply, connectResp } from './helpers/resp-client';
import { rng } from './helpers/differential';
import { shardOf, keyOnAnotherShard } from './helpers/shards';
import { sleep } from './helpers/util';
import { globMatch } from '../src/core/glob';

/** Runs a full SCAN and returns every key seen (with duplicates) and the number of calls. */
async function scanAll(c: RespClient, extra: (string | number)[] = [], between?: () => Promise<void>): Promise<{ keys: string[]; calls: number }> {
  let cursor = '0';
  const keys: string[] = [];
  let calls = 0;
  do {
    const r = (await c.call('SCAN', cursor, ...extra)) as [string, string[]];
    cursor = r[0];
    keys.push(...r[1]);
    calls++;
    if (between) await between();
    if (calls > 100000) throw new Error('SCAN did not terminate');
  } while (cursor !== '0');
  return { keys, calls };
}

t.test('globMatch follows Redis stringmatchlen', async (t) => {
  const cases: [string, string, boolean][] = [
    ['*', 'anything', true],
    ['*', '', false], // the matcher itself refuses; KEYS special-cases a lone '*'
    ['', '', true],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h*llo', 'heeeello', true],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true],
    ['h[b-a]llo', 'hallo', true], // reversed range
    ['h\\*llo', 'h*llo', true],
    ['h\\*llo', 'hello', false],
    ['[\\]]', ']', true],
    ['[a-]', ']', true], // 'a-]' is a range (swapped to ']'..'a'), and the set is unterminated
    ['[abc', 'a', true], // unterminated set runs to the end
    ['[abc', 'ab', false],
    ['a\\', 'a\\', true], // trailing lone backslash is literal
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'aXbYd', false],
    ['*a', 'a', true],
    ['a**', 'a', true],
    ['?', '', false],
    ['[]', ']', false],
    ['[^]', 'x', true],
    ['\x00*', '\x00\xff', true],
  ];
  for (const [p, s, want] of cases) t.equal(globMatch(p, s), want, `${JSON.stringify(p)} ~ ${JSON.stringify(s)}`);
  t.equal(globMatch('HELLO', 'hello', true), true);
  t.equal(globMatch('[A-C]x', 'bx', true), true);
  // Pathological pattern stays fast.
  const started = Date.now();
  t.equal(globMatch('a*'.repeat(40) + 'b', 'a'.repeat(200)), false);
  t.ok(Date.now() - started < 500, 'no exponential blowup');
});

for (const workers of WORKER_MATRIX) {
  t.test(`keyspace commands with --workers ${workers}`, async (t) => {
    const srv = await startShardis(t, { workers });
    const n = Math.max(1, workers);
    const c = await connectResp(t, srv.port);

    t.test('DEL, UNLINK, EXISTS, TOUCH, TYPE', async (t) => {
      await c.call('FLUSHALL');
      const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
      t.equal(await c.call('MSET', ...keys.flatMap((k) => [k, 'v'])), 'OK');
      t.equal(await c.call('EXISTS', ...keys, 'nope', 'k0'), 41, 'EXISTS counts repeats');
      t.equal(await c.call('TOUCH', ...keys, 'nope'), 40);
      t.equal(await c.call('TYPE', 'k1'), 'string');
      t.equal(await c.call('TYPE', 'nope'), 'none');
      t.equal(await c.call('DEL', ...keys.slice(0, 20), 'nope'), 20);
      t.equal(await c.call('UNLINK', ...keys.slice(15), 'k19'), 20);
      t.equal(await c.call('DBSIZE'), 0);
      t.same(await c.call('DEL'), { error: "ERR wrong number of arguments for 'del' command" });
      t.same(await c.call('TYPE', 'a', 'b'), { error: "ERR wrong number of arguments for 'type' command" });
    });

    t.test('KEYS with tricky globs and binary keys', async (t) => {
      await c.call('FLUSHALL');
      const names = ['hello', 'hallo', 'hxllo', 'hllo', 'heeello', 'h*llo', 'h[a]llo', 'a\\b', '', 'x\x00y', '\xff\xfe', 'user:1', 'user:22', 'USER:3'];
      for (const k of names) await c.call('SET', k, '1');
      const patterns = ['*', 'h?llo', 'h*llo', 'h[ae]llo', 'h[^e]llo', 'h[a-b]llo', 'h\\*llo', 'h\\[a\\]llo', 'a\\\\b', 'user:?', 'user:*', '[uU]ser:*',
        '*\x00*', '\xff*', '?', '**', '[', 'h[', '\\', 'x?y', '[^a-z]*'];
      for (const p of patterns) {
        const got = ((await c.call('KEYS', p)) as string[]).sort();
        const want = names.filter((k) => p === '*' || globMatch(p, k)).sort();
        t.same(got, want, `KEYS ${JSON.stringify(p)}`);
      }
      t.same(await c.call('KEYS'), { error: "ERR wrong number of arguments for 'keys' command" });
    });

    t.test('SCAN over 10,000 keys with MATCH/COUNT/TYPE', async (t) => {
      await c.call('FLUSHALL');
      const all = Array.from({ length: 10000 }, (_, i) => `scan:${i}`);
      for (let i = 0; i < all.length; i += 1000) {
        await c.call('MSET', ...all.slice(i, i + 1000).flatMap((k) => [k, 'x']));
      }
      let r = await scanAll(c, ['COUNT', 100]);
      t.same(new Set(r.keys).size, 10000, 'every key once at least');
      t.ok(r.calls >= 90 && r.calls <= 110, `about 100 calls of COUNT 100 (${r.calls})`);
      const first = (await c.call('SCAN', '0')) as [string, string[]];
      t.ok(first[0] !== '0' && first[1].length >= 1 && first[1].length <= 20, `default COUNT is about 10 (${first[1].length})`);
      r = await scanAll(c, ['MATCH', 'scan:1?', 'COUNT', 1000]);
      t.same(r.keys.sort(), Array.from({ length: 10 }, (_, i) => `scan:1${i}`).sort());
      r = await scanAll(c, ['TYPE', 'string', 'COUNT', 5000]);
      t.equal(new Set(r.keys).size, 10000);
      r = await scanAll(c, ['TYPE', 'list', 'COUNT', 5000]);
      t.equal(r.keys.length, 0);
      r = await scanAll(c, ['type', 'STRING', 'match', 'scan:99*', 'count', '7']);
      t.same(new Set(r.keys), new Set(['scan:99', ...Array.from({ length: 10 }, (_, i) => `scan:99${i}`), ...Array.from({ length: 100 }, (_, i) => `scan:99${String(i).padStart(2, '0')}`)]));

      // Keys present for the whole scan are all returned even while others come and go.
      const stable = all.filter((_, i) => i % 2 === 0);
      const churn = all.filter((_, i) => i % 2 === 1);
      const rand = rng(42);
      let added = 0;
      r = await scanAll(c, ['COUNT', 50], async () => {
        const dels = Array.from({ length: 20 }, () => churn[Math.floor(rand() * churn.length)]);
        await c.call('DEL', ...dels);
        await c.call('MSET', ...Array.from({ length: 20 }, () => [`new:${added++}`, 'y']).flat());
      });
      const seen = new Set(r.keys);
      const missing = stable.filter((k) => !seen.has(k));
      t.same(missing.slice(0, 5), [], `no stable key missed (${missing.length} missing)`);

      t.same(await c.call('SCAN', 'abc'), { error: 'ERR invalid cursor' });
      t.same(await c.call('SCAN', '18446744073709551616'), { error: 'ERR invalid cursor' });
      t.same(await c.call('SCAN', '0', 'COUNT', '0'), { error: 'ERR syntax error' });
      t.same(await c.call('SCAN', '0', 'COUNT', 'x'), { error: 'ERR value is not an integer or out of range' });
      t.same(await c.call('SCAN', '0', 'MATCH'), { error: 'ERR syntax error' });
      t.same(await c.call('SCAN', 'x', 'COUNT', '0'), { error: 'ERR invalid cursor' });
      const huge = (await c.call('SCAN', '18446744073709551615')) as [string, string[]];
      t.equal(typeof huge[0], 'string', 'a never-issued cursor is still answered');
      const neg = (await c.call('SCAN', '-1')) as [string, string[]];
      t.ok(Array.isArray(neg[1]));
    });

    t.test('RANDOMKEY', async (t) => {
      await c.call('FLUSHALL');
      t.equal(await c.call('RANDOMKEY'), null);
      const keys = Array.from({ length: 50 }, (_, i) => `r${i}`);
      await c.call('MSET', ...keys.flatMap((k) => [k, '1']));
      const seen = new Set<Reply>();
      for (let i = 0; i < 200; i++) seen.add(await c.call('RANDOMKEY'));
      t.ok([...seen].every((k) => keys.includes(k as string)));
      t.ok(seen.size > 10, `spread over keys (${seen.size})`);
      await c.call('FLUSHALL');
      await c.call('SET', 'only', '1', 'PX', '1');
      await sleep(10);
      t.equal(await c.call('RANDOMKEY'), null, 'expired keys are not returned');
    });

    t.test('RENAME, RENAMENX, COPY within and across shards', async (t) => {
      await c.call('FLUSHALL');
      const [a, b] = ['ren:a', keyOnAnotherShard('ren:b', 'ren:a', n)];
      t.equal(await c.call('SET', a, 'v1', 'EX', '1000'), 'OK');
      t.equal(await c.call('RENAME', a, b), 'OK');
      t.equal(await c.call('GET', b), 'v1');
      t.equal(await c.call('EXISTS', a), 0);
      const ttl = (await c.call('TTL', b)) as number;
      t.ok(ttl > 990 && ttl <= 1000, 'TTL travels with the value');
      t.same(await c.call('RENAME', a, b), { error: 'ERR no such key' });
      t.same(await c.call('RENAMENX', a, b), { error: 'ERR no such key' });
      t.equal(await c.call('RENAME', b, b), 'OK');
      t.equal(await c.call('RENAMENX', b, b), 0);
      t.equal(await c.call('SET', a, 'other'), 'OK');
      t.equal(await c.call('RENAMENX', b, a), 0);
      t.equal(await c.call('GET', b), 'v1');
      t.equal(await c.call('RENAME', b, a), 'OK', 'overwrites');
      t.equal(await c.call('GET', a), 'v1');
      t.equal(await c.call('EXISTS', b), 0);
      t.equal(await c.call('RENAMENX', a, b), 1);
      t.equal(await c.call('GET', b), 'v1');

      // RENAME onto a key with a TTL: the destination takes the source's (lack of) TTL.
      await c.call('SET', a, 'plain');
      await c.call('SET', b, 'ttl', 'EX', '100');
      t.equal(await c.call('RENAME', a, b), 'OK');
      t.equal(await c.call('TTL', b), -1);

      // COPY
      await c.call('FLUSHALL');
      await c.call('SET', a, 'src', 'PX', '500000');
      t.equal(await c.call('COPY', a, b), 1);
      t.equal(await c.call('GET', b), 'src');
      t.ok(((await c.call('PTTL', b)) as number) > 490000);
      await c.call('SET', a, 'src2');
      t.equal(await c.call('COPY', a, b), 0);
      t.equal(await c.call('GET', b), 'src');
      t.equal(await c.call('COPY', a, b, 'REPLACE'), 1);
      t.equal(await c.call('GET', b), 'src2');
      t.equal(await c.call('TTL', b), -1);
      t.equal(await c.call('COPY', 'missing', b), 0);
      t.same(await c.call('COPY', a, a), { error: 'ERR source and destination objects are the same' });
      t.equal(await c.call('COPY', a, a, 'DB', '2'), 1);
      t.equal(await c.call('COPY', a, b, 'DB', '2'), 1);
      t.same(await c.call('COPY', a, b, 'DB'), { error: 'ERR syntax error' });
      t.same(await c.call('COPY', a, b, 'DB', 'x'), { error: 'ERR value is not an integer or out of range' });
      t.same(await c.call('COPY', a, b, 'DB', '99'), { error: 'ERR DB index is out of range' });
      t.same(await c.call('COPY', a, b, 'foo'), { error: 'ERR syntax error' });
      t.equal(await c.call('SELECT', '2'), 'OK');
      t.same((await c.call('KEYS', '*') as string[]).sort(), [a, b].sort());
      t.equal(await c.call('GET', b), 'src2');
      t.equal(await c.call('SELECT', '0'), 'OK');

      // Binary key names across shards.
      const bin1 = Buffer.from([0, 255, 13, 10, 1]);
      let bin2 = Buffer.from([0, 255, 13, 10, 2]);
      for (let i = 3; n > 1 && shardOf(bin1, n) === shardOf(bin2, n); i++) bin2 = Buffer.from([0, 255, 13, 10, i]);
      await c.call('SET', bin1, Buffer.from([200, 0, 201]));
      t.equal(await c.call('RENAME', bin1, bin2), 'OK');
      t.equal(await c.call('GET', bin2), '\xc8\x00\xc9');
      t.equal(await c.call('COPY', bin2, bin1), 1);
      t.equal(await c.call('GET', bin1), '\xc8\x00\xc9');

      // A pipeline after a cross-shard RENAME sees its result.
      await c.call('SET', a, 'p1');
      const replies = await c.pipeline([['RENAME', a, b], ['GET', b], ['EXISTS', a], ['RENAME', b, a], ['GET', a]]);
      t.same(replies, ['OK', 'p1', 0, 'OK', 'p1']);
    });

    t.test('MOVE and SWAPDB', async (t) => {
      await c.call('FLUSHALL');
      await c.call('SET', 'm', 'v', 'EX', '100');
      t.equal(await c.call('MOVE', 'm', '1'), 1);
      t.equal(await c.call('EXISTS', 'm'), 0);
      t.equal(await c.call('MOVE', 'm', '1'), 0);
      t.same(await c.call('MOVE', 'm', '0'), { error: 'ERR source and destination objects are the same' });
      t.same(await c.call('MOVE', 'm', 'x'), { error: 'ERR value is not an integer or out of range' });
      t.same(await c.call('MOVE', 'm', '16'), { error: 'ERR DB index is out of range' });
      await c.call('SELECT', '1');
      t.equal(await c.call('GET', 'm'), 'v');
      t.ok(((await c.call('TTL', 'm')) as number) > 90);
      await c.call('SET', 'x', '1');
      await c.call('SELECT', '0');
      await c.call('SET', 'm', 'other');
      await c.call('SELECT', '1');
      t.equal(await c.call('MOVE', 'm', '0'), 0, 'destination exists');
      await c.call('SELECT', '0');
      // SWAPDB moves every shard's data.
      const many = Array.from({ length: 30 }, (_, i) => `sw${i}`);
      await c.call('MSET', ...many.flatMap((k) => [k, k]));
      t.equal(await c.call('DBSIZE'), 31);
      t.equal(await c.call('SWAPDB', '0', '1'), 'OK');
      t.equal(await c.call('DBSIZE'), 2);
      await c.call('SELECT', '1');
      t.equal(await c.call('DBSIZE'), 31);
      t.equal(await c.call('GET', 'sw7'), 'sw7');
      await c.call('SELECT', '0');
      t.same(await c.call('SWAPDB', 'x', '1'), { error: 'ERR invalid first DB index' });
      t.same(await c.call('SWAPDB', '0', 'x'), { error: 'ERR invalid second DB index' });
      t.same(await c.call('SWAPDB', '0', '16'), { error: 'ERR DB index is out of range' });
      t.equal(await c.call('SWAPDB', '0', '0'), 'OK');
    });

    t.test('OBJECT and MEMORY USAGE', async (t) => {
      await c.call('FLUSHALL');
      await c.call('SET', 'i', '123');
      await c.call('SET', 'big', '12345678901');
      await c.call('SET', 'e', 'short');
      await c.call('SET', 'r', 'x'.repeat(45));
      t.equal(await c.call('OBJECT', 'ENCODING', 'i'), 'int');
      t.equal(await c.call('OBJECT', 'encoding', 'e'), 'embstr');
      t.equal(await c.call('OBJECT', 'ENCODING', 'r'), 'raw');
      t.equal(await c.call('OBJECT', 'ENCODING', 'missing'), null);
      t.equal(await c.call('OBJECT', 'REFCOUNT', 'i'), 2147483647);
      t.equal(await c.call('OBJECT', 'REFCOUNT', 'big'), 1);
      t.equal(await c.call('OBJECT', 'IDLETIME', 'i'), 0);
      t.match(await c.call('OBJECT', 'FREQ', 'i'), { error: /^ERR An LFU maxmemory policy is not selected/ });
      t.ok(Array.isArray(await c.call('OBJECT', 'HELP')));
      t.same(await c.call('OBJECT', 'foo'), { error: "ERR unknown subcommand 'foo'. Try OBJECT HELP." });
      t.same(await c.call('OBJECT'), { error: "ERR wrong number of arguments for 'object' command" });
      t.same(await c.call('OBJECT', 'ENCODING'), { error: "ERR wrong number of arguments for 'object|encoding' command" });
      t.equal(await c.call('MEMORY', 'USAGE', 'i'), 48);
      t.equal(await c.call('MEMORY', 'USAGE', 'e'), 64);
      t.equal(await c.call('MEMORY', 'USAGE', 'r'), 112);
      t.equal(await c.call('MEMORY', 'USAGE', 'r', 'SAMPLES', '0'), 112);
      t.equal(await c.call('MEMORY', 'USAGE', 'missing'), null);
      t.same(await c.call('MEMORY', 'USAGE', 'i', 'SAMPLES'), { error: 'ERR syntax error' });
      t.same(await c.call('MEMORY', 'USAGE', 'i', 'SAMPLES', 'x'), { error: 'ERR value is not an integer or out of range' });
    });
  });
}
