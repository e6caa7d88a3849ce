/**
 * The sorted set family over TCP with every worker count: replies and error
 * texts, score formatting (%.17g, -0, inf), encodings and their conversions, order
 * statistics on a large set checked against a model, ZSCAN's guarantee while
 * the set changes, multi-key commands with keys on different shards, zsets
 * moving between shards (RENAME/COPY) intact, RESP3 reply shapes (compared
 * byte for byte with redis-server when it is installed), and ioredis.
 */
import t from 'tap';
import net from 'node:net';
import { startRedis, startShardis, noRedisServer, WORKER_MATRIX } from './helpers/servers';
import { connectIoredis } from './helpers/ioredis';
import { RespClient, encodeCommand, connectResp } from './helpers/resp-client';
import { rng } from './helpers/differential';
import { keysOnDifferentShards } from './helpers/shards';
import { err, sleep } from './helpers/util';

const WRONGTYPE = err('WRONGTYPE Operation against a key holding the wrong kind of value');

/** Fills `key` with members m0.. (scores from `score`) in pipelined batches. */
async function fill(c: RespClient, key: string, n: number, score: (i: number) => number | string): Promise<void> {
  const cmds: string[][] = [];
  for (let i = 0; i < n; i += 200) {
    const args = ['ZADD', key];
    for (let j = i; j < Math.min(n, i + 200); j++) args.push(String(score(j)), `m${j}`);
    cmds.push(args);
  }
  await c.pipeline(cmds);
}

/** A raw RESP3 session: each command's reply bytes, exactly as sent; null if the server refuses HELLO 3. */
async function resp3Exchange(port: number, cmds: string[][]): Promise<string[] | null> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  let buf = '';
  sock.on('data', (d: Buffer) => (buf += d.toString('latin1')));
  // Each command is followed by PING; its +PONG marks where the reply ends.
  const until = async (): Promise<string> => {
    const deadline = Date.now() + 5000;
    while (!buf.endsWith('+PONG\r\n')) {
      if (Date.now() > deadline) throw new Error(`no reply, got ${JSON.stringify(buf)}`);
      await sleep(5);
    }
    const out = buf.slice(0, -'+PONG\r\n'.length);
    buf = '';
    return out;
  };
  try {
    sock.write(Buffer.concat([encodeCommand(['HELLO', '3']), encodeCommand(['PING'])]));
    if ((await until()).startsWith('-NOPROTO')) return null;
    const out: string[] = [];
    for (const cmd of cmds) {
      sock.write(Buffer.concat([encodeCommand(cmd), encodeCommand(['PING'])]));
      out.push(await until());
    }
    return out;
  } finally {
    sock.destroy();
  }
}

const RESP3_SCRIPT: string[][] = [
  ['ZADD', 'r3', '1', 'a', '2.5', 'b', '-0', 'c', 'inf', 'd'],
  ['ZRANGE', 'r3', '0', '-1', 'WITHSCORES'],
  ['ZRANGE', 'r3', '0', '-1'],
  ['ZSCORE', 'r3', 'b'],
  ['ZSCORE', 'r3', 'nope'],
  ['ZMSCORE', 'r3', 'a', 'nope'],
  ['ZPOPMIN', 'r3'],
  ['ZPOPMAX', 'r3', '1'],
  ['ZADD', 'r3', '3', 'c', '4', 'd'],
  ['ZRANDMEMBER', 'r3', '10', 'WITHSCORES'],
  ['ZUNION', '1', 'r3', 'WITHSCORES'],
  ['ZINCRBY', 'r3', '0.1', 'a'],
  ['ZMPOP', '1', 'r3', 'MIN', 'COUNT', '2'],
  ['ZMPOP', '1', 'nokey', 'MIN'],
  ['ZRANK', 'r3', 'nope'],
  ['ZSCAN', 'r3', '0'],
  ['ZRANGEBYSCORE', 'r3', '-inf', '+inf', 'WITHSCORES'],
  ['ZRANDMEMBER', 'nokey'],
];

