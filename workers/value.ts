/**
 * What a key holds. Strings are latin1 JS strings (binary-safe, one byte per
 * char, compact). Every other data type is an object that says its type, so
 * TYPE, OBJECT ENCODING and WRONGTYPE checks need no lookup table.
 */
export interface TypedValue {
  /** The name TYPE replies with: list, set, zset, hash, stream. */
  readonly type: 'list' | 'set' | 'zset' | 'hash' | 'stream';
  /** The name OBJECT ENCODING replies with, given the current contents. */
  encoding(): string;
  /** A deep copy (COPY). */
  clone(): TypedValue;
}

export type Value = string | TypedValue;

export function typeName(v: Value): string {
  return typeof v === 'string' ? 'string' : v.type;
}

/** Redis's OBJECT ENCODING for a string value. */
export function stringEncoding(s: string): string {
  if (s.length <= 20 && /^-?[1-9][0-9]*$|^0$/.test(s)) {
    const n = BigInt(s);
    if (n >= -(2n ** 63n) && n < 2n ** 63n) return 'int';
  }
  return s.length <= 44 ? 'embstr' : 'raw';
}
