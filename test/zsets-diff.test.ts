/**
 * Differential tests of the sorted set family against a real redis-server:
 * seeded random scripts over a small key space (so commands collide), with
 * wrong types, wrong arity, bad floats and ranges, binary and empty members,
 * float edge values (-0, inf, 1e21, 0.1 ...), encoding conversions (more than
 * 128 members, members over 64 bytes) and multi-key commands whose keys land
 * on different shards.
 *
 * Where Redis itself is not deterministic the script stays away or compares
 * only the shape:
 * - lex ranges on a skiplist-encoded set whose members are not in score order
 *   depend on Redis's random skiplist levels, so lex commands only go to keys
 *   known to be lex-ordered or small (listpack, scanned linearly);
 * - ZRANDMEMBER answers are random unless the count covers the whole set;
 * - ZSCAN of a skiplist-encoded set follows the hash table: asked with a large
 *   COUNT (one step) and compared as sorted pairs.
 */
import t from 'tap';
import { DifferentialSuite, rng, pick, type Cmd } from './helpers/differential';
import { RespClient, type Reply } from './helpers/resp-client';

/** Small sets with random scores (kept at listpack size). */
const SMALL = ['z0', 'z1', 'z2', '{t}a', '{t}b', 'bin\x00\xff'];
/** Every member has the same score: lex ranges are well defined even as a skiplist. */
const LEX = ['lz0', '{t}lz'];
/** Large sets (> 128 members, skiplist) whose member order equals score order. */
const BIG = ['big0', '{t}big'];
/** Destinations of store commands. */
const DST = ['dst0', '{t}dst'];
const STRING_KEY = 'str';
const SET_KEYS = ['set0', '{t}set'];

const MEMBERS = ['a', 'b', 'c', 'd', 'e', 'f', 'aa', 'ab', 'ba', '', '\x00', '\xff\xfe', 'a\x00b', '1', '10', '2', '-1', 'x y', 'Z', 'm005'];
const LONG_MEMBER = 'L'.repeat(70);

const SCORES = [
  '0', '1', '-1', '2', '3', '10', '-0', '0.1', '-0.1', '1.5', '2.5', '1e21', '1.5e-7', '1e-310', 'inf', '-inf', '+inf', 'Infinity',
  '123456789012345678', '1234567890123456.25', '0x10', '0X1P-2', '.5', '5.', '+.5e-3', '3.0e3', '9007199254740993',
  // invalid
  'nan', 'NaN', 'abc', '', ' 1', '1 ', '1e400', '-1e400', '1e-400', '0x', '1e', '(1',
];

const SCORE_BOUNDS = [
  '-inf', '+inf', 'inf', '-Infinity', '0', '1', '-1', '2', '2.5', '10', '(0', '(1', '(-1', '(2.5', '(10', '(inf', '(-inf', '[1',
  '(', '', ' 1', '1e400', '(1e400', '1e-400', '0x10', 'nan', '(nan', 'abc', '1\x00x', '0.1', '(0.1',
];

const LEX_BOUNDS = ['-', '+', '[a', '(a', '[b', '(b', '[c', '(d', '[', '(', '[aa', '(ab', '[\xff', '(\x00', 'a', '', '+x', '-\x00', '[m050', '(m100', '[m', '(z'];

const INTS = ['0', '1', '2', '3', '-1', '-2', '-3', '5', '10', '100', '-100', '9223372036854775807', '-9223372036854775808'];
const BAD_INTS = ['9223372036854775808', 'abc', '', '1.5', '+1', '01', '-0'];
const WEIGHTS = ['1', '2', '-1', '0', '0.5', '3', 'inf', '-inf', '1e308'];
const BAD_WEIGHTS = ['nan', 'abc', '1e400', ''];

interface Probe {
  sets: boolean;
}