for (const workers of WORKER_MATRIX) {
  t.test(`sorted sets with --workers ${workers}`, async (t) => {
    const srv = await startShardis(t, { workers });
    const c = await connectResp(t, srv.port);
    const n = Math.max(1, workers);

    t.test('replies, score formatting and errors', async (t) => {
      await c.call('FLUSHALL');
      t.equal(await c.call('ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'), 3);
      t.equal(await c.call('ZADD', 'z', '0.1', 'd', '1e21', 'e', '1.5e-7', 'f', '-inf', 'g', '+inf', 'h'), 5);
      t.same(await c.call('ZRANGE', 'z', '0', '-1', 'WITHSCORES'), [
        'g', '-inf', 'f', '1.4999999999999999e-07', 'd', '0.10000000000000001', 'a', '1', 'b', '2', 'c', '3', 'e', '1e+21', 'h', 'inf',
      ]);
      t.equal(await c.call('ZINCRBY', 'z', '0.2', 'd'), '0.30000000000000004');
      t.equal(await c.call('ZADD', 'z', 'XX', 'CH', 'GT', '5', 'a', '0', 'b', '9', 'nope'), 1);
      t.equal(await c.call('ZADD', 'z', 'NX', 'INCR', '1', 'a'), null);
      t.equal(await c.call('ZADD', 'z', 'LT', 'INCR', '-1', 'a'), '4');
      t.same(await c.call('ZMSCORE', 'z', 'a', 'nope', 'c'), ['4', null, '3']);
      t.equal(await c.call('ZCARD', 'z'), 8);
      t.equal(await c.call('ZCOUNT', 'z', '(1', '+inf'), 5);
      t.same(await c.call('ZRANGE', 'z', '+inf', '(1', 'BYSCORE', 'REV', 'LIMIT', '1', '2'), ['e', 'a']);
      t.same(await c.call('ZRANGEBYSCORE', 'z', '(2', '3', 'WITHSCORES'), ['c', '3']);
      t.same(await c.call('ZREVRANGE', 'z', '0', '1'), ['h', 'e']);
      // WITHSCORE is Redis 7.2's: in 7.0 ZRANK's arity is exactly 3.
      t.equal(await c.call('ZRANK', 'z', 'c'), 4);
      t.same(await c.call('ZRANK', 'z', 'c', 'WITHSCORE'), err("ERR wrong number of arguments for 'zrank' command"));
      t.same(await c.call('ZREVRANK', 'z', 'c', 'x'), err("ERR wrong number of arguments for 'zrevrank' command"));
      // Errors and their texts.
      t.same(await c.call('ZADD', 'z', 'NX', 'XX', '1', 'a'), err('ERR XX and NX options at the same time are not compatible'));
      t.same(await c.call('ZADD', 'z', 'GT', 'LT', '1', 'a'), err('ERR GT, LT, and/or NX options at the same time are not compatible'));
      t.same(await c.call('ZADD', 'z', 'INCR', '1', 'a', '2', 'b'), err('ERR INCR option supports a single increment-element pair'));
      t.same(await c.call('ZADD', 'z', 'nan', 'a'), err('ERR value is not a valid float'));
      t.same(await c.call('ZADD', 'z', '1', 'a', '2'), err('ERR syntax error'));
      t.equal(await c.call('ZADD', 'inf', 'inf', 'x'), 1);
      t.same(await c.call('ZINCRBY', 'inf', '-inf', 'x'), err('ERR resulting score is not a number (NaN)'));
      t.same(await c.call('ZCOUNT', 'z', 'x', '1'), err('ERR min or max is not a float'));
      t.same(await c.call('ZLEXCOUNT', 'z', 'a', '+'), err('ERR min or max not valid string range item'));
      t.same(await c.call('ZRANGE', 'z', '0', '1', 'LIMIT', '0', '1'), err('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX'));
      t.same(await c.call('ZRANGE', 'z', '-', '+', 'BYLEX', 'WITHSCORES'), err('ERR syntax error, WITHSCORES not supported in combination with BYLEX'));
      t.same(await c.call('ZUNIONSTORE', 'd', '0', 'z'), err("ERR at least 1 input key is needed for 'zunionstore' command"));
      t.same(await c.call('ZMPOP', '0', 'z', 'MIN'), err('ERR numkeys should be greater than 0'));
      t.same(await c.call('ZMPOP', '1', 'z', 'MIN', 'COUNT', '0'), err('ERR count should be greater than 0'));
      t.same(await c.call('ZINTERCARD', '1', 'z', 'LIMIT', '-1'), err("ERR LIMIT can't be negative"));
      t.same(await c.call('ZPOPMIN', 'z', '-1'), err('ERR value is out of range, must be positive'));
      t.same(await c.call('ZUNION', '1', 'z', 'WEIGHTS', 'x'), err('ERR weight value is not a float'));
      await c.call('SET', 'str', 'x');
      for (const cmd of [['ZADD', 'str', '1', 'a'], ['ZRANGE', 'str', '0', '-1'], ['ZSCORE', 'str', 'a'], ['ZUNION', '2', 'z', 'str'], ['ZPOPMIN', 'str', '0']]) {
        t.same(await c.call(...cmd), WRONGTYPE, cmd.join(' '));
      }
      // Lex ranges on equal scores; binary members order by bytes.
      await c.call('ZADD', 'lex', '0', 'b', '0', 'a', '0', '\xff', '0', '\x00', '0', 'ab', '0', '');
      t.same(await c.call('ZRANGE', 'lex', '-', '+', 'BYLEX'), ['', '\x00', 'a', 'ab', 'b', '\xff']);
      t.same(await c.call('ZRANGEBYLEX', 'lex', '(a', '[b'), ['ab', 'b']);
      t.same(await c.call('ZREVRANGEBYLEX', 'lex', '+', '(a', 'LIMIT', '1', '2'), ['b', 'ab']);
      t.equal(await c.call('ZLEXCOUNT', 'lex', '[\x00', '(ab'), 2);
      t.equal(await c.call('ZREMRANGEBYLEX', 'lex', '-', '[a'), 3);
      t.equal(await c.call('ZREMRANGEBYRANK', 'lex', '-1', '-1'), 1);
      t.equal(await c.call('ZREMRANGEBYSCORE', 'lex', '-inf', '+inf'), 2);
      t.equal(await c.call('EXISTS', 'lex'), 0, 'an emptied set is deleted');
      // Pops.
      t.same(await c.call('ZPOPMIN', 'z'), ['g', '-inf']);
      t.same(await c.call('ZPOPMAX', 'z', '2'), ['h', 'inf', 'e', '1e+21']);
      t.same(await c.call('ZMPOP', '2', 'nokey', 'z', 'MAX', 'COUNT', '2'), ['z', [['a', '4'], ['c', '3']]]);
      t.equal(await c.call('ZMPOP', '1', 'nokey', 'MIN'), null);
      t.same(await c.call('ZRANDMEMBER', 'z', '-5').then((r) => (r as string[]).length), 5);
    });

    t.test('-0, encodings and conversions', async (t) => {
      await c.call('FLUSHALL');
      // A listpack stores -0 as 0; a skiplist keeps it.
      await c.call('ZADD', 'lp', '-0', 'a');
      t.equal(await c.call('ZSCORE', 'lp', 'a'), '0');
      t.equal(await c.call('ZINCRBY', 'new', '-0', 'a'), '-0', 'the reply is the computed score');
      await fill(c, 'sk', 129, (i) => i);
      t.equal(await c.call('OBJECT', 'ENCODING', 'sk'), 'skiplist');
      await fill(c, 'lp128', 128, (i) => i);
      t.equal(await c.call('OBJECT', 'ENCODING', 'lp128'), 'listpack');
      await c.call('ZADD', 'sk', '-0', 'neg');
      t.equal(await c.call('ZSCORE', 'sk', 'neg'), '-0');
      await c.call('ZADD', 'long', '1', 'x'.repeat(64));
      t.equal(await c.call('OBJECT', 'ENCODING', 'long'), 'listpack');
      await c.call('ZADD', 'long', '2', 'y'.repeat(65));
      t.equal(await c.call('OBJECT', 'ENCODING', 'long'), 'skiplist');
      await c.call('ZREM', 'long', 'y'.repeat(65));
      t.equal(await c.call('OBJECT', 'ENCODING', 'long'), 'skiplist', 'no conversion back on removal');
      // Store commands choose the encoding from the result.
      t.equal(await c.call('ZRANGESTORE', 'small', 'sk', '0', '9'), 10);
      t.equal(await c.call('OBJECT', 'ENCODING', 'small'), 'listpack');
      t.equal(await c.call('ZUNIONSTORE', 'u', '1', 'sk', 'WEIGHTS', '-1'), 130);
      t.equal(await c.call('OBJECT', 'ENCODING', 'u'), 'skiplist');
      t.equal(await c.call('ZSCORE', 'u', 'm0'), '-0', 'a skiplist result keeps -0');
      t.equal(await c.call('ZINTERSTORE', 'i', '2', 'sk', 'small', 'WEIGHTS', '-1', '0'), 10);
      t.equal(await c.call('OBJECT', 'ENCODING', 'i'), 'listpack');
      t.equal(await c.call('ZSCORE', 'i', 'm0'), '0', 'a listpack result shows 0');
      await c.call('SET', 'd', 'x');
      await c.call('EXPIRE', 'd', '100');
      t.equal(await c.call('ZDIFFSTORE', 'd', '1', 'small'), 10);
      t.equal(await c.call('TTL', 'd'), -1, 'a store replaces the value and its TTL');
      t.equal(await c.call('ZRANGESTORE', 'd', 'small', '50', '60'), 0);
      t.equal(await c.call('EXISTS', 'd'), 0, 'an empty result deletes the destination');
      t.same(await c.call('ZSCAN', 'small', '0', 'MATCH', 'm[12]'), ['0', ['m1', '1', 'm2', '2']]);
    });

    t.test('order statistics on a large set match a model', async (t) => {
      await c.call('DEL', 'big');
      const r = rng(5 + workers);
      const N = 12000;
      const scores = Array.from({ length: N }, () => Math.floor(r() * 500));
      await fill(c, 'big', N, (i) => scores[i]);
      const model = scores.map((s, i) => ({ m: `m${i}`, s })).sort((a, b) => a.s - b.s || (a.m < b.m ? -1 : a.m > b.m ? 1 : 0));
      t.equal(await c.call('ZCARD', 'big'), N);
      const probes = Array.from({ length: 200 }, () => Math.floor(r() * N));
      const ranks = await c.pipeline(probes.map((p) => ['ZRANK', 'big', model[p].m]));
      t.same(ranks, probes, 'ZRANK');
      const revs = await c.pipeline(probes.map((p) => ['ZREVRANK', 'big', model[p].m]));
      t.same(revs, probes.map((p) => N - 1 - p), 'ZREVRANK');
      const at = await c.pipeline(probes.map((p) => ['ZRANGE', 'big', String(p), String(p), 'WITHSCORES']));
      t.same(at, probes.map((p) => [model[p].m, String(model[p].s)]), 'ZRANGE by rank');
      const counts = await c.pipeline(probes.slice(0, 50).map((p) => ['ZCOUNT', 'big', String(p % 500), `(${(p % 500) + 37}`]));
      t.same(counts, probes.slice(0, 50).map((p) => model.filter((x) => x.s >= p % 500 && x.s < (p % 500) + 37).length), 'ZCOUNT');
      t.same(await c.call('ZRANGE', 'big', '100', '(120', 'BYSCORE', 'LIMIT', '7', '3'), model.filter((x) => x.s >= 100 && x.s < 120).slice(7, 10).map((x) => x.m));
      t.equal(await c.call('ZREMRANGEBYRANK', 'big', '1000', '2999'), 2000);
      model.splice(1000, 2000);
      const after = await c.pipeline(probes.slice(0, 50).map((p) => ['ZRANGE', 'big', String(p % model.length), String(p % model.length)]));
      t.same(after, probes.slice(0, 50).map((p) => [model[p % model.length].m]), 'ranks after a range removal');
      t.equal(await c.call('OBJECT', 'ENCODING', 'big'), 'skiplist');
    });

    t.test('ZSCAN returns every member present for the whole scan', async (t) => {
      await c.call('DEL', 'scan');
      await fill(c, 'scan', 1000, (i) => i % 10);
      const stable = new Set(Array.from({ length: 1000 }, (_, i) => `m${i}`).filter((_, i) => i % 3 !== 0));
      const seen = new Set<string>();
      let cursor = '0';
      let calls = 0;
      do {
        const [next, items] = (await c.call('ZSCAN', 'scan', cursor, 'COUNT', '37')) as [string, string[]];
        for (let i = 0; i < items.length; i += 2) seen.add(items[i]);
        cursor = next;
        calls++;
        // Churn: delete some members that are not in `stable`, add new ones.
        await c.call('ZREM', 'scan', `m${calls * 3}`, `m${calls * 3 + 300}`);
        await c.call('ZADD', 'scan', '5', `new${calls}`);
      } while (cursor !== '0' && calls < 1000);
      t.ok(calls > 5 && calls < 200, `took ${calls} calls`);
      const missing = [...stable].filter((m) => !seen.has(m));
      t.same(missing, [], 'no stable member missed');
    });

    t.test('multi-key commands with keys on different shards', async (t) => {
      await c.call('FLUSHALL');
      const [a, b, d, s] = keysOnDifferentShards('xs', 4, n);
      await c.call('ZADD', a, '1', 'x', '2', 'y', '3', 'z');
      await c.call('ZADD', b, '10', 'y', '20', 'z', '30', 'w');
      t.same(await c.call('ZUNION', '2', a, b, 'WITHSCORES'), ['x', '1', 'y', '12', 'z', '23', 'w', '30']);
      t.same(await c.call('ZINTER', '2', a, b, 'WEIGHTS', '2', '1', 'AGGREGATE', 'MIN', 'WITHSCORES'), ['y', '4', 'z', '6']);
      t.same(await c.call('ZDIFF', '2', a, b), ['x']);
      t.equal(await c.call('ZINTERCARD', '2', a, b, 'LIMIT', '1'), 1);
      t.equal(await c.call('ZUNIONSTORE', d, '2', a, b, 'AGGREGATE', 'MAX'), 4);
      t.same(await c.call('ZRANGE', d, '0', '-1', 'WITHSCORES'), ['x', '1', 'y', '10', 'z', '20', 'w', '30']);
      t.equal(await c.call('ZRANGESTORE', s, d, '(1', '25', 'BYSCORE'), 2);
      t.same(await c.call('ZRANGE', s, '0', '-1'), ['y', 'z']);
      t.same(await c.call('ZMPOP', '3', 'nokey', b, a, 'MIN', 'COUNT', '5'), [b, [['y', '10'], ['z', '20'], ['w', '30']]]);
      t.equal(await c.call('EXISTS', b), 0);
      t.same(await c.call('ZINTERSTORE', d, '2', a, b), 0);
      t.equal(await c.call('EXISTS', d), 0, 'an empty cross-shard result deletes the destination');
      await c.call('SET', b, 'str');
      t.same(await c.call('ZUNIONSTORE', d, '2', a, b), WRONGTYPE);
      // A skiplist with -0 moves between shards intact (serialize/deserialize).
      await c.call('DEL', a, b);
      await fill(c, a, 200, (i) => i / 10);
      await c.call('ZADD', a, '-0', 'neg');
      t.equal(await c.call('RENAME', a, b), 'OK');
      t.equal(await c.call('OBJECT', 'ENCODING', b), 'skiplist');
      t.equal(await c.call('ZSCORE', b, 'neg'), '-0');
      t.equal(await c.call('ZSCORE', b, 'm1'), '0.10000000000000001');
      t.equal(await c.call('ZCARD', b), 201);
      t.equal(await c.call('COPY', b, s, 'REPLACE'), 1);
      t.same(await c.call('ZRANGE', s, '0', '2', 'WITHSCORES'), ['m0', '0', 'neg', '-0', 'm1', '0.10000000000000001']);
      t.equal(await c.call('ZRANK', s, 'm199'), 200);
    });

    t.test('COMMAND GETKEYS for numkeys commands', async (t) => {
      t.same(await c.call('COMMAND', 'GETKEYS', 'ZUNIONSTORE', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2'), ['d', 'a', 'b']);
      t.same(await c.call('COMMAND', 'GETKEYS', 'ZMPOP', '2', 'a', 'b', 'MIN'), ['a', 'b']);
      t.same(await c.call('COMMAND', 'GETKEYS', 'ZINTERCARD', '1', 'a', 'LIMIT', '3'), ['a']);
      t.same(await c.call('COMMAND', 'GETKEYS', 'ZRANGESTORE', 'd', 's', '0', '1'), ['d', 's']);
    });

    t.test('through ioredis, with binary members', async (t) => {
      const io = await connectIoredis(t, srv.port);
      const bin = Buffer.from([0, 255, 13, 10]);
      t.equal(await io.zadd('io', 1.5, bin, 2, 'two'), 2);
      t.same(await io.zrangeBuffer('io', '0', '-1'), [bin, Buffer.from('two')]);
      t.equal(await io.zscore('io', bin), '1.5');
      t.same(await io.zrange('io', '0', '-1', 'WITHSCORES'), [bin.toString(), '1.5', 'two', '2']);
      t.equal(await io.zincrby('io', 0.5, 'two'), '2.5');
      t.same(await io.zpopmax('io'), ['two', '2.5']);
      t.equal(await io.zcard('io'), 1);
    });
  });
}

for (const workers of WORKER_MATRIX) {
  t.test(`RESP3 reply shapes (--workers ${workers})`, async (t) => {
    const srv = await startShardis(t, { workers });
    const got = await resp3Exchange(srv.port, RESP3_SCRIPT);
    if (got === null) {
      t.skip('the server does not speak RESP3 yet (HELLO 3 answers NOPROTO)', () => undefined);
      return;
    }
    // Fixed expectations, so the shapes are checked without the reference too.
    t.equal(got[1], '*4\r\n*2\r\n$1\r\nc\r\n,0\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n*2\r\n$1\r\nd\r\n,inf\r\n', 'WITHSCORES pairs');
    t.equal(got[4], '_\r\n', 'missing score is null');
    t.equal(got[6], '*2\r\n$1\r\nc\r\n,0\r\n', 'ZPOPMIN without count is flat');
    t.equal(got[7], '*1\r\n*2\r\n$1\r\nd\r\n,inf\r\n', 'ZPOPMAX with count is nested');
    t.equal(got[13], '_\r\n', 'ZMPOP with nothing to pop is null');
    if (noRedisServer) return;
    const redis = await startRedis(t);
    const want = (await resp3Exchange(redis.port, RESP3_SCRIPT)) as string[];
    RESP3_SCRIPT.forEach((cmd, i) => t.equal(JSON.stringify(got[i]), JSON.stringify(want[i]), `same bytes as redis-server: ${cmd.join(' ')}`));
  });
}
