/**
 * Differential tests of the set family against a real redis-server: seeded
 * random scripts over a small key space (so commands collide on the same
 * keys and sets grow past the 512-member intset limit), with string keys in
 * the same space (WRONGTYPE), wrong arity, bad counts and cursors, binary and
 * empty members, non-canonical integers and int64 edges.
 *
 * Random commands are compared only where Redis is deterministic: a partial
 * SPOP/SRANDMEMBER is checked for its size (and the popped key is then
 * deleted on both servers so they stay in step); a whole-set answer
 * (count >= size) is compared exactly. Unordered replies are sorted, except
 * in the all-intset script, where Redis's numeric order is compared as is.
 */
import t from 'tap';
import { DifferentialSuite, rng, pick, type Cmd } from './helpers/differential';
import type { Reply } from './helpers/resp-client';

const SMALL_INTS = Array.from({ length: 16 }, (_, i) => String(i)).concat(['-1', '-5', '42', '100', '65536', '-70000', '4294967296']);
const EDGE_MEMBERS = [
  '9223372036854775807', '-9223372036854775808', '9223372036854775808', '-9223372036854775809',
  '01', '-0', '+1', ' 1', '1 ', '1.5', '1e3', '0x10', '', '\x00', '\xff\xfe\x00\x01', 'x'.repeat(70), '12345678901234567890',
];
const WORDS = ['a', 'b', 'c', 'd', 'aa', 'ab', 'ba', 'hello', 'h?llo', 'a*b', '[x]'];
const COUNTS = ['0', '1', '2', '3', '5', '-1', '-3', '-20', '100000', 'abc', '', '1.5', '-9223372036854775808', '9223372036854775807', '+2', '01'];
const PATTERNS = ['*', 'a*', '?', '1*', '*b*', '[ab]*', '\\*', '', 'h?llo', '-*'];
const CURSORS = ['0', '', '-1', '+0', 'abc', ' 0', '18446744073709551616', '18446744073709551615', '5'];

/** Each command with the number of arguments it needs at least (fewer is an arity error). */
const WRONG_ARITY: [string, number][] = [
  ['SADD', 2], ['SREM', 2], ['SCARD', 1], ['SISMEMBER', 2], ['SMISMEMBER', 2], ['SMEMBERS', 1], ['SRANDMEMBER', 1], ['SPOP', 1],
  ['SMOVE', 3], ['SINTER', 1], ['SINTERCARD', 2], ['SUNION', 1], ['SDIFF', 1], ['SINTERSTORE', 2], ['SUNIONSTORE', 2], ['SDIFFSTORE', 2], ['SSCAN', 2],
];

function member(r: () => number): string {
  const x = r();
  if (x < 0.55) return pick(r, SMALL_INTS);
  if (x < 0.85) return pick(r, WORDS);
  return pick(r, EDGE_MEMBERS);
}

function members(r: () => number, max: number): string[] {
  return Array.from({ length: 1 + Math.floor(r() * max) }, () => member(r));
}

/** A run of integers, so sets cross the 512-member intset limit. */
function intRun(r: () => number): string[] {
  const start = Math.floor(r() * 400) - 50;
  const n = pick(r, [50, 200, 400, 520, 700]);
  return Array.from({ length: n }, (_, i) => String(start + i));
}

