/**
 * Numbers every shard-local op, so a request carries a u16 index instead of
 * the command name. Both threads build this list from the same rows in the same
 * order, so the numbers agree without being exchanged.
 */
import type { CommandSpec, ShardOp } from './spec';

export interface IndexedOp {
  index: number;
  spec: CommandSpec;
  /** The name the op sees as args[0]: the command, or the container for a subcommand. */
  commandName: string;
  /** For subcommands, the subcommand name the op sees as args[1]. */
  subcommandName?: string;
  op: ShardOp;
}

export function indexShardOps(rows: readonly CommandSpec[]): IndexedOp[] {
  const out: IndexedOp[] = [];
  for (const row of rows) {
    if (row.op) out.push({ index: out.length, spec: row, commandName: row.name, op: row.op });
    for (const sub of row.subcommands ?? []) {
      if (sub.op) {
        out.push({ index: out.length, spec: sub, commandName: row.name, subcommandName: sub.name, op: sub.op });
      }
    }
  }
  if (out.length > 0xffff) throw new Error('too many shard ops for a u16 index');
  return out;
}
