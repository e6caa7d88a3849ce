/**
 * SORT and SORT_RO.
 *
 * Behaviour over TCP with every worker count: BY/GET patterns with hash tags,
 * pattern keys on other shards (also in MULTI and scripts), STORE to another shard (with
 * and without patterns), TTL and type of the destination, sorted set encoding
 * after SORT, COMMAND GETKEYS, a large sort.
 *
 * Differential tests against a real redis-server: seeded random scripts over
 * lists, sets (intset and hashtable) and sorted sets of numbers and strings,
 * with BY / GET patterns (string keys, hash fields, missing and wrong-type
 * pattern keys, `#`, patterns without `*`), LIMIT edge values, ASC/DESC,
 * ALPHA, STORE (to the same shard and to another shard), SORT_RO, wrong types
 * and syntax errors; and strtod's corner cases one by one.
 *
 * Pattern keys carry the sorted keys' hash tag ({s}), another tag ({o}) or
 * none, so with --workers 4 they live on the sorted key's shard or on any
 * other: the router then sends the SORT through its cross-shard plan, which
 * reads them from their shards.
 *
 * Redis leaves some orders undefined, which are compared loosely: a set with
 * BY nosort comes back in its own order (compared sorted, or by size under
 * LIMIT), and ALPHA with a BY pattern has ties whose order depends on input
 * order for sets/sorted sets and on Redis's unstable partial sort under LIMIT.
 * STORE writes such results to destinations named for how to compare them.
 */
import t from 'tap';
import { startShardis, WORKER_MATRIX } from './helpers/servers';
import { DifferentialSuite, runDifferential, rng, pick, type Cmd, type Mismatch, describeMismatches } from './helpers/differential';
import { type Reply, connectResp } from './helpers/resp-client';
import { shardOf, keyOnAnotherShard } from './helpers/shards';
import { err } from './helpers/util';

/**
 * No value here overflows or underflows a double: Redis checks errno == ERANGE
 * after strtod without clearing errno first, so once one score sets ERANGE,
 * later SORTs handled in the same event loop pass (the rest of a pipeline)
 * fail too. Those values are compared one command at a time below.
 */
const NUMS = ['1', '2', '10', '-3', '3.5', '1e2', '0', '', ' 7', '007', '0x10', 'inf', '-inf', '-0', '2.5e-3', '100', '99', '1e308'];
const STRS = ['a', 'b', 'B', 'abc', 'ab', 'a b', '\xff', '\x80x', 'apple', 'Zed', '10', '9', '', 'nan', '5 '];
const NUL_STRS = ['a\x00b', 'a\x00c', 'a\x00'];
const INTS = ['1', '2', '3', '10', '-5', '42', '7', '100', '0', '-100'];

/** Sorted keys by what they hold; each keeps its type for the whole script. */
const KEYS = {
  numList: '{s}nl',
  strList: '{s}sl',
  intSet: '{s}is',
  numSet: '{s}ns',
  strSet: '{s}ss',
  zset: '{s}z',
};
const SET_KEYS = new Set([KEYS.intSet, KEYS.numSet, KEYS.strSet]);
const WRONG = ['{s}h', '{s}str'];
const MISSING = '{s}none';
/** Pattern templates: `%` is replaced by one of TAGS when a SORT is generated. */
const BY_PATTERNS = ['%w_*', '%h_*->f', 'nosort', '%w_*->f', '%miss_*', '#', '%h_*->', '%w_*\x00x', '%z_*'];
const GET_PATTERNS = ['#', '%w_*', '%h_*->f', 'nostar', '%h_*->', '%w_*->f', '%h_*->g', '#\x00x', '%l_*'];
/** The sorted keys' tag (same shard), another tag, none (each derived key on its own shard). */
const TAGS = ['{s}', '{s}', '{o}', ''];
const OFFSETS = ['0', '1', '2', '-1', '5', '100', 'abc', '9223372036854775807', '-9223372036854775808'];
const COUNTS = ['0', '1', '2', '3', '-1', '-5', '100', 'x', '9223372036854775807'];

