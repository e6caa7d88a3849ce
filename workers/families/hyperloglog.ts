/**
 * The hyperloglog family. A HyperLogLog is a plain string value in Redis's
 * own format (workers/structures/hll.ts), so GET returns the same bytes as
 * Redis, the value survives string commands, and PFCOUNT gives Redis's
 * numbers for the same inputs.
 *
 * Each write copies the value into a Buffer and back (12 KB when dense): a
 * few microseconds, far below the cost of a round trip.
 */
import { signalUnnotified, type ShardOpContext, type ShardOps } from '../op-context';
import type { ReplyWriter } from '../../src/core/wire/reply-writer';
import { NOTIFY } from '../../src/core/notify';
import { ReplyError, WRONGTYPE } from '../../src/core/errors';
import {
  ENC_DENSE,
  ENC_SPARSE,
  ERR_INVALID_HLL,
  ERR_NOT_HLL,
  HLL_REGISTERS,
  HllBuffer,
  cachedCount,
  decodeSparse,
  denseRegisters,
  encodingOf,
  estimate,
  histogram,
  hllHash,
  isHllString,
  mergeInto,
  rawHistogram,
  withCachedCount,
} from '../structures/hll';

/** Reads a key that must hold a valid HLL string (or nothing). */
function getHll(ctx: ShardOpContext, key: string): string | undefined {
  const v = ctx.db.get(key, ctx.now);
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ReplyError(WRONGTYPE);
  if (!isHllString(v)) throw new ReplyError(ERR_NOT_HLL);
  return v;
}

/** Stores an updated HLL: a new key has no TTL; an existing one keeps its TTL, as an in-place update does in Redis. */
function store(ctx: ShardOpContext, key: string, existed: boolean, value: string): void {
  if (existed) ctx.db.replace(key, value);
  else ctx.db.set(key, value);
  // Redis builds and updates HyperLogLogs as raw strings.
  ctx.db.markRaw(key);
}

/** PFADD key [element ...]: 1 if the key was created or any register changed. */
function opPfadd(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const key = args[1];
  const cur = getHll(ctx, key);
  const h = cur === undefined ? HllBuffer.empty() : HllBuffer.fromString(cur);
  let updated = cur === undefined ? 1 : 0;
  for (let i = 2; i < args.length; i++) {
    try {
      updated += h.add(args[i]);
    } catch (e) {
      // Redis updates in place, so registers set before a corrupt spot stay set.
      if (updated) store(ctx, key, cur !== undefined, h.toString());
      throw e;
    }
  }
  if (updated) {
    h.invalidateCache();
    store(ctx, key, cur !== undefined, h.toString());
    // Redis counts each register changed (and the creation).
    ctx.notify(NOTIFY.string, 'pfadd', key, updated);
  }
  w.integer(updated ? 1 : 0);
}

/**
 * PFCOUNT key [key ...]. One key: the cached cardinality when valid, else
 * computed and cached in the value (so GET shows the refreshed header, and
 * WATCH and the dirty counter see a write, as in Redis). Several keys: the estimate of their union, no key changed.
 */
function opPfcount(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  if (args.length === 2) {
    const key = args[1];
    const s = getHll(ctx, key);
    if (s === undefined) return w.integer(0);
    const cached = cachedCount(s);
    if (cached !== null) return w.integer(cached);
    const h = histogram(s);
    if (h === null) throw new ReplyError(ERR_INVALID_HLL);
    const card = estimate(h);
    ctx.db.replace(key, withCachedCount(s, card));
    ctx.db.markRaw(key);
    // Redis propagates the rewritten header: the key is signalled and dirty, with no event.
    signalUnnotified(ctx, key);
    return w.integer(card);
  }
  const max = new Uint8Array(HLL_REGISTERS);
  for (let i = 1; i < args.length; i++) {
    const s = getHll(ctx, args[i]);
    if (s === undefined) continue;
    if (!mergeInto(max, s)) throw new ReplyError(ERR_INVALID_HLL);
  }
  w.integer(estimate(rawHistogram(max)));
}

