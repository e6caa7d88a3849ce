/**
 * COMMAND and its subcommands, read from the command table. For every command
 * Redis 7.0.15 has, COMMAND INFO and COMMAND DOCS answer with Redis's own
 * metadata (src/core/commands/redis-meta.ts, generated from redis-server), so
 * flags, ACL categories, tips, key specs and argument trees are Redis's.
 * Shardis's own commands (`.WATCH` forms) have no such metadata: theirs is
 * derived from the row's group, flags, key positions and syntax string.
 */
import type { CommandFlag, CommandSpec } from '../core/commands/spec';
import type { CoordOp, Coords, TableEntry } from '../coordination/context';
import type { CommandIndex } from '../core/commands/model';
import { keyPositions } from '../core/commands/spec';
import type { ReplyWriter } from '../core/wire/reply-writer';
import { buildReply, errorReply, helpReply, integerReply } from '../resp/replies';
import { parseSyntax, type DocArg } from './syntax';
import { ERR_SYNTAX } from '../core/errors';
import { globMatch } from '../core/glob';
import { redisMeta, type ArgMeta, type DocsMeta, type KeySpecMeta, type RedisCommandMeta } from '../core/commands/redis-meta';
import { hasKeys, keysWithFlags } from '../core/commands/key-specs';

/** Redis's order of command flags in COMMAND INFO. */
const FLAG_ORDER: readonly string[] = [
  'write', 'readonly', 'denyoom', 'module', 'admin', 'pubsub', 'noscript', 'blocking', 'loading', 'stale', 'skip_monitor',
  'skip_slowlog', 'asking', 'fast', 'no_auth', 'may_replicate', 'sentinel', 'only_sentinel', 'no_mandatory_keys', 'protected',
  'no_async_loading', 'no_multi', 'movablekeys', 'allow_busy',
];

/** ACL categories in Redis's bit order (the order COMMAND INFO lists them). */
const CATEGORY_ORDER = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream', 'pubsub',
  'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
] as const;
type Category = (typeof CATEGORY_ORDER)[number];

const GROUP_CATEGORY: Partial<Record<CommandSpec['group'], Category>> = {
  generic: 'keyspace',
  string: 'string',
  list: 'list',
  set: 'set',
  'sorted-set': 'sortedset',
  hash: 'hash',
  pubsub: 'pubsub',
  transactions: 'transaction',
  connection: 'connection',
  scripting: 'scripting',
  hyperloglog: 'hyperloglog',
  geo: 'geo',
  stream: 'stream',
  bitmap: 'bitmap',
};

/** Commands Redis marks @dangerous without being admin commands. */
const DANGEROUS = new Set(['flushdb', 'flushall', 'keys', 'info', 'sort', 'sort_ro', 'migrate', 'restore', 'restore-asking', 'swapdb', 'debug']);

/** Server-group commands that Redis files under @keyspace (the generic group is @keyspace as a whole). */
const KEYSPACE_SERVER = new Set(['dbsize', 'flushdb', 'flushall', 'swapdb']);

/** COMMAND lives in the server group but Redis puts it in @connection. */
const isConnectionCategory = (e: TableEntry): boolean => e.spec.group === 'connection' || e.fullName === 'command' || e.fullName.startsWith('command|');

function isContainer(e: TableEntry): boolean {
  return e.subcommands !== undefined;
}

/** ACL categories of a command (without '@'): Redis's own, else derived from the row. */
export function aclCategories(e: TableEntry): readonly string[] {
  return redisMeta(e.fullName)?.acl ?? derivedCategories(e);
}

function derivedCategories(e: TableEntry): Category[] {
  if (isContainer(e) && e.coord === undefined) return ['slow'];
  const spec = e.spec;
  const cats = new Set<Category>();
  const flags = new Set<CommandFlag>(spec.flags);
  const g = GROUP_CATEGORY[spec.group];
  if (g !== undefined) cats.add(g);
  if (isConnectionCategory(e)) cats.add('connection');
  if (KEYSPACE_SERVER.has(e.fullName)) cats.add('keyspace');
  if (flags.has('readonly')) cats.add('read');
  if (flags.has('write')) cats.add('write');
  if (flags.has('admin')) {
    cats.add('admin');
    cats.add('dangerous');
  }
  if (DANGEROUS.has(e.fullName)) cats.add('dangerous');
  if (flags.has('pubsub')) cats.add('pubsub');
  if (flags.has('blocking')) cats.add('blocking');
  cats.add(flags.has('fast') ? 'fast' : 'slow');
  return CATEGORY_ORDER.filter((c) => cats.has(c));
}

