/**
 * One value in Redis's RDB object format (rdb.c rdbSaveObject /
 * rdbLoadObject), shared by RDB files, DUMP/RESTORE payloads and (later)
 * replication. Values cross this module as plain data (`RdbValue`): the shard
 * turns its structures into that and back (workers/rdb-values.ts), so this
 * code knows nothing of a shard's data structures and runs on either thread.
 *
 * Written as Redis 7.0.15 writes them (RDB version 10): strings with integer
 * and LZF encodings, lists as quicklist 2 of listpacks, sets as intsets or
 * plain, small hashes and sorted sets as listpacks, large ones plain (zset 2
 * with binary doubles), streams as STREAM_LISTPACKS_2 with consumer groups.
 * Read: all of those plus the encodings of older versions (ziplist, zipmap,
 * quicklist of ziplists, zset with text scores, STREAM_LISTPACKS).
 */
import { ByteCursor, ByteSink, RdbFormatError } from './bytes';
import { lzfCompress, lzfDecompress } from './lzf';
import { decodeIntset, decodeListpack, decodeZiplist, decodeZipmap, encodeIntset, encodeListpack, listpackEntrySize } from './listpack';
import { formatDouble } from '../wire/reply-writer';
import { strtod } from '../args/strtod';
import { isCanonicalInt64, parseI64 } from '../args/parse';

export const RDB_VERSION = 10;

export const RDB_TYPE = {
  STRING: 0,
  LIST: 1,
  SET: 2,
  ZSET: 3,
  HASH: 4,
  ZSET_2: 5,
  MODULE: 6,
  MODULE_2: 7,
  HASH_ZIPMAP: 9,
  LIST_ZIPLIST: 10,
  SET_INTSET: 11,
  ZSET_ZIPLIST: 12,
  HASH_ZIPLIST: 13,
  LIST_QUICKLIST: 14,
  STREAM_LISTPACKS: 15,
  HASH_LISTPACK: 16,
  ZSET_LISTPACK: 17,
  LIST_QUICKLIST_2: 18,
  STREAM_LISTPACKS_2: 19,
} as const;

export interface RdbStreamEntry {
  /** ms << 64 | seq, as Shardis keeps stream IDs. */
  id: bigint;
  /** field, value, field, value, ... */
  fields: string[];
}

export interface RdbStreamGroup {
  name: string;
  lastId: bigint;
  /** -1 when unknown (SCG_INVALID_ENTRIES_READ). */
  entriesRead: bigint;
  /** The group's pending entries, ascending by id. */
  pel: { id: bigint; deliveryTime: number; deliveryCount: bigint; consumer: string }[];
  consumers: { name: string; seenTime: number }[];
}

export interface RdbStream {
  entries: RdbStreamEntry[];
  length: number;
  lastId: bigint;
  firstId: bigint;
  maxDeletedId: bigint;
  entriesAdded: bigint;
  groups: RdbStreamGroup[];
}

export type RdbValue =
  | { type: 'string'; value: string }
  | { type: 'list'; items: string[] }
  /** intset: write as an intset (every member an integer and the set small, as Redis encodes it). */
  | { type: 'set'; members: string[]; intset: boolean }
  /** entries ascending by (score, member); listpack: write as a listpack. */
  | { type: 'zset'; entries: [string, number][]; listpack: boolean }
  /** flat field, value, ...; listpack: write as a listpack. */
  | { type: 'hash'; entries: string[]; listpack: boolean }
  | { type: 'stream'; stream: RdbStream };

export interface RdbWriteOptions {
  /** rdbcompression: LZF-compress strings longer than 20 bytes when it saves space. */
  compress: boolean;
}

const STREAM_NODE_MAX_ENTRIES = 100;
const STREAM_NODE_MAX_BYTES = 4096;
/** list-max-listpack-size -2: 8 KiB per quicklist node. */
const QUICKLIST_NODE_BYTES = 8192;

// ---------------------------------------------------------------------------
// Primitives

