/**
 * The set value: distinct latin1 members.
 *
 * Layout: `index` maps a member to its position in the dense array `members`.
 * Removing swaps the last member into the hole, so the array stays dense:
 * SRANDMEMBER/SPOP pick a random position in O(1), and SSCAN's cursor is just a
 * position (walked from the top down, like workers/db.ts does for keys: a
 * removal only moves an already visited member, so every member present for
 * the whole scan is returned at least once).
 *
 * Encoding, mirroring Redis 7.0 so OBJECT ENCODING and reply order match:
 * - intset while every member is a canonical 64-bit integer and there are at
 *   most 512 of them (set-max-intset-entries). Redis keeps an intset sorted,
 *   so whole-set replies (SMEMBERS, SUNION, SSCAN, ...) come back in numeric
 *   order; here the sorted order is computed on demand and cached until the
 *   next change (at most 512 members).
 * - hashtable otherwise. Redis never converts back, except for values it
 *   builds from scratch (SINTERSTORE & co., SMOVE's new destination, SPOP's
 *   "keep the remaining few" strategy), which start as intsets again.
 */
import { SerialReader, SerialWriter } from '../serial';
import { registerValueType, type TypedValue } from '../value';
import { allocSize } from './alloc-size';

/** Redis 7.0's default set-max-intset-entries. */
export const SET_MAX_INTSET_ENTRIES = 512;

const I64_MAX_DIGITS = '9223372036854775807';
const I64_MIN_DIGITS = '9223372036854775808';

/**
 * Whether `s` is what Redis's string2ll accepts and prints back identically:
 * no sign but '-', no leading zeros, within int64. Such members go in an intset.
 */
export function isIntsetMember(s: string): boolean {
  const n = s.length;
  if (n === 0 || n > 20) return false;
  let i = 0;
  const neg = s.charCodeAt(0) === 45;
  if (neg) {
    if (n === 1) return false;
    i = 1;
  }
  const first = s.charCodeAt(i);
  if (first === 48) return n === 1; // "0" only; "-0" and "01" are not canonical
  if (first < 49 || first > 57) return false;
  for (let j = i + 1; j < n; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return false;
  }
  const digits = n - i;
  if (digits < 19) return true;
  if (digits > 19) return false;
  const body = neg ? s.slice(1) : s;
  return body <= (neg ? I64_MIN_DIGITS : I64_MAX_DIGITS);
}

/** Numeric order of two canonical int64 strings without converting them. */
function compareInts(a: string, b: string): number {
  const na = a.charCodeAt(0) === 45;
  const nb = b.charCodeAt(0) === 45;
  if (na !== nb) return na ? -1 : 1;
  // No leading zeros: among same-sign numbers, more digits means further from zero.
  let c: number;
  if (a.length !== b.length) c = a.length - b.length;
  else c = a < b ? -1 : a > b ? 1 : 0;
  return na ? -c : c;
}

/** Bytes per member of an intset holding these members (2, 4 or 8, by the widest). */
function intsetWidth(members: readonly string[]): number {
  let width = 2;
  for (const m of members) {
    if (m.length > 11) return 8;
    const v = Number(m);
    if (v < -2147483648 || v > 2147483647) return 8;
    if (v < -32768 || v > 32767) width = 4;
  }
  return width;
}

export class SetValue implements TypedValue {
  readonly type = 'set' as const;
  private members: string[] = [];
  private readonly index = new Map<string, number>();
  private intset = true;
  /** Members in numeric order while an intset; null when stale. */
  private sorted: string[] | null = null;

  encoding(): string {
    return this.intset ? 'intset' : 'hashtable';
  }

  size(): number {
    return this.members.length;
  }

  has(member: string): boolean {
    return this.index.has(member);
  }

  /** Adds a member; false if it was already there. Converts to hashtable as Redis 7.0 does. */
  add(member: string): boolean {
    if (this.index.has(member)) return false;
    this.index.set(member, this.members.length);
    this.members.push(member);
    if (this.intset) {
      if (this.members.length > SET_MAX_INTSET_ENTRIES || !isIntsetMember(member)) {
        this.intset = false;
        this.sorted = null;
      } else if (this.sorted !== null) {
        this.sorted = null;
      }
    }
    return true;
  }

