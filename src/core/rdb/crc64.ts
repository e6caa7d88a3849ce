/**
 * CRC-64 as Redis computes it (crc64.c): the Jones polynomial, reflected,
 * initial value 0, no final xor. crc64("123456789") = 0xe9c6d914c4b8d9ca.
 * The 64-bit state is kept as two 32-bit halves so the per-byte loop stays in
 * small integers (bigint arithmetic per byte would be far slower).
 */
const POLY = 0x95ac9329ac4bc9b5n; // 0xad93d23594c935a9 reflected

const TLO = new Uint32Array(256);
const THI = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let c = BigInt(i);
  for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ POLY : c >> 1n;
  TLO[i] = Number(c & 0xffffffffn);
  THI[i] = Number(c >> 32n);
}

/** A running CRC-64: feed bytes with update, read with value/bytesLE. */
export class Crc64 {
  lo = 0;
  hi = 0;

  update(buf: Uint8Array, from = 0, to = buf.length): this {
    let lo = this.lo;
    let hi = this.hi;
    for (let i = from; i < to; i++) {
      const idx = (lo ^ buf[i]) & 0xff;
      lo = ((lo >>> 8) | ((hi & 0xff) << 24)) ^ TLO[idx];
      hi = (hi >>> 8) ^ THI[idx];
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    return this;
  }

  value(): bigint {
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** The checksum as Redis stores it: 8 bytes, little-endian. */
  bytesLE(): Buffer {
    const b = Buffer.alloc(8);
    b.writeUInt32LE(this.lo, 0);
    b.writeUInt32LE(this.hi, 4);
    return b;
  }
}

export function crc64(buf: Uint8Array): bigint {
  return new Crc64().update(buf).value();
}
