/**
 * The list value: Shardis's quicklist. Elements live in three runs, in order:
 *
 *   front  a plain array, reversed (front[front.length - 1] is element 0), so
 *          LPUSH/LPOP are array push/pop;
 *   nodes  sealed nodes, each a packed string of up to NODE_ELEMENTS elements
 *          (structures/packed.ts: one string object per node instead of one
 *          per element plus an array slot, which is what made a long list
 *          cost 3.8x redis-server's memory);
 *   back   a plain array in order, so RPUSH/RPOP are array push/pop.
 *
 * An end run is sealed into a node when it reaches twice NODE_ELEMENTS (or
 * NODE_CHARS), sealing only the half away from the end; a pop that empties an
 * end run unseals the nearest node. The hysteresis keeps push/pop at a
 * boundary amortized O(1). Index access walks the node counts from a cursor
 * left by the previous access, so LRANGE and LPOS, which read consecutive
 * indexes, cost O(1) per element; a random LINDEX costs O(nodes), as a
 * quicklist does in Redis.
 *
 * Redis 7.0 always reports the 'quicklist' encoding for lists (listpack as a
 * list encoding only arrived in 7.2), whatever their size: checked against
 * redis-server 7.0.15.
 */
import { encodeListpack } from '../../src/core/rdb/listpack';
import { lzfCompress } from '../../src/core/rdb/lzf';
import { LIMITS } from './encoding-limits';
import { SerialReader, SerialWriter } from '../serial';
import { entryEquals, pack, readHead } from './packed';
import { registerValueType, type TypedValue } from '../value';
import { Deque } from './deque';

/** Elements per sealed node. */
const NODE_ELEMENTS = 128;
/** An end run holding this many chars is sealed even with fewer elements (big values gain nothing from packing). */
const NODE_CHARS = 8192;

function unpack(node: string, count: number): string[] {
  const out = new Array<string>(count);
  let pos = 0;
  for (let i = 0; i < count; i++) {
    const h = readHead(node, pos);
    out[i] = node.slice(h.start, h.start + h.len);
    pos = h.start + h.len;
  }
  return out;
}

/** Where `forRange` writes: a reply writer's bulkRange, typed structurally so structures do not import the wire. */
export interface RangeSink {
  bulkRange(src: string, from: number, to: number): void;
}

/**
 * How many of an end run's newest elements (at the array's end, for both
 * runs) stay unsealed when it is sealed: a node's worth by count and by
 * chars, at least one, never the whole run. Keeping by count alone left a
 * run of big values (1 KB: sealed at 16 elements, 16 KB) sealing one element
 * per push into a node of its own.
 */
function newestKept(run: readonly string[]): number {
  let keep = 0;
  let chars = 0;
  for (let i = run.length - 1; i > 0 && keep < NODE_ELEMENTS; i--) {
    chars += run[i].length;
    if (chars > NODE_CHARS && keep > 0) break;
    keep++;
  }
  return keep;
}

function charsOf(items: readonly string[], from = 0, to = items.length): number {
  let n = 0;
  for (let i = from; i < to; i++) n += items[i].length;
  return n;
}

/** list-max-listpack-size -1..-5: a quicklist node's listpack may grow to this many bytes (quicklist.c optimization_level). */
const FILL_BYTES = [4096, 8192, 16384, 32768, 65536];
/** A node counted by entries (list-max-listpack-size > 0) still stays within this (SIZE_SAFETY_LIMIT). */
const SIZE_SAFETY_LIMIT = 8192;

/** quicklist.c's MIN_COMPRESS_BYTES / MIN_COMPRESS_IMPROVE: smaller nodes, or gains, stay uncompressed. */
const MIN_COMPRESS_BYTES = 48;
const MIN_COMPRESS_IMPROVE = 8;

