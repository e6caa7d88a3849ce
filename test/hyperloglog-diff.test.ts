/**
 * Differential tests of the HyperLogLog family against a real redis-server.
 * The values are Redis's own HLL strings, so besides PFCOUNT the raw bytes
 * (GET) must be identical: sparse opcodes, the sparse-to-dense switch, the
 * cached-cardinality header. Scripts mix HLL keys with plain strings, lists,
 * corrupted HLL strings (APPEND/SETRANGE on an HLL) and missing keys, over
 * keys on the same and on different shards.
 */
import t from 'tap';
import { DifferentialSuite, rng, pick, type Cmd } from './helpers/differential';

const KEYS = ['h0', 'h1', 'h2', 'h3', '{t}a', '{t}b', '{t}c', 'str', 'lst', 'bin\x00\xff', 'missing'];

function element(r: () => number, universe: number): string | Buffer {
  const x = r();
  if (x < 0.05) return pick(r, ['', 'a', 'b', 'c', '\x00', '\xff\xfe', 'foo', 'bar', 'hello world']);
  if (x < 0.1) {
    const n = Math.floor(r() * 20);
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
    return b;
  }
  return `e${Math.floor(r() * universe)}`;
}

function generate(seed: number, count: number): Cmd[] {
  const r = rng(seed);
  const key = (): string => pick(r, KEYS);
  const out: Cmd[] = [['SET', 'str', 'plain value'], ['RPUSH', 'lst', 'a']];
  for (let i = 0; i < count; i++) {
    const x = Math.floor(r() * 20);
    switch (x) {
      case 0: case 1: case 2: case 3: {
        // Mostly small batches (the sparse code), sometimes large (the switch to dense).
        const n = r() < 0.9 ? Math.floor(r() * 8) : 100 + Math.floor(r() * 600);
        const universe = pick(r, [50, 1000, 100000]);
        out.push(['PFADD', key(), ...Array.from({ length: n }, () => element(r, universe))]);
        break;
      }
      case 4: case 5: out.push(['PFCOUNT', key()]); break;
      case 6: out.push(['PFCOUNT', ...Array.from({ length: 2 + Math.floor(r() * 3) }, key)]); break;
      case 7: out.push(['PFMERGE', key(), ...Array.from({ length: Math.floor(r() * 4) }, key)]); break;
      case 8: out.push(['GET', key()]); break;
      case 9: out.push(['STRLEN', key()]); break;
      case 10: out.push(['DEL', key()]); break;
      case 11: out.push(['PFDEBUG', pick(r, ['ENCODING', 'DECODE', 'encoding', 'TODENSE', 'bogus']), key()]); break;
      case 12: {
        const name = pick(r, ['PFADD', 'PFCOUNT', 'PFMERGE', 'PFDEBUG', 'PFSELFTEST']);
        out.push([name, ...(name === 'PFDEBUG' ? [key(), key(), key()].slice(0, pick(r, [0, 1, 3])) : name === 'PFSELFTEST' ? [key()] : [])]);
        break;
      }
      case 13:
        // Corruptions: a shorter or longer string, a broken header byte, a broken opcode.
        if (r() < 0.5) out.push(['APPEND', key(), pick(r, ['x', '\x00', '\x40'])]);
        else out.push(['SETRANGE', key(), String(pick(r, [0, 4, 15, 16, 17, 18, 30])), pick(r, ['\x00', '\x02', '\xff', 'X', '\x7f'])]);
        break;
      case 14: out.push(['SET', key(), pick(r, ['x', 'HYLL', 'HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x7f\xff', 'HYLL\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00'])]); break;
      case 15: out.push(['PFADD', key()]); break;
      case 16: out.push(['PFADD', key(), element(r, 30)], ['PFCOUNT', key()]); break;
      case 17: out.push(['PFCOUNT', 'missing', key()]); break;
      case 18: out.push(['RPUSH', 'lst', 'x']); break;
      case 19: out.push(['TYPE', key()]); break;
    }
  }
  for (const k of KEYS) out.push(['GET', k]);
  return out;
}


