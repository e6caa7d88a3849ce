/**
 * maxmemory and the eviction policies, in the spirit of Redis's own tests
 * (tests/unit/maxmemory.tcl): used_memory stays near the limit while three
 * times the limit is written, a hot set survives allkeys-lru, volatile
 * policies never touch keys without a TTL, noeviction answers -OOM and still
 * serves reads and deletes, and OBJECT FREQ counts accesses under LFU.
 */
import t from 'tap';
import net from 'node:net';
import { RespClient } from './helpers/resp-client';
import { ANY_WORKERS, MULTI_SHARD_WORKERS, startShardis } from './helpers/servers';
import { err, waitFor } from './helpers/util';

const LIMIT = 1024 * 1024;
const VALUE = 'x'.repeat(200);
/** Writes from several shards' worth of keys: the limit holds across shards. */
const WORKERS = MULTI_SHARD_WORKERS[0] ?? ANY_WORKERS;

function infoField(info: string, name: string): number {
  const m = new RegExp(`^${name}:(\\d+)`, 'm').exec(info);
  return m === null ? NaN : Number(m[1]);
}

async function usedMemory(c: RespClient): Promise<number> {
  return infoField((await c.call('INFO', 'memory')) as string, 'used_memory');
}

/** Writes `bytes` worth of keys `prefix:N` in pipelined chunks; `ttl` gives each one a TTL. Returns the key count. */
async function fill(c: RespClient, prefix: string, bytes: number, ttl = false, between?: () => Promise<void>): Promise<number> {
  const n = Math.ceil(bytes / (VALUE.length + 64));
  for (let i = 0; i < n; i += 500) {
    const cmds: string[][] = [];
    for (let j = i; j < Math.min(n, i + 500); j++) cmds.push(ttl ? ['SET', `${prefix}:${j}`, VALUE, 'EX', '10000'] : ['SET', `${prefix}:${j}`, VALUE]);
    const replies = await c.pipeline(cmds);
    for (const r of replies) if (r !== 'OK') throw new Error(`SET answered ${JSON.stringify(r)}`);
    if (between) await between();
  }
  return n;
}

t.test('every policy: used_memory stays within 10% of maxmemory while writing 3x the limit', async (t) => {
  const srv = await startShardis(t, { workers: WORKERS, args: ['--maxmemory', String(LIMIT)] });
  const c = await RespClient.connect(srv.port);
  t.teardown(() => c.close());
  for (const policy of ['allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']) {
    await c.call('FLUSHALL');
    await c.call('CONFIG', 'RESETSTAT');
    await c.call('CONFIG', 'SET', 'maxmemory-policy', policy);
    let peak = 0;
    await fill(c, 'k', 3 * LIMIT, policy.startsWith('volatile-'), async () => {
      peak = Math.max(peak, await usedMemory(c));
    });
    const used = await usedMemory(c);
    t.ok(used <= LIMIT * 1.1, `${policy}: used_memory ${used} <= maxmemory + 10%`);
    t.ok(used >= LIMIT * 0.5, `${policy}: used_memory ${used} is not far below the limit (the keys are really held)`);
    t.ok(peak <= LIMIT * 1.1, `${policy}: peak ${peak} <= maxmemory + 10%`);
    const info = (await c.call('INFO', 'stats')) as string;
    t.ok(infoField(info, 'evicted_keys') > 0, `${policy}: keys were evicted`);
    t.match(await c.call('INFO', 'memory'), new RegExp(`maxmemory_policy:${policy}\r\n`));
  }
});

