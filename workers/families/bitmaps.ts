/**
 * The bitmaps family: bit-level commands over plain string values, as in
 * Redis (a bitmap is a string; GET returns its bytes and the string commands
 * work on it).
 *
 * Cost note: values are immutable latin1 JS strings, so every write builds a
 * new string and is O(length of the value), not O(1) as in Redis's in-place
 * sds update. SETBIT rewrites one byte with slice + concat (a memcpy once V8
 * flattens it); multi-byte writes (BITFIELD, BITOP) build a Buffer and turn it
 * into a string once. For bitmaps up to a few hundred KB this is microseconds
 * per write; a workload of many SETBITs on one multi-megabyte bitmap would pay
 * a copy of the whole bitmap per command and should move to a mutable value.
 * Past ~128 KB the copy is much dearer than a memcpy: V8 puts each new string
 * in its large-object space, on fresh pages (measured ~3.5 ms per SETBIT on a
 * 250 KB bitmap in a VM where page faults are slow, versus ~0.1 ms at 100 KB).
 */
import type { ShardOpContext, ShardOps } from '../op-context';
import type { ReplyWriter } from '../../src/core/wire/reply-writer';
import { ERR_NOT_INTEGER, ERR_STRING_TOO_LONG, ERR_SYNTAX, ReplyError } from '../../src/core/errors';
import { isOpt, parseI64 } from '../../src/core/args/parse';
import { getString } from './strings';
import { NOTIFY } from '../../src/core/notify';
import { findBit, getBit, popcountBits, popcountBytes, readSigned, readUnsigned, writeField } from '../structures/bitstring';

const ERR_BIT_OFFSET = 'ERR bit offset is not an integer or out of range';
const ERR_BIT_VALUE = 'ERR bit is not an integer or out of range';
const ERR_BITPOS_BIT = 'ERR The bit argument must be 1 or 0.';
const ERR_BITOP_NOT = 'ERR BITOP NOT must be called with a single source key.';
const ERR_BITFIELD_TYPE = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';
const ERR_OVERFLOW_TYPE = 'ERR Invalid OVERFLOW type specified';
const ERR_BITFIELD_RO = 'ERR BITFIELD_RO only supports the GET subcommand';

/** V8's longest string (2^29 - 24): a bitmap may not grow past it even if proto-max-bulk-len allows. */
const MAX_JS_STRING = 2 ** 29 - 24;

/**
 * Parses a bit offset as Redis does: a non-negative 64-bit integer whose byte
 * index is below proto-max-bulk-len. With `fieldBits` > 0 (BITFIELD) the
 * `#n` form means n * fieldBits; the product wraps in 64 bits as in Redis.
 */
function bitOffsetArg(ctx: ShardOpContext, arg: string, fieldBits: number): number {
  const hash = fieldBits > 0 && arg.length > 1 && arg.charCodeAt(0) === 35; /* '#' */
  let n = parseI64(hash ? arg.slice(1) : arg);
  if (n === null) throw new ReplyError(ERR_BIT_OFFSET);
  if (hash) n = BigInt.asIntN(64, n * BigInt(fieldBits));
  if (n < 0n || n >> 3n >= BigInt(ctx.shard.settings.protoMaxBulkLen)) throw new ReplyError(ERR_BIT_OFFSET);
  return Number(n);
}

/** A bitmap write that needs the value to be `bytes` long. */
function checkGrowth(bytes: number): void {
  if (bytes > MAX_JS_STRING) throw new ReplyError(ERR_STRING_TOO_LONG);
}

function intOrThrow(arg: string): bigint {
  const n = parseI64(arg);
  if (n === null) throw new ReplyError(ERR_NOT_INTEGER);
  return n;
}

// ---------------------------------------------------------------------------
// SETBIT / GETBIT

function opSetbit(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const key = args[1];
  const offset = bitOffsetArg(ctx, args[2], 0);
  const on = parseI64(args[3]);
  if (on === null || (on !== 0n && on !== 1n)) throw new ReplyError(ERR_BIT_VALUE);
  const cur = getString(ctx, key);
  const s = cur ?? '';
  const byte = Math.floor(offset / 8);
  const mask = 1 << (7 - (offset & 7));
  if (byte >= s.length) {
    checkGrowth(byte + 1);
    // Redis zero-pads up to the byte even when clearing a bit (SETBIT k 100 0 makes 13 bytes).
    const next = s + '\0'.repeat(byte - s.length) + String.fromCharCode(on === 1n ? mask : 0);
    if (cur === undefined) ctx.db.set(key, next);
    else ctx.db.replace(key, next);
    ctx.db.markRaw(key);
    ctx.notify(NOTIFY.string, 'setbit', key);
    return w.integer(0);
  }
  // Redis unshares the string before looking at the bit: raw even when it did not change.
  ctx.db.markRaw(key);
  const old = s.charCodeAt(byte);
  const nb = on === 1n ? old | mask : old & ~mask;
  if (nb !== old) {
    ctx.db.replace(key, s.slice(0, byte) + String.fromCharCode(nb) + s.slice(byte + 1));
    // Redis notifies only when the key was created, grew, or the bit changed.
    ctx.notify(NOTIFY.string, 'setbit', key);
  }
  w.integer(old & mask ? 1 : 0);
}

