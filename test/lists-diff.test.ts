/**
 * Differential tests of the list family against a real redis-server: seeded
 * random scripts over a small key space (so commands collide and lists are
 * emptied and recreated), with string keys in the same space (WRONGTYPE),
 * wrong arity, bad and edge integers, binary, empty and long elements, and
 * LMOVE/RPOPLPUSH/LMPOP whose keys land on different shards.
 */
import t from 'tap';
import { DifferentialSuite, rng, pick, type Cmd } from './helpers/differential';

const KEYS = ['l0', 'l1', 'l2', 'l3', 'l4', '{t}a', '{t}b', 'str', 'bin\x00\xff', ''];

const INDEXES = [
  '0', '1', '2', '3', '-1', '-2', '-3', '5', '10', '-10', '100', '-100', '9223372036854775807', '-9223372036854775808',
  '9223372036854775808', '-9223372036854775809', 'abc', '', '1.5', '01', '-0', '+1', ' 1', '4611686018427387904',
];

const LONG = 'x'.repeat(70);
const HUGE = 'y'.repeat(1500);

function element(r: () => number): string | Buffer {
  const x = r();
  if (x < 0.55) return pick(r, ['a', 'b', 'c', 'a', 'b']);
  if (x < 0.7) return pick(r, ['', '0', '1', '01', '-1', '9223372036854775807', '1.5', 'A', 'left', 'count']);
  if (x < 0.8) return pick(r, [LONG, HUGE, '\x00', '\xff\xfe', 'a b']);
  if (x < 0.9) return String(Math.floor(r() * 10));
  const n = Math.floor(r() * 6);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = pick(r, [0, 97, 98, 255, 13, 10]);
  return b;
}

function elements(r: () => number, max: number): (string | Buffer)[] {
  return Array.from({ length: 1 + Math.floor(r() * max) }, () => element(r));
}

function smallIndex(r: () => number): string {
  return r() < 0.75 ? String(Math.floor(r() * 14) - 7) : pick(r, INDEXES);
}

function end(r: () => number): string {
  return pick(r, ['LEFT', 'RIGHT', 'left', 'Right', 'LEFT', 'RIGHT', 'middle', '']);
}

function lposOptions(r: () => number): string[] {
  const out: string[] = [];
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n; i++) {
    const y = r();
    if (y < 0.3) out.push(pick(r, ['RANK', 'rank']), pick(r, ['1', '2', '-1', '-2', '3', '-3', '0', 'abc', '-9223372036854775808', '9223372036854775807']));
    else if (y < 0.6) out.push(pick(r, ['COUNT', 'count']), pick(r, ['0', '1', '2', '3', '-1', 'abc', '100']));
    else if (y < 0.85) out.push('MAXLEN', pick(r, ['0', '1', '2', '5', '-1', 'abc']));
    else out.push(pick(r, ['RANK', 'COUNT', 'MAXLEN', 'FOO']));
  }
  return out;
}

function lmpop(r: () => number): Cmd {
  const y = r();
  if (y < 0.1) return ['LMPOP', pick(r, ['0', '-1', 'abc', '5', '9223372036854775807']), 'l0', 'l1', 'LEFT'];
  const n = 1 + Math.floor(r() * 3);
  const keys = Array.from({ length: n }, () => pick(r, KEYS));
  const tail: string[] = [end(r)];
  const z = r();
  if (z < 0.4) tail.push(pick(r, ['COUNT', 'count']), pick(r, ['1', '2', '3', '10', '0', '-1', 'abc']));
  else if (z < 0.5) tail.push(pick(r, ['COUNT', 'foo']), ...(r() < 0.5 ? ['1', 'COUNT', '2'] : []));
  return ['LMPOP', String(n), ...keys, ...tail];
}

