/**
 * HyperLogLog values in Redis's own string format, so that GET, DUMP-free
 * copies between servers, and every string command see the same bytes as in
 * Redis, and PFCOUNT gives the same numbers.
 *
 * Layout (all offsets in bytes):
 *   0..3   "HYLL"
 *   4      encoding: 0 dense, 1 sparse
 *   5..7   unused (zero)
 *   8..15  cached cardinality, little endian; the top bit of byte 15 set
 *          means "stale, recompute"
 *   16..   registers
 * 16384 registers (the low 14 bits of a 64-bit MurmurHash64A pick one) hold
 * the longest run seen of trailing zero bits + 1 in the other 50 hash bits.
 * Dense: 6 bits per register, packed from the least significant bit of each
 * byte. Sparse: a run-length code of three opcodes:
 *   00xxxxxx           ZERO: xxxxxx+1 (1..64) zero registers
 *   01xxxxxx yyyyyyyy  XZERO: 14-bit length+1 (1..16384) zero registers
 *   1vvvvvxx           VAL: xx+1 (1..4) registers of value vvvvv+1 (1..32)
 * A sparse value becomes dense when a register needs more than 32 or when the
 * encoding would grow past hll-sparse-max-bytes.
 *
 * The estimate is Ertl's improved raw estimator ("New cardinality estimation
 * algorithms for HyperLogLog sketches", 2017), computed from the register
 * histogram in double precision, in the same order of operations as Redis so
 * that the rounded result is identical.
 */
import { ReplyError } from '../../src/core/errors';

export const HLL_REGISTERS = 16384;
const P_BITS = 14;
/** Hash bits left after the register index: runs are 1..Q+1. */
const Q = 64 - P_BITS;
export const HDR_SIZE = 16;
const DENSE_BYTES = (HLL_REGISTERS * 6) / 8;
export const DENSE_SIZE = HDR_SIZE + DENSE_BYTES;
export const ENC_DENSE = 0;
export const ENC_SPARSE = 1;
/** Redis's hll-sparse-max-bytes default. */
/** hll-sparse-max-bytes: a sparse HLL that would grow past it becomes dense (set by the shard's settings). */
let SPARSE_MAX_BYTES = 3000;

export function setHllSparseMaxBytes(n: number): void {
  SPARSE_MAX_BYTES = n;
}
const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
/** 1 / (2 ln 2): the estimator's constant for m -> infinity. */
const ALPHA_INF = 0.721347520444481703680;
const SEED = 0xadc83b19;

export const ERR_NOT_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';
export const ERR_INVALID_HLL = 'INVALIDOBJ Corrupted HLL object detected';

// ---------------------------------------------------------------------------
// MurmurHash64A on 32-bit halves (BigInt would be several times slower).

const M_HI = 0xc6a4a793;
const M_LO = 0x5bd1e995;

/** High 32 bits of the 64-bit product of two unsigned 32-bit numbers. */
function mulHigh32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  const p00 = a0 * b0;
  const p01 = a0 * b1;
  const p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) >>> 0;
}

let rHi = 0;
let rLo = 0;

/** (hi, lo) * M mod 2^64 into (rHi, rLo). */
function mulM(hi: number, lo: number): void {
  const nlo = Math.imul(lo, M_LO) >>> 0;
  rHi = (mulHigh32(lo, M_LO) + Math.imul(hi, M_LO) + Math.imul(lo, M_HI)) >>> 0;
  rLo = nlo;
}

