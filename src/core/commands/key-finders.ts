/**
 * Key positions of the commands whose keys first/last/step cannot describe
 * (COMMAND INFO's `movablekeys`): numkeys forms, SORT's STORE, XREAD's
 * STREAMS. Routing, COMMAND GETKEYS, WATCH-style signalling and the scratch
 * executor all find keys through these. They never throw: a malformed request
 * has fewer (or no) keys, and the op itself replies the error.
 */
import type { KeyFinder } from './spec';
import { cLength, isOpt, parseI64 } from '../args/parse';

/**
 * The `numkeys` keys after the argument at `at`. With `after`, that many
 * arguments must follow the keys (LMPOP's LEFT|RIGHT), or there are none;
 * without it the keys present are taken. `dest` adds a destination at 1.
 */
function numkeys(at: number, opts: { after?: number; dest?: boolean } = {}): KeyFinder {
  return (args) => {
    const out: number[] = opts.dest === true && args.length > 1 ? [1] : [];
    if (at >= args.length) return out;
    const n = parseI64(args[at]);
    if (n === null || n < 1n) return out;
    const room = args.length - at - 1 - (opts.after ?? 0);
    if (opts.after !== undefined && n > BigInt(room)) return out;
    const count = n > BigInt(room) ? room : Number(n);
    for (let i = 0; i < count; i++) out.push(at + 1 + i);
    return out;
  };
}

/** LMPOP numkeys key [key ...] <LEFT | RIGHT> ... */
export const lmpopKeys = numkeys(1, { after: 1 });
/** BLMPOP/BZMPOP timeout numkeys key [key ...] <LEFT | RIGHT | MIN | MAX> ... */
export const blmpopKeys = numkeys(2, { after: 1 });
/** SINTERCARD numkeys key [key ...] [LIMIT limit] */
export const sintercardKeys = numkeys(1);
/** ZUNION/ZINTER/ZDIFF/ZINTERCARD/ZMPOP numkeys key [key ...] ... */
export const zsetKeys = numkeys(1);
/** ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE destination numkeys key [key ...] ... */
export const zsetStoreKeys = numkeys(2, { dest: true });

/** SORT as Redis's sortGetKeys finds them: the sorted key and the last STORE destination. */
export const sortKeys: KeyFinder = (args) => {
  if (args.length < 2) return [];
  let store = -1;
  for (let i = 2; i < args.length; i++) {
    const a = args[i].length <= 5 ? args[i].toLowerCase() : '';
    if (a === 'limit') i += 2;
    else if (a === 'get' || a === 'by') i += 1;
    else if (a === 'store' && i + 1 < args.length) store = i + 1;
  }
  return store === -1 ? [1] : [1, store];
};

/** The key at `i`, when the request has it. */
function keyAt(i: number): KeyFinder {
  return (args) => (args.length > i ? [i] : []);
}

export const sortRoKeys: KeyFinder = keyAt(1);

/** sortPatternStar of `#`: the element itself. */
export const PATTERN_ELEMENT = -2;
/** sortPatternStar of a pattern without `*` (before a NUL): no key is read through it. */
export const PATTERN_NO_KEY = -1;

/**
 * Where a SORT BY/GET pattern puts the element, as Redis's lookupKeyByPattern
 * reads the pattern (a C string): PATTERN_ELEMENT, PATTERN_NO_KEY, or the
 * index of its first `*`. A BY pattern below 0 means "do not sort". Shared by
 * routing (sortPatternKeys) and the shard op (workers/families/sort.ts).
 */
export function sortPatternStar(pattern: string): number {
  if (pattern.length > 0 && pattern.charCodeAt(0) === 35 /* # */ && (pattern.length === 1 || pattern.charCodeAt(1) === 0)) return PATTERN_ELEMENT;
  const star = pattern.indexOf('*');
  return star === -1 || star >= cLength(pattern) ? PATTERN_NO_KEY : star;
}

/**
 * A key hashing where every key derived from `pattern` does (its prefix,
 * when the prefix holds a whole non-empty hash tag), `undefined` for a
 * pattern SORT reads nothing through (`#`, no `*`), or null when the derived
 * keys can land anywhere (the element is part of what is hashed).
 */
function patternHome(pattern: string): string | null | undefined {
  const star = sortPatternStar(pattern);
  if (star < 0) return undefined;
  const prefix = pattern.slice(0, star);
  const open = prefix.indexOf('{');
  if (open === -1) return null;
  const close = prefix.indexOf('}', open + 1);
  return close === -1 || close === open + 1 ? null : prefix;
}

/**
 * SORT / SORT_RO: the keys its BY and GET patterns make it read, one per
 * pattern read (see patternHome), or null when some of them cannot be placed
 * from the request alone. Options as sortGeneric (workers/families/sort.ts)
 * reads them: a BY without `*` means no sorting, so no BY pattern is read.
 */
