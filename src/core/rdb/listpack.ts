/**
 * Listpack (listpack.c), ziplist (ziplist.c), intset (intset.c) and zipmap
 * (zipmap.c) blobs as they appear inside RDB values. Listpacks are written
 * (Redis 7.0 writes hashes, sorted sets, list nodes and stream nodes as
 * listpacks); all four are read, the last three for files from older Redis
 * versions. Elements are latin1 strings; integers come back as their
 * decimal text, as Redis's own readers return them.
 */
import { ByteSink, RdbFormatError } from './bytes';
import { parseI64 } from '../args/parse';

function backlenBytes(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

/** Bytes one element takes in a listpack (encoding, data and back-length). */
export function listpackEntrySize(s: string): number {
  const v = parseI64(s);
  let e: number;
  if (v !== null) {
    e = v >= 0n && v <= 127n ? 1 : v >= -4096n && v <= 4095n ? 2 : v >= -32768n && v <= 32767n ? 3 : v >= -8388608n && v <= 8388607n ? 4 : v >= -2147483648n && v <= 2147483647n ? 5 : 9;
  } else {
    const l = s.length;
    e = l < 64 ? 1 + l : l < 4096 ? 2 + l : 5 + l;
  }
  return e + backlenBytes(e);
}

function writeBacklen(out: ByteSink, l: number): void {
  if (l <= 127) out.byte(l);
  else if (l < 16383) {
    out.byte(l >>> 7);
    out.byte((l & 127) | 128);
  } else if (l < 2097151) {
    out.byte(l >>> 14);
    out.byte(((l >>> 7) & 127) | 128);
    out.byte((l & 127) | 128);
  } else if (l < 268435455) {
    out.byte(l >>> 21);
    out.byte(((l >>> 14) & 127) | 128);
    out.byte(((l >>> 7) & 127) | 128);
    out.byte((l & 127) | 128);
  } else {
    out.byte(Math.floor(l / 2 ** 28));
    out.byte(((l >>> 21) & 127) | 128);
    out.byte(((l >>> 14) & 127) | 128);
    out.byte(((l >>> 7) & 127) | 128);
    out.byte((l & 127) | 128);
  }
}

function writeEntry(out: ByteSink, s: string): void {
  const start = out.len;
  const v = parseI64(s);
  if (v !== null) {
    if (v >= 0n && v <= 127n) out.byte(Number(v));
    else if (v >= -4096n && v <= 4095n) {
      const u = v < 0n ? Number(v) + 8192 : Number(v);
      out.byte((u >>> 8) | 0xc0);
      out.byte(u & 0xff);
    } else if (v >= -32768n && v <= 32767n) {
      const u = Number(BigInt.asUintN(16, v));
      out.byte(0xf1);
      out.byte(u & 0xff);
      out.byte(u >>> 8);
    } else if (v >= -8388608n && v <= 8388607n) {
      const u = Number(BigInt.asUintN(24, v));
      out.byte(0xf2);
      out.byte(u & 0xff);
      out.byte((u >>> 8) & 0xff);
      out.byte(u >>> 16);
    } else if (v >= -2147483648n && v <= 2147483647n) {
      out.byte(0xf3);
      out.u32le(Number(BigInt.asUintN(32, v)));
    } else {
      out.byte(0xf4);
      out.i64le(v);
    }
  } else {
    const l = s.length;
    if (l < 64) out.byte(0x80 | l);
    else if (l < 4096) {
      out.byte(0xe0 | (l >>> 8));
      out.byte(l & 0xff);
    } else {
      out.byte(0xf0);
      out.u32le(l);
    }
    out.latin1(s);
  }
  writeBacklen(out, out.len - start);
}

/** A listpack holding `items` in order. */
export function encodeListpack(items: readonly string[]): Buffer {
  const out = new ByteSink(64);
  out.u32le(0);
  out.u16le(items.length < 65535 ? items.length : 65535);
  for (const s of items) writeEntry(out, s);
  out.byte(0xff);
  out.buf.writeUInt32LE(out.len, 0);
  return out.take();
}

/** The elements of a listpack; throws RdbFormatError when it is malformed. */
export function decodeListpack(b: Buffer): string[] {
  if (b.length < 7) throw new RdbFormatError('listpack too short');
  const total = b.readUInt32LE(0);
  if (total !== b.length) throw new RdbFormatError('listpack size mismatch');
  const declared = b.readUInt16LE(4);
  const out: string[] = [];
  let p = 6;
  for (;;) {
    if (p >= b.length) throw new RdbFormatError('listpack without terminator');
    const c = b[p];
    if (c === 0xff) break;
    const start = p;
    let v: string;
    if (c < 0x80) {
      v = String(c);
      p += 1;
    } else if ((c & 0xc0) === 0x80) {
      const l = c & 0x3f;
      v = b.toString('latin1', p + 1, p + 1 + l);
      p += 1 + l;
    } else if ((c & 0xe0) === 0xc0) {
      let u = ((c & 0x1f) << 8) | b[p + 1];
      if (u >= 1 << 12) u -= 1 << 13;
      v = String(u);
      p += 2;
    } else if ((c & 0xf0) === 0xe0) {
      const l = ((c & 0x0f) << 8) | b[p + 1];
      v = b.toString('latin1', p + 2, p + 2 + l);
      p += 2 + l;
    } else if (c === 0xf0) {
      const l = b.readUInt32LE(p + 1);
      v = b.toString('latin1', p + 5, p + 5 + l);
      p += 5 + l;
    } else if (c === 0xf1) {
      v = String(b.readInt16LE(p + 1));
      p += 3;
    } else if (c === 0xf2) {
      v = String(b.readIntLE(p + 1, 3));
      p += 4;
    } else if (c === 0xf3) {
      v = String(b.readInt32LE(p + 1));
      p += 5;
    } else if (c === 0xf4) {
      v = String(b.readBigInt64LE(p + 1));
      p += 9;
    } else throw new RdbFormatError('bad listpack encoding');
    p += backlenBytes(p - start);
    if (p > b.length - 1) throw new RdbFormatError('listpack entry past its end');
    out.push(v);
  }
  if (p !== b.length - 1) throw new RdbFormatError('listpack trailing bytes');
  if (declared !== 65535 && declared !== out.length) throw new RdbFormatError('listpack count mismatch');
  return out;
}

/** The elements of a ziplist (RDB files written before Redis 7.0). */
export function decodeZiplist(b: Buffer): string[] {
  if (b.length < 11) throw new RdbFormatError('ziplist too short');
  if (b.readUInt32LE(0) !== b.length) throw new RdbFormatError('ziplist size mismatch');
  const out: string[] = [];
  let p = 10;
  for (;;) {
    if (p >= b.length) throw new RdbFormatError('ziplist without terminator');
    if (b[p] === 0xff) break;
    p += b[p] < 254 ? 1 : 5; // prevlen
    const c = b[p];
    const top = c >> 6;
    if (top === 0) {
      const l = c & 0x3f;
      out.push(b.toString('latin1', p + 1, p + 1 + l));
      p += 1 + l;
    } else if (top === 1) {
      const l = ((c & 0x3f) << 8) | b[p + 1];
      out.push(b.toString('latin1', p + 2, p + 2 + l));
      p += 2 + l;
    } else if (top === 2) {
      const l = b.readUInt32BE(p + 1);
      out.push(b.toString('latin1', p + 5, p + 5 + l));
      p += 5 + l;
    } else if (c === 0xc0) {
      out.push(String(b.readInt16LE(p + 1)));
      p += 3;
    } else if (c === 0xd0) {
      out.push(String(b.readInt32LE(p + 1)));
      p += 5;
    } else if (c === 0xe0) {
      out.push(String(b.readBigInt64LE(p + 1)));
      p += 9;
    } else if (c === 0xf0) {
      out.push(String(b.readIntLE(p + 1, 3)));
      p += 4;
    } else if (c === 0xfe) {
      out.push(String(b.readInt8(p + 1)));
      p += 2;
    } else if (c >= 0xf1 && c <= 0xfd) {
      out.push(String((c & 0x0f) - 1));
      p += 1;
    } else throw new RdbFormatError('bad ziplist encoding');
    if (p > b.length - 1) throw new RdbFormatError('ziplist entry past its end');
  }
  return out;
}

/** The members of an intset blob, in its (ascending) order. */
export function decodeIntset(b: Buffer): string[] {
  if (b.length < 8) throw new RdbFormatError('intset too short');
  const width = b.readUInt32LE(0);
  const n = b.readUInt32LE(4);
  if ((width !== 2 && width !== 4 && width !== 8) || b.length !== 8 + width * n) throw new RdbFormatError('bad intset');
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const at = 8 + i * width;
    out[i] = width === 2 ? String(b.readInt16LE(at)) : width === 4 ? String(b.readInt32LE(at)) : String(b.readBigInt64LE(at));
  }
  return out;
}