function commandFlags(spec: CommandSpec): string[] {
  const set = new Set<string>(spec.flags);
  if (spec.getKeys) set.add('movablekeys');
  return FLAG_ORDER.filter((f) => set.has(f));
}

/** One key spec: where the keys begin and how to find the rest. */
interface KeySpec {
  flags: string[];
  index: number;
  /** Range find_keys, or undefined for "unknown" (keys found by a function). */
  range?: { lastkey: number; keystep: number };
}

function keyAccessFlags(spec: CommandSpec): string[] {
  // Shard channels (SSUBSCRIBE, SPUBLISH) are declared as keys for routing but are no keys.
  if (spec.group === 'pubsub') return ['not_key'];
  // WATCH reads nothing of its keys' values: Redis flags them RO only.
  if (spec.group === 'transactions') return ['RO'];
  if (spec.flags.includes('readonly')) return ['RO', 'access'];
  if (spec.flags.includes('write')) return ['RW', 'update'];
  return ['RW', 'access'];
}

/** Counts the top-level, single key arguments of a syntax (`key`, `source`, `destination`). */
function fixedKeyArgs(args: readonly DocArg[]): number | null {
  let n = 0;
  for (const a of args) {
    if (a.type !== 'key') continue;
    if (a.flags.length > 0) return null;
    n++;
  }
  return n;
}

/**
 * Key specs from the legacy positions: one per fixed key when the syntax lists
 * that many separate keys (RENAME's key and newkey), else one range.
 */
export function keySpecs(spec: CommandSpec): KeySpec[] {
  if (spec.firstKey <= 0 && !spec.getKeys) return [];
  const flags = keyAccessFlags(spec);
  if (spec.getKeys) return [{ flags, index: Math.max(1, spec.firstKey) }];
  if (spec.lastKey >= 0) {
    const count = Math.floor((spec.lastKey - spec.firstKey) / spec.step) + 1;
    const fixed = count > 1 ? fixedKeyArgs(parseSyntax(spec.syntax)) : null;
    if (fixed === count) {
      return Array.from({ length: count }, (_, i) => ({ flags, index: spec.firstKey + i * spec.step, range: { lastkey: 0, keystep: 1 } }));
    }
  }
  const lastkey = spec.lastKey < 0 ? spec.lastKey : spec.lastKey - spec.firstKey;
  return [{ flags, index: spec.firstKey, range: { lastkey, keystep: spec.step } }];
}

function writeKeySpec(w: ReplyWriter, ks: KeySpec): void {
  w.map(3);
  w.bulk('flags');
  w.set(ks.flags.length);
  for (const f of ks.flags) w.simple(f);
  w.bulk('begin_search');
  w.map(2);
  w.bulk('type');
  w.bulk('index');
  w.bulk('spec');
  w.map(1);
  w.bulk('index');
  w.integer(ks.index);
  w.bulk('find_keys');
  w.map(2);
  w.bulk('type');
  if (ks.range === undefined) {
    w.bulk('unknown');
    w.bulk('spec');
    w.map(0);
    return;
  }
  w.bulk('range');
  w.bulk('spec');
  w.map(3);
  w.bulk('lastkey');
  w.integer(ks.range.lastkey);
  w.bulk('keystep');
  w.integer(ks.range.keystep);
  w.bulk('limit');
  w.integer(0);
}

function writeMetaKeySpec(w: ReplyWriter, ks: KeySpecMeta): void {
  w.map(ks.notes === undefined ? 3 : 4);
  if (ks.notes !== undefined) {
    w.bulk('notes');
    w.bulk(ks.notes);
  }
  w.bulk('flags');
  w.set(ks.flags.length);
  for (const f of ks.flags) w.simple(f);
  w.bulk('begin_search');
  w.map(2);
  w.bulk('type');
  w.bulk(ks.begin.type);
  w.bulk('spec');
  if (ks.begin.type === 'index') {
    w.map(1);
    w.bulk('index');
    w.integer(ks.begin.index);
  } else if (ks.begin.type === 'keyword') {
    w.map(2);
    w.bulk('keyword');
    w.bulk(ks.begin.keyword);
    w.bulk('startfrom');
    w.integer(ks.begin.startfrom);
  } else w.map(0);
  w.bulk('find_keys');
  w.map(2);
  w.bulk('type');
  w.bulk(ks.find.type);
  w.bulk('spec');
  if (ks.find.type === 'range') {
    w.map(3);
    w.bulk('lastkey');
    w.integer(ks.find.lastkey);
    w.bulk('keystep');
    w.integer(ks.find.keystep);
    w.bulk('limit');
    w.integer(ks.find.limit);
  } else if (ks.find.type === 'keynum') {
    w.map(3);
    w.bulk('keynumidx');
    w.integer(ks.find.keynumidx);
    w.bulk('firstkey');
    w.integer(ks.find.firstkey);
    w.bulk('keystep');
    w.integer(ks.find.keystep);
  } else w.map(0);
}

