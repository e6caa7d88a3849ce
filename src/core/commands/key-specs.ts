/**
 * Finds a request's keys and their access flags from Redis's key specs, as
 * Redis 7.0's getKeysUsingKeySpecs / getKeysFromCommandWithSpecs do (db.c):
 * each spec starts at an index or after a keyword and takes a range or a
 * counted run of keys. Specs Redis cannot follow (begin or find "unknown",
 * flags that depend on the arguments) fall back to the row's own key finder,
 * the way Redis falls back to a command's getkeys procedure.
 */
import type { KeySpecMeta, RedisCommandMeta } from './redis-meta-types';

export interface KeyRef {
  /** Position in the request (args[0] is the command name). */
  readonly pos: number;
  readonly flags: readonly string[];
}

/** Runs one spec; undefined when the spec cannot be followed for these arguments (Redis's invalid_spec). */
function runSpec(spec: KeySpecMeta, args: readonly string[]): KeyRef[] | undefined {
  const argc = args.length;
  let first = 0;
  const b = spec.begin;
  // An incomplete spec may miss keys: Redis then asks the command's own getkeys procedure.
  if (spec.flags.includes('incomplete')) return undefined;
  if (b.type === 'index') first = b.index;
  else if (b.type === 'keyword') {
    const start = b.startfrom > 0 ? b.startfrom : argc + b.startfrom;
    const end = b.startfrom > 0 ? argc - 1 : 1;
    const keyword = b.keyword.toLowerCase();
    for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
      if (i >= argc || i < 1) break;
      if (args[i].toLowerCase() === keyword) {
        first = i + 1;
        break;
      }
    }
    if (first === 0) return []; // keyword absent: this spec names no keys
  } else return undefined;
  let last: number;
  let step: number;
  const f = spec.find;
  if (f.type === 'range') {
    step = f.keystep;
    if (f.lastkey >= 0) last = first + f.lastkey;
    else if (f.limit === 0) last = argc + f.lastkey;
    else last = first + (Math.floor((argc - first) / f.limit) + f.lastkey);
  } else if (f.type === 'keynum') {
    step = f.keystep;
    if (f.keynumidx >= argc) return undefined;
    const text = args[first + f.keynumidx];
    if (text === undefined || !/^(0|-?[1-9][0-9]*)$/.test(text)) return undefined;
    const numkeys = Number(text);
    if (numkeys < 0) return undefined;
    first += f.firstkey;
    last = first + numkeys - 1;
  } else return undefined;
  if (last >= argc || last < first || first >= argc) {
    // EVAL with numkeys 0 and friends: no keys, not an error.
    return f.type === 'keynum' && last === first - 1 ? [] : undefined;
  }
  const out: KeyRef[] = [];
  for (let i = first; i <= last; i += step) out.push({ pos: i, flags: spec.flags });
  return out;
}

/** Whether Redis's COMMAND GETKEYS considers the command to have keys at all (doesCommandHaveKeys). */
export function hasKeys(meta: RedisCommandMeta): boolean {
  return meta.flags.includes('movablekeys') || meta.keySpecs.some((s) => !s.flags.includes('not_key'));
}

/** Flags of commands whose key flags depend on the arguments (Redis's getkeys procedures for them). */
function variableFlags(name: string, args: readonly string[]): readonly string[] | undefined {
  if (name === 'set') return args.slice(3).some((a) => a.toLowerCase() === 'get') ? ['RW', 'access', 'update'] : ['OW', 'update'];
  if (name === 'bitfield') {
    return args.slice(2).some((a) => a.toLowerCase() === 'set' || a.toLowerCase() === 'incrby') ? ['RW', 'access', 'update'] : ['RO', 'access'];
  }
  return undefined;
}

/**
 * The keys of a request with their flags. `fallback` is the row's own key
 * finder, used where the specs cannot be followed; each key it finds takes
 * the flags of the spec that covers that position, else of the last spec
 * Redis marks unknown (SORT's STORE, MIGRATE's KEYS), else of the last spec.
 */
export function keysWithFlags(name: string, meta: RedisCommandMeta, args: readonly string[], fallback: () => number[]): KeyRef[] {
  const specs = meta.keySpecs.filter((s) => !s.flags.includes('not_key'));
  const variable = specs.some((s) => s.flags.includes('variable_flags'));
  if (!variable) {
    const found: KeyRef[] = [];
    let ok = true;
    for (const s of specs) {
      const r = runSpec(s, args);
      if (r === undefined) {
        // A count of keys that is no count, or more keys than arguments: the
        // getkeys procedures of these commands find no keys at all either.
        if (s.find.type === 'keynum') return [];
        ok = false;
        break;
      }
      found.push(...r);
    }
    if (ok) return found;
  }
  const covered = new Map<number, readonly string[]>();
  for (const s of specs) for (const k of runSpec(s, args) ?? []) if (!covered.has(k.pos)) covered.set(k.pos, k.flags);
  const unknown = specs.filter((s) => s.begin.type === 'unknown' || s.find.type === 'unknown').pop() ?? specs[specs.length - 1];
  const vflags = variableFlags(name, args);
  // Redis's getkeys procedures report the access flags alone, never `incomplete`.
  const clean = (f: readonly string[]): readonly string[] => f.filter((x) => x !== 'incomplete');
  return fallback().map((pos) => ({ pos, flags: clean(vflags ?? covered.get(pos) ?? unknown?.flags ?? []) }));
}