/** An intset blob for integer members (sorted ascending here). */
export function encodeIntset(members: readonly string[]): Buffer {
  const vals = members.map((m) => BigInt(m)).sort((a, c) => (a < c ? -1 : a > c ? 1 : 0));
  let width = 2;
  for (const v of vals) {
    if (v < -2147483648n || v > 2147483647n) width = 8;
    else if ((v < -32768n || v > 32767n) && width < 4) width = 4;
  }
  const b = Buffer.alloc(8 + width * vals.length);
  b.writeUInt32LE(width, 0);
  b.writeUInt32LE(vals.length, 4);
  vals.forEach((v, i) => {
    const at = 8 + i * width;
    if (width === 2) b.writeInt16LE(Number(v), at);
    else if (width === 4) b.writeInt32LE(Number(v), at);
    else b.writeBigInt64LE(v, at);
  });
  return b;
}

/** Field/value pairs of a zipmap (hashes in RDB files from Redis 2.x). */
export function decodeZipmap(b: Buffer): string[] {
  const out: string[] = [];
  let p = 1;
  const len = (): number => {
    const c = b[p];
    if (c < 254) {
      p += 1;
      return c;
    }
    if (c === 254) {
      const v = b.readUInt32LE(p + 1);
      p += 5;
      return v;
    }
    throw new RdbFormatError('bad zipmap length');
  };
  for (;;) {
    if (p >= b.length) throw new RdbFormatError('zipmap without terminator');
    if (b[p] === 255) break;
    const kl = len();
    out.push(b.toString('latin1', p, p + kl));
    p += kl;
    const vl = len();
    const free = b[p++];
    out.push(b.toString('latin1', p, p + vl));
    p += vl + free;
  }
  return out;
}
