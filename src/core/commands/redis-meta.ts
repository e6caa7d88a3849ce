/**
 * Redis 7.0.15's own command metadata, as its COMMAND INFO and COMMAND DOCS
 * report it: flags, legacy key positions, ACL categories, tips, key specs,
 * the documentation and argument trees. The data lives in
 * redis-commands.ts, generated from a running redis-server by
 * src/tools/gen-command-meta.ts (never edited by hand), so COMMAND answers,
 * ACL categories and key extraction agree with the reference server by
 * construction. This module is the typed door to that data.
 */
import { REDIS_COMMANDS } from './redis-commands';
import type { RedisCommandMeta } from './redis-meta-types';

export type { ArgMeta, BeginSearch, DocsMeta, FindKeys, KeySpecMeta, RedisCommandMeta } from './redis-meta-types';


/** Every command and subcommand of Redis 7.0.15 by lowercase full name (`get`, `client|list`). */
export const redisCommands: Readonly<Record<string, RedisCommandMeta>> = REDIS_COMMANDS;

/** Redis's metadata of a command or subcommand by full name, or undefined for Shardis's own commands. */
export function redisMeta(fullName: string): RedisCommandMeta | undefined {
  return Object.prototype.hasOwnProperty.call(REDIS_COMMANDS, fullName) ? REDIS_COMMANDS[fullName] : undefined;
}

/** The ACL categories (without '@') Redis 7.0.15 gives a command, or undefined when Redis has no such command. */
export function redisAclCategories(fullName: string): readonly string[] | undefined {
  return redisMeta(fullName)?.acl;
}

/** ACL categories in Redis's bit order (the order ACL CAT lists them). */
export const ACL_CATEGORIES: readonly string[] = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream', 'pubsub',
  'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
];