function gen(seed: number, n: number, probe: Probe): Cmd[] {
  const r = rng(seed);
  const out: Cmd[] = [];
  const unsafeLex = new Set<string>();
  let bigNext = 0;
  const member = (): string => (r() < 0.03 ? LONG_MEMBER : pick(r, MEMBERS));
  const score = (): string => {
    const y = r();
    if (y < 0.4) return pick(r, SCORES);
    if (y < 0.8) return String(Math.floor(r() * 20) - 10);
    return (r() * 100 - 50).toFixed(Math.floor(r() * 4));
  };
  const anyKey = (): string => {
    const y = r();
    if (y < 0.45) return pick(r, SMALL);
    if (y < 0.6) return pick(r, LEX);
    if (y < 0.72) return pick(r, BIG);
    if (y < 0.84) return pick(r, DST);
    if (y < 0.92) return STRING_KEY;
    if (y < 0.97 && probe.sets) return pick(r, SET_KEYS);
    return 'nokey';
  };
  /**
   * A store result may be a skiplist (long members, or many from a big key)
   * whose later random ZADDs put members out of lex order: such a key leaves
   * the lex commands' key pool until it is deleted or overwritten from clean inputs.
   */
  const taintFrom = (dst: string, srcs: string[]): void => {
    if (srcs.some((k) => BIG.includes(k) || LEX.includes(k) || unsafeLex.has(k))) unsafeLex.add(dst);
    else unsafeLex.delete(dst);
  };
  const lexKey = (): string => {
    for (;;) {
      const k = anyKey();
      if (!unsafeLex.has(k)) return k;
    }
  };
  const int = (): string => (r() < 0.9 ? pick(r, INTS) : pick(r, BAD_INTS));
  const inputs = (max = 3): string[] => Array.from({ length: 1 + Math.floor(r() * max) }, anyKey);

  const zaddFlags = (): string[] => {
    const f: string[] = [];
    const k = Math.floor(r() * 3);
    for (let i = 0; i < k; i++) f.push(pick(r, ['NX', 'XX', 'GT', 'LT', 'CH', 'INCR', 'nx', 'ch', 'gt', 'incr']));
    return f;
  };

  for (let i = 0; i < n; i++) {
    const y = r() * 100;
    if (y < 16) {
      // ZADD
      const key = anyKey();
      if (BIG.includes(key)) {
        // Members in score order: m000 has score 0 ...
        const pairs: string[] = [];
        const count = r() < 0.2 ? 140 : 1 + Math.floor(r() * 5);
        for (let j = 0; j < count; j++) {
          const idx = r() < 0.5 ? bigNext++ % 400 : Math.floor(r() * 400);
          pairs.push(String(idx), `m${String(idx).padStart(3, '0')}`);
        }
        out.push(['ZADD', key, ...pick(r, [[], ['NX'], ['XX'], ['CH'], ['GT', 'CH']]), ...pairs]);
      } else if (LEX.includes(key)) {
        const pairs: string[] = [];
        const count = 1 + Math.floor(r() * 4);
        for (let j = 0; j < count; j++) pairs.push('0', member());
        out.push(['ZADD', key, ...pick(r, [[], ['NX'], ['XX'], ['CH']]), ...pairs]);
      } else {
        const flags = zaddFlags();
        const pairs: string[] = [];
        const count = flags.some((f) => f.toLowerCase() === 'incr') && r() < 0.8 ? 1 : 1 + Math.floor(r() * 4);
        for (let j = 0; j < count; j++) pairs.push(score(), r() < 0.97 ? pick(r, MEMBERS) : LONG_MEMBER);
        // Long members turn the set into a skiplist with members out of lex order.
        if (pairs.includes(LONG_MEMBER)) unsafeLex.add(key);
        out.push(['ZADD', key, ...flags, ...pairs]);
      }
    } else if (y < 20) {
      const key = anyKey();
      if (BIG.includes(key) || LEX.includes(key)) out.push(['ZSCORE', key, member()]);
      else {
        const m = member();
        if (m === LONG_MEMBER) unsafeLex.add(key);
        out.push(['ZINCRBY', key, score(), m]);
      }
    } else if (y < 24) {
      const key = anyKey();
      out.push(pick(r, [['ZSCORE', key, member()], ['ZMSCORE', key, member(), member(), 'm010'], ['ZCARD', key]]));
    } else if (y < 28) {
      out.push([pick(r, ['ZRANK', 'ZREVRANK']), anyKey(), r() < 0.5 ? member() : `m${String(Math.floor(r() * 200)).padStart(3, '0')}`]);
    } else if (y < 31) {
      out.push(['ZCOUNT', anyKey(), pick(r, SCORE_BOUNDS), pick(r, SCORE_BOUNDS)]);
    } else if (y < 34) {
      out.push(['ZLEXCOUNT', lexKey(), pick(r, LEX_BOUNDS), pick(r, LEX_BOUNDS)]);
    } else if (y < 46) {
      // ZRANGE with every option mix (conflicts included)
      const z = r();
      const withLex = z < 0.3;
      const key = withLex ? lexKey() : anyKey();
      const args: string[] = ['ZRANGE', key];
      if (withLex) args.push(pick(r, LEX_BOUNDS), pick(r, LEX_BOUNDS), 'BYLEX');
      else if (z < 0.65) args.push(pick(r, SCORE_BOUNDS), pick(r, SCORE_BOUNDS), 'BYSCORE');
      else args.push(int(), int());
      const byRank = args.length === 4 && !withLex && z >= 0.65;
      if (r() < 0.4) args.push('REV');
      if (r() < (byRank ? 0.05 : 0.4)) args.push('LIMIT', int(), int());
      if (r() < (withLex ? 0.05 : 0.4)) args.push('WITHSCORES');
      if (r() < 0.05) args.push(pick(r, ['BYSCORE', 'BYLEX', 'REV', 'LIMIT', 'bogus']));
      // Options in any order.
      const opts = args.splice(4);
      for (let j = opts.length - 1; j > 0; j--) {
        if (opts[j - 1] !== 'LIMIT' && opts[j] !== 'LIMIT' && r() < 0.3) [opts[j - 1], opts[j]] = [opts[j], opts[j - 1]];
      }
      out.push([...args, ...opts]);
    } else if (y < 52) {
      const key = anyKey();
      const kind = Math.floor(r() * 6);
      const limit = r() < 0.3 ? ['LIMIT', int(), int()] : [];
      const ws = r() < 0.4 ? ['WITHSCORES'] : [];
      if (kind === 0) out.push(['ZRANGEBYSCORE', key, pick(r, SCORE_BOUNDS), pick(r, SCORE_BOUNDS), ...ws, ...limit]);
      else if (kind === 1) out.push(['ZREVRANGEBYSCORE', key, pick(r, SCORE_BOUNDS), pick(r, SCORE_BOUNDS), ...limit, ...ws]);
      else if (kind === 2) out.push(['ZRANGEBYLEX', lexKey(), pick(r, LEX_BOUNDS), pick(r, LEX_BOUNDS), ...limit]);
      else if (kind === 3) out.push(['ZREVRANGEBYLEX', lexKey(), pick(r, LEX_BOUNDS), pick(r, LEX_BOUNDS), ...limit]);
      else if (kind === 4) out.push(['ZREVRANGE', key, int(), int(), ...ws]);
      else out.push(['ZRANGEBYSCORE', key, pick(r, SCORE_BOUNDS), pick(r, SCORE_BOUNDS), 'WITHSCORES', 'LIMIT', int(), int()]);
    } else if (y < 55) {
      const dst = pick(r, DST);
      const src = anyKey();
      const z = r();
      const args = ['ZRANGESTORE', dst, src];
      if (z < 0.3 && !unsafeLex.has(src)) args.push(pick(r, LEX_BOUNDS), pick(r, LEX_BOUNDS), 'BYLEX');
      else if (z < 0.65) args.push(pick(r, SCORE_BOUNDS), pick(r, SCORE_BOUNDS), 'BYSCORE');
      else args.push(int(), int());
      if (r() < 0.3) args.push('REV');
      if (r() < 0.3) args.push('LIMIT', int(), int());
      if (r() < 0.05) args.push('WITHSCORES');
      taintFrom(dst, [src]);
      out.push(args);
    } else if (y < 60) {
      const key = anyKey();
      out.push(pick(r, [
        ['ZREM', key, member(), member()],
        ['ZREM', key, `m${String(Math.floor(r() * 200)).padStart(3, '0')}`],
        ['ZREMRANGEBYRANK', key, int(), int()],
        ['ZREMRANGEBYSCORE', key, pick(r, SCORE_BOUNDS), pick(r, SCORE_BOUNDS)],
      ]));
      if (r() < 0.3) out.push(['ZREMRANGEBYLEX', lexKey(), pick(r, LEX_BOUNDS), pick(r, LEX_BOUNDS)]);
    } else if (y < 65) {
      const key = anyKey();
      const cnt = r() < 0.5 ? [] : [pick(r, ['0', '1', '2', '5', '-1', 'abc', '200'])];
      if (r() < 0.05) cnt.push('1');
      out.push([pick(r, ['ZPOPMIN', 'ZPOPMAX']), key, ...cnt]);
    } else if (y < 68) {
      const keys = inputs();
      const nk = r() < 0.9 ? String(keys.length) : pick(r, ['0', '-1', 'abc', '9']);
      const args = ['ZMPOP', nk, ...keys, pick(r, ['MIN', 'MAX', 'min', 'bogus'])];
      if (r() < 0.5) args.push('COUNT', pick(r, ['1', '2', '3', '0', '-1', 'abc', '100']));
      if (r() < 0.05) args.push('COUNT', '1');
      out.push(args);
    } else if (y < 72) {
      const key = anyKey();
      out.push(pick(r, [
        ['ZRANDMEMBER', key],
        ['ZRANDMEMBER', key, pick(r, ['1000', '0', '-3', '-1', '1', 'abc', '-9223372036854775808', '9223372036854775807'])],
        ['ZRANDMEMBER', key, pick(r, ['1000', '0', '-2', '9223372036854775807', '-5000000000000000000']), 'WITHSCORES'],
        ['ZRANDMEMBER', key, '5', 'bogus'],
      ]));
    } else if (y < 86) {
      const keys = inputs();
      const op = pick(r, ['ZUNION', 'ZINTER', 'ZDIFF', 'ZINTERCARD', 'ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']);
      const store = op.endsWith('STORE');
      const nk = r() < 0.92 ? String(keys.length) : pick(r, ['0', '-1', 'abc', '7']);
      const args: string[] = [op];
      let dst = '';
      if (store) {
        dst = pick(r, DST);
        args.push(dst);
      }
      args.push(nk, ...keys);
      const plain = op === 'ZDIFF' || op === 'ZDIFFSTORE' || op === 'ZINTERCARD';
      if (r() < (plain ? 0.05 : 0.4)) args.push('WEIGHTS', ...keys.map(() => (r() < 0.95 ? pick(r, WEIGHTS) : pick(r, BAD_WEIGHTS))));
      if (r() < (plain ? 0.05 : 0.4)) args.push('AGGREGATE', pick(r, ['SUM', 'MIN', 'MAX', 'max', 'sum', 'min', r() < 0.3 ? 'avg' : 'MIN']));
      if (r() < (store || op === 'ZINTERCARD' ? 0.05 : 0.5)) args.push('WITHSCORES');
      if (r() < (op === 'ZINTERCARD' ? 0.5 : 0.03)) args.push('LIMIT', pick(r, ['0', '1', '2', '3', '-1', 'abc']));
      if (store) taintFrom(dst, keys);
      out.push(args);
    } else if (y < 89) {
      const key = anyKey();
      const args = ['ZSCAN', key, r() < 0.85 ? '0' : pick(r, ['abc', '+0', ' 0', ''])];
      if (r() < 0.5) args.push('MATCH', pick(r, ['*', 'a*', '*b*', 'm0[0-4]*', '[ab]', '?']));
      args.push('COUNT', r() < 0.9 ? '1000' : pick(r, ['0', 'abc', '-1']));
      out.push(args);
    } else if (y < 92) {
      const key = anyKey();
      out.push(pick(r, [['TYPE', key], ['OBJECT', 'ENCODING', key], ['EXISTS', key], ['ZCARD', key]]));
    } else if (y < 94) {
      // wrong arity
      out.push(pick(r, [
        ['ZADD', anyKey(), '1'], ['ZADD', anyKey()], ['ZINCRBY', anyKey(), '1'], ['ZSCORE', anyKey()], ['ZCARD'],
        ['ZCOUNT', anyKey(), '0'], ['ZRANGE', anyKey(), '0'], ['ZRANGESTORE', 'dst0', anyKey(), '0'], ['ZREM', anyKey()],
        ['ZPOPMIN'], ['ZMPOP', '1', anyKey()], ['ZUNION', '1'], ['ZUNIONSTORE', 'dst0', '1'], ['ZSCAN', anyKey()],
        ['ZRANK', anyKey()], ['ZREMRANGEBYRANK', anyKey(), '0'], ['ZRANDMEMBER'], ['ZMSCORE', anyKey()],
      ]));
    } else if (y < 96) {
      out.push(['SET', STRING_KEY, pick(r, ['x', '1', ''])]);
      if (probe.sets) {
        const k = pick(r, SET_KEYS);
        const members = [member(), member(), 'm005'];
        if (members.includes(LONG_MEMBER)) unsafeLex.add(k);
        out.push(['SADD', k, ...members]);
      }
    } else if (y < 97) {
      const k = anyKey();
      out.push(['DEL', k]);
      unsafeLex.delete(k);
    } else {
      // A store from a small set into a big name keeps every family of keys busy.
      out.push(['ZRANGE', anyKey(), '0', '-1', 'WITHSCORES']);
    }
  }
  // Final state of every key.
  for (const k of [...SMALL, ...LEX, ...BIG, ...DST]) {
    out.push(['ZRANGE', k, '0', '-1', 'WITHSCORES'], ['OBJECT', 'ENCODING', k], ['TYPE', k]);
  }
  return out;
}

