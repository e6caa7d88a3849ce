/**
 * The set value: distinct latin1 members.
 *
 * Two representations, mirroring Redis 7.0's encodings so OBJECT ENCODING and
 * reply order match:
 * - intset while every member is a canonical 64-bit integer and there are at
 *   most set-max-intset-entries (512) of them: the members sorted in one
 *   packed string (structures/intset.ts), so whole-set replies (SMEMBERS,
 *   SUNION, SSCAN, ...) come back in numeric order as Redis's do.
 * - hashtable otherwise: a DenseIndex (structures/dense-index.ts) of the
 *   members at dense positions, found through a typed-array hash table.
 *   Removing moves the last member into the hole, so positions stay dense: SRANDMEMBER/SPOP pick a random position in O(1), and
 *   SSCAN's cursor is just a position (walked from the top down, like
 *   workers/db.ts does for keys: a removal only moves an already visited
 *   member, so every member present for the whole scan is returned at least
 *   once). Redis never converts back, except for values it builds from
 *   scratch (SINTERSTORE & co., SMOVE's new destination, SPOP's "keep the
 *   remaining few" strategy), which start as intsets again.
 */
import { isCanonicalInt64 } from '../../src/core/args/parse';
import { LIMITS } from './encoding-limits';
import { SerialReader, SerialWriter } from '../serial';
import { registerValueType, type TypedValue } from '../value';
import { allocSize } from './alloc-size';
import { DenseIndex } from './dense-index';
import {
  EMPTY_INTSET,
  flat,
  intsetGet,
  intsetInsert,
  intsetLength,
  intsetMembers,
  intsetOf,
  intsetRemoveAt,
  intsetSearch,
  widthOf,
} from './intset';

/** Members that string2ll prints back identically (no sign but '-', no leading zeros, within int64) go in an intset. */
export const isIntsetMember = isCanonicalInt64;

/** A hashtable-encoded set's members. */
function tableOf(members: readonly string[]): DenseIndex {
  const t = new DenseIndex(false);
  for (const m of members) t.add(m, m);
  return t;
}

export class SetValue implements TypedValue {
  /**
   * The intset's packed members (a string), or the hashtable. One field: a
   * small set is this object and one string, and 100k small sets are 100k of
   * each (a second field cost 8 bytes per set).
   */
  private data: string | DenseIndex = EMPTY_INTSET;

  /** The intset, or null once a hashtable. */
  private get ints(): string | null {
    return typeof this.data === 'string' ? this.data : null;
  }

  private get table(): DenseIndex {
    return this.data as DenseIndex;
  }

  /** A hashtable's members at their positions (shared: read only). */
  private get members(): string[] {
    return this.table.items;
  }

  get type(): 'set' {
    return 'set';
  }

  encoding(): string {
    return this.ints !== null ? 'intset' : 'hashtable';
  }

  size(): number {
    return this.ints !== null ? intsetLength(this.ints) : this.table.size;
  }

  has(member: string): boolean {
    if (this.ints !== null) return isIntsetMember(member) && intsetSearch(this.ints, BigInt(member)) >= 0;
    return this.table.find(member) >= 0;
  }

  /** Adds a member; false if it was already there. Converts to hashtable as Redis 7.0 does. */
  add(member: string): boolean {
    if (this.ints !== null) {
      if (isIntsetMember(member)) {
        const v = BigInt(member);
        if (intsetSearch(this.ints, v) >= 0) return false;
        if (intsetLength(this.ints) < LIMITS.setMaxIntsetEntries) {
          this.data = flat(intsetInsert(this.ints, v));
          return true;
        }
      }
      this.toHashtable();
    }
    const table = this.table;
    if (table.find(member) >= 0) return false;
    table.add(member, member);
    return true;
  }

  /** Removes a member; false if it was not there. */
  remove(member: string): boolean {
    if (this.ints !== null) {
      if (!isIntsetMember(member)) return false;
      const i = intsetSearch(this.ints, BigInt(member));
      if (i < 0) return false;
      this.data = flat(intsetRemoveAt(this.ints, i));
      return true;
    }
    const i = this.table.find(member);
    if (i < 0) return false;
    this.table.removeAt(i);
    return true;
  }

  /** The intset's members move into a hashtable, for good (as Redis's setTypeConvert). */
  private toHashtable(): void {
    this.data = tableOf(intsetMembers(this.ints as string));
  }

  /** A uniformly random member (the set must not be empty). */
  random(): string {
    if (this.ints !== null) return String(intsetGet(this.ints, Math.floor(Math.random() * intsetLength(this.ints))));
    const members = this.members;
    return members[Math.floor(Math.random() * members.length)];
  }