function generate(seed: number, count: number, keys: readonly string[]): Cmd[] {
  const r = rng(seed);
  const key = (): string => pick(r, keys);
  const someKeys = (max: number): string[] => Array.from({ length: 1 + Math.floor(r() * max) }, key);
  const out: Cmd[] = [];
  for (let i = 0; i < count; i++) {
    switch (Math.floor(r() * 30)) {
      case 0: case 1: case 2: out.push(['SADD', key(), ...members(r, 5)]); break;
      case 3: out.push(['SADD', key(), ...(r() < 0.8 ? intRun(r) : [...intRun(r), member(r)])]); break;
      case 4: case 5: out.push(['SREM', key(), ...members(r, 4)]); break;
      case 6: out.push(['SCARD', key()], ['OBJECT', 'ENCODING', key()]); break;
      case 7: out.push(['SISMEMBER', key(), member(r)]); break;
      case 8: out.push(['SMISMEMBER', key(), ...members(r, 5)]); break;
      case 9: out.push(['SMEMBERS', key()]); break;
      case 10: {
        if (r() < 0.3) out.push(['SRANDMEMBER', key()]);
        else out.push(['SRANDMEMBER', key(), pick(r, COUNTS), ...(r() < 0.05 ? ['x'] : [])]);
        break;
      }
      case 11: {
        // A random pop leaves the two servers with different members: compare
        // its size and the remaining count, then drop the key on both.
        const k = key();
        if (r() < 0.3) out.push(['SPOP', k]);
        else out.push(['SPOP', k, pick(r, COUNTS), ...(r() < 0.05 ? ['x'] : [])]);
        out.push(['SCARD', k], ['DEL', k]);
        break;
      }
      case 12: out.push(['SPOP', key(), pick(r, ['100000', '9223372036854775807'])]); break;
      case 13: out.push(['SMOVE', key(), key(), member(r)]); break;
      case 14: out.push([pick(r, ['SINTER', 'SUNION', 'SDIFF']), ...someKeys(4)]); break;
      case 15: case 16: {
        const dst = key();
        out.push([pick(r, ['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']), dst, ...someKeys(4)]);
        out.push(['OBJECT', 'ENCODING', dst], ['SMEMBERS', dst], ['TTL', dst]);
        break;
      }
      case 17: {
        const ks = someKeys(3);
        const numkeys = r() < 0.85 ? String(ks.length) : pick(r, ['0', '-1', 'abc', String(ks.length + 1), '9223372036854775808']);
        const opts = r() < 0.5 ? [] : pick(r, [['LIMIT', pick(r, ['0', '1', '2', '5', '-1', 'abc'])], ['LIMIT'], ['FOO', '1'], ['limit', '1', 'LIMIT', '3']]);
        out.push(['SINTERCARD', numkeys, ...ks, ...opts]);
        break;
      }
      case 18: {
        const opts: string[] = [];
        if (r() < 0.5) opts.push('MATCH', pick(r, PATTERNS));
        opts.push('COUNT', '100000');
        if (r() < 0.3) opts.reverse();
        out.push(['SSCAN', key(), '0', ...opts]);
        break;
      }
      case 19: {
        // Cursor and option errors, and small COUNTs (compared for shape only).
        const opts = pick(r, [[], ['COUNT', pick(r, ['0', '-1', 'abc', '1', '3'])], ['MATCH'], ['TYPE', 'set'], ['COUNT', '2', 'MATCH', 'a*'], ['FOO', 'bar']]);
        out.push(['SSCAN', key(), pick(r, CURSORS), ...opts]);
        break;
      }
      case 20: out.push(['SET', key(), pick(r, ['v', '1', '']) ]); break;
      case 21: out.push(['DEL', key()]); break;
      case 22: out.push(['TYPE', key()], ['EXISTS', key()]); break;
      case 23: out.push(['EXPIRE', key(), '100000'], ['TTL', key()]); break;
      case 24: {
        // Every set command with too few arguments.
        const [name, minArgs] = pick(r, WRONG_ARITY);
        out.push([name, ...Array.from({ length: Math.floor(r() * minArgs) }, key)]);
        break;
      }
      case 25: out.push(['SCARD', key(), key()], ['SISMEMBER', key()], ['SMOVE', key(), key()], ['SMEMBERS', key(), 'x']); break;
      case 26: out.push(['COPY', key(), key(), ...(r() < 0.5 ? ['REPLACE'] : [])]); break;
      case 27: out.push(['RENAME', key(), key()]); break;
      case 28: out.push(['SADD', key(), member(r)], ['SREM', key(), member(r)]); break;
      case 29: out.push(['SRANDMEMBER', key(), '100000'], ['SMEMBERS', key()]); break;
    }
  }
  return out;
}

const sortStrings = (r: Reply): Reply => (Array.isArray(r) ? [...r].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) : r);

function isCount(s: unknown): boolean {
  return typeof s === 'string' && /^(0|-?[1-9][0-9]{0,18})$/.test(s);
}

/** Reduces replies Redis leaves random to what both servers must agree on. */
function normalize(cmd: Cmd, reply: Reply): Reply {
  const name = String(cmd[0]).toUpperCase();
  if (reply !== null && typeof reply === 'object' && !Array.isArray(reply)) return reply; // errors compare exactly
  switch (name) {
    case 'TTL':
      return typeof reply === 'number' && reply > 0 ? 'positive' : reply;
    case 'SRANDMEMBER':
    case 'SPOP': {
      if (typeof reply === 'string') return 'member';
      if (!Array.isArray(reply) || cmd.length < 3 || !isCount(cmd[2])) return reply;
      const n = BigInt(String(cmd[2]));
      // Fewer members than asked for: the whole set, deterministic.
      if (n > 0n && BigInt(reply.length) < n) return sortStrings(reply);
      return ['random', reply.length];
    }
    case 'SSCAN': {
      if (!Array.isArray(reply)) return reply;
      const big = cmd.some((a, i) => i >= 3 && String(a).toUpperCase() === 'COUNT' && cmd[i + 1] === '100000');
      return big ? [reply[0], sortStrings(reply[1])] : 'scan-reply';
    }
    default:
      return reply;
  }
}


const UNORDERED = ['smembers', 'sinter', 'sunion', 'sdiff'];
/** Keys sharing a hash tag (one shard) and plain keys (spread over shards: the cross-shard executor). */
const TAGGED = ['{s}0', '{s}1', '{s}2', '{s}3', '{s}4', '{s}5', '{s}bin\x00\xff', '{s}'];
const SPREAD = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'bin\x00\xff', ''];

const diff = new DifferentialSuite(t);

