/**
 * The stream value: entries ordered by ID, consumer groups with their
 * pending entries lists (PEL), and the counters Redis 7 keeps
 * (last-generated-id, max-deleted-entry-id, entries-added, first id).
 *
 * Entries live in parallel arrays sorted by ID, so a seek is a binary search
 * (O(log n)) and XADD is an append. XDEL and exact trimming leave tombstones
 * (fields === null) that are dropped from the front as it advances and
 * compacted away once they outnumber live entries.
 *
 * Redis stores entries in listpack "nodes" of at most stream-node-max-entries
 * entries / stream-node-max-bytes bytes, and approximate trimming (`~`) only
 * removes whole nodes; XINFO shows the node count. To answer exactly like
 * Redis we keep that node layout as metadata (first/last ID, live and deleted
 * counts, and the listpack's byte size computed with listpack's encoding
 * rules) without storing any listpack bytes.
 */
import { SerialReader, SerialWriter } from '../serial';
import { registerValueType, type TypedValue } from '../value';
import { idMs, idSeq, toI64 } from './stream-id';
import { listpackEntrySize } from '../../src/core/rdb/listpack';
import { entriesOf, lowerBound, newNode, open, seal, storeEntries, type StreamNode } from './stream-node';

export type { StreamNode } from './stream-node';

/** Redis 7.0 defaults for stream-node-max-entries / stream-node-max-bytes. */
/** stream-node-max-entries / stream-node-max-bytes (set by the shard's settings; 0 = no limit). */
let STREAM_NODE_MAX_ENTRIES = 100;
let STREAM_NODE_MAX_BYTES = 4096;
/** Redis's STREAM_LISTPACK_MAX_SIZE: the byte limit when stream-node-max-bytes is 0 or larger. */
const STREAM_LISTPACK_MAX_SIZE = 1 << 30;

export function setStreamNodeLimits(maxBytes: number, maxEntries: number): void {
  STREAM_NODE_MAX_BYTES = maxBytes === 0 || maxBytes > STREAM_LISTPACK_MAX_SIZE ? STREAM_LISTPACK_MAX_SIZE : maxBytes;
  STREAM_NODE_MAX_ENTRIES = maxEntries;
}
/** The largest value of entries_read; -1 is Redis's SCG_INVALID_ENTRIES_READ. */
export const INVALID_ENTRIES_READ = -1n;

// ---------------------------------------------------------------------------
// Listpack sizes (listpack.c): how many bytes an element takes.

