/**
 * The command model: what a row of the command table says.
 *
 * Every command is one row, declared as data in the file of its family
 * (src/core/commands/<family>.ts), the way Redis keeps one JSON spec per
 * command. Both threads read the same rows: the main thread routes, checks
 * arity and answers COMMAND / COMMAND DOCS from them; a shard numbers its ops
 * from them. A row names *where* it runs, never *how*: the code lives on the
 * side that runs it.
 * - `runs: 'shard'`: a shard-local op, registered by name in workers/families/
 *   and run inside the shard that owns the key(s).
 * - `runs: 'main'`: a coordinator, registered by name in src/commands/ and run
 *   on the main thread (connection and server state, fan-out to every shard).
 */

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
  | 'allow_busy'
  /** Redis runs it as if ASKING was sent (RESTORE-ASKING). */
  | 'asking'
  /** Refused while a replica loads asynchronously (repl-diskless-load on-empty-db/swapdb). */
  | 'no_async_loading';

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

export type Runs = 'shard' | 'main';

/**
 * How a shard row whose keys live on several shards is carried out (fixed
 * when the table is built; src/coordination/ implements each):
 * - `sum`: one key per argument (DEL, EXISTS, TOUCH, UNLINK): the command is
 *   re-issued per shard with that shard's keys and the integer replies added;
 * - `gather`: likewise (MGET), the array replies put back in request order;
 * - `all-ok`: key/value pairs (MSET): every shard must answer +OK;
 * - `coordinator`: a hand-written main-thread coordinator (COPY, SORT ... STORE);
 * - `scratch`: everything else: the row's own op runs in one shard on a
 *   scratch copy of exactly its keys, which are then written back.
 */
export type CrossShard = 'sum' | 'gather' | 'all-ok' | 'coordinator' | 'scratch';

/**
 * Plain data a row hands its op, so one op serves the variants of a command
 * (LPUSH/RPUSH, the ZRANGE forms) without a wrapper function per variant.
 */
export type OpVariant = Readonly<Record<string, string | number | boolean>>;

/** Finds the key positions of a request whose keys first/last/step cannot describe. */
export type KeyFinder = (args: readonly string[]) => number[];

/** A row as a family declares it: the compact form, normalized by `family()`. */
export interface RowDecl {
  /** Lowercase name; for a subcommand only its own part ("list" of CLIENT LIST). */
  name: string;
  /** Redis arity: N means exactly N arguments including the name, -N means at least N. */
  arity: number;
  flags?: readonly CommandFlag[];
  /**
   * Key positions as in COMMAND INFO's legacy fields: `[first]` one key,
   * `[first, last]` (last -1 = the last argument), `[first, last, step]`.
   * Omitted: no keys (or `getKeys` finds them).
   */
  keys?: readonly [first: number, last?: number, step?: number];
  /** Defaults to the family's group. */
  group?: CommandGroup;
  since: string;
  /** The argument syntax after the name, as in the Redis documentation; COMMAND DOCS is parsed from it. */
  syntax?: string;
  summary: string;
  complexity?: string;
  getKeys?: KeyFinder;
  /** A shard row that may block (XREAD ... BLOCK): such requests go to the main thread's blocking coordinator. */
  blocksIf?: (args: readonly string[]) => boolean;
  cross?: Exclude<CrossShard, 'scratch'>;
  /** Where this row runs when it differs from its family (a main-thread subcommand of a shard container: MEMORY STATS). */
  runs?: Runs;
  /**
   * The row may reach keys it does not name (a script): with more than one
   * shard it always runs through its cross-shard plan, whatever its keys.
   */
  undeclaredKeys?: boolean;
  /**
   * Keys the row reads that are derived from data, not named (SORT's BY and
   * GET patterns): one key hashing where each pattern's keys do, or null when
   * they may land anywhere. With more than one shard, a request whose derived
   * keys are not all on its own keys' shard runs through its cross-shard plan.
   */
  derivedKeys?: (args: readonly string[]) => string[] | null;
  /**
   * The keys the command looks up as reads (Redis's lookupKeyRead: a
   * keyspace hit or miss in INFO, a `keymiss` event for a miss), in lookup
   * order and with repeats, where that is not what the flags say: a
   * read-only row reads each of its keys once, a write none. Writes that
   * read (GETDEL, SET ... GET, the sources of the *STORE commands) and
   * reads that look a key up twice (XREAD) declare theirs.
   */
  readLookups?: KeyFinder;
  /** The name the shard op is registered under, when it is not the row's full name (one op, several rows). */
  op?: string;
  variant?: OpVariant;
  subcommands?: readonly RowDecl[];
}

