/**
 * The shard engine: executes request batches against one shard's data and
 * encodes every reply into one reply batch. It runs inside a shard worker
 * thread (workers/shard.ts), or inline on the main thread with `--workers 0`.
 */
import { ReplyWriter } from '../src/resp/reply-writer';
import { ReplyError } from '../src/resp/errors';
import { REQUEST_HEADER_BYTES } from '../src/shard/batch';
import { indexShardOps, type IndexedOp } from '../src/commands/op-index';
import type { ShardOpContext } from '../src/commands/spec';
import { shardFamilies } from './families';
import { ShardState, type ShardSettings } from './shard-state';
import { activeExpireCycle } from './expiry';
import type { Db } from './db';
import type { ShardEvent } from './key-signals';
import { NOTIFY } from './notify';
import type { CommandSpec } from '../src/commands/spec';

const OPS: IndexedOp[] = indexShardOps(shardFamilies);

/** The positions of an op's keys in its (shard-side, string) arguments. */
function keyPositionsOf(spec: CommandSpec, args: string[]): number[] {
  if (spec.getKeys) return spec.getKeys(args.map((a) => Buffer.from(a, 'latin1')));
  if (spec.firstKey <= 0) return [];
  const last = spec.lastKey < 0 ? args.length + spec.lastKey : spec.lastKey;
  const out: number[] = [];
  for (let i = spec.firstKey; i <= last && i < args.length; i += spec.step) out.push(i);
  return out;
}

/** Ops that may modify their keys: after one succeeds, listeners on its keys are signalled. */
const WRITES: boolean[] = OPS.map((o) => o.spec.flags.includes('write'));
/**
 * Ops that raise `keymiss` (class m) for their absent keys, as Redis's
 * lookupKeyRead does: the read-only ones (OBJECT and MEMORY look keys up
 * without notifying) and GETEX, a write that reads.
 */
export function raisesKeymiss(spec: CommandSpec, commandName: string): boolean {
  return (spec.flags.includes('readonly') && commandName !== 'object' && commandName !== 'memory') || commandName === 'getex';
}
const KEYMISS: boolean[] = OPS.map((o) => raisesKeymiss(o.spec, o.commandName));


/**
 * keymiss notifications after a read op that did not fail: it left its keys
 * as they were, so a key absent now was absent when it looked (GETEX only
 * changes keys that exist). Also used by the cross-shard scratch executor.
 */
export function keymiss(spec: CommandSpec, ctx: ShardOpContext, args: string[]): void {
  for (const p of keyPositionsOf(spec, args)) if (!ctx.db.has(args[p], ctx.now)) ctx.notify(NOTIFY.keymiss, 'keymiss', args[p]);
}

/** Mutable context reused for every command of a batch (no allocation per command). */
class OpContext implements ShardOpContext {
  db!: Db;
  dbIndex = 0;
  connId = 0;
  now = 0;
  constructor(readonly shard: ShardState) {}
  notify(cls: number, event: string, key: string): void {
    if ((this.shard.settings.notifyFlags & cls) !== 0) this.shard.notify(cls, event, key, this.dbIndex);
  }
}

export class ShardEngine {
  readonly state: ShardState;
  private readonly w = new ReplyWriter(64 * 1024);
  private readonly ctx: OpContext;
  private expiryTimer: NodeJS.Timeout | null = null;
  /**
   * Where events produced outside a batch (by the expiry cycle) go. Events
   * produced while running a batch are taken by the host right after it.
   */
  onEvents: ((events: ShardEvent[]) => void) | null = null;

  constructor(shardId: number, shardCount: number, settings: ShardSettings) {
    this.state = new ShardState(shardId, shardCount, settings, OPS.length);
    this.ctx = new OpContext(this.state);
  }

  /** Events gathered while running the last batch (the host sends them just before its replies). */
  takeEvents(): ShardEvent[] | null {
    return this.state.signals.takeEvents();
  }

  /** Starts the active expiry cycle (hz times a second). */
  start(): void {
    this.scheduleExpiry();
  }

