/**
 * Differential tests of the bitmap family against a real redis-server:
 * seeded random scripts over a small key space (so commands collide), with
 * string, list and missing keys in the same space, random offsets (below
 * 100k bits so values stay small), ranges in BYTE and BIT units, BITOP over
 * keys on the same and on different shards, BITFIELD sequences with every
 * overflow policy, bad arguments of every kind and wrong arity.
 */
import t from 'tap';
import { DifferentialSuite, rng, pick, type Cmd } from './helpers/differential';

const KEYS = ['b0', 'b1', 'b2', 'b3', 'b4', '{t}x', '{t}y', '{t}z', 'lst', 'bin\x00\xff', 'missing'];

const INTS = [
  '0', '1', '-1', '2', '-2', '3', '7', '8', '-8', '15', '100', '-100', '1000', '9223372036854775807', '-9223372036854775808',
  '9223372036854775808', 'abc', '', '1.5', '01', '-0', '+1', ' 1',
];

const OFFSETS = ['0', '1', '7', '8', '9', '15', '16', '63', '64', '100', '-1', 'abc', '', '1.0', '4294967295x', '4294967296', '9223372036854775807', '01'];

function offset(r: () => number): string {
  const x = r();
  if (x < 0.15) return pick(r, OFFSETS);
  if (x < 0.8) return String(Math.floor(r() * 300));
  if (x < 0.95) return String(Math.floor(r() * 4000));
  return String(Math.floor(r() * 100000));
}

function value(r: () => number): string | Buffer {
  const x = r();
  if (x < 0.2) return pick(r, ['', 'a', 'foobar', '\x00', '\xff', '\xff\xff\xff', '\x00\x00\x01', '12345', '-1', 'abcdefghijklmnopqrstuvwxyz']);
  const n = Math.floor(r() * 24);
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = r() < 0.3 ? pick(r, [0, 255, 1, 128]) : Math.floor(r() * 256);
  return b;
}

function rangeIndex(r: () => number): string {
  const x = r();
  if (x < 0.2) return pick(r, INTS);
  if (x < 0.6) return String(Math.floor(r() * 40) - 20);
  return String(Math.floor(r() * 400) - 200);
}

const FIELD_TYPES = ['i1', 'u1', 'i4', 'u4', 'i5', 'u7', 'i8', 'u8', 'i9', 'i16', 'u16', 'i17', 'i31', 'u31', 'i32', 'u32', 'i33', 'i53', 'u53', 'i63', 'u63', 'i64'];
const BAD_TYPES = ['u64', 'i65', 'i0', 'u0', 'I8', 'U8', 'x8', 'i', 'u', '8', 'i-1', 'i08', ''];

function fieldType(r: () => number): string {
  return r() < 0.05 ? pick(r, BAD_TYPES) : pick(r, FIELD_TYPES);
}

function fieldOffset(r: () => number): string {
  const x = r();
  if (x < 0.25) return `#${Math.floor(r() * 12)}`;
  if (x < 0.3) return pick(r, ['#', '#-1', '-1', 'abc', '#abc', '##1', '#1152921504606846976', '#2305843009213693952']);
  return String(Math.floor(r() * 200));
}

function fieldValue(r: () => number): string {
  const x = r();
  if (x < 0.3) return pick(r, INTS);
  if (x < 0.6) return String(Math.floor(r() * 600) - 300);
  return String(BigInt(Math.floor(r() * 2 ** 31)) * BigInt(Math.floor(r() * 2 ** 31)) * (r() < 0.5 ? -1n : 1n));
}

