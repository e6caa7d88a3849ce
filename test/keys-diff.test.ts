/**
 * Differential test of the generic keyspace family against redis-server:
 * seeded random scripts over a small keyspace (so commands collide), with
 * cross-shard pairs, several dbs, TTLs, glob patterns, wrong arity, bad
 * integers and binary keys. Replies must be identical; TTL-like replies are
 * compared by band because time passes differently on the two servers.
 */
import t from 'tap';
import { DifferentialSuite, rng, pick, type Cmd } from './helpers/differential';
import type { Reply } from './helpers/resp-client';

const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', '{t}a', '{t}b', '\x00\xff', 'a\r\nb', 'k[1]', 'k*', ''];
const VALUES = ['v', '123', '-7', '0', 'x'.repeat(50), '\x00\x01\xfe', '12345678901234567890', ''];
const DBS = ['0', '1', '2'];
/** Relative TTL levels (seconds) and absolute ones (seconds from script generation): far apart so bands never blur. */
const REL = [100, 1000, 10000];
const ABS = [300, 3000, 30000];
const BANDS = [...REL, ...ABS];
const GLOB_CHARS = ['k', '0', '1', '*', '?', '[', ']', '^', '-', '\\', '{', 't', '}', 'a', '\x00'];

function nearestBand(seconds: number): string {
  let best = BANDS[0];
  for (const b of BANDS) if (Math.abs(Math.log(seconds / b)) < Math.abs(Math.log(seconds / best))) best = b;
  return `~${best}s`;
}

const HUGE = 1e15;

/** TTL-like replies become bands; huge exact deadlines stay exact. */
function normalize(cmd: Cmd, r: Reply): Reply {
  const name = String(cmd[0]).toLowerCase();
  if (typeof r !== 'number' || r < 0) {
    if (name === 'scan' && Array.isArray(r)) return [r[0] === '0' ? 'done' : 'more', [...(r[1] as string[])].sort()];
    if (name === 'randomkey') return r === null ? null : 'some key';
    return r;
  }
  const nowMs = Date.now();
  switch (name) {
    case 'ttl':
      return r > HUGE ? 'huge' : nearestBand(r);
    case 'pttl':
      return r > HUGE ? 'huge' : nearestBand(r / 1000);
    case 'expiretime':
      return r > HUGE / 1000 ? r : nearestBand(r - nowMs / 1000);
    case 'pexpiretime':
      return r > HUGE ? r : nearestBand((r - nowMs) / 1000);
    default:
      return r;
  }
}

function glob(r: () => number): string {
  const n = 1 + Math.floor(r() * 5);
  // Often anchored on the common prefix so patterns hit keys, not just nothing.
  let s = r() < 0.5 ? 'k' : '';
  for (let i = 0; i < n; i++) s += pick(r, GLOB_CHARS);
  return s;
}