  /** Removes a member; false if it was not there. */
  remove(member: string): boolean {
    const i = this.index.get(member);
    if (i === undefined) return false;
    this.removeAt(i);
    return true;
  }

  private removeAt(i: number): void {
    const members = this.members;
    const last = members.length - 1;
    this.index.delete(members[i]);
    if (i !== last) {
      const moved = members[last];
      members[i] = moved;
      this.index.set(moved, i);
    }
    members.pop();
    this.sorted = null;
  }

  /** A uniformly random member (the set must not be empty). */
  random(): string {
    return this.members[Math.floor(Math.random() * this.members.length)];
  }

  /** Mean member length in bytes, from a sample of at most 1000 members (sizing huge replies). */
  averageLength(): number {
    const n = this.members.length;
    const step = Math.max(1, Math.floor(n / 1000));
    let total = 0;
    let seen = 0;
    for (let i = 0; i < n; i += step) {
      total += this.members[i].length;
      seen++;
    }
    return seen === 0 ? 0 : Math.ceil(total / seen);
  }

  /** Removes and returns a uniformly random member (the set must not be empty). */
  popRandom(): string {
    const i = Math.floor(Math.random() * this.members.length);
    const m = this.members[i];
    this.removeAt(i);
    return m;
  }

  /**
   * The members in the order Redis iterates them: numeric for an intset,
   * storage order for a hashtable (Redis's own is its dict order, also
   * unspecified). The array is shared: callers must not modify it and must
   * not hold it across changes to the set.
   */
  ordered(): readonly string[] {
    if (!this.intset) return this.members;
    if (this.sorted === null) this.sorted = this.members.slice().sort(compareInts);
    return this.sorted;
  }

  /**
   * `count` distinct random members (count < size): a partial shuffle of a
   * copy when most of the set is wanted, else rejection sampling, so the cost
   * is O(min(size, count)) either way.
   */
  randomDistinct(count: number): string[] {
    const n = this.members.length;
    if (count * 3 > n) {
      const copy = this.members.slice();
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
    for (const i of picked) out.push(this.members[i]);
    return out;
  }

  /**
   * Re-derives the encoding as if the set had just been built from its
   * members (Redis's SPOP keeps the few remaining members in a new set).
   */
  reencodeFresh(): void {
    const n = this.members.length;
    let ints = n <= SET_MAX_INTSET_ENTRIES;
    for (let i = 0; ints && i < n; i++) ints = isIntsetMember(this.members[i]);
    this.intset = ints;
    this.sorted = null;
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
    c.members = this.members.slice();
    for (let i = 0; i < c.members.length; i++) c.index.set(c.members[i], i);
    c.intset = this.intset;
    return c;
  }

  sortElements(): string[] {
    return this.ordered().slice();
  }

  serialize(): string {
    const w = new SerialWriter();
    w.str(this.intset ? 'i' : 'h');
    for (const m of this.members) w.str(m);
    return w.toString();
  }

  static deserialize(payload: string): SetValue {
    const r = new SerialReader(payload);
    const s = new SetValue();
    const intset = r.str() === 'i';
    while (!r.done) {
      const m = r.str();
      s.index.set(m, s.members.length);
      s.members.push(m);
    }
    s.intset = intset;
    return s;
  }

  /** Redis 7.0's MEMORY USAGE estimate: the intset's allocation, or the dict plus sampled members. */
  memoryUsage(samples: number): number {
    const n = this.members.length;
    if (this.intset) return 16 + allocSize(8 + intsetWidth(this.members) * n);
    let slots = 4;
    while (slots < n) slots *= 2;
    const take = samples === 0 ? n : Math.min(samples, n);
    let sampled = 0;
    for (let i = 0; i < take; i++) sampled += 24 + sdsAlloc(this.members[n - 1 - i]);
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
