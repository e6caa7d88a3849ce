/**
 * What a key holds. Strings are latin1 JS strings (binary-safe, one byte per
 * char, compact). Every other data type is an object that says its type, so
 * TYPE, OBJECT ENCODING and WRONGTYPE checks need no lookup table.
 */
import { ReplyError } from '../src/core/errors';

export interface TypedValue {
  /** The name TYPE replies with: list, set, zset, hash, stream. */
  readonly type: 'list' | 'set' | 'zset' | 'hash' | 'stream';
  /** The name OBJECT ENCODING replies with, given the current contents. */
  encoding(): string;
  /** A deep copy (COPY). */
  clone(): TypedValue;
  /**
   * The contents as one latin1 string, for moving a value between shards
   * (cross-shard RENAME/COPY/SMOVE/...). `registerValueType` names the function
   * that reads it back. See workers/serial.ts for a length-prefixed format.
   */
  serialize(): string;
  /** Number of elements (members, fields, entries): the type's LEN/CARD. */
  size(): number;
  /** An estimate of the bytes this value uses (MEMORY USAGE), sampling at most `samples` elements (0 = all). */
  memoryUsage?(samples: number): number;
  /** The elements SORT sorts (list order, set members, zset members by score); undefined if SORT refuses the type. */
  sortElements?(): string[];
}

export type Value = string | TypedValue;

export function typeName(v: Value): string {
  return typeof v === 'string' ? 'string' : v.type;
}

/** Redis's OBJECT ENCODING for a string value. */
export function stringEncoding(s: string): string {
  if (isInt64Text(s)) return 'int';
  return s.length <= 44 ? 'embstr' : 'raw';
}

const I64_MIN = -(2n ** 63n);
const I64_END = 2n ** 63n;

/**
 * Whether `s` is an integer as Redis stores one (string2ll: no sign on zero,
 * no leading zeros, no spaces) within 64 bits. Every write's memory
 * accounting asks, and counters ask on every INCR: a char loop, with BigInt
 * only for 19 digits or more (a regex and a BigInt per call cost ~170 ns).
 */
function isInt64Text(s: string): boolean {
  const len = s.length;
  if (len === 0 || len > 20) return false;
  const from = s.charCodeAt(0) === 0x2d ? 1 : 0;
  if (from === len) return false;
  if (s.charCodeAt(from) === 0x30) return len === 1;
  for (let i = from; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  if (len - from < 19) return true;
  const n = BigInt(s);
  return n >= I64_MIN && n < I64_END;
}

type Deserializer = (payload: string) => TypedValue;
const deserializers = new Map<string, Deserializer>();

/** Called by each data type's module so values of that type can be restored from `serialize()`. */
export function registerValueType(type: TypedValue['type'], deserialize: Deserializer): void {
  deserializers.set(type, deserialize);
}

/** A value as (type tag, payload) for moving it between shards. */
export function dumpValue(v: Value): { tag: string; payload: string } {
  if (typeof v === 'string') return { tag: 'string', payload: v };
  return { tag: v.type, payload: v.serialize() };
}

/**
 * Reads back what dumpValue produced. A tag no module registered is a bug,
 * not user input, so it fails loudly.
 */
export function restoreValue(tag: string, payload: string): Value {
  if (tag === 'string') return payload;
  const d = deserializers.get(tag);
  if (d === undefined) throw new ReplyError(`ERR internal error: unknown dump tag ${tag}`);
  return d(payload);
}