/** zmalloc_size of a compressed node's entry (quicklistLZF: a 4-byte length and the LZF bytes), or of its listpack when LZF does not gain enough. */
function compressedNodeBytes(l: ListValue, from: number, to: number, lpBytes: number): number {
  if (lpBytes < MIN_COMPRESS_BYTES) return jemallocSize(lpBytes);
  const items: string[] = [];
  for (let i = from; i < to; i++) items.push(l.at(i));
  const lp = encodeListpack(items);
  const z = lzfCompress(lp, lp.length);
  if (z === null || z.length + MIN_COMPRESS_IMPROVE >= lp.length) return jemallocSize(lp.length);
  return jemallocSize(4 + z.length);
}

/** quicklist.c _quicklistNodeAllowInsert: may a node of `bytes` and `count` entries take an element of `len` bytes? */
function nodeAllowsInsert(bytes: number, count: number, len: number, fill: number): boolean {
  const overhead = (len < 254 ? 1 : 5) + (len < 64 ? 1 : len < 16384 ? 2 : 5);
  const next = bytes + len + overhead;
  if (fill < 0) return next <= FILL_BYTES[Math.min(-fill, FILL_BYTES.length) - 1];
  return next <= SIZE_SAFETY_LIMIT && count < fill;
}

/** The usable size jemalloc gives an allocation of n bytes (its size classes). */
function jemallocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return Math.ceil(n / 16) * 16;
  const step = 2 ** (Math.floor(Math.log2(n - 1)) - 2);
  return Math.ceil(n / step) * step;
}

/** Bytes one element takes inside a listpack (encoding header + payload + back-length). */
function listpackEntryBytes(s: string): number {
  let body: number;
  if (s.length <= 20 && /^(0|-?[1-9][0-9]*)$/.test(s)) {
    const n = Number(s);
    if (n >= 0 && n <= 127) body = 1;
    else if (n >= -4096 && n <= 4095) body = 2;
    else if (n >= -32768 && n <= 32767) body = 3;
    else if (n >= -8388608 && n <= 8388607) body = 4;
    else if (n >= -2147483648 && n <= 2147483647) body = 5;
    else body = 9;
  } else if (s.length < 64) body = 1 + s.length;
  else if (s.length < 4096) body = 2 + s.length;
  else body = 5 + s.length;
  const back = body < 128 ? 1 : body < 16384 ? 2 : body < 2097152 ? 3 : body < 268435456 ? 4 : 5;
  return body + back;
}

export class ListValue implements TypedValue {
  readonly type = 'list' as const;
  /** Elements 0.. in reverse order. */
  private front: string[] = [];
  private frontChars = 0;
  private nodes = new Deque<string>();
  private counts = new Deque<number>();
  /** Elements held by `nodes`. */
  private midLen = 0;
  private back: string[] = [];
  private backChars = 0;
  private len = 0;
  // The cursor: node `cNode` starts at mid index `cStart`; its element `cIdx` (mid index) starts at char `cPos`.
  private cNode = -1;
  private cStart = 0;
  private cIdx = 0;
  private cPos = 0;

  /** `capacity` is a hint kept for callers that know the size; runs grow as needed. */
  constructor(_capacity = 0) {}

  /** A list holding `items` in order (SORT ... STORE, deserialization). */
  static fromArray(items: readonly string[]): ListValue {
    const l = new ListValue();
    for (let i = 0; i < items.length; i++) l.pushBack(items[i]);
    return l;
  }

  get length(): number {
    return this.len;
  }

  size(): number {
    return this.len;
  }

  encoding(): string {
    return 'quicklist';
  }

  /** The element at 0 <= i < length. */
  at(i: number): string {
    const f = this.front.length;
    if (i < f) return this.front[f - 1 - i];
    const j = i - f;
    if (j >= this.midLen) return this.back[j - this.midLen];
    this.seek(j);
    const node = this.nodes.at(this.cNode);
    const h = readHead(node, this.cPos);
    return node.slice(h.start, h.start + h.len);
  }

