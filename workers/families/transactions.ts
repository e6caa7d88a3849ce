/**
 * The shard side of MULTI/EXEC/WATCH (the main-thread side is
 * src/commands/transactions.ts).
 *
 * WATCH registers one 'watch' listener per connection per shard on every
 * watched key (KeySignals). Any signal on one of those keys (a successful
 * write op, an expiry, FLUSHDB/FLUSHALL/SWAPDB) marks the listener dirty; the
 * listener lives until EXEC, DISCARD, UNWATCH, RESET or the connection's
 * `__connclosed` removes it.
 *
 * `__exec` is EXEC's single-shard fast path: the watch check and every queued
 * command run inside one op, so nothing else can run in between and no lock
 * is needed.
 */
import { internalRow, type CommandSpec, type ShardOpContext, type ShardOp } from '../../src/commands/spec';
import type { ReplyWriter } from '../../src/resp/reply-writer';
import type { KeyListener, KeySignals } from '../key-signals';
// Circular on purpose (the families list includes this one): only read when an op runs.
import { runCommand, shardOps } from '../run-command';

class WatchListener implements KeyListener {
  readonly kind = 'watch' as const;
  dirty = false;
  constructor(readonly connId: number) {}
  modified(): void {
    this.dirty = true;
  }
}

function watchOf(signals: KeySignals, connId: number): WatchListener | undefined {
  for (const r of signals.registrationsOf(connId)) if (r.listener instanceof WatchListener) return r.listener;
  return undefined;
}

/** __watch key...: watches keys of the request's db for the request's connection. */
function opWatch(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const signals = ctx.shard.signals;
  const l = watchOf(signals, ctx.connId) ?? new WatchListener(ctx.connId);
  for (let i = 1; i < args.length; i++) {
    // A key whose TTL already passed is expired now, before we listen: as in
    // Redis, its later removal does not count as a change.
    ctx.db.has(args[i], ctx.now);
    signals.add(ctx.dbIndex, args[i], l);
  }
  w.ok();
}

/**
 * Whether any key the connection watches in this shard changed since WATCH,
 * then forgets its watches here (EXEC always unwatches). A watched key whose
 * TTL has passed counts as changed even if nothing has removed it yet.
 */
export function takeWatchDirty(ctx: ShardOpContext): boolean {
  const signals = ctx.shard.signals;
  if (signals.counts.watch === 0) return false;
  const regs = signals.registrationsOf(ctx.connId);
  let l: WatchListener | undefined;
  for (const r of regs) {
    if (!(r.listener instanceof WatchListener)) continue;
    l = r.listener;
    // Expiring it here signals the listener (Db.onExpired).
    if (!l.dirty) ctx.shard.db(r.db).has(r.key, ctx.now);
  }
  if (l === undefined) return false;
  signals.removeWhere(ctx.connId, (r) => r.listener.kind === 'watch');
  return l.dirty;
}

/** __watchcheck: 1 if a watched key of the connection changed here (watches dropped either way), else 0. */
function opWatchcheck(ctx: ShardOpContext, _args: string[], w: ReplyWriter): void {
  w.integer(takeWatchDirty(ctx) ? 1 : 0);
}

/** __unwatch: drops the connection's watches in this shard. */
function opUnwatch(ctx: ShardOpContext, _args: string[], w: ReplyWriter): void {
  ctx.shard.signals.removeWhere(ctx.connId, (r) => r.listener.kind === 'watch');
  w.ok();
}

/**
 * __exec n (opIndex argc arg...)*: EXEC on one shard. Checks the watches,
 * then runs the queued commands in a row, each reply (or error) an element of
 * the EXEC array, with the same error handling, stats and key signals as the
 * engine gives a batch entry (workers/engine.ts).
 */
function opExec(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  if (takeWatchDirty(ctx)) {
    w.nullArray();
    return;
  }
  const { ops } = shardOps();
  const shard = ctx.shard;
  const n = Number(args[1]);
  w.array(n);
  let i = 2;
  for (let c = 0; c < n; c++) {
    const opIndex = Number(args[i]);
    const argc = Number(args[i + 1]);
    i += 2;
    const entry = ops[opIndex];
    const sub = entry.subcommandName;
    const cmd: string[] = sub === undefined ? [entry.commandName] : [entry.commandName, sub];
    for (let j = 0; j < argc; j++) cmd.push(args[i + j]);
    i += argc;
    runCommand(ctx, opIndex, cmd, w);
  }
  shard.stats.commands += n;
}

const internal = (name: string, op: ShardOp): CommandSpec => internalRow(name, op, 'transactions');

export const transactionShardCommands: CommandSpec[] = [
  internal('__watch', opWatch),
  internal('__watchcheck', opWatchcheck),
  internal('__unwatch', opUnwatch),
  internal('__exec', opExec),
];
