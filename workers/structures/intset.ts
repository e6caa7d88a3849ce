/**
 * Redis's intset in one latin1 string: sorted, distinct 64-bit integers in
 * fixed-width little-endian two's complement (2, 4 or 8 chars each, the
 * width of the widest member, upgraded as Redis's intsetUpgradeAndAdd does),
 * after one char that holds the width. A set of ten integers costs one string
 * of about fifty chars instead of ten strings, an array and a Map.
 *
 * Lookups are binary searches (O(log n), as Redis's intsetSearch); inserting
 * or removing rebuilds the string (O(n), as Redis's memmove).
 */

/** The intset of no members, at the narrowest width. */
export const EMPTY_INTSET = String.fromCharCode(2);

const I16_MIN = -32768n;
const I16_MAX = 32767n;
const I32_MIN = -2147483648n;
const I32_MAX = 2147483647n;

export function widthOf(set: string): number {
  return set.charCodeAt(0);
}

export function intsetLength(set: string): number {
  return (set.length - 1) / set.charCodeAt(0);
}

/** The narrowest width that holds `v`. */
function widthFor(v: bigint): number {
  if (v >= I16_MIN && v <= I16_MAX) return 2;
  if (v >= I32_MIN && v <= I32_MAX) return 4;
  return 8;
}

/** Member `i` (0-based, in order). */
export function intsetGet(set: string, i: number): bigint {
  const w = set.charCodeAt(0);
  const at = 1 + i * w;
  if (w <= 4) {
    let u = 0;
    for (let b = w - 1; b >= 0; b--) u = u * 256 + set.charCodeAt(at + b);
    const half = 2 ** (w * 8 - 1);
    return BigInt(u >= half ? u - half * 2 : u);
  }
  let u = 0n;
  for (let b = 7; b >= 0; b--) u = (u << 8n) | BigInt(set.charCodeAt(at + b));
  return u >= 1n << 63n ? u - (1n << 64n) : u;
}

/** Where `v` is (its index), or where it would go: `-(index) - 1`. */
export function intsetSearch(set: string, v: bigint): number {
  let lo = 0;
  let hi = intsetLength(set) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const m = intsetGet(set, mid);
    if (m < v) lo = mid + 1;
    else if (m > v) hi = mid - 1;
    else return mid;
  }
  return -lo - 1;
}

function encode(v: bigint, w: number): string {
  let u = v < 0n ? v + (1n << BigInt(w * 8)) : v;
  let out = '';
  for (let b = 0; b < w; b++) {
    out += String.fromCharCode(Number(u & 0xffn));
    u >>= 8n;
  }
  return out;
}

/** The set with `v` added (it must not be there yet). */
export function intsetInsert(set: string, v: bigint): string {
  const w = set.charCodeAt(0);
  const need = widthFor(v);
  if (need > w) {
    // Upgrade: every member re-encoded at the new width; v is the smallest or largest.
    const n = intsetLength(set);
    let out = String.fromCharCode(need);
    if (v < 0n) out += encode(v, need);
    for (let i = 0; i < n; i++) out += encode(intsetGet(set, i), need);
    if (v >= 0n) out += encode(v, need);
    return out;
  }
  const at = -intsetSearch(set, v) - 1;
  return set.slice(0, 1 + at * w) + encode(v, w) + set.slice(1 + at * w);
}

/** The set without member `i`. */
export function intsetRemoveAt(set: string, i: number): string {
  const w = set.charCodeAt(0);
  return set.slice(0, 1 + i * w) + set.slice(1 + (i + 1) * w);
}

/** Every member as its decimal string, in order. */
export function intsetMembers(set: string): string[] {
  const n = intsetLength(set);
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = String(intsetGet(set, i));
  return out;
}

/** An intset of distinct canonical integer strings. */
export function intsetOf(members: readonly string[]): string {
  const vals = members.map((m) => BigInt(m)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let w = 2;
  for (const v of vals) w = Math.max(w, widthFor(v));
  let out = String.fromCharCode(w);
  for (const v of vals) out += encode(v, w);
  return out;
}

/**
 * A flat copy of a string built by concatenation: V8 keeps `a + b` as a rope
 * and flattens it into a second copy on first read; stored values are made
 * flat once, here, so the rope never lingers beside them.
 */
export function flat(s: string): string {
  return Buffer.from(s, 'latin1').latin1Slice(0, s.length);
}
