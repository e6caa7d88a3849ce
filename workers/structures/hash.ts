/**
 * The hash value: field -> value, both latin1 strings.
 *
 * Two representations, mirroring Redis 7.0's encodings so OBJECT ENCODING
 * and the reply order of small hashes match:
 * - listpack (small): every field and value packed into ONE string
 *   (structures/packed.ts), field then value, in insertion order; deleting
 *   closes the gap. Lookups walk the entries: O(n) on the small n a listpack
 *   is allowed (hash-max-listpack-entries), as a real listpack is. A hash of
 *   ten short fields costs one object and one string instead of a Map, two
 *   arrays and twenty strings.
 * - hashtable (once more than hash-max-listpack-entries entries or a field
 *   or value longer than hash-max-listpack-value bytes was stored; never
 *   converted back): an EntryTable (structures/entry-table.ts), one string
 *   per entry at dense positions under a typed-array index. Dense positions give O(1) random picks
 *   (HRANDFIELD) and a cursor that is just a position (HSCAN), like
 *   workers/db.ts does for keys. Deleting swaps the last entry into the hole,
 *   O(1); HSCAN walks positions from the top down, so a deletion only moves
 *   an already visited entry and every field present for the whole scan is
 *   returned at least once (Redis's SCAN guarantee).
 */
import { LIMITS } from './encoding-limits';
import { SerialReader, SerialWriter } from '../serial';
import { registerValueType, type TypedValue } from '../value';
import { allocSize } from './alloc-size';
import * as packed from './packed';
import { EntryTable } from './entry-table';
import { listpackEntrySize } from '../../src/core/rdb/listpack';

export class HashValue implements TypedValue {
  /** Listpack: the packed entries (field, value, field, value, ...); null once a hashtable. */
  private packed: string | null = '';
  /** Listpack: the number of fields. */
  private count = 0;
  /** Hashtable: the entries (structures/entry-table.ts); null while a listpack. */
  private table: EntryTable | null = null;

  get type(): 'hash' {
    return 'hash';
  }

  encoding(): string {
    return this.packed !== null ? 'listpack' : 'hashtable';
  }

  get isListpack(): boolean {
    return this.packed !== null;
  }

  size(): number {
    return this.packed !== null ? this.count : (this.table as EntryTable).size;
  }

  /** Position in `packed` of the field entry equal to `field`, or -1. */
  private find(field: string): number {
    const p = this.packed as string;
    let pos = 0;
    for (let i = 0; i < this.count; i++) {
      if (packed.entryEquals(p, pos, field)) return pos;
      pos = packed.skipEntry(p, packed.skipEntry(p, pos));
    }
    return -1;
  }

  get(field: string): string | undefined {
    if (this.packed !== null) {
      const pos = this.find(field);
      return pos < 0 ? undefined : packed.entryAt(this.packed, packed.skipEntry(this.packed, pos));
    }
    return (this.table as EntryTable).get(field);
  }

  has(field: string): boolean {
    return this.packed !== null ? this.find(field) >= 0 : (this.table as EntryTable).find(field) >= 0;
  }

  /** Every field and value, in the hash's order. */
  forEach(visit: (field: string, value: string) => void): void {
    if (this.packed !== null) {
      const p = this.packed;
      let pos = 0;
      for (let i = 0; i < this.count; i++) {
        const f = packed.entryAt(p, pos);
        pos = packed.skipEntry(p, pos);
        const v = packed.entryAt(p, pos);
        pos = packed.skipEntry(p, pos);
        visit(f, v);
      }
      return;
    }
    const t = this.table as EntryTable;
    for (let i = 0; i < t.size; i++) visit(t.fieldAt(i), t.valueAt(i));
  }

  /** Fields and values as parallel arrays in the hash's order (a listpack's, for HSET's batch rebuild). */
  private arrays(): { fields: string[]; vals: string[] } {
    const fields: string[] = [];
    const vals: string[] = [];
    this.forEach((f, v) => {
      fields.push(f);
      vals.push(v);
    });
    return { fields, vals };
  }

  /**
   * Random access to the entries by position, 0..size-1 (HRANDFIELD): a
   * listpack is decoded once for all picks, a hashtable is read in place.
   */
  positions(): { fieldAt(i: number): string; valueAt(i: number): string } {
    if (this.table !== null) return this.table;
    const { fields, vals } = this.arrays();
    return { fieldAt: (i) => fields[i], valueAt: (i) => vals[i] };
  }

  /**
   * Sets a field; returns true when it was created. Converts to hashtable as
   * Redis 7.0's hashTypeSet does: a field or value over the length limit, or
   * more entries than the listpack limit.
   */
  set(field: string, value: string): boolean {
    if (this.packed !== null && (field.length > LIMITS.hashMaxListpackValue || value.length > LIMITS.hashMaxListpackValue)) this.toHashtable();
    if (this.packed !== null) {
      const p = this.packed;
      const pos = this.find(field);
      packed.begin();
      if (pos >= 0) {
        const vpos = packed.skipEntry(p, pos);
        packed.copyRange(p, 0, vpos);
        packed.pushEntry(value);
        packed.copyRange(p, packed.skipEntry(p, vpos), p.length);
        this.packed = packed.end();
        return false;
      }
      packed.copyRange(p, 0, p.length);
      packed.pushEntry(field);
      packed.pushEntry(value);
      this.packed = packed.end();
      this.count++;
      if (this.count > LIMITS.hashMaxListpackEntries) this.toHashtable();
      return true;
    }
    return (this.table as EntryTable).set(field, value);
  }