diff.test('set family matches redis-server', async (t, s) => {
  for (const seed of [1, 2]) {
    for (const [label, keys] of [['one shard', TAGGED], ['spread keys', SPREAD]] as const) {
      // With one shard, spread keys are one shard's keys too.
      if (s.workers < 2 && label === 'spread keys') continue;
      const script = generate(seed * 7919 + s.workers + (label === 'one shard' ? 0 : 17), 2500, keys);
      await s.check(`seed ${seed} ${label}`, script, { unordered: UNORDERED, normalize });
    }
  }
});

diff.test('intset replies come back in Redis\'s numeric order (compared unsorted)', async (t, s) => {
  const r = rng(4242);
  const keys = ['i0', 'i1', 'i2', '{i}3', '{i}4'];
  const int = (): string => pick(r, [...SMALL_INTS, '9223372036854775807', '-9223372036854775808', String(Math.floor(r() * 2e9) - 1e9)]);
  const script: Cmd[] = [];
  for (let i = 0; i < 1500; i++) {
    const k = pick(r, keys);
    switch (Math.floor(r() * 9)) {
      case 0: case 1: script.push(['SADD', k, ...Array.from({ length: 1 + Math.floor(r() * 8) }, int)]); break;
      case 2: script.push(['SREM', k, int(), int()]); break;
      case 3: script.push(['SMEMBERS', k]); break;
      case 4: script.push([pick(r, ['SUNION', 'SDIFF']), k, pick(r, keys), pick(r, keys)]); break;
      case 5: script.push(['SSCAN', k, pick(r, ['0', '7']), 'COUNT', pick(r, ['1', '2'])]); break;
      case 6: script.push(['SRANDMEMBER', k, '600']); break;
      case 7: script.push([pick(r, ['SUNIONSTORE', 'SDIFFSTORE', 'SINTERSTORE']), pick(r, keys), k, pick(r, keys)], ['SMEMBERS', pick(r, keys)]); break;
      case 8: script.push(['SPOP', k, '600'], ['SADD', k, int()]); break;
    }
    if (i % 50 === 0) script.push(['MEMORY', 'USAGE', k], ['OBJECT', 'ENCODING', k]);
  }
  // The 512-member intset limit, exactly; a hashtable never turns back into an intset on SREM.
  const ints = (from: number, n: number): string[] => Array.from({ length: n }, (_, i) => String(from + i));
  script.push(['DEL', 'lim'], ['SADD', 'lim', ...ints(0, 511)], ['OBJECT', 'ENCODING', 'lim'], ['SADD', 'lim', '511'], ['OBJECT', 'ENCODING', 'lim']);
  script.push(['SADD', 'lim', '0'], ['OBJECT', 'ENCODING', 'lim'], ['SADD', 'lim', '512'], ['OBJECT', 'ENCODING', 'lim'], ['SCARD', 'lim']);
  script.push(['SREM', 'lim', '512', '511'], ['OBJECT', 'ENCODING', 'lim'], ['SINTERSTORE', 'lim2', 'lim', 'lim'], ['OBJECT', 'ENCODING', 'lim2'], ['SMEMBERS', 'lim2']);
  script.push(['SADD', 'lim3', ...ints(-256, 512), 'x'], ['OBJECT', 'ENCODING', 'lim3'], ['SDIFFSTORE', 'lim4', 'lim3', 'lim'], ['OBJECT', 'ENCODING', 'lim4'], ['SCARD', 'lim4']);
  script.push(['SMOVE', 'lim3', 'fresh', '-256'], ['OBJECT', 'ENCODING', 'fresh'], ['SMOVE', 'lim3', 'fresh2', 'x'], ['OBJECT', 'ENCODING', 'fresh2']);
  script.push(['MEMORY', 'USAGE', 'lim2'], ['SADD', 'w', '70000', '1'], ['MEMORY', 'USAGE', 'w'], ['SADD', 'w', '5000000000'], ['MEMORY', 'USAGE', 'w']);
  // SPOP's "keep the few remaining" strategy builds a fresh set: a big all-integer set becomes an intset again.
  script.push(['DEL', 'big'], ['SADD', 'big', ...Array.from({ length: 600 }, (_, i) => String(i * 3))], ['OBJECT', 'ENCODING', 'big']);
  script.push(['SPOP', 'big', '500'], ['OBJECT', 'ENCODING', 'big'], ['SCARD', 'big']);
  script.push(['SADD', 'big2', ...Array.from({ length: 600 }, (_, i) => String(i))], ['SPOP', 'big2', '400'], ['OBJECT', 'ENCODING', 'big2']);
  const spopNormalize = (cmd: Cmd, reply: Reply): Reply =>
    String(cmd[0]).toUpperCase() === 'SPOP' && cmd[2] === '500' && Array.isArray(reply) ? reply.length : String(cmd[0]).toUpperCase() === 'SPOP' && cmd[2] === '400' && Array.isArray(reply) ? reply.length : reply;
  await s.check('intsets', script, { normalize: spopNormalize });
});
