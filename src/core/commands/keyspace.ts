/**
 * The keyspace family's rows of the command table (see spec.ts). Main-thread bodies: src/commands/keyspace.ts.
 */
import { family } from './spec';

export const keyspaceCommands = family('generic', 'main', [
  {
    name: 'keys', arity: 2, flags: ['readonly'], since: '1.0.0', syntax: 'pattern',
    summary: 'Lists every key name that matches a glob pattern.',
    complexity: 'O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.',
  },
  {
    name: 'scan', arity: -2, flags: ['readonly'], since: '2.8.0', syntax: 'cursor [MATCH pattern] [COUNT count] [TYPE type]',
    summary: 'Walks the key names of the database a few at a time with a cursor.',
    complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.',
  },
  {
    name: 'randomkey', arity: 1, flags: ['readonly'], since: '1.0.0', summary: 'Returns the name of a key picked at random.',
    complexity: 'O(1)',
  },
  {
    name: 'swapdb', arity: 3, flags: ['write', 'fast'], group: 'server', since: '4.0.0', syntax: 'index1 index2',
    summary: 'Exchanges the contents of two databases.',
    complexity: 'O(N) where N is the count of clients watching or blocking on keys from both databases.',
  },
]);
