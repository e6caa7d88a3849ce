/**
 * The blocking family's rows of the command table (see spec.ts). Main-thread bodies: src/commands/blocking.ts.
 */
import { family } from './spec';
import { blmpopKeys } from './key-finders';

export const blockingCommands = family('list', 'main', [
  {
    name: 'blpop', arity: -3, flags: ['write', 'noscript', 'blocking'], keys: [1, -2], since: '2.0.0',
    syntax: 'key [key ...] timeout', summary: 'Pops the first element of the first non-empty list, or waits for one.',
    complexity: 'O(N) where N is the number of provided keys.',
  },
  {
    name: 'brpop', arity: -3, flags: ['write', 'noscript', 'blocking'], keys: [1, -2], since: '2.0.0',
    syntax: 'key [key ...] timeout', summary: 'Pops the last element of the first non-empty list, or waits for one.',
    complexity: 'O(N) where N is the number of provided keys.',
  },
  {
    name: 'blmove', arity: 6, flags: ['write', 'denyoom', 'noscript', 'blocking'], keys: [1, 2], since: '6.2.0',
    syntax: 'source destination <LEFT | RIGHT> <LEFT | RIGHT> timeout',
    summary: 'Moves an element from one list to another, waiting for the source to have one.', complexity: 'O(1)',
  },
  {
    name: 'brpoplpush', arity: 4, flags: ['write', 'denyoom', 'noscript', 'blocking'], keys: [1, 2], since: '2.2.0',
    syntax: 'source destination timeout',
    summary: 'Moves the last element of a list to the head of another, waiting for one (deprecated: use BLMOVE).',
    complexity: 'O(1)',
  },
  {
    name: 'blmpop', arity: -5, flags: ['write', 'blocking'], since: '7.0.0',
    syntax: 'timeout numkeys key [key ...] <LEFT | RIGHT> [COUNT count]',
    summary: 'Pops elements from the first non-empty of several lists, or waits for one.',
    complexity: 'O(N+M) where N is the number of provided keys and M is the number of elements returned.', getKeys: blmpopKeys,
  },
  {
    name: 'bzpopmin', arity: -3, flags: ['write', 'noscript', 'blocking', 'fast'], keys: [1, -2], group: 'sorted-set',
    since: '5.0.0', syntax: 'key [key ...] timeout',
    summary: 'Pops the lowest-scored member of the first non-empty sorted set, or waits for one.',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.',
  },
  {
    name: 'bzpopmax', arity: -3, flags: ['write', 'noscript', 'blocking', 'fast'], keys: [1, -2], group: 'sorted-set',
    since: '5.0.0', syntax: 'key [key ...] timeout',
    summary: 'Pops the highest-scored member of the first non-empty sorted set, or waits for one.',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.',
  },
  {
    name: 'bzmpop', arity: -5, flags: ['write', 'blocking'], group: 'sorted-set', since: '7.0.0',
    syntax: 'timeout numkeys key [key ...] <MIN | MAX> [COUNT count]',
    summary: 'Pops the lowest- or highest-scored members of the first non-empty of several sorted sets, or waits.',
    complexity: 'O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.',
    getKeys: blmpopKeys,
  },
]);
