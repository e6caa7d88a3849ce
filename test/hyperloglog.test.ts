/**
 * The HyperLogLog family over TCP with every worker count: PFADD replies,
 * the value's bytes and cached-cardinality header, the switch from sparse to
 * dense, accuracy at 1e5 distinct elements (within 2%, the standard error is
 * 0.81%), unions and merges with keys on different shards, the error texts
 * for non-HLL and corrupted values, PFDEBUG and PFSELFTEST. Expected bytes and
 * texts were checked on redis-server 7.0.
 */
import t from 'tap';
import { startShardis, WORKER_MATRIX } from './helpers/servers';
import { connectIoredis } from './helpers/ioredis';
import { RespClient, connectResp } from './helpers/resp-client';
import { keyOnAnotherShard } from './helpers/shards';
import { err } from './helpers/util';

const E_NOT_HLL = err('WRONGTYPE Key is not a valid HyperLogLog string value.');
const E_WRONGTYPE = err('WRONGTYPE Operation against a key holding the wrong kind of value');
const E_CORRUPT = err('INVALIDOBJ Corrupted HLL object detected');

/** An empty sparse HLL as Redis creates it, with the cache byte as given. */
const header = (card: number[], stale: boolean): string =>
  'HYLL\x01\x00\x00\x00' + String.fromCharCode(...card.slice(0, 7), card[7] | (stale ? 0x80 : 0));

async function addRange(c: RespClient, key: string, from: number, to: number, prefix = 'el'): Promise<void> {
  const cmds: string[][] = [];
  for (let i = from; i < to; i += 1000) {
    const args = ['PFADD', key];
    for (let j = i; j < Math.min(i + 1000, to); j++) args.push(`${prefix}:${j}`);
    cmds.push(args);
  }
  await c.pipeline(cmds);
}