/** COMMAND INFO's entry from Redis's metadata; subcommands are those the table has. */
function writeMetaInfo(w: ReplyWriter, e: TableEntry, m: RedisCommandMeta): void {
  w.array(10);
  w.bulk(e.fullName);
  w.integer(m.arity);
  w.set(m.flags.length);
  for (const f of m.flags) w.simple(f);
  w.integer(m.keys[0]);
  w.integer(m.keys[1]);
  w.integer(m.keys[2]);
  w.set(m.acl.length);
  for (const c of m.acl) w.simple(`@${c}`);
  w.set(m.tips.length);
  for (const t of m.tips) w.bulk(t);
  w.set(m.keySpecs.length);
  for (const ks of m.keySpecs) writeMetaKeySpec(w, ks);
  writeSubInfos(w, e);
}

/** Redis writes subcommands as an array, and "no subcommands" as an empty set. */
function writeSubInfos(w: ReplyWriter, e: TableEntry): void {
  const subs = e.subcommands ? [...e.subcommands.values()] : [];
  if (subs.length === 0) {
    w.set(0);
    return;
  }
  w.array(subs.length);
  for (const s of subs) writeInfo(w, s);
}

function writeInfo(w: ReplyWriter, e: TableEntry): void {
  const meta = redisMeta(e.fullName);
  if (meta !== undefined) {
    writeMetaInfo(w, e, meta);
    return;
  }
  const spec = e.spec;
  w.array(10);
  w.bulk(e.fullName);
  w.integer(spec.arity);
  const flags = commandFlags(spec);
  w.set(flags.length);
  for (const f of flags) w.simple(f);
  w.integer(spec.firstKey);
  w.integer(spec.lastKey);
  w.integer(spec.step);
  const cats = derivedCategories(e);
  w.set(cats.length);
  for (const c of cats) w.simple(`@${c}`);
  w.set(0); // tips
  const specs = keySpecs(spec);
  w.set(specs.length);
  for (const ks of specs) writeKeySpec(w, ks);
  writeSubInfos(w, e);
}

/** Finds a command or `container|sub` by its full name. */
function lookupFull(table: CommandIndex<TableEntry>, name: string): TableEntry | undefined {
  const bar = name.indexOf('|');
  if (bar === -1) return table.lookup(name);
  const parent = table.lookup(name.slice(0, bar));
  return parent?.subcommands?.get(name.slice(bar + 1).toLowerCase());
}

function topLevel(table: CommandIndex<TableEntry>): TableEntry[] {
  return [...table.entries.values()];
}


const command: CoordOp = (ctx) =>
  buildReply(ctx, (w) => {
    const all = topLevel(ctx.server.commands);
    w.array(all.length);
    for (const e of all) writeInfo(w, e);
  });

const commandCount: CoordOp = (ctx) => integerReply(ctx.server.commands.entries.size);

const commandInfo: CoordOp = (ctx, args) =>
  buildReply(ctx, (w) => {
    const entries = args.length === 2 ? topLevel(ctx.server.commands) : args.slice(2).map((a) => lookupFull(ctx.server.commands, a));
    w.array(entries.length);
    for (const e of entries) {
      // Redis's addReplyNull: a null bulk in RESP2 (`$-1`), `_` in RESP3.
      if (e === undefined) w.nullBulk();
      else writeInfo(w, e);
    }
  });

function writeDocArg(w: ReplyWriter, a: DocArg): void {
  let n = 2;
  if (a.keySpecIndex !== undefined) n++;
  if (a.token !== undefined) n++;
  if (a.flags.length > 0) n++;
  if (a.args !== undefined) n++;
  w.map(n);
  w.bulk('name');
  w.bulk(a.name);
  w.bulk('type');
  w.bulk(a.type);
  if (a.keySpecIndex !== undefined) {
    w.bulk('key_spec_index');
    w.integer(a.keySpecIndex);
  }
  if (a.token !== undefined) {
    w.bulk('token');
    w.bulk(a.token);
  }
  if (a.flags.length > 0) {
    w.bulk('flags');
    w.set(a.flags.length);
    for (const f of a.flags) w.simple(f);
  }
  if (a.args !== undefined) {
    w.bulk('arguments');
    w.array(a.args.length);
    for (const sub of a.args) writeDocArg(w, sub);
  }
}