function bitfieldArgs(r: () => number, readonly: boolean): string[] {
  const out: string[] = [];
  const n = Math.floor(r() * 5);
  for (let i = 0; i < n; i++) {
    const y = r();
    if (readonly && y < 0.9) out.push(pick(r, ['GET', 'get']), fieldType(r), fieldOffset(r));
    else if (y < 0.3) out.push(pick(r, ['GET', 'get']), fieldType(r), fieldOffset(r));
    else if (y < 0.55) out.push(pick(r, ['SET', 'set']), fieldType(r), fieldOffset(r), fieldValue(r));
    else if (y < 0.8) out.push(pick(r, ['INCRBY', 'incrby']), fieldType(r), fieldOffset(r), fieldValue(r));
    else if (y < 0.95) out.push('OVERFLOW', pick(r, ['WRAP', 'SAT', 'FAIL', 'wrap', 'sat', 'fail', 'bogus']));
    else out.push(pick(r, ['GET', 'SET', 'INCRBY', 'OVERFLOW', 'FOO']));
  }
  return out;
}

function generate(seed: number, count: number): Cmd[] {
  const r = rng(seed);
  const key = (): string => pick(r, KEYS);
  const out: Cmd[] = [['RPUSH', 'lst', 'a', 'b']];
  for (let i = 0; i < count; i++) {
    const x = Math.floor(r() * 26);
    switch (x) {
      case 0: case 1: case 2:
        out.push(['SETBIT', key(), offset(r), r() < 0.9 ? pick(r, ['0', '1']) : pick(r, ['2', '-1', 'a', '', '01'])]);
        break;
      case 3: out.push(['GETBIT', key(), offset(r)]); break;
      case 4: out.push(['BITCOUNT', key()]); break;
      case 5: out.push(['BITCOUNT', key(), rangeIndex(r), rangeIndex(r)]); break;
      case 6: out.push(['BITCOUNT', key(), rangeIndex(r), rangeIndex(r), pick(r, ['BIT', 'BYTE', 'bit', 'byte', 'bits', ''])]); break;
      case 7: out.push(['BITCOUNT', key(), ...Array.from({ length: pick(r, [1, 4]) }, () => rangeIndex(r))]); break;
      case 8: out.push(['BITPOS', key(), r() < 0.9 ? pick(r, ['0', '1']) : pick(r, ['2', '-1', 'x'])]); break;
      case 9: out.push(['BITPOS', key(), pick(r, ['0', '1']), rangeIndex(r)]); break;
      case 10: out.push(['BITPOS', key(), pick(r, ['0', '1']), rangeIndex(r), rangeIndex(r)]); break;
      case 11:
        out.push(['BITPOS', key(), pick(r, ['0', '1']), rangeIndex(r), rangeIndex(r), pick(r, ['BIT', 'BYTE', 'bit', 'BIT', 'nope'])]);
        break;
      case 12: {
        const n = 1 + Math.floor(r() * 3);
        const op = r() < 0.95 ? pick(r, ['AND', 'OR', 'XOR', 'NOT', 'and', 'or', 'xor', 'not']) : pick(r, ['NAND', '']);
        out.push(['BITOP', op, key(), ...Array.from({ length: op.toLowerCase() === 'not' && r() < 0.8 ? 1 : n }, key)]);
        break;
      }
      case 13: case 14: case 15: out.push(['BITFIELD', key(), ...bitfieldArgs(r, false)]); break;
      case 16: out.push(['BITFIELD_RO', key(), ...bitfieldArgs(r, true)]); break;
      case 17: case 18: out.push(['GET', key()]); break;
      case 19: out.push(['SET', key(), value(r)]); break;
      case 20: out.push(['APPEND', key(), value(r)]); break;
      case 21: out.push(['DEL', key()]); break;
      case 22: out.push(['STRLEN', key()]); break;
      case 23: {
        const name = pick(r, ['SETBIT', 'GETBIT', 'BITCOUNT', 'BITPOS', 'BITOP', 'BITFIELD', 'BITFIELD_RO']);
        out.push([name, ...Array.from({ length: Math.floor(r() * 3) }, () => pick(r, ['0', '1', 'AND', key()]))]);
        break;
      }
      case 24: out.push(['SETBIT', key(), String(Math.floor(r() * 64)), '1'], ['BITPOS', key(), '0']); break;
      case 25: out.push(['SETRANGE', key(), String(Math.floor(r() * 20)), value(r)]); break;
    }
  }
  for (const k of KEYS) out.push(['GET', k]);
  return out;
}


