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

/**
 * keymiss notifications after a read op that did not fail: it left its keys
 * as they were, so a key absent now was absent when it looked (GETEX only
 * changes keys that exist). Also used by the scratch executor.
 */
export function notifyKeymiss(op: OpEntry, ctx: ShardOpContext, args: string[]): void {
  if (!op.keymiss || (ctx.shard.settings.notifyFlags & NOTIFY.keymiss) === 0) return;
  for (const p of keyPositions(op.spec, args)) if (!ctx.db.has(args[p], ctx.now)) ctx.notify(NOTIFY.keymiss, 'keymiss', args[p]);
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
  if (op.keymiss) ctx.db.forgetLookup();
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
    // A read that failed after its lookup (WRONGTYPE) still hit or missed, as Redis counts in lookupKey.
    if (op.keymiss) {
      const found = ctx.db.lastLookupFound;
      if (found === true) shard.stats.keyspaceHits++;
      else if (found === false) shard.stats.keyspaceMisses++;
    }
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
  // keyspace_hits / keyspace_misses: a read command's keys, found or not (an expired one was deleted by its lookup).
  if (op.keymiss) {
    const db = ctx.db;
    const spec = op.spec;
    if (spec.getKeys === undefined && spec.firstKey > 0 && spec.firstKey === spec.lastKey) {
      // One key (GET, HGET, ...): no positions array.
      if (args.length > spec.firstKey && db.foundWhenRead(args[spec.firstKey])) shard.stats.keyspaceHits++;
      else if (args.length > spec.firstKey) shard.stats.keyspaceMisses++;
    } else {
      for (const p of keyPositions(spec, args)) {
        if (db.foundWhenRead(args[p])) shard.stats.keyspaceHits++;
        else shard.stats.keyspaceMisses++;
      }
    }
  }
  // CLIENT TRACKING: a read's keys are remembered for its client.
  if (ctx.trackReads === true && op.spec.flags.includes('readonly')) {
    for (const p of keyPositions(op.spec, args)) shard.signals.track(args[p], ctx.connId);
  }
  if (op.resizes) for (const p of keyPositions(op.spec, args)) ctx.db.resize(args[p]);
  if (op.keymiss && (shard.settings.notifyFlags & NOTIFY.keymiss) !== 0) notifyKeymiss(op, ctx, args);
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
