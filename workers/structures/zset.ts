/**
 * The sorted set value: a member -> node map (O(1) ZSCORE) plus the skiplist
 * with spans (O(log n) rank, insert, delete), and a dense slot array of the
 * nodes that ZSCAN walks top-down (the Db.scan scheme: a deletion moves only
 * the last slot into the hole, so every member present for a whole scan is
 * returned at least once).
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
 * packed entry, structures/packed.ts), with no nodes, map or slot array. An
 * op that needs the skiplist reaches it through `nodes`/`zsl`/`slots`, which
 * unpack it (O(n) on the small n a listpack may have) and note it; the engine
 * packs every noted set again at the end of the batch (`packUnpacked`,
 * workers/engine.ts), so a pipeline touching one set unpacks it once. ZCARD
 * and ZSCORE read the packed form as it is.
 */
import { LIMITS } from './encoding-limits';
import { registerValueType, type TypedValue } from '../value';
import { SerialReader, SerialWriter } from '../serial';
import { SkipList, SkipNode, type LexRange } from './skiplist';
import * as packed from './packed';

/** The skiplist form: what ops walk. */
class Unpacked {
  readonly nodes = new Map<string, SkipNode>();
  readonly zsl = new SkipList();
  /** Dense array of nodes (node.slot is the index): ZSCAN order, O(1) random access. */
  readonly slots: SkipNode[] = [];
}

/** Sets unpacked during the current batch, packed again at its end. */
let unpackedSets: ZSetValue[] = [];

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
  private unpacked: Unpacked | null = new Unpacked();
  listpack = true;

  constructor() {
    // Made by an op during a batch: packed at its end like an unpacked one.
    unpackedSets.push(this);
  }

  get type(): 'zset' {
    return 'zset';
  }

  /** The skiplist form, unpacking a resting set first. */
  private live(): Unpacked {
    if (this.unpacked !== null) return this.unpacked;
    const u = new Unpacked();
    const p = this.packed as string;
    let pos = 0;
    for (let i = 0; i < this.packedCount; i++) {
      const score = scoreAt(p, pos);
      pos += 8;
      const member = packed.entryAt(p, pos);
      pos = packed.skipEntry(p, pos);
      const node = u.zsl.insert(score, member);
      node.slot = u.slots.length;
      u.slots.push(node);
      u.nodes.set(member, node);
    }
    this.unpacked = u;
    this.packed = null;
    this.packedCount = 0;
    unpackedSets.push(this);
    return u;
  }

  get nodes(): Map<string, SkipNode> {
    return this.live().nodes;
  }

  get zsl(): SkipList {
    return this.live().zsl;
  }

  get slots(): SkipNode[] {
    return this.live().slots;
  }

  /**
   * Packs a listpack-encoded set back into its resting form (after a
   * command touched it). A skiplist-encoded one stays as it is.
   */
  compact(): void {
    const u = this.unpacked;
    if (u === null || !this.listpack) return;
    packed.begin();
    for (let x = u.zsl.first; x !== null; x = x.next[0]) {
      packed.pushRaw(scoreChars(x.score));
      packed.pushEntry(x.member);
    }
    this.packed = packed.end();
    this.packedCount = u.nodes.size;
    this.unpacked = null;
  }

  encoding(): string {
    return this.listpack ? 'listpack' : 'skiplist';
  }

  size(): number {
    return this.unpacked !== null ? this.unpacked.nodes.size : this.packedCount;
  }

  score(member: string): number | undefined {
    if (this.unpacked !== null) return this.unpacked.nodes.get(member)?.score;
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

  /** Adds a member that is not present. */
  insert(member: string, score: number): void {
    if (this.listpack && (this.nodes.size + 1 > LIMITS.zsetMaxListpackEntries || member.length > LIMITS.zsetMaxListpackValue)) {
      this.listpack = false;
    }
    const node = this.zsl.insert(this.stored(score), member);
    node.slot = this.slots.length;
    this.slots.push(node);
    this.nodes.set(member, node);
  }

  /** Changes the score of a present member. */
  update(node: SkipNode, score: number): void {
    this.zsl.updateScore(node, this.stored(score));
  }

  removeNode(node: SkipNode): void {
    this.zsl.remove(node);
    this.nodes.delete(node.member);
    const last = this.slots.pop() as SkipNode;
    if (last !== node) {
      last.slot = node.slot;
      this.slots[node.slot] = last;
    }
    node.slot = -1;
  }

  remove(member: string): boolean {
    const node = this.nodes.get(member);
    if (node === undefined) return false;
    this.removeNode(node);
    return true;
  }

  /** 0-based rank from the lowest score, or -1. */
  rank(member: string): number {
    const node = this.nodes.get(member);
    return node === undefined ? -1 : this.zsl.rankOf(node) - 1;
  }

  /** The node at a 0-based rank. */
  at(index: number): SkipNode | null {
    if (index === 0) return this.zsl.first;
    if (index === this.zsl.length - 1) return this.zsl.tail;
    return this.zsl.byRank(index + 1);
  }

  firstInLex(r: LexRange): SkipNode | null {
    return this.listpack ? this.zsl.firstInLexRangeLinear(r) : this.zsl.firstInLexRange(r);
  }

  lastInLex(r: LexRange): SkipNode | null {
    return this.listpack ? this.zsl.lastInLexRangeLinear(r) : this.zsl.lastInLexRange(r);
  }

  /**
   * Picks the encoding a freshly built result gets (Redis's
   * zsetConvertToListpackIfNeeded), normalizing -0 scores when it is a listpack.
   */
  settleEncoding(): void {
    let maxLen = 0;
    for (const m of this.nodes.keys()) if (m.length > maxLen) maxLen = m.length;
    this.listpack = this.nodes.size <= LIMITS.zsetMaxListpackEntries && maxLen <= LIMITS.zsetMaxListpackValue;
    if (this.listpack) {
      for (let x = this.zsl.first; x !== null; x = x.next[0]) x.score += 0;
    }
  }

  clone(): ZSetValue {
    const c = new ZSetValue();
    // Copied scores are already stored ones: no re-encoding on the way in.
    c.listpack = false;
    for (let x = this.zsl.first; x !== null; x = x.next[0]) c.insert(x.member, x.score);
    c.listpack = this.listpack;
    return c;
  }

  /** Encoding flag, then member/score pairs in order (-0 kept: a skiplist can hold it). */
  serialize(): string {
    const w = new SerialWriter();
    w.str(this.listpack ? 'l' : 's');
    for (let x = this.zsl.first; x !== null; x = x.next[0]) {
      w.str(x.member);
      w.str(Object.is(x.score, -0) ? '-0' : String(x.score));
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
    const n = this.nodes.size;
    if (n === 0) return 16;
    const perNode = this.listpack ? 12 : 96;
    let bytes = 0;
    let seen = 0;
    for (let x = this.zsl.first; x !== null && (samples === 0 || seen < samples); x = x.next[0]) {
      bytes += x.member.length + perNode;
      seen++;
    }
    return 16 + Math.round((bytes / seen) * n);
  }

  sortElements(): string[] {
    const out: string[] = [];
    for (let x = this.zsl.first; x !== null; x = x.next[0]) out.push(x.member);
    return out;
  }
}

registerValueType('zset', ZSetValue.deserialize);
