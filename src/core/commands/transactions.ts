/**
 * The transactions family's rows of the command table (see spec.ts). Main-thread bodies: src/commands/transactions.ts.
 */
import { family } from './spec';

export const transactionCommands = family('transactions', 'main', [
  {
    name: 'multi', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], since: '1.2.0',
    summary: 'Starts a transaction.', complexity: 'O(1)',
  },
  {
    name: 'exec', arity: 1, flags: ['noscript', 'loading', 'stale', 'skip_slowlog'], since: '1.2.0',
    summary: 'Runs every command queued since MULTI as one step.', complexity: 'Depends on commands in the transaction',
  },
  {
    name: 'discard', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], since: '2.0.0',
    summary: 'Drops the commands queued since MULTI.', complexity: 'O(N), when N is the number of queued commands',
  },
  {
    name: 'watch', arity: -2, flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], keys: [1, -1], since: '2.2.0',
    syntax: 'key [key ...]', summary: 'Makes the next EXEC fail if any of the keys changes first.',
    complexity: 'O(1) for every key.',
  },
  {
    name: 'unwatch', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'], since: '2.2.0',
    summary: 'Forgets every key watched by this connection.', complexity: 'O(1)',
  },
]);