export function writeLength(out: ByteSink, n: number | bigint): void {
  if (typeof n === 'number' && n < 1 << 6) out.byte(n);
  else if (typeof n === 'number' && n < 1 << 14) {
    out.byte(((n >> 8) & 0x3f) | 0x40);
    out.byte(n & 0xff);
  } else if (typeof n === 'number' && n <= 0xffffffff) {
    out.byte(0x80);
    out.u32be(n);
  } else {
    const b = BigInt.asUintN(64, BigInt(n));
    if (b <= 0xffffffffn) return writeLength(out, Number(b));
    out.byte(0x81);
    out.u64be(b);
  }
}

/** A length, or (encoded) the special string encoding number. */
export function readLength(c: ByteCursor): { len: number; encoded: boolean } {
  const b = c.byte();
  const type = b >> 6;
  if (type === 3) return { len: b & 0x3f, encoded: true };
  if (type === 0) return { len: b & 0x3f, encoded: false };
  if (type === 1) return { len: ((b & 0x3f) << 8) | c.byte(), encoded: false };
  if (b === 0x80) return { len: c.u32be(), encoded: false };
  if (b === 0x81) {
    const v = c.u64be();
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RdbFormatError('length too large');
    return { len: Number(v), encoded: false };
  }
  throw new RdbFormatError('bad length encoding');
}

export function readLen(c: ByteCursor): number {
  const r = readLength(c);
  if (r.encoded) throw new RdbFormatError('unexpected encoded length');
  return r.len;
}

/** A 64-bit length as an unsigned bigint (stream IDs and counters). */
export function readLenBig(c: ByteCursor): bigint {
  const b = c.buf[c.pos];
  if (b === 0x81) {
    c.pos++;
    return c.u64be();
  }
  return BigInt(readLen(c));
}

/**
 * rdbTryIntegerEncoding's test: the value of `s` when it is an integer as Redis writes one in its integer
 * string encodings (string2ll's form: no sign but '-', no leading zero, no
 * "-0") and fits 32 bits; otherwise null. Parsed without allocating: a
 * BGSAVE calls this for every key and value, and its garbage became
 * scavenges that clients waited behind.
 */
function int32Text(s: string): number | null {
  if (s.length > 11 || !isCanonicalInt64(s)) return null;
  const v = Number(s);
  return v >= -2147483648 && v <= 2147483647 ? v : null;
}

/** Writes `s` in its int8/16/32 encoding (0xc0..0xc2) when it has one; false when it has none. */
function writeIntegerEncoding(out: ByteSink, s: string): boolean {
  const v = int32Text(s);
  if (v === null) return false;
  if (v >= -128 && v <= 127) {
    out.byte(0xc0);
    out.byte(v);
  } else if (v >= -32768 && v <= 32767) {
    out.byte(0xc1);
    out.u16le(v & 0xffff);
  } else {
    out.byte(0xc2);
    out.u32le(v);
  }
  return true;
}

/** rdbSaveRawString: integer encoding, then LZF, then plain. */
export function writeString(out: ByteSink, s: string | Buffer, opts: RdbWriteOptions): void {
  const len = s.length;
  if (typeof s === 'string' && len <= 11 && writeIntegerEncoding(out, s)) return;
  if (opts.compress && len > 20) {
    const raw = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
    const comp = lzfCompress(raw, len - 4);
    if (comp !== null) {
      out.byte(0xc3);
      writeLength(out, comp.length);
      writeLength(out, len);
      out.bytes(comp);
      return;
    }
  }
  writeLength(out, len);
  if (typeof s === 'string') out.latin1(s);
  else out.bytes(s);
}

export function readStringBuf(c: ByteCursor): Buffer {
  const { len, encoded } = readLength(c);
  if (!encoded) return c.take(len);
  switch (len) {
    case 0:
      return Buffer.from(String(c.take(1).readInt8(0)), 'latin1');
    case 1:
      return Buffer.from(String(c.take(2).readInt16LE(0)), 'latin1');
    case 2:
      return Buffer.from(String(c.take(4).readInt32LE(0)), 'latin1');
    case 3: {
      const clen = readLen(c);
      const ulen = readLen(c);
      const d = lzfDecompress(c.take(clen), ulen);
      if (d === null) throw new RdbFormatError('corrupt LZF data');
      return d;
    }
    default:
      throw new RdbFormatError('unknown string encoding');
  }
}

