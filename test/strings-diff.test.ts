/**
 * Differential tests of the string family against a real redis-server: seeded
 * random scripts over a small key space (so commands collide on the same
 * keys), with wrong arity, bad integers and floats, float edge values,
 * negative and huge offsets, binary and empty values, and overflow.
 */
import t from 'tap';
import { DifferentialSuite, rng, pick, showCmd, type Cmd } from './helpers/differential';
import { RespClient, type Reply } from './helpers/resp-client';

const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', '{t}a', '{t}b', 'bin\x00\xff'];

const FIXED_VALUES = [
  '', '0', '1', '-1', '10', '42', '007', '-0', '+1', ' 1', '1 ', '9223372036854775807', '-9223372036854775808',
  '9223372036854775808', '3.5', '0.1', '-0.1', '1e3', '3.0e3', '5.0e3', '1e400', '1e-4950', '0x10', '0x1p3', 'inf', '-inf', 'nan',
  'abc', 'hello world', 'ohmytext', 'mynewtext', 'abcabcabc', 'bcbcbcbcbcb', '\x00', '\xff\xfe\x00\x01', '12345678901234567890',
  '999999999999999', '-99999999999999', '1000000000000000', '9007199254740992', '0999',
];

const INTS = [
  '0', '1', '-1', '2', '10', '-10', '100', '1000', '9223372036854775807', '-9223372036854775808', '9223372036854775806',
  '-9223372036854775807', '9223372036854775808', '-9223372036854775809', 'abc', '', '1.5', '01', '-0', '+5', ' 5', '5 ', '1e3', '4611686018427387904',
  // Around the 15-character short-integer path (numbers) and the BigInt one.
  '999999999999999', '-99999999999999', '1000000000000000', '-999999999999999', '9007199254740993',
];

const FLOATS = [
  '0', '1', '-1', '0.1', '-0.1', '1.5', '3.0e3', '5.0e3', '1e17', '1e-17', '1e400', '-1e400', '1e4932', '1e4933', '1e-4950', '1e-4955',
  'inf', '-inf', '+inf', 'Infinity', 'nan', 'NaN', '', ' 1', '1 ', '.5', '5.', '+.5e-3', '1e', 'e1', '0x10', '0x1.8p1', '0x', '0x1p',
  '123456789.123456789', '-0', '0.000003814697265625', '9223372036854775807', 'abc', '1,5', '1e308', '1.7976931348623157e308',
];

/** Expire values: only long ones when valid, so nothing expires while a script runs. */
const EXPIRES: [string, string][] = [
  ['EX', '100000'], ['PX', '100000000'], ['EXAT', '4102444800'], ['PXAT', '4102444800000'],
  ['EXAT', '1'], ['PXAT', '1'], // in the past: the key is gone at once
  ['EX', '0'], ['PX', '-1'], ['EX', 'abc'], ['EX', '9223372036854775'], ['EX', '9223372036854776'], ['PX', '9223372036854775807'],
  ['EXAT', '9223372036854775'], ['PXAT', '9223372036854775807'], ['EX', '1.5'], ['EX', ''],
];

function value(r: () => number): string | Buffer {
  const x = r();
  if (x < 0.45) return pick(r, FIXED_VALUES);
  if (x < 0.7) {
    // Short strings over a small alphabet: interesting LCS inputs.
    const n = Math.floor(r() * 12);
    let s = '';
    for (let i = 0; i < n; i++) s += pick(r, ['a', 'b', 'c', 'd']);
    return s;
  }
  if (x < 0.85) return String(Math.floor(r() * 2000) - 1000);
  const n = Math.floor(r() * 10);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

function setOptions(r: () => number): string[] {
  const out: string[] = [];
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const y = r();
    if (y < 0.15) out.push(pick(r, ['NX', 'nx']));
    else if (y < 0.3) out.push(pick(r, ['XX', 'xx']));
    else if (y < 0.45) out.push(pick(r, ['GET', 'get']));
    else if (y < 0.55) out.push('KEEPTTL');
    else if (y < 0.9) out.push(...pick(r, EXPIRES));
    else if (y < 0.95) out.push(pick(r, ['EX', 'PERSIST', 'FOO']));
    else out.push('PERSIST');
  }
  return out;
}

function getexOptions(r: () => number): string[] {
  const out: string[] = [];
  const n = Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    const y = r();
    if (y < 0.6) out.push(...pick(r, EXPIRES));
    else if (y < 0.85) out.push('PERSIST');
    else out.push(pick(r, ['KEEPTTL', 'NX', 'GET', 'EX', 'bogus']));
  }
  return out;
}

function lcsOptions(r: () => number): string[] {
  const out: string[] = [];
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const y = r();
    if (y < 0.3) out.push('IDX');
    else if (y < 0.45) out.push('LEN');
    else if (y < 0.7) out.push('WITHMATCHLEN');
    else if (y < 0.95) out.push('MINMATCHLEN', pick(r, ['0', '1', '2', '3', '-5', 'abc', '9223372036854775807']));
    else out.push(pick(r, ['MINMATCHLEN', 'foo']));
  }
  return out;
}