/** MurmurHash64A of a latin1 string; the result is left in (hashHi, hashLo). */
let hashHi = 0;
let hashLo = 0;
function murmur64a(s: string, seed: number): void {
  const len = s.length;
  mulM(0, len);
  let hHi = rHi;
  let hLo = (rLo ^ seed) >>> 0;
  const blocks = len - (len & 7);
  for (let i = 0; i < blocks; i += 8) {
    let kLo = (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24)) >>> 0;
    let kHi = (s.charCodeAt(i + 4) | (s.charCodeAt(i + 5) << 8) | (s.charCodeAt(i + 6) << 16) | (s.charCodeAt(i + 7) << 24)) >>> 0;
    mulM(kHi, kLo);
    kHi = rHi;
    kLo = (rLo ^ (rHi >>> 15)) >>> 0; // k ^= k >> 47
    mulM(kHi, kLo);
    hHi = (hHi ^ rHi) >>> 0;
    hLo = (hLo ^ rLo) >>> 0;
    mulM(hHi, hLo);
    hHi = rHi;
    hLo = rLo;
  }
  const rest = len & 7;
  if (rest > 0) {
    for (let j = rest - 1; j >= 0; j--) {
      const c = s.charCodeAt(blocks + j);
      if (j >= 4) hHi = (hHi ^ (c << (8 * (j - 4)))) >>> 0;
      else hLo = (hLo ^ (c << (8 * j))) >>> 0;
    }
    mulM(hHi, hLo);
    hHi = rHi;
    hLo = rLo;
  }
  hLo = (hLo ^ (hHi >>> 15)) >>> 0;
  mulM(hHi, hLo);
  hHi = rHi;
  hLo = (rLo ^ (rHi >>> 15)) >>> 0;
  hashHi = hHi;
  hashLo = hLo;
}

/** The 64-bit hash Redis's HLL uses, as a BigInt (for tests and PFSELFTEST). */
export function hllHash(s: string): bigint {
  murmur64a(s, SEED);
  return (BigInt(hashHi) << 32n) | BigInt(hashLo);
}

function ctz32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Register index and run length (1..51) of an element; index in patIndex. */
let patIndex = 0;
function patLen(ele: string): number {
  murmur64a(ele, SEED);
  patIndex = hashLo & (HLL_REGISTERS - 1);
  // The run is counted in hash bits 14..63 with bit 64 forced on, so at most Q + 1.
  const low = hashLo >>> P_BITS;
  if (low !== 0) return ctz32(low) + 1;
  if (hashHi !== 0) return 32 - P_BITS + ctz32(hashHi) + 1;
  return Q + 1;
}

// ---------------------------------------------------------------------------
// Validation and the cached cardinality

/** Whether a string value is one PF* commands accept (Redis's header and size checks). */
export function isHllString(s: string): boolean {
  if (s.length < HDR_SIZE) return false;
  if (s.charCodeAt(0) !== 72 || s.charCodeAt(1) !== 89 || s.charCodeAt(2) !== 76 || s.charCodeAt(3) !== 76) return false; // HYLL
  const enc = s.charCodeAt(4);
  if (enc > ENC_SPARSE) return false;
  return enc !== ENC_DENSE || s.length === DENSE_SIZE;
}

export function encodingOf(s: string): number {
  return s.charCodeAt(4);
}

/** The cached cardinality, or null when it is marked stale. */
export function cachedCount(s: string): bigint | null {
  if (s.charCodeAt(15) & 0x80) return null;
  let v = 0n;
  for (let i = 15; i >= 8; i--) v = (v << 8n) | BigInt(s.charCodeAt(i));
  return v;
}

/** The value with `card` stored as its (valid) cached cardinality. */
export function withCachedCount(s: string, card: number): string {
  let c = '';
  let v = card;
  for (let i = 0; i < 8; i++) {
    c += String.fromCharCode(v % 256);
    v = Math.floor(v / 256);
  }
  return s.slice(0, 8) + c + s.slice(16);
}

// ---------------------------------------------------------------------------
// Dense registers

function denseGet(buf: Uint8Array, reg: number): number {
  const bit = reg * 6;
  const byte = HDR_SIZE + (bit >> 3);
  const fb = bit & 7;
  const b1 = byte + 1 < DENSE_SIZE ? buf[byte + 1] : 0;
  return ((buf[byte] >> fb) | (b1 << (8 - fb))) & 63;
}

function denseGetStr(s: string, reg: number): number {
  const bit = reg * 6;
  const byte = HDR_SIZE + (bit >> 3);
  const fb = bit & 7;
  const b1 = byte + 1 < DENSE_SIZE ? s.charCodeAt(byte + 1) : 0;
  return ((s.charCodeAt(byte) >> fb) | (b1 << (8 - fb))) & 63;
}

