/**
 * What a key holds. Strings are latin1 JS strings (binary-safe, one byte per
 * char, compact). Every other data type is an object that says its type, so
 * TYPE, OBJECT ENCODING and WRONGTYPE checks need no lookup table.
 */
import { ReplyError } from '../src/core/errors';
import { isCanonicalInt64 } from '../src/core/args/parse';

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
  // Every write's memory accounting asks: the allocation-free test, not a regex and a BigInt (~170 ns a call).
  if (isCanonicalInt64(s)) return 'int';
  return s.length <= 44 ? 'embstr' : 'raw';
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
