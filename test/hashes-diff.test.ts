/**
 * Differential tests of the hash family against a real redis-server: seeded
 * random scripts over a small key space (so commands collide), with strings
 * and lists in the same key space (WRONGTYPE), wrong arity, bad integers and
 * floats, binary and empty fields and values, and values around the 64-byte
 * listpack limit.
 *
 * Two kinds of script:
 * - small: hashes never leave the listpack encoding, so HKEYS/HVALS/HGETALL/
 *   HSCAN and whole-hash HRANDFIELD must come back in exactly Redis's order;
 * - large: many fields and long values convert hashes to hashtable (checked
 *   with OBJECT ENCODING); orders Redis leaves undefined are compared sorted.
 * Random replies (HRANDFIELD with a small or negative count) are compared by
 * size only.
 */
import t from 'tap';
import { DifferentialSuite, rng, pick, type Cmd } from './helpers/differential';
import type { Reply } from './helpers/resp-client';

const HASH_KEYS = ['h0', 'h1', 'h2', '{t}a', '{t}b', 'bin\x00\xff'];
const OTHER_KEYS = ['str', 'lst'];
const FIELDS = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5', '', '\x00\xff', 'a b', '12', '-3'];
const VALUES = [
  '', '0', '1', '-1', '42', '007', '-0', '+1', ' 1', '9223372036854775807', '-9223372036854775808', '9223372036854775806',
  '3.5', '0.1', '1e3', '5.0e3', 'inf', '-inf', 'nan', 'abc', 'hello world', '\x00', '\xff\xfe\x00\x01', '12345678901234567890',
];
const INTS = ['0', '1', '-1', '5', '-100', '9223372036854775807', '-9223372036854775808', '9223372036854775808', 'abc', '', '1.5', '01', '-0', ' 5'];
const FLOATS = [
  '0', '1', '-1', '0.1', '-0.1', '1.5', '3.0e3', '1e17', '1e-17', '1e-4950', 'inf', '-inf', 'nan', '', ' 1', '.5',
  '5.', '0x10', '0x1.8p1', '123456789.123456789', '-0', 'abc', '1e4933',
];
/** Increments whose results print longer than 64 bytes (so the hash converts): large scripts only. */
const BIG_FLOATS = ['1e308', '1e100', '1e4932', '-1e70', '1e400'];
const COUNTS = ['0', '1', '2', '3', '-1', '-3', '-10', '1000', '5000', 'abc', '-9223372036854775808', '9223372036854775807', '4611686018427387904', '-4611686018427387904', '4611686018427387903'];
const CMD_NAMES = ['HSET', 'HSETNX', 'HGET', 'HMGET', 'HMSET', 'HDEL', 'HLEN', 'HSTRLEN', 'HEXISTS', 'HINCRBY', 'HINCRBYFLOAT', 'HKEYS', 'HVALS', 'HGETALL', 'HRANDFIELD', 'HSCAN'];

