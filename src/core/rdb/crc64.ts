/**
 * CRC-64 as Redis computes it (crc64.c): the Jones polynomial, reflected,
 * initial value 0, no final xor. crc64("123456789") = 0xe9c6d914c4b8d9ca.
 * The 64-bit state is kept as two 32-bit halves so the per-byte loop stays in
 * small integers (bigint arithmetic per byte would be far slower).
 */
const POLY = 0x95ac9329ac4bc9b5n; // 0xad93d23594c935a9 reflected

/*
 * Slice-by-8 tables (as Redis's crcspeed): table k maps a byte to its CRC
 * after k more zero bytes, so 8 bytes are folded with 8 lookups at once
 * instead of 8 dependent steps. About 4x the byte-at-a-time loop here; a load
 * checksums the whole file (docs/performance.md).
 */
const TLO = new Uint32Array(8 * 256);
const THI = new Uint32Array(8 * 256);
for (let i = 0; i < 256; i++) {
  let c = BigInt(i);
  for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ POLY : c >> 1n;
  TLO[i] = Number(c & 0xffffffffn);
  THI[i] = Number(c >> 32n);
}
for (let k = 1; k < 8; k++) {
  for (let i = 0; i < 256; i++) {
    const plo = TLO[(k - 1) * 256 + i];
    const phi = THI[(k - 1) * 256 + i];
    const idx = plo & 0xff;
    TLO[k * 256 + i] = ((plo >>> 8) | ((phi & 0xff) << 24)) ^ TLO[idx];
    THI[k * 256 + i] = (phi >>> 8) ^ THI[idx];
  }
}

/** A running CRC-64: feed bytes with update, read with value/bytesLE. */
export class Crc64 {
  lo = 0;
  hi = 0;

  update(buf: Uint8Array, from = 0, to = buf.length): this {
    let lo = this.lo;
    let hi = this.hi;
    let i = from;
    for (; i + 8 <= to; i += 8) {
      const a = lo ^ (buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24));
      const b = hi ^ (buf[i + 4] | (buf[i + 5] << 8) | (buf[i + 6] << 16) | (buf[i + 7] << 24));
      const i7 = 7 * 256 + (a & 0xff);
      const i6 = 6 * 256 + ((a >>> 8) & 0xff);
      const i5 = 5 * 256 + ((a >>> 16) & 0xff);
      const i4 = 4 * 256 + (a >>> 24);
      const i3 = 3 * 256 + (b & 0xff);
      const i2 = 2 * 256 + ((b >>> 8) & 0xff);
      const i1 = 256 + ((b >>> 16) & 0xff);
      const i0 = b >>> 24;
      lo = TLO[i7] ^ TLO[i6] ^ TLO[i5] ^ TLO[i4] ^ TLO[i3] ^ TLO[i2] ^ TLO[i1] ^ TLO[i0];
      hi = THI[i7] ^ THI[i6] ^ THI[i5] ^ THI[i4] ^ THI[i3] ^ THI[i2] ^ THI[i1] ^ THI[i0];
    }
    for (; i < to; i++) {
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