function hasStar(p: string): boolean {
  const z = p.indexOf('\0');
  const s = p.indexOf('*');
  return s !== -1 && (z === -1 || s < z);
}

interface SortShape {
  key: string;
  dontsort: boolean;
  byStar: boolean;
  alpha: boolean;
  limited: boolean;
  store: boolean;
}

/** Which of Redis's orders a SORT leaves undefined: 'exact', 'unordered' (compare sorted) or 'size'. */
function orderKind(s: SortShape): 'exact' | 'unordered' | 'size' {
  const isSet = SET_KEYS.has(s.key);
  if (s.dontsort && isSet && !s.store) return s.limited ? 'size' : 'unordered';
  if (!s.dontsort && s.alpha && s.byStar) {
    if (s.limited) return 'size';
    if (isSet || s.key === KEYS.zset) return 'unordered';
  }
  return 'exact';
}

function shapeOf(cmd: Cmd): SortShape {
  const a = cmd.map((x) => (Buffer.isBuffer(x) ? x.toString('latin1') : String(x)));
  const s: SortShape = { key: a[1], dontsort: false, byStar: false, alpha: false, limited: false, store: false };
  for (let i = 2; i < a.length; i++) {
    const o = a[i].toLowerCase();
    if (o === 'by' && i + 1 < a.length) {
      s.byStar = hasStar(a[i + 1]);
      if (!s.byStar) s.dontsort = true;
      i++;
    } else if (o === 'get' && i + 1 < a.length) i++;
    else if (o === 'limit' && i + 2 < a.length) {
      s.limited = true;
      i += 2;
    } else if (o === 'store' && i + 1 < a.length) {
      s.store = true;
      i++;
    } else if (o === 'alpha') s.alpha = true;
  }
  if (s.dontsort && SET_KEYS.has(s.key) && s.store) {
    // Redis sorts a set with ALPHA when it must STORE a BY nosort result.
    s.dontsort = false;
    s.alpha = true;
    s.byStar = false;
  }
  return s;
}