/** Node's Buffer#latin1Slice (not in its typings): a string of bytes [start, end) without a view object first. */
type Latin1Sliced = Buffer & { latin1Slice(start: number, end: number): string };

export function readString(c: ByteCursor): string {
  // Plain strings with a 6- or 14-bit length (nearly all keys and values):
  // the string straight from the buffer. A view plus toString costs about
  // twice as much, and a load makes two strings per key (docs/performance.md).
  const buf = c.buf;
  const b = buf[c.pos];
  if (b < 0x80) {
    const start = b < 0x40 ? c.pos + 1 : c.pos + 2;
    const end = b < 0x40 ? start + b : start + (((b & 0x3f) << 8) | buf[c.pos + 1]);
    if (end > buf.length) throw new RdbFormatError('unexpected end of data');
    c.pos = end;
    return (buf as Latin1Sliced).latin1Slice(start, end);
  }
  return readStringBuf(c).toString('latin1');
}

function readId128(c: ByteCursor): bigint {
  const b = c.take(16);
  return (b.readBigUInt64BE(0) << 64n) | b.readBigUInt64BE(8);
}

function writeId128(out: ByteSink, id: bigint): void {
  out.u64be(id >> 64n);
  out.u64be(id & 0xffffffffffffffffn);
}

const MASK64 = (1n << 64n) - 1n;

// ---------------------------------------------------------------------------
// Writing

/** The RDB type byte a value is written with. */
export function rdbTypeOf(v: RdbValue): number {
  switch (v.type) {
    case 'string':
      return RDB_TYPE.STRING;
    case 'list':
      return RDB_TYPE.LIST_QUICKLIST_2;
    case 'set':
      return v.intset ? RDB_TYPE.SET_INTSET : RDB_TYPE.SET;
    case 'zset':
      return v.listpack ? RDB_TYPE.ZSET_LISTPACK : RDB_TYPE.ZSET_2;
    case 'hash':
      return v.listpack ? RDB_TYPE.HASH_LISTPACK : RDB_TYPE.HASH;
    case 'stream':
      return RDB_TYPE.STREAM_LISTPACKS_2;
  }
}

/** A zset score as a listpack holds it (zzlInsertAt's d2string): integers as integers, else %.17g. */
function listpackScore(d: number): string {
  if (Number.isInteger(d) && Math.abs(d) < 2 ** 63) return BigInt(d).toString();
  return formatDouble(d);
}

/** rdbSaveObject: the value's payload (without its type byte). */
export function writeValue(out: ByteSink, v: RdbValue, opts: RdbWriteOptions): void {
  switch (v.type) {
    case 'string':
      return writeString(out, v.value, opts);
    case 'list': {
      const nodes: string[][] = [];
      let cur: string[] = [];
      let bytes = 7;
      for (const item of v.items) {
        const sz = listpackEntrySize(item);
        if (cur.length > 0 && bytes + sz > QUICKLIST_NODE_BYTES) {
          nodes.push(cur);
          cur = [];
          bytes = 7;
        }
        cur.push(item);
        bytes += sz;
      }
      if (cur.length > 0) nodes.push(cur);
      writeLength(out, nodes.length);
      for (const n of nodes) {
        writeLength(out, 2); // QUICKLIST_NODE_CONTAINER_PACKED
        writeString(out, encodeListpack(n), opts);
      }
      return;
    }
    case 'set':
      if (v.intset) return writeString(out, encodeIntset(v.members), opts);
      writeLength(out, v.members.length);
      for (const m of v.members) writeString(out, m, opts);
      return;
    case 'zset':
      if (v.listpack) {
        const items: string[] = [];
        for (const [m, s] of v.entries) items.push(m, listpackScore(s));
        return writeString(out, encodeListpack(items), opts);
      }
      writeLength(out, v.entries.length);
      // Redis writes from the tail, so loading inserts at the head cheaply.
      for (let i = v.entries.length - 1; i >= 0; i--) {
        writeString(out, v.entries[i][0], opts);
        out.f64le(v.entries[i][1]);
      }
      return;
    case 'hash':
      if (v.listpack) return writeString(out, encodeListpack(v.entries), opts);
      writeLength(out, v.entries.length / 2);
      for (const s of v.entries) writeString(out, s, opts);
      return;
    case 'stream':
      return writeStream(out, v.stream, opts);
  }
}

