/**
 * The shape of a row in the command table.
 *
 * Every command is declared once, in the module of its family, as one row:
 * name, arity, flags, key positions, documentation, and where it runs. Routing,
 * arity checks, `COMMAND`, `COMMAND DOCS` (which redis-cli turns into hints) and
 * docs/commands.md all read the same rows.
 *
 * A row runs in one of two places, and the field names say which:
 * - `op`: shard-local. Runs inside the shard thread that owns the keys and
 *   touches only that shard's data (see workers/engine.ts).
 * - `coord`: coordinator. Runs on the main thread: connection state, server
 *   state, or commands that fan out to several shards (see src/commands/).
 * A row with `op` may also have a `split` strategy (or a `coord`) used only
 * when its keys live on more than one shard.
 */
import type { ReplyWriter } from '../resp/reply-writer';

export type CommandFlag =
  | 'write'
  | 'readonly'
  | 'denyoom'
  | 'admin'
  | 'pubsub'
  | 'noscript'
  | 'blocking'
  | 'loading'
  | 'stale'
  | 'skip_monitor'
  | 'skip_slowlog'
  | 'fast'
  | 'no_auth'
  | 'may_replicate'
  | 'no_mandatory_keys'
  | 'no_multi'
  | 'allow_busy';

export type CommandGroup =
  | 'generic'
  | 'string'
  | 'list'
  | 'set'
  | 'sorted-set'
  | 'hash'
  | 'pubsub'
  | 'transactions'
  | 'connection'
  | 'server'
  | 'scripting'
  | 'hyperloglog'
  | 'cluster'
  | 'geo'
  | 'stream'
  | 'bitmap';

/**
 * How a command whose keys span several shards is carried out by the
 * coordinator. Each strategy re-issues the same command per shard with that
 * shard's keys and combines the replies.
 * - `sum`: one key per argument (DEL, EXISTS, TOUCH, UNLINK); integer replies are added.
 * - `gather`: one key per argument (MGET); array replies are put back in request order.
 * - `all-ok`: key/value pairs (MSET); every shard must answer +OK.
 */
export type SplitStrategy = 'sum' | 'gather' | 'all-ok';

/** The state a shard-local op sees: the shard, the selected database, the caller. */
export interface ShardOpContext {
  readonly shard: import('../../workers/shard-state').ShardState;
  readonly db: import('../../workers/db').Db;
  readonly dbIndex: number;
  readonly connId: number;
  /** Milliseconds since the epoch, fixed for the whole batch (like Redis's cached mstime). */
  readonly now: number;
  /**
   * A keyspace notification (Redis's notifyKeyspaceEvent): `cls` is a NOTIFY
   * bit (workers/notify.ts). Costs one AND when notifications are off.
   */
  notify(cls: number, event: string, key: string): void;
}

/** A shard-local command body. args[0] is the command's canonical lowercase name. */
export type ShardOp = (ctx: ShardOpContext, args: string[], w: ReplyWriter) => void;

/** A coordinator command body; returns the encoded reply (or a promise of it). */
export type CoordOp = (ctx: import('./coord-context').CoordContext, args: Buffer[]) => Buffer | Promise<Buffer>;

export interface CommandSpec {
  /** Lowercase name; for a subcommand, just the subcommand part ("list" of CLIENT LIST). */
  name: string;
  /** Redis arity: N means exactly N arguments including the name, -N means at least N. */
  arity: number;
  flags: readonly CommandFlag[];
  /** Legacy key positions as in COMMAND INFO: first key, last key (-1 = last argument), step. 0 = no keys. */
  firstKey: number;
  lastKey: number;
  step: number;
  group: CommandGroup;
  since: string;
  summary: string;
  complexity?: string;
  /**
   * The argument syntax after the command name, as in the Redis documentation,
   * e.g. `key value [NX | XX] [GET]`. Parsed into COMMAND DOCS arguments.
   */
  syntax?: string;
  /** Key positions for commands whose keys cannot be described by first/last/step. */
  getKeys?: (args: readonly Buffer[]) => number[];
  op?: ShardOp;
  coord?: CoordOp;
  /**
   * On a shard-local row: true when this request may block (XREAD ... BLOCK).
   * Such requests run on the main thread through src/blocking instead of `op`.
   */
  blocksIf?: (args: readonly Buffer[]) => boolean;
  split?: SplitStrategy;
  subcommands?: CommandSpec[];
  /** Reachable only from the coordinator, never by clients (not in COMMAND). */
  internal?: boolean;
}

/**
 * A row for an internal shard op: reachable only from coordinators on the
 * main thread (by `CommandTable.internalOp(name)`), never by clients, and not
 * listed by COMMAND. Names start with `__`.
 */
export function internalRow(name: string, op: ShardOp, group: CommandGroup = 'server'): CommandSpec {
  return { name, arity: -1, flags: [], firstKey: 0, lastKey: 0, step: 0, group, since: '0.0.0', summary: '', internal: true, op };
}
