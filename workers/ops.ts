/**
 * The shard's op table: every shard row of the command table
 * (src/core/commands/) bound to its registered op (workers/families/), by op
 * index. Built once per thread from the same rows the main thread numbers
 * requests by, so an index means the same command on both sides.
 */
import { CommandIndex, type CommandEntry } from '../src/core/commands/model';
import { commandRows } from '../src/core/commands';
import type { CommandSpec, KeyFinder, OpVariant } from '../src/core/commands/spec';
import type { ShardOp } from './op-context';
import { shardOps } from './families';

export interface OpEntry extends CommandEntry<OpEntry> {
  /** The name the op sees as args[0]: the command, or the container for a subcommand. */
  readonly commandName: string;
  readonly run: ShardOp<OpVariant | undefined>;
  readonly variant: OpVariant | undefined;
  /** The row may modify its keys: after it succeeds, listeners on its keys are signalled. */
  readonly writes: boolean;
  /** The row reads each of its keys once: a keyspace hit or miss each (INFO keyspace_hits / keyspace_misses), counted after it runs. */
  readonly readStats: boolean;
  /** The row raises `keymiss` for absent keys, as Redis's lookupKeyRead does (with readStats). */
  readonly keymiss: boolean;
  /** The keys the row looks up as reads when it declares them (RowDecl.readLookups): taken and notified before it runs, counted after. */
  readonly readLookups: KeyFinder | null;
  /** The row may grow memory: refused with -OOM when the shard is over maxmemory and cannot evict. */
  readonly denyoom: boolean;
  /** A write whose keys may hold collections changed in place: their sizes are re-estimated after it. */
  readonly resizes: boolean;
}

/**
 * Rows that count a keyspace hit or miss for each of their keys: the
 * read-only ones (MEMORY USAGE finds its key without a lookup) and GETEX, a
 * write that reads. Rows declaring readLookups are counted by those instead.
 */
function countsReads(spec: CommandSpec, commandName: string): boolean {
  return spec.readLookups === undefined && ((spec.flags.includes('readonly') && commandName !== 'memory') || commandName === 'getex');
}

function bind(base: CommandEntry<OpEntry>): OpEntry {
  const spec = base.spec;
  const commandName = base.parent === undefined ? spec.name : base.parent.spec.name;
  let run: ShardOp<OpVariant | undefined> | undefined;
  if (base.opIndex >= 0) {
    // The registry holds ops of every variant type; each is called with its own row's variant.
    run = shardOps[spec.op] as ShardOp<OpVariant | undefined> | undefined;
    if (run === undefined) throw new Error(`shard row '${base.fullName}' has no op registered as '${spec.op}'`);
  }
  const readStats = countsReads(spec, commandName);
  return {
    ...base,
    commandName,
    run: run ?? noOp,
    variant: spec.variant,
    writes: spec.flags.includes('write'),
    readStats,
    // OBJECT looks its key up without notifying a miss (LOOKUP_NONOTIFY).
    keymiss: readStats && commandName !== 'object',
    readLookups: spec.readLookups ?? null,
    denyoom: spec.flags.includes('denyoom'),
    // String, bitmap and HyperLogLog values are immutable strings: Db.set/replace accounted them already.
    resizes: spec.flags.includes('write') && spec.group !== 'string' && spec.group !== 'bitmap' && spec.group !== 'hyperloglog',
  };
}

function noOp(): void {}

/** The command table as a shard sees it. */
export const opTable = new CommandIndex<OpEntry>(commandRows, bind);

/** Every op by index (see src/core/commands/model.ts). */
export const OPS: readonly OpEntry[] = opTable.ops;

{
  // A registered op no row refers to is a typo in a row or a dead op.
  const used = new Set(OPS.map((o) => o.spec.op));
  for (const name of Object.keys(shardOps)) if (!used.has(name)) throw new Error(`shard op '${name}' is registered but no row uses it`);
}
