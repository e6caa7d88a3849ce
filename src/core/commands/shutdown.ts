/**
 * The shutdown family's rows of the command table (see spec.ts). Main-thread bodies: src/commands/shutdown.ts.
 */
import { family } from './spec';

export const shutdownCommands = family('server', 'main', [
  {
    name: 'shutdown', arity: -1, flags: ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'allow_busy'], since: '1.0.0',
    syntax: '[NOSAVE | SAVE] [NOW] [FORCE] [ABORT]',
    summary: 'Synchronously saves the database(s) to disk and shuts down the Redis server.',
    complexity: 'O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)',
  },
]);