/** BITFIELD counters at random widths, and BITPOS/BITCOUNT ranges over random values. */
function focusedScript(): Cmd[] {
  const r = rng(99);
  const script: Cmd[] = [];
  for (let i = 0; i < 400; i++) {
    const key = `bf${i % 7}`;
    const type = pick(r, FIELD_TYPES);
    const off = String(Math.floor(r() * 64));
    script.push(['BITFIELD', key, 'OVERFLOW', pick(r, ['WRAP', 'SAT', 'FAIL']), 'INCRBY', type, off, fieldValue(r), 'GET', type, off, 'GET', pick(r, FIELD_TYPES), String(Math.floor(r() * 80))]);
  }
  for (let i = 0; i < 300; i++) {
    const key = `bp${i % 5}`;
    script.push(['SET', key, value(r)]);
    for (const unit of ['BYTE', 'BIT']) {
      const a = String(Math.floor(r() * 60) - 30);
      const b = String(Math.floor(r() * 60) - 30);
      script.push(['BITPOS', key, '0', a, b, unit], ['BITPOS', key, '1', a, b, unit], ['BITCOUNT', key, a, b, unit]);
    }
    script.push(['BITPOS', key, '0', String(Math.floor(r() * 30) - 15)], ['BITPOS', key, '1', String(Math.floor(r() * 30) - 15)]);
  }
  return script;
}

const diff = new DifferentialSuite(t);

diff.test('bitmap family matches redis-server', async (t, s) => {
  for (const seed of [1, 2]) await s.check(`random script, seed ${seed}`, generate(seed * 104729 + s.workers, 3000));
  await s.check('BITFIELD counters and ranges', focusedScript());
});

/** Values at and around the 64-bit and field limits, where Redis's wrapping overflow checks decide. */
function edgeValue(r: () => number, bits: number): string {
  const b = BigInt(bits);
  const near = [
    -(1n << 63n), (1n << 63n) - 1n, -(1n << 63n) + 1n, (1n << 63n) - 2n, 0n, 1n, -1n,
    (1n << (b - 1n)) - 1n, (1n << (b - 1n)), -(1n << (b - 1n)), -(1n << (b - 1n)) - 1n, (1n << b) - 1n, (1n << b), -(1n << b),
    (1n << 62n), -(1n << 62n), -(1n << 63n) + (1n << (b - 1n)), (1n << 63n) - (1n << (b - 1n)),
  ].filter((v) => v >= -(1n << 63n) && v < 1n << 63n);
  const v = pick(r, near) + BigInt(Math.floor(r() * 5) - 2);
  return String(BigInt.asIntN(64, v));
}

diff.test('BITFIELD SET/INCRBY at the 64-bit edges: every overflow policy as redis-server decides', async (t, s) => {
  const r = rng(9091);
  const script: Cmd[] = [
    ['BITFIELD', 'a', 'OVERFLOW', 'SAT', 'SET', 'i8', '0', '-9223372036854775808'], ['BITFIELD', 'a', 'GET', 'i8', '0'],
    ['BITFIELD', 'a', 'OVERFLOW', 'SAT', 'SET', 'u8', '0', '-1'], ['BITFIELD', 'a', 'GET', 'u8', '0'],
  ];
  for (let i = 0; i < 1500; i++) {
    const signed = r() < 0.6;
    const bits = signed ? 1 + Math.floor(r() * 64) : 1 + Math.floor(r() * 63);
    const type = `${signed ? 'i' : 'u'}${bits}`;
    const off = String(Math.floor(r() * 3) * 7);
    const op = pick(r, ['SET', 'INCRBY']);
    script.push(['BITFIELD', 'e', 'OVERFLOW', pick(r, ['WRAP', 'SAT', 'FAIL']), op, type, off, edgeValue(r, bits), 'GET', type, off]);
    if (i % 50 === 0) script.push(['GET', 'e']);
  }
  await s.check('BITFIELD edges', script);
});