  /**
   * HSET's pairs `args[from], args[from + 1], ...` in one step; returns how
   * many fields were created. A listpack is rebuilt once for all of them,
   * not once per pair (no string per intermediate state to collect).
   */
  setPairs(args: readonly string[], from: number): number {
    let created = 0;
    if (this.packed !== null && args.length - from > 2) {
      let fits = true;
      for (let i = from; i < args.length; i++) if (args[i].length > LIMITS.hashMaxListpackValue) fits = false;
      if (fits) {
        const { fields, vals } = this.arrays();
        for (let i = from; i + 1 < args.length; i += 2) {
          const at = fields.indexOf(args[i]);
          if (at >= 0) {
            vals[at] = args[i + 1];
          } else {
            fields.push(args[i]);
            vals.push(args[i + 1]);
            created++;
          }
        }
        packed.begin();
        for (let i = 0; i < fields.length; i++) {
          packed.pushEntry(fields[i]);
          packed.pushEntry(vals[i]);
        }
        this.packed = packed.end();
        this.count = fields.length;
        if (this.count > LIMITS.hashMaxListpackEntries) this.toHashtable();
        return created;
      }
    }
    for (let i = from; i + 1 < args.length; i += 2) if (this.set(args[i], args[i + 1])) created++;
    return created;
  }

  delete(field: string): boolean {
    if (this.packed !== null) {
      const p = this.packed;
      const pos = this.find(field);
      if (pos < 0) return false;
      const after = packed.skipEntry(p, packed.skipEntry(p, pos));
      packed.begin();
      packed.copyRange(p, 0, pos);
      packed.copyRange(p, after, p.length);
      this.packed = packed.end();
      this.count--;
      return true;
    }
    return (this.table as EntryTable).delete(field);
  }

  /** The listpack's entries move into a hashtable, for good (as Redis's hashTypeConvert). */
  private toHashtable(): void {
    const table = new EntryTable();
    this.forEach((f, v) => table.set(f, v));
    this.table = table;
    this.packed = null;
    this.count = 0;
  }

  /**
   * One HSCAN step over a hashtable-encoded hash (a listpack one is answered
   * whole by the caller). `cursor` 0 starts, otherwise it is (position + 1) of
   * the next entry; visits up to `count` entries downward; returns the next
   * cursor, 0 when done.
   */
  scan(cursor: bigint, count: number, visit: (field: string, value: string) => void): bigint {
    const t = this.table as EntryTable;
    const n = t.size;
    let pos = cursor === 0n || cursor > BigInt(n) ? n - 1 : Number(cursor) - 1;
    let budget = Math.max(1, count);
    while (pos >= 0 && budget > 0) {
      visit(t.fieldAt(pos), t.valueAt(pos));
      pos--;
      budget--;
    }
    return pos < 0 ? 0n : BigInt(pos + 1);
  }

  clone(): HashValue {
    const h = new HashValue();
    h.packed = this.packed;
    h.count = this.count;
    if (this.table !== null) h.table = this.table.clone();
    return h;
  }

  serialize(): string {
    const w = new SerialWriter();
    w.str(this.packed !== null ? 'l' : 'h');
    this.forEach((f, v) => w.str(f).str(v));
    return w.toString();
  }

  static deserialize(payload: string): HashValue {
    const r = new SerialReader(payload);
    const h = new HashValue();
    const listpack = r.str() === 'l';
    const entries: string[] = [];
    while (!r.done) entries.push(r.str(), r.str());
    if (listpack) {
      h.packed = packed.pack(entries);
      h.count = entries.length / 2;
    } else {
      const table = new EntryTable();
      for (let i = 0; i < entries.length; i += 2) table.set(entries[i], entries[i + 1]);
      h.packed = null;
      h.table = table;
    }
    return h;
  }

  /** Redis 7.0's MEMORY USAGE estimate: the listpack's allocation, or the dict plus sampled entries. */
  memoryUsage(samples: number): number {
    if (this.packed !== null) {
      let bytes = 7; // header + end byte
      this.forEach((f, v) => (bytes += listpackEntrySize(f) + listpackEntrySize(v)));
      return 16 + allocSize(bytes);
    }
    const t = this.table as EntryTable;
    const n = t.size;
    let slots = 4;
    while (slots < n) slots *= 2;
    const take = samples === 0 ? n : Math.min(samples, n);
    let sampled = 0;
    for (let i = 0; i < take; i++) sampled += sdsAlloc(t.fieldAt(i)) + sdsAlloc(t.valueAt(i)) + 24;
    // 88: the dict header as Redis 7.0 counts it (measured on redis-server 7.0.15).
    return 16 + 88 + 8 * slots + (take === 0 ? 0 : Math.floor((sampled / take) * n));
  }
}

function sdsAlloc(s: string): number {
  const n = s.length;
  const header = n > 0 && n < 32 ? 1 : n < 256 ? 3 : n < 65536 ? 5 : 9;
  return allocSize(header + n + 1);
}

registerValueType('hash', HashValue.deserialize);
