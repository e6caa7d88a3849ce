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
import { RDB_TYPE, RDB_VERSION, readLen, readString, readValue, rdbTypeOf, skipValue, writeLength, writeString, writeValue, type RdbValue, type RdbWriteOptions } from './object';

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
  writeExpiry(out, e.expireAt);
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

function writeExpiry(out: ByteSink, expireAt: number): void {
  if (expireAt === -1) return;
  out.byte(OPCODE.EXPIRETIME_MS);
  out.i64leNumber(expireAt);
}

/**
 * writeKeyEntry for a string value, without building the entry and value
 * objects: a snapshot writes most keys this way, and per-key garbage turned
 * into scavenges that clients waited behind during a BGSAVE.
 */
export function writeStringKeyEntry(out: ByteSink, key: string, value: string, expireAt: number, opts: RdbWriteOptions): void {
  writeExpiry(out, expireAt);
  out.byte(RDB_TYPE.STRING);
  writeString(out, key, opts);
  writeString(out, value, opts);
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

  /** Function libraries (FUNCTION2 records: the library's code), after the header as Redis writes them. */
  functions(codes: readonly string[]): void {
    if (codes.length === 0) return;
    const out = new ByteSink(256);
    for (const code of codes) {
      out.byte(OPCODE.FUNCTION2);
      writeString(out, code, this.opts);
    }
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
 * Walks opcodes from the cursor, starting in database `db`: `onKey` reads or
 * skips each key's value. Stops at EOF (`done`; the cursor just past it) or
 * at the first entry boundary at or past `until`. The checksum is the
 * caller's (rdbChecksumOk).
 */
function walk(
  c: ByteCursor,
  h: { functionLibrary?(code: string): void },
  onKey: (db: number, type: number, expireAt: number) => void,
  db: number,
  until: number,
): { db: number; done: boolean } {
  let expireAt = -1;
  // IDLE and FREQ are read and dropped: a load starts every key's LRU/LFU clock afresh, as the shard does on any write.
  let pending = false;
  for (;;) {
    // Stop between entries (never after an entry's EXPIRETIME/IDLE/FREQ opcodes).
    if (c.pos >= until && !pending) return { db, done: false };
    const type = c.byte();
    switch (type) {
      case OPCODE.EXPIRETIME:
        expireAt = (c.u32le() | 0) * 1000; // rdbLoadTime: a signed 32-bit time_t
        pending = true;
        continue;
      case OPCODE.EXPIRETIME_MS:
        expireAt = Number(c.i64le());
        pending = true;
        continue;
      case OPCODE.IDLE:
        readLen(c);
        pending = true;
        continue;
      case OPCODE.FREQ:
        c.byte();
        pending = true;
        continue;
      case OPCODE.SELECTDB:
        db = readLen(c);
        continue;
      case OPCODE.RESIZEDB:
        readLen(c);
        readLen(c);
        continue;
      case OPCODE.AUX:
        readString(c);
        readString(c);
        continue;
      case OPCODE.MODULE_AUX:
        throw new RdbFormatError('module data is not supported');
      case OPCODE.FUNCTION2: {
        const code = readString(c);
        if (h.functionLibrary === undefined) throw new RdbFormatError('functions are not supported here');
        h.functionLibrary(code);
        continue;
      }
      case OPCODE.FUNCTION:
        // Redis 7.0 release candidates' format: no longer written by 7.0.
        throw new RdbFormatError('Pre-GA function format not supported');
      case OPCODE.EOF:
        return { db, done: true };
      default:
        onKey(db, type, expireAt);
        expireAt = -1;
        pending = false;
    }
  }
}

/** Where a part read stopped: the file position and the database selected there. */
export interface RdbPartPosition {
  pos: number;
  db: number;
}

export interface RdbPartHandlers {
  /**
   * Whether this reader takes the key held in buf[start, end) (a shard takes
   * the keys of its slots); null takes every key. Keys not taken are skipped
   * without making a string of them or decoding their values.
   */
  keep: ((buf: Uint8Array, start: number, end: number) => boolean) | null;
  /** A key taken: a string value as the string itself (the common case, no wrapper object), others as read. */
  key(db: number, key: string, value: RdbValue | string, expireAt: number): void;
  functionLibrary?(code: string): void;
}

/**
 * Reads a whole file in steps, for one of several readers that each take
 * their own keys (the shards, in parallel, from one shared copy of the file).
 * Starts at `from` (the first step: `rdbFileStart`), stops at the first entry
 * boundary past `maxBytes` more bytes, or at EOF (`done`). The checksum is
 * not checked here: the caller checks it once (rdbChecksumOk), not once per
 * reader.
 */
export function readRdbPart(buf: Buffer, from: RdbPartPosition, maxBytes: number, h: RdbPartHandlers): RdbPartPosition & { done: boolean } {
  const c = new ByteCursor(buf);
  c.pos = from.pos;
  const keep = h.keep;
  const r = walk(
    c,
    { functionLibrary: (code) => h.functionLibrary?.(code) },
    (db, type, expireAt) => {
      // The key: a plain string (nearly always) is routed on its bytes.
      const b = buf[c.pos];
      if (keep !== null && b < 0x80) {
        const start = b < 0x40 ? c.pos + 1 : c.pos + 2;
        const end = start + (b < 0x40 ? b : ((b & 0x3f) << 8) | buf[c.pos + 1]);
        if (end > buf.length) throw new RdbFormatError('unexpected end of data');
        if (!keep(buf, start, end)) {
          c.pos = end;
          skipValue(c, type);
          return;
        }
      }
      const key = readString(c);
      if (keep !== null && b >= 0x80) {
        // An integer-encoded or compressed key: routed on its decoded bytes.
        const kb = Buffer.from(key, 'latin1');
        if (!keep(kb, 0, kb.length)) {
          skipValue(c, type);
          return;
        }
      }
      h.key(db, key, type === RDB_TYPE.STRING ? readString(c) : readValue(c, type), expireAt);
    },
    from.db,
    from.pos + maxBytes,
  );
  return { pos: c.pos, db: r.db, done: r.done };
}

/** The AUX fields at the head of a file (redis-ver, used-mem, ...), by name. */
export function rdbAuxFields(buf: Buffer): Map<string, string> {
  const c = rdbBody(buf).c;
  const out = new Map<string, string>();
  while (c.remaining > 0 && c.buf[c.pos] === OPCODE.AUX) {
    c.pos++;
    const k = readString(c);
    out.set(k, readString(c));
  }
  return out;
}

/** The position of a file's first opcode, after checking its signature and version (throws RdbFormatError). */
export function rdbFileStart(buf: Buffer): RdbPartPosition {
  return { pos: rdbBody(buf).c.pos, db: 0 };
}

/**
 * The CRC-64 of buf[0, end) as a file stores it. A loader computes it for
 * the usual end (the file's length less the 8 checksum bytes) while the
 * readers run, then checks it against where they found EOF (rdbChecksumOk).
 */
export function rdbChecksum(buf: Uint8Array, end: number): Buffer {
  return new Crc64().update(buf, 0, end).bytesLE();
}

/**
 * Whether the checksum stored after the EOF opcode (`eofEnd`: the position
 * after it) matches the file; `computed` is rdbChecksum's result for some
 * end, used when that end is `eofEnd`. True when the file stores none
 * (version < 5, a zero checksum from rdbchecksum no, or no bytes after EOF).
 */
export function rdbChecksumOk(buf: Buffer, eofEnd: number, computed: { end: number; crc: Buffer } | null): boolean {
  const version = Number(buf.toString('latin1', 5, 9));
  if (version < 5 || buf.length - eofEnd < 8) return true;
  const stored = buf.subarray(eofEnd, eofEnd + 8);
  if (stored.equals(Buffer.alloc(8))) return true;
  const crc = computed !== null && computed.end === eofEnd ? computed.crc : rdbChecksum(buf, eofEnd);
  return crc.equals(stored);
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
