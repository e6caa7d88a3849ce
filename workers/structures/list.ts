/**
 * The list value: a growable circular buffer of latin1 strings.
 *
 * Why a ring rather than Redis's quicklist: pushes and pops at both ends are
 * O(1) amortized, and LINDEX/LSET reach any index in O(1), so no end of the
 * list is "the wrong one". Elements are plain strings in one JS array (no
 * per-element objects). The capacity is a power of two so a physical slot is
 * `(head + i) & mask`; it doubles when full and halves when a quarter full,
 * which keeps both growth and shrinking amortized O(1).
 *
 * Redis 7.0 always reports the 'quicklist' encoding for lists (listpack as a
 * list encoding only arrived in 7.2), whatever their size: checked against
 * redis-server 7.0.15.
 */
import { SerialReader, SerialWriter } from '../serial';
import { registerValueType, type TypedValue } from '../value';

const MIN_CAPACITY = 8;

/** Redis 7.0 list-max-listpack-size -2: each quicklist node holds at most 8 KB of listpack. */
const NODE_BYTES = 8192;

/** The usable size jemalloc gives an allocation of n bytes (its size classes). */
function jemallocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return Math.ceil(n / 16) * 16;
  const step = 2 ** (Math.floor(Math.log2(n - 1)) - 2);
  return Math.ceil(n / step) * step;
}

