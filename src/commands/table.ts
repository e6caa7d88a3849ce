/**
 * The command table as the main thread sees it: every row of every family,
 * shard-local and coordinator alike, looked up by name. Routing, arity checks,
 * COMMAND and COMMAND DOCS read it.
 */
import { shardFamilies } from '../../workers/families';
import { coordFamilies } from './families';
import { crossShardOps } from './cross-shard';
import { indexShardOps } from './op-index';
import type { CommandSpec, CoordOp } from './spec';

export interface TableEntry {
  spec: CommandSpec;
  /** Full name as COMMAND and errors show it: `get`, `client|list`. */
  fullName: string;
  /** Index of the shard op (see op-index.ts), or -1 for coordinator rows. */
  opIndex: number;
  /** Coordinator used when the keys of an `op` row span several shards. */
  crossShard: CoordOp | undefined;
  subcommands: Map<string, TableEntry> | undefined;
  parent: TableEntry | undefined;
  /** Counters for INFO commandstats. */
  calls: number;
  usec: number;
  rejectedCalls: number;
  failedCalls: number;
}

export class CommandTable {
  readonly entries = new Map<string, TableEntry>();
  private readonly byExactName = new Map<string, TableEntry>();

  constructor(rows: readonly CommandSpec[]) {
    const opIndex = new Map<CommandSpec, number>();
    for (const o of indexShardOps(shardFamilies)) opIndex.set(o.spec, o.index);
    for (const spec of rows) {
      if (spec.internal) continue;
      const entry = this.makeEntry(spec, spec.name, opIndex, undefined);
      if (spec.subcommands) {
        entry.subcommands = new Map();
        for (const sub of spec.subcommands) {
          entry.subcommands.set(sub.name, this.makeEntry(sub, `${spec.name}|${sub.name}`, opIndex, entry));
        }
      }
      if (this.entries.has(spec.name)) throw new Error(`command ${spec.name} declared twice`);
      this.entries.set(spec.name, entry);
      this.byExactName.set(spec.name, entry);
      this.byExactName.set(spec.name.toUpperCase(), entry);
    }
  }

  private makeEntry(spec: CommandSpec, fullName: string, opIndex: Map<CommandSpec, number>, parent: TableEntry | undefined): TableEntry {
    return {
      spec,
      fullName,
      opIndex: opIndex.get(spec) ?? -1,
      crossShard: crossShardOps[fullName],
      subcommands: undefined,
      parent,
      calls: 0,
      usec: 0,
      rejectedCalls: 0,
      failedCalls: 0,
    };
  }

  /** Looks a command up by its (any case) name. */
  lookup(name: string): TableEntry | undefined {
    // Clients send either all-lowercase (ioredis) or all-uppercase (redis-cli,
    // redis-benchmark, redis-py) names: both hit `byExactName` without lowercasing.
    return this.byExactName.get(name) ?? this.entries.get(name.toLowerCase());
  }

  /** Index of an internal shard op by name (coordinators use these to talk to shards). */
  static internalOp(name: string): number {
    const found = INTERNAL.get(name);
    if (found === undefined) throw new Error(`no internal op ${name}`);
    return found;
  }

  /** Every entry including subcommands, for COMMAND and stats. */
  *all(): Generator<TableEntry> {
    for (const e of this.entries.values()) {
      yield e;
      if (e.subcommands) yield* e.subcommands.values();
    }
  }
}

const INTERNAL = new Map<string, number>();
for (const o of indexShardOps(shardFamilies)) {
  INTERNAL.set(o.subcommandName ? `${o.commandName}|${o.subcommandName}` : o.commandName, o.index);
}

export const commandTable = new CommandTable([...shardFamilies, ...coordFamilies]);

/** The key positions of a command's arguments. */
export function keyPositions(spec: CommandSpec, args: readonly Buffer[]): number[] {
  if (spec.getKeys) return spec.getKeys(args);
  if (spec.firstKey <= 0) return [];
  const last = spec.lastKey < 0 ? args.length + spec.lastKey : spec.lastKey;
  const out: number[] = [];
  for (let i = spec.firstKey; i <= last && i < args.length; i += spec.step) out.push(i);
  return out;
}