function generate(seed: number, count: number, plainDests: string[]): Cmd[] {
  const r = rng(seed);
  const out: Cmd[] = [['SET', '{s}str', 'x'], ['HSET', '{s}h', 'f', '1']];
  const some = (pool: readonly string[], max: number): string[] => Array.from({ length: 1 + Math.floor(r() * max) }, () => pick(r, pool));
  const allElems = [...NUMS, ...STRS, ...NUL_STRS, ...INTS];
  const weight = (): string => (r() < 0.8 ? String(Math.floor(r() * 200) - 100) : pick(r, ['x', 'abc', '', '1.5', 'B', 'a', 'nan', ' 3', '0x1p4']));
  const fill = (key: string): Cmd[] => {
    switch (key) {
      case KEYS.numList: return [['DEL', key], ['RPUSH', key, ...some(NUMS.concat(INTS), 12)]];
      case KEYS.strList: return [['DEL', key], ['RPUSH', key, ...some(STRS.concat(NUL_STRS, INTS), 12)]];
      case KEYS.intSet: return [['DEL', key], ['SADD', key, ...some(INTS, 10)]];
      case KEYS.numSet: return [['DEL', key], ['SADD', key, ...some(NUMS.concat(INTS), 10)]];
      case KEYS.strSet: return [['DEL', key], ['SADD', key, ...some(STRS, 10)]];
      default: {
        const args: string[] = [];
        for (const m of some(STRS.concat(INTS), 10)) args.push(String(Math.floor(r() * 6) - 2), m);
        return [['DEL', key], ['ZADD', key, ...args]];
      }
    }
  };
  for (const k of Object.values(KEYS)) out.push(...fill(k));

  for (let i = 0; i < count; i++) {
    const x = r();
    if (x < 0.08) {
      out.push(...fill(pick(r, Object.values(KEYS))));
      continue;
    }
    if (x < 0.16) {
      const e = pick(r, allElems);
      const tag = pick(r, TAGS);
      const y = r();
      if (y < 0.45) out.push(['SET', `${tag}w_${e}`, weight()]);
      else if (y < 0.8) out.push(['HSET', `${tag}h_${e}`, 'f', weight(), ...(r() < 0.3 ? ['g', weight()] : [])]);
      else if (y < 0.9) out.push(['DEL', `${tag}w_${e}`, `${tag}h_${e}`]);
      else out.push(['RPUSH', `${tag}w_${e}`, 'wrongtype']);
      continue;
    }
    if (x < 0.18) {
      out.push(['OBJECT', 'ENCODING', KEYS.zset]);
      continue;
    }
    // A SORT.
    const key = r() < 0.9 ? pick(r, Object.values(KEYS)) : pick(r, [...WRONG, MISSING]);
    const ro = r() < 0.15;
    const opts: string[][] = [];
    const pattern = (pool: readonly string[]): string => pick(r, pool).replace('%', pick(r, TAGS));
    if (r() < 0.4) {
      opts.push(['BY', pattern(BY_PATTERNS)]);
      if (r() < 0.05) opts.push(['BY', pattern(BY_PATTERNS)]);
    }
    if (r() < 0.3) opts.push(['LIMIT', pick(r, OFFSETS), pick(r, COUNTS)]);
    const gets = Math.floor(r() * r() * 4);
    for (let j = 0; j < gets; j++) {
      opts.push(['GET', pattern(GET_PATTERNS)]);
    }
    if (r() < 0.5) opts.push([pick(r, ['ASC', 'DESC', 'desc', 'asc'])]);
    if (r() < 0.45) opts.push([pick(r, ['ALPHA', 'alpha'])]);
    const store = r() < 0.25;
    if (r() < 0.04) opts.push([pick(r, ['FOO', 'LIMIT', 'GET', 'BY'])]);
    if (r() < 0.02) opts.push(['LIMIT', '1']);
    // Option order does not matter to SORT: shuffle.
    for (let j = opts.length - 1; j > 0; j--) {
      const k = Math.floor(r() * (j + 1));
      [opts[j], opts[k]] = [opts[k], opts[j]];
    }
    const cmd: string[] = [ro ? 'SORT_RO' : 'SORT', key, ...opts.flat()];
    if (store) {
      const kind = orderKind({ ...shapeOf(cmd), store: true });
      const suffix = kind === 'exact' ? 'dst' : kind === 'unordered' ? 'dstu' : 'dstn';
      // Half the time a destination on another shard (with --workers 4): the cross-shard STORE path.
      const dest = r() < 0.5 ? plainDests[['dst', 'dstu', 'dstn'].indexOf(suffix)] : `{s}${suffix}`;
      cmd.push('STORE', dest);
      out.push(cmd, ['LRANGE', dest, '0', '-1'], ['EXISTS', dest], ['TTL', dest]);
      if (r() < 0.2) out.push(['EXPIRE', dest, '1000']);
    } else {
      out.push(cmd);
    }
  }
  return out;
}

function sortedCopy(r: Reply[]): Reply[] {
  return r.map((x) => JSON.stringify(x)).sort();
}

function normalize(cmd: Cmd, reply: Reply): Reply {
  const name = String(cmd[0]).toLowerCase();
  if (name === 'ttl' && typeof reply === 'number' && reply > 0) return 'positive';
  if (!Array.isArray(reply)) return reply;
  if (name === 'lrange') {
    const k = String(cmd[1]);
    if (k.includes('dstu')) return sortedCopy(reply);
    if (k.includes('dstn')) return `${reply.length} elements`;
    return reply;
  }
  if (name !== 'sort' && name !== 'sort_ro') return reply;
  const kind = orderKind(shapeOf(cmd));
  if (kind === 'unordered') return sortedCopy(reply);
  if (kind === 'size') return `${reply.length} elements`;
  return reply;
}

const diff = new DifferentialSuite(t);

diff.test('SORT matches redis-server', async (t, s) => {
  const shards = Math.max(1, s.workers);
  const plainDests = shards > 1 ? ['dst', 'dstu', 'dstn'].map((d) => keyOnAnotherShard(`x${d}`, '{s}', shards)) : ['xdst', 'xdstu', 'xdstn'];
  for (const seed of [1, 2]) await s.check(`seed ${seed}`, generate(seed * 65537 + s.workers, 2000, plainDests), { normalize });
});

