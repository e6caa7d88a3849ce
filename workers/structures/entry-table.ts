/**
 * A hash table of field -> value entries, each entry ONE string, indexed by
 * an open-addressing table of typed arrays: the storage of a big hash
 * (hashtable encoding).
 *
 * Why not a Map<field, position> beside arrays of fields and values: per
 * entry that costs a Map entry (~29 bytes), a field string and a value
 * string (16 bytes of header each) and two array slots, about 2.1x
 * redis-server's RSS for a hash of 1M short fields. Here an entry is the field
 * as a packed entry (structures/packed.ts) followed by the value's chars, so
 * one string header per entry; the index is two Int32Arrays that the garbage
 * collector does not trace.
 *
 * Entries sit at dense positions 0..size-1 (O(1) random picks for HRANDFIELD,
 * a cursor that is a position for HSCAN); deleting moves the last entry into
 * the hole. `slots` is a linear-probing table of position + 1 (0 = free) with
 * backward-shift deletion, so there are no tombstones; `hashes` keeps each
 * position's hash so growing never rehashes strings. The hash is seeded per
 * process, so field names chosen to collide cannot be prepared in advance.
 */
import { entryEquals, readHead } from './packed';
import * as packed from './packed';

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

export class EntryTable {
  private entries: string[] = [];
  private hashes = new Int32Array(8);
  private slots = new Int32Array(MIN_SLOTS);
  private mask = MIN_SLOTS - 1;

  get size(): number {
    return this.entries.length;
  }

  /** The position of `field`, or -1. */
  find(field: string): number {
    const h = hashString(field);
    const slots = this.slots;
    for (let s = h & this.mask; ; s = (s + 1) & this.mask) {
      const p = slots[s];
      if (p === 0) return -1;
      if (this.hashes[p - 1] === h && entryEquals(this.entries[p - 1], 0, field)) return p - 1;
    }
  }

  fieldAt(i: number): string {
    const e = this.entries[i];
    const head = readHead(e, 0);
    return e.slice(head.start, head.start + head.len);
  }

  valueAt(i: number): string {
    const e = this.entries[i];
    const head = readHead(e, 0);
    return e.slice(head.start + head.len);
  }

  get(field: string): string | undefined {
    const i = this.find(field);
    return i < 0 ? undefined : this.valueAt(i);
  }

  /** Sets a field; true when it was created. */
  set(field: string, value: string): boolean {
    const h = hashString(field);
    const slots = this.slots;
    let s = h & this.mask;
    for (; ; s = (s + 1) & this.mask) {
      const p = slots[s];
      if (p === 0) break;
      if (this.hashes[p - 1] === h && entryEquals(this.entries[p - 1], 0, field)) {
        this.entries[p - 1] = entryOf(field, value);
        return false;
      }
    }
    const pos = this.entries.length;
    this.entries.push(entryOf(field, value));
    if (pos === this.hashes.length) {
      const next = new Int32Array(pos * 2);
      next.set(this.hashes);
      this.hashes = next;
    }
    this.hashes[pos] = h;
    slots[s] = pos + 1;
    // Grow at a load of 3/4: probes stay short.
    if ((pos + 1) * 4 > slots.length * 3) this.rehash(slots.length * 2);
    return true;
  }

  /** Deletes a field; true when it was there. */
  delete(field: string): boolean {
    const h = hashString(field);
    let s = h & this.mask;
    for (; ; s = (s + 1) & this.mask) {
      const p = this.slots[s];
      if (p === 0) return false;
      if (this.hashes[p - 1] === h && entryEquals(this.entries[p - 1], 0, field)) break;
    }
    const pos = this.slots[s] - 1;
    this.freeSlot(s);
    const last = this.entries.length - 1;
    if (pos !== last) {
      // The last entry moves into the hole: its slot now points at `pos`.
      this.slots[this.slotOf(last)] = pos + 1;
      this.entries[pos] = this.entries[last];
      this.hashes[pos] = this.hashes[last];
    }
    this.entries.pop();
    return true;
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
    for (let pos = 0; pos < this.entries.length; pos++) {
      let s = this.hashes[pos] & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = pos + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }

  clone(): EntryTable {
    const t = new EntryTable();
    t.entries = this.entries.slice();
    t.hashes = this.hashes.slice();
    t.slots = this.slots.slice();
    t.mask = this.mask;
    return t;
  }
}

/** One entry: the field as a packed entry, then the value's chars. */
function entryOf(field: string, value: string): string {
  packed.begin();
  packed.pushEntry(field);
  packed.pushRaw(value);
  return packed.end();
}