function countArg(cmd: Cmd): bigint | null {
  try {
    return BigInt(String(cmd[2]));
  } catch {
    return null;
  }
}

/** Pairs of a flat [m, s, m, s] list, sorted. */
function sortedPairs(flat: Reply[]): Reply[] {
  const pairs: string[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) pairs.push(JSON.stringify([flat[i], flat[i + 1]]));
  return pairs.sort();
}

function normalize(cmd: Cmd, reply: Reply): Reply {
  const name = String(cmd[0]).toUpperCase();
  if (name === 'ZRANDMEMBER') {
    if (cmd.length === 2) return typeof reply === 'string' ? 'some member' : reply;
    const n = countArg(cmd);
    // Repeats allowed, or a single pick: random. Only the size is Redis's.
    if (Array.isArray(reply) && n !== null && (n < 0n || n === 1n)) return `${reply.length} random elements`;
    return reply;
  }
  if (name === 'ZSCAN' && Array.isArray(reply) && Array.isArray(reply[1])) return [reply[0], sortedPairs(reply[1])];
  return reply;
}


async function probeSets(port: number): Promise<Probe> {
  const c = await RespClient.connect(port);
  try {
    const r = await c.call('SADD', '__probe', 'x');
    await c.call('DEL', '__probe');
    return { sets: r === 1 };
  } finally {
    c.close();
  }
}

