/**
 * The sorted set value: a skiplist with spans (O(log n) rank, insert,
 * delete) whose nodes are dense positions with a member index (O(1) ZSCORE),
 * structures/skiplist.ts. ZSCAN walks the positions top-down (the Db.scan
 * scheme: a deletion moves only the last position into the hole, so every
 * member present for a whole scan is returned at least once).
 *
 * OBJECT ENCODING follows Redis 7.0: a set starts as 'listpack' and becomes
 * 'skiplist' for good once it gets more than 128 members or a member longer
 * than 64 bytes; only the results of store commands (ZUNIONSTORE,
 * ZRANGESTORE ...) are re-chosen from their final contents. The encoding is
 * not only a name: a listpack keeps scores as text where -0 reads back as 0,
 * and scans lex ranges linearly, so both are reproduced.
 *
 * Memory: a listpack-encoded set rests *packed*: its (score, member) entries
 * in order in one string (8 chars of float64 per score, then the member as a
 * packed entry, structures/packed.ts), with no skiplist. An op that needs
 * the skiplist reaches it through `zsl` (or `find`, `insert` ...), which
 * unpack it (O(n) on the small n a listpack may have) and note it; the engine
 * packs every noted set again at the end of the batch (`packUnpacked`,
 * workers/engine.ts), so a pipeline touching one set unpacks it once. ZCARD
 * and ZSCORE read the packed form as it is.
 */
import { LIMITS } from './encoding-limits';
import { registerValueType, type TypedValue } from '../value';
import { SerialReader, SerialWriter } from '../serial';
import { NIL, SkipList, type LexRange } from './skiplist';
import * as packed from './packed';

/**
 * Cleared skiplists of repacked sets, reused by the next unpack: a small set
 * touched by a command is unpacked and packed again every batch, and a
 * skiplist is several typed arrays to allocate (measured: with a spare list
 * per unpack missing, ZADD to 100k small sets cost 15% more CPU than with
 * node objects). The engine packs whenever more than MAX_UNPACKED sets are
 * unpacked (`packIfMany`, between commands), so a batch touching thousands
 * of small sets reuses at most about that many lists.
 */
const spareLists: SkipList[] = [];
const MAX_UNPACKED = 32;
const MAX_SPARE_LISTS = 2 * MAX_UNPACKED;

/** Sets unpacked during the current batch, packed again at its end. */
let unpackedSets: ZSetValue[] = [];

/** Between two commands: packs the sets unpacked so far once there are many (see spareLists). */
export function packIfMany(): void {
  if (unpackedSets.length > MAX_UNPACKED) packUnpacked();
}

/** Packs every listpack-encoded set unpacked since the last call (the engine calls it after each batch). */
export function packUnpacked(): void {
  if (unpackedSets.length === 0) return;
  const sets = unpackedSets;
  unpackedSets = [];
  for (const z of sets) z.compact();
}

const f64 = new Float64Array(1);
const f64bytes = new Uint8Array(f64.buffer);

function scoreChars(score: number): string {
  f64[0] = score;
  return String.fromCharCode(f64bytes[0], f64bytes[1], f64bytes[2], f64bytes[3], f64bytes[4], f64bytes[5], f64bytes[6], f64bytes[7]);
}

function scoreAt(p: string, pos: number): number {
  for (let i = 0; i < 8; i++) f64bytes[i] = p.charCodeAt(pos + i);
  return f64[0];
}

export class ZSetValue implements TypedValue {
  /** The packed entries while resting (listpack encoding only), else null. */
  private packed: string | null = null;
  /** Members in `packed`. */
  private packedCount = 0;
  private unpacked: SkipList | null = spareLists.pop() ?? new SkipList();
  listpack = true;

  constructor() {
    // Made by an op during a batch: packed at its end like an unpacked one.
    unpackedSets.push(this);
  }

  get type(): 'zset' {
    return 'zset';
  }

  /** The skiplist form, unpacking a resting set first. */
  get zsl(): SkipList {
    if (this.unpacked !== null) return this.unpacked;
    const u = spareLists.pop() ?? new SkipList();
    const p = this.packed as string;
    let pos = 0;
    for (let i = 0; i < this.packedCount; i++) {
      const score = scoreAt(p, pos);
      pos += 8;
      const member = packed.entryAt(p, pos);
      pos = packed.skipEntry(p, pos);
      u.insert(score, member);
    }
    this.unpacked = u;
    this.packed = null;
    this.packedCount = 0;
    unpackedSets.push(this);
    return u;
  }

  /**
   * Packs a listpack-encoded set back into its resting form (after a
   * command touched it). A skiplist-encoded one stays as it is.
   */
  compact(): void {
    const u = this.unpacked;
    if (u === null || !this.listpack) return;
    packed.begin();
    for (let x = u.first; x !== NIL; x = u.next(x)) {
      packed.pushRaw(scoreChars(u.score(x)));
      packed.pushEntry(u.member(x));
    }
    this.packed = packed.end();
    this.packedCount = u.length;
    this.unpacked = null;
    if (spareLists.length < MAX_SPARE_LISTS) {
      u.clear();
      spareLists.push(u);
    }
  }