/** COMMAND DOCS arguments of a row, with key arguments pointing at their key spec. */
export function docArgs(spec: CommandSpec): DocArg[] {
  const specs = keySpecs(spec);
  return parseSyntax(spec.syntax, (nth) => (specs.length > 1 ? Math.min(nth, specs.length - 1) : 0));
}

/** One COMMAND DOCS argument from Redis's metadata, its fields in Redis's order. */
function writeMetaArg(w: ReplyWriter, a: ArgMeta): void {
  const fields = Object.entries(a) as [keyof ArgMeta, ArgMeta[keyof ArgMeta]][];
  w.map(fields.length);
  for (const [k, v] of fields) {
    w.bulk(k);
    if (k === 'flags') {
      const flags = v as readonly string[];
      w.set(flags.length);
      for (const f of flags) w.simple(f);
    } else if (k === 'key_spec_index') w.integer(v as number);
    else if (k === 'arguments') {
      const args = v as readonly ArgMeta[];
      w.array(args.length);
      for (const sub of args) writeMetaArg(w, sub);
    } else w.bulk(v as string);
  }
}

/** A command's COMMAND DOCS map from Redis's metadata, its fields in Redis's order, subcommands last. */
function writeMetaDoc(w: ReplyWriter, e: TableEntry, d: DocsMeta): void {
  const fields = Object.entries(d) as [keyof DocsMeta, DocsMeta[keyof DocsMeta]][];
  const subs = e.subcommands ? [...e.subcommands.values()] : [];
  w.map(fields.length + (subs.length > 0 ? 1 : 0));
  for (const [k, v] of fields) {
    w.bulk(k);
    if (k === 'doc_flags') {
      const flags = v as readonly string[];
      w.set(flags.length);
      for (const f of flags) w.simple(f);
    } else if (k === 'history') {
      const history = v as readonly (readonly [string, string])[];
      w.set(history.length);
      for (const [version, text] of history) {
        w.array(2);
        w.bulk(version);
        w.bulk(text);
      }
    } else if (k === 'arguments') {
      const args = v as readonly ArgMeta[];
      w.array(args.length);
      for (const a of args) writeMetaArg(w, a);
    } else w.bulk(v as string);
  }
  if (subs.length > 0) {
    w.bulk('subcommands');
    w.map(subs.length);
    for (const s of subs) {
      w.bulk(s.fullName);
      writeDoc(w, s);
    }
  }
}

function writeDoc(w: ReplyWriter, e: TableEntry): void {
  const meta = redisMeta(e.fullName);
  if (meta !== undefined) {
    writeMetaDoc(w, e, meta.docs);
    return;
  }
  const spec = e.spec;
  const args = isContainer(e) ? [] : docArgs(spec);
  const subs = e.subcommands ? [...e.subcommands.values()] : [];
  let n = 3;
  if (spec.complexity !== undefined) n++;
  if (args.length > 0) n++;
  if (subs.length > 0) n++;
  w.map(n);
  w.bulk('summary');
  w.bulk(spec.summary);
  w.bulk('since');
  w.bulk(spec.since);
  w.bulk('group');
  w.bulk(spec.group);
  if (spec.complexity !== undefined) {
    w.bulk('complexity');
    w.bulk(spec.complexity);
  }
  if (args.length > 0) {
    w.bulk('arguments');
    w.array(args.length);
    for (const a of args) writeDocArg(w, a);
  }
  if (subs.length > 0) {
    w.bulk('subcommands');
    w.map(subs.length);
    for (const s of subs) {
      w.bulk(s.fullName);
      writeDoc(w, s);
    }
  }
}

const commandDocs: CoordOp = (ctx, args) =>
  buildReply(ctx, (w) => {
    const entries: TableEntry[] = [];
    if (args.length === 2) entries.push(...topLevel(ctx.server.commands));
    else {
      for (const a of args.slice(2)) {
        const e = lookupFull(ctx.server.commands, a);
        if (e !== undefined) entries.push(e);
      }
    }
    w.map(entries.length);
    for (const e of entries) {
      w.bulk(e.fullName);
      writeDoc(w, e);
    }
  });

