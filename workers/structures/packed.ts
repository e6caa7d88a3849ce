/**
 * Packed entries: a sequence of latin1 strings kept in ONE flat latin1 string,
 * each entry written as its length (LEB128: 7 bits per char, low bits first,
 * high bit set on every char but the last) followed by its chars. This is
 * Shardis's listpack: a small hash, sorted set or list element run costs one
 * string object instead of a string object per element (each at least 16
 * bytes of header) plus the map or array that holds them.
 *
 * Reading walks the entries (O(n) on the small n a listpack is allowed to
 * have, as in Redis). Writing builds a new flat string in a scratch buffer:
 * concatenating strings would leave a rope (ConsString) that V8 flattens on
 * first read into a second copy, costing more memory than it saves.
 */

let scratch = Buffer.allocUnsafe(4096);
let used = 0;

/** Chars the length prefix of an entry of `n` chars takes. */
export function lengthChars(n: number): number {
  let chars = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    chars++;
  }
  return chars;
}

/** The length prefix of the entry at `pos`: its length, and where its chars start (`next`). */
export interface EntryHead {
  len: number;
  start: number;
}

const head: EntryHead = { len: 0, start: 0 };

/**
 * Reads the length prefix at `pos` into a shared object (valid until the next
 * call): entries are read in tight loops, so no object is allocated per entry.
 */
export function readHead(packed: string, pos: number): EntryHead {
  let len = 0;
  let shift = 1;
  let c = packed.charCodeAt(pos++);
  while (c >= 128) {
    len += (c - 128) * shift;
    shift *= 128;
    c = packed.charCodeAt(pos++);
  }
  head.len = len + c * shift;
  head.start = pos;
  return head;
}

/** Where the entry at `pos` ends (the next entry's position). */
export function skipEntry(packed: string, pos: number): number {
  const h = readHead(packed, pos);
  return h.start + h.len;
}

/** The entry at `pos` as a string. */
export function entryAt(packed: string, pos: number): string {
  const h = readHead(packed, pos);
  return packed.slice(h.start, h.start + h.len);
}

/** Whether the entry at `pos` equals `s` (no string is made). */
export function entryEquals(packed: string, pos: number, s: string): boolean {
  const h = readHead(packed, pos);
  return h.len === s.length && packed.startsWith(s, h.start);
}

// ---------------------------------------------------------------------------
// Building

function room(extra: number): void {
  if (used + extra <= scratch.length) return;
  let size = scratch.length * 2;
  while (size < used + extra) size *= 2;
  const next = Buffer.allocUnsafe(size);
  scratch.copy(next, 0, 0, used);
  scratch = next;
}

/** Starts building a packed string. */
export function begin(): void {
  used = 0;
}

/** Appends chars `from..to` of an existing packed string (whole entries, copied as they are). */
export function copyRange(packed: string, from: number, to: number): void {
  const n = to - from;
  if (n <= 0) return;
  room(n);
  if (n <= 32) {
    for (let i = 0; i < n; i++) scratch[used + i] = packed.charCodeAt(from + i);
  } else {
    scratch.latin1Write(packed.slice(from, to), used);
  }
  used += n;
}

/** Appends one entry (its length prefix, then its chars). */
export function pushEntry(s: string): void {
  const n = s.length;
  room(n + 5);
  let len = n;
  while (len >= 128) {
    scratch[used++] = 128 + (len % 128);
    len = Math.floor(len / 128);
  }
  scratch[used++] = len;
  if (n <= 32) {
    for (let i = 0; i < n; i++) scratch[used + i] = s.charCodeAt(i);
  } else {
    scratch.latin1Write(s, used);
  }
  used += n;
}

/** Appends raw chars (a fixed-width field such as an encoded score), no length prefix. */
export function pushRaw(s: string): void {
  const n = s.length;
  room(n);
  if (n <= 32) {
    for (let i = 0; i < n; i++) scratch[used + i] = s.charCodeAt(i);
  } else {
    scratch.latin1Write(s, used);
  }
  used += n;
}

/** The packed string built since `begin`: one flat string. */
export function end(): string {
  const out = scratch.latin1Slice(0, used);
  // A buffer grown by one huge value is not kept for good.
  if (scratch.length > 1 << 20) scratch = Buffer.allocUnsafe(4096);
  used = 0;
  return out;
}

/** A packed string of the given entries. */
export function pack(entries: readonly string[]): string {
  begin();
  for (const e of entries) pushEntry(e);
  return end();
}