function denseSet(buf: Uint8Array, reg: number, v: number): void {
  const bit = reg * 6;
  const byte = HDR_SIZE + (bit >> 3);
  const fb = bit & 7;
  buf[byte] = (buf[byte] & ~(63 << fb)) | (v << fb);
  if (fb > 2) buf[byte + 1] = (buf[byte + 1] & ~(63 >> (8 - fb))) | (v >> (8 - fb));
}

// ---------------------------------------------------------------------------
// A mutable HLL being updated: a byte buffer with room to grow (sparse
// updates insert up to 3 bytes at a time).

export class HllBuffer {
  buf: Buffer;
  len: number;

  private constructor(buf: Buffer, len: number) {
    this.buf = buf;
    this.len = len;
  }

  static fromString(s: string): HllBuffer {
    const len = s.length;
    const buf = Buffer.allocUnsafe(len + (s.charCodeAt(4) === ENC_SPARSE ? 64 : 0));
    buf.latin1Write(s, 0);
    return new HllBuffer(buf, len);
  }

  /** A new empty HLL: sparse, one XZERO covering every register, cache 0 and valid. */
  static empty(): HllBuffer {
    const buf = Buffer.alloc(HDR_SIZE + 2 + 64);
    buf.latin1Write('HYLL', 0);
    buf[4] = ENC_SPARSE;
    buf[HDR_SIZE] = 0x40 | ((HLL_REGISTERS - 1) >> 8);
    buf[HDR_SIZE + 1] = (HLL_REGISTERS - 1) & 0xff;
    return new HllBuffer(buf, HDR_SIZE + 2);
  }

  toString(): string {
    return this.buf.latin1Slice(0, this.len);
  }

  get encoding(): number {
    return this.buf[4];
  }

  invalidateCache(): void {
    this.buf[15] |= 0x80;
  }