const commandList: CoordOp = (ctx, args) => {
  let filter: (e: TableEntry) => boolean = () => true;
  if (args.length !== 2) {
    if (args.length !== 5 || args[2].toLowerCase() !== 'filterby') return errorReply(ERR_SYNTAX);
    const kind = args[3].toLowerCase();
    const value = args[4];
    if (kind === 'module') filter = () => false;
    else if (kind === 'aclcat') filter = (e) => aclCategories(e).includes(value.toLowerCase());
    else if (kind === 'pattern') filter = (e) => globMatch(value, e.fullName, true);
    else return errorReply(ERR_SYNTAX);
  }
  const names: string[] = [];
  for (const e of ctx.server.commands.all()) if (filter(e)) names.push(e.fullName);
  return buildReply(ctx, (w) => {
    w.array(names.length);
    for (const n of names) w.bulk(n);
  });
};

interface FoundKeys {
  entry: TableEntry;
  keys: { pos: number; flags: readonly string[] }[];
}

/**
 * Resolves the command of GETKEYS/GETKEYSANDFLAGS and its keys with their
 * flags, or an error text, in the order of checks of Redis's getKeysSubcommandImpl.
 */
function getKeys(table: CommandIndex<TableEntry>, args: string[]): FoundKeys | string {
  const cmdArgs = args.slice(2);
  let entry = table.lookup(cmdArgs[0]);
  if (entry === undefined) return 'ERR Invalid command specified';
  if (entry.subcommands !== undefined && cmdArgs.length >= 2) {
    const sub = entry.subcommands.get(cmdArgs[1].toLowerCase());
    if (sub === undefined) return 'ERR Invalid command specified';
    entry = sub;
  }
  const spec = entry.spec;
  const meta = redisMeta(entry.fullName);
  const declared = meta !== undefined ? hasKeys(meta) : spec.group !== 'pubsub' && (spec.firstKey > 0 || spec.getKeys !== undefined);
  if (!declared) return 'ERR The command has no key arguments';
  const arity = meta?.arity ?? spec.arity;
  if (arity >= 0 ? cmdArgs.length !== arity : cmdArgs.length < -arity) return 'ERR Invalid number of arguments specified for command';
  const fallback = (): number[] => keyPositions(spec, cmdArgs);
  const keys =
    meta !== undefined
      ? keysWithFlags(entry.fullName, meta, cmdArgs, fallback)
      : fallback().map((pos) => ({ pos, flags: keyAccessFlags(spec) }));
  if (keys.length === 0) {
    const noMandatory = (meta?.flags ?? spec.flags).includes('no_mandatory_keys');
    return noMandatory ? { entry, keys } : 'ERR Invalid arguments specified for command';
  }
  return { entry, keys };
}

const commandGetkeys: CoordOp = (ctx, args) => {
  const r = getKeys(ctx.server.commands, args);
  if (typeof r === 'string') return errorReply(r);
  return buildReply(ctx, (w) => {
    w.array(r.keys.length);
    for (const k of r.keys) w.bulk(args[2 + k.pos]);
  });
};

const commandGetkeysandflags: CoordOp = (ctx, args) => {
  const r = getKeys(ctx.server.commands, args);
  if (typeof r === 'string') return errorReply(r);
  return buildReply(ctx, (w) => {
    w.array(r.keys.length);
    for (const k of r.keys) {
      w.array(2);
      w.bulk(args[2 + k.pos]);
      w.set(k.flags.length);
      for (const f of k.flags) w.simple(f);
    }
  });
};


const COMMAND_HELP = [
  '(no subcommand)',
  '    Return details about every command of the server.',
  'COUNT',
  '    Return the number of commands of the server.',
  'LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]',
  '    Return the names of the commands, optionally only those matching the filter.',
  'INFO [<command-name> ...]',
  '    Return details about the given commands (all when none is given).',
  'DOCS [<command-name> ...]',
  '    Return the documentation of the given commands (all when none is given).',
  'GETKEYS <full-command>',
  '    Return the key arguments of a full command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the key arguments of a full command with their access flags.',
];

const commandHelp: CoordOp = () => helpReply('COMMAND', COMMAND_HELP);

export const introspectionCoords: Coords = {
  command: command,
  'command|count': commandCount,
  'command|info': commandInfo,
  'command|docs': commandDocs,
  'command|list': commandList,
  'command|getkeys': commandGetkeys,
  'command|getkeysandflags': commandGetkeysandflags,
  'command|help': commandHelp,
};
