/**
 * The set family over TCP with every worker count: writes and reads and their
 * error texts, intset/hashtable encodings and numeric reply order, SPOP and
 * SRANDMEMBER shapes (membership, distinctness, repeats, whole-set answers,
 * rough uniformity), SSCAN's guarantee on a hashtable while it changes,
 * binary members through ioredis, multi-key commands whose keys live on
 * different shards (destination on a third shard), sets moving between shards
 * with contents and encoding intact, and redis-benchmark's SADD/SPOP.
 */
import t from 'tap';
import { startShardis, WORKER_MATRIX, ANY_WORKERS, noRedisBenchmark, runRedisBenchmark } from './helpers/servers';
import { connectIoredis } from './helpers/ioredis';
import { type Reply, connectResp } from './helpers/resp-client';
import { shardOf, keysOnDifferentShards } from './helpers/shards';
import { err } from './helpers/util';

const WRONGTYPE = err('WRONGTYPE Operation against a key holding the wrong kind of value');

const sorted = (r: Reply): string[] => [...(r as string[])].sort();
const ints = (from: number, n: number): string[] => Array.from({ length: n }, (_, i) => String(from + i));

for (const workers of WORKER_MATRIX) {
  t.test(`sets with --workers ${workers}`, async (t) => {
    const srv = await startShardis(t, { workers });
    const c = await connectResp(t, srv.port);

    t.test('writes, reads and errors', async (t) => {
      t.equal(await c.call('SADD', 's', 'a', 'b', 'a', ''), 3, 'a member repeated in one SADD counts once');
      t.equal(await c.call('SADD', 's', 'b', 'c'), 1);
      t.equal(await c.call('SCARD', 's'), 4);
      t.equal(await c.call('SCARD', 'nokey'), 0);
      t.equal(await c.call('SISMEMBER', 's', ''), 1, 'the empty member');
      t.equal(await c.call('SISMEMBER', 's', 'z'), 0);
      t.equal(await c.call('SISMEMBER', 'nokey', 'a'), 0);
      t.same(await c.call('SMISMEMBER', 's', 'a', 'z', 'c'), [1, 0, 1]);
      t.same(await c.call('SMISMEMBER', 'nokey', 'a', 'b'), [0, 0]);
      t.same(sorted(await c.call('SMEMBERS', 's')), ['', 'a', 'b', 'c']);
      t.same(await c.call('SMEMBERS', 'nokey'), []);
      t.equal(await c.call('SREM', 's', 'a', 'z', 'a'), 1);
      t.equal(await c.call('SREM', 'nokey', 'a'), 0);
      t.equal(await c.call('SREM', 's', 'b', 'c', ''), 3);
      t.equal(await c.call('EXISTS', 's'), 0, 'the last SREM deletes the key');
      t.equal(await c.call('SET', 'str', 'x'), 'OK');
      for (const cmd of [['SADD', 'str', 'a'], ['SREM', 'str', 'a'], ['SCARD', 'str'], ['SISMEMBER', 'str', 'a'], ['SMISMEMBER', 'str', 'a'],
        ['SMEMBERS', 'str'], ['SRANDMEMBER', 'str'], ['SRANDMEMBER', 'str', '2'], ['SPOP', 'str'], ['SPOP', 'str', '2'], ['SINTER', 'nokey', 'str'],
        ['SUNION', 'str'], ['SDIFF', 'nokey', 'str'], ['SINTERCARD', '2', 'nokey', 'str'], ['SSCAN', 'str', '0'], ['SINTERSTORE', 'd', 'nokey', 'str']]) {
        t.same(await c.call(...cmd), WRONGTYPE, `${cmd.join(' ')}: WRONGTYPE (every source key is checked, even after a missing one)`);
      }
      t.same(await c.call('SADD', 's'), err("ERR wrong number of arguments for 'sadd' command"));
      t.same(await c.call('SPOP', 's', '1', '2'), err('ERR syntax error'));
      t.same(await c.call('SPOP', 's', '-1'), err('ERR value is out of range, must be positive'));
      t.same(await c.call('SPOP', 's', 'x'), err('ERR value is out of range, must be positive'));
      t.same(await c.call('SRANDMEMBER', 's', 'x'), err('ERR value is not an integer or out of range'));
      t.same(await c.call('SRANDMEMBER', 's', '-9223372036854775808'), err('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807'));
      t.same(await c.call('SINTERCARD', '0', 's'), err('ERR numkeys should be greater than 0'));
      t.same(await c.call('SINTERCARD', '3', 's'), err("ERR Number of keys can't be greater than number of args"));
      t.same(await c.call('SINTERCARD', '1', 's', 'LIMIT', '-1'), err("ERR LIMIT can't be negative"));
      t.same(await c.call('SSCAN', 's', 'x'), err('ERR invalid cursor'));
      t.same(await c.call('SSCAN', 'nokey', '0', 'COUNT', '0'), ['0', []], 'a missing key answers before the options are parsed');
    });

    t.test('encodings and intset order', async (t) => {
      await c.call('DEL', 'i');
      t.equal(await c.call('SADD', 'i', '10', '-3', '9223372036854775807', '-9223372036854775808', '2'), 5);
      t.equal(await c.call('OBJECT', 'ENCODING', 'i'), 'intset');
      const order = ['-9223372036854775808', '-3', '2', '10', '9223372036854775807'];
      t.same(await c.call('SMEMBERS', 'i'), order, 'an intset answers in numeric order');
      t.same(await c.call('SSCAN', 'i', '0', 'COUNT', '1'), ['0', order], 'an intset is scanned in one step');
      t.same(await c.call('SRANDMEMBER', 'i', '10'), order);
      for (const m of ['01', '-0', '+1', '9223372036854775808', ' 1', '1.0']) {
        await c.call('DEL', 'n');
        await c.call('SADD', 'n', '1', m);
        t.equal(await c.call('OBJECT', 'ENCODING', 'n'), 'hashtable', `${JSON.stringify(m)} is not a canonical integer`);
      }
      await c.call('DEL', 'big');
      await c.call('SADD', 'big', ...ints(0, 512));
      t.equal(await c.call('OBJECT', 'ENCODING', 'big'), 'intset', '512 integers still fit an intset');
      await c.call('SADD', 'big', '512');
      t.equal(await c.call('OBJECT', 'ENCODING', 'big'), 'hashtable', 'the 513th converts it');
      await c.call('SREM', 'big', '512', '0');
      t.equal(await c.call('OBJECT', 'ENCODING', 'big'), 'hashtable', 'never converted back by SREM');
      t.equal(await c.call('SINTERSTORE', 'big2', 'big', 'big'), 511);
      t.equal(await c.call('OBJECT', 'ENCODING', 'big2'), 'intset', 'a stored result is built afresh');
      // SPOP keeping only a few members rebuilds the set: integers only -> intset again.
      await c.call('SADD', 'big', ...ints(1000, 100));
      t.equal((await c.call('SPOP', 'big', '511') as string[]).length, 511);
      t.equal(await c.call('SCARD', 'big'), 100);
      t.equal(await c.call('OBJECT', 'ENCODING', 'big'), 'intset');
      t.equal(await c.call('TYPE', 'big'), 'set');
    });

    t.test('SPOP and SRANDMEMBER', async (t) => {
      await c.call('DEL', 'r');
      const all = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
      await c.call('SADD', 'r', ...all);
      const three = (await c.call('SRANDMEMBER', 'r', '3')) as string[];
      t.equal(new Set(three).size, 3, 'a positive count gives distinct members');
      t.ok(three.every((m) => all.includes(m)));
      const eight = (await c.call('SRANDMEMBER', 'r', '8')) as string[];
      t.equal(new Set(eight).size, 8, 'distinct also when most of the set is wanted');
      const many = (await c.call('SRANDMEMBER', 'r', '-50')) as string[];
      t.equal(many.length, 50, 'a negative count gives exactly that many, with repeats');
      t.ok(many.every((m) => all.includes(m)));
      t.same(sorted(await c.call('SRANDMEMBER', 'r', '100')), all, 'count >= size gives the whole set');
      t.same(await c.call('SRANDMEMBER', 'r', '0'), []);
      t.same(await c.call('SRANDMEMBER', 'nokey', '5'), []);
      t.equal(await c.call('SRANDMEMBER', 'nokey'), null);
      // Rough uniformity: every member turns up often among 2000 picks.
      const counts = new Map<string, number>();
      for (const m of (await c.call('SRANDMEMBER', 'r', '-2000')) as string[]) counts.set(m, (counts.get(m) ?? 0) + 1);
      t.ok(all.every((m) => (counts.get(m) ?? 0) > 100), `picks spread over the set: ${JSON.stringify([...counts])}`);
      const singles = new Set<string>();
      for (let i = 0; i < 200; i++) singles.add((await c.call('SRANDMEMBER', 'r')) as string);
      t.ok(singles.size >= 8, 'single picks vary');
      t.same(await c.call('SRANDMEMBER', 'r', '-100000000'), err('ERR the reply would be too large (SRANDMEMBER count)'), 'an absurd count is refused, not streamed');

      const popped = (await c.call('SPOP', 'r', '4')) as string[];
      t.equal(new Set(popped).size, 4);
      t.equal(await c.call('SCARD', 'r'), 6);
      t.same(await c.call('SMISMEMBER', 'r', ...popped), [0, 0, 0, 0], 'popped members are gone');
      const one = (await c.call('SPOP', 'r')) as string;
      t.ok(all.includes(one) && !popped.includes(one));
      const rest = (await c.call('SPOP', 'r', '100')) as string[];
      t.same([...rest, one, ...popped].sort(), all, 'every member came out exactly once');
      t.equal(await c.call('EXISTS', 'r'), 0, 'popping everything deletes the key');
      t.equal(await c.call('SPOP', 'r'), null);
      t.same(await c.call('SPOP', 'r', '3'), []);
      await c.call('SADD', 'r', 'x');
      t.same(await c.call('SPOP', 'r', '0'), []);
      t.equal(await c.call('SCARD', 'r'), 1, 'SPOP 0 removes nothing');
    });

    t.test('SSCAN returns every member present for the whole scan while the set changes', async (t) => {
      await c.call('DEL', 'sc');
      const stable = Array.from({ length: 1500 }, (_, i) => `m${i}`);
      for (let i = 0; i < stable.length; i += 300) await c.call('SADD', 'sc', ...stable.slice(i, i + 300));
      const seen = new Set<string>();
      let cursor = '0';
      let steps = 0;
      let extra = 0;
      do {
        const [next, members] = (await c.call('SSCAN', 'sc', cursor, 'COUNT', '25')) as [string, string[]];
        for (const m of members) seen.add(m);
        cursor = next;
        steps++;
        // Churn between steps: add new members and remove some of them again.
        await c.call('SADD', 'sc', `tmp${extra}`, `tmp${extra + 1}`, `tmp${extra + 2}`);
        await c.call('SREM', 'sc', `tmp${extra}`, `tmp${extra - 2}`);
        extra += 3;
      } while (cursor !== '0' && steps < 10000);
      t.equal(cursor, '0', 'the scan ends');
      t.ok(steps > 20, `it took several steps (${steps})`);
      t.same(stable.filter((m) => !seen.has(m)), [], 'no stable member was missed');
      const matched = (await c.call('SSCAN', 'sc', '0', 'MATCH', 'm1?', 'COUNT', '100000')) as [string, string[]];
      t.same(sorted(matched[1]), ['m10', 'm11', 'm12', 'm13', 'm14', 'm15', 'm16', 'm17', 'm18', 'm19']);
      t.same(await c.call('SSCAN', 'sc', '0', 'TYPE', 'set'), err('ERR syntax error'));
    });

    t.test('algebra', async (t) => {
      await c.call('DEL', '{a}1', '{a}2', '{a}3', '{a}d');
      await c.call('SADD', '{a}1', 'a', 'b', 'c', '1', '2');
      await c.call('SADD', '{a}2', 'b', 'c', 'd', '2');
      await c.call('SADD', '{a}3', 'c', '2', 'z');
      t.same(sorted(await c.call('SINTER', '{a}1', '{a}2', '{a}3')), ['2', 'c']);
      t.same(await c.call('SINTER', '{a}1', '{a}nokey'), []);
      t.same(sorted(await c.call('SUNION', '{a}1', '{a}nokey', '{a}3')), ['1', '2', 'a', 'b', 'c', 'z']);
      t.same(sorted(await c.call('SDIFF', '{a}1', '{a}2', '{a}3')), ['1', 'a']);
      t.same(await c.call('SDIFF', '{a}1', '{a}1'), []);
      t.equal(await c.call('SINTERCARD', '2', '{a}1', '{a}2'), 3);
      t.equal(await c.call('SINTERCARD', '2', '{a}1', '{a}2', 'LIMIT', '2'), 2);
      t.equal(await c.call('SINTERCARD', '2', '{a}1', '{a}2', 'LIMIT', '0'), 3, 'LIMIT 0 means no limit');
      await c.call('SET', '{a}d', 'old', 'EX', '1000');
      t.equal(await c.call('SUNIONSTORE', '{a}d', '{a}1', '{a}2'), 6);
      t.equal(await c.call('TTL', '{a}d'), -1, 'a *STORE replaces the destination and its TTL');
      t.equal(await c.call('SINTERSTORE', '{a}d', '{a}1', '{a}nokey'), 0);
      t.equal(await c.call('EXISTS', '{a}d'), 0, 'an empty result deletes the destination');
      t.equal(await c.call('SDIFFSTORE', '{a}1', '{a}1', '{a}3'), 3, 'the destination may be a source');
      t.same(sorted(await c.call('SMEMBERS', '{a}1')), ['1', 'a', 'b']);
      t.equal(await c.call('SMOVE', '{a}1', '{a}2', 'a'), 1);
      t.equal(await c.call('SMOVE', '{a}1', '{a}2', 'a'), 0);
      t.equal(await c.call('SMOVE', '{a}1', '{a}1', 'b'), 1, 'same source and destination: membership');
      t.equal(await c.call('SMOVE', '{a}nokey', '{a}str', 'b'), 0);
      await c.call('SET', '{a}str', 'x');
      t.same(await c.call('SMOVE', '{a}1', '{a}str', 'zz'), WRONGTYPE, 'the destination type is checked before membership');
      t.equal(await c.call('SMOVE', '{a}1', '{a}new', '1'), 1);
      t.equal(await c.call('OBJECT', 'ENCODING', '{a}new'), 'intset');
    });

    if (workers > 1) {
      t.test('keys on different shards', async (t) => {
        const [a, b, d, e] = keysOnDifferentShards('x', 4, workers);
        t.not(shardOf(a, workers), shardOf(b, workers));
        // A third shard for the destination when there is one.
        if (workers >= 3) {
          t.not(shardOf(d, workers), shardOf(a, workers));
          t.not(shardOf(d, workers), shardOf(b, workers));
        }
        await c.call('DEL', a, b, d, e);
        await c.call('SADD', a, ...ints(0, 20), 'w');
        await c.call('SADD', b, ...ints(10, 20));
        t.same(sorted(await c.call('SINTER', a, b)), ints(10, 10).sort());
        t.equal(await c.call('SINTERCARD', '2', a, b, 'LIMIT', '4'), 4);
        t.equal(await c.call('SINTERSTORE', d, a, b), 10, workers >= 3 ? 'destination on a third shard' : 'destination on a source\'s shard');
        t.equal(await c.call('OBJECT', 'ENCODING', d), 'intset');
        t.same(await c.call('SMEMBERS', d), ints(10, 10));
        t.equal(await c.call('SUNIONSTORE', d, a, b), 31);
        t.equal(await c.call('OBJECT', 'ENCODING', d), 'hashtable');
        t.equal(await c.call('SDIFFSTORE', d, a, b), 11);
        t.same(sorted(await c.call('SMEMBERS', d)), [...ints(0, 10), 'w'].sort());
        await c.call('EXPIRE', a, '1000');
        t.equal(await c.call('SMOVE', a, e, 'w'), 1);
        t.equal(await c.call('OBJECT', 'ENCODING', e), 'hashtable', 'a new destination takes the moved member\'s encoding');
        t.ok(((await c.call('TTL', a)) as number) > 0, 'the source keeps its TTL');
        t.equal(await c.call('SMOVE', a, e, '0'), 1);
        t.same(sorted(await c.call('SMEMBERS', e)), ['0', 'w']);
        t.equal(await c.call('SINTERSTORE', d, a, 'nokey-elsewhere'), 0);
        t.equal(await c.call('EXISTS', d), 0);
        await c.call('SET', e, 'str');
        t.same(await c.call('SUNION', a, e), WRONGTYPE);
        t.same(await c.call('SMOVE', a, e, '1'), WRONGTYPE);
        t.equal(await c.call('SCARD', a), 19, 'nothing moved');
        // A hashtable of integers stays a hashtable when it moves (serialize keeps the encoding).
        await c.call('DEL', b);
        await c.call('SADD', b, ...ints(0, 600));
        await c.call('SPOP', b, '10');
        t.equal(await c.call('RENAME', b, d), 'OK');
        t.equal(await c.call('OBJECT', 'ENCODING', d), 'hashtable');
        t.equal(await c.call('SCARD', d), 590);
        t.equal(await c.call('COPY', a, b), 1);
        t.equal(await c.call('OBJECT', 'ENCODING', b), 'hashtable', 'an all-integer set that once held "w" stays a hashtable, also when copied');
        t.same(sorted(await c.call('SMEMBERS', b)), sorted(await c.call('SMEMBERS', a)));
        await c.call('DEL', e);
        await c.call('SADD', e, '5', '-3', '1');
        t.equal(await c.call('COPY', e, b, 'REPLACE'), 1);
        t.equal(await c.call('OBJECT', 'ENCODING', b), 'intset');
        t.same(await c.call('SMEMBERS', b), ['-3', '1', '5'], 'the copy answers in numeric order');
      });
    }

    t.test('binary members through ioredis', async (t) => {
      const io = await connectIoredis(t, srv.port);
      const bin = [Buffer.from([0, 255, 13, 10]), Buffer.from([0]), Buffer.from('\r\n'), Buffer.alloc(0), Buffer.from([200, 201])];
      await io.del('bin');
      t.equal(await io.sadd('bin', ...bin), 5);
      const back = await io.smembersBuffer('bin');
      t.same(back.map((b) => b.toString('hex')).sort(), bin.map((b) => b.toString('hex')).sort());
      t.equal(await io.sismember('bin', Buffer.from([0, 255, 13, 10])), 1);
      t.same(await io.smismember('bin', Buffer.from([0]), Buffer.from([1])), [1, 0]);
      const scanned: string[] = [];
      await new Promise<void>((resolve, reject) => {
        const s = io.sscanBufferStream('bin', { count: 2 });
        s.on('data', (chunk: Buffer[]) => chunk.forEach((b) => scanned.push(b.toString('hex'))));
        s.on('end', () => resolve());
        s.on('error', reject);
      });
      t.same(scanned.sort(), bin.map((b) => b.toString('hex')).sort());
      t.equal(await io.srem('bin', Buffer.alloc(0)), 1);
      t.equal(await io.scard('bin'), 4);
    });
  });
}

t.test('redis-benchmark -t sadd,spop -P 16 ', { skip: noRedisBenchmark }, async (t) => {
  const srv = await startShardis(t, { workers: ANY_WORKERS });
  const r = runRedisBenchmark(srv.port, ['-t', 'sadd,spop', '-P', '16', '-n', '100000'], 60_000);
  t.equal(r.status, 0, `redis-benchmark exited 0 (stderr: ${r.stderr.slice(0, 500)})`);
  t.notMatch(r.output, /error|ERR/i, 'no error replies reported');
  t.ok(r.rates.some((x) => x.test === 'SADD'), 'SADD ran');
  t.ok(r.rates.some((x) => x.test === 'SPOP'), 'SPOP ran');
  const c = await connectResp(t, srv.port);
  // Without -r, every SADD adds the same literal member to myset; the SPOP run then popped it and deleted the key.
  t.equal(await c.call('EXISTS', 'myset'), 0, 'SPOP emptied and removed the set SADD built');
});