  /** Replaces the element at 0 <= i < length. */
  setAt(i: number, v: string): void {
    const f = this.front.length;
    if (i < f) {
      this.frontChars += v.length - this.front[f - 1 - i].length;
      this.front[f - 1 - i] = v;
      return;
    }
    const j = i - f;
    if (j >= this.midLen) {
      this.backChars += v.length - this.back[j - this.midLen].length;
      this.back[j - this.midLen] = v;
      return;
    }
    const k = this.nodeOf(j);
    const items = unpack(this.nodes.at(k), this.counts.at(k));
    items[j - this.cStart] = v;
    this.replaceNode(k, items);
  }

  pushBack(v: string): void {
    this.back.push(v);
    this.backChars += v.length;
    this.len++;
    if (this.back.length >= 2 * NODE_ELEMENTS || this.backChars >= 2 * NODE_CHARS) this.sealBack();
  }

  pushFront(v: string): void {
    this.front.push(v);
    this.frontChars += v.length;
    this.len++;
    if (this.front.length >= 2 * NODE_ELEMENTS || this.frontChars >= 2 * NODE_CHARS) this.sealFront();
  }

  popFront(): string | undefined {
    if (this.len === 0) return undefined;
    if (this.front.length === 0) {
      if (this.nodes.length > 0) this.unsealFirst();
      else {
        const v = this.back.shift() as string;
        this.backChars -= v.length;
        this.len--;
        return v;
      }
    }
    const v = this.front.pop() as string;
    this.frontChars -= v.length;
    this.len--;
    return v;
  }

  popBack(): string | undefined {
    if (this.len === 0) return undefined;
    if (this.back.length === 0) {
      if (this.nodes.length > 0) this.unsealLast();
      else {
        const v = this.front.shift() as string;
        this.frontChars -= v.length;
        this.len--;
        return v;
      }
    }
    const v = this.back.pop() as string;
    this.backChars -= v.length;
    this.len--;
    return v;
  }

  /** Inserts `v` so that it becomes the element at index i (0 <= i <= length). */
  insertAt(i: number, v: string): void {
    const f = this.front.length;
    if (i <= f) {
      this.front.splice(f - i, 0, v);
      this.frontChars += v.length;
      this.len++;
      if (this.front.length >= 2 * NODE_ELEMENTS || this.frontChars >= 2 * NODE_CHARS) this.sealFront();
      return;
    }
    const j = i - f;
    if (j >= this.midLen) {
      this.back.splice(j - this.midLen, 0, v);
      this.backChars += v.length;
      this.len++;
      if (this.back.length >= 2 * NODE_ELEMENTS || this.backChars >= 2 * NODE_CHARS) this.sealBack();
      return;
    }
    const k = this.nodeOf(j);
    const items = unpack(this.nodes.at(k), this.counts.at(k));
    items.splice(j - this.cStart, 0, v);
    this.len++;
    if (items.length > 2 * NODE_ELEMENTS) {
      // Split an overfull node in two, so no node grows without bound.
      const half = items.length >>> 1;
      this.replaceNode(k, items.slice(0, half));
      this.nodes.insert(k + 1, pack(items.slice(half)));
      this.counts.insert(k + 1, items.length - half);
      this.midLen += items.length - half;
      this.cNode = -1;
    } else {
      this.replaceNode(k, items);
    }
  }

  /** Index of the first element equal to `v`, or -1. */
  indexOf(v: string): number {
    const f = this.front.length;
    for (let i = 0; i < f; i++) if (this.front[f - 1 - i] === v) return i;
    let base = f;
    for (let k = 0; k < this.nodes.length; k++) {
      const node = this.nodes.at(k);
      let pos = 0;
      for (let e = 0; e < this.counts.at(k); e++) {
        if (entryEquals(node, pos, v)) return base + e;
        const h = readHead(node, pos);
        pos = h.start + h.len;
      }
      base += this.counts.at(k);
    }
    const b = this.back.indexOf(v);
    return b === -1 ? -1 : base + b;
  }

