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
 * a cursor that is a position for HSCAN) in a DenseIndex
 * (structures/dense-index.ts); deleting moves the last entry into the hole.
 */
import { readHead } from './packed';
import * as packed from './packed';
import { DenseIndex } from './dense-index';

export class EntryTable {
  private index = new DenseIndex(true);

  get size(): number {
    return this.index.size;
  }

  /** The position of `field`, or -1. */
  find(field: string): number {
    return this.index.find(field);
  }

  fieldAt(i: number): string {
    const e = this.index.items[i];
    const head = readHead(e, 0);
    return e.slice(head.start, head.start + head.len);
  }

  valueAt(i: number): string {
    const e = this.index.items[i];
    const head = readHead(e, 0);
    return e.slice(head.start + head.len);
  }

  get(field: string): string | undefined {
    const i = this.index.find(field);
    return i < 0 ? undefined : this.valueAt(i);
  }

  /** Sets a field; true when it was created. */
  set(field: string, value: string): boolean {
    const i = this.index.find(field);
    if (i >= 0) {
      this.index.replace(i, entryOf(field, value));
      return false;
    }
    this.index.add(field, entryOf(field, value));
    return true;
  }

  /** Deletes a field; true when it was there. */
  delete(field: string): boolean {
    const i = this.index.find(field);
    if (i < 0) return false;
    this.index.removeAt(i);
    return true;
  }

  clone(): EntryTable {
    const t = new EntryTable();
    t.index = this.index.clone();
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
