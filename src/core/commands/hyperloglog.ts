/**
 * The hyperloglog family's rows of the command table (see spec.ts). Shard ops: workers/families/hyperloglog.ts.
 */
import { family } from './spec';
import { keysFrom } from './key-finders';

export const hyperloglogCommands = family('hyperloglog', 'shard', [
  {
    name: 'pfadd', arity: -2, flags: ['write', 'denyoom', 'fast'], keys: [1], since: '2.8.9',
    syntax: 'key [element [element ...]]', summary: 'Adds elements to a HyperLogLog, creating it if needed.',
    complexity: 'O(1) to add every element.',
  },
  {
    name: 'pfcount', arity: -2, flags: ['readonly'], keys: [1, -1], since: '2.8.9', syntax: 'key [key ...]',
    summary: 'Estimates the number of distinct elements added to one HyperLogLog, or to the union of several.',
    complexity: 'O(1) with a very small average constant time when called with a single key. O(N) with N being the number of keys, and much bigger constant times, when called with multiple keys.',
  },
  {
    name: 'pfmerge', arity: -2, flags: ['write', 'denyoom'], keys: [1, -1], since: '2.8.9', readLookups: keysFrom(1),
    syntax: 'destkey sourcekey [sourcekey ...]', summary: 'Merges HyperLogLogs into a destination HyperLogLog.',
    complexity: 'O(N) to merge N HyperLogLogs, but with high constant times.',
  },
  {
    name: 'pfdebug', arity: 3, flags: ['write', 'denyoom', 'admin'], keys: [2], since: '2.8.9', syntax: 'subcommand key',
    summary: 'Inspects the internal representation of a HyperLogLog (debugging).', complexity: 'N/A',
  },
  {
    name: 'pfselftest', arity: 1, flags: ['admin'], since: '2.8.9', syntax: '',
    summary: 'Runs the HyperLogLog implementation\'s self test.', complexity: 'N/A',
  },
]);