function opGetbit(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const offset = bitOffsetArg(ctx, args[2], 0);
  const s = getString(ctx, args[1]);
  w.integer(s === undefined ? 0 : getBit(s, offset));
}

// ---------------------------------------------------------------------------
// BITCOUNT / BITPOS

/**
 * Normalizes a start/end pair the way Redis's bit commands do: negative
 * indexes count from the end, then both are clamped into [0, total - 1].
 * Returns null for an empty range.
 */
function clampRange(start: bigint, end: bigint, total: number): [number, number] | null {
  const t = BigInt(total);
  if (start < 0n) start += t;
  if (end < 0n) end += t;
  if (start < 0n) start = 0n;
  if (end < 0n) end = 0n;
  if (end >= t) end = t - 1n;
  if (start > end) return null;
  return [Number(start), Number(end)];
}

/** Parses BYTE | BIT; true for BIT. */
function unitArg(arg: string): boolean {
  if (isOpt(arg, 'bit')) return true;
  if (isOpt(arg, 'byte')) return false;
  throw new ReplyError(ERR_SYNTAX);
}

/** BITCOUNT key [start end [BYTE | BIT]] */
function opBitcount(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  // A missing key answers 0 before any argument is looked at, as in Redis.
  const s = getString(ctx, args[1]);
  if (s === undefined) return w.integer(0);
  if (args.length === 2) return w.integer(s.length === 0 ? 0 : popcountBytes(s, 0, s.length - 1));
  if (args.length !== 4 && args.length !== 5) throw new ReplyError(ERR_SYNTAX);
  const start = intOrThrow(args[2]);
  const end = intOrThrow(args[3]);
  // Both negative and reversed is empty, checked before the unit is parsed.
  if (start < 0n && end < 0n && start > end) return w.integer(0);
  const isBit = args.length === 5 && unitArg(args[4]);
  const range = clampRange(start, end, isBit ? s.length * 8 : s.length);
  if (range === null) return w.integer(0);
  w.integer(isBit ? popcountBits(s, range[0], range[1]) : popcountBytes(s, range[0], range[1]));
}

/**
 * BITPOS key bit [start [end [BYTE | BIT]]]
 * Not found: -1 when looking for a 1; when looking for a 0, the first bit
 * after the string (as if it were padded with zeros) unless an end was given,
 * in which case -1 too.
 */
function opBitpos(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const b = intOrThrow(args[2]);
  if (b !== 0n && b !== 1n) throw new ReplyError(ERR_BITPOS_BIT);
  const bit = b === 1n ? 1 : 0;
  const s = getString(ctx, args[1]);
  // A missing key is an endless run of zero bits.
  if (s === undefined) return w.integer(bit ? -1 : 0);
  let fromBit: number;
  let toBit: number;
  let endGiven = false;
  if (args.length === 3) {
    if (s.length === 0) return w.integer(-1);
    fromBit = 0;
    toBit = s.length * 8 - 1;
  } else if (args.length <= 6) {
    const start = intOrThrow(args[3]);
    const isBit = args.length === 6 && unitArg(args[5]);
    let end: bigint;
    if (args.length >= 5) {
      end = intOrThrow(args[4]);
      endGiven = true;
    } else end = -1n;
    const range = clampRange(start, end, isBit ? s.length * 8 : s.length);
    if (range === null) return w.integer(-1);
    fromBit = isBit ? range[0] : range[0] * 8;
    toBit = isBit ? range[1] : range[1] * 8 + 7;
  } else throw new ReplyError(ERR_SYNTAX);
  const pos = findBit(s, bit, fromBit, toBit);
  if (pos >= 0 || bit === 1 || endGiven) return w.integer(pos);
  w.integer((Math.floor(toBit / 8) + 1) * 8);
}

// ---------------------------------------------------------------------------
// BITOP

