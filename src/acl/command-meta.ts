/**
 * What the ACL needs to know about each command: its ACL categories and,
 * for each key a request names, whether the key is read, written or both.
 *
 * Categories: Redis 7.0 derives part of them from the command flags
 * (write -> @write, readonly -> @read, admin -> @admin @dangerous, pubsub ->
 * @pubsub, fast -> @fast else @slow, blocking -> @blocking) and declares the
 * rest in each command's JSON (its data-type group). Until the metadata
 * generated from redis-server's COMMAND INFO is on main, the same derivation
 * runs over our rows; the one function to swap is `rowCategories`.
 */
import type { CommandSpec } from '../core/commands/spec';
import { keyPositions } from '../core/commands/spec';

/** ACL CAT's categories, in Redis 7.0's order. */
export const ACL_CATEGORIES: readonly string[] = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream',
  'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
];

const GROUP_CATEGORY: Readonly<Record<string, string>> = {
  generic: 'keyspace', string: 'string', list: 'list', set: 'set', 'sorted-set': 'sortedset', hash: 'hash',
  pubsub: 'pubsub', transactions: 'transaction', connection: 'connection', scripting: 'scripting',
  hyperloglog: 'hyperloglog', geo: 'geo', stream: 'stream', bitmap: 'bitmap',
};

/** The categories of one row (a leaf command or subcommand). */
export function rowCategories(spec: CommandSpec): string[] {
  const out = new Set<string>();
  const group = GROUP_CATEGORY[spec.group];
  if (group !== undefined) out.add(group);
  const f = spec.flags;
  if (f.includes('write')) out.add('write');
  if (f.includes('readonly')) out.add('read');
  if (f.includes('admin')) {
    out.add('admin');
    out.add('dangerous');
  }
  if (f.includes('pubsub')) out.add('pubsub');
  out.add(f.includes('fast') ? 'fast' : 'slow');
  if (f.includes('blocking')) out.add('blocking');
  return [...out];
}

/** Key access as the ACL checks it: a %R~ pattern covers READ, %W~ covers WRITE. */
export const KEY_READ = 1;
export const KEY_WRITE = 2;

/** The keys of a request with the access each needs. */
export function requestKeys(spec: CommandSpec, args: readonly string[]): { key: string; access: number }[] {
  const f = spec.flags;
  const access = (f.includes('readonly') ? KEY_READ : 0) | (f.includes('write') ? KEY_WRITE : 0);
  return keyPositions(spec, args).map((i) => ({ key: args[i], access }));
}

/** Whether a row names keys at all (a selector with allkeys skips the walk). */
export function hasKeys(spec: CommandSpec): boolean {
  return spec.firstKey > 0 || spec.getKeys !== undefined;
}

/** Flags of channel arguments, as Redis's getChannelsFromCommand reports them. */
export const CH_PUBLISH = 1;
export const CH_SUBSCRIBE = 2;
export const CH_PATTERN = 4;

/** The channels a request publishes to or subscribes to (unsubscribing is never checked). */
export function requestChannels(fullName: string, args: readonly string[]): { channel: string; pattern: boolean }[] | null {
  switch (fullName) {
    case 'publish':
    case 'spublish':
      return [{ channel: args[1], pattern: false }];
    case 'subscribe':
    case 'ssubscribe':
      return args.slice(1).map((c) => ({ channel: c, pattern: false }));
    case 'psubscribe':
      return args.slice(1).map((c) => ({ channel: c, pattern: true }));
    default:
      return null;
  }
}