diff.test('SORT scores read like strtod, edge by edge', async (t, s) => {
  const values = [
    '', ' 5', '\t8', '\n9', '\v3', '\f2', '\r1', '5 ', '+.5', '-.5e1', '5.', '.', '+', '-', '1e', '1e+', '0x', '0x1p', '0x1p3', '0X1P-2',
    '0x.8', '0x1.8p1', '0x1p-1070', '0x1p-1074', '0x1p-1075', '0x1.8p-1074', '0x1p1023', '0x1p1024', '0x1.fffffffffffff8p1023',
    '0x.00000000000000000000000000000000000001p-900', '1e308', '1.7976931348623157e308', '1.8e308', '2.2250738585072014e-308',
    '2.2250738585072011e-308', '4.9e-324', '1e-310', '1e-400', '0e99999', '1e-99999', '0.0000', '00012', 'inf', 'INF', '-Infinity',
    'infinit', 'infx', 'nan', '-nan', 'nan(123)', '1_0', '1e5x', '1\x00junk', '\x00', '1,5', '12345678901234567890123',
  ];
  // A fresh connection per value: Redis's stale ERANGE (see NUMS) lasts until something else sets errno,
  // such as accepting a connection, so each case starts clean.
  const all: Mismatch[] = [];
  for (const v of values) {
    const script: Cmd[] = [['RPUSH', 'l', v, '1.5', '-2'], ['SORT', 'l'], ['SORT', 'l', 'DESC'], ['SORT', 'l', 'LIMIT', '0', '1']];
    all.push(...(await runDifferential(s.shardis.port, s.redis.port, script)));
  }
  t.equal(all.length, 0, `${all.length} mismatches\n${describeMismatches(all)}`);
});

