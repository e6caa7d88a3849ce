/**
 * Keyspace notifications, differential: the same seeded command sequence on
 * Shardis and redis-server with notify-keyspace-events on, and a subscriber
 * on `__key*__:*` on each; the ordered message lists must be identical.
 *
 * Multi-key commands use keys with one hash tag (one shard), so event order
 * is the order of the command sequence; cross-shard coordinators are noted in
 * the report, not asserted here.
 */
import t from 'tap';
import { MULTI_SHARD_WORKERS, noMultiShard, type Teardownable } from './helpers/servers';
import { RespClient, type Reply, connectResp } from './helpers/resp-client';
import { Subscriber } from './helpers/subscriber';
import { DifferentialSuite, rng, pick, showCmd, type Cmd } from './helpers/differential';
import { sleep, waitFor } from './helpers/util';

const SINGLE = ['k0', 'k1', 'k2', 'k3', 'k:\xff\x00bin', 'k5'];
const TAGGED = ['{t}a', '{t}b', '{t}c'];

function script(seed: number, n: number): Cmd[] {
  const r = rng(seed);
  const k = (): string => pick(r, SINGLE);
  const tk = (): string => pick(r, TAGGED);
  const v = (): string => pick(r, ['v', '1', '10', '-3', '2.5', 'abc', '', '\x00\xffz', 'x'.repeat(40)]);
  const m = (): string => pick(r, ['a', 'b', 'c', 'd', '1', '2']);
  const num = (): string => pick(r, ['0', '1', '2', '-1', '-2', '5', '100', 'nope']);
  // Stream IDs: explicit and increasing, so both servers assign the same ones.
  let seq = 1;
  const id = (): string => `${seq++}-0`;
  const gens: (() => Cmd)[] = [
    // strings
    () => ['SET', k(), v()],
    () => ['SET', k(), v(), 'EX', '100'],
    () => ['SET', k(), v(), pick(r, ['NX', 'XX'])],
    () => ['SET', k(), v(), 'XX', 'GET'],
    () => ['SET', k(), v(), 'KEEPTTL'],
    () => ['SETNX', k(), v()],
    () => ['SETEX', k(), '100', v()],
    () => ['GETSET', k(), v()],
    () => ['GETDEL', k()],
    () => ['GETEX', k(), 'EX', '200'],
    () => ['GETEX', k(), 'PERSIST'],
    () => ['GETEX', k(), 'PXAT', '1'],
    () => ['APPEND', k(), v()],
    () => ['SETRANGE', k(), pick(r, ['0', '3']), pick(r, ['', 'zz'])],
    () => ['INCR', k()],
    () => ['DECRBY', k(), num()],
    () => ['INCRBY', k(), num()],
    () => ['INCRBYFLOAT', k(), pick(r, ['1.5', '-0.5', 'x'])],
    () => ['MSET', tk(), v(), tk(), v()],
    () => ['MSETNX', tk(), v(), tk(), v()],
    () => ['GET', k()],
    // keys
    () => ['DEL', k()],
    () => ['DEL', tk(), tk()],
    () => ['UNLINK', k()],
    () => ['EXPIRE', k(), pick(r, ['100', '-1', '0'])],
    () => ['PEXPIRE', k(), '100000', pick(r, ['NX', 'XX', 'GT', 'LT'])],
    () => ['PEXPIREAT', k(), '1'],
    () => ['PERSIST', k()],
    () => ['RENAME', tk(), tk()],
    () => ['RENAMENX', tk(), tk()],
    () => ['COPY', tk(), tk(), 'REPLACE'],
    () => ['MOVE', k(), '1'],
    // lists
    () => [pick(r, ['LPUSH', 'RPUSH']), k(), m(), m()],
    () => [pick(r, ['LPUSHX', 'RPUSHX']), k(), m()],
    () => [pick(r, ['LPOP', 'RPOP']), k()],
    () => [pick(r, ['LPOP', 'RPOP']), k(), pick(r, ['0', '2', '10'])],
    () => ['LSET', k(), pick(r, ['0', '-1', '9']), m()],
    () => ['LINSERT', k(), pick(r, ['BEFORE', 'AFTER']), m(), 'new'],
    () => ['LREM', k(), pick(r, ['0', '1', '-1']), m()],
    () => ['LTRIM', k(), pick(r, ['0', '1']), pick(r, ['-1', '0', '-5'])],
    () => ['LMOVE', tk(), tk(), pick(r, ['LEFT', 'RIGHT']), pick(r, ['LEFT', 'RIGHT'])],
    () => ['RPOPLPUSH', tk(), tk()],
    () => ['LMPOP', '2', tk(), tk(), pick(r, ['LEFT', 'RIGHT']), 'COUNT', '2'],
    // sets
    () => ['SADD', k(), m(), m()],
    () => ['SREM', k(), m(), m()],
    () => ['SPOP', k(), '100'],
    () => ['SMOVE', tk(), tk(), m()],
    () => [pick(r, ['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']), tk(), tk(), tk()],
    // hashes
    () => ['HSET', k(), m(), v(), m(), v()],
    () => ['HMSET', k(), m(), v()],
    () => ['HSETNX', k(), m(), v()],
    () => ['HDEL', k(), m(), m()],
    () => ['HINCRBY', k(), m(), num()],
    () => ['HINCRBYFLOAT', k(), m(), pick(r, ['1.5', 'x'])],
    // zsets
    () => ['ZADD', k(), num(), m(), num(), m()],
    () => ['ZADD', k(), pick(r, ['NX', 'XX', 'GT', 'LT', 'CH']), num(), m()],
    () => ['ZADD', k(), 'INCR', num(), m()],
    () => ['ZINCRBY', k(), num(), m()],
    () => ['ZREM', k(), m(), m()],
    () => ['ZREMRANGEBYRANK', k(), '0', pick(r, ['0', '-1'])],
    () => ['ZREMRANGEBYSCORE', k(), '-inf', pick(r, ['0', '+inf', '(1'])],
    () => ['ZREMRANGEBYLEX', k(), '-', pick(r, ['[b', '+'])],
    () => [pick(r, ['ZPOPMIN', 'ZPOPMAX']), k()],
    () => [pick(r, ['ZPOPMIN', 'ZPOPMAX']), k(), pick(r, ['0', '2'])],
    () => ['ZRANGESTORE', tk(), tk(), '0', '-1'],
    () => [pick(r, ['ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']), tk(), '2', tk(), tk()],
    () => ['ZMPOP', '2', tk(), tk(), pick(r, ['MIN', 'MAX'])],
    // streams
    () => ['XADD', k(), id(), 'f', v()],
    () => ['XADD', k(), 'MAXLEN', '2', id(), 'f', v()],
    () => ['XADD', k(), 'NOMKSTREAM', id(), 'f', v()],
    () => ['XTRIM', k(), 'MAXLEN', pick(r, ['1', '10'])],
    () => ['XDEL', k(), '1-0', `${seq - 1}-0`],
    () => ['XGROUP', 'CREATE', k(), 'g', '0', 'MKSTREAM'],
    () => ['XGROUP', pick(r, ['CREATECONSUMER', 'DELCONSUMER']), k(), 'g', 'c'],
    () => ['XGROUP', 'DESTROY', k(), 'g'],
    () => ['XGROUP', 'SETID', k(), 'g', '0'],
    () => ['XSETID', k(), `${seq + 100}-0`],
    () => ['XREADGROUP', 'GROUP', 'g', pick(r, ['c', 'd']), 'COUNT', '1', 'STREAMS', k(), '>'],
    () => ['XCLAIM', k(), 'g', pick(r, ['c', 'e']), '0', '1-0', `${seq - 1}-0`],
    () => ['XAUTOCLAIM', k(), 'g', pick(r, ['c', 'f']), '0', '0'],
    // bitmaps, hyperloglog, sort
    () => ['SETBIT', k(), pick(r, ['0', '7', '100']), pick(r, ['0', '1'])],
    () => ['BITFIELD', k(), 'SET', 'u8', '0', '255'],
    () => ['BITFIELD', k(), 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', pick(r, ['1', '5'])],
    () => ['BITOP', pick(r, ['OR', 'AND', 'NOT']), tk(), tk()],
    () => ['PFADD', k(), m(), m()],
    () => ['PFMERGE', tk(), tk()],
    () => ['SORT', tk(), 'ALPHA', 'STORE', tk()],
  ];
  const out: Cmd[] = [];
  for (let i = 0; i < n; i++) out.push(pick(r, gens)());
  return out;
}

interface Side {
  cmd: RespClient;
  sub: Subscriber;
}

async function side(t: Teardownable & { equal: (a: unknown, b: unknown) => unknown }, port: number, flags: string): Promise<Side> {
  const cmd = await connectResp(t, port);
  await cmd.call('FLUSHALL');
  t.equal(await cmd.call('CONFIG', 'SET', 'notify-keyspace-events', flags), 'OK');
  const sub = await Subscriber.connect(port);
  t.teardown(() => sub.close());
  sub.send('PSUBSCRIBE', '__key*__:*');
  sub.send('SUBSCRIBE', 'sentinel');
  await sub.count(2);
  return { cmd, sub };
}

/** Runs the script one command at a time (so events of different shards cannot reorder), then waits for a sentinel message. */
async function run(s: Side, cmds: readonly Cmd[], mark: string): Promise<{ replies: Reply[]; messages: Reply[] }> {
  const replies: Reply[] = [];
  const start = s.sub.frames.length;
  for (const c of cmds) {
    const r = await s.cmd.call(...c);
    // SPOP with a count answers a set: its order is not part of the contract.
    replies.push(String(c[0]) === 'SPOP' && Array.isArray(r) ? [...r].sort() : r);
    if (process.env.NOTIFY_DEBUG) await s.cmd.call('PUBLISH', 'sentinel', `after ${showCmd(c)}`);
  }
  await s.cmd.call('PUBLISH', 'sentinel', mark);
  await s.sub.until((f) => Array.isArray(f) && f[0] === 'message' && f[2] === mark);
  const messages = s.sub.frames.slice(start).filter((f) => Array.isArray(f) && (f[0] === 'pmessage' || (process.env.NOTIFY_DEBUG !== undefined && f[0] === 'message')));
  return { replies, messages };
}

function firstDifference(a: readonly Reply[], b: readonly Reply[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (JSON.stringify(a[i]) !== JSON.stringify(b[i])) return i;
  return -1;
}

const diff = new DifferentialSuite(t);

diff.test('keyspace notifications match redis-server', async (t, s) => {
  for (const [seed, flags] of [[11, 'KEA'], [12, 'KEA'], [13, 'Kgl'], [14, 'Es$hz'], [15, 'KEAn'], [16, 'En']] as const) {
    const a = await side(t, s.shardis.port, flags);
    const b = await side(t, s.redis.port, flags);
    const cmds = script(seed * 100 + s.workers, 220);
    const [ra, rb] = [await run(a, cmds, `end${seed}`), await run(b, cmds, `end${seed}`)];
    const rd = firstDifference(ra.replies, rb.replies);
    t.equal(rd, -1, `seed ${seed}: replies equal` + (rd < 0 ? '' : ` (first at #${rd} ${showCmd(cmds[rd])}: ${JSON.stringify(ra.replies[rd])} vs ${JSON.stringify(rb.replies[rd])})`));
    const md = firstDifference(ra.messages, rb.messages);
    if (md >= 0 && process.env.NOTIFY_DEBUG) {
      const fmt = (m: Reply[]): string => m.slice(Math.max(0, md - 8), md + 8).map((x) => (x as string[]).slice(2).join(' ')).join('\n');
      console.error(`shardis:\n${fmt(ra.messages)}\nredis:\n${fmt(rb.messages)}`);
      console.error(cmds.map((c, i) => `${i} ${showCmd(c)} -> ${JSON.stringify(rb.replies[i]).slice(0, 60)}`).join('\n'));
    }
    t.equal(md, -1, `seed ${seed} flags ${flags}: ${rb.messages.length} notifications equal` +
      (md < 0 ? '' : ` (first at #${md}: shardis ${JSON.stringify(ra.messages.slice(md, md + 4))} redis ${JSON.stringify(rb.messages.slice(md, md + 4))})`));
    t.ok(rb.messages.length > (flags.startsWith('KEA') ? 100 : 15), 'the script produces notifications');
    a.cmd.close();
    a.sub.close();
    b.cmd.close();
    b.sub.close();
  }
});

diff.test('blocked clients served raise the pop events redis-server raises (and del for an emptied key)', async (t, s) => {
  const waiters: Cmd[] = [
    ['BLPOP', 'l', '5'],
    ['BLMOVE', '{t}s', '{t}d', 'LEFT', 'RIGHT', '5'],
    ['BLMOVE', '{t}s2', '{t}d2', 'RIGHT', 'LEFT', '5'],
    ['BZPOPMIN', 'z', '5'],
    ['BLMPOP', '5', '1', 'm', 'RIGHT', 'COUNT', '5'],
    ['BZMPOP', '5', '1', 'z2', 'MAX', 'COUNT', '1'],
  ];
  const writes: Cmd[] = [['RPUSH', 'l', 'a'], ['RPUSH', '{t}s', 'a', 'b'], ['RPUSH', '{t}s2', 'a'], ['ZADD', 'z', '1', 'a'], ['RPUSH', 'm', 'a', 'b'], ['ZADD', 'z2', '1', 'a', '2', 'b']];
  const out: Reply[][] = [];
  for (const port of [s.shardis.port, s.redis.port]) {
    const sd = await side(t, port, 'KEA');
    const served: Promise<Reply>[] = [];
    for (const [i, w] of waiters.entries()) {
      const c = await connectResp(t, port);
      served.push(c.call(...w));
      await waitFor(async () => String(await sd.cmd.call('INFO', 'clients')).includes(`blocked_clients:${i + 1}\r`));
    }
    const { messages } = await run(sd, writes, 'served');
    t.ok((await Promise.all(served)).every((r) => r !== null), `${port}: every waiter was served`);
    out.push(messages);
    sd.cmd.close();
    sd.sub.close();
  }
  t.same(out[0], out[1]);
});

diff.test('expired, single SPOP, and notifications off', async (t, s) => {
  const results: string[][] = [];
  for (const port of [s.shardis.port, s.redis.port]) {
    const sd = await side(t, port, 'KEA');
    const first = sd.sub.frames.length;
    // Lazy expiry on read, or active expiry with nobody reading (which one wins is timing: the set of messages is compared).
    await run(sd, [['SET', 'e1', 'v', 'PX', '1'], ['SADD', 's1', 'only'], ['SPOP', 's1']], 'm1');
    await sleep(20);
    await run(sd, [['GET', 'e1'], ['SET', 'e2', 'v', 'PX', '5']], 'm2');
    await sd.sub.until((f) => Array.isArray(f) && f[0] === 'pmessage' && f[2] === '__keyevent@0__:expired' && f[3] === 'e2', 3000);
    // Turned off: nothing more is published.
    await sd.cmd.call('CONFIG', 'SET', 'notify-keyspace-events', '');
    await run(sd, [['SET', 'x', '1'], ['DEL', 'x']], 'm3');
    results.push(sd.sub.frames.slice(first).filter((f) => Array.isArray(f) && f[0] === 'pmessage').map((f) => JSON.stringify(f)).sort());
    sd.cmd.close();
    sd.sub.close();
  }
  t.same(results[0], results[1]);
  t.equal(results[1].length, 18, 'set+expire x2, sadd, spop, del, expired x2: each on two channels');
});

diff.test('cross-shard commands raise the same notifications (multi-key split commands excepted)', async (t, s) => {
  // Untagged keys: with several shards most pairs below live on different shards.
  const cmds: Cmd[] = [
    ['RPUSH', 'l', 'a', 'b', 'c'], ['RPUSH', 'l2', 'q'],
    ['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT'], ['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT'], ['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT'], ['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT'],
    ['SET', 'k', 'v'], ['COPY', 'k', 'k2'], ['COPY', 'k', 'k2'], ['COPY', 'k', 'k2', 'REPLACE'], ['COPY', 'k', 'k3', 'DB', '1'],
    ['RENAME', 'k', 'kk'], ['RENAMENX', 'kk', 'k2'], ['RENAMENX', 'kk', 'k9'], ['RENAME', 'nokey', 'x'],
    ['SORT', 'l2', 'ALPHA', 'STORE', 'l3'], ['SORT', 'nokey', 'STORE', 'l3'],
    ['SET', 'b', 'x'], ['BITOP', 'NOT', 'b2', 'b'], ['BITOP', 'AND', 'b2', 'nokey'],
    ['SADD', 's1', 'a', 'b'], ['SMOVE', 's1', 's2', 'a'], ['SUNIONSTORE', 's3', 's2', 's1'], ['SINTERSTORE', 's3', 's2', 's1'],
    ['ZADD', 'z1', '1', 'a'], ['ZUNIONSTORE', 'z2', '2', 'z1', 'nokey'], ['ZRANGESTORE', 'z3', 'z2', '0', '-1'],
    ['PFADD', 'h1', 'a'], ['PFMERGE', 'h2', 'h1'],
  ];
  const out: { replies: Reply[]; messages: Reply[] }[] = [];
  for (const port of [s.shardis.port, s.redis.port]) {
    const sd = await side(t, port, 'KEAn');
    out.push(await run(sd, cmds, 'end'));
    sd.cmd.close();
    sd.sub.close();
  }
  t.same(out[0].replies, out[1].replies);
  t.same(out[0].messages, out[1].messages);
  t.ok(out[1].messages.length > 50);
}, { workers: MULTI_SHARD_WORKERS, noWorkers: noMultiShard });

diff.test('keymiss (class m) from read commands, single- and cross-shard', async (t, s) => {
  const cmds: Cmd[] = [
    // MGET misses one key twice: misses of keys on two shards arrive in whichever order the shards answer.
    ['SET', 's', 'v'], ['GET', 'nope'], ['GET', 's'], ['MGET', 'a', 's', 'a'], ['EXISTS', 'a', 's'], ['TYPE', 'a'], ['TTL', 'a'],
    ['STRLEN', 'a'], ['HGET', 'h', 'f'], ['LRANGE', 'l', '0', '1'], ['ZSCORE', 'z', 'm'], ['SINTER', 'x', 'y'], ['SINTER', 'x', 'x'],
    ['ZUNION', '2', 'z', 'z2'], ['OBJECT', 'ENCODING', 'a'], ['MEMORY', 'USAGE', 'a'], ['GETEX', 'a'], ['GETEX', 's'],
    ['SORT_RO', 'a'], ['PFCOUNT', 'p'], ['SET', 'e', 'v', 'PX', '1'], ['GETRANGE', 'z', 'x', 'y'],
    // Writes that read: their read lookups miss as a read's do.
    ['GETDEL', 'a'], ['SET', 'a', 'v', 'GET'], ['SUNIONSTORE', '{t}d', '{t}x', '{t}y'], ['COPY', 'nope', 'c2'], ['XACK', 'x', 'g', '1-1'],
    ['RPUSH', '{t}l', '1', '2'], ['SORT', '{t}l', 'BY', '{t}w_*', 'GET', '{t}o_*'],
  ];
  const out: Reply[][] = [];
  for (const port of [s.shardis.port, s.redis.port]) {
    const sd = await side(t, port, 'KEm');
    const r = await run(sd, cmds.slice(0, 20), 'a');
    await sleep(10);
    const r2 = await run(sd, [['GET', 'e'], ...cmds.slice(21)], 'b');
    out.push([...r.messages, ...r2.messages]);
    sd.cmd.close();
    sd.sub.close();
  }
  t.same(out[0], out[1]);
  t.ok(out[1].length > 20);
});

diff.test('a write that reads raises keymiss before its own events', async (t, s) => {
  const cmds: Cmd[] = [
    ['SET', 'a', 'v', 'GET'], ['GETDEL', 'b'], ['SET', 'b', 'v'], ['GETDEL', 'b'], ['SADD', '{t}x', 'm'], ['SUNIONSTORE', '{t}d', '{t}x', '{t}y'],
    ['ZADD', '{t}z', '1', 'm'], ['ZUNIONSTORE', '{t}zd', '2', '{t}nope', '{t}z'], ['COPY', 'nope', 'c'],
  ];
  const out: Reply[][] = [];
  for (const port of [s.shardis.port, s.redis.port]) {
    const sd = await side(t, port, 'KEAm');
    out.push((await run(sd, cmds, 'end')).messages);
    sd.cmd.close();
    sd.sub.close();
  }
  t.same(out[0], out[1]);
  t.ok(out[1].length > 10);
});