  /** Mean member length in bytes, from a sample of at most 1000 members (sizing huge replies). */
  averageLength(): number {
    const members = this.ints !== null ? intsetMembers(this.ints) : this.members;
    const n = members.length;
    const step = Math.max(1, Math.floor(n / 1000));
    let total = 0;
    let seen = 0;
    for (let i = 0; i < n; i += step) {
      total += members[i].length;
      seen++;
    }
    return seen === 0 ? 0 : Math.ceil(total / seen);
  }

  /** Removes and returns a uniformly random member (the set must not be empty). */
  popRandom(): string {
    if (this.ints !== null) {
      const i = Math.floor(Math.random() * intsetLength(this.ints));
      const m = String(intsetGet(this.ints, i));
      this.data = flat(intsetRemoveAt(this.ints, i));
      return m;
    }
    const members = this.members;
    const i = Math.floor(Math.random() * members.length);
    const m = members[i];
    this.table.removeAt(i);
    return m;
  }

  /**
   * The members in the order Redis iterates them: numeric for an intset,
   * storage order for a hashtable (Redis's own is its dict order, also
   * unspecified). A hashtable's array is shared: callers must not modify it
   * and must not hold it across changes to the set.
   */
  ordered(): readonly string[] {
    return this.ints !== null ? intsetMembers(this.ints) : this.members;
  }

  /**
   * `count` distinct random members (count < size): a partial shuffle of a
   * copy when most of the set is wanted, else rejection sampling, so the cost
   * is O(min(size, count)) either way.
   */
  randomDistinct(count: number): string[] {
    const members = this.ordered();
    const n = members.length;
    if (count * 3 > n) {
      const copy = members.slice();
      for (let i = 0; i < count; i++) {
        const j = i + Math.floor(Math.random() * (n - i));
        const t = copy[i];
        copy[i] = copy[j];
        copy[j] = t;
      }
      copy.length = count;
      return copy;
    }
    const picked = new Set<number>();
    while (picked.size < count) picked.add(Math.floor(Math.random() * n));
    const out: string[] = [];
    for (const i of picked) out.push(members[i]);
    return out;
  }

  /**
   * Re-derives the encoding as if the set had just been built from its
   * members (Redis's SPOP keeps the few remaining members in a new set).
   */
  reencodeFresh(): void {
    if (this.ints !== null) return;
    const members = this.members;
    if (members.length > LIMITS.setMaxIntsetEntries || !members.every(isIntsetMember)) return;
    this.data = intsetOf(members);
  }

  /**
   * One SSCAN step over a hashtable: `cursor` 0 starts, otherwise it is
   * (position + 1) of the next member to visit. Visits about `count`
   * positions downward; returns the next cursor (0 when done).
   */
  scan(cursor: number, count: number, visit: (member: string) => void): number {
    const members = this.members;
    let pos = cursor === 0 ? members.length - 1 : Math.min(cursor - 1, members.length - 1);
    let budget = Math.max(1, count);
    while (pos >= 0 && budget > 0) {
      visit(members[pos]);
      pos--;
      budget--;
    }
    return pos < 0 ? 0 : pos + 1;
  }

  clone(): SetValue {
    const c = new SetValue();
    c.data = typeof this.data === 'string' ? this.data : this.data.clone();
    return c;
  }

  sortElements(): string[] {
    return this.ordered().slice();
  }

  serialize(): string {
    const w = new SerialWriter();
    w.str(this.ints !== null ? 'i' : 'h');
    for (const m of this.ordered()) w.str(m);
    return w.toString();
  }

  static deserialize(payload: string): SetValue {
    const r = new SerialReader(payload);
    const s = new SetValue();
    const intset = r.str() === 'i';
    const members: string[] = [];
    while (!r.done) members.push(r.str());
    s.data = intset ? intsetOf(members) : tableOf(members);
    return s;
  }

  /** Redis 7.0's MEMORY USAGE estimate: the intset's allocation, or the dict plus sampled members. */
  memoryUsage(samples: number): number {
    if (this.ints !== null) return 16 + allocSize(8 + widthOf(this.ints) * intsetLength(this.ints));
    const members = this.members;
    const n = members.length;
    let slots = 4;
    while (slots < n) slots *= 2;
    const take = samples === 0 ? n : Math.min(samples, n);
    let sampled = 0;
    for (let i = 0; i < take; i++) sampled += 24 + sdsAlloc(members[n - 1 - i]);
    return 16 + 56 + 8 * slots + (take === 0 ? 0 : (sampled / take) * n);
  }
}

/** Allocation of an sds copy of s (sdsdup picks the smallest header type). */
function sdsAlloc(s: string): number {
  const n = s.length;
  const header = n > 0 && n < 32 ? 1 : n < 256 ? 3 : n < 65536 ? 5 : 9;
  return allocSize(header + n + 1);
}

registerValueType('set', (payload) => SetValue.deserialize(payload));