function growthScript(): Cmd[] {
  const script: Cmd[] = [];
  // Grow one HLL through the sparse range, the switch to dense and far beyond, checking the count at each step.
  let n = 0;
  for (let step = 0; step < 120; step++) {
    const batch = step < 40 ? 5 : step < 80 ? 50 : 1500;
    script.push(['PFADD', 'grow', ...Array.from({ length: batch }, () => `m${n++}`)], ['PFCOUNT', 'grow']);
    if (step % 10 === 9) script.push(['GET', 'grow']);
  }
  // Unions of overlapping sets, on the same shard ({u}) and on different shards.
  for (let i = 0; i < 6; i++) {
    const a = i % 2 ? `{u}a${i}` : `a${i}`;
    const b = i % 2 ? `{u}b${i}` : `b${i}`;
    const size = 200 * 4 ** i;
    script.push(['PFADD', a, ...Array.from({ length: Math.min(size, 5000) }, (_, j) => `x${j * 3}`)]);
    script.push(['PFADD', b, ...Array.from({ length: Math.min(size, 5000) }, (_, j) => `x${j * 5}`)]);
    script.push(['PFCOUNT', a, b], ['PFMERGE', `${a}m`, a], ['PFMERGE', a, b], ['PFCOUNT', a], ['GET', a], ['PFCOUNT', `${a}m`]);
  }
  return script;
}

const diff = new DifferentialSuite(t);

diff.test('hyperloglog family matches redis-server byte for byte', async (t, s) => {
  for (const seed of [1, 2]) await s.check(`random script, seed ${seed}`, generate(seed * 7907 + s.workers, 2500));
  // PFCOUNT at every size, sparse and dense, and PFMERGE of large sets.
  await s.check('growth and unions', growthScript());
});

diff.test('PFCOUNT that refreshes the cached cardinality touches WATCH; a cached one does not', async (t, s) => {
  const watched = (key: string, cmd: Cmd): Cmd[] => [['WATCH', key], cmd, ['MULTI'], ['EXEC']];
  await s.check('WATCH around PFCOUNT', [
    ['PFADD', 'h'],
    // A new HLL's cache is invalid: the first PFCOUNT writes the header, the second reads it.
    ...watched('h', ['PFCOUNT', 'h']),
    ...watched('h', ['PFCOUNT', 'h']),
    ['PFADD', 'h', 'a', 'b'],
    ...watched('h', ['PFCOUNT', 'h']),
    ...watched('h', ['PFCOUNT', 'h']),
    // Several keys: the union is computed, no cache is written.
    ['PFADD', 'h', 'c'],
    ...watched('h', ['PFCOUNT', 'h', 'nokey']),
    ...watched('nokey', ['PFCOUNT', 'nokey']),
    ['GET', 'h'],
  ]);
});

diff.test('corrupted sparse HLLs (bytes appended): PFMERGE and PFCOUNT refuse them as Redis does', async (t, s) => {
  const dense = Array.from({ length: 3000 }, (_, i) => `d${i}`);
  await s.check('corrupted HLLs', [
    // A VAL run past the last register, a cut XZERO, a ZERO run past the end.
    ['PFADD', 'h', 'a'], ['APPEND', 'h', Buffer.from([0xff, 0xfe])],
    ['PFADD', 'x', 'b'], ['APPEND', 'x', Buffer.from([0x7f])],
    ['PFADD', 'z', 'c'], ['APPEND', 'z', Buffer.from([0x00])],
    ['PFADD', 'ok', 'e'], ['PFADD', 'big', ...dense], ['APPEND', 'big', 'x'],
    ['PFMERGE', 'h'], ['PFMERGE', 'h2', 'h'], ['EXISTS', 'h2'], ['PFMERGE', 'ok', 'h'], ['PFCOUNT', 'ok'],
    ['PFCOUNT', 'h'], ['PFCOUNT', 'h', 'ok'], ['PFCOUNT', 'ok', 'h'],
    ['PFCOUNT', 'x'], ['PFCOUNT', 'x', 'ok'], ['PFMERGE', 'x2', 'x'],
    ['PFCOUNT', 'z'], ['PFCOUNT', 'ok', 'z'], ['PFMERGE', 'z2', 'ok', 'z'], ['EXISTS', 'z2'],
    ['PFCOUNT', 'big'], ['PFCOUNT', 'big', 'ok'], ['PFMERGE', 'ok', 'big'],
    ['PFADD', 'h', 'q'], ['GET', 'h'],
  ]);
});
