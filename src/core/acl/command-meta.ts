/**
 * What the ACL needs to know about each command: its ACL categories and,
 * for each key a request names, whether the key is read, written or both.
 * Both come from Redis 7.0.15's own metadata (src/core/commands/redis-meta.ts,
 * generated from its COMMAND INFO), so categories and key access agree with
 * the reference server. Commands Shardis adds (none Redis lacks are rows
 * today) fall back to their row's flags.
 */
import type { CommandSpec } from '../commands/spec';
import { keyPositions } from '../commands/spec';
import type { RedisCommandMeta } from '../commands/redis-meta';
import { ACL_CATEGORIES } from '../commands/redis-meta';
import { hasKeys as metaHasKeys, keysWithFlags } from '../commands/key-specs';

export { ACL_CATEGORIES };

/** Categories of a row Redis does not have, from its flags as Redis derives the implicit ones. */
export function rowCategories(spec: CommandSpec): string[] {
  const out = new Set<string>();
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

/** Redis's ACLSelectorCheckKey: ACCESS needs read, INSERT/DELETE/UPDATE need write, anything else neither. */
function accessOf(flags: readonly string[]): number {
  let a = 0;
  if (flags.includes('access')) a |= KEY_READ;
  if (flags.includes('insert') || flags.includes('delete') || flags.includes('update')) a |= KEY_WRITE;
  return a;
}

/** The legacy first/last/step key positions of a command Shardis has no row for. */
function legacyPositions(meta: RedisCommandMeta, args: readonly string[]): number[] {
  const [first, lastRaw, step] = meta.keys;
  if (first <= 0) return [];
  const last = lastRaw < 0 ? args.length + lastRaw : lastRaw;
  const out: number[] = [];
  for (let i = first; i <= last && i < args.length; i += step) out.push(i);
  return out;
}

/** The keys of a request with the access each needs (Redis's getKeysFromCommandWithSpecs). */
export function requestKeys(fullName: string, meta: RedisCommandMeta | undefined, spec: CommandSpec | undefined, args: readonly string[]): { key: string; access: number }[] {
  if (meta !== undefined) {
    const fallback = (): number[] => (spec !== undefined ? keyPositions(spec, args) : legacyPositions(meta, args));
    return keysWithFlags(fullName, meta, args, fallback).map((k) => ({ key: args[k.pos], access: accessOf(k.flags) }));
  }
  if (spec === undefined) return [];
  const f = spec.flags;
  const access = (f.includes('readonly') ? KEY_READ : 0) | (f.includes('write') ? KEY_WRITE : 0);
  return keyPositions(spec, args).map((i) => ({ key: args[i], access }));
}

/** Whether a command names keys at all (a selector with allkeys skips the walk). */
export function commandHasKeys(meta: RedisCommandMeta | undefined, spec: CommandSpec | undefined): boolean {
  if (meta !== undefined) return metaHasKeys(meta);
  return spec !== undefined && (spec.firstKey > 0 || spec.getKeys !== undefined);
}

/** The channels a request publishes or subscribes to (Redis's getChannelsFromCommand; unsubscribing is never checked). */
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
