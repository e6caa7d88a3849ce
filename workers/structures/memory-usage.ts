/**
 * Redis 7's estimate of what a key costs (MEMORY USAGE): the dict entry, the
 * key's sds string, the value object and its allocation. The shard's memory
 * accounting (INFO used_memory, maxmemory and eviction) adds these up per
 * key, so both report the same figures.
 */
import { stringEncoding, type Value } from '../value';
import { allocSize } from './alloc-size';

/** Bytes of an sds string header for a string of length n (type 8/16/32/64). */
export function sdsHeader(n: number, allowType5: boolean): number {
  if (allowType5 && n < 32) return 1;
  if (n < 256) return 3;
  if (n < 65536) return 5;
  return n < 2 ** 32 ? 9 : 17;
}

const ROBJ = 16;
const DICT_ENTRY = 24;

/** The allocation of an sds string holding `s` (sdsnewlen: type 5 below 32 bytes where `allowType5`). */
export function sdsBytes(s: string, allowType5: boolean): number {
  return allocSize(sdsHeader(s.length, allowType5) + s.length + 1);
}

/**
 * A string object's bytes beyond its header, as Redis makes one from a
 * command's argument: embedded in the object's own allocation up to 44 bytes
 * (that allocation less the header), else a separate sds.
 */
export function stringObjectBytes(v: string): number {
  if (v.length <= 44) return allocSize(ROBJ + 3 + v.length + 1) - ROBJ;
  return sdsBytes(v, false);
}

/** Redis 7's estimate for a string value: object header plus its sds allocation (none for an integer). */
export function stringUsage(v: string): number {
  if (stringEncoding(v) === 'int') return ROBJ;
  return ROBJ + stringObjectBytes(v);
}

/** A value that can estimate its own footprint (data types other than strings may implement it). */
interface SizedValue {
  memoryUsage(samples: number): number;
}

export function valueUsage(v: Value, samples: number): number {
  if (typeof v === 'string') return stringUsage(v);
  const sized = v as Partial<SizedValue>;
  if (typeof sized.memoryUsage === 'function') return sized.memoryUsage(samples);
  return ROBJ + 64;
}

/** MEMORY USAGE of a key holding `v`. */
export function keyUsage(key: string, v: Value, samples: number): number {
  return DICT_ENTRY + sdsBytes(key, true) + valueUsage(v, samples);
}

/** MEMORY USAGE's default sampling, which the accounting uses too (bounded cost per write). */
export const ACCOUNTING_SAMPLES = 5;

/**
 * One shard's memory accounting and the LFU settings its databases read on
 * every access: shared by all of the shard's Db objects.
 */
export class MemoryAccount {
  /** Sum of the estimates of every key the shard holds. */
  used = 0;
  /** An LFU maxmemory-policy is set: accesses update the keys' frequency counters. */
  lfu = false;
  /**
   * maxmemory is set: a collection written in place is re-estimated at once
   * (eviction reads the total after every write). Without a limit only INFO
   * reads it, so the written keys are re-estimated at the next cron tick or
   * when INFO asks (Db.settleSizes): a long list's estimate walks up to 5
   * nodes of 8 KB of elements, far too much for every LPUSH (BullMQ's
   * queues).
   */
  eager = false;
  lfuLogFactor = 10;
  /** Minutes per decrement of an idle key's counter (0: never). */
  lfuDecayTime = 1;
}