/** BITOP AND | OR | XOR | NOT destkey key [key ...]: missing sources are empty strings, shorter ones zero-padded. */
function opBitop(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const op = args[1].toLowerCase();
  if (op !== 'and' && op !== 'or' && op !== 'xor' && op !== 'not') throw new ReplyError(ERR_SYNTAX);
  if (op === 'not' && args.length !== 4) throw new ReplyError(ERR_BITOP_NOT);
  const dest = args[2];
  const srcs: string[] = [];
  let maxLen = 0;
  for (let i = 3; i < args.length; i++) {
    const s = getString(ctx, args[i]) ?? '';
    srcs.push(s);
    if (s.length > maxLen) maxLen = s.length;
  }
  if (maxLen === 0) {
    // An empty result is no key at all.
    if (ctx.db.delete(dest)) ctx.notify(NOTIFY.generic, 'del', dest);
    return w.integer(0);
  }
  const out = Buffer.alloc(maxLen);
  const first = srcs[0];
  if (op === 'not') {
    for (let i = 0; i < maxLen; i++) out[i] = ~first.charCodeAt(i) & 0xff;
  } else {
    for (let i = 0; i < first.length; i++) out[i] = first.charCodeAt(i);
    for (let k = 1; k < srcs.length; k++) {
      const s = srcs[k];
      if (op === 'and') {
        // Bytes past a shorter source are ANDed with zero.
        for (let i = 0; i < s.length; i++) out[i] &= s.charCodeAt(i);
        out.fill(0, s.length);
      } else if (op === 'or') {
        for (let i = 0; i < s.length; i++) out[i] |= s.charCodeAt(i);
      } else {
        for (let i = 0; i < s.length; i++) out[i] ^= s.charCodeAt(i);
      }
    }
  }
  ctx.db.set(dest, out.latin1Slice(0, maxLen));
  // Redis stores the result as the sds it built: raw, whatever its length or contents.
  ctx.db.markRaw(dest);
  ctx.db.persist(dest);
  ctx.notify(NOTIFY.string, 'set', dest);
  w.integer(maxLen);
}

// ---------------------------------------------------------------------------
// BITFIELD / BITFIELD_RO

const enum FieldOp {
  Get,
  Set,
  Incrby,
}

const enum Overflow {
  Wrap,
  Sat,
  Fail,
}

interface FieldCmd {
  op: FieldOp;
  signed: boolean;
  bits: number;
  offset: number;
  value: bigint;
  overflow: Overflow;
}

/** i1..i64 or u1..u63 (lowercase only, as in Redis). */
function fieldTypeArg(arg: string): { signed: boolean; bits: number } {
  const c = arg.charCodeAt(0);
  const signed = c === 105; /* 'i' */
  if (!signed && c !== 117 /* 'u' */) throw new ReplyError(ERR_BITFIELD_TYPE);
  const n = parseI64(arg.slice(1));
  if (n === null || n < 1n || n > (signed ? 64n : 63n)) throw new ReplyError(ERR_BITFIELD_TYPE);
  return { signed, bits: Number(n) };
}

/**
 * Redis's overflow test of a field update (checkSignedBitfieldOverflow /
 * checkUnsignedBitfieldOverflow), computed as Redis computes it: its margins
 * (max - value, min - value) are 64-bit integers that wrap, so a SET of an
 * extreme value can be judged on the wrong side (SET i8 to INT64_MIN
 * saturates to 127). 1: too large, -1: too small, 0: it fits. `value` is
 * the field's old value for INCRBY (`incr` the increment), the value given
 * for SET (`incr` 0); unsigned, a u64.
 */
function fieldOverflow(value: bigint, incr: bigint, signed: boolean, bits: number): -1 | 0 | 1 {
  const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  if (!signed) {
    if (value > max || (incr > 0n && incr > BigInt.asIntN(64, max - value))) return 1;
    return incr < 0n && incr < BigInt.asIntN(64, -value) ? -1 : 0;
  }
  const min = -max - 1n;
  const maxIncr = BigInt.asIntN(64, max - value);
  const minIncr = BigInt.asIntN(64, min - value);
  if (value > max || (bits !== 64 && incr > maxIncr) || (value >= 0n && incr > 0n && incr > maxIncr)) return 1;
  if (value < min || (bits !== 64 && incr < minIncr) || (value < 0n && incr < 0n && incr < minIncr)) return -1;
  return 0;
}

/**
 * The value a SET or INCRBY stores under the overflow policy (as Redis
 * decides it, fieldOverflow), or null when FAIL refuses it.
 */
function fitField(value: bigint, incr: bigint, signed: boolean, bits: number, overflow: Overflow): bigint | null {
  const side = fieldOverflow(value, incr, signed, bits);
  if (side === 0) return value + incr;
  if (overflow === Overflow.Fail) return null;
  if (overflow === Overflow.Wrap) return signed ? BigInt.asIntN(bits, value + incr) : BigInt.asUintN(bits, value + incr);
  if (side < 0) return signed ? -(1n << BigInt(bits - 1)) : 0n;
  return signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
}