/** A row of the command table, normalized. */
export interface CommandSpec {
  readonly name: string;
  readonly arity: number;
  readonly flags: readonly CommandFlag[];
  readonly firstKey: number;
  readonly lastKey: number;
  readonly step: number;
  readonly group: CommandGroup;
  readonly since: string;
  readonly syntax?: string;
  readonly summary: string;
  readonly complexity?: string;
  readonly runs: Runs;
  readonly getKeys?: KeyFinder;
  readonly blocksIf?: (args: readonly string[]) => boolean;
  /** Shard rows only: how a request whose keys span shards runs. */
  readonly cross: CrossShard;
  /** See RowDecl.undeclaredKeys. */
  readonly undeclaredKeys: boolean;
  /** See RowDecl.derivedKeys. */
  readonly derivedKeys?: (args: readonly string[]) => string[] | null;
  /** See RowDecl.readLookups. */
  readonly readLookups?: KeyFinder;
  /** Shard rows: the registered name of the op (default the full name `cmd` or `cmd|sub`). */
  readonly op: string;
  readonly variant?: OpVariant;
  readonly subcommands?: readonly CommandSpec[];
}

/** Normalizes one family's rows: defaults for group, where they run, keys and flags. */
export function family(group: CommandGroup, runs: Runs, rows: readonly RowDecl[]): CommandSpec[] {
  return rows.map((r) => normalize(r, group, runs, undefined));
}

function normalize(r: RowDecl, group: CommandGroup, runs: Runs, parent: string | undefined): CommandSpec {
  const full = parent === undefined ? r.name : `${parent}|${r.name}`;
  const [first = 0, last = first, step = first > 0 ? 1 : 0] = r.keys ?? [];
  return {
    name: r.name,
    arity: r.arity,
    flags: r.flags ?? [],
    firstKey: first,
    lastKey: last,
    step,
    group: r.group ?? group,
    since: r.since,
    syntax: r.syntax,
    summary: r.summary,
    complexity: r.complexity,
    runs: r.runs ?? runs,
    getKeys: r.getKeys,
    blocksIf: r.blocksIf,
    cross: r.cross ?? 'scratch',
    undeclaredKeys: r.undeclaredKeys ?? false,
    derivedKeys: r.derivedKeys,
    readLookups: r.readLookups,
    op: r.op ?? full,
    variant: r.variant,
    subcommands: r.subcommands?.map((s) => normalize(s, r.group ?? group, runs, r.name)),
  };
}

/**
 * A key/value pair row (MSET, MSETNX) one value short: its op replies the
 * arity error, which Redis checks when the command runs (MULTI queues it).
 * Such a request runs on its first key's shard, never split.
 */
export function pairsIncomplete(spec: CommandSpec, args: readonly string[]): boolean {
  return spec.step === 2 && spec.lastKey === -1 && (args.length - spec.firstKey) % 2 !== 0;
}

/** The key positions of a request (args[0] is the command name). */
export function keyPositions(spec: CommandSpec, args: readonly string[]): number[] {
  if (spec.getKeys !== undefined) return spec.getKeys(args);
  if (spec.firstKey <= 0) return [];
  const last = spec.lastKey < 0 ? args.length + spec.lastKey : spec.lastKey;
  const out: number[] = [];
  for (let i = spec.firstKey; i <= last && i < args.length; i += spec.step) out.push(i);
  return out;
}