  /**
   * Removes elements equal to `v` as LREM does: the first `count` from the head
   * (count > 0), the last -count from the tail (count < 0), or all (0).
   * Returns how many were removed. Nodes without a match are left packed.
   */
  removeMatching(v: string, count: number): number {
    let limit = count === 0 ? Infinity : Math.abs(count);
    const fromTail = count < 0;
    let removed = 0;
    // One run at a time, in the order LREM visits them; each returns what it kept.
    const filter = (items: string[]): string[] => {
      if (limit <= 0) return items;
      const out: string[] = [];
      if (!fromTail) {
        for (const e of items) {
          if (limit > 0 && e === v) {
            limit--;
            removed++;
          } else out.push(e);
        }
        return out;
      }
      for (let i = items.length - 1; i >= 0; i--) {
        if (limit > 0 && items[i] === v) {
          limit--;
          removed++;
        } else out.push(items[i]);
      }
      return out.reverse();
    };
    const doFront = (): void => {
      const kept = filter(this.front.slice().reverse()).reverse();
      this.front = kept;
      this.frontChars = charsOf(kept);
    };
    const doBack = (): void => {
      this.back = filter(this.back);
      this.backChars = charsOf(this.back);
    };
    const doNode = (k: number): void => {
      if (limit <= 0 || this.indexInNode(k, v) === -1) return;
      this.replaceNode(k, filter(unpack(this.nodes.at(k), this.counts.at(k))));
    };
    if (!fromTail) {
      doFront();
      for (let k = 0; k < this.nodes.length; k++) {
        const before = this.nodes.length;
        doNode(k);
        if (this.nodes.length < before) k--;
      }
      doBack();
    } else {
      doBack();
      for (let k = this.nodes.length - 1; k >= 0; k--) doNode(k);
      doFront();
    }
    this.len -= removed;
    return removed;
  }

  /** Drops `front` elements from the head and `back` from the tail (LTRIM); O(dropped) with whole nodes dropped at once. */
  trim(front: number, back: number): void {
    if (front + back >= this.len) {
      this.clear();
      return;
    }
    this.dropFront(front);
    this.dropBack(back);
  }

  /**
   * At least the chars of elements start..end (0 <= start <= end < length):
   * end-run elements exactly, a sealed node by its whole packed string (its
   * length heads included), so at most two nodes' worth more than exact.
   * LRANGE reserves its reply's room with it (see writeRange in lists.ts).
   */
  rangeChars(start: number, end: number): number {
    const f = this.front.length;
    let chars = 0;
    // The front run is stored newest last: elements start..frontEnd are front[f-1-frontEnd .. f-1-start].
    const frontEnd = Math.min(end, f - 1);
    if (start <= frontEnd) chars += charsOf(this.front, f - 1 - frontEnd, f - start);
    const midStart = Math.max(start - f, 0);
    const midEnd = Math.min(end - f, this.midLen - 1);
    if (midStart <= midEnd) {
      // Whole sealed nodes from the one holding midStart while they start at or before midEnd.
      for (let k = this.nodeOf(midStart), nodeStart = this.cStart; k < this.nodes.length && nodeStart <= midEnd; k++) {
        chars += this.nodes.at(k).length;
        nodeStart += this.counts.at(k);
      }
    }
    const backStart = Math.max(start - f - this.midLen, 0);
    const backEnd = end - f - this.midLen;
    if (backStart <= backEnd) chars += charsOf(this.back, backStart, backEnd + 1);
    return chars;
  }