function script(seed: number, length: number): Cmd[] {
  const r = rng(seed);
  const nowSec = Math.floor(Date.now() / 1000);
  const key = (): string => pick(r, KEYS);
  const keys = (): string[] => Array.from({ length: 1 + Math.floor(r() * 4) }, key);
  const opts = (): string[] => {
    const all = ['NX', 'XX', 'GT', 'LT', 'nx', 'gt', 'bogus'];
    const n = r() < 0.6 ? 0 : 1 + Math.floor(r() * 2);
    return Array.from({ length: n }, () => pick(r, all));
  };
  const relOpts = (): string[] => opts().filter((o) => !/^(gt|lt)$/i.test(o)); // GT/LT on relative times would race ms ties
  const out: Cmd[] = [['SELECT', '0']];
  for (let i = 0; i < length; i++) {
    const x = r();
    if (x < 0.14) {
      const set: Cmd = ['SET', key(), pick(r, VALUES)];
      out.push(r() < 0.3 ? [...set, 'EX', String(pick(r, REL))] : set);
      continue;
    }
    const op = Math.floor(r() * 30);
    switch (op) {
      case 0: out.push(['DEL', ...keys()]); break;
      case 1: out.push(['UNLINK', ...keys()]); break;
      case 2: out.push(['EXISTS', ...keys()]); break;
      case 3: out.push(['TOUCH', ...keys()]); break;
      case 4: out.push(['TYPE', key()]); break;
      case 5: out.push(['RENAME', key(), key()]); break;
      case 6: out.push(['RENAMENX', key(), key()]); break;
      case 7: {
        const c: string[] = ['COPY', key(), key()];
        if (r() < 0.4) c.push('DB', r() < 0.9 ? pick(r, DBS) : pick(r, ['x', '16', '-1']));
        if (r() < 0.4) c.push(pick(r, ['REPLACE', 'replace']));
        if (r() < 0.05) c.push('bogus');
        out.push(c);
        break;
      }
      case 8: out.push(['MOVE', key(), r() < 0.9 ? pick(r, DBS) : pick(r, ['x', '16', '-1', ''])]); break;
      case 9: out.push(['SELECT', pick(r, DBS)]); break;
      case 10: out.push(['EXPIRE', key(), String(r() < 0.8 ? pick(r, REL) : pick(r, [-1, 0, -100])), ...relOpts()]); break;
      case 11: out.push(['PEXPIRE', key(), String(r() < 0.8 ? pick(r, REL) * 1000 : pick(r, [-1, 0])), ...relOpts()]); break;
      case 12: out.push(['EXPIREAT', key(), String(r() < 0.8 ? nowSec + pick(r, ABS) : pick(r, [1, 0, nowSec - 10])), ...opts()]); break;
      case 13: {
        const v = r() < 0.1 ? '9223372036854775807' : String(r() < 0.8 ? (nowSec + pick(r, ABS)) * 1000 + 123 : pick(r, [1, 0]));
        out.push(['PEXPIREAT', key(), v, ...opts()]);
        break;
      }
      case 14: out.push([pick(r, ['TTL', 'PTTL', 'EXPIRETIME', 'PEXPIRETIME']), key()]); break;
      case 15: out.push(['PERSIST', key()]); break;
      case 16: out.push(['KEYS', r() < 0.2 ? '*' : glob(r)]); break;
      case 17: out.push(['SWAPDB', pick(r, DBS), pick(r, DBS)]); break;
      case 18: out.push(['OBJECT', 'ENCODING', key()]); break;
      case 19: out.push(['DBSIZE']); break;
      case 20: out.push(['GET', key()]); break;
      case 21:
        // Wrong arity.
        out.push(pick(r, [['EXPIRE', key()], ['TTL'], ['RENAME', key()], ['MOVE', key()], ['OBJECT'], ['COPY', key()], ['TYPE'],
          ['PERSIST', key(), key()], ['SWAPDB', '0'], ['KEYS'], ['DEL'], ['OBJECT', 'ENCODING'], ['RENAMENX', key(), key(), key()]]));
        break;
      case 22:
        // Bad integers and overflow.
        out.push(pick(r, [
          ['EXPIRE', key(), 'abc'], ['EXPIRE', key(), '1.5'], ['PEXPIRE', key(), '9223372036854775807'],
          ['EXPIRE', key(), '9223372036854775807'], ['EXPIREAT', key(), '-9223372036854775808'], ['EXPIRE', key(), ' 10'],
          ['EXPIRE', key(), '10', 'NX', 'XX'], ['EXPIRE', key(), '10', 'GT', 'LT'], ['SWAPDB', 'x', '0'], ['SWAPDB', '0', '99'],
          ['MOVE', key(), '99999999999'], ['COPY', key(), key(), 'DB', '99999999999'], ['SWAPDB', '0', '99999999999'], ['SELECT', 'x'], ['EXPIRE', key(), '00010'], ['PEXPIRE', key(), '-0'],
        ]));
        break;
      case 23: out.push(['SCAN', '0', 'COUNT', '1000', ...(r() < 0.5 ? ['MATCH', glob(r)] : []), ...(r() < 0.3 ? ['TYPE', pick(r, ['string', 'list', 'STRING'])] : [])]); break;
      case 24: out.push(['RANDOMKEY']); break;
      case 25: out.push(['MSET', ...keys().flatMap((k) => [k, pick(r, VALUES)])]); break;
      case 26: out.push(['OBJECT', pick(r, ['REFCOUNT', 'refcount']), key()]); break;
      case 27: out.push(['COPY', key(), key(), 'DB', pick(r, DBS), 'REPLACE']); break;
      case 28: out.push(['RENAME', key(), key()]); break;
      default: out.push(['EXISTS', key()]); break;
    }
  }
  return out;
}

const SEEDS = [1, 2, 3, 4, 5, 6];

const diff = new DifferentialSuite(t);

diff.test('keyspace differential vs redis-server', async (t, s) => {
  for (const seed of SEEDS) await s.check(`seed ${seed}`, script(seed * 7919 + s.workers, 1500), { unordered: ['keys'], normalize });
});

diff.test('OBJECT ENCODING/REFCOUNT of strings: how each command makes them, and what RENAME, COPY, MOVE, SWAPDB keep', async (t, s) => {
  const enc = (k: string): Cmd[] => [['OBJECT', 'ENCODING', k], ['OBJECT', 'REFCOUNT', k]];
  // Keys a..h spread over the shards, so RENAME and COPY run across shards too.
  const script: Cmd[] = [
    ['SET', 'k', 'ab'], ['BITOP', 'NOT', 'd', 'k'], ...enc('d'),
    ['SET', 'n', '12'], ['BITOP', 'OR', 'd2', 'n'], ...enc('d2'), ['BITOP', 'AND', 'd3', 'nokey'], ['EXISTS', 'd3'],
    ['INCRBYFLOAT', 'f', '0'], ...enc('f'), ['INCRBYFLOAT', 'a', '1'], ...enc('a'), ['INCRBYFLOAT', 'a', '0.5'], ...enc('a'),
    ['INCRBYFLOAT', 'g', '1e40'], ...enc('g'), ['INCR', 'f'], ...enc('f'),
    ['SETBIT', 'b', '70', '1'], ...enc('b'), ['RENAME', 'b', 'b2'], ...enc('b2'), ['COPY', 'b2', 'b3'], ...enc('b3'),
    ['MOVE', 'b3', '1'], ['SELECT', '1'], ...enc('b3'), ['SELECT', '0'], ['SWAPDB', '0', '1'], ...enc('b3'), ['SWAPDB', '0', '1'],
    ['INCRBYFLOAT', 'h', '3'], ['COPY', 'h', 'c'], ...enc('c'), ['RENAME', 'c', 'e'], ...enc('e'),
    ['SET', 'i', '5'], ['COPY', 'i', 'i2'], ...enc('i2'), ['RENAME', 'i2', 'i3'], ...enc('i3'), ['RENAME', 'i', 'i4'], ...enc('i4'),
    ['SET', 'g', '100'], ['APPEND', 'g', '1'], ...enc('g'), ['RENAMENX', 'g', 'g2'], ...enc('g2'), ['INCR', 'g2'], ...enc('g2'),
    ['PFADD', 'p', 'x'], ['RENAME', 'p', 'p2'], ...enc('p2'),
    ['SET', 'k', 'ab'], ...enc('k'), ['GETSET', 'f', '7'], ...enc('f'),
  ];
  await s.check('string encodings', script);
});
