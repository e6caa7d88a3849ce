/**
 * Runs one client command inside a shard, with everything that goes with it:
 * its error reply when it throws, its INFO commandstats time and failure
 * count, key signals after a write that succeeded, `keymiss` notifications
 * after a read. The engine runs every batch entry through it, and `__exec`
 * (a single-shard EXEC) each queued command, so both count and signal alike.
 */
import type { CommandSpec, ShardOpContext } from '../src/commands/spec';
import type { ReplyWriter } from '../src/resp/reply-writer';
import { ReplyError } from '../src/resp/errors';
import { indexShardOps, type IndexedOp } from '../src/commands/op-index';
import { NOTIFY } from './notify';
// Circular on purpose (the families include __exec, which runs commands):
// only read when the first command runs.
import { shardFamilies } from './families';

/** The positions of an op's keys in its (shard-side, string) arguments. */
export function keyPositionsOf(spec: CommandSpec, args: string[]): number[] {
  if (spec.getKeys) return spec.getKeys(args.map((a) => Buffer.from(a, 'latin1')));
  if (spec.firstKey <= 0) return [];
  const last = spec.lastKey < 0 ? args.length + spec.lastKey : spec.lastKey;
  const out: number[] = [];
  for (let i = spec.firstKey; i <= last && i < args.length; i += spec.step) out.push(i);
  return out;
}

/**
 * Ops that raise `keymiss` (class m) for their absent keys, as Redis's
 * lookupKeyRead does: the read-only ones (OBJECT and MEMORY look keys up
 * without notifying) and GETEX, a write that reads.
 */
export function raisesKeymiss(spec: CommandSpec, commandName: string): boolean {
  return (spec.flags.includes('readonly') && commandName !== 'object' && commandName !== 'memory') || commandName === 'getex';
}

/**
 * keymiss notifications after a read op that did not fail: it left its keys
 * as they were, so a key absent now was absent when it looked (GETEX only
 * changes keys that exist). Also used by the cross-shard scratch executor.
 */
export function keymiss(spec: CommandSpec, ctx: ShardOpContext, args: string[]): void {
  for (const p of keyPositionsOf(spec, args)) if (!ctx.db.has(args[p], ctx.now)) ctx.notify(NOTIFY.keymiss, 'keymiss', args[p]);
}

interface OpTable {
  ops: IndexedOp[];
  /** Ops that may modify their keys: after one succeeds, listeners on its keys are signalled. */
  writes: boolean[];
  keymiss: boolean[];
}

let table: OpTable | null = null;

/** Every shard op by index (see src/commands/op-index.ts). */
export function shardOps(): OpTable {
  if (table === null) {
    const ops = indexShardOps(shardFamilies);
    table = {
      ops,
      writes: ops.map((o) => o.spec.flags.includes('write')),
      keymiss: ops.map((o) => raisesKeymiss(o.spec, o.commandName)),
    };
  }
  return table;
}

/**
 * Runs op `opIndex` with `args` (args[0] is the command name), writing its
 * reply at the writer's current end.
 *
 * `timeWeight` is how many commands this one's time stands for in INFO
 * commandstats' `usec`: 1 times it alone, 0 does not time it. Timing costs
 * two performance.now() calls, about an eighth of a short command's cost in
 * a long pipeline, so the engine times one command in eight of a long batch
 * and counts its time eight times (see ShardEngine.processBatch).
 */
export function runCommand(ctx: ShardOpContext, opIndex: number, args: string[], w: ReplyWriter, timeWeight = 1): void {
  const { ops, writes, keymiss: misses } = shardOps();
  const entry = ops[opIndex];
  const shard = ctx.shard;
  // Relative to the writer's floor, which moves if a reply arena grows (src/resp/byte-buffer.ts).
  const startInFloor = w.len - w.floor;
  const t0 = timeWeight === 0 ? 0 : performance.now();
  try {
    entry.op(ctx, args, w);
  } catch (err) {
    w.len = w.floor + startInFloor;
    w.error(err instanceof ReplyError ? err.message : `ERR internal error: ${(err as Error).message}`);
  }
  if (timeWeight !== 0) shard.opStats.micros[opIndex] += (performance.now() - t0) * 1000 * timeWeight;
  // An error reply from a command that ran is a failed call (INFO commandstats).
  if (w.buf[w.floor + startInFloor] === 45 /* '-' */) {
    shard.opStats.failed[opIndex]++;
    return;
  }
  // A write succeeded: every listener on its keys hears of it. Deliberately
  // generic (every key the row declares, not only the ones the op changed):
  // waiters and `.WATCH` subscriptions re-check and find nothing new, and
  // WATCH may abort a transaction that Redis would let through, which is safe
  // for optimistic locking.
  if (shard.signals.size !== 0 && writes[opIndex]) {
    for (const p of keyPositionsOf(entry.spec, args)) shard.signals.signal(ctx.dbIndex, args[p]);
  }
  if (misses[opIndex] && (shard.settings.notifyFlags & NOTIFY.keymiss) !== 0) keymiss(entry.spec, ctx, args);
}
