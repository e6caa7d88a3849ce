/**
 * The shapes of Redis 7.0.15's command metadata (COMMAND INFO and COMMAND
 * DOCS), shared by the generated data (redis-commands.ts) and its reader
 * (redis-meta.ts) so neither imports the other.
 */
/** Where a key spec starts looking (Redis's begin_search). */
export type BeginSearch =
  | { readonly type: 'index'; readonly index: number }
  | { readonly type: 'keyword'; readonly keyword: string; readonly startfrom: number }
  | { readonly type: 'unknown' };

/** How a key spec finds its keys once started (Redis's find_keys). */
export type FindKeys =
  | { readonly type: 'range'; readonly lastkey: number; readonly keystep: number; readonly limit: number }
  | { readonly type: 'keynum'; readonly keynumidx: number; readonly firstkey: number; readonly keystep: number }
  | { readonly type: 'unknown' };

export interface KeySpecMeta {
  readonly notes?: string;
  /** RO, RW, OW, RM, access, update, insert, delete, not_key, incomplete, variable_flags. */
  readonly flags: readonly string[];
  readonly begin: BeginSearch;
  readonly find: FindKeys;
}

/**
 * One argument of COMMAND DOCS. Fields appear in the order Redis writes
 * them (the generator keeps it); `flags` is a set of status replies,
 * `key_spec_index` an integer, `arguments` nested arguments, the rest bulk strings.
 */
export interface ArgMeta {
  readonly name: string;
  readonly type: string;
  readonly display_text?: string;
  readonly key_spec_index?: number;
  readonly token?: string;
  readonly summary?: string;
  readonly since?: string;
  readonly deprecated_since?: string;
  readonly flags?: readonly string[];
  readonly value?: string;
  readonly arguments?: readonly ArgMeta[];
}

/**
 * A command's COMMAND DOCS map without its subcommands, fields in Redis's order:
 * `doc_flags` is a set of status replies, `history` a set of [version, text] pairs,
 * `arguments` the argument tree, the rest bulk strings.
 */
export interface DocsMeta {
  readonly summary: string;
  readonly since: string;
  readonly group: string;
  readonly complexity?: string;
  readonly doc_flags?: readonly string[];
  readonly deprecated_since?: string;
  readonly replaced_by?: string;
  readonly history?: readonly (readonly [string, string])[];
  readonly arguments?: readonly ArgMeta[];
}

export interface RedisCommandMeta {
  readonly arity: number;
  readonly flags: readonly string[];
  /** Legacy first key, last key, step. */
  readonly keys: readonly [number, number, number];
  /** ACL categories without the '@'. */
  readonly acl: readonly string[];
  readonly tips: readonly string[];
  readonly keySpecs: readonly KeySpecMeta[];
  readonly docs: DocsMeta;
  /** Full names (`client|list`) of the subcommands, for containers. */
  readonly subcommands?: readonly string[];
}

