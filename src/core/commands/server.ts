/**
 * The server family's rows of the command table (see spec.ts). Main-thread bodies: src/commands/server.ts.
 */
import { family } from './spec';

export const serverCommands = family('server', 'main', [
  {
    name: 'dbsize', arity: 1, flags: ['readonly', 'fast'], since: '1.0.0', summary: 'Returns the number of keys in the database.',
    complexity: 'O(1)',
  },
  {
    name: 'flushdb', arity: -1, flags: ['write'], since: '1.0.0', syntax: '[ASYNC | SYNC]',
    summary: 'Removes all keys from the current database.',
    complexity: 'O(N) where N is the number of keys in the selected database',
  },
  {
    name: 'flushall', arity: -1, flags: ['write'], since: '1.0.0', syntax: '[ASYNC | SYNC]',
    summary: 'Removes all keys from all databases.', complexity: 'O(N) where N is the total number of keys in all databases',
  },
  {
    name: 'info', arity: -1, flags: ['loading', 'stale'], since: '1.0.0', syntax: '[section [section ...]]',
    summary: 'Returns information and statistics about the server.', complexity: 'O(1)',
  },
  {
    name: 'time', arity: 1, flags: ['loading', 'stale', 'fast'], since: '2.6.0', summary: 'Returns the server time.',
    complexity: 'O(1)',
  },
  {
    name: 'debug', arity: -2, flags: ['admin', 'noscript', 'loading', 'stale'], since: '1.0.0',
    syntax: 'subcommand [argument [argument ...]]', summary: 'Debugging helpers (SLEEP, DIGEST, DIGEST-VALUE, RELOAD, POPULATE, SET-ACTIVE-EXPIRE, PANIC, GC, SHARD-CRASH).', complexity: 'Depends on subcommand.',
  },
  {
    name: 'save', arity: 1, flags: ['admin', 'noscript', 'no_async_loading', 'no_multi'], since: '1.0.0',
    summary: 'Synchronously saves the database(s) to disk.', complexity: 'O(N) where N is the total number of keys in all databases',
  },
  {
    name: 'bgsave', arity: -1, flags: ['admin', 'noscript', 'no_async_loading'], since: '1.0.0', syntax: '[SCHEDULE]',
    summary: 'Asynchronously saves the database(s) to disk.', complexity: 'O(1)',
  },
  {
    name: 'bgrewriteaof', arity: 1, flags: ['admin', 'noscript', 'no_async_loading'], since: '1.0.0',
    summary: 'Asynchronously rewrites the append-only file to disk.', complexity: 'O(1)',
  },
  {
    name: 'lastsave', arity: 1, flags: ['loading', 'stale', 'fast'], since: '1.0.0',
    summary: 'Returns the Unix timestamp of the last successful save to disk.', complexity: 'O(1)',
  },
]);
