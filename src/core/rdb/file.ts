/**
 * Whole RDB files (rdb.c rdbSaveRio / rdbLoadRio) and DUMP payloads
 * (cluster.c createDumpPayload / verifyDumpPayload).
 *
 * A file: "REDIS0010", AUX fields, then per database SELECTDB, RESIZEDB and
 * its keys (each optionally preceded by EXPIRETIME_MS, IDLE or FREQ), EOF and
 * the CRC-64 of everything before it (little-endian). Shardis's shards each
 * write the key section of their part (`writeKeyEntry`), and the main thread
 * joins them with the header, the SELECTDB/RESIZEDB per database and the
 * trailer (`RdbFileWriter`), so no thread ever holds the whole file.
 */
import { ByteCursor, ByteSink, RdbFormatError } from './bytes';
import { Crc64 } from './crc64';
import { RDB_VERSION, readLen, readString, readValue, rdbTypeOf, skipValue, writeLength, writeString, writeValue, type RdbValue, type RdbWriteOptions } from './object';

export const OPCODE = {
  FUNCTION2: 245,
  FUNCTION: 246,
  MODULE_AUX: 247,
  IDLE: 248,
  FREQ: 249,
  AUX: 250,
  RESIZEDB: 251,
  EXPIRETIME_MS: 252,
  EXPIRETIME: 253,
  SELECTDB: 254,
  EOF: 255,
} as const;

export interface RdbKeyEntry {
  key: string;
  value: RdbValue;
  /** Absolute deadline in ms, or -1. */
  expireAt: number;
  /** Seconds idle (LRU policies), or -1. */
  idle?: number;
  /** LFU counter (LFU policies), or -1. */
  freq?: number;
}

/** One key as it appears in a file: [EXPIRETIME_MS] [IDLE|FREQ] type key value. */
export function writeKeyEntry(out: ByteSink, e: RdbKeyEntry, opts: RdbWriteOptions): void {
  if (e.expireAt !== -1) {
    out.byte(OPCODE.EXPIRETIME_MS);
    out.i64le(BigInt(e.expireAt));
  }
  if (e.idle !== undefined && e.idle >= 0) {
    out.byte(OPCODE.IDLE);
    writeLength(out, e.idle);
  }
  if (e.freq !== undefined && e.freq >= 0) {
    out.byte(OPCODE.FREQ);
    out.byte(e.freq);
  }
  out.byte(rdbTypeOf(e.value));
  writeString(out, e.key, opts);
  writeValue(out, e.value, opts);
}

export function writeAux(out: ByteSink, name: string, value: string, opts: RdbWriteOptions): void {
  out.byte(OPCODE.AUX);
  writeString(out, name, opts);
  writeString(out, value, opts);
}

/**
 * Builds a file from parts in order, checksumming as it goes. `write` is
 * called with each finished chunk (to a file descriptor, a socket, ...).
 */
export class RdbFileWriter {
  private readonly crc = new Crc64();

  constructor(
    private readonly write: (chunk: Buffer) => void,
    private readonly opts: RdbWriteOptions,
  ) {}

  private emit(b: Buffer): void {
    this.crc.update(b);
    this.write(b);
  }

  header(aux: readonly [string, string][]): void {
    const out = new ByteSink(256);
    out.latin1(`REDIS${String(RDB_VERSION).padStart(4, '0')}`);
    for (const [k, v] of aux) writeAux(out, k, v, this.opts);
    this.emit(out.take());
  }

  selectDb(db: number, size: number, expires: number): void {
    const out = new ByteSink(32);
    out.byte(OPCODE.SELECTDB);
    writeLength(out, db);
    out.byte(OPCODE.RESIZEDB);
    writeLength(out, size);
    writeLength(out, expires);
    this.emit(out.take());
  }

  /** Key entries already written with writeKeyEntry (by a shard). */
  raw(chunk: Buffer): void {
    if (chunk.length > 0) this.emit(chunk);
  }

  end(checksum: boolean): void {
    this.emit(Buffer.from([OPCODE.EOF]));
    // rdbchecksum no: Redis writes a zero checksum, and loaders skip the check.
    this.write(checksum ? this.crc.bytesLE() : Buffer.alloc(8));
  }
}

export interface RdbLoadHandlers {
  aux?(name: string, value: string): void;
  /** A database's expected sizes (RESIZEDB), before its keys. */
  resize?(db: number, size: number, expires: number): void;
  key(db: number, e: RdbKeyEntry): void;
}

export interface RdbScanHandlers {
  aux?(name: string, value: string): void;
  /**
   * One key's entry: its name, and the bytes [start, end) of the whole entry
   * (its EXPIRETIME/IDLE/FREQ opcodes, type, key and value), which
   * readKeyEntries reads back.
   */
  entry(db: number, key: string, start: number, end: number): void;
}

/** Checks the signature and version; the position of the first opcode. */
function rdbBody(buf: Buffer): { c: ByteCursor; version: number } {
  if (buf.length < 9 || buf.toString('latin1', 0, 5) !== 'REDIS') throw new RdbFormatError('Wrong signature trying to load DB from file');
  const version = Number(buf.toString('latin1', 5, 9));
  if (!(version >= 1 && version <= RDB_VERSION)) throw new RdbFormatError(`Can't handle RDB format version ${buf.toString('latin1', 5, 9)}`);
  const c = new ByteCursor(buf);
  c.pos = 9;
  return { c, version };
}