function generate(seed: number, count: number, withTtl: boolean): Cmd[] {
  const r = rng(seed);
  const key = (): string => pick(r, KEYS);
  const out: Cmd[] = [];
  for (let i = 0; i < count; i++) {
    const x = Math.floor(r() * 34);
    switch (x) {
      case 0: out.push(['SET', key(), value(r), ...setOptions(r)]); break;
      case 1: out.push(['SET', key(), value(r)]); break;
      case 2: out.push(['GET', key()]); break;
      case 3: out.push(['GETEX', key(), ...getexOptions(r)]); break;
      case 4: out.push(['GETDEL', key()]); break;
      case 5: out.push(['GETSET', key(), value(r)]); break;
      case 6: out.push(['SETNX', key(), value(r)]); break;
      case 7: out.push([pick(r, ['SETEX', 'PSETEX']), key(), pick(r, ['100000', '100000000', '0', '-1', 'abc', '9223372036854776', '9223372036854775807']), value(r)]); break;
      case 8: {
        const n = 1 + Math.floor(r() * 4);
        const args: (string | Buffer)[] = [];
        for (let j = 0; j < n; j++) args.push(key(), value(r));
        out.push([pick(r, ['MSET', 'MSETNX']), ...args]);
        break;
      }
      case 9: out.push(['MGET', ...Array.from({ length: 1 + Math.floor(r() * 5) }, key)]); break;
      case 10: out.push(['APPEND', key(), value(r)]); break;
      case 11: out.push(['STRLEN', key()]); break;
      case 12:
        out.push([pick(r, ['GETRANGE', 'SUBSTR']), key(), pick(r, INTS.concat(['-3', '-100', '5', '3'])), pick(r, INTS.concat(['-3', '-100', '5', '3', '-2']))]);
        break;
      case 13:
        out.push(['SETRANGE', key(), pick(r, ['0', '1', '3', '10', '40', '-1', 'abc', '536870912', '9223372036854775807', '']), value(r)]);
        break;
      case 14: out.push([pick(r, ['INCR', 'DECR']), key()]); break;
      case 15: out.push([pick(r, ['INCRBY', 'DECRBY']), key(), pick(r, INTS)]); break;
      case 16: out.push(['INCRBYFLOAT', key(), pick(r, FLOATS)]); break;
      case 17: out.push(['LCS', key(), key(), ...lcsOptions(r)]); break;
      case 18: {
        // Wrong arity for every command.
        const name = pick(r, ['SET', 'GET', 'GETEX', 'GETDEL', 'GETSET', 'SETNX', 'SETEX', 'PSETEX', 'MSET', 'MSETNX', 'MGET', 'APPEND', 'STRLEN', 'GETRANGE', 'SUBSTR', 'SETRANGE', 'INCR', 'DECR', 'INCRBY', 'DECRBY', 'INCRBYFLOAT', 'LCS']);
        const n = Math.floor(r() * 6);
        out.push([name, ...Array.from({ length: n }, key)]);
        break;
      }
      case 19: out.push(['DEL', key()]); break;
      case 20: out.push(['EXISTS', ...Array.from({ length: 1 + Math.floor(r() * 4) }, key)]); break;
      case 21: out.push(['SET', key(), pick(r, ['10', '0', '-5', '9223372036854775806', '-9223372036854775807', '1.5', '0.1'])]); break;
      case 22: out.push(['INCRBY', key(), pick(r, ['9223372036854775807', '-9223372036854775808', '1', '-1'])]); break;
      case 23: out.push(['DECRBY', key(), pick(r, ['-9223372036854775808', '9223372036854775807', '1'])]); break;
      case 24: out.push(['INCRBYFLOAT', key(), (r() * 1000 - 500).toFixed(Math.floor(r() * 6))]); break;
      case 25: out.push(['SET', key(), value(r), ...pick(r, EXPIRES.slice(0, 4))]); break;
      case 26: out.push(['SET', key(), value(r), 'KEEPTTL']); break;
      case 27: out.push(['APPEND', key(), value(r)], ['GET', out.length % 2 ? 'k0' : 'k1']); break;
      case 28: out.push(['SETRANGE', key(), String(Math.floor(r() * 12)), value(r)]); break;
      case 29: out.push(['GETRANGE', key(), String(Math.floor(r() * 20) - 10), String(Math.floor(r() * 20) - 10)]); break;
      case 30: out.push(['MSETNX', key(), value(r), `fresh${i}`, value(r)]); break;
      case 31: out.push(['LCS', key(), key(), pick(r, ['IDX', 'LEN']), ...(r() < 0.5 ? ['WITHMATCHLEN'] : [])]); break;
      case 32: out.push(['INCRBYFLOAT', key(), pick(r, ['0.1', '-0.1', '1e-5', '3e300', '-3e300'])]); break;
      case 33:
        if (withTtl) out.push([pick(r, ['TTL', 'PTTL']), key()]);
        else out.push(['STRLEN', key()]);
        break;
    }
  }
  return out;
}