function streamNodes(entries: readonly RdbStreamEntry[]): RdbStreamEntry[][] {
  const nodes: RdbStreamEntry[][] = [];
  let cur: RdbStreamEntry[] = [];
  let bytes = 0;
  for (const e of entries) {
    let sz = 12;
    for (const f of e.fields) sz += listpackEntrySize(f);
    if (cur.length > 0 && (cur.length >= STREAM_NODE_MAX_ENTRIES || bytes + sz > STREAM_NODE_MAX_BYTES)) {
      nodes.push(cur);
      cur = [];
      bytes = 0;
    }
    cur.push(e);
    bytes += sz;
  }
  if (cur.length > 0) nodes.push(cur);
  return nodes;
}

/** One stream node's listpack, laid out as t_stream.c streamAppendItem does. */
function streamNodeListpack(node: readonly RdbStreamEntry[]): Buffer {
  const master = node[0].id;
  const mMs = master >> 64n;
  const mSeq = master & MASK64;
  const masterFields: string[] = [];
  for (let i = 0; i < node[0].fields.length; i += 2) masterFields.push(node[0].fields[i]);
  const items: string[] = [String(node.length), '0', String(masterFields.length), ...masterFields, '0'];
  for (const e of node) {
    const nf = e.fields.length / 2;
    let same = nf === masterFields.length;
    for (let i = 0; same && i < nf; i++) if (e.fields[2 * i] !== masterFields[i]) same = false;
    items.push(same ? '2' : '0');
    items.push(String(BigInt.asIntN(64, (e.id >> 64n) - mMs)), String(BigInt.asIntN(64, (e.id & MASK64) - mSeq)));
    if (same) {
      for (let i = 0; i < nf; i++) items.push(e.fields[2 * i + 1]);
      items.push(String(nf + 3));
    } else {
      items.push(String(nf));
      for (const f of e.fields) items.push(f);
      items.push(String(nf * 2 + 4));
    }
  }
  return encodeListpack(items);
}

function writeStream(out: ByteSink, s: RdbStream, opts: RdbWriteOptions): void {
  const nodes = streamNodes(s.entries);
  writeLength(out, nodes.length);
  for (const n of nodes) {
    const key = new ByteSink(16);
    writeId128(key, n[0].id);
    writeString(out, key.take(), opts);
    writeString(out, streamNodeListpack(n), opts);
  }
  writeLength(out, s.length);
  writeLength(out, s.lastId >> 64n);
  writeLength(out, s.lastId & MASK64);
  writeLength(out, s.firstId >> 64n);
  writeLength(out, s.firstId & MASK64);
  writeLength(out, s.maxDeletedId >> 64n);
  writeLength(out, s.maxDeletedId & MASK64);
  writeLength(out, s.entriesAdded);
  const groups = [...s.groups].sort((a, b) => cmpBytes(a.name, b.name));
  writeLength(out, groups.length);
  for (const g of groups) {
    writeString(out, g.name, opts);
    writeLength(out, g.lastId >> 64n);
    writeLength(out, g.lastId & MASK64);
    writeLength(out, g.entriesRead);
    writeLength(out, g.pel.length);
    for (const p of g.pel) {
      writeId128(out, p.id);
      out.i64le(BigInt(p.deliveryTime));
      writeLength(out, p.deliveryCount);
    }
    const consumers = [...g.consumers].sort((a, b) => cmpBytes(a.name, b.name));
    writeLength(out, consumers.length);
    for (const c of consumers) {
      writeString(out, c.name, opts);
      out.i64le(BigInt(c.seenTime));
      const own = g.pel.filter((p) => p.consumer === c.name);
      writeLength(out, own.length);
      for (const p of own) writeId128(out, p.id);
    }
  }
}

function cmpBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------
// Reading

function pairsOf(flat: string[], what: string): string[] {
  if (flat.length % 2 !== 0) throw new RdbFormatError(`odd ${what} element count`);
  return flat;
}

function zsetFromFlat(flat: string[]): [string, number][] {
  pairsOf(flat, 'zset');
  const out: [string, number][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i], parseScore(flat[i + 1])]);
  return out;
}

function parseScore(s: string): number {
  const r = strtod(s);
  if (r.end !== s.length || Number.isNaN(r.value)) throw new RdbFormatError('bad zset score');
  return r.value;
}

/** rdbLoadObject: a value of RDB type `type`. Throws RdbFormatError on bad data. */
export function readValue(c: ByteCursor, type: number): RdbValue {
  switch (type) {
    case RDB_TYPE.STRING:
      return { type: 'string', value: readString(c) };
    case RDB_TYPE.LIST: {
      const n = readLen(c);
      const items: string[] = [];
      for (let i = 0; i < n; i++) items.push(readString(c));
      return { type: 'list', items };
    }
    case RDB_TYPE.SET: {
      const n = readLen(c);
      const members: string[] = [];
      for (let i = 0; i < n; i++) members.push(readString(c));
      if (new Set(members).size !== members.length) throw new RdbFormatError('duplicate set member');
      return { type: 'set', members, intset: false };
    }
    case RDB_TYPE.ZSET:
    case RDB_TYPE.ZSET_2: {
      const n = readLen(c);
      const entries: [string, number][] = [];
      for (let i = 0; i < n; i++) {
        const m = readString(c);
        let score: number;
        if (type === RDB_TYPE.ZSET_2) score = c.f64le();
        else {
          const l = c.byte();
          score = l === 255 ? -Infinity : l === 254 ? Infinity : l === 253 ? NaN : parseScore(c.take(l).toString('latin1'));
        }
        if (Number.isNaN(score)) throw new RdbFormatError('NaN zset score');
        entries.push([m, score]);
      }
      return { type: 'zset', entries, listpack: false };
    }
    case RDB_TYPE.HASH: {
      const n = readLen(c);
      const entries: string[] = [];
      for (let i = 0; i < n; i++) entries.push(readString(c), readString(c));
      return { type: 'hash', entries, listpack: false };
    }
    case RDB_TYPE.HASH_ZIPMAP:
      return { type: 'hash', entries: pairsOf(decodeZipmap(readStringBuf(c)), 'hash'), listpack: true };
    case RDB_TYPE.LIST_ZIPLIST:
      return { type: 'list', items: decodeZiplist(readStringBuf(c)) };
    case RDB_TYPE.SET_INTSET:
      return { type: 'set', members: decodeIntset(readStringBuf(c)), intset: true };
    case RDB_TYPE.ZSET_ZIPLIST:
      return { type: 'zset', entries: zsetFromFlat(decodeZiplist(readStringBuf(c))), listpack: true };
    case RDB_TYPE.ZSET_LISTPACK:
      return { type: 'zset', entries: zsetFromFlat(decodeListpack(readStringBuf(c))), listpack: true };
    case RDB_TYPE.HASH_ZIPLIST:
      return { type: 'hash', entries: pairsOf(decodeZiplist(readStringBuf(c)), 'hash'), listpack: true };
    case RDB_TYPE.HASH_LISTPACK:
      return { type: 'hash', entries: pairsOf(decodeListpack(readStringBuf(c)), 'hash'), listpack: true };
    case RDB_TYPE.LIST_QUICKLIST:
    case RDB_TYPE.LIST_QUICKLIST_2: {
      const n = readLen(c);
      const items: string[] = [];
      for (let i = 0; i < n; i++) {
        let container = 2;
        if (type === RDB_TYPE.LIST_QUICKLIST_2) container = readLen(c);
        const blob = readStringBuf(c);
        if (container === 1) items.push(blob.toString('latin1'));
        else if (container === 2) {
          const els = type === RDB_TYPE.LIST_QUICKLIST_2 ? decodeListpack(blob) : decodeZiplist(blob);
          if (els.length === 0) throw new RdbFormatError('empty quicklist node');
          for (const e of els) items.push(e);
        } else throw new RdbFormatError('bad quicklist container');
      }
      return { type: 'list', items };
    }
    case RDB_TYPE.STREAM_LISTPACKS:
    case RDB_TYPE.STREAM_LISTPACKS_2:
      return { type: 'stream', stream: readStream(c, type === RDB_TYPE.STREAM_LISTPACKS_2) };
    case RDB_TYPE.MODULE:
    case RDB_TYPE.MODULE_2:
      throw new RdbFormatError('module values are not supported');
    default:
      throw new RdbFormatError(`unknown RDB type ${type}`);
  }
}

