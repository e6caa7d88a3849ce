/**
 * The commands as the ACL sees them: every command and subcommand Redis
 * 7.0.15 has (src/core/commands/redis-meta.ts), by full name (`get`,
 * `client|list`), with its categories, plus any row of Shardis's table Redis
 * lacks. Rules may name a Redis command Shardis does not implement, as they
 * may on Redis, and the category counts ACL LIST's descriptions are computed
 * from are Redis's own.
 */
import type { CommandSpec } from '../commands/spec';
import { commandRows } from '../commands';
import { redisCommands, type RedisCommandMeta } from '../commands/redis-meta';
import { ACL_CATEGORIES, rowCategories } from './command-meta';

export interface AclCommand {
  readonly fullName: string;
  /** Redis's metadata, when Redis has the command. */
  readonly meta: RedisCommandMeta | undefined;
  /** Shardis's row, when Shardis implements the command. */
  readonly spec: CommandSpec | undefined;
  readonly parent: AclCommand | undefined;
  readonly subcommands: AclCommand[];
  readonly categories: ReadonlySet<string>;
  /** Allowed before authentication and for every user (AUTH, HELLO, QUIT...). */
  readonly noAuth: boolean;
  readonly arity: number;
}

export class CommandCatalog {
  readonly byName = new Map<string, AclCommand>();
  /** Top-level commands in a fixed order (each followed by its subcommands when walked). */
  readonly top: AclCommand[] = [];

  constructor(meta: Readonly<Record<string, RedisCommandMeta>>, rows: readonly CommandSpec[]) {
    const specs = new Map<string, CommandSpec>();
    for (const r of rows) {
      specs.set(r.name, r);
      for (const s of r.subcommands ?? []) specs.set(`${r.name}|${s.name}`, s);
    }
    const make = (fullName: string, parent: AclCommand | undefined): AclCommand => {
      const m = Object.prototype.hasOwnProperty.call(meta, fullName) ? meta[fullName] : undefined;
      const spec = specs.get(fullName);
      const cats = m !== undefined ? m.acl : rowCategories(spec as CommandSpec);
      const flags: readonly string[] = m?.flags ?? spec?.flags ?? [];
      const c: AclCommand = {
        fullName, meta: m, spec, parent, subcommands: [], categories: new Set(cats), noAuth: flags.includes('no_auth'),
        arity: m?.arity ?? spec?.arity ?? -1,
      };
      this.byName.set(fullName, c);
      return c;
    };
    const tops = new Set<string>();
    for (const name of Object.keys(meta)) if (!name.includes('|')) tops.add(name);
    for (const r of rows) tops.add(r.name);
    for (const name of tops) {
      const c = make(name, undefined);
      const subs = new Set<string>(meta[name]?.subcommands ?? []);
      for (const s of specs.get(name)?.subcommands ?? []) subs.add(`${name}|${s.name}`);
      for (const s of subs) c.subcommands.push(make(s, c));
      this.top.push(c);
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

export const aclCatalog = new CommandCatalog(redisCommands, commandRows);