  private scheduleExpiry(): void {
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    const period = Math.max(1, Math.floor(1000 / Math.max(1, this.state.settings.hz)));
    this.expiryTimer = setInterval(() => {
      activeExpireCycle(this.state, Date.now(), period / 4);
      const events = this.state.signals.takeEvents();
      if (events !== null) this.onEvents?.(events);
    }, period);
    // A shard's timer alone must not keep the process (or --workers 0 main thread) alive.
    this.expiryTimer.unref();
  }

  stop(): void {
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    this.expiryTimer = null;
  }

  /** Applies a settings change broadcast by CONFIG SET. */
  applySettings(patch: Partial<ShardSettings>): void {
    Object.assign(this.state.settings, patch);
    if (patch.hz !== undefined) this.scheduleExpiry();
  }

  processBatch(ab: ArrayBuffer): ArrayBuffer {
    const started = performance.now();
    const req = Buffer.from(ab);
    const count = req.readUInt32LE(0);
    const w = this.w;
    const ctx = this.ctx;
    const state = this.state;
    const opStats = state.opStats;
    ctx.now = Date.now();
    state.tick(ctx.now);
    w.reset();
    w.ensure(4);
    w.buf.writeUInt32LE(count, 0);
    w.len = 4;
    let o = 4;
    for (let c = 0; c < count; c++) {
      const opIndex = req.readUInt16LE(o);
      const dbIndex = req[o + 2];
      w.proto = req[o + 3] === 3 ? 3 : 2;
      ctx.connId = req.readUInt32LE(o + 4);
      const argc = req.readUInt32LE(o + 8);
      o += REQUEST_HEADER_BYTES;
      const entry = OPS[opIndex];
      const lead = entry.subcommandName === undefined ? 1 : 2;
      const args: string[] = new Array(argc + lead);
      args[0] = entry.commandName;
      if (lead === 2) args[1] = entry.subcommandName as string;
      for (let i = 0; i < argc; i++) {
        const n = req.readUInt32LE(o);
        args[lead + i] = req.latin1Slice(o + 4, o + 4 + n);
        o += 4 + n;
      }
      ctx.dbIndex = dbIndex;
      ctx.db = state.db(dbIndex);
      // Reserve the reply's length prefix, write the reply, then patch it.
      w.ensure(4);
      const lenAt = w.len;
      w.len += 4;
      const t0 = performance.now();
      try {
        entry.op(ctx, args, w);
      } catch (err) {
        w.len = lenAt + 4;
        w.error(err instanceof ReplyError ? err.message : `ERR internal error: ${(err as Error).message}`);
      }
      opStats.micros[opIndex] += (performance.now() - t0) * 1000;
      // An error reply from a command that ran is a failed call (INFO commandstats).
      if (w.buf[lenAt + 4] === 45 /* '-' */) opStats.failed[opIndex]++;
      else {
        if (state.signals.size !== 0 && WRITES[opIndex]) this.signalKeys(entry.spec, dbIndex, args);
        if (KEYMISS[opIndex] && (state.settings.notifyFlags & NOTIFY.keymiss) !== 0) keymiss(entry.spec, ctx, args);
      }
      w.buf.writeUInt32LE(w.len - lenAt - 4, lenAt);
    }
    state.stats.commands += count;
    state.stats.batches++;
    state.stats.busyMicros += Math.round((performance.now() - started) * 1000);
    return w.takeArrayBuffer();
  }

  /**
   * A write op succeeded: every listener on its keys hears of it. This is
   * deliberately generic (every key the row declares, not only the ones the
   * op changed): waiters and `.WATCH` subscriptions re-check and find nothing
   * new, and WATCH may abort a transaction that Redis would let through,
   * which is safe for optimistic locking.
   */
  private signalKeys(spec: CommandSpec, dbIndex: number, args: string[]): void {
    const signals = this.state.signals;
    for (const p of keyPositionsOf(spec, args)) signals.signal(dbIndex, args[p]);
  }
}