function generate(seed: number, count: number): Cmd[] {
  const r = rng(seed);
  const key = (): string => pick(r, KEYS);
  const out: Cmd[] = [];
  for (let i = 0; i < count; i++) {
    const x = Math.floor(r() * 30);
    switch (x) {
      case 0: case 1: out.push([pick(r, ['LPUSH', 'RPUSH']), key(), ...elements(r, 5)]); break;
      case 2: out.push([pick(r, ['LPUSHX', 'RPUSHX']), key(), ...elements(r, 3)]); break;
      case 3: out.push([pick(r, ['LPOP', 'RPOP']), key()]); break;
      case 4: out.push([pick(r, ['LPOP', 'RPOP']), key(), pick(r, ['0', '1', '2', '3', '10', '-1', 'abc', '', '9223372036854775807'])]); break;
      case 5: out.push(['LLEN', key()]); break;
      case 6: case 7: out.push(['LRANGE', key(), smallIndex(r), smallIndex(r)]); break;
      case 8: out.push(['LINDEX', key(), smallIndex(r)]); break;
      case 9: out.push(['LSET', key(), smallIndex(r), element(r)]); break;
      case 10: out.push(['LINSERT', key(), pick(r, ['BEFORE', 'AFTER', 'before', 'after', 'middle']), element(r), element(r)]); break;
      case 11: out.push(['LREM', key(), pick(r, ['0', '1', '2', '-1', '-2', '5', '-5', 'abc', '-9223372036854775808']), element(r)]); break;
      case 12: out.push(['LTRIM', key(), smallIndex(r), smallIndex(r)]); break;
      case 13: out.push(['LPOS', key(), element(r), ...lposOptions(r)]); break;
      case 14: out.push(['LMOVE', key(), key(), end(r), end(r)]); break;
      case 15: out.push(['RPOPLPUSH', key(), key()]); break;
      case 16: out.push(lmpop(r)); break;
      case 17: {
        const name = pick(r, ['LPUSH', 'RPUSH', 'LPUSHX', 'RPUSHX', 'LPOP', 'RPOP', 'LLEN', 'LRANGE', 'LINDEX', 'LSET', 'LINSERT', 'LREM', 'LTRIM', 'LPOS', 'LMOVE', 'RPOPLPUSH', 'LMPOP']);
        out.push([name, ...Array.from({ length: Math.floor(r() * 6) }, key)]);
        break;
      }
      case 18: out.push(['SET', pick(r, ['str', 'l4', 'l3']), element(r)]); break;
      case 19: out.push(['DEL', key()]); break;
      case 20: out.push(['TYPE', key()], ['EXISTS', key()]); break;
      case 21: out.push(['OBJECT', 'ENCODING', key()]); break;
      case 22: out.push(['LRANGE', key(), '0', '-1']); break;
      case 23: out.push(['LMOVE', key(), key(), pick(r, ['LEFT', 'RIGHT']), pick(r, ['LEFT', 'RIGHT'])]); break;
      case 24: out.push(['RPUSH', key(), ...Array.from({ length: 20 + Math.floor(r() * 150) }, () => element(r))]); break;
      case 25: out.push(['LPOS', key(), pick(r, ['a', 'b', 'c']), 'COUNT', '0', ...lposOptions(r)]); break;
      case 26: out.push(['LPOP', key(), pick(r, ['1', '2', '50'])], ['LLEN', key()]); break;
      case 27: out.push(['LINSERT', key(), pick(r, ['BEFORE', 'AFTER']), pick(r, ['a', 'b', 'c']), element(r)]); break;
      case 28: out.push(['LREM', key(), String(Math.floor(r() * 7) - 3), pick(r, ['a', 'b', 'c'])]); break;
      case 29: out.push(['LINDEX', key(), String(Math.floor(r() * 40) - 20)], ['LSET', key(), String(Math.floor(r() * 40) - 20), element(r)]); break;
    }
  }
  // Final state of every key.
  for (const k of KEYS) out.push(['TYPE', k], ['LRANGE', k, '0', '-1']);
  return out;
}


const diff = new DifferentialSuite(t);

diff.test('list family matches redis-server', async (t, s) => {
  for (const seed of [1, 2, 3]) await s.check(`seed ${seed}`, generate(seed * 104729 + s.workers, 3000));
});

diff.test('long lists: LINDEX/LSET/LRANGE/LTRIM/LREM/LINSERT on hundreds of elements match', async (t, s) => {
  const r = rng(4242);
  const script: Cmd[] = [];
  for (let i = 0; i < 600; i++) {
    const y = r();
    const k = pick(r, ['big', 'big2']);
    if (y < 0.3) script.push([pick(r, ['LPUSH', 'RPUSH']), k, ...Array.from({ length: 1 + Math.floor(r() * 40) }, () => String(Math.floor(r() * 30)))]);
    else if (y < 0.4) script.push(['LINDEX', k, String(Math.floor(r() * 800) - 400)]);
    else if (y < 0.5) script.push(['LSET', k, String(Math.floor(r() * 800) - 400), String(Math.floor(r() * 30))]);
    else if (y < 0.6) script.push(['LRANGE', k, String(Math.floor(r() * 800) - 400), String(Math.floor(r() * 800) - 400)]);
    else if (y < 0.65) script.push(['LTRIM', k, String(Math.floor(r() * 20)), String(-1 - Math.floor(r() * 20))]);
    else if (y < 0.72) script.push(['LREM', k, String(Math.floor(r() * 9) - 4), String(Math.floor(r() * 30))]);
    else if (y < 0.8) script.push(['LINSERT', k, pick(r, ['BEFORE', 'AFTER']), String(Math.floor(r() * 30)), `n${i}`]);
    else if (y < 0.85) script.push(['LPOS', k, String(Math.floor(r() * 30)), 'RANK', pick(r, ['1', '2', '-1', '-3']), 'COUNT', pick(r, ['0', '2']), 'MAXLEN', pick(r, ['0', '50'])]);
    else if (y < 0.9) script.push([pick(r, ['LPOP', 'RPOP']), k, String(Math.floor(r() * 30))]);
    else if (y < 0.95) script.push(['LMOVE', k, pick(r, ['big', 'big2']), pick(r, ['LEFT', 'RIGHT']), pick(r, ['LEFT', 'RIGHT'])]);
    else script.push(['LRANGE', k, '0', '-1']);
  }
  script.push(['LRANGE', 'big', '0', '-1'], ['LRANGE', 'big2', '0', '-1'], ['OBJECT', 'ENCODING', 'big']);
  await s.check('long lists', script);
});