  /**
   * Visits elements start..end (0 <= start <= end < length) as character
   * ranges `src[from, to)`: an end-run element is its own string, a node
   * element a range of the node's packed string. LRANGE writes them as they
   * are, so reading a packed node makes no string per element (it made
   * LRANGE_600 over ten times slower than reading an array).
   */
  forRange(start: number, end: number, sink: RangeSink): void {
    const f = this.front.length;
    let i = start;
    for (; i <= end && i < f; i++) {
      const s = this.front[f - 1 - i];
      sink.bulkRange(s, 0, s.length);
    }
    if (i > end) return;
    if (i - f < this.midLen) {
      let k = this.nodeOf(i - f);
      let skip = i - f - this.cStart;
      for (; k < this.nodes.length && i <= end; k++) {
        const node = this.nodes.at(k);
        const count = this.counts.at(k);
        let pos = 0;
        for (let e = 0; e < count && i <= end; e++) {
          // Lengths under 128 (one char) are read inline: LRANGE's hot loop.
          const c = node.charCodeAt(pos);
          let from: number;
          if (c < 128) {
            from = pos + 1;
            pos = from + c;
          } else {
            const h = readHead(node, pos);
            from = h.start;
            pos = from + h.len;
          }
          if (e < skip) continue;
          sink.bulkRange(node, from, pos);
          i++;
        }
        skip = 0;
      }
    }
    for (; i <= end; i++) {
      const s = this.back[i - f - this.midLen];
      sink.bulkRange(s, 0, s.length);
    }
  }

  /** The elements from index start to end inclusive (0 <= start <= end < length). */
  slice(start: number, end: number): string[] {
    const out = new Array<string>(end - start + 1);
    for (let i = start; i <= end; i++) out[i - start] = this.at(i);
    return out;
  }

  toArray(): string[] {
    const out = this.front.slice().reverse();
    for (let k = 0; k < this.nodes.length; k++) {
      const items = unpack(this.nodes.at(k), this.counts.at(k));
      for (const e of items) out.push(e);
    }
    for (const e of this.back) out.push(e);
    return out;
  }

  sortElements(): string[] {
    return this.toArray();
  }

  clone(): ListValue {
    return ListValue.fromArray(this.toArray());
  }

  serialize(): string {
    const sw = new SerialWriter();
    sw.num(this.len);
    for (const e of this.toArray()) sw.str(e);
    return sw.toString();
  }

  static deserialize(payload: string): ListValue {
    const r = new SerialReader(payload);
    const n = r.num();
    const l = new ListValue();
    for (let i = 0; i < n; i++) l.pushBack(r.str());
    return l;
  }

  /**
   * Redis's estimate for a quicklist: object and quicklist headers plus, per
   * node, a node header and its listpack's allocation. Nodes are modelled as
   * Redis fills them when appending (a node takes another element while its
   * listpack stays within list-max-listpack-size). Like Redis,
   * only the first `samples` nodes (0 = all) are measured and the average is
   * extrapolated to the estimated node count.
   */
  /** The quicklist nodes Redis would hold these elements in (list-max-listpack-size), counted as memoryUsage models them. */
  quicklistNodes(): number {
    const fill = LIMITS.listMaxListpackSize;
    let nodes = 0;
    let nodeBytes = 7;
    let nodeCount = 0;
    for (let i = 0; i < this.len; i++) {
      const e = this.at(i);
      if (nodeCount > 0 && !nodeAllowsInsert(nodeBytes, nodeCount, e.length, fill)) {
        nodes++;
        nodeBytes = 7;
        nodeCount = 0;
      }
      nodeBytes += listpackEntryBytes(e);
      nodeCount++;
    }
    return nodeCount > 0 ? nodes + 1 : nodes;
  }