  encoding(): string {
    return this.listpack ? 'listpack' : 'skiplist';
  }

  size(): number {
    return this.unpacked !== null ? this.unpacked.length : this.packedCount;
  }

  score(member: string): number | undefined {
    const u = this.unpacked;
    if (u !== null) {
      const x = u.find(member);
      return x === NIL ? undefined : u.score(x);
    }
    const p = this.packed as string;
    let pos = 0;
    for (let i = 0; i < this.packedCount; i++) {
      if (packed.entryEquals(p, pos + 8, member)) return scoreAt(p, pos);
      pos = packed.skipEntry(p, pos + 8);
    }
    return undefined;
  }

  /** A listpack stores scores as text, where -0 becomes 0. */
  private stored(score: number): number {
    return this.listpack ? score + 0 : score;
  }

  /** The position of a member in the skiplist form (see SkipList), or NIL. */
  find(member: string): number {
    return this.zsl.find(member);
  }

  /** Adds a member that is not present; returns its position. */
  insert(member: string, score: number): number {
    const zsl = this.zsl;
    if (this.listpack && (zsl.length + 1 > LIMITS.zsetMaxListpackEntries || member.length > LIMITS.zsetMaxListpackValue)) {
      this.listpack = false;
    }
    return zsl.insert(this.stored(score), member);
  }

  /** Changes the score of the member at position x. */
  update(x: number, score: number): void {
    this.zsl.updateScore(x, this.stored(score));
  }

  remove(member: string): boolean {
    const zsl = this.zsl;
    const x = zsl.find(member);
    if (x === NIL) return false;
    zsl.remove(x);
    return true;
  }

  /** 0-based rank from the lowest score, or -1. */
  rank(member: string): number {
    const zsl = this.zsl;
    const x = zsl.find(member);
    return x === NIL ? -1 : zsl.rankOf(x) - 1;
  }

  /** The position at a 0-based rank, or NIL. */
  at(index: number): number {
    const zsl = this.zsl;
    if (index === 0) return zsl.first;
    if (index === zsl.length - 1) return zsl.tail;
    return zsl.byRank(index + 1);
  }

  firstInLex(r: LexRange): number {
    return this.listpack ? this.zsl.firstInLexRangeLinear(r) : this.zsl.firstInLexRange(r);
  }

  lastInLex(r: LexRange): number {
    return this.listpack ? this.zsl.lastInLexRangeLinear(r) : this.zsl.lastInLexRange(r);
  }

  /**
   * Picks the encoding a freshly built result gets (Redis's
   * zsetConvertToListpackIfNeeded), normalizing -0 scores when it is a listpack.
   */
  settleEncoding(): void {
    const zsl = this.zsl;
    let maxLen = 0;
    for (let x = zsl.first; x !== NIL; x = zsl.next(x)) maxLen = Math.max(maxLen, zsl.member(x).length);
    this.listpack = zsl.length <= LIMITS.zsetMaxListpackEntries && maxLen <= LIMITS.zsetMaxListpackValue;
    if (this.listpack) {
      for (let x = zsl.first; x !== NIL; x = zsl.next(x)) if (Object.is(zsl.score(x), -0)) zsl.updateScore(x, 0);
    }
  }

  clone(): ZSetValue {
    const c = new ZSetValue();
    c.listpack = this.listpack;
    if (this.unpacked === null) {
      c.unpacked = null;
      c.packed = this.packed;
      c.packedCount = this.packedCount;
    } else {
      c.unpacked = this.unpacked.clone();
    }
    return c;
  }

  /** Encoding flag, then member/score pairs in order (-0 kept: a skiplist can hold it). */
  serialize(): string {
    const w = new SerialWriter();
    w.str(this.listpack ? 'l' : 's');
    const zsl = this.zsl;
    for (let x = zsl.first; x !== NIL; x = zsl.next(x)) {
      const score = zsl.score(x);
      w.str(zsl.member(x));
      w.str(Object.is(score, -0) ? '-0' : String(score));
    }
    return w.toString();
  }

  static deserialize(payload: string): ZSetValue {
    const r = new SerialReader(payload);
    const z = new ZSetValue();
    const listpack = r.str() === 'l';
    z.listpack = false;
    while (!r.done) {
      const member = r.str();
      z.insert(member, Number(r.str()));
    }
    z.listpack = listpack;
    z.compact();
    return z;
  }

  memoryUsage(samples: number): number {
    const zsl = this.zsl;
    const n = zsl.length;
    if (n === 0) return 16;
    const perNode = this.listpack ? 12 : 96;
    let bytes = 0;
    let seen = 0;
    for (let x = zsl.first; x !== NIL && (samples === 0 || seen < samples); x = zsl.next(x)) {
      bytes += zsl.member(x).length + perNode;
      seen++;
    }
    return 16 + Math.round((bytes / seen) * n);
  }

  sortElements(): string[] {
    const zsl = this.zsl;
    const out: string[] = [];
    for (let x = zsl.first; x !== NIL; x = zsl.next(x)) out.push(zsl.member(x));
    return out;
  }
}

registerValueType('zset', ZSetValue.deserialize);
