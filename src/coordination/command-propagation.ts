/**
 * A command's place in the propagation feed (src/persistence/propagation.ts:
 * the AOF and the replication stream), given when the dispatcher sends it:
 * reserved now, in dispatch order, and filled when the reply arrives. A
 * command that may block gets its place from the blocking coordinator, at
 * each attempt that may serve it (src/coordination/blocking.ts), so it
 * never holds the feed back; EXEC propagates its queue's writes between
 * MULTI and EXEC. Writes that came from our primary reach our
 * replicas as its verbatim stream, so here they go to the AOF only.
 *
 * A script is propagated as its effects, which its shard reports just before
 * its reply (ShardEvent 'script-effects'). Shards report them whether or not
 * a feed exists, so every script's reply takes its own, feed or not: effects
 * left queued (a script dispatched just before the first replica created the
 * backlog) would otherwise be taken by the connection's next script as its own.
 */
import type { Connection } from '../connection';
import type { ServerContext, TableEntry } from './context';
import type { Transaction } from './transactions';
import { arrayElements } from '../resp/reply-reader';
import type { FeedSlot } from '../persistence/propagation';
import { CONN_ID_MASK } from '../core/shard-protocol';
import { evalKeys } from '../core/commands/key-finders';

/** A script runs in the shard of its first declared key (shard 0 without keys), locked or not. */
function scriptShard(server: ServerContext, args: readonly string[]): number {
  if (server.shards.count === 1) return 0;
  const keys = evalKeys(args);
  return keys.length > 0 ? server.shards.router.shardOf(args[keys[0]]) : 0;
}

interface Effects {
  cmds: string[][];
  replies: string[];
}

/**
 * Scripts' writes, from their shards' 'script-effects' events (one per
 * script call a shard ran, arriving before its reply), queued per connection
 * and shard: a pipeline's scripts on one shard answer in order, scripts on
 * different shards may run at the same time.
 */
class ScriptEffects {
  private readonly byConn = new Map<number, Map<number, Effects[]>>();

  add(connId: number, shard: number, fx: Effects): void {
    let m = this.byConn.get(connId);
    if (m === undefined) this.byConn.set(connId, (m = new Map()));
    const q = m.get(shard);
    if (q === undefined) m.set(shard, [fx]);
    else q.push(fx);
  }

  /** The oldest effects of the connection's script that ran on `shard`. */
  take(connId: number, shard: number): Effects | undefined {
    const m = this.byConn.get(connId);
    const q = m?.get(shard);
    if (m === undefined || q === undefined) return undefined;
    const fx = q.shift();
    if (q.length === 0) m.delete(shard);
    if (m.size === 0) this.byConn.delete(connId);
    return fx;
  }
}

const effectsByServer = new WeakMap<ServerContext, ScriptEffects>();

function scriptEffects(server: ServerContext): ScriptEffects {
  let m = effectsByServer.get(server);
  if (m === undefined) {
    const fx = new ScriptEffects();
    effectsByServer.set(server, (m = fx));
    server.shardEvents['script-effects'] = (shard, ev) => {
      // The shard knows the connection by its id with request flags (SCRIPT_UNLOCKED, ...) set.
      fx.add(ev.connId & CONN_ID_MASK, shard, { cmds: ev.cmds, replies: ev.replies });
    };
  }
  return m;
}

/**
 * A script's place in the feed. It moves to the end of the order if the
 * script runs again under the lock (runScriptUnlocked): it runs from there.
 */
export class ScriptFeedPlace {
  private slot: FeedSlot;
  private readonly shard: number;
  /** Taken now: the first script's effects arrive before its reply, and need their handler by then. */
  private readonly effects: ScriptEffects;

  constructor(
    private readonly server: ServerContext,
    private readonly conn: Connection,
    args: readonly string[],
  ) {
    this.slot = server.feed.reserve(conn.db, !conn.isMaster);
    this.slot.onWritten = server.replication.wroteFor(conn);
    this.shard = scriptShard(server, args);
    this.effects = scriptEffects(server);
  }

  requeue(): void {
    this.slot = this.server.feed.requeue(this.slot);
  }

  /** Where the script's effects go now (blocked clients it fed, served in its shard after it, are logged after them). */
  get place(): FeedSlot {
    return this.slot;
  }