t.test('allkeys-lru: at least 90% of a hot set that keeps being read survives', async (t) => {
  const srv = await startShardis(t, { workers: WORKERS, args: ['--maxmemory', String(LIMIT), '--maxmemory-policy', 'allkeys-lru', '--maxmemory-samples', '10'] });
  const c = await RespClient.connect(srv.port);
  t.teardown(() => c.close());
  const hot = await fill(c, 'hot', LIMIT / 5);
  const readHot = async (): Promise<void> => {
    const cmds: string[][] = [];
    for (let i = 0; i < hot; i++) cmds.push(['GET', `hot:${i}`]);
    await c.pipeline(cmds);
    // Access times have 10 ms resolution: let the cold writes that follow be newer than nothing.
    await new Promise((r) => setTimeout(r, 12));
  };
  await readHot();
  await fill(c, 'cold', 3 * LIMIT, false, readHot);
  const cmds: string[][] = [];
  for (let i = 0; i < hot; i++) cmds.push(['EXISTS', `hot:${i}`]);
  const alive = (await c.pipeline(cmds)).filter((r) => r === 1).length;
  t.ok(alive >= hot * 0.9, `${alive} of ${hot} hot keys survived`);
});

t.test('volatile policies never evict keys without a TTL', async (t) => {
  const srv = await startShardis(t, { workers: WORKERS, args: ['--maxmemory', String(LIMIT)] });
  const c = await RespClient.connect(srv.port);
  t.teardown(() => c.close());
  for (const policy of ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']) {
    await c.call('FLUSHALL');
    await c.call('CONFIG', 'SET', 'maxmemory-policy', policy);
    const persistent = await fill(c, 'keep', LIMIT / 2);
    await fill(c, 'vol', 2 * LIMIT, true);
    const cmds: string[][] = [];
    for (let i = 0; i < persistent; i++) cmds.push(['EXISTS', `keep:${i}`]);
    const alive = (await c.pipeline(cmds)).filter((r) => r === 1).length;
    t.equal(alive, persistent, `${policy}: every key without a TTL is still there`);
    // Once only keys without a TTL are left, writes that grow memory get -OOM.
    const more: string[][] = [];
    for (let i = 0; i < 10000; i++) more.push(['SET', `keep2:${i}`, VALUE]);
    const replies = await c.pipeline(more);
    t.ok(replies.some((r) => JSON.stringify(r) === JSON.stringify(err("OOM command not allowed when used memory > 'maxmemory'."))), `${policy}: -OOM when nothing may be evicted`);
  }
});

t.test("noeviction answers -OOM and still serves reads and deletes", async (t) => {
  const srv = await startShardis(t, { workers: WORKERS, args: ['--maxmemory', String(LIMIT)] });
  const c = await RespClient.connect(srv.port);
  t.teardown(() => c.close());
  const cmds: string[][] = [];
  for (let i = 0; i < 10000; i++) cmds.push(['SET', `k:${i}`, VALUE]);
  const replies = await c.pipeline(cmds);
  const oom = err("OOM command not allowed when used memory > 'maxmemory'.");
  t.ok(replies.some((r) => JSON.stringify(r) === JSON.stringify(oom)), 'writes get -OOM');
  const stored = replies.filter((r) => r === 'OK').length;
  t.ok(stored > 0 && stored < 10000);
  t.ok((await usedMemory(c)) <= LIMIT * 1.1);
  t.equal(await c.call('GET', 'k:0'), VALUE, 'reads are served');
  t.same(await c.call('LPUSH', 'newlist', 'a'), oom);
  t.equal(await c.call('DEL', 'k:0'), 1, 'deletes are served');
  t.equal(infoField((await c.call('INFO', 'stats')) as string, 'evicted_keys'), 0);
  // Raising the limit lets writes through again.
  t.equal(await c.call('CONFIG', 'SET', 'maxmemory', '0'), 'OK');
  t.equal(await c.call('LPUSH', 'newlist', 'a'), 1);
});