/**
 * Walks opcodes from the cursor: `onKey` reads or skips each key's value.
 * Stops at EOF (checking the CRC-64 when `version` >= 5 and one is stored) or
 * at the end of the data (a bare run of entries: `version` 0).
 */
function walk(
  c: ByteCursor,
  version: number,
  h: { aux?(k: string, v: string): void; resize?(db: number, size: number, expires: number): void },
  onKey: (db: number, type: number, meta: { expireAt: number; idle: number; freq: number; start: number }) => void,
): void {
  let db = 0;
  let expireAt = -1;
  let idle = -1;
  let freq = -1;
  let start = c.pos;
  while (version !== 0 || c.remaining > 0) {
    const type = c.byte();
    switch (type) {
      case OPCODE.EXPIRETIME:
        expireAt = (c.u32le() | 0) * 1000; // rdbLoadTime: a signed 32-bit time_t
        continue;
      case OPCODE.EXPIRETIME_MS:
        expireAt = Number(c.i64le());
        continue;
      case OPCODE.IDLE:
        idle = readLen(c);
        continue;
      case OPCODE.FREQ:
        freq = c.byte();
        continue;
      case OPCODE.SELECTDB:
        db = readLen(c);
        start = c.pos;
        continue;
      case OPCODE.RESIZEDB: {
        const size = readLen(c);
        const exp = readLen(c);
        h.resize?.(db, size, exp);
        start = c.pos;
        continue;
      }
      case OPCODE.AUX: {
        const k = readString(c);
        const v = readString(c);
        h.aux?.(k, v);
        start = c.pos;
        continue;
      }
      case OPCODE.MODULE_AUX:
        throw new RdbFormatError('module data is not supported');
      case OPCODE.FUNCTION:
      case OPCODE.FUNCTION2:
        throw new RdbFormatError('functions are not supported');
      case OPCODE.EOF: {
        if (version >= 5 && c.remaining >= 8) {
          const stored = c.buf.subarray(c.pos, c.pos + 8);
          if (!stored.equals(Buffer.alloc(8))) {
            const crc = new Crc64().update(c.buf, 0, c.pos).bytesLE();
            if (!crc.equals(stored)) throw new RdbFormatError('Wrong RDB checksum');
          }
        }
        return;
      }
      default: {
        onKey(db, type, { expireAt, idle, freq, start });
        expireAt = -1;
        idle = -1;
        freq = -1;
        start = c.pos;
      }
    }
  }
}

/**
 * Reads a whole file, calling `h` for each entry. Throws RdbFormatError on a
 * bad signature, version, opcode, value or checksum.
 */
export function readRdbFile(buf: Buffer, h: RdbLoadHandlers): void {
  const { c, version } = rdbBody(buf);
  walk(c, version, h, (db, type, m) => {
    const key = readString(c);
    const value = readValue(c, type);
    h.key(db, { key, value, expireAt: m.expireAt, idle: m.idle, freq: m.freq });
  });
}

/** Walks a whole file without decoding values (keys only, for routing), checking the checksum. */
export function scanRdbFile(buf: Buffer, h: RdbScanHandlers): void {
  const { c, version } = rdbBody(buf);
  walk(c, version, h, (db, type, m) => {
    const key = readString(c);
    skipValue(c, type);
    h.entry(db, key, m.start, c.pos);
  });
}

/** Reads a run of entries as scanRdbFile delimits them (one shard's part of a file). */
export function readKeyEntries(buf: Buffer, onEntry: (e: RdbKeyEntry) => void): void {
  const c = new ByteCursor(buf);
  walk(c, 0, {}, (_db, type, m) => {
    const key = readString(c);
    const value = readValue(c, type);
    onEntry({ key, value, expireAt: m.expireAt, idle: m.idle, freq: m.freq });
  });
}

/** DUMP's payload: type, value, RDB version (2 bytes LE), CRC-64 (8 bytes LE). */
export function dumpPayload(v: RdbValue, opts: RdbWriteOptions): Buffer {
  const out = new ByteSink(64);
  out.byte(rdbTypeOf(v));
  writeValue(out, v, opts);
  out.u16le(RDB_VERSION);
  out.bytes(new Crc64().update(out.view()).bytesLE());
  return out.take();
}

/** verifyDumpPayload: false when the version is newer than ours or the checksum is wrong. */
export function verifyDumpPayload(p: Buffer): boolean {
  if (p.length < 10) return false;
  const version = p.readUInt16LE(p.length - 10);
  if (version > RDB_VERSION) return false;
  const crc = new Crc64().update(p, 0, p.length - 8).bytesLE();
  return crc.equals(p.subarray(p.length - 8));
}

/** The value in a verified payload; throws RdbFormatError ("Bad data format"). */
export function readDumpPayload(p: Buffer): RdbValue {
  const c = new ByteCursor(p.subarray(0, p.length - 10));
  const type = c.byte();
  const v = readValue(c, type);
  if (c.remaining !== 0) throw new RdbFormatError('trailing bytes in payload');
  return v;
}