function readStream(c: ByteCursor, v2: boolean): RdbStream {
  const nodes = readLen(c);
  const entries: RdbStreamEntry[] = [];
  for (let i = 0; i < nodes; i++) {
    const key = readStringBuf(c);
    if (key.length !== 16) throw new RdbFormatError('bad stream node key');
    const master = (key.readBigUInt64BE(0) << 64n) | key.readBigUInt64BE(8);
    const lp = decodeListpack(readStringBuf(c));
    if (lp.length === 0) throw new RdbFormatError('empty stream node');
    const mMs = master >> 64n;
    const mSeq = master & MASK64;
    let p = 0;
    const next = (): string => {
      if (p >= lp.length) throw new RdbFormatError('truncated stream node');
      return lp[p++];
    };
    const num = (): bigint => {
      const v = parseI64(next());
      if (v === null) throw new RdbFormatError('bad stream node integer');
      return v;
    };
    const count = Number(num());
    const deleted = Number(num());
    const nm = Number(num());
    const masterFields: string[] = [];
    for (let j = 0; j < nm; j++) masterFields.push(next());
    num(); // master terminator
    for (let j = 0; j < count + deleted; j++) {
      const flags = Number(num());
      const ms = BigInt.asUintN(64, mMs + num());
      const seq = BigInt.asUintN(64, mSeq + num());
      const fields: string[] = [];
      if (flags & 2) for (let k = 0; k < nm; k++) fields.push(masterFields[k], next());
      else {
        const nf = Number(num());
        for (let k = 0; k < nf * 2; k++) fields.push(next());
      }
      num(); // lp-count
      if (!(flags & 1)) entries.push({ id: (ms << 64n) | seq, fields });
    }
    if (p !== lp.length) throw new RdbFormatError('stream node trailing elements');
  }
  const length = readLen(c);
  const lastId = (readLenBig(c) << 64n) | readLenBig(c);
  let firstId = entries.length > 0 ? entries[0].id : 0n;
  let maxDeletedId = 0n;
  let entriesAdded = BigInt(length);
  if (v2) {
    firstId = (readLenBig(c) << 64n) | readLenBig(c);
    maxDeletedId = (readLenBig(c) << 64n) | readLenBig(c);
    entriesAdded = readLenBig(c);
  }
  if (length !== entries.length) throw new RdbFormatError('stream length mismatch');
  const ng = readLen(c);
  const groups: RdbStreamGroup[] = [];
  for (let i = 0; i < ng; i++) {
    const name = readString(c);
    const gLast = (readLenBig(c) << 64n) | readLenBig(c);
    const entriesRead = v2 ? BigInt.asIntN(64, readLenBig(c)) : -1n;
    const np = readLen(c);
    const pel: RdbStreamGroup['pel'] = [];
    const byId = new Map<bigint, RdbStreamGroup['pel'][number]>();
    for (let j = 0; j < np; j++) {
      const id = readId128(c);
      const deliveryTime = Number(c.i64le());
      const deliveryCount = readLenBig(c);
      const e = { id, deliveryTime, deliveryCount, consumer: '' };
      pel.push(e);
      byId.set(id, e);
    }
    const nc = readLen(c);
    const owned = new Set<bigint>();
    const consumers: RdbStreamGroup['consumers'] = [];
    for (let j = 0; j < nc; j++) {
      const cname = readString(c);
      const seenTime = Number(c.i64le());
      consumers.push({ name: cname, seenTime });
      const n = readLen(c);
      for (let k = 0; k < n; k++) {
        const id = readId128(c);
        const e = byId.get(id);
        if (e === undefined || owned.has(id)) throw new RdbFormatError('consumer PEL entry missing from the group PEL');
        e.consumer = cname;
        owned.add(id);
      }
    }
    if (owned.size !== pel.length) throw new RdbFormatError('group PEL entry without a consumer');
    groups.push({ name, lastId: gLast, entriesRead, pel, consumers });
  }
  return { entries, length, lastId, firstId, maxDeletedId, entriesAdded, groups };
}

