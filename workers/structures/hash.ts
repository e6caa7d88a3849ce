/**
 * The hash value: field -> value, both latin1 strings.
 *
 * Layout: `index` maps a field to its position in the parallel dense arrays
 * `fields`/`vals`. Dense arrays give O(1) random picks (HRANDFIELD) and a
 * cursor that is just a position (HSCAN), like workers/db.ts does for keys.
 *
 * Two modes, mirroring Redis 7.0's encodings so OBJECT ENCODING and the reply
 * order of small hashes match:
 * - listpack (small): entries stay in insertion order; deleting shifts the
 *   later ones down (at most 512 entries, so O(N) on a tiny N, as a real
 *   listpack is). HGETALL/HKEYS then answer in exactly Redis's order.
 * - hashtable (once more than 512 entries or a field/value longer than 64
 *   bytes was stored; never converted back): deleting swaps the last entry into
 *   the hole, O(1). HSCAN walks positions from the top down, so a deletion only
 *   moves an already visited entry and every field present for the whole scan
 *   is returned at least once (Redis's SCAN guarantee).
 */
import { SerialReader, SerialWriter } from '../serial';
import { registerValueType, type TypedValue } from '../value';
import { allocSize } from './alloc-size';

/**
 * Redis 7.0's compiled-in defaults for hash-max-listpack-entries /
 * hash-max-listpack-value (what a redis-server started without a config file
 * uses; the sample redis.conf lowers entries to 128).
 */
export const HASH_MAX_LISTPACK_ENTRIES = 512;
export const HASH_MAX_LISTPACK_VALUE = 64;

export class HashValue implements TypedValue {
  readonly type = 'hash' as const;
  private index = new Map<string, number>();
  private fields: string[] = [];
  private vals: string[] = [];
  private listpack = true;

  encoding(): string {
    return this.listpack ? 'listpack' : 'hashtable';
  }

  get isListpack(): boolean {
    return this.listpack;
  }

  size(): number {
    return this.fields.length;
  }

  get(field: string): string | undefined {
    const i = this.index.get(field);
    return i === undefined ? undefined : this.vals[i];
  }

  has(field: string): boolean {
    return this.index.has(field);
  }

  fieldAt(i: number): string {
    return this.fields[i];
  }

  valueAt(i: number): string {
    return this.vals[i];
  }

  /**
   * Sets a field; returns true when it was created. Converts to hashtable as
   * Redis 7.0's hashTypeSet does: a field or value over the length limit, or
   * more entries than the listpack limit.
   */
  set(field: string, value: string): boolean {
    if (this.listpack && (field.length > HASH_MAX_LISTPACK_VALUE || value.length > HASH_MAX_LISTPACK_VALUE)) this.listpack = false;
    const i = this.index.get(field);
    if (i !== undefined) {
      this.vals[i] = value;
      return false;
    }
    this.index.set(field, this.fields.length);
    this.fields.push(field);
    this.vals.push(value);
    if (this.fields.length > HASH_MAX_LISTPACK_ENTRIES) this.listpack = false;
    return true;
  }

  delete(field: string): boolean {
    const i = this.index.get(field);
    if (i === undefined) return false;
    this.index.delete(field);
    const last = this.fields.length - 1;
    if (this.listpack) {
      // Keep insertion order: shift the (few) later entries down.
      this.fields.splice(i, 1);
      this.vals.splice(i, 1);
      for (let j = i; j < last; j++) this.index.set(this.fields[j], j);
      return true;
    }
    if (i !== last) {
      const moved = this.fields[last];
      this.fields[i] = moved;
      this.vals[i] = this.vals[last];
      this.index.set(moved, i);
    }
    this.fields.pop();
    this.vals.pop();
    return true;
  }

  /**
   * One HSCAN step over a hashtable-encoded hash (a listpack one is answered
   * whole by the caller). `cursor` 0 starts, otherwise it is (position + 1) of
   * the next entry; visits up to `count` entries downward; returns the next
   * cursor, 0 when done.
   */
  scan(cursor: bigint, count: number, visit: (field: string, value: string) => void): bigint {
    const n = this.fields.length;
    let pos = cursor === 0n || cursor > BigInt(n) ? n - 1 : Number(cursor) - 1;
    let budget = Math.max(1, count);
    while (pos >= 0 && budget > 0) {
      visit(this.fields[pos], this.vals[pos]);
      pos--;
      budget--;
    }
    return pos < 0 ? 0n : BigInt(pos + 1);
  }

  clone(): HashValue {
    const h = new HashValue();
    h.index = new Map(this.index);
    h.fields = this.fields.slice();
    h.vals = this.vals.slice();
    h.listpack = this.listpack;
    return h;
  }

  serialize(): string {
    const w = new SerialWriter();
    w.str(this.listpack ? 'l' : 'h');
    for (let i = 0; i < this.fields.length; i++) w.str(this.fields[i]).str(this.vals[i]);
    return w.toString();
  }

  static deserialize(payload: string): HashValue {
    const r = new SerialReader(payload);
    const h = new HashValue();
    h.listpack = r.str() === 'l';
    while (!r.done) {
      const f = r.str();
      const v = r.str();
      h.index.set(f, h.fields.length);
      h.fields.push(f);
      h.vals.push(v);
    }
    return h;
  }

  /** Redis 7.0's MEMORY USAGE estimate: the listpack's allocation, or the dict plus sampled entries. */
  memoryUsage(samples: number): number {
    const n = this.fields.length;
    if (this.listpack) {
      let bytes = 7; // header + end byte
      for (let i = 0; i < n; i++) bytes += listpackEntryBytes(this.fields[i]) + listpackEntryBytes(this.vals[i]);
      return 16 + allocSize(bytes);
    }
    let slots = 4;
    while (slots < n) slots *= 2;
    const take = samples === 0 ? n : Math.min(samples, n);
    let sampled = 0;
    for (let i = 0; i < take; i++) sampled += sdsAlloc(this.fields[i]) + sdsAlloc(this.vals[i]) + 24;
    // 88: the dict header as Redis 7.0 counts it (measured on redis-server 7.0.15).
    return 16 + 88 + 8 * slots + (take === 0 ? 0 : Math.floor((sampled / take) * n));
  }
}

function sdsAlloc(s: string): number {
  const n = s.length;
  const header = n > 0 && n < 32 ? 1 : n < 256 ? 3 : n < 65536 ? 5 : 9;
  return allocSize(header + n + 1);
}

/** Bytes one listpack entry takes (encoding + data + back-length), integers encoded as Redis does. */
function listpackEntryBytes(s: string): number {
  let len: number;
  if (s.length <= 20 && /^(0|-?[1-9][0-9]*)$/.test(s)) {
    const v = BigInt(s);
    if (v >= -(2n ** 63n) && v < 2n ** 63n) {
      if (v >= 0n && v <= 127n) len = 1;
      else if (v >= -4096n && v <= 4095n) len = 2;
      else if (v >= -32768n && v <= 32767n) len = 3;
      else if (v >= -8388608n && v <= 8388607n) len = 4;
      else if (v >= -2147483648n && v <= 2147483647n) len = 5;
      else len = 9;
      return len + 1;
    }
  }
  const n = s.length;
  len = n < 64 ? 1 + n : n < 4096 ? 2 + n : 5 + n;
  const back = len < 128 ? 1 : len < 16384 ? 2 : len < 2097152 ? 3 : len < 268435456 ? 4 : 5;
  return len + back;
}

registerValueType('hash', HashValue.deserialize);