for (const workers of WORKER_MATRIX) {
  t.test(`SORT with --workers ${workers}`, async (t) => {
    const srv = await startShardis(t, { workers });
    const c = await connectResp(t, srv.port);
    const shards = Math.max(1, workers);

    t.test('lists, sets and sorted sets', async (t) => {
      await c.call('RPUSH', 'l', '3', '1', '2', '10');
      t.same(await c.call('SORT', 'l'), ['1', '2', '3', '10']);
      t.same(await c.call('SORT', 'l', 'DESC'), ['10', '3', '2', '1']);
      t.same(await c.call('SORT', 'l', 'ALPHA'), ['1', '10', '2', '3']);
      t.same(await c.call('SORT', 'l', 'LIMIT', '1', '2'), ['2', '3']);
      t.same(await c.call('SORT', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', '0', '2'), ['10', '2'], 'BY nosort keeps the list order');
      t.same(await c.call('SORT_RO', 'l', 'LIMIT', '-5', '100'), ['1', '2', '3', '10']);
      await c.call('SADD', 'st', '5', '-1', '3');
      t.same(await c.call('SORT', 'st'), ['-1', '3', '5']);
      await c.call('ZADD', 'z', '1', 'b', '2', 'a', '3', 'c');
      t.same(await c.call('SORT', 'z', 'BY', 'nosort'), ['b', 'a', 'c'], 'a sorted set by score');
      t.same(await c.call('SORT', 'z', 'ALPHA', 'DESC'), ['c', 'b', 'a']);
      t.equal(await c.call('OBJECT', 'ENCODING', 'z'), 'skiplist', 'SORT converts a listpack sorted set, as Redis does');
      t.same(await c.call('SORT', 'nokey'), []);
      await c.call('RPUSH', 'words', 'b', 'a');
      t.same(await c.call('SORT', 'words'), err("ERR One or more scores can't be converted into double"));
      await c.call('SET', 'str', 'x');
      await c.call('HSET', 'hash', 'f', 'v');
      t.same(await c.call('SORT', 'str'), err('WRONGTYPE Operation against a key holding the wrong kind of value'));
      t.same(await c.call('SORT', 'hash'), err('WRONGTYPE Operation against a key holding the wrong kind of value'));
      t.same(await c.call('SORT', 'l', 'LIMIT', '1'), err('ERR syntax error'));
      t.same(await c.call('SORT', 'l', 'LIMIT', 'a', '1'), err('ERR value is not an integer or out of range'));
      t.same(await c.call('SORT_RO', 'l', 'STORE', 'x'), err('ERR syntax error'));
      t.same(await c.call('COMMAND', 'GETKEYS', 'SORT', 'l', 'LIMIT', '0', '1', 'STORE', 'a', 'GET', 'g', 'STORE', 'b'), ['l', 'b']);
      t.same(await c.call('COMMAND', 'GETKEYS', 'SORT_RO', 'l', 'BY', 'x'), ['l']);
    });

    t.test('BY and GET patterns with a hash tag', async (t) => {
      await c.call('RPUSH', '{u}ids', '1', '2', '3');
      await c.call('MSET', '{u}w_1', '30', '{u}w_2', '10', '{u}w_3', '20');
      await c.call('HSET', '{u}o_1', 'name', 'one');
      await c.call('HSET', '{u}o_3', 'name', 'three');
      t.same(await c.call('SORT', '{u}ids', 'BY', '{u}w_*'), ['2', '3', '1']);
      t.same(await c.call('SORT', '{u}ids', 'BY', '{u}w_*', 'GET', '#', 'GET', '{u}o_*->name', 'GET', '{u}w_*'), [
        '2', null, '10', '3', 'three', '20', '1', 'one', '30',
      ]);
      t.same(await c.call('SORT', '{u}ids', 'BY', '{u}o_*->name', 'ALPHA'), ['2', '1', '3'], 'a missing BY key sorts first');
    });

    t.test('pattern keys on other shards are read from them', async (t) => {
      // Elements whose derived keys land on other shards than the sorted key's (any shard with one).
      const key = 'plainlist';
      const elems: string[] = [];
      for (let i = 0; elems.length < 5; i++) if (shards <= 1 || shardOf(`w_${i}`, shards) !== shardOf(key, shards)) elems.push(String(i));
      await c.call('RPUSH', key, ...elems);
      // Weights give the reverse order; names only for some; one weight is a hash (read as missing).
      for (const [j, e] of elems.entries()) await c.call('SET', `w_${e}`, String(100 - j));
      await c.call('HSET', `n_${elems[1]}`, 'name', 'one');
      await c.call('HSET', `n_${elems[3]}`, 'name', 'three');
      const reversed = [...elems].reverse();
      t.same(await c.call('SORT', key, 'BY', 'w_*'), reversed);
      t.same(await c.call('SORT_RO', key, 'BY', 'w_*', 'DESC', 'LIMIT', '0', '2'), elems.slice(0, 2));
      t.same(await c.call('SORT', key, 'BY', 'w_*', 'GET', '#', 'GET', 'n_*->name'), reversed.flatMap((e) => [e, e === elems[1] ? 'one' : e === elems[3] ? 'three' : null]));
      t.same(await c.call('SORT', key, 'BY', 'n_*->name', 'ALPHA', 'GET', 'w_*'), [elems[0], elems[2], elems[4], elems[1], elems[3]].map((e) => String(100 - elems.indexOf(e))), 'missing names sort first, ties by element');
      t.same(await c.call('SORT', key, 'GET', '#', 'BY', 'nosort'), elems, 'no pattern key read');
      const dest = keyOnAnotherShard('plaindst', key, shards);
      for (const d of [dest, '{plainlist}dst']) {
        t.equal(await c.call('SORT', key, 'BY', 'w_*', 'GET', 'n_*->name', 'STORE', d), 5);
        t.same(await c.call('LRANGE', d, '0', '-1'), reversed.map((e) => (e === elems[1] ? 'one' : e === elems[3] ? 'three' : '')));
      }
      await c.call('MULTI');
      await c.call('SORT', key, 'BY', 'w_*', 'LIMIT', '0', '1');
      await c.call('SORT', key, 'BY', 'w_*', 'STORE', dest);
      t.same(await c.call('EXEC'), [[reversed[0]], 5], 'inside MULTI/EXEC');
      await c.call('SET', `w_${elems[2]}`, 'x');
      t.same(await c.call('SORT', key, 'BY', 'w_*'), err("ERR One or more scores can't be converted into double"));
      // From a script: one reading pattern keys on other shards from its first run, and one that kept to
      // its key's slot (so it runs without the shard lock) until its patterns reach out: rerun under the lock.
      t.same(await c.call('EVAL', "return redis.call('sort', KEYS[1], 'BY', 'n_*->name', 'ALPHA')", '1', key), [elems[0], elems[2], elems[4], elems[1], elems[3]]);
      const script = "return redis.call('sort', KEYS[1], 'BY', ARGV[1], 'ALPHA', 'GET', ARGV[2])";
      t.same(await c.call('EVAL', script, '1', key, 'nosort', '#'), elems);
      t.same(await c.call('EVAL', script, '1', key, 'nosort', '#'), elems);
      t.same(await c.call('EVAL', script, '1', key, 'n_*->name', 'n_*->name'), [null, null, null, 'one', 'three']);
    });

    t.test('STORE, also to another shard', async (t) => {
      await c.call('RPUSH', '{v}src', '3', '1', '2');
      await c.call('MSET', '{v}w_1', 'c', '{v}w_2', 'b', '{v}w_3', 'a');
      const same = '{v}dst';
      const other = keyOnAnotherShard('dst', '{v}src', shards);
      for (const dest of [same, other]) {
        await c.call('SET', dest, 'old', 'EX', '1000');
        t.equal(await c.call('SORT', '{v}src', 'STORE', dest), 3);
        t.same(await c.call('LRANGE', dest, '0', '-1'), ['1', '2', '3']);
        t.equal(await c.call('TTL', dest), -1, 'STORE replaces the value and its TTL');
        t.equal(await c.call('SORT', '{v}src', 'BY', '{v}w_*', 'ALPHA', 'GET', '{v}w_*', 'GET', '{v}none_*', 'STORE', dest), 6);
        t.same(await c.call('LRANGE', dest, '0', '-1'), ['a', '', 'b', '', 'c', ''], 'missing GET keys are stored as empty strings');
        t.equal(await c.call('TYPE', dest), 'list');
        t.equal(await c.call('SORT', '{v}src', 'LIMIT', '5', '1', 'STORE', dest), 0);
        t.equal(await c.call('EXISTS', dest), 0, 'an empty result deletes the destination');
        t.equal(await c.call('SORT', 'nokey', 'STORE', dest), 0);
      }
      await c.call('SADD', '{v}set', 'b', 'c', 'a');
      t.equal(await c.call('SORT', '{v}set', 'BY', 'nosort', 'STORE', other), 3);
      t.same(await c.call('LRANGE', other, '0', '-1'), ['a', 'b', 'c'], 'a set stored with BY nosort is sorted ALPHA');
      // BY x* reads x1, x2 and x3, wherever they live (none exists: the elements keep their order).
      t.equal(await c.call('SORT', '{v}src', 'BY', 'x*', 'STORE', other), 3);
      t.same(await c.call('LRANGE', other, '0', '-1'), ['1', '2', '3']);
    });

    t.test('a large sort', async (t) => {
      const n = 20000;
      const cmds: string[][] = [];
      for (let i = 0; i < n; i += 1000) cmds.push(['RPUSH', 'big', ...Array.from({ length: 1000 }, (_, j) => String((i + j) * 7919 % n))]);
      await c.pipeline(cmds);
      const started = Date.now();
      const sorted = (await c.call('SORT', 'big', 'LIMIT', '0', '5')) as string[];
      t.same(sorted, ['0', '1', '2', '3', '4']);
      t.equal(await c.call('SORT', 'big', 'DESC', 'STORE', 'big2'), n);
      t.same(await c.call('LRANGE', 'big2', '0', '2'), [String(n - 1), String(n - 2), String(n - 3)]);
      t.ok(Date.now() - started < 2000, `sorted ${n} elements in ${Date.now() - started} ms`);
    });
  });
}