  memoryUsage(samples: number): number {
    const ROBJ = 16;
    const QUICKLIST = 40;
    const NODE = 40;
    const EMPTY_LISTPACK = 7;
    if (this.len === 0) return ROBJ + QUICKLIST;
    const fill = LIMITS.listMaxListpackSize;
    // list-compress-depth: nodes further than `depth` from both ends are LZF-compressed (quicklist.c __quicklistCompress).
    const depth = LIMITS.listCompressDepth;
    const totalNodes = depth > 0 ? this.quicklistNodes() : 0;
    const compressed = (node: number): boolean => depth > 0 && totalNodes >= depth * 2 && node >= depth && node < totalNodes - depth;
    const maxNodes = samples <= 0 ? Infinity : samples;
    let nodes = 0;
    let elesize = 0;
    let nodeBytes = EMPTY_LISTPACK;
    let nodeCount = 0;
    let nodeStart = 0;
    const nodeSize = (end: number): number => (compressed(nodes) ? compressedNodeBytes(this, nodeStart, end, nodeBytes) : jemallocSize(nodeBytes));
    let i = 0;
    for (; i < this.len; i++) {
      const e = this.at(i);
      if (nodeCount > 0 && !nodeAllowsInsert(nodeBytes, nodeCount, e.length, fill)) {
        elesize += NODE + nodeSize(i);
        nodes++;
        nodeBytes = EMPTY_LISTPACK;
        nodeCount = 0;
        nodeStart = i;
        if (nodes >= maxNodes) break;
      }
      nodeBytes += listpackEntryBytes(e);
      nodeCount++;
    }
    if (nodeCount > 0 && i >= this.len) {
      elesize += NODE + nodeSize(i);
      nodes++;
    }
    const totalEstimate = i >= this.len ? nodes : Math.ceil(this.len / (i / nodes));
    return ROBJ + QUICKLIST + Math.floor((elesize / nodes) * totalEstimate);
  }


  private clear(): void {
    this.front = [];
    this.frontChars = 0;
    this.nodes.clear();
    this.counts.clear();
    this.midLen = 0;
    this.back = [];
    this.backChars = 0;
    this.len = 0;
    this.cNode = -1;
  }

  /** Seals the older part of the back run (all but a node's worth of the newest) into nodes. */
  private sealBack(): void {
    const keep = newestKept(this.back);
    const sealed = this.back.splice(0, this.back.length - keep);
    this.backChars -= charsOf(sealed);
    for (const part of this.chunks(sealed)) {
      this.nodes.push(pack(part));
      this.counts.push(part.length);
      this.midLen += part.length;
    }
  }

  /** Seals the part of the front run nearest the middle into nodes. */
  private sealFront(): void {
    const keep = newestKept(this.front);
    // front is reversed: its first entries are the elements nearest the middle.
    const sealed = this.front.splice(0, this.front.length - keep).reverse();
    this.frontChars -= charsOf(sealed);
    const parts = this.chunks(sealed);
    for (let p = parts.length - 1; p >= 0; p--) {
      this.nodes.unshift(pack(parts[p]));
      this.counts.unshift(parts[p].length);
      this.midLen += parts[p].length;
    }
    this.cNode = -1;
  }

  /** Splits elements (in order) into node-sized parts. */
  private chunks(items: string[]): string[][] {
    const parts: string[][] = [];
    let from = 0;
    while (from < items.length) {
      let to = from;
      let chars = 0;
      while (to < items.length && to - from < NODE_ELEMENTS && (to === from || chars + items[to].length <= NODE_CHARS)) {
        chars += items[to].length;
        to++;
      }
      parts.push(items.slice(from, to));
      from = to;
    }
    return parts;
  }

  private unsealFirst(): void {
    const items = unpack(this.nodes.at(0), this.counts.at(0));
    this.nodes.shift();
    this.counts.shift();
    this.midLen -= items.length;
    this.cNode = -1;
    this.front = items.reverse();
    this.frontChars = charsOf(items);
  }

  private unsealLast(): void {
    const k = this.nodes.length - 1;
    const items = unpack(this.nodes.at(k), this.counts.at(k));
    this.nodes.pop();
    this.counts.pop();
    this.midLen -= items.length;
    if (this.cNode === k) this.cNode = -1;
    this.back = items;
    this.backChars = charsOf(items);
  }

  /** Puts `items` in place of node k (dropping the node when empty); the length is the caller's. */
  private replaceNode(k: number, items: string[]): void {
    this.midLen += items.length - this.counts.at(k);
    if (items.length === 0) {
      this.nodes.remove(k);
      this.counts.remove(k);
    } else {
      this.nodes.set(k, pack(items));
      this.counts.set(k, items.length);
    }
    this.cNode = -1;
  }

