/**
 * What a shard op sees, and the shape of one: shard-local code only. Ops are
 * registered by name (workers/families/) and bound to their rows of the
 * command table by workers/ops.ts.
 */
import type { ReplyWriter } from '../src/core/wire/reply-writer';
import type { OpVariant } from '../src/core/commands/spec';
import type { PeerRpc, ShardState } from './shard-state';
import type { Db } from './db';
import type { ScriptingMemory } from '../src/core/shard-protocol';
import { NOTIFY } from '../src/core/notify';

/** The state a shard-local op sees: the shard, the selected database, the caller. */
export interface ShardOpContext {
  readonly shard: ShardState;
  readonly db: Db;
  readonly dbIndex: number;
  readonly connId: number;
  /** The caller's protocol (replies written by `w` already follow it). */
  readonly proto: 2 | 3;
  /** Milliseconds since the epoch, fixed for the whole batch (like Redis's cached mstime). */
  readonly now: number;
  /** The client tracks the keys this command reads (CLIENT TRACKING; TRACK_READS in the request). */
  readonly trackReads?: boolean;
  /** A script in this request runs without the shard lock (SCRIPT_UNLOCKED in the request). */
  readonly scriptUnlocked?: boolean;
  /**
   * Other shards, for keys an op derives from data (SORT's BY/GET pattern
   * keys): set only where the request runs under the main thread's shard
   * lock (a script's run; see workers/scripting/peers.ts).
   */
  readonly peers?: PeerRpc | null;
  /**
   * A keyspace notification (Redis's notifyKeyspaceEvent): `cls` is a NOTIFY
   * bit (src/core/notify.ts). Costs one AND when notifications are off.
   * `changes` (default 1) is what the change adds to the dirty counter
   * (rdb_changes_since_last_save), as Redis counts it: per element pushed,
   * added, removed or popped; 0 for the `del` of a collection emptied by its
   * command's own removals, which Redis does not count again.
   */
  notify(cls: number, event: string, key: string, changes?: number): void;
}

/**
 * A keyspace notification for a change Redis makes without calling
 * signalModifiedKey: the event and the dirty counter (`changes`), but WATCH
 * and CLIENT TRACKING do not hear of it. Redis 7.0's consumer-group
 * bookkeeping is such a change (XGROUP's subcommands, XSETID, the consumer
 * an XREADGROUP or XCLAIM creates): an EXEC watching the stream still runs.
 */
export function notifyUnsignalled(ctx: ShardOpContext, cls: number, event: string, key: string, changes = 1): void {
  ctx.shard.stats.dirty += changes;
  ctx.shard.notify(cls, event, key, ctx.dbIndex);
}

/**
 * A change Redis signals (signalModifiedKey, and the dirty counter) without a
 * keyspace event: WATCH and CLIENT TRACKING hear of it, subscribers do not.
 * PFCOUNT writing a freshly computed cardinality into the HLL's header is one.
 */
export function signalUnnotified(ctx: ShardOpContext, key: string, changes = 1): void {
  ctx.shard.stats.dirty += changes;
  if (ctx.shard.signals.size !== 0) ctx.shard.changed(ctx.dbIndex, key, ctx.connId);
}

/**
 * A shard-local command body. args[0] is the command's canonical lowercase
 * name; a subcommand (args[1]) is as the client typed it, which Redis's
 * subcommand errors echo (compare it case-insensitively); `variant` is the row's plain data, for ops
 * that serve several rows (LPUSH/RPUSH, the ZRANGE forms).
 */
export type ShardOp<V = undefined> = (ctx: ShardOpContext, args: string[], w: ReplyWriter, variant: V) => void;

/** A family's ops by registered name (a row's `op`, by default its full name). */
export type ShardOps = Readonly<Record<string, ShardOp<never>>>;

/**
 * The shard's scripting engine as ops and RPCs see it (workers/scripting/
 * implements it; workers/engine.ts installs it): scripts run commands through
 * the op table, a layer above the families, so the families reach it through
 * `scriptRunner`.
 */
export interface ScriptRunner {
  /** EVAL/EVALSHA and their _RO forms (numkeys already checked). */
  eval(ctx: ShardOpContext, args: string[], w: ReplyWriter, bySha: boolean, readOnly: boolean): void;
  /** Compiles and caches a body; its sha1, or throws the Redis error text. */
  load(body: string): string;
  has(sha: string): boolean;
  flush(): void;
  /** Whether a function of that name is loaded (FCALL looks it up before it reads numkeys, as Redis). */
  hasFunction(name: string): boolean;
  /** FCALL/FCALL_RO (numkeys already checked). */
  fcall(ctx: ShardOpContext, args: string[], w: ReplyWriter, readOnly: boolean): void;
  /** FUNCTION LOAD; the library's name, or throws the Redis error text. */
  loadLibrary(code: string, replace: boolean): string;
  deleteLibrary(name: string): boolean;
  flushFunctions(): void;
  listLibraries(): { name: string; code: string; functions: { name: string; flags: string[]; description: string | null }[] }[];
  /** INFO memory's scripting figures for this shard. */
  memoryInfo(): ScriptingMemory;
  /**
   * The last EVAL/FCALL was aborted unrun (an unlocked script that reached
   * another shard, ShardEvent 'script-cross'): the main thread runs it again
   * under the shard lock, so this run has no effects to report.
   */
  readonly lastAborted: boolean;
}

const runners = new WeakMap<ShardState, ScriptRunner>();

/** The scripting engine of a shard, if its host installed one. */
export function scriptRunner(shard: ShardState): ScriptRunner | undefined {
  return runners.get(shard);
}

export function installScriptRunner(shard: ShardState, runner: ScriptRunner): void {
  runners.set(shard, runner);
}

/**
 * One lookup Redis makes with lookupKeyRead: a keyspace hit or miss (INFO
 * keyspace_hits / keyspace_misses) and, for a miss, the `keymiss` event.
 */
export function countReadLookup(ctx: ShardOpContext, key: string, found: boolean): void {
  if (found) {
    ctx.shard.stats.keyspaceHits++;
    return;
  }
  ctx.shard.stats.keyspaceMisses++;
  if ((ctx.shard.settings.notifyFlags & NOTIFY.keymiss) !== 0) ctx.notify(NOTIFY.keymiss, 'keymiss', key);
}