function backlenSize(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

function intEncSize(v: bigint | number): number {
  if (v >= 0 && v <= 127) return 1;
  if (v >= -4096 && v <= 4095) return 2;
  if (v >= -32768 && v <= 32767) return 3;
  if (v >= -8388608 && v <= 8388607) return 4;
  if (v >= -2147483648 && v <= 2147483647) return 5;
  return 9;
}

function intElementSize(v: bigint | number): number {
  const e = intEncSize(v);
  return e + backlenSize(e);
}

function nodeBytes(n: StreamNode): number {
  return n.fixedBytes + intElementSize(n.live) + intElementSize(n.deleted);
}

// ---------------------------------------------------------------------------
// Sorted sets of IDs (the PELs).

export class SortedIds {
  a: bigint[] = [];

  get size(): number {
    return this.a.length;
  }

  /** Index of the first ID >= id. */
  lowerBound(id: bigint): number {
    return lowerBound(this.a, id);
  }

  insert(id: bigint): void {
    const a = this.a;
    if (a.length === 0 || a[a.length - 1] < id) {
      a.push(id);
      return;
    }
    const i = this.lowerBound(id);
    if (a[i] !== id) a.splice(i, 0, id);
  }

  remove(id: bigint): boolean {
    const i = this.lowerBound(id);
    if (i >= this.a.length || this.a[i] !== id) return false;
    this.a.splice(i, 1);
    return true;
  }
}

export interface Consumer {
  name: string;
  seenTime: number;
  pending: SortedIds;
}

export interface Nack {
  consumer: Consumer;
  deliveryTime: number;
  /** uint64 in Redis; a number until it leaves the safe range. */
  deliveryCount: number | bigint;
}

export function bumpCount(c: number | bigint): number | bigint {
  if (typeof c === 'bigint') return (c + 1n) & ((1n << 64n) - 1n);
  return c + 1 > Number.MAX_SAFE_INTEGER ? BigInt(c) + 1n : c + 1;
}

export class ConsumerGroup {
  readonly pel = new Map<bigint, Nack>();
  readonly pelOrder = new SortedIds();
  readonly consumers = new Map<string, Consumer>();

  constructor(
    readonly name: string,
    public lastId: bigint,
    public entriesRead: bigint,
  ) {}

  /** The consumer, created (with seen-time `now`) if missing. */
  consumer(name: string, now: number, refresh: boolean): Consumer {
    let c = this.consumers.get(name);
    if (c === undefined) {
      c = { name, seenTime: now, pending: new SortedIds() };
      this.consumers.set(name, c);
    } else if (refresh) {
      c.seenTime = now;
    }
    return c;
  }

  /** Removes a NACK from the group and its consumer. */
  ack(id: bigint): boolean {
    const nack = this.pel.get(id);
    if (nack === undefined) return false;
    this.pel.delete(id);
    this.pelOrder.remove(id);
    nack.consumer.pending.remove(id);
    return true;
  }

  /** Deletes a consumer and its pending entries; returns how many it had. */
  deleteConsumer(name: string): number {
    const c = this.consumers.get(name);
    if (c === undefined) return 0;
    const n = c.pending.size;
    for (const id of c.pending.a) {
      this.pel.delete(id);
      this.pelOrder.remove(id);
    }
    this.consumers.delete(name);
    return n;
  }

  /** Moves (or creates) the NACK for `id` to `consumer`. */
  assign(id: bigint, nack: Nack, consumer: Consumer): void {
    if (nack.consumer !== consumer) {
      nack.consumer.pending.remove(id);
      consumer.pending.insert(id);
      nack.consumer = consumer;
    }
  }

  sortedConsumers(): Consumer[] {
    return [...this.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

// ---------------------------------------------------------------------------

export type TrimStrategy = 'maxlen' | 'minid';

export interface TrimArgs {
  strategy: TrimStrategy;
  maxlen: number;
  minid: bigint;
  approx: boolean;
  /** 0 = no limit. */
  limit: number;
}

export class StreamValue implements TypedValue {
  readonly type = 'stream' as const;
  length = 0;
  lastId = 0n;
  /** recorded-first-entry-id: the first live entry, 0-0 when empty. */
  firstId = 0n;
  maxDeletedId = 0n;
  entriesAdded = 0n;
  /** Redis's listpack nodes in ID order, each holding its live entries (structures/stream-node.ts). */
  nodes: StreamNode[] = [];
  readonly groups = new Map<string, ConsumerGroup>();

  encoding(): string {
    return 'stream';
  }

  size(): number {
    return this.length;
  }

  clone(): TypedValue {
    return deserializeStream(this.serialize());
  }

  memoryUsage(samples: number): number {
    // A rough estimate: listpack bytes of every node plus the rax and groups.
    let bytes = 64;
    const nodes = this.nodes;
    const step = samples > 0 && nodes.length > samples ? nodes.length / samples : 1;
    let sampled = 0;
    let sum = 0;
    for (let i = 0; i < nodes.length; i += step) {
      sum += nodeBytes(nodes[Math.floor(i)]) + 48;
      sampled++;
    }
    if (sampled > 0) bytes += (sum / sampled) * nodes.length;
    for (const g of this.groups.values()) bytes += 64 + g.name.length + g.pel.size * 80 + g.consumers.size * 64;
    return Math.round(bytes);
  }

  // ---- entries ----

  /** The fields of a live entry, or null. */
  get(id: bigint): string[] | null {
    const ni = this.nodeIndexOf(id);
    if (ni < 0) return null;
    const e = entriesOf(this.nodes[ni]);
    const i = lowerBound(e.ids, id);
    return i < e.ids.length && e.ids[i] === id ? e.vals[i] : null;
  }

  has(id: bigint): boolean {
    return this.get(id) !== null;
  }

  /** The ID of the last live entry (streamLastValidID), 0-0 when empty. */
  lastValidId(): bigint {
    // Every node holds at least one live entry (a node whose last one goes is removed).
    if (this.nodes.length === 0) return 0n;
    const e = entriesOf(this.nodes[this.nodes.length - 1]);
    return e.ids.length === 0 ? 0n : e.ids[e.ids.length - 1];
  }

  /**
   * Visits live entries with start <= id <= end in order (or reverse), at
   * most `count` (0 = all). Returns how many were visited.
   */
  range(start: bigint, end: bigint, rev: boolean, count: number, visit: (id: bigint, fields: string[]) => void): number {
    if (start > end || this.nodes.length === 0) return 0;
    const nodes = this.nodes;
    let n = 0;
    if (!rev) {
      for (let k = Math.max(0, this.nodeIndexOf(start)); k < nodes.length && nodes[k].master <= end; k++) {
        const e = entriesOf(nodes[k]);
        for (let i = lowerBound(e.ids, start); i < e.ids.length; i++) {
          if (e.ids[i] > end) return n;
          visit(e.ids[i], e.vals[i]);
          if (++n === count) return n;
        }
      }
    } else {
      for (let k = this.nodeIndexOf(end); k >= 0; k--) {
        const e = entriesOf(nodes[k]);
        let i = lowerBound(e.ids, end);
        if (i >= e.ids.length || e.ids[i] > end) i--;
        for (; i >= 0; i--) {
          if (e.ids[i] < start) return n;
          visit(e.ids[i], e.vals[i]);
          if (++n === count) return n;
        }
      }
    }
    return n;
  }

  /** Appends an entry whose ID is already known to be greater than lastId. */
  append(id: bigint, fv: string[]): void {
    const e = open(this.addToNode(id, fv));
    e.ids.push(id);
    e.vals.push(fv);
    if (this.length === 0) this.firstId = id;
    this.length++;
    this.lastId = id;
    this.entriesAdded++;
  }

  /** Node bookkeeping for an append (streamAppendItem's node choice and listpack growth); returns the node. */
  private addToNode(id: bigint, fv: string[]): StreamNode {
    const numFields = fv.length / 2;
    let totalLen = 0;
    for (const s of fv) totalLen += s.length;
    let node: StreamNode | undefined = this.nodes[this.nodes.length - 1];
    if (node !== undefined) {
      if (nodeBytes(node) + totalLen >= STREAM_NODE_MAX_BYTES) node = undefined;
      else if (STREAM_NODE_MAX_ENTRIES !== 0 && node.live + node.deleted >= STREAM_NODE_MAX_ENTRIES) node = undefined;
    }
    if (node === undefined) {
      const fields: string[] = new Array(numFields);
      let fixed = 7 + intElementSize(numFields) + intElementSize(0);
      for (let i = 0; i < numFields; i++) {
        fields[i] = fv[2 * i];
        fixed += listpackEntrySize(fields[i]);
      }
      // The node before stops taking entries: seal it.
      if (this.nodes.length > 0) seal(this.nodes[this.nodes.length - 1]);
      node = newNode(id, fields, fixed);
      this.nodes.push(node);
    }
    let same = node.masterFields.length === numFields;
    for (let i = 0; same && i < numFields; i++) if (node.masterFields[i] !== fv[2 * i]) same = false;
    let bytes = intElementSize(same ? 2 : 0);
    bytes += intElementSize(toI64(idMs(id) - idMs(node.master)));
    bytes += intElementSize(toI64(idSeq(id) - idSeq(node.master)));
    if (!same) {
      bytes += intElementSize(numFields);
      for (let i = 0; i < fv.length; i += 2) bytes += listpackEntrySize(fv[i]);
    }
    for (let i = 1; i < fv.length; i += 2) bytes += listpackEntrySize(fv[i]);
    bytes += intElementSize(numFields + 3 + (same ? 0 : numFields + 1));
    node.fixedBytes += bytes;
    node.live++;
    node.last = id;
    return node;
  }

  /** The node holding `id` (largest master <= id), or -1. */
  private nodeIndexOf(id: bigint): number {
    const nodes = this.nodes;
    let lo = 0;
    let hi = nodes.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (nodes[mid].master <= id) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** Stores changed entries back into node k (sealed again unless it is the last node). */
  private store(k: number, e: { ids: bigint[]; vals: string[][] }): void {
    storeEntries(this.nodes[k], e, k === this.nodes.length - 1);
  }

  /** XDEL of one ID: true if it was a live entry. Does not touch firstId/maxDeletedId. */
  deleteEntry(id: bigint): boolean {
    const ni = this.nodeIndexOf(id);
    if (ni < 0) return false;
    const node = this.nodes[ni];
    const e = entriesOf(node);
    const i = lowerBound(e.ids, id);
    if (i >= e.ids.length || e.ids[i] !== id) return false;
    this.length--;
    // Deleting a node's last live entry frees the whole node.
    if (node.live === 1) {
      this.nodes.splice(ni, 1);
      return true;
    }
    e.ids.splice(i, 1);
    e.vals.splice(i, 1);
    node.live--;
    node.deleted++;
    this.store(ni, e);
    return true;
  }

  /** Sets firstId to the first live entry (after deletions at the front). */
  refreshFirstId(): void {
    if (this.length === 0 || this.nodes.length === 0) {
      this.firstId = 0n;
      return;
    }
    this.firstId = entriesOf(this.nodes[0]).ids[0];
  }

  /**
   * Trims as Redis's streamTrim: whole nodes from the front while allowed,
   * then (exact trimming only) entries inside the next node. Returns the
   * number of entries deleted.
   */
  trim(t: TrimArgs): number {
    let deleted = 0;
    while (this.nodes.length > 0) {
      if (t.strategy === 'maxlen' && this.length <= t.maxlen) break;
      const node = this.nodes[0];
      const entries = node.live;
      if (t.limit && deleted + entries > t.limit) break;
      const removeNode = t.strategy === 'maxlen' ? this.length - entries >= t.maxlen : node.last < t.minid;
      if (removeNode) {
        this.nodes.shift();
        this.length -= entries;
        deleted += entries;
        continue;
      }
      if (t.approx) break;
      // Exact trimming inside this node.
      const e = entriesOf(node);
      let removed = 0;
      while (removed < e.ids.length) {
        const stop = t.strategy === 'maxlen' ? this.length - removed <= t.maxlen : e.ids[removed] >= t.minid;
        if (stop) break;
        removed++;
      }
      if (removed > 0) {
        e.ids.splice(0, removed);
        e.vals.splice(0, removed);
        this.store(0, e);
      }
      this.length -= removed;
      node.live -= removed;
      node.deleted += removed;
      deleted += removed;
      break;
    }
    // Nothing trimmed, the first entry is the same: no need to decode the first node again (XADD MAXLEN on every add).
    if (deleted > 0) this.refreshFirstId();
    return deleted;
  }

  // ---- group counters (Redis 7's entries_read / lag) ----

  /** streamRangeHasTombstones(start, +inf). */
  hasTombstonesFrom(start: bigint): boolean {
    if (this.length === 0 || this.maxDeletedId === 0n) return false;
    if (this.firstId > this.maxDeletedId) return false;
    return start <= this.maxDeletedId;
  }

  /** streamEstimateDistanceFromFirstEverEntry; -1 when unknown. */
  estimateDistance(id: bigint): bigint {
    if (this.entriesAdded === 0n) return 0n;
    if (this.length === 0 && id <= this.lastId) return this.entriesAdded;
    if (id === this.lastId) return this.entriesAdded;
    if (id > this.lastId) return INVALID_ENTRIES_READ;
    if (this.maxDeletedId === 0n || this.maxDeletedId < this.firstId) {
      if (id < this.firstId) return this.entriesAdded - BigInt(this.length);
      if (id === this.firstId) return this.entriesAdded - BigInt(this.length) + 1n;
    }
    return INVALID_ENTRIES_READ;
  }

  /** A group's lag, or null when it cannot be known. */
  lag(g: ConsumerGroup): bigint | null {
    if (this.entriesAdded === 0n) return 0n;
    if (g.entriesRead !== INVALID_ENTRIES_READ && !this.hasTombstonesFrom(g.lastId)) return this.entriesAdded - g.entriesRead;
    const read = this.estimateDistance(g.lastId);
    return read === INVALID_ENTRIES_READ ? null : this.entriesAdded - read;
  }

  /** Moves a group's last-delivered ID forward to `id` while delivering it, keeping entries_read. */
  advanceGroup(g: ConsumerGroup, id: bigint): void {
    if (g.entriesRead !== INVALID_ENTRIES_READ && !this.hasTombstonesFrom(id)) g.entriesRead++;
    else if (this.entriesAdded !== 0n) g.entriesRead = this.estimateDistance(id);
    g.lastId = id;
  }

  // ---- rax shape, for XINFO ----

  /**
   * The node count of Redis's radix tree over the 16-byte big-endian master
   * IDs: compressed runs and branch points, plus one node per key end.
   */
  raxNodeCount(): number {
    const keys = this.nodes.map((n) => {
      const b = Buffer.alloc(16);
      b.writeBigUInt64BE(idMs(n.master), 0);
      b.writeBigUInt64BE(idSeq(n.master), 8);
      return b;
    });
    const count = (lo: number, hi: number, depth: number): number => {
      // keys[lo..hi) share the first `depth` bytes; all keys are 16 bytes long.
      if (depth === 16) return 1;
      const first = keys[lo][depth];
      let allSame = true;
      for (let i = lo + 1; i < hi; i++) if (keys[i][depth] !== first) allSame = false;
      if (allSame) {
        // A compressed node covering the common prefix.
        let d = depth + 1;
        outer: for (; d < 16; d++) {
          const c = keys[lo][d];
          for (let i = lo + 1; i < hi; i++) if (keys[i][d] !== c) break outer;
        }
        return 1 + count(lo, hi, d);
      }
      // A branch node: one child per distinct byte.
      let total = 1;
      let i = lo;
      while (i < hi) {
        let j = i + 1;
        while (j < hi && keys[j][depth] === keys[i][depth]) j++;
        total += count(i, j, depth + 1);
        i = j;
      }
      return total;
    };
    return keys.length === 0 ? 1 : count(0, keys.length, 0);
  }

  // ---- serialization ----

  serialize(): string {
    const w = new SerialWriter();
    w.num(this.lastId).num(this.firstId).num(this.maxDeletedId).num(this.entriesAdded);
    w.num(this.length);
    for (const node of this.nodes) {
      const e = entriesOf(node);
      for (let i = 0; i < e.ids.length; i++) {
        const f = e.vals[i];
        w.num(e.ids[i]).num(f.length);
        for (const s of f) w.str(s);
      }
    }
    w.num(this.nodes.length);
    for (const n of this.nodes) {
      w.num(n.master).num(n.last).num(n.live).num(n.deleted).num(n.fixedBytes).num(n.masterFields.length);
      for (const f of n.masterFields) w.str(f);
    }
    w.num(this.groups.size);
    for (const g of this.groups.values()) {
      w.str(g.name).num(g.lastId).num(g.entriesRead).num(g.consumers.size);
      for (const c of g.consumers.values()) w.str(c.name).num(c.seenTime);
      w.num(g.pel.size);
      for (const id of g.pelOrder.a) {
        const nack = g.pel.get(id) as Nack;
        w.num(id).str(nack.consumer.name).num(nack.deliveryTime).num(nack.deliveryCount);
      }
    }
    return w.toString();
  }
}

export function deserializeStream(payload: string): StreamValue {
  const r = new SerialReader(payload);
  const s = new StreamValue();
  const lastId = r.bigint();
  const firstId = r.bigint();
  const maxDeletedId = r.bigint();
  const entriesAdded = r.bigint();
  const n = r.num();
  const ids: bigint[] = new Array(n);
  const vals: string[][] = new Array(n);
  for (let i = 0; i < n; i++) {
    ids[i] = r.bigint();
    const k = r.num();
    const f: string[] = new Array(k);
    for (let j = 0; j < k; j++) f[j] = r.str();
    vals[i] = f;
  }
  s.length = n;
  s.lastId = lastId;
  s.firstId = firstId;
  s.maxDeletedId = maxDeletedId;
  s.entriesAdded = entriesAdded;
  const nn = r.num();
  let at = 0;
  for (let i = 0; i < nn; i++) {
    const master = r.bigint();
    const last = r.bigint();
    const live = r.num();
    const deleted = r.num();
    const fixedBytes = r.num();
    const k = r.num();
    const masterFields: string[] = new Array(k);
    for (let j = 0; j < k; j++) masterFields[j] = r.str();
    const node: StreamNode = { ...newNode(master, masterFields, fixedBytes), last, live, deleted };
    // The node's entries are the next `live` ones (entries are serialized in ID order).
    storeEntries(node, { ids: ids.slice(at, at + live), vals: vals.slice(at, at + live) }, i === nn - 1);
    at += live;
    s.nodes.push(node);
  }
  const ng = r.num();
  for (let i = 0; i < ng; i++) {
    const g = new ConsumerGroup(r.str(), r.bigint(), r.bigint());
    const nc = r.num();
    for (let j = 0; j < nc; j++) {
      const name = r.str();
      g.consumers.set(name, { name, seenTime: r.num(), pending: new SortedIds() });
    }
    const np = r.num();
    for (let j = 0; j < np; j++) {
      const id = r.bigint();
      const consumer = g.consumers.get(r.str()) as Consumer;
      const deliveryTime = r.num();
      const dc = r.bigint();
      const deliveryCount = dc > BigInt(Number.MAX_SAFE_INTEGER) ? dc : Number(dc);
      g.pel.set(id, { consumer, deliveryTime, deliveryCount });
      g.pelOrder.a.push(id);
      consumer.pending.a.push(id);
    }
    s.groups.set(g.name, g);
  }
  return s;
}

registerValueType('stream', deserializeStream);