  /** Local index of the first element equal to `v` in node k, or -1 (no string made). */
  private indexInNode(k: number, v: string): number {
    const node = this.nodes.at(k);
    let pos = 0;
    for (let e = 0; e < this.counts.at(k); e++) {
      if (entryEquals(node, pos, v)) return e;
      const h = readHead(node, pos);
      pos = h.start + h.len;
    }
    return -1;
  }

  /** The node holding mid index j (sets cNode/cStart; cIdx/cPos reset to the node's start when it changes). */
  private nodeOf(j: number): number {
    let k = this.cNode;
    let start = this.cStart;
    if (k < 0) {
      // Walk from the nearer end of the nodes.
      if (j < this.midLen >>> 1) {
        k = 0;
        start = 0;
      } else {
        k = this.nodes.length - 1;
        start = this.midLen - this.counts.at(k);
      }
    }
    while (j < start) {
      k--;
      start -= this.counts.at(k);
    }
    while (j >= start + this.counts.at(k)) {
      start += this.counts.at(k);
      k++;
    }
    if (k !== this.cNode || start !== this.cStart) {
      this.cNode = k;
      this.cStart = start;
      this.cIdx = start;
      this.cPos = 0;
    }
    return k;
  }

  /** Moves the cursor to mid index j. */
  private seek(j: number): void {
    const k = this.nodeOf(j);
    const node = this.nodes.at(k);
    if (j < this.cIdx) {
      this.cIdx = this.cStart;
      this.cPos = 0;
    }
    while (this.cIdx < j) {
      const h = readHead(node, this.cPos);
      this.cPos = h.start + h.len;
      this.cIdx++;
    }
  }

  private dropFront(n: number): void {
    const fromFront = Math.min(n, this.front.length);
    if (fromFront > 0) {
      const dropped = this.front.splice(this.front.length - fromFront, fromFront);
      this.frontChars -= charsOf(dropped);
      this.len -= fromFront;
      n -= fromFront;
    }
    while (n > 0 && this.nodes.length > 0 && this.counts.at(0) <= n) {
      n -= this.counts.at(0);
      this.len -= this.counts.at(0);
      this.midLen -= this.counts.at(0);
      this.nodes.shift();
      this.counts.shift();
      this.cNode = -1;
    }
    if (n > 0 && this.nodes.length > 0) {
      this.replaceNode(0, unpack(this.nodes.at(0), this.counts.at(0)).slice(n));
      this.len -= n;
      n = 0;
    }
    if (n > 0) {
      const dropped = this.back.splice(0, n);
      this.backChars -= charsOf(dropped);
      this.len -= n;
    }
  }

  private dropBack(n: number): void {
    const fromBack = Math.min(n, this.back.length);
    if (fromBack > 0) {
      const dropped = this.back.splice(this.back.length - fromBack, fromBack);
      this.backChars -= charsOf(dropped);
      this.len -= fromBack;
      n -= fromBack;
    }
    while (n > 0 && this.nodes.length > 0 && this.counts.at(this.nodes.length - 1) <= n) {
      const c = this.counts.at(this.nodes.length - 1);
      n -= c;
      this.len -= c;
      this.midLen -= c;
      this.nodes.pop();
      this.counts.pop();
      this.cNode = -1;
    }
    if (n > 0 && this.nodes.length > 0) {
      const k = this.nodes.length - 1;
      const items = unpack(this.nodes.at(k), this.counts.at(k));
      this.replaceNode(k, items.slice(0, items.length - n));
      this.len -= n;
      n = 0;
    }
    if (n > 0) {
      // front is reversed: the list's last elements are its first entries.
      const dropped = this.front.splice(0, n);
      this.frontChars -= charsOf(dropped);
      this.len -= n;
    }
  }
}

registerValueType('list', (payload) => ListValue.deserialize(payload));