function generate(seed: number, count: number, large: boolean): Cmd[] {
  const r = rng(seed);
  const key = (): string => (r() < 0.9 ? pick(r, HASH_KEYS) : pick(r, OTHER_KEYS));
  const field = (): string => {
    if (large && r() < 0.5) return r() < 0.1 ? 'F'.repeat(pick(r, [63, 64, 65, 100])) : `n${Math.floor(r() * 300)}`;
    return pick(r, FIELDS);
  };
  const value = (): string | Buffer => {
    const x = r();
    if (x < 0.6) return pick(r, VALUES);
    if (x < 0.8) return String(Math.floor(r() * 2000) - 1000);
    if (large && x < 0.88) return 'v'.repeat(pick(r, [63, 64, 65, 200]));
    const b = Buffer.alloc(Math.floor(r() * 8));
    for (let i = 0; i < b.length; i++) b[i] = Math.floor(r() * 256);
    return b;
  };
  const pairs = (): (string | Buffer)[] => {
    const n = 1 + Math.floor(r() * (large ? 12 : 3));
    const out: (string | Buffer)[] = [];
    for (let i = 0; i < n; i++) out.push(field(), value());
    return out;
  };
  const out: Cmd[] = [['SET', 'str', 'x'], ['RPUSH', 'lst', 'a', 'b']];
  for (let i = 0; i < count; i++) {
    switch (Math.floor(r() * 28)) {
      case 0: case 1: out.push(['HSET', key(), ...pairs()]); break;
      case 2: out.push(['HSETNX', key(), field(), value()]); break;
      case 3: out.push(['HGET', key(), field()]); break;
      case 4: out.push(['HMGET', key(), ...Array.from({ length: 1 + Math.floor(r() * 4) }, field)]); break;
      case 5: out.push(['HMSET', key(), ...pairs()]); break;
      case 6: out.push(['HDEL', key(), ...Array.from({ length: 1 + Math.floor(r() * (large ? 8 : 3)) }, field)]); break;
      case 7: out.push(['HLEN', key()]); break;
      case 8: out.push(['HSTRLEN', key(), field()]); break;
      case 9: out.push(['HEXISTS', key(), field()]); break;
      case 10: out.push(['HINCRBY', key(), field(), pick(r, INTS)]); break;
      case 11: out.push(['HINCRBYFLOAT', key(), field(), pick(r, large ? FLOATS.concat(BIG_FLOATS) : FLOATS)]); break;
      case 12: out.push(['HINCRBYFLOAT', key(), field(), (r() * 1000 - 500).toFixed(Math.floor(r() * 6))]); break;
      case 13: out.push(['HKEYS', key()]); break;
      case 14: out.push(['HVALS', key()]); break;
      case 15: case 16: out.push(['HGETALL', key()]); break;
      case 17: out.push(['HRANDFIELD', key()]); break;
      case 18: {
        const c = pick(r, COUNTS);
        const opt = r() < 0.5 ? [] : [pick(r, ['WITHVALUES', 'withvalues', 'WITHVALUES', 'WITHVALUE', 'x'])];
        if (r() < 0.05) opt.push('WITHVALUES');
        // A huge negative count is only refused with WITHVALUES; without it both servers would try to reply.
        if (c === '-4611686018427387904') opt.splice(0, opt.length, 'WITHVALUES');
        out.push(['HRANDFIELD', key(), c, ...opt]);
        break;
      }
      case 19: {
        const opts: string[] = [];
        const n = Math.floor(r() * 3);
        for (let j = 0; j < n; j++) {
          const y = r();
          if (y < 0.4) opts.push('MATCH', pick(r, ['f*', '*', '*1', 'n1*', '[a-f]?', '', '**', 'F*']));
          // Large hashes: a COUNT big enough to finish in one call, so cursors never matter.
          else if (y < 0.8) opts.push('COUNT', large ? pick(r, ['1000', '0', 'abc', '-1']) : pick(r, ['1', '2', '100', '0', 'abc', '-1']));
          else opts.push(pick(r, ['NOVALUES', 'TYPE', 'COUNT', 'MATCH']));
        }
        const cursor = large ? pick(r, ['0', '0', '0', 'abc', '-', '18446744073709551616']) : pick(r, ['0', '0', '5', '-1', 'abc', '', ' 0', '18446744073709551615', '18446744073709551616']);
        if (large && !opts.includes('COUNT')) opts.push('COUNT', '1000');
        out.push(['HSCAN', key(), cursor, ...opts]);
        break;
      }
      case 20: {
        const name = pick(r, CMD_NAMES);
        out.push([name, ...Array.from({ length: Math.floor(r() * 3) }, () => (r() < 0.5 ? key() : field()))]);
        break;
      }
      case 21: out.push(['OBJECT', 'ENCODING', key()]); break;
      case 22: out.push([pick(r, ['HSET', 'HMSET']), key(), field(), value(), field()]); break;
      case 23: out.push(['DEL', key()]); break;
      case 24: out.push(['TYPE', key()], ['EXISTS', key()]); break;
      case 25: out.push(['HINCRBY', key(), field(), pick(r, ['9223372036854775807', '-9223372036854775808', '1', '-1'])]); break;
      case 26: out.push(['HSET', key(), field(), pick(r, ['9223372036854775806', '-9223372036854775807', '10', '1.5', ...(large ? ['1e4930', '-1e4930'] : [])])]); break;
      case 27: out.push(['HINCRBYFLOAT', key(), field(), pick(r, ['0.1', '1e-4940', ...(large ? ['1e4930', '-1e4930'] : [])])]); break;
    }
  }
  return out;
}

