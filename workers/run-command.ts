/**
 * Runs one client command inside a shard, with everything that goes with it:
 * its error reply when it throws, its INFO commandstats time and failure
 * count, key signals after a write that succeeded, `keymiss` notifications
 * after a read. The engine runs every batch entry through it, and the `exec`
 * RPC (a single-shard EXEC) each queued command, so both count and signal alike.
 */
import { keyPositions } from '../src/core/commands/spec';
import type { ReplyWriter } from '../src/core/wire/reply-writer';
import { ReplyError } from '../src/core/errors';
import { CONN_ID_MASK } from '../src/core/shard-protocol';
import { NOTIFY } from '../src/core/notify';
import type { ShardOpContext } from './op-context';
import { OPS, type OpEntry } from './ops';
import { ERR_OOM, performEvictions } from './eviction';
import { LATENCY_BUCKETS, latencyBucket } from '../src/core/latency-buckets';
import { slowlogArgs } from '../src/core/slow-args';

/** Whether each key a row declares as read lookups was there before it ran (see readsBefore). */
export interface ReadsBefore {
  positions: readonly number[];
  found: boolean[];
}

/**
 * The keys of a row's read lookups (RowDecl.readLookups) as they are before
 * it runs: a write that reads (GETDEL, SET ... GET, SUNIONSTORE) changes them
 * afterwards. Their misses raise `keymiss` here, before the row's own
 * events, where Redis's lookups raise them; the hits and misses are counted
 * after it ran (countReads), when it is known whether it failed before
 * looking. Null for the other rows. Called right before the op runs: for
 * every row that counts reads, lastLookupFound then says whether the op
 * itself looked anything up (see countReads).
 */
export function readsBefore(op: OpEntry, ctx: ShardOpContext, args: string[]): ReadsBefore | null {
  if (op.readLookups === null) {
    if (op.readStats) ctx.db.forgetLookup();
    return null;
  }
  const positions = op.readLookups(args);
  if (positions.length === 0) return null;
  ctx.db.forgetLookup();
  const found = positions.map((p) => ctx.db.isLive(args[p], ctx.now));
  if ((ctx.shard.settings.notifyFlags & NOTIFY.keymiss) !== 0) {
    for (let i = 0; i < positions.length; i++) if (!found[i]) ctx.notify(NOTIFY.keymiss, 'keymiss', args[positions[i]]);
  }
  return { positions, found };
}

/**
 * INFO keyspace_hits / keyspace_misses for a command that ran, as Redis's
 * lookupKeyRead counts them, and a read-only row's `keymiss` events. A row
 * with read lookups counts them as they were before it ran (`before`,
 * which raised their `keymiss`); a read-only row each of
 * its keys as its own lookup found it (an expired one was deleted by it, and
 * a key absent now was absent when it looked: a read leaves its keys as they
 * were, and GETEX changes only keys that exist). A command that failed
 * (`failed`) counts at most its first lookup, and only if it made one: it
 * failed on that key (WRONGTYPE, NOGROUP) or before looking (a syntax error).
 * Also used by the scratch executor.
 */
export function countReads(op: OpEntry, ctx: ShardOpContext, args: string[], before: ReadsBefore | null, failed: boolean): void {
  const stats = ctx.shard.stats;
  if (before !== null) {
    const n = failed ? (ctx.db.lastLookupFound === undefined ? 0 : 1) : before.positions.length;
    for (let i = 0; i < n; i++) {
      if (before.found[i]) stats.keyspaceHits++;
      else stats.keyspaceMisses++;
    }
    return;
  }
  if (!op.readStats) return;
  const db = ctx.db;
  if (failed) {
    const found = db.lastLookupFound;
    if (found === true) stats.keyspaceHits++;
    else if (found === false) stats.keyspaceMisses++;
    return;
  }
  const spec = op.spec;
  if (spec.getKeys === undefined && spec.firstKey > 0 && spec.firstKey === spec.lastKey) {
    // One key (GET, HGET, ...): no positions array.
    if (args.length > spec.firstKey && db.foundWhenRead(args[spec.firstKey])) stats.keyspaceHits++;
    else if (args.length > spec.firstKey) stats.keyspaceMisses++;
  } else {
    for (const p of keyPositions(spec, args)) {
      if (db.foundWhenRead(args[p])) stats.keyspaceHits++;
      else stats.keyspaceMisses++;
    }
  }
  if (op.keymiss && (ctx.shard.settings.notifyFlags & NOTIFY.keymiss) !== 0) {
    for (const p of keyPositions(spec, args)) if (!db.has(args[p], ctx.now)) ctx.notify(NOTIFY.keymiss, 'keymiss', args[p]);
  }
}

