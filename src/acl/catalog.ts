/**
 * The commands as the ACL sees them: every row and subcommand by full name
 * (`get`, `client|list`), with its categories, built once from the rows of
 * the command table (src/core/commands/).
 */
import type { CommandSpec } from '../core/commands/spec';
import { commandRows } from '../core/commands';
import { ACL_CATEGORIES, rowCategories } from './command-meta';

export interface AclCommand {
  readonly fullName: string;
  readonly spec: CommandSpec;
  readonly parent: AclCommand | undefined;
  readonly subcommands: readonly AclCommand[];
  readonly categories: ReadonlySet<string>;
}

export class CommandCatalog {
  readonly byName = new Map<string, AclCommand>();
  /** Top-level commands in table order (each followed by its subcommands when walked). */
  readonly top: AclCommand[] = [];

  constructor(rows: readonly CommandSpec[]) {
    for (const spec of rows) {
      const subs: AclCommand[] = [];
      const cmd: AclCommand = { fullName: spec.name, spec, parent: undefined, subcommands: subs, categories: new Set(rowCategories(spec)) };
      for (const s of spec.subcommands ?? []) {
        const sub: AclCommand = { fullName: `${spec.name}|${s.name}`, spec: s, parent: cmd, subcommands: [], categories: new Set(rowCategories(s)) };
        subs.push(sub);
        this.byName.set(sub.fullName, sub);
      }
      this.byName.set(spec.name, cmd);
      this.top.push(cmd);
    }
  }

  lookup(fullName: string): AclCommand | undefined {
    return this.byName.get(fullName.toLowerCase());
  }

  isCategory(name: string): boolean {
    return ACL_CATEGORIES.includes(name.toLowerCase());
  }

  /** Every command and subcommand in a category (ACL CAT <category>). */
  inCategory(category: string): AclCommand[] {
    const out: AclCommand[] = [];
    for (const c of this.top) {
      if (c.categories.has(category)) out.push(c);
      for (const s of c.subcommands) if (s.categories.has(category)) out.push(s);
    }
    return out;
  }
}

export const aclCatalog = new CommandCatalog(commandRows);