const diff = new DifferentialSuite(t);

diff.test('sorted set family matches redis-server', async (t, s) => {
  const probe = await probeSets(s.shardis.port);
  t.ok(probe.sets, 'plain sets exist, so the scripts mix them in as zset inputs');
  for (const seed of [1, 2]) await s.check(`seed ${seed}`, gen(seed * 104729 + s.workers, 2500, probe), { normalize });
});

diff.test('score formatting matches redis-server (%.17g replies, ZSCAN text of both encodings)', async (t, s) => {
  const r = rng(4242);
  const script: Cmd[] = [];
  const num = (): string => {
    const y = r();
    if (y < 0.3) return ((r() < 0.5 ? -1 : 1) * r() * 10 ** Math.floor(r() * 60 - 30)).toPrecision(1 + Math.floor(r() * 20));
    if (y < 0.5) return `${Math.floor(r() * 1e6) - 5e5}.${Math.floor(r() * 1e9)}`;
    if (y < 0.6) return `0x${Math.floor(r() * 1e9).toString(16)}.${Math.floor(r() * 1e6).toString(16)}p${Math.floor(r() * 200) - 100}`;
    if (y < 0.8) return String(Math.floor(r() * 2 ** 53) * 2 ** Math.floor(r() * 20));
    return pick(r, ['0.1', '1e21', '1.5e-7', '-0', '1234567890123456.25', '5e-324', '1.7976931348623157e308', '1e-310', '0.3', '2.675']);
  };
  for (let i = 0; i < 600; i++) {
    const m = `m${i}`;
    const s = num();
    script.push(['ZADD', 'lp', s, m], ['ZSCORE', 'lp', m], ['ZADD', 'sk', s, m], ['ZINCRBY', 'sk', num(), m]);
  }
  // 'lp' and 'sk' end as skiplists (600 members); 'small' stays a listpack, whose ZSCAN prints scores differently.
  for (let i = 0; i < 100; i++) script.push(['ZADD', 'small', num(), `s${i}`]);
  script.push(['ZRANGE', 'sk', '0', '-1', 'WITHSCORES'], ['ZRANGE', 'small', '0', '-1', 'WITHSCORES']);
  script.push(['ZSCAN', 'sk', '0', 'COUNT', '100000'], ['ZSCAN', 'small', '0']);
  script.push(['OBJECT', 'ENCODING', 'sk'], ['OBJECT', 'ENCODING', 'small']);
  await s.check('scores', script, { normalize });
});

diff.test('ZRANK/ZREVRANK take exactly key and member in 7.0 (WITHSCORE is 7.2)', async (t, s) => {
  await s.check('ZRANK arity', [
    ['ZADD', 'zz', '1', 'a', '2', 'b'],
    ['ZRANK', 'zz', 'a', 'WITHSCORE'], ['ZREVRANK', 'zz', 'a', 'x'], ['ZRANK', 'zz', 'b'], ['ZREVRANK', 'zz', 'b'], ['ZRANK', 'zz', 'nope'],
    ['MULTI'], ['ZRANK', 'zz', 'a', 'x'], ['ZRANK', 'zz', 'a'], ['EXEC'],
    ['COMMAND', 'INFO', 'ZRANK', 'ZREVRANK'],
  ]);
});