function capacityFor(n: number): number {
  let c = MIN_CAPACITY;
  while (c < n) c *= 2;
  return c;
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
  private buf: string[];
  private head = 0;
  private len = 0;
  private mask: number;

  constructor(capacity = MIN_CAPACITY) {
    const cap = capacityFor(capacity);
    this.buf = new Array<string>(cap).fill('');
    this.mask = cap - 1;
  }

  /** A list holding `items` in order (SORT ... STORE, deserialization). */
  static fromArray(items: readonly string[]): ListValue {
    const l = new ListValue(items.length);
    for (let i = 0; i < items.length; i++) l.buf[i] = items[i];
    l.len = items.length;
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
    return this.buf[(this.head + i) & this.mask];
  }

  /** Replaces the element at 0 <= i < length. */
  setAt(i: number, v: string): void {
    this.buf[(this.head + i) & this.mask] = v;
  }

  pushBack(v: string): void {
    if (this.len === this.buf.length) this.resize(this.buf.length * 2);
    this.buf[(this.head + this.len) & this.mask] = v;
    this.len++;
  }

  pushFront(v: string): void {
    if (this.len === this.buf.length) this.resize(this.buf.length * 2);
    this.head = (this.head - 1) & this.mask;
    this.buf[this.head] = v;
    this.len++;
  }

  popFront(): string | undefined {
    if (this.len === 0) return undefined;
    const v = this.buf[this.head];
    // Drop the reference so a popped element can be collected.
    this.buf[this.head] = '';
    this.head = (this.head + 1) & this.mask;
    this.len--;
    this.maybeShrink();
    return v;
  }

  popBack(): string | undefined {
    if (this.len === 0) return undefined;
    const slot = (this.head + this.len - 1) & this.mask;
    const v = this.buf[slot];
    this.buf[slot] = '';
    this.len--;
    this.maybeShrink();
    return v;
  }

  /** Inserts `v` so that it becomes the element at index i (0 <= i <= length), shifting the shorter side. */
  insertAt(i: number, v: string): void {
    if (this.len === this.buf.length) this.resize(this.buf.length * 2);
    const m = this.mask;
    if (i < this.len - i) {
      this.head = (this.head - 1) & m;
      for (let j = 0; j < i; j++) this.buf[(this.head + j) & m] = this.buf[(this.head + j + 1) & m];
    } else {
      for (let j = this.len; j > i; j--) this.buf[(this.head + j) & m] = this.buf[(this.head + j - 1) & m];
    }
    this.buf[(this.head + i) & m] = v;
    this.len++;
  }

  /** Index of the first element equal to `v`, or -1. */
  indexOf(v: string): number {
    for (let i = 0; i < this.len; i++) if (this.buf[(this.head + i) & this.mask] === v) return i;
    return -1;
  }

  /**
   * Removes elements equal to `v` as LREM does: the first `count` from the head
   * (count > 0), the last -count from the tail (count < 0), or all (0).
   * Returns how many were removed. One pass, compacting in place.
   */
  removeMatching(v: string, count: number): number {
    const m = this.mask;
    const limit = count === 0 ? Infinity : Math.abs(count);
    let removed = 0;
    if (count >= 0) {
      let w = 0;
      for (let r = 0; r < this.len; r++) {
        const e = this.buf[(this.head + r) & m];
        if (removed < limit && e === v) removed++;
        else this.buf[(this.head + w++) & m] = e;
      }
      for (let j = w; j < this.len; j++) this.buf[(this.head + j) & m] = '';
      this.len = w;
    } else {
      let w = this.len - 1;
      for (let r = this.len - 1; r >= 0; r--) {
        const e = this.buf[(this.head + r) & m];
        if (removed < limit && e === v) removed++;
        else this.buf[(this.head + w--) & m] = e;
      }
      const drop = w + 1;
      for (let j = 0; j < drop; j++) this.buf[(this.head + j) & m] = '';
      this.head = (this.head + drop) & m;
      this.len -= drop;
    }
    if (removed > 0) this.maybeShrink();
    return removed;
  }

  /** Drops `front` elements from the head and `back` from the tail (LTRIM); O(dropped). */
  trim(front: number, back: number): void {
    const m = this.mask;
    if (front + back >= this.len) {
      this.clear();
      return;
    }
    for (let j = 0; j < front; j++) this.buf[(this.head + j) & m] = '';
    for (let j = this.len - back; j < this.len; j++) this.buf[(this.head + j) & m] = '';
    this.head = (this.head + front) & m;
    this.len -= front + back;
    this.maybeShrink();
  }

  /** The elements from index start to end inclusive (0 <= start <= end < length). */
  slice(start: number, end: number): string[] {
    const out = new Array<string>(end - start + 1);
    for (let i = start; i <= end; i++) out[i - start] = this.buf[(this.head + i) & this.mask];
    return out;
  }

  toArray(): string[] {
    return this.len === 0 ? [] : this.slice(0, this.len - 1);
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
    for (let i = 0; i < this.len; i++) sw.str(this.buf[(this.head + i) & this.mask]);
    return sw.toString();
  }

  static deserialize(payload: string): ListValue {
    const r = new SerialReader(payload);
    const n = r.num();
    const items = new Array<string>(n);
    for (let i = 0; i < n; i++) items[i] = r.str();
    return ListValue.fromArray(items);
  }

  /**
   * Redis's estimate for a quicklist: object and quicklist headers plus, per
   * node, a node header and its listpack's allocation. Nodes are modelled as
   * Redis fills them when appending (a node takes another element while its
   * listpack bytes + the element's length + 8 stay within 8 KB). Like Redis,
   * only the first `samples` nodes (0 = all) are measured and the average is
   * extrapolated to the estimated node count.
   */
  memoryUsage(samples: number): number {
    const ROBJ = 16;
    const QUICKLIST = 40;
    const NODE = 40;
    const EMPTY_LISTPACK = 7;
    if (this.len === 0) return ROBJ + QUICKLIST;
    const maxNodes = samples <= 0 ? Infinity : samples;
    let nodes = 0;
    let elesize = 0;
    let nodeBytes = EMPTY_LISTPACK;
    let nodeCount = 0;
    let i = 0;
    for (; i < this.len; i++) {
      const e = this.at(i);
      if (nodeCount > 0 && nodeBytes + e.length + 8 > NODE_BYTES) {
        elesize += NODE + jemallocSize(nodeBytes);
        nodes++;
        nodeBytes = EMPTY_LISTPACK;
        nodeCount = 0;
        if (nodes >= maxNodes) break;
      }
      nodeBytes += listpackEntryBytes(e);
      nodeCount++;
    }
    if (nodeCount > 0) {
      elesize += NODE + jemallocSize(nodeBytes);
      nodes++;
    }
    const totalNodes = i >= this.len ? nodes : Math.ceil(this.len / (i / nodes));
    return ROBJ + QUICKLIST + Math.floor((elesize / nodes) * totalNodes);
  }

  private clear(): void {
    this.buf = new Array<string>(MIN_CAPACITY).fill('');
    this.mask = MIN_CAPACITY - 1;
    this.head = 0;
    this.len = 0;
  }

  private maybeShrink(): void {
    const cap = this.buf.length;
    if (cap > MIN_CAPACITY && this.len <= cap >>> 2) this.resize(Math.max(MIN_CAPACITY, capacityFor(this.len * 2)));
  }

  /** Moves the elements, in order, into a new buffer of `cap` (a power of two >= length). */
  private resize(cap: number): void {
    const next = new Array<string>(cap).fill('');
    for (let i = 0; i < this.len; i++) next[i] = this.buf[(this.head + i) & this.mask];
    this.buf = next;
    this.mask = cap - 1;
    this.head = 0;
  }
}

registerValueType('list', (payload) => ListValue.deserialize(payload));