t.test('OBJECT FREQ counts accesses under LFU; used_memory follows collections', async (t) => {
  const srv = await startShardis(t, { workers: ANY_WORKERS, args: ['--maxmemory-policy', 'allkeys-lfu'] });
  const c = await RespClient.connect(srv.port);
  t.teardown(() => c.close());
  await c.call('SET', 'cold', 'v');
  await c.call('SET', 'hot', 'v');
  t.equal(await c.call('OBJECT', 'FREQ', 'cold'), 5, 'a new key starts at LFU_INIT_VAL');
  const gets: string[][] = [];
  for (let i = 0; i < 2000; i++) gets.push(['GET', 'hot']);
  await c.pipeline(gets);
  const freq = (await c.call('OBJECT', 'FREQ', 'hot')) as number;
  t.ok(freq > 5 && freq <= 255, `the hot key's counter grew logarithmically (${freq})`);
  t.equal(await c.call('OBJECT', 'FREQ', 'cold'), 5);
  t.match(await c.call('OBJECT', 'IDLETIME', 'hot'), { error: /^ERR An LFU maxmemory policy is selected/ });
  // used_memory grows with a collection written in place and falls when it is deleted.
  const before = await usedMemory(c);
  const push: string[][] = [];
  for (let i = 0; i < 2000; i++) push.push(['RPUSH', 'list', VALUE]);
  await c.pipeline(push);
  const grown = await usedMemory(c);
  t.ok(grown - before > 2000 * VALUE.length * 0.8, `used_memory grew by ${grown - before} for ~${2000 * VALUE.length} bytes of list`);
  await c.call('DEL', 'list');
  t.ok((await usedMemory(c)) - before < 1000, 'and fell back when it was deleted');
  await c.call('FLUSHALL');
  t.ok((await usedMemory(c)) < 1000, 'FLUSHALL releases every key');
});

t.test('maxmemory-eviction-tenacity bounds the keys one command evicts', async (t) => {
  const srv = await startShardis(t, { workers: ANY_WORKERS, args: ['--maxmemory', String(LIMIT), '--maxmemory-policy', 'allkeys-random'] });
  const c = await RespClient.connect(srv.port);
  t.teardown(() => c.close());
  await fill(c, 'k', LIMIT * 0.9);
  // A value of half the limit needs hundreds of small keys evicted.
  const big = 'b'.repeat(LIMIT / 2);
  t.equal(await c.call('CONFIG', 'SET', 'maxmemory-eviction-tenacity', '0'), 'OK');
  t.equal(await c.call('SET', 'big1', big), 'OK', 'the write runs while eviction is in progress');
  const evicted1 = infoField((await c.call('INFO', 'stats')) as string, 'evicted_keys');
  t.equal(await c.call('SET', 'nudge', 'x'), 'OK');
  const evicted2 = infoField((await c.call('INFO', 'stats')) as string, 'evicted_keys');
  t.ok(evicted2 - evicted1 > 0 && evicted2 - evicted1 <= 16, `tenacity 0: at most 16 keys per command (${evicted2 - evicted1})`);
  t.equal(await c.call('CONFIG', 'SET', 'maxmemory-eviction-tenacity', '100'), 'OK');
  t.equal(await c.call('SET', 'nudge', 'y'), 'OK');
  t.ok((await usedMemory(c)) <= LIMIT * 1.1, 'tenacity 100: back under the limit in one command');
});

t.test('maxmemory-clients closes the client with the biggest buffers', async (t) => {
  const srv = await startShardis(t, { workers: ANY_WORKERS, args: ['--maxmemory-clients', '4mb'] });
  const admin = await RespClient.connect(srv.port);
  t.teardown(() => admin.close());
  await admin.call('SET', 'huge', 'h'.repeat(1024 * 1024));
  // A client that never reads: its replies pile up in the server past the limit.
  const hog = net.connect(srv.port, '127.0.0.1');
  hog.on('error', () => undefined);
  const closed = new Promise<void>((r) => hog.once('close', () => r()));
  await new Promise<void>((r) => hog.once('connect', () => r()));
  hog.pause();
  hog.write(Array.from({ length: 32 }, () => '*2\r\n$3\r\nGET\r\n$4\r\nhuge\r\n').join(''));
  // A client that does not read cannot see its close until it reads again: INFO tells first.
  t.ok(await waitFor(async () => infoField((await admin.call('INFO', 'stats')) as string, 'evicted_clients') >= 1, 10000), 'evicted_clients counts it');
  hog.resume();
  await closed;
  t.pass('the hog was closed');
  t.equal(await admin.call('PING'), 'PONG', 'small clients are kept');
});