  private reserve(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.len + extra, this.buf.length * 2));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** Converts a sparse HLL to dense in place; false if the sparse code is corrupt. */
  toDense(): boolean {
    if (this.encoding === ENC_DENSE) return true;
    const dense = Buffer.alloc(DENSE_SIZE);
    this.buf.copy(dense, 0, 0, HDR_SIZE);
    dense[4] = ENC_DENSE;
    const src = this.buf;
    const end = this.len;
    let p = HDR_SIZE;
    let idx = 0;
    while (p < end) {
      const b = src[p];
      if ((b & 0xc0) === 0) {
        idx += (b & 0x3f) + 1;
        p++;
      } else if ((b & 0x80) === 0) {
        idx += (((b & 0x3f) << 8) | (p + 1 < end ? src[p + 1] : 0)) + 1;
        p += 2;
      } else {
        const run = (b & 3) + 1;
        const v = ((b >> 2) & 0x1f) + 1;
        if (idx + run > HLL_REGISTERS) break;
        for (let k = 0; k < run; k++) denseSet(dense, idx++, v);
        p++;
      }
    }
    if (idx !== HLL_REGISTERS) return false;
    this.buf = dense;
    this.len = DENSE_SIZE;
    return true;
  }

  /** Raises register `reg` to `count` if lower. Returns 1 if it changed; throws on a corrupt sparse code. */
  set(reg: number, count: number): number {
    if (this.encoding === ENC_DENSE) {
      if (denseGet(this.buf, reg) >= count) return 0;
      denseSet(this.buf, reg, count);
      return 1;
    }
    return this.sparseSet(reg, count);
  }

  /** Adds an element. Returns 1 if a register changed. */
  add(ele: string): number {
    const count = patLen(ele);
    return this.set(patIndex, count);
  }

  private promote(reg: number, count: number): number {
    if (!this.toDense()) throw new ReplyError(ERR_INVALID_HLL);
    // The register was below `count` in the sparse code, so this always changes it.
    denseSet(this.buf, reg, count);
    return 1;
  }

  private sparseSet(reg: number, count: number): number {
    if (count > SPARSE_VAL_MAX_VALUE) return this.promote(reg, count);
    this.reserve(3);
    const buf = this.buf;
    const end = this.len;
    // Find the opcode that covers `reg`.
    let p = HDR_SIZE;
    let first = 0;
    let prev = -1;
    let span = 0;
    while (p < end) {
      const b = buf[p];
      let oplen = 1;
      if ((b & 0xc0) === 0) span = (b & 0x3f) + 1;
      else if (b & 0x80) span = (b & 3) + 1;
      else {
        span = (((b & 0x3f) << 8) | (p + 1 < end ? buf[p + 1] : 0)) + 1;
        oplen = 2;
      }
      if (reg <= first + span - 1) break;
      prev = p;
      p += oplen;
      first += span;
    }
    if (span === 0 || p >= end) throw new ReplyError(ERR_INVALID_HLL);

    const op = buf[p];
    const isVal = (op & 0x80) !== 0;
    const isZero = (op & 0xc0) === 0;
    const isXzero = !isVal && !isZero;
    let oldVal = 0;
    if (isVal) {
      oldVal = ((op >> 2) & 0x1f) + 1;
      if (oldVal >= count) return 0;
    }
    if ((isVal || isZero) && span === 1) {
      // A single-register opcode is rewritten in place.
      buf[p] = valOp(count, 1);
    } else {
      // Split the run into up to three opcodes: before, the register, after.
      const seq: number[] = [];
      const last = first + span - 1;
      if (isVal) {
        if (reg !== first) seq.push(valOp(oldVal, reg - first));
        seq.push(valOp(count, 1));
        if (reg !== last) seq.push(valOp(oldVal, last - reg));
      } else {
        if (reg !== first) pushZeros(seq, reg - first);
        seq.push(valOp(count, 1));
        if (reg !== last) pushZeros(seq, last - reg);
      }
      const oldLen = isXzero ? 2 : 1;
      const delta = seq.length - oldLen;
      if (delta > 0 && end + delta > SPARSE_MAX_BYTES) return this.promote(reg, count);
      if (delta !== 0) buf.copyWithin(p + seq.length, p + oldLen, end);
      for (let i = 0; i < seq.length; i++) buf[p + i] = seq[i];
      this.len = end + delta;
    }
    this.mergeRuns(prev < 0 ? HDR_SIZE : prev);
    this.invalidateCache();
    return 1;
  }

  /**
   * After an update, adjacent VAL opcodes of the same value may be joinable:
   * look at most five opcodes from the one before the change.
   */
  private mergeRuns(from: number): void {
    const buf = this.buf;
    let end = this.len;
    let p = from;
    let scan = 5;
    while (p < end && scan-- > 0) {
      const b = buf[p];
      if ((b & 0xc0) === 0x40) {
        p += 2;
        continue;
      }
      if ((b & 0xc0) === 0) {
        p++;
        continue;
      }
      if (p + 1 < end && buf[p + 1] & 0x80) {
        const n = buf[p + 1];
        const v = ((b >> 2) & 0x1f) + 1;
        if (v === ((n >> 2) & 0x1f) + 1) {
          const run = (b & 3) + 1 + (n & 3) + 1;
          if (run <= SPARSE_VAL_MAX_LEN) {
            buf[p + 1] = valOp(v, run);
            buf.copyWithin(p, p + 1, end);
            end--;
            // Stay on p: the merged opcode may join the next one too.
            continue;
          }
        }
      }
      p++;
    }
    this.len = end;
  }
}

function valOp(v: number, run: number): number {
  return 0x80 | ((v - 1) << 2) | (run - 1);
}

function pushZeros(seq: number[], n: number): void {
  if (n > SPARSE_ZERO_MAX_LEN) seq.push(0x40 | ((n - 1) >> 8), (n - 1) & 0xff);
  else seq.push(n - 1);
}

// ---------------------------------------------------------------------------
// Reading: histograms, merging, estimating