// ---------------------------------------------------------------------------
// Skipping (finding where a value ends without building it)

function skipString(c: ByteCursor): void {
  const { len, encoded } = readLength(c);
  if (!encoded) {
    c.need(len);
    c.pos += len;
    return;
  }
  if (len === 0) c.pos += 1;
  else if (len === 1) c.pos += 2;
  else if (len === 2) c.pos += 4;
  else if (len === 3) {
    const clen = readLen(c);
    readLen(c);
    c.need(clen);
    c.pos += clen;
  } else throw new RdbFormatError('unknown string encoding');
  if (c.pos > c.buf.length) throw new RdbFormatError('unexpected end of data');
}

/** Moves past a value of RDB type `type` (the main thread routes keys to shards without decoding values). */
export function skipValue(c: ByteCursor, type: number): void {
  switch (type) {
    case RDB_TYPE.STRING:
    case RDB_TYPE.HASH_ZIPMAP:
    case RDB_TYPE.LIST_ZIPLIST:
    case RDB_TYPE.SET_INTSET:
    case RDB_TYPE.ZSET_ZIPLIST:
    case RDB_TYPE.HASH_ZIPLIST:
    case RDB_TYPE.HASH_LISTPACK:
    case RDB_TYPE.ZSET_LISTPACK:
      return skipString(c);
    case RDB_TYPE.LIST:
    case RDB_TYPE.SET:
    case RDB_TYPE.LIST_QUICKLIST: {
      const n = readLen(c);
      for (let i = 0; i < n; i++) skipString(c);
      return;
    }
    case RDB_TYPE.HASH: {
      const n = readLen(c);
      for (let i = 0; i < 2 * n; i++) skipString(c);
      return;
    }
    case RDB_TYPE.ZSET: {
      const n = readLen(c);
      for (let i = 0; i < n; i++) {
        skipString(c);
        const l = c.byte();
        if (l < 253) c.take(l);
      }
      return;
    }
    case RDB_TYPE.ZSET_2: {
      const n = readLen(c);
      for (let i = 0; i < n; i++) {
        skipString(c);
        c.take(8);
      }
      return;
    }
    case RDB_TYPE.LIST_QUICKLIST_2: {
      const n = readLen(c);
      for (let i = 0; i < n; i++) {
        readLen(c);
        skipString(c);
      }
      return;
    }
    case RDB_TYPE.STREAM_LISTPACKS:
    case RDB_TYPE.STREAM_LISTPACKS_2: {
      const v2 = type === RDB_TYPE.STREAM_LISTPACKS_2;
      const nodes = readLen(c);
      for (let i = 0; i < 2 * nodes; i++) skipString(c);
      const lens = v2 ? 8 : 3;
      for (let i = 0; i < lens; i++) readLenBig(c);
      const groups = readLen(c);
      for (let g = 0; g < groups; g++) {
        skipString(c);
        readLenBig(c);
        readLenBig(c);
        if (v2) readLenBig(c);
        const pel = readLen(c);
        for (let i = 0; i < pel; i++) {
          c.take(24);
          readLenBig(c);
        }
        const consumers = readLen(c);
        for (let i = 0; i < consumers; i++) {
          skipString(c);
          c.take(8);
          const n = readLen(c);
          c.take(16 * n);
        }
      }
      return;
    }
    default:
      throw new RdbFormatError(`unknown RDB type ${type}`);
  }
}
