/**
 * Bit-level reads and writes on string values, for the bitmap commands.
 *
 * Bit numbering is Redis's: bit 0 is the most significant bit of byte 0, so a
 * bitmap reads left to right in a hex dump. Reads work on the latin1 JS string
 * directly (charCodeAt on a flat one-byte string); writes that touch several
 * bytes go through a Buffer and come back with latin1Slice.
 */

const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1];

/** Number of set bits in bytes [from, to] (inclusive) of s. */
export function popcountBytes(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i <= to; i++) n += POPCOUNT[s.charCodeAt(i)];
  return n;
}

/** Number of set bits in bit positions [from, to] (inclusive), both inside s. */
export function popcountBits(s: string, from: number, to: number): number {
  const fb = Math.floor(from / 8);
  const lb = Math.floor(to / 8);
  // Masks keep only the bits of the first and last byte that are in range.
  const headMask = 0xff >> (from & 7);
  const tailMask = (0xff << (7 - (to & 7))) & 0xff;
  if (fb === lb) return POPCOUNT[s.charCodeAt(fb) & headMask & tailMask];
  return POPCOUNT[s.charCodeAt(fb) & headMask] + popcountBytes(s, fb + 1, lb - 1) + POPCOUNT[s.charCodeAt(lb) & tailMask];
}

/**
 * First bit position in [from, to] (inclusive, inside s) whose value is
 * `bit`, or -1. Whole bytes that cannot match are skipped a byte at a time.
 */
export function findBit(s: string, bit: 0 | 1, from: number, to: number): number {
  const skip = bit === 1 ? 0x00 : 0xff;
  let pos = from;
  while (pos <= to) {
    if ((pos & 7) === 0 && pos + 7 <= to && s.charCodeAt(pos >> 3) === skip) {
      pos += 8;
      continue;
    }
    const b = s.charCodeAt(Math.floor(pos / 8));
    if (((b >> (7 - (pos & 7))) & 1) === bit) return pos;
    pos++;
  }
  return -1;
}

/** The bit at `offset` (0 beyond the end of s). */
export function getBit(s: string, offset: number): number {
  const byte = Math.floor(offset / 8);
  if (byte >= s.length) return 0;
  return (s.charCodeAt(byte) >> (7 - (offset & 7))) & 1;
}

/**
 * Reads `bits` bits (1..64) at bit `offset` as an unsigned integer; bytes
 * past `len` read as zero.
 */
export function readUnsigned(buf: Uint8Array | string, len: number, offset: number, bits: number): bigint {
  const first = Math.floor(offset / 8);
  const lastBit = offset + bits - 1;
  const last = Math.floor(lastBit / 8);
  let acc = 0n;
  for (let i = first; i <= last; i++) {
    const b = i < len ? (typeof buf === 'string' ? buf.charCodeAt(i) : buf[i]) : 0;
    acc = (acc << 8n) | BigInt(b);
  }
  acc >>= BigInt(7 - (lastBit & 7));
  return BigInt.asUintN(bits, acc);
}

/** Reads a field as a two's complement signed integer. */
export function readSigned(buf: Uint8Array | string, len: number, offset: number, bits: number): bigint {
  return BigInt.asIntN(bits, readUnsigned(buf, len, offset, bits));
}

/** Writes the low `bits` bits of `value` at bit `offset`; buf must already cover the field. */
export function writeField(buf: Uint8Array, offset: number, bits: number, value: bigint): void {
  const first = Math.floor(offset / 8);
  const lastBit = offset + bits - 1;
  const last = Math.floor(lastBit / 8);
  const shift = BigInt(7 - (lastBit & 7));
  let acc = 0n;
  for (let i = first; i <= last; i++) acc = (acc << 8n) | BigInt(buf[i]);
  const mask = ((1n << BigInt(bits)) - 1n) << shift;
  acc = (acc & ~mask) | ((BigInt.asUintN(bits, value) << shift) & mask);
  for (let i = last; i >= first; i--) {
    buf[i] = Number(acc & 0xffn);
    acc >>= 8n;
  }
}