/**
 * Runs op `opIndex` with `args` (args[0] is the command name), writing its
 * reply at the writer's current end.
 *
 * `timeWeight` is how many commands this one's time stands for in INFO
 * commandstats' `usec`: 1 times it alone, 0 does not time it. Timing costs
 * two performance.now() calls, about an eighth of a short command's cost in
 * a long pipeline, so the engine times one command in eight of a long batch
 * and counts its time eight times (see ShardEngine).
 */
export function runCommand(ctx: ShardOpContext, opIndex: number, args: string[], w: ReplyWriter, timeWeight = 1, reportSlow = true): void {
  const op = OPS[opIndex];
  const shard = ctx.shard;
  // Relative to the writer's floor, which moves if a reply arena grows (src/core/wire/byte-buffer.ts).
  const startInFloor = w.len - w.floor;
  const t0 = timeWeight === 0 ? 0 : performance.now();
  // maxmemory: evict before a write, as Redis does before each command; refuse what may grow memory if that fails.
  if (shard.memoryLimit !== 0 && op.writes && !performEvictions(shard, ctx.now) && op.denyoom) {
    w.error(ERR_OOM);
    shard.opStats.failed[opIndex]++;
    return;
  }
  if (shard.snapshot !== null && op.writes) preserveForSnapshot(shard.snapshot, op, ctx, args);
  if (shard.settings.replica) shard.replicaExpiry.fromMaster = (ctx.connId & CONN_ID_MASK) === shard.settings.masterConnId;
  const before = readsBefore(op, ctx, args);
  try {
    op.run(ctx, args, w, op.variant);
  } catch (err) {
    w.len = w.floor + startInFloor;
    w.error(err instanceof ReplyError ? err.message : `ERR internal error: ${(err as Error).message}`);
  }
  if (timeWeight !== 0) {
    const micros = (performance.now() - t0) * 1000;
    const stats = shard.opStats;
    stats.micros[opIndex] += micros * timeWeight;
    stats.latency[opIndex * LATENCY_BUCKETS + latencyBucket(micros)] += timeWeight;
    // Slow enough for the slow log or the latency monitor: the main thread records it.
    if (micros >= shard.slowReportMicros && reportSlow) {
      shard.signals.outbox.push({ type: 'slow', connId: ctx.connId, op: opIndex, micros, at: Date.now(), args: slowlogArgs(args) });
    }
  }
  // An error reply from a command that ran is a failed call (INFO commandstats).
  if (w.buf[w.floor + startInFloor] === 45 /* '-' */) {
    shard.opStats.failed[opIndex]++;
    // A command that failed after its lookup (WRONGTYPE) still hit or missed, as Redis counts in lookupKey.
    countReads(op, ctx, args, before, true);
    return;
  }
  // A write succeeded: waiters and `.WATCH` subscriptions on its keys hear of
  // it. Deliberately generic (every key the row declares, not only the ones
  // the op changed): they re-check and find nothing new. WATCH is exact
  // instead: its listeners hear of the keys the op reported changed
  // (OpContext.notify, where Redis calls signalModifiedKey).
  if (shard.signals.size !== 0 && op.writes) {
    for (const p of keyPositions(op.spec, args)) shard.signals.signal(ctx.dbIndex, args[p], ctx.connId, true);
  }
  // CLIENT TRACKING: a read's keys are remembered for its client.
  if (ctx.trackReads === true && op.spec.flags.includes('readonly')) {
    for (const p of keyPositions(op.spec, args)) shard.signals.track(args[p], ctx.connId);
  }
  if (op.resizes) for (const p of keyPositions(op.spec, args)) ctx.db.resize(args[p]);
  countReads(op, ctx, args, before, false);
}

/** Copy-on-write for a snapshot in progress (workers/snapshot.ts): the keys this write may change keep their old values. */
function preserveForSnapshot(snap: NonNullable<ShardOpContext['shard']['snapshot']>, op: OpEntry, ctx: ShardOpContext, args: string[]): void {
  // COPY ... DB n and MOVE reach keys of another database: rare, so the snapshot is simply completed first.
  if (op.spec.name === 'copy' || op.spec.name === 'move') {
    snap.materialize(ctx.now);
    return;
  }
  for (const p of keyPositions(op.spec, args)) snap.preserve(ctx.dbIndex, args[p], ctx.now);
}