function sortedPairs(r: Reply[]): Reply {
  const pairs: string[] = [];
  for (let i = 0; i + 1 < r.length; i += 2) pairs.push(JSON.stringify([r[i], r[i + 1]]));
  return pairs.sort();
}

/** Large scripts: orders Redis leaves undefined for hashtables are compared sorted; random picks by size. */
function normalizer(large: boolean) {
  return (cmd: Cmd, reply: Reply): Reply => {
    const name = String(cmd[0]).toLowerCase();
    if (!Array.isArray(reply)) {
      // HRANDFIELD without a count: any field.
      if (name === 'hrandfield' && cmd.length === 2 && typeof reply === 'string') return 'a field';
      return reply;
    }
    if (name === 'hrandfield') {
      const c = Number(cmd[2]);
      const exact = c >= 1000;
      if (!exact) return `${reply.length} entries`;
      if (!large) return reply;
      return cmd.length === 4 ? sortedPairs(reply) : [...reply].map((x) => JSON.stringify(x)).sort();
    }
    if (!large) return reply;
    if (name === 'hkeys' || name === 'hvals') return [...reply].map((x) => JSON.stringify(x)).sort();
    if (name === 'hgetall') return sortedPairs(reply);
    if (name === 'hscan' && reply.length === 2 && Array.isArray(reply[1])) return [reply[0], sortedPairs(reply[1])];
    return reply;
  };
}


const diff = new DifferentialSuite(t);

diff.test('hash family matches redis-server', async (t, s) => {
  for (const large of [false, true]) {
    for (const seed of [1, 2]) {
      const script = generate(seed * 104729 + s.workers * 31 + (large ? 7 : 0), 3000, large);
      await s.check(`${large ? 'large' : 'small'} seed ${seed}`, script, { normalize: normalizer(large) });
    }
  }
});

diff.test('encoding conversions at the listpack limits match redis-server', async (t, s) => {
  const script: Cmd[] = [];
  // 512 entries (the compiled-in default) stay listpack, the 513th converts; deleting back down never converts back.
  for (let i = 0; i < 515; i++) script.push(['HSET', 'big', `f${i}`, String(i)], ['OBJECT', 'ENCODING', 'big']);
  for (let i = 0; i < 510; i++) script.push(['HDEL', 'big', `f${i}`], ['OBJECT', 'ENCODING', 'big']);
  // 64-byte fields and values are fine, 65 converts, whichever command stores them.
  for (const n of [64, 65]) {
    script.push(['HSET', `v${n}`, 'f', 'x'.repeat(n)], ['OBJECT', 'ENCODING', `v${n}`]);
    script.push(['HSET', `k${n}`, 'y'.repeat(n), 'x'], ['OBJECT', 'ENCODING', `k${n}`]);
    script.push(['HSET', `n${n}`, 'a', '1'], ['HSETNX', `n${n}`, 'a', 'z'.repeat(n)], ['OBJECT', 'ENCODING', `n${n}`]);
    script.push(['HSETNX', `n${n}`, 'b', 'z'.repeat(n)], ['OBJECT', 'ENCODING', `n${n}`]);
    script.push(['HSET', `i${n}`, 'a', '1'], ['HINCRBY', `i${n}`, 'i'.repeat(n), '1'], ['OBJECT', 'ENCODING', `i${n}`]);
    script.push(['HSET', `f${n}`, 'a', '1'], ['HINCRBYFLOAT', `f${n}`, 'a', `1${'0'.repeat(n - 1)}`], ['OBJECT', 'ENCODING', `f${n}`], ['HGET', `f${n}`, 'a']);
  }
  script.push(['HSET', 'order', 'c', '1', 'a', '2', 'b', '3'], ['HDEL', 'order', 'a'], ['HSET', 'order', 'a', '4', 'c', '5'], ['HGETALL', 'order'], ['HSCAN', 'order', '0', 'COUNT', '1']);
  script.push(['HRANDFIELD', 'order', '3'], ['HRANDFIELD', 'order', '10', 'WITHVALUES'], ['HRANDFIELD', 'order', '2', 'WITHVALUES', 'x']);
  await s.check('listpack limits', script);
});