/** TTLs count down between the two servers; compare them only as "positive" buckets. */
function normalize(cmd: Cmd, reply: Reply): Reply {
  const name = String(cmd[0]).toUpperCase();
  if ((name === 'TTL' || name === 'PTTL') && typeof reply === 'number' && reply > 0) return 'positive';
  return reply;
}


async function supportsTtl(port: number): Promise<boolean> {
  const c = await RespClient.connect(port);
  try {
    const r = await c.call('PTTL', 'nokey');
    return r === -2;
  } finally {
    c.close();
  }
}

const diff = new DifferentialSuite(t);

diff.test('string family matches redis-server', async (t, s) => {
  const withTtl = await supportsTtl(s.shardis.port);
  t.ok(withTtl, 'PTTL answers, so the scripts include TTL probes');
  for (const seed of [1, 2, 3]) await s.check(`seed ${seed}`, generate(seed * 7919 + s.workers, 2500, withTtl), { normalize });
});

diff.test('LCS matches redis-server on random string pairs (same and different shards)', async (t, s) => {
  const r = rng(20240611);
  const script: Cmd[] = [];
  for (let i = 0; i < 250; i++) {
    const gen = (): string => {
      const n = Math.floor(r() * 40);
      const alpha = pick(r, ['ab', 'abc', 'acgt', 'abcdefgh']);
      let s = '';
      for (let j = 0; j < n; j++) s += alpha[Math.floor(r() * alpha.length)];
      return s;
    };
    // Plain keys spread over shards; {h} keys share one.
    const [a, b] = r() < 0.5 ? [`x${i}`, `y${i}`] : [`{h}x${i}`, `{h}y${i}`];
    script.push(['MSET', a, gen(), b, gen()]);
    script.push(['LCS', a, b]);
    script.push(['LCS', a, b, 'LEN']);
    script.push(['LCS', a, b, 'IDX']);
    script.push(['LCS', a, b, 'IDX', 'WITHMATCHLEN']);
    script.push(['LCS', a, b, 'IDX', 'MINMATCHLEN', String(Math.floor(r() * 4)), 'WITHMATCHLEN']);
  }
  await s.check('LCS', script);
});

diff.test('INCRBYFLOAT formatting matches redis-server (long double arithmetic)', async (t, s) => {
  const r = rng(77);
  const script: Cmd[] = [];
  const num = (): string => {
    const y = r();
    if (y < 0.25) return pick(r, FLOATS);
    if (y < 0.5) return ((r() < 0.5 ? -1 : 1) * r() * 10 ** Math.floor(r() * 40 - 20)).toPrecision(1 + Math.floor(r() * 21));
    if (y < 0.75) return `${Math.floor(r() * 1e6) - 5e5}.${Math.floor(r() * 1e9)}`;
    return `0x${Math.floor(r() * 1e9).toString(16)}.${Math.floor(r() * 1e6).toString(16)}p${Math.floor(r() * 200) - 100}`;
  };
  for (let i = 0; i < 1500; i++) script.push(['SET', 'f', num()], ['INCRBYFLOAT', 'f', num()]);
  // A long running sum of 0.1 exposes accumulated rounding.
  for (let i = 0; i < 300; i++) script.push(['INCRBYFLOAT', 'acc', '0.1']);
  await s.check('INCRBYFLOAT', script);
  t.ok(script.length > 3000, `script ran: ${showCmd(script[0])} ...`);
});

/** INFO commandstats' calls, rejected_calls and failed_calls of `cmd` (its usec differs between servers). */
function callCounts(cmd: string): (c: Cmd, reply: Reply) => Reply {
  return (c, reply) => {
    if (String(c[0]).toUpperCase() !== 'INFO') return reply;
    const line = new RegExp(`cmdstat_${cmd}:calls=(\\d+).*rejected_calls=(\\d+),failed_calls=(\\d+)`).exec(String(reply));
    return line === null ? `no cmdstat_${cmd}` : line.slice(1).join(',');
  };
}

diff.test('MSET/MSETNX one value short: queued in MULTI, the arity error when they run', async (t, s) => {
  for (const cmd of ['MSET', 'MSETNX']) {
    const name = cmd.toLowerCase();
    await s.check(`${cmd} with an odd count of arguments`, [
      ['CONFIG', 'RESETSTAT'],
      // Keys on several shards too: the error comes before any key is set.
      [cmd, 'k1', 'v1', 'k2'],
      [cmd, 'a', '1', 'b', '2', 'c', '3', 'd'],
      ['MULTI'], [cmd, 'k1', 'v1', 'k2'], ['SET', 'k3', 'v3'], [cmd, 'e', '1', 'f', '2', 'g'], ['EXEC'],
      ['MULTI'], [cmd, 'k1', 'v1', 'k2'], ['INCR', 'k3'], ['EXEC'],
      ['MGET', 'k1', 'k2', 'k3', 'a', 'b', 'c', 'd', 'e', 'f', 'g'],
      // Counted as calls that failed, not as rejected ones.
      ['INFO', 'commandstats'],
      ['EVAL', `return redis.pcall('${name}', 'x', '1', 'y')`, '0'],
      ['EXISTS', 'x', 'y'],
    ], { normalize: callCounts(name) });
  }
});