function parseBitfield(ctx: ShardOpContext, args: string[]): { cmds: FieldCmd[]; writes: boolean; highestBit: number } {
  const cmds: FieldCmd[] = [];
  let overflow = Overflow.Wrap;
  let writes = false;
  let highestBit = -1;
  for (let j = 2; j < args.length; j++) {
    const rem = args.length - j - 1;
    const sub = args[j].toLowerCase();
    let op: FieldOp;
    if (sub === 'get' && rem >= 2) op = FieldOp.Get;
    else if (sub === 'set' && rem >= 3) op = FieldOp.Set;
    else if (sub === 'incrby' && rem >= 3) op = FieldOp.Incrby;
    else if (sub === 'overflow' && rem >= 1) {
      const o = args[++j].toLowerCase();
      if (o === 'wrap') overflow = Overflow.Wrap;
      else if (o === 'sat') overflow = Overflow.Sat;
      else if (o === 'fail') overflow = Overflow.Fail;
      else throw new ReplyError(ERR_OVERFLOW_TYPE);
      continue;
    } else throw new ReplyError(ERR_SYNTAX);
    const { signed, bits } = fieldTypeArg(args[j + 1]);
    const offset = bitOffsetArg(ctx, args[j + 2], bits);
    let value = 0n;
    if (op !== FieldOp.Get) {
      writes = true;
      if (offset + bits - 1 > highestBit) highestBit = offset + bits - 1;
      value = intOrThrow(args[j + 3]);
      j += 3;
    } else j += 2;
    cmds.push({ op, signed, bits, offset, value, overflow });
  }
  return { cmds, writes, highestBit };
}

/**
 * BITFIELD key [GET type offset | [OVERFLOW WRAP|SAT|FAIL] SET type offset value | INCRBY type offset increment ...]
 * Every argument is checked before anything runs. When there is a write, the
 * value first grows (zero-padded) to cover the highest written field, even if
 * every write then fails under OVERFLOW FAIL.
 */
function opBitfield(ctx: ShardOpContext, args: string[], w: ReplyWriter, { readonly }: { readonly: boolean }): void {
  const { cmds, writes, highestBit } = parseBitfield(ctx, args);
  const key = args[1];
  if (writes && readonly) throw new ReplyError(ERR_BITFIELD_RO);
  const cur = getString(ctx, key);
  if (!writes) {
    const s = cur ?? '';
    w.array(cmds.length);
    for (const c of cmds) w.integer(c.signed ? readSigned(s, s.length, c.offset, c.bits) : readUnsigned(s, s.length, c.offset, c.bits));
    return;
  }
  const s = cur ?? '';
  const need = Math.floor(highestBit / 8) + 1;
  checkGrowth(need);
  const len = Math.max(s.length, need);
  const buf = Buffer.alloc(len);
  buf.latin1Write(s, 0);
  w.array(cmds.length);
  // As in Redis: a write counts as a change (for the notification) when the key was created or grew, or its field changed.
  const dirty = cur === undefined || len > s.length;
  let changes = 0;
  for (const c of cmds) {
    const old = c.signed ? readSigned(buf, len, c.offset, c.bits) : readUnsigned(buf, len, c.offset, c.bits);
    if (c.op === FieldOp.Get) {
      w.integer(old);
      continue;
    }
    // SET of a negative value into an unsigned field is taken as its 64-bit two's complement, as in Redis.
    const next =
      c.op === FieldOp.Incrby
        ? fitField(old, c.value, c.signed, c.bits, c.overflow)
        : fitField(c.signed ? c.value : BigInt.asUintN(64, c.value), 0n, c.signed, c.bits, c.overflow);
    if (next === null) {
      w.nullBulk();
      continue;
    }
    writeField(buf, c.offset, c.bits, next);
    if (dirty || next !== old) changes++;
    w.integer(c.op === FieldOp.Incrby ? next : old);
  }
  const value = buf.latin1Slice(0, len);
  if (cur === undefined) ctx.db.set(key, value);
  else ctx.db.replace(key, value);
  ctx.db.markRaw(key);
  // Redis's dirty counter counts each field written.
  if (changes > 0) ctx.notify(NOTIFY.string, 'setbit', key, changes);
}

// ---------------------------------------------------------------------------

const RANGE_UNIT = '[BYTE | BIT]';

export const bitmapOps: ShardOps = {
  setbit: opSetbit,
  getbit: opGetbit,
  bitcount: opBitcount,
  bitpos: opBitpos,
  bitop: opBitop,
  bitfield: opBitfield,
};