for (const workers of WORKER_MATRIX) {
  t.test(`hyperloglog with --workers ${workers}`, async (t) => {
    const srv = await startShardis(t, { workers });
    const c = await connectResp(t, srv.port);

    t.test('PFADD, PFCOUNT and the value bytes', async (t) => {
      t.equal(await c.call('PFADD', 'h'), 1, 'creating the key counts as a change');
      t.equal(await c.call('GET', 'h'), header([0, 0, 0, 0, 0, 0, 0, 0], true) + '\x7f\xff', 'one XZERO opcode over 16384 registers');
      t.equal(await c.call('PFADD', 'h'), 0);
      t.equal(await c.call('PFADD', 'h', 'a'), 1);
      t.equal(await c.call('GET', 'h'), header([0, 0, 0, 0, 0, 0, 0, 0], true) + '\x71\xa6\x84\x4e\x57', 'Redis\'s exact sparse code for {a}');
      t.equal(await c.call('PFADD', 'h', 'a'), 0, 'no register changed');
      t.equal(await c.call('PFCOUNT', 'h'), 1);
      t.equal((await c.call('GET', 'h')) as string, header([1, 0, 0, 0, 0, 0, 0, 0], false) + '\x71\xa6\x84\x4e\x57', 'PFCOUNT caches the count in the header');
      t.equal(await c.call('PFADD', 'h', 'b', 'c', 'd', 'e', 'f', 'g'), 1);
      t.equal(((await c.call('GET', 'h')) as string).slice(8, 16), '\x01\x00\x00\x00\x00\x00\x00\x80', 'an update marks the cache stale, keeping its bytes');
      t.equal(await c.call('PFCOUNT', 'h'), 7);
      t.equal(await c.call('PFDEBUG', 'DECODE', 'h'), 'Z:1646 v:1,1 Z:5645 v:1,1 Z:1085 v:2,1 z:57 v:1,1 Z:4274 v:2,1 Z:2445 v:1,1 Z:622 v:1,1 Z:603');
      t.equal(await c.call('PFCOUNT', 'nokey'), 0);
      t.equal(await c.call('EXISTS', 'nokey'), 0);
      t.equal(await c.call('TYPE', 'h'), 'string');
      t.same(await c.call('PFADD'), err("ERR wrong number of arguments for 'pfadd' command"));
      t.same(await c.call('PFCOUNT'), err("ERR wrong number of arguments for 'pfcount' command"));
    });

    t.test('a forged cache is trusted, as in Redis', async (t) => {
      await c.call('SET', 'forged', header([5, 0, 0, 0, 0, 0, 0, 0], false) + '\x7f\xff');
      t.equal(await c.call('PFCOUNT', 'forged'), 5);
      t.equal(await c.call('PFADD', 'forged', 'a'), 1);
      t.equal(await c.call('PFCOUNT', 'forged'), 1);
    });

    t.test('PFADD keeps the TTL of an existing HLL', async (t) => {
      await c.call('PFADD', 'ttl', 'x');
      await c.call('EXPIRE', 'ttl', '1000');
      await c.call('PFADD', 'ttl', 'y', 'z');
      await c.call('PFCOUNT', 'ttl');
      t.ok(((await c.call('TTL', 'ttl')) as number) > 0);
    });

    t.test('sparse turns dense, and counts stay within 2% at 1e5', async (t) => {
      await c.call('DEL', 'big');
      await addRange(c, 'big', 0, 300);
      t.equal(await c.call('PFDEBUG', 'ENCODING', 'big'), 'sparse');
      await addRange(c, 'big', 300, 3000);
      t.equal(await c.call('PFDEBUG', 'ENCODING', 'big'), 'dense', 'past hll-sparse-max-bytes the value is dense');
      t.equal(await c.call('STRLEN', 'big'), 16 + 12288);
      await addRange(c, 'big', 3000, 100000);
      const n = (await c.call('PFCOUNT', 'big')) as number;
      t.ok(Math.abs(n - 100000) / 100000 < 0.02, `PFCOUNT of 1e5 distinct elements: ${n}`);
      const regs = (await c.call('PFDEBUG', 'GETREG', 'big')) as number[];
      t.equal(regs.length, 16384);
      // About 6 elements per register: all but a fraction of a percent are set, none past 50 + 1.
      t.ok(regs.filter((r) => r >= 1).length > 16384 * 0.99, 'nearly every register set at 1e5 elements');
      t.ok(regs.every((r) => r <= 51), 'registers hold at most 51');
      // Adding the same elements again changes nothing.
      const again = (await c.call('PFADD', 'big', 'el:5', 'el:77', 'el:99999')) as number;
      t.equal(again, 0);
      t.equal(await c.call('PFCOUNT', 'big'), n);
    });

    t.test('unions and merges across shards', async (t) => {
      const [a, b] = ['ua', keyOnAnotherShard('ub', 'ua', workers)];
      await c.call('DEL', a, b);
      await addRange(c, a, 0, 60000, 'x');
      await addRange(c, b, 30000, 100000, 'x');
      const union = (await c.call('PFCOUNT', a, b)) as number;
      t.ok(Math.abs(union - 100000) / 100000 < 0.02, `union of overlapping sets on different shards: ${union}`);
      const before = await c.call('GET', a);
      t.equal(await c.call('PFCOUNT', a, b, 'missing'), union, 'missing keys are empty sets');
      t.equal(await c.call('GET', a), before, 'PFCOUNT of several keys changes nothing');
      const d = 'desta';
      await c.call('DEL', d);
      t.equal(await c.call('PFMERGE', d, a, b), 'OK');
      t.equal(await c.call('PFCOUNT', d), union, 'the merge counts as the union');
      t.equal(await c.call('PFMERGE', a, b), 'OK', 'merging into a source');
      t.equal(await c.call('PFCOUNT', a), union);
      t.equal(await c.call('PFMERGE', 'fresh'), 'OK', 'a merge of nothing creates an empty HLL');
      t.equal(await c.call('PFCOUNT', 'fresh'), 0);
      // A small union stays sparse.
      await c.call('DEL', '{s}1', '{s}2', '{s}3');
      await c.call('PFADD', '{s}1', 'a', 'b', 'c');
      await c.call('PFADD', '{s}2', 'c', 'd');
      t.equal(await c.call('PFMERGE', '{s}3', '{s}1', '{s}2'), 'OK');
      t.equal(await c.call('PFCOUNT', '{s}3'), 4);
      t.equal(await c.call('PFDEBUG', 'ENCODING', '{s}3'), 'sparse');
    });

    t.test('errors: wrong type, not an HLL, corrupted', async (t) => {
      await c.call('SET', 'plain', 'hello');
      await c.call('RPUSH', 'list', 'x');
      t.same(await c.call('PFADD', 'plain', 'a'), E_NOT_HLL);
      t.same(await c.call('PFCOUNT', 'plain'), E_NOT_HLL);
      t.same(await c.call('PFCOUNT', 'h', 'plain'), E_NOT_HLL);
      t.same(await c.call('PFMERGE', 'plain', 'h'), E_NOT_HLL, 'the destination is checked like a source');
      t.same(await c.call('PFMERGE', 'h', 'plain'), E_NOT_HLL);
      t.same(await c.call('PFADD', 'list', 'a'), E_WRONGTYPE);
      t.same(await c.call('PFCOUNT', 'h', 'list'), E_WRONGTYPE);
      // A dense header on a sparse-sized value, and an unknown encoding.
      await c.call('SET', 'baddense', 'HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff');
      t.same(await c.call('PFCOUNT', 'baddense'), E_NOT_HLL);
      await c.call('SET', 'badenc', 'HYLL\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xff');
      t.same(await c.call('PFADD', 'badenc', 'x'), E_NOT_HLL);
      // Sparse opcodes covering 16383 registers instead of 16384.
      await c.call('SET', 'short', 'HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80\x7f\xfe');
      t.same(await c.call('PFCOUNT', 'short'), E_CORRUPT);
      t.same(await c.call('PFCOUNT', 'short', 'h'), E_CORRUPT);
      t.same(await c.call('PFMERGE', 'x', 'short'), E_CORRUPT);
      t.equal(await c.call('PFADD', 'short', 'a'), 1, 'an update inside the covered registers still works (as in Redis)');
      await c.call('PFADD', 'app', 'a');
      await c.call('APPEND', 'app', 'x');
      t.same(await c.call('PFCOUNT', 'app'), E_CORRUPT, 'a string command can corrupt an HLL');
    });

    t.test('PFDEBUG and PFSELFTEST', async (t) => {
      await c.call('DEL', 'dbg');
      t.same(await c.call('PFDEBUG', 'ENCODING', 'dbg'), err('ERR The specified key does not exist'));
      await c.call('PFADD', 'dbg', 'a', 'b', 'c');
      t.equal(await c.call('PFDEBUG', 'encoding', 'dbg'), 'sparse');
      t.same(await c.call('PFDEBUG', 'FOO', 'dbg'), err("ERR Unknown PFDEBUG subcommand 'FOO'"));
      t.equal(await c.call('PFDEBUG', 'TODENSE', 'dbg'), 1);
      t.equal(await c.call('PFDEBUG', 'TODENSE', 'dbg'), 0);
      t.equal(await c.call('PFDEBUG', 'ENCODING', 'dbg'), 'dense');
      t.same(await c.call('PFDEBUG', 'DECODE', 'dbg'), err('ERR HLL encoding is not sparse'));
      t.equal(await c.call('PFCOUNT', 'dbg'), 3);
      const regs = (await c.call('PFDEBUG', 'GETREG', 'dbg')) as number[];
      t.equal(regs.filter((r) => r > 0).length, 3);
      t.equal(await c.call('PFSELFTEST'), 'OK');
    });

    t.test('through ioredis', async (t) => {
      const io = await connectIoredis(t, srv.port);
      await io.del('io1', '{io}2');
      t.equal(await io.pfadd('io1', 'a', 'b', Buffer.from([0, 255, 1])), 1);
      t.equal(await io.pfadd('{io}2', 'b', 'c'), 1);
      t.equal(await io.pfcount('io1'), 3);
      t.equal(await io.pfcount('io1', '{io}2'), 4);
      t.equal(await io.pfmerge('{io}2', 'io1'), 'OK');
      t.equal(await io.pfcount('{io}2'), 4);
      t.ok((await io.getBuffer('{io}2'))?.subarray(0, 4).equals(Buffer.from('HYLL')));
    });
  });
}