/** Register value histogram of a valid HLL string; null if its sparse code is corrupt. */
export function histogram(s: string): Int32Array | null {
  const h = new Int32Array(64);
  if (s.charCodeAt(4) === ENC_DENSE) {
    for (let r = 0; r < HLL_REGISTERS; r++) h[denseGetStr(s, r)]++;
    return h;
  }
  const end = s.length;
  let p = HDR_SIZE;
  let idx = 0;
  while (p < end) {
    const b = s.charCodeAt(p);
    let run: number;
    if ((b & 0xc0) === 0) {
      run = (b & 0x3f) + 1;
      h[0] += run;
      p++;
    } else if ((b & 0x80) === 0) {
      run = (((b & 0x3f) << 8) | (p + 1 < end ? s.charCodeAt(p + 1) : 0)) + 1;
      h[0] += run;
      p += 2;
    } else {
      run = (b & 3) + 1;
      h[((b >> 2) & 0x1f) + 1] += run;
      p++;
    }
    idx += run;
  }
  return idx === HLL_REGISTERS ? h : null;
}

/** Histogram of plain registers (one byte each), as PFCOUNT of several keys builds. */
export function rawHistogram(regs: Uint8Array): Int32Array {
  const h = new Int32Array(64);
  for (let r = 0; r < HLL_REGISTERS; r++) h[regs[r]]++;
  return h;
}

/** max[r] = max(max[r], register r of s). False if the sparse code is corrupt. */
export function mergeInto(max: Uint8Array, s: string): boolean {
  if (s.charCodeAt(4) === ENC_DENSE) {
    for (let r = 0; r < HLL_REGISTERS; r++) {
      const v = denseGetStr(s, r);
      if (v > max[r]) max[r] = v;
    }
    return true;
  }
  const end = s.length;
  let p = HDR_SIZE;
  let idx = 0;
  while (p < end) {
    const b = s.charCodeAt(p);
    if ((b & 0xc0) === 0) {
      idx += (b & 0x3f) + 1;
      p++;
    } else if ((b & 0x80) === 0) {
      idx += (((b & 0x3f) << 8) | (p + 1 < end ? s.charCodeAt(p + 1) : 0)) + 1;
      p += 2;
    } else {
      const run = (b & 3) + 1;
      const v = ((b >> 2) & 0x1f) + 1;
      // A run past the last register is corrupt, even after a complete code (Redis 7.0's PFMERGE and PFCOUNT refuse it).
      if (idx + run > HLL_REGISTERS) return false;
      for (let k = 0; k < run; k++, idx++) if (v > max[idx]) max[idx] = v;
      p++;
    }
  }
  return idx === HLL_REGISTERS;
}

/** All registers of a valid dense HLL string. */
export function denseRegisters(s: string): Uint8Array {
  const out = new Uint8Array(HLL_REGISTERS);
  for (let r = 0; r < HLL_REGISTERS; r++) out[r] = denseGetStr(s, r);
  return out;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let prev: number;
  do {
    x = Math.sqrt(x);
    prev = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (prev !== z);
  return z / 3;
}

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  let prev: number;
  do {
    x *= x;
    prev = z;
    z += x * y;
    y += y;
  } while (prev !== z);
  return z;
}

/** Ertl's estimate from a register histogram, rounded half away from zero. */
export function estimate(h: Int32Array): number {
  const m = HLL_REGISTERS;
  let z = m * tau((m - h[Q + 1]) / m);
  for (let j = Q; j >= 1; j--) {
    z += h[j];
    z *= 0.5;
  }
  z += m * sigma(h[0] / m);
  return Math.round((ALPHA_INF * m * m) / z);
}

/** Text of a sparse HLL's opcodes (PFDEBUG DECODE). */
export function decodeSparse(s: string): string {
  const parts: string[] = [];
  const end = s.length;
  let p = HDR_SIZE;
  while (p < end) {
    const b = s.charCodeAt(p);
    if ((b & 0xc0) === 0) {
      parts.push(`z:${(b & 0x3f) + 1}`);
      p++;
    } else if ((b & 0x80) === 0) {
      parts.push(`Z:${(((b & 0x3f) << 8) | (p + 1 < end ? s.charCodeAt(p + 1) : 0)) + 1}`);
      p += 2;
    } else {
      parts.push(`v:${((b >> 2) & 0x1f) + 1},${(b & 3) + 1}`);
      p++;
    }
  }
  return parts.join(' ');
}