export const sortPatternKeys = (args: readonly string[]): string[] | null => {
  const out: string[] = [];
  let by: string | null = null;
  let dontsort = false;
  for (let i = 2; i < args.length; i++) {
    const left = args.length - i - 1;
    if (isOpt(args[i], 'limit') && left >= 2) i += 2;
    else if (isOpt(args[i], 'store') && left >= 1) i += 1;
    else if (isOpt(args[i], 'by') && left >= 1) {
      by = args[++i];
      if (patternHome(by) === undefined) dontsort = true;
    } else if (isOpt(args[i], 'get') && left >= 1) {
      const home = patternHome(args[++i]);
      if (home === null) return null;
      if (home !== undefined) out.push(home);
    }
  }
  if (by !== null && !dontsort) {
    const home = patternHome(by);
    if (home === null) return null;
    if (home !== undefined) out.push(home);
  }
  return out;
};

/** XREAD/XREADGROUP: the first half of the arguments after STREAMS. */
export const xreadKeys: KeyFinder = (args) => {
  let streamsPos = -1;
  for (let i = 1; i < args.length; i++) {
    const a = args[i].toLowerCase();
    if (a === 'block' || a === 'count') i++;
    else if (a === 'group') i += 2;
    else if (a === 'noack') continue;
    else if (a === 'streams') {
      streamsPos = i;
      break;
    } else break;
  }
  if (streamsPos === -1) return [];
  const num = args.length - streamsPos - 1;
  if (num === 0 || num % 2 !== 0) return [];
  const out: number[] = [];
  for (let i = 0; i < num / 2; i++) out.push(streamsPos + 1 + i);
  return out;
};

/** True when an XREAD/XREADGROUP request has a BLOCK option (it then waits on the main thread). */
export function xreadBlocks(args: readonly string[]): boolean {
  for (let i = 1; i < args.length; i++) {
    const a = args[i];
    if (a.length > 7) return false;
    if (isOpt(a, 'block')) return true;
    if (isOpt(a, 'count')) i++;
    else if (isOpt(a, 'group')) i += 2;
    else if (!isOpt(a, 'noack')) return false;
  }
  return false;
}

/** GEORADIUS/GEORADIUSBYMEMBER: the key and the last STORE/STOREDIST destination (Redis's georadiusGetKeys). */
export const georadiusKeys: KeyFinder = (args) => {
  let stored = -1;
  for (let i = 5; i < args.length; i++) {
    const a = args[i].length <= 9 ? args[i].toLowerCase() : '';
    if ((a === 'store' || a === 'storedist') && i + 1 < args.length) {
      stored = i + 1;
      i++;
    }
  }
  return stored === -1 ? [1] : [1, stored];
};
/** EVAL/EVALSHA/FCALL and their _RO forms: script numkeys key [key ...] arg ... (the keys present are taken). */
export const evalKeys = numkeys(2);
/**
 * MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password]
 * [AUTH2 username password] [KEYS key [key ...]]: the key at 3, or with an
 * empty key the keys after KEYS (options' own arguments are skipped).
 */
export const migrateKeys: KeyFinder = (args) => migrateKeysAndCopy(args).keys;

/** MIGRATE's key positions and whether it has COPY: one scan of its options for the key finder and the AOF form. */
export function migrateKeysAndCopy(args: readonly string[]): { keys: number[]; copy: boolean } {
  let copy = false;
  for (let i = 6; i < args.length; i++) {
    const opt = args[i].toLowerCase();
    if (opt === 'copy') copy = true;
    else if (opt === 'auth') i++;
    else if (opt === 'auth2') i += 2;
    else if (opt === 'keys') {
      if (args[3] !== '') break;
      const keys: number[] = [];
      for (let j = i + 1; j < args.length; j++) keys.push(j);
      return { keys, copy };
    }
  }
  return { keys: args.length > 3 && args[3] !== '' ? [3] : [], copy };
}

// Read lookups (RowDecl.readLookups): the keys a command looks up as reads.

const NO_KEYS: number[] = [];

/** The key at 1 (GETDEL, COPY's source, XACK, SORT, GEORADIUS ...). */
export const firstKeyRead: KeyFinder = keyAt(1);
/** The key at 2, a source after its destination (ZRANGESTORE, GEOSEARCHSTORE). */
export const secondKeyRead: KeyFinder = keyAt(2);
/** Every argument from `at` on (SINTERSTORE's sources from 2, BITOP's from 3, PFMERGE's destination and sources from 1). */
export function keysFrom(at: number): KeyFinder {
  return (args) => {
    const out: number[] = [];
    for (let i = at; i < args.length; i++) out.push(i);
    return out;
  };
}
/** SET key value ... GET: the key, read for the old value only with GET. */
export const setGetRead: KeyFinder = (args) => {
  for (let i = 3; i < args.length; i++) if (isOpt(args[i], 'get')) return [1];
  return NO_KEYS;
};
/** ZUNIONSTORE/ZINTERSTORE/ZDIFFSTORE: the sources (not the destination). */
export const zsetStoreSources: KeyFinder = (args) => zsetStoreKeys(args).slice(1);
/** XREAD/XREADGROUP: each stream twice (Redis looks each up when it resolves the IDs, and again when it serves). */
export const xreadTwice: KeyFinder = (args) => xreadKeys(args).flatMap((p) => [p, p]);
