/**
 * The command table built from the rows: every command and subcommand by
 * name, and the shard ops numbered in one fixed order. Both threads build it
 * from the same rows (src/core/commands/index.ts), so a request carries a u16
 * op index instead of a name and the numbers agree without being exchanged.
 *
 * Each side decorates the entries with what it alone has: the main thread its
 * coordinators and counters (src/commands/table.ts), a shard its ops
 * (workers/ops.ts). `indexCommands` takes the decoration as a function, so
 * both get one map with their own entry type.
 */
import type { CommandSpec } from './spec';

/** What every entry knows, on either side. */
export interface CommandEntry<E> {
  readonly spec: CommandSpec;
  /** Full name as COMMAND and errors show it: `get`, `client|list`. */
  readonly fullName: string;
  /** Index of the shard op, or -1 for rows that run on the main thread and for containers. */
  readonly opIndex: number;
  readonly parent: E | undefined;
  subcommands: Map<string, E> | undefined;
}

export class CommandIndex<E extends CommandEntry<E>> {
  readonly entries = new Map<string, E>();
  private readonly byExactName = new Map<string, E>();
  /** Shard-op entries by op index. */
  readonly ops: E[] = [];

  constructor(rows: readonly CommandSpec[], make: (base: CommandEntry<E>) => E) {
    const add = (spec: CommandSpec, fullName: string, parent: E | undefined): E => {
      const leaf = spec.subcommands === undefined;
      const opIndex = spec.runs === 'shard' && leaf ? this.ops.length : -1;
      const entry = make({ spec, fullName, opIndex, parent, subcommands: undefined });
      if (opIndex >= 0) this.ops.push(entry);
      return entry;
    };
    for (const spec of rows) {
      if (this.entries.has(spec.name)) throw new Error(`command ${spec.name} declared twice`);
      const entry = add(spec, spec.name, undefined);
      if (spec.subcommands !== undefined) {
        entry.subcommands = new Map();
        for (const sub of spec.subcommands) entry.subcommands.set(sub.name, add(sub, `${spec.name}|${sub.name}`, entry));
      }
      this.entries.set(spec.name, entry);
      this.byExactName.set(spec.name, entry);
      this.byExactName.set(spec.name.toUpperCase(), entry);
    }
    if (this.ops.length > 0xfffe) throw new Error('too many shard ops for a u16 index');
  }

  /** Looks a command up by its (any case) name. */
  lookup(name: string): E | undefined {
    // Clients send either all-lowercase (ioredis) or all-uppercase (redis-cli,
    // redis-benchmark, redis-py) names: both hit `byExactName` without lowercasing.
    return this.byExactName.get(name) ?? this.entries.get(name.toLowerCase());
  }

  /**
   * rename-command: the command answers to `to` instead of `from` (`to`
   * empty: to nothing). Returns false when there is no such command. The
   * entry keeps its own name for COMMAND, ACL rules and statistics, as in Redis.
   */
  rename(from: string, to: string): boolean {
    const key = from.toLowerCase();
    const entry = this.entries.get(key);
    if (entry === undefined) return false;
    this.entries.delete(key);
    for (const [name, e] of this.byExactName) if (e === entry) this.byExactName.delete(name);
    if (to !== '') {
      this.entries.set(to.toLowerCase(), entry);
      this.byExactName.set(to.toLowerCase(), entry);
      this.byExactName.set(to.toUpperCase(), entry);
    }
    return true;
  }

  /** Every entry including subcommands. */
  *all(): Generator<E> {
    for (const e of this.entries.values()) {
      yield e;
      if (e.subcommands !== undefined) yield* e.subcommands.values();
    }
  }
}
