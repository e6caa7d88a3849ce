/**
 * Shard RPC, the shard side of MULTI/EXEC/WATCH (the main-thread side is
 * src/coordination/transactions.ts).
 *
 * WATCH registers one 'watch' listener per connection per shard on every
 * watched key (KeySignals). Any signal on one of those keys (a successful
 * write op, an expiry, FLUSHDB/FLUSHALL/SWAPDB) marks the listener dirty; the
 * listener lives until EXEC, DISCARD, UNWATCH, RESET or the connection's
 * `connClosed` removes it.
 *
 * `exec` is EXEC's single-shard fast path: the watch check and every queued
 * command run inside one RPC, so nothing else can run in between and no lock
 * is needed.
 */
import { ReplyWriter } from '../../src/core/wire/reply-writer';
import type { ShardOpContext } from '../op-context';
import type { KeyListener, KeySignals } from '../key-signals';
import { runCommand } from '../run-command';
import { OPS } from '../ops';
import type { RpcHandlers } from './handler';

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

/** The EXEC reply is built here; kept between calls (reset each time). */
const execWriter = new ReplyWriter(1024);

export const transactionRpc: Pick<RpcHandlers, 'watch' | 'watchCheck' | 'unwatch' | 'exec'> = {
  /** WATCH: the request's connection watches keys of the request's db. */
  watch: (ctx, { keys }) => {
    const signals = ctx.shard.signals;
    const l = watchOf(signals, ctx.connId) ?? new WatchListener(ctx.connId);
    for (const key of keys) {
      // A key whose TTL already passed is expired now, before we listen: as in
      // Redis, its later removal does not count as a change.
      ctx.db.has(key, ctx.now);
      signals.add(ctx.dbIndex, key, l);
    }
  },

  watchCheck: (ctx) => takeWatchDirty(ctx),

  unwatch: (ctx) => {
    ctx.shard.signals.removeWhere(ctx.connId, (r) => r.listener.kind === 'watch');
  },

  /**
   * EXEC on one shard: checks the watches, then runs the queued commands in a
   * row, each reply (or error) an element of the EXEC array, with the same
   * error handling, stats and key signals as the engine gives a batch entry.
   */
  exec: (ctx, { commands }) => {
    const w = execWriter;
    w.reset();
    w.proto = ctx.proto;
    if (takeWatchDirty(ctx)) {
      w.nullArray();
    } else {
      w.array(commands.length);
      for (const { opIndex, args } of commands) {
        const op = OPS[opIndex];
        const cmd = [op.commandName, ...args];
        runCommand(ctx, opIndex, cmd, w);
      }
      ctx.shard.stats.commands += commands.length;
    }
    const reply = w.buf.latin1Slice(0, w.len);
    // Do not keep a huge transaction's reply buffer around.
    if (w.buf.length > 1024 * 1024) w.buf = Buffer.allocUnsafeSlow(1024);
    return reply;
  },
};
