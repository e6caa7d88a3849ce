/**
 * The bitmap family over TCP with every worker count: SETBIT/GETBIT with
 * zero-padding and offset limits (proto-max-bulk-len), BITCOUNT and BITPOS in
 * BYTE and BIT units (the examples of the Redis documentation), BITOP with
 * keys on different shards, BITFIELD with every overflow policy and `#`
 * offsets, BITFIELD_RO, WRONGTYPE, and a large bitmap written bit by bit.
 * Expected values were checked on redis-server 7.0.
 */
import t from 'tap';
import { startShardis, WORKER_MATRIX } from './helpers/servers';
import { connectIoredis } from './helpers/ioredis';
import { type Reply, connectResp } from './helpers/resp-client';
import { rng } from './helpers/differential';
import { keysOnDifferentShards } from './helpers/shards';
import { err } from './helpers/util';

const E_OFFSET = err('ERR bit offset is not an integer or out of range');
const E_BIT = err('ERR bit is not an integer or out of range');
const E_TYPE = err('ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.');
const E_WRONGTYPE = err('WRONGTYPE Operation against a key holding the wrong kind of value');
const E_SYNTAX = err('ERR syntax error');
const E_INT = err('ERR value is not an integer or out of range');

for (const workers of WORKER_MATRIX) {
  t.test(`bitmaps with --workers ${workers}`, async (t) => {
    const srv = await startShardis(t, { workers });
    const c = await connectResp(t, srv.port);

    t.test('SETBIT and GETBIT', async (t) => {
      t.equal(await c.call('SETBIT', 'sb', '7', '1'), 0);
      t.equal(await c.call('SETBIT', 'sb', '7', '1'), 1, 'returns the previous bit');
      t.equal(await c.call('GET', 'sb'), '\x01');
      t.equal(await c.call('SETBIT', 'sb', '0', '1'), 0);
      t.equal(await c.call('GET', 'sb'), '\x81', 'bit 0 is the most significant bit of byte 0');
      t.equal(await c.call('SETBIT', 'sb', '7', '0'), 1);
      t.equal(await c.call('GET', 'sb'), '\x80');
      t.equal(await c.call('SETBIT', 'pad', '100', '0'), 0);
      t.equal(await c.call('STRLEN', 'pad'), 13, 'clearing a bit past the end still zero-pads the value');
      t.equal(await c.call('GETBIT', 'sb', '0'), 1);
      t.equal(await c.call('GETBIT', 'sb', '1'), 0);
      t.equal(await c.call('GETBIT', 'sb', '1000000'), 0, 'past the end reads 0');
      t.equal(await c.call('GETBIT', 'nokey', '5'), 0);
      t.same(await c.call('SETBIT', 'sb', '-1', '1'), E_OFFSET);
      t.same(await c.call('SETBIT', 'sb', 'abc', '1'), E_OFFSET);
      t.same(await c.call('SETBIT', 'sb', '4294967296', '1'), E_OFFSET, 'offsets stop at 512 MB of bytes');
      t.same(await c.call('GETBIT', 'nokey', '4294967296'), E_OFFSET);
      t.same(await c.call('SETBIT', 'sb', '1', '2'), E_BIT);
      t.same(await c.call('SETBIT', 'sb', '1', 'x'), E_BIT);
      t.same(await c.call('SETBIT', 'sb', '1'), err("ERR wrong number of arguments for 'setbit' command"));
      // Bits of a value set as a string (here "1": 0x31).
      await c.call('SET', 'num', '1');
      t.same([await c.call('GETBIT', 'num', '2'), await c.call('GETBIT', 'num', '3'), await c.call('GETBIT', 'num', '7')], [1, 1, 1]);
      t.equal(await c.call('SETBIT', 'num', '6', '1'), 0);
      t.equal(await c.call('GET', 'num'), '3', 'a bitmap is a plain string');
    });

    t.test('SETBIT keeps the TTL; BITOP replaces it', async (t) => {
      await c.call('SET', 'ttl', 'x', 'EX', '1000');
      await c.call('SETBIT', 'ttl', '100', '1');
      t.ok(((await c.call('TTL', 'ttl')) as number) > 0);
      await c.call('BITOP', 'OR', 'ttl', 'ttl');
      t.equal(await c.call('TTL', 'ttl'), -1);
    });

    t.test('BITCOUNT', async (t) => {
      await c.call('SET', 'fb', 'foobar');
      t.equal(await c.call('BITCOUNT', 'fb'), 26);
      t.equal(await c.call('BITCOUNT', 'fb', '0', '0'), 4);
      t.equal(await c.call('BITCOUNT', 'fb', '1', '1'), 6);
      t.equal(await c.call('BITCOUNT', 'fb', '1', '1', 'BYTE'), 6);
      t.equal(await c.call('BITCOUNT', 'fb', '5', '30', 'BIT'), 17);
      t.equal(await c.call('BITCOUNT', 'fb', '-2', '-1'), 7);
      t.equal(await c.call('BITCOUNT', 'fb', '-1', '-2'), 0);
      t.equal(await c.call('BITCOUNT', 'fb', '-1', '-5', 'nonsense'), 0, 'an empty negative range answers before the unit is read');
      t.equal(await c.call('BITCOUNT', 'fb', '0', '9223372036854775807'), 26);
      t.equal(await c.call('BITCOUNT', 'fb', '-9223372036854775808', '-1', 'bit'), 26);
      t.equal(await c.call('BITCOUNT', 'nokey', 'x'), 0, 'a missing key answers 0 before arguments are checked');
      t.same(await c.call('BITCOUNT', 'fb', '0'), E_SYNTAX);
      t.same(await c.call('BITCOUNT', 'fb', '0', '1', 'BIT', 'x'), E_SYNTAX);
      t.same(await c.call('BITCOUNT', 'fb', '0', '1', 'bits'), E_SYNTAX);
      t.same(await c.call('BITCOUNT', 'fb', 'a', '1'), E_INT);
    });

    t.test('BITPOS', async (t) => {
      await c.call('SET', 'p1', Buffer.from([0xff, 0xf0, 0x00]));
      t.equal(await c.call('BITPOS', 'p1', '0'), 12);
      await c.call('SET', 'p2', Buffer.from([0x00, 0xff, 0xf0]));
      t.equal(await c.call('BITPOS', 'p2', '1', '0'), 8);
      t.equal(await c.call('BITPOS', 'p2', '1', '2'), 16);
      t.equal(await c.call('BITPOS', 'p2', '1', '2', '-1', 'BYTE'), 16);
      t.equal(await c.call('BITPOS', 'p2', '1', '7', '15', 'BIT'), 8);
      t.equal(await c.call('BITPOS', 'p2', '1', '7', '-3', 'BIT'), 8);
      await c.call('SET', 'p3', Buffer.from([0, 0, 0]));
      t.equal(await c.call('BITPOS', 'p3', '1'), -1);
      await c.call('SET', 'ones', Buffer.from([0xff, 0xff, 0xff]));
      t.equal(await c.call('BITPOS', 'ones', '0'), 24, 'no clear bit and no end: the first bit past the string');
      t.equal(await c.call('BITPOS', 'ones', '0', '1'), 24);
      t.equal(await c.call('BITPOS', 'ones', '0', '0', '-1'), -1, 'no clear bit inside an explicit range');
      t.equal(await c.call('BITPOS', 'ones', '0', '3', '10'), -1, 'an empty range');
      t.equal(await c.call('BITPOS', 'nokey', '0'), 0);
      t.equal(await c.call('BITPOS', 'nokey', '1'), -1);
      await c.call('SET', 'empty', '');
      t.equal(await c.call('BITPOS', 'empty', '0'), -1);
      t.same(await c.call('BITPOS', 'p1', '2'), err('ERR The bit argument must be 1 or 0.'));
      t.same(await c.call('BITPOS', 'p1', 'x'), E_INT);
      t.same(await c.call('BITPOS', 'p1', '1', '0', '1', 'nope'), E_SYNTAX);
      t.same(await c.call('BITPOS', 'p1', '1', '0', '1', 'BIT', 'x'), E_SYNTAX);
    });

    t.test('BITOP with keys on one shard and across shards', async (t) => {
      const n = Math.max(workers, 1);
      for (const [label, keys] of [
        ['same shard', ['{bo}a', '{bo}b', '{bo}c', '{bo}d']],
        ['different shards', keysOnDifferentShards('bop', 4, n)],
      ] as const) {
        const [a, b, cc, dest] = keys;
        await c.call('SET', a, Buffer.from([0xf0, 0x0f, 0xaa]));
        await c.call('SET', b, Buffer.from([0xff, 0x00]));
        await c.call('DEL', cc);
        t.equal(await c.call('BITOP', 'AND', dest, a, b), 3, `${label}: AND length is the longest source`);
        t.equal(await c.call('GET', dest), '\xf0\x00\x00', `${label}: AND pads shorter sources with zeros`);
        t.equal(await c.call('BITOP', 'or', dest, a, b, cc), 3);
        t.equal(await c.call('GET', dest), '\xff\x0f\xaa', `${label}: OR`);
        t.equal(await c.call('BITOP', 'XOR', dest, a, b), 3);
        t.equal(await c.call('GET', dest), '\x0f\x0f\xaa', `${label}: XOR`);
        t.equal(await c.call('BITOP', 'NOT', dest, a), 3);
        t.equal(await c.call('GET', dest), '\x0f\xf0\x55', `${label}: NOT`);
        t.equal(await c.call('BITOP', 'AND', dest, cc), 0, `${label}: only missing sources`);
        t.equal(await c.call('EXISTS', dest), 0, `${label}: an empty result deletes the destination`);
        await c.call('RPUSH', cc, 'x');
        t.same(await c.call('BITOP', 'AND', dest, a, cc), E_WRONGTYPE, `${label}: WRONGTYPE source`);
        await c.call('RPUSH', dest, 'x');
        t.equal(await c.call('BITOP', 'OR', dest, a), 3, `${label}: the destination is overwritten whatever its type`);
        t.equal(await c.call('TYPE', dest), 'string');
        await c.call('DEL', cc);
      }
      t.same(await c.call('BITOP', 'NOT', 'x', 'a', 'b'), err('ERR BITOP NOT must be called with a single source key.'));
      t.same(await c.call('BITOP', 'NAND', 'x', 'a'), E_SYNTAX);
      t.same(await c.call('BITOP', 'AND', 'x'), err("ERR wrong number of arguments for 'bitop' command"));
    });

    t.test('BITFIELD', async (t) => {
      t.same(await c.call('BITFIELD', 'bf', 'INCRBY', 'i5', '100', '1', 'GET', 'u4', '0'), [1, 0]);
      t.same(await c.call('BITFIELD', 'bf', 'SET', 'i8', '#1', '-100', 'GET', 'i8', '#1', 'GET', 'u8', '8'), [0, -100, 156]);
      // The documentation's overflow example.
      await c.call('DEL', 'ov');
      const seq: Reply[] = [];
      for (let i = 0; i < 4; i++) seq.push(await c.call('BITFIELD', 'ov', 'INCRBY', 'u2', '100', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'u2', '102', '1'));
      t.same(seq, [[1, 1], [2, 2], [3, 3], [0, 3]]);
      t.same(await c.call('BITFIELD', 'ov', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '102', '1'), [null]);
      await c.call('DEL', 'nk');
      t.same(await c.call('BITFIELD', 'nk', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '100', '5'), [null]);
      t.equal(await c.call('STRLEN', 'nk'), 13, 'the value grows to the written field even when the write fails');
      t.same(
        await c.call('BITFIELD', 'sat', 'OVERFLOW', 'SAT', 'SET', 'u8', '0', '-1', 'SET', 'i8', '8', '200', 'SET', 'i8', '8', '-200', 'OVERFLOW', 'WRAP', 'SET', 'u8', '16', '-1', 'SET', 'i8', '24', '200'),
        [0, 0, 127, 0, 0],
      );
      t.equal(await c.call('GET', 'sat'), '\xff\x80\xff\xc8');
      t.same(await c.call('BITFIELD', 'bf'), [], 'no subcommands: an empty reply');
      t.same(await c.call('BITFIELD', 'bf', 'GET', 'u64', '0'), E_TYPE);
      t.same(await c.call('BITFIELD', 'bf', 'GET', 'I8', '0'), E_TYPE);
      t.same(await c.call('BITFIELD', 'bf', 'GET', 'i65', '0'), E_TYPE);
      t.same(await c.call('BITFIELD', 'bf', 'GET', 'i8', '#'), E_OFFSET);
      t.same(await c.call('BITFIELD', 'bf', 'GET', 'i8', '#1152921504606846976'), E_OFFSET, '#n * bits wraps negative');
      t.same(await c.call('BITFIELD', 'bf', 'GET', 'i16', '#1152921504606846976'), [156], '#n * bits wraps to 0: the i16 at offset 0');
      t.same(await c.call('BITFIELD', 'bf', 'OVERFLOW', 'MAYBE'), err('ERR Invalid OVERFLOW type specified'));
      t.same(await c.call('BITFIELD', 'bf', 'GET', 'i8'), E_SYNTAX);
      t.same(await c.call('BITFIELD', 'bf', 'FROB', 'i8', '0'), E_SYNTAX);
      t.same(await c.call('BITFIELD', 'bf', 'SET', 'i8', '0', 'x'), E_INT);
      t.same(await c.call('BITFIELD_RO', 'bf', 'GET', 'i8', '#1', 'GET', 'u4', '8'), [-100, 9]);
      t.same(await c.call('BITFIELD_RO', 'bf', 'SET', 'i8', '0', '1'), err('ERR BITFIELD_RO only supports the GET subcommand'));
      t.same(await c.call('BITFIELD_RO', 'bf', 'SET', 'i8', '0', '1', 'GET', 'i65', '0'), E_TYPE, 'every argument is checked first');
      t.same(await c.call('BITFIELD_RO', 'nokey', 'GET', 'i8', '0'), [0]);
      t.equal(await c.call('EXISTS', 'nokey'), 0, 'reads never create the key');
    });

    t.test('WRONGTYPE', async (t) => {
      await c.call('RPUSH', 'lst', 'a');
      for (const cmd of [['SETBIT', 'lst', '0', '1'], ['GETBIT', 'lst', '0'], ['BITCOUNT', 'lst'], ['BITPOS', 'lst', '1'], ['BITFIELD', 'lst', 'GET', 'u8', '0'], ['BITFIELD_RO', 'lst', 'GET', 'u8', '0']]) {
        t.same(await c.call(...cmd), E_WRONGTYPE, cmd.join(' '));
      }
      t.same(await c.call('BITFIELD', 'lst', 'GET', 'u8', 'x'), E_OFFSET, 'argument errors come before the type check');
    });

    t.test('proto-max-bulk-len bounds offsets', async (t) => {
      t.equal(await c.call('CONFIG', 'SET', 'proto-max-bulk-len', '1048576'), 'OK');
      t.teardown(() => c.call('CONFIG', 'SET', 'proto-max-bulk-len', '536870912'));
      t.same(await c.call('SETBIT', 'big', '8388608', '1'), E_OFFSET);
      t.equal(await c.call('SETBIT', 'big', '8388607', '1'), 0);
      t.equal(await c.call('STRLEN', 'big'), 1048576);
      t.same(await c.call('BITFIELD', 'big2', 'GET', 'u8', '#1048576'), E_OFFSET);
      t.same(await c.call('BITFIELD', 'big2', 'SET', 'u8', '8388601', '1'), [0]);
      t.equal(await c.call('STRLEN', 'big2'), 1048577, 'a field may end past the limit; only its start is bounded');
      t.equal(await c.call('BITPOS', 'big', '1'), 8388607);
      t.equal(await c.call('BITCOUNT', 'big'), 1);
      await c.call('DEL', 'big', 'big2');
    });

    t.test('a large bitmap written bit by bit', async (t) => {
      const r = rng(7 + workers);
      const set = new Set<number>();
      const cmds: string[][] = [];
      for (let i = 0; i < 3000; i++) {
        // Below 900k bits (~112 KB): larger strings live in V8's large-object space, where every
        // rewritten copy costs page faults (see the cost note in workers/families/bitmaps.ts).
        const off = Math.floor(r() * 900_000);
        set.add(off);
        cmds.push(['SETBIT', 'large', String(off), '1']);
      }
      const started = Date.now();
      await c.pipeline(cmds);
      t.ok(Date.now() - started < 10000, `3000 SETBITs on a 112 KB bitmap took ${Date.now() - started} ms`);
      t.equal(await c.call('BITCOUNT', 'large'), set.size);
      const sorted = [...set].sort((a, b) => a - b);
      t.equal(await c.call('BITPOS', 'large', '1'), sorted[0]);
      t.equal(await c.call('GETBIT', 'large', String(sorted[10])), 1);
      t.equal(await c.call('STRLEN', 'large'), Math.floor(sorted[sorted.length - 1] / 8) + 1);
    });

    t.test('through ioredis, with binary values', async (t) => {
      const io = await connectIoredis(t, srv.port);
      t.equal(await io.setbit('io', 15, 1), 0);
      t.equal(await io.getbit('io', 15), 1);
      t.equal(await io.bitcount('io'), 1);
      t.same(await io.getBuffer('io'), Buffer.from([0x00, 0x01]));
      await io.set('io2', Buffer.from([0x80, 0x00, 0xff]));
      t.equal(await io.bitpos('io2', 0), 1);
      t.equal(await io.bitop('XOR', '{io}d', 'io'), 2);
      t.same(await io.call('BITFIELD', 'io2', 'GET', 'u8', '16', 'INCRBY', 'u8', '16', '1'), [255, 0]);
      // 64-bit fields, read exactly as strings.
      const exact = await connectIoredis(t, srv.port, { stringNumbers: true });
      const max = '9223372036854775807';
      t.same(
        await exact.call('BITFIELD', 'i64', 'INCRBY', 'i64', '0', max, 'INCRBY', 'i64', '0', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '0', '-1', 'INCRBY', 'i64', '0', max, 'INCRBY', 'i64', '0', max, 'GET', 'u63', '0'),
        [max, '-9223372036854775808', '-9223372036854775808', '-1', '9223372036854775806', '4611686018427387903'],
      );
    });
  });
}
