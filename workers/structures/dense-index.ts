/**
 * Strings at dense positions 0..size-1, found by key through an
 * open-addressing table of typed arrays (OpenIndex): the member index of a
 * big hash (structures/entry-table.ts), of a big sorted set
 * (structures/skiplist.ts) and of a big set (structures/set.ts) — those keep
 * their items in a DenseIndex's flat array.
 *
 * Why not a Map<key, position> beside an array: a Map entry costs ~29 bytes
 * per key and is traced by the garbage collector; here the index is two
 * Int32Arrays the collector does not trace. `slots` is a linear-probing
 * table of position + 1 (0 = free) with backward-shift deletion, so there
 * are no tombstones; `hashes` keeps each position's hash so growing never
 * rehashes strings. The hash is seeded per process, so keys chosen to
 * collide cannot be prepared in advance.
 *
 * Positions are dense (O(1) random picks, a scan cursor that is a position):
 * removing one moves the last item into the hole. An item is either the key
 * itself or (`packedKeys`) a packed entry of the key followed by more chars
 * (EntryTable: the field, then the value).
 */
import { entryEquals } from './packed';

const SEED = (Math.random() * 0x100000000) | 0;

/** FNV-1a over the chars, then murmur3's finalizer so linear probing sees well-spread low bits. */
export function hashString(s: string): number {
  let h = SEED ^ s.length;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const MIN_SLOTS = 16;

/**
 * The hash table part: positions 0..count-1 found by key. The owner keeps the
 * items (a flat array in DenseIndex, fixed-size pages in workers/db.ts) and
 * says how a position's key compares (`keyEquals`); positions are appended
 * with `insert` and removed with `remove`, which moves the last position into
 * the hole (the owner moves its item the same way).
 */
export abstract class OpenIndex {
  private hashes = new Int32Array(8);
  private slots = new Int32Array(MIN_SLOTS);
  private mask = MIN_SLOTS - 1;
  /** Positions indexed. */
  count = 0;

  /** Whether the item at `pos` has key `key`. */
  protected abstract keyEquals(pos: number, key: string): boolean;

  /** The slot of `key`, or the free slot where it would go (then `slots[s]` is 0). */
  private probe(key: string, h: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const p = slots[s];
      if (p === 0 || (this.hashes[p - 1] === h && this.keyEquals(p - 1, key))) return s;
    }
  }

  /** The position of `key`, or -1. */
  lookup(key: string): number {
    return this.slots[this.probe(key, hashString(key))] - 1;
  }

  /** Indexes position `count` (appended by the owner) under `key`, which must not be present. */
  insert(key: string): void {
    this.insertIfAbsent(key);
  }

  /**
   * Indexes position `count` under `key` unless `key` is present: one probe
   * for both the lookup and the insert (an RDB load's dbAddRDBLoad). True when
   * inserted (the owner then appends its item).
   */
  insertIfAbsent(key: string): boolean {
    const h = hashString(key);
    const s = this.probe(key, h);
    if (this.slots[s] !== 0) return false;
    const pos = this.count++;
    if (pos === this.hashes.length) {
      const next = new Int32Array(pos * 2);
      next.set(this.hashes);
      this.hashes = next;
    }
    this.hashes[pos] = h;
    this.slots[s] = pos + 1;
    // Grow at a load of 3/4: probes stay short.
    if ((pos + 1) * 4 > this.slots.length * 3) this.rehash(this.slots.length * 2);
    return true;
  }

  /** Unindexes position `pos`; the last position is now indexed as `pos` (the owner moves its item). */
  remove(pos: number): void {
    this.freeSlot(this.slotOf(pos));
    const last = --this.count;
    if (pos !== last) {
      this.slots[this.slotOf(last)] = pos + 1;
      this.hashes[pos] = this.hashes[last];
    }
    // Shrink at a load of 1/8 (to 1/4: growing is at 3/4), so a table that
    // emptied gives its memory back.
    if (this.slots.length > 4 * MIN_SLOTS && this.count * 8 < this.slots.length) {
      this.rehash(this.slots.length / 2);
      if (this.count * 4 < this.hashes.length) this.hashes = this.hashes.slice(0, this.hashes.length / 2);
    }
  }

  /** Empties the index, keeping its allocation when small (a pooled table is refilled soon). */
  clearIndex(): void {
    this.count = 0;
    if (this.slots.length > 1024) {
      this.slots = new Int32Array(MIN_SLOTS);
      this.mask = MIN_SLOTS - 1;
      this.hashes = new Int32Array(8);
    } else {
      this.slots.fill(0);
    }
  }

  /** The slot holding position `pos`. */
  private slotOf(pos: number): number {
    for (let s = this.hashes[pos] & this.mask; ; s = (s + 1) & this.mask) if (this.slots[s] === pos + 1) return s;
  }

  /** Empties slot `s`, shifting later members of its probe run back (no tombstones). */
  private freeSlot(s: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let hole = s;
    for (let j = (s + 1) & mask; slots[j] !== 0; j = (j + 1) & mask) {
      const home = this.hashes[slots[j] - 1] & mask;
      // Move j into the hole unless its home lies cyclically in (hole, j].
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!between) {
        slots[hole] = slots[j];
        hole = j;
      }
    }
    slots[hole] = 0;
  }

  private rehash(size: number): void {
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let pos = 0; pos < this.count; pos++) {
      let s = this.hashes[pos] & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = pos + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }

  /** Copies this index's table into `to` (same positions). */
  protected copyInto(to: OpenIndex): void {
    to.hashes = this.hashes.slice();
    to.slots = this.slots.slice();
    to.mask = this.mask;
    to.count = this.count;
  }
}

/** An OpenIndex with its items in one flat array. */
export class DenseIndex extends OpenIndex {
  /** The items at their positions; read freely, change only through the methods. */
  items: string[] = [];

  constructor(private readonly packedKeys: boolean) {
    super();
  }

  get size(): number {
    return this.items.length;
  }

  protected keyEquals(pos: number, key: string): boolean {
    const item = this.items[pos];
    return this.packedKeys ? entryEquals(item, 0, key) : item === key;
  }

  /** The position of `key`, or -1. */
  find(key: string): number {
    return this.lookup(key);
  }

  /** Appends `item` (whose key, `key`, is not present); returns its position. */
  add(key: string, item: string): number {
    this.items.push(item);
    this.insert(key);
    return this.items.length - 1;
  }

  /** Replaces the item at `pos` by one with the same key. */
  replace(pos: number, item: string): void {
    this.items[pos] = item;
  }

  /** Removes position `pos`; the last item moves into it. */
  removeAt(pos: number): void {
    this.remove(pos);
    const last = this.items.length - 1;
    if (pos !== last) this.items[pos] = this.items[last];
    this.items.pop();
  }

  clear(): void {
    this.items.length = 0;
    this.clearIndex();
  }

  clone(): DenseIndex {
    const t = new DenseIndex(this.packedKeys);
    t.items = this.items.slice();
    this.copyInto(t);
    return t;
  }
}