/**
 * PFMERGE destkey [sourcekey ...]: destkey takes the register-wise maximum of
 * itself and the sources. It turns dense when any input is dense; otherwise
 * registers are written into its sparse code one by one, in register order,
 * which yields Redis's exact bytes.
 */
function opPfmerge(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const max = new Uint8Array(HLL_REGISTERS);
  let dense = false;
  let destValue: string | undefined;
  for (let i = 1; i < args.length; i++) {
    const s = getHll(ctx, args[i]);
    if (i === 1) destValue = s;
    if (s === undefined) continue;
    if (encodingOf(s) === ENC_DENSE) dense = true;
    if (!mergeInto(max, s)) throw new ReplyError(ERR_INVALID_HLL);
  }
  const key = args[1];
  const h = destValue === undefined ? HllBuffer.empty() : HllBuffer.fromString(destValue);
  if (dense && !h.toDense()) throw new ReplyError(ERR_INVALID_HLL);
  for (let r = 0; r < HLL_REGISTERS; r++) if (max[r] !== 0) h.set(r, max[r]);
  h.invalidateCache();
  store(ctx, key, destValue !== undefined, h.toString());
  ctx.notify(NOTIFY.string, 'pfadd', key);
  w.ok();
}

/** PFDEBUG GETREG | DECODE | ENCODING | TODENSE key */
function opPfdebug(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const key = args[2];
  // The key is checked before the subcommand name.
  const s = getHll(ctx, key);
  if (s === undefined) throw new ReplyError('ERR The specified key does not exist');
  const sub = args[1].toLowerCase();
  // GETREG and TODENSE store the dense form, as in Redis.
  const toDense = (): string => {
    const h = HllBuffer.fromString(s);
    if (!h.toDense()) throw new ReplyError(ERR_INVALID_HLL);
    const dense = h.toString();
    ctx.db.replace(key, dense);
    ctx.db.markRaw(key);
    return dense;
  };
  if (sub === 'getreg') {
    const dense = encodingOf(s) === ENC_DENSE ? s : toDense();
    const regs = denseRegisters(dense);
    w.array(HLL_REGISTERS);
    for (let r = 0; r < HLL_REGISTERS; r++) w.integer(regs[r]);
  } else if (sub === 'decode') {
    if (encodingOf(s) !== ENC_SPARSE) throw new ReplyError('ERR HLL encoding is not sparse');
    w.bulk(decodeSparse(s));
  } else if (sub === 'encoding') {
    w.simple(encodingOf(s) === ENC_DENSE ? 'dense' : 'sparse');
  } else if (sub === 'todense') {
    if (encodingOf(s) === ENC_DENSE) return w.integer(0);
    toDense();
    w.integer(1);
  } else {
    throw new ReplyError(`ERR Unknown PFDEBUG subcommand '${args[1]}'`);
  }
}

/**
 * PFSELFTEST: checks this implementation's invariants: the hash against
 * known MurmurHash64A values, and that a sparse HLL, once it turns dense,
 * still counts the same as a dense one fed the same elements.
 */
function opPfselftest(_ctx: ShardOpContext, _args: string[], w: ReplyWriter): void {
  // Redis puts "a" in register 12711 with a run of 2 (PFADD h a; PFDEBUG DECODE h).
  const ha = hllHash('a');
  if ((ha & 0x3fffn) !== 12711n || ((ha >> 14n) & 3n) !== 2n) throw new ReplyError('ERR TESTFAILED hash');
  const sparse = HllBuffer.empty();
  const dense = HllBuffer.empty();
  dense.toDense();
  for (let i = 0; i < 5000; i++) {
    const e = `selftest:${i}`;
    sparse.add(e);
    dense.add(e);
    if (i % 500 === 0) {
      const a = histogram(sparse.toString());
      const b = histogram(dense.toString());
      if (a === null || b === null || estimate(a) !== estimate(b)) {
        throw new ReplyError(`ERR TESTFAILED sparse and dense counts differ after ${i + 1} elements`);
      }
    }
  }
  w.ok();
}

export const hyperloglogOps: ShardOps = {
  pfadd: opPfadd,
  pfcount: opPfcount,
  pfmerge: opPfmerge,
  pfdebug: opPfdebug,
  pfselftest: opPfselftest,
};