  /** The reply's hook: the place gets the script's effects, in MULTI/EXEC. */
  readonly onReply = (): void => {
    const feed = this.server.feed;
    const fx = this.effects.take(this.conn.id, this.shard);
    if (fx === undefined) feed.skip(this.slot);
    else feed.completeExec(this.slot, fx.cmds, fx.replies.map((r) => Buffer.from(r, 'latin1')));
  };
}

/**
 * Gives a command its place in the feed when it is dispatched, or, without
 * a feed (or for the AOF's own loader), only sees that a script's effects
 * are taken. A script's place is returned: it moves if the script runs
 * again under the lock.
 */
export function propagate(server: ServerContext, conn: Connection, entry: TableEntry, args: string[]): ScriptFeedPlace | undefined {
  const feed = server.feed;
  if (conn.loader || !feed.active) {
    dropScriptEffects(server, conn, entry, args);
    return undefined;
  }
  const flags = entry.spec.flags;
  const db = conn.db;
  const replicate = !conn.isMaster;
  if (entry.fullName === 'exec') {
    const queue = (conn.txn as Transaction | null)?.queue;
    if (queue === null || queue === undefined) return;
    // A script inside MULTI is propagated as itself (its effects come per script, not per queued command).
    const kept = queue.filter((q) => q.entry.spec.flags.includes('write') || q.entry.fullName === 'select' || q.entry.spec.undeclaredKeys);
    if (kept.length === 0) return;
    const index = queue.map((q) => kept.includes(q));
    const cmds = kept.map((q) => q.args.slice());
    const drop = dropper(server, conn, queue.filter((q) => q.entry.spec.undeclaredKeys));
    const slot = feed.reserve(db, replicate);
    slot.onWritten = server.replication.wroteFor(conn);
    conn.aofNext = (reply) => {
      drop?.();
      const all = arrayElements(reply);
      feed.completeExec(slot, cmds, all === null ? null : all.filter((_r, i) => index[i]));
    };
    return;
  }
  if (entry.spec.undeclaredKeys) {
    const place = new ScriptFeedPlace(server, conn, args);
    conn.aofNext = place.onReply;
    // One shard runs every script as a client command (no shard lock to take): clients it fed are served after it there.
    conn.feedPlaceNext = place.place;
    return place;
  }
  if (!flags.includes('write')) return;
  // A command that may block is logged by the blocking coordinator, where the attempt that serves it runs (src/coordination/blocking.ts).
  if (flags.includes('blocking') && (entry.spec.runs === 'main' || entry.spec.blocksIf?.(args) === true)) return;
  // The framer's array goes to the shard: the feed keeps its own copy.
  const copy = args.slice();
  const slot = feed.reserve(db, replicate);
  slot.onWritten = server.replication.wroteFor(conn);
  conn.aofNext = (reply) => feed.complete(slot, copy, reply);
  // Blocked clients its shard serves right after it are logged right after it (src/coordination/blocking.ts).
  conn.feedPlaceNext = slot;
}

/** Without a place in the feed: a script's reply (or EXEC's, for the scripts it ran) takes their effects and drops them. */
function dropScriptEffects(server: ServerContext, conn: Connection, entry: TableEntry, args: readonly string[]): void {
  if (entry.spec.undeclaredKeys) {
    // On every script's path: one closure, nothing else allocated.
    const shard = scriptShard(server, args);
    const effects = scriptEffects(server);
    conn.aofNext = () => void effects.take(conn.id, shard);
    return;
  }
  if (entry.fullName !== 'exec') return;
  const queue = (conn.txn as Transaction | null)?.queue;
  if (queue !== null && queue !== undefined) conn.aofNext = dropper(server, conn, queue.filter((q) => q.entry.spec.undeclaredKeys));
}

/** Takes (and drops) the effects of these scripts of the connection; null when there are none. */
function dropper(server: ServerContext, conn: Connection, scripts: readonly { args: readonly string[] }[]): (() => void) | null {
  if (scripts.length === 0) return null;
  const shards = scripts.map((s) => scriptShard(server, s.args));
  const effects = scriptEffects(server);
  return () => {
    for (const shard of shards) effects.take(conn.id, shard);
  };
}
