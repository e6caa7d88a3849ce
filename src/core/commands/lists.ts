/**
 * The lists family's rows of the command table (see spec.ts). Shard ops: workers/families/lists.ts.
 */
import { family } from './spec';
import { lmpopKeys } from './key-finders';

export const listCommands = family('list', 'shard', [
  {
    name: 'lpush', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: [1], since: '1.0.0', syntax: 'key element [element ...]',
    summary: 'Prepends one or more elements to a list, creating the list if needed.',
    complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
    op: 'push', variant: { end: 'left' },
  },
  {
    name: 'rpush', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: [1], since: '1.0.0', syntax: 'key element [element ...]',
    summary: 'Appends one or more elements to a list, creating the list if needed.',
    complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
    op: 'push', variant: { end: 'right' },
  },
  {
    name: 'lpushx', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: [1], since: '2.2.0',
    syntax: 'key element [element ...]', summary: 'Prepends elements to a list only if the list already exists.',
    complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
    op: 'pushx', variant: { end: 'left' },
  },
  {
    name: 'rpushx', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: [1], since: '2.2.0',
    syntax: 'key element [element ...]', summary: 'Appends elements to a list only if the list already exists.',
    complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
    op: 'pushx', variant: { end: 'right' },
  },
  {
    name: 'lpop', arity: -2, flags: ['write', 'fast'], keys: [1], since: '1.0.0', syntax: 'key [count]',
    summary: 'Removes and returns the first element(s) of a list; the key goes when the list is empty.',
    complexity: 'O(N) where N is the number of elements returned',
    op: 'pop', variant: { end: 'left' },
  },
  {
    name: 'rpop', arity: -2, flags: ['write', 'fast'], keys: [1], since: '1.0.0', syntax: 'key [count]',
    summary: 'Removes and returns the last element(s) of a list; the key goes when the list is empty.',
    complexity: 'O(N) where N is the number of elements returned',
    op: 'pop', variant: { end: 'right' },
  },
  {
    name: 'llen', arity: 2, flags: ['readonly', 'fast'], keys: [1], since: '1.0.0', syntax: 'key',
    summary: 'Returns how many elements a list holds.', complexity: 'O(1)',
  },
  {
    name: 'lrange', arity: 4, flags: ['readonly'], keys: [1], since: '1.0.0', syntax: 'key start stop',
    summary: 'Returns a range of elements of a list by index.',
    complexity: 'O(S+N) where S is the start offset and N is the number of elements in the range.',
  },
  {
    name: 'lindex', arity: 3, flags: ['readonly'], keys: [1], since: '1.0.0', syntax: 'key index',
    summary: 'Returns the element at an index of a list.', complexity: 'O(1)',
  },
  {
    name: 'lset', arity: 4, flags: ['write', 'denyoom'], keys: [1], since: '1.0.0', syntax: 'key index element',
    summary: 'Replaces the element at an index of a list.', complexity: 'O(1)',
  },
  {
    name: 'linsert', arity: 5, flags: ['write', 'denyoom'], keys: [1], since: '2.2.0',
    syntax: 'key <BEFORE | AFTER> pivot element',
    summary: 'Inserts an element before or after the first occurrence of a pivot element.',
    complexity: 'O(N) where N is the number of elements traversed before seeing the pivot.',
  },
  {
    name: 'lrem', arity: 4, flags: ['write'], keys: [1], since: '1.0.0', syntax: 'key count element',
    summary: 'Removes occurrences of an element from a list, from the head or the tail.',
    complexity: 'O(N+M) where N is the length of the list and M is the number of elements removed.',
  },
  {
    name: 'ltrim', arity: 4, flags: ['write'], keys: [1], since: '1.0.0', syntax: 'key start stop',
    summary: 'Keeps only a range of elements of a list and drops the rest.',
    complexity: 'O(N) where N is the number of elements to be removed by the operation.',
  },
  {
    name: 'lpos', arity: -3, flags: ['readonly'], keys: [1], since: '6.0.6',
    syntax: 'key element [RANK rank] [COUNT num-matches] [MAXLEN len]',
    summary: 'Returns the index (or indexes) of matching elements in a list.',
    complexity: 'O(N) where N is the number of elements in the list, for the average case.',
  },
  {
    name: 'lmove', arity: 5, flags: ['write', 'denyoom'], keys: [1, 2], since: '6.2.0',
    syntax: 'source destination <LEFT | RIGHT> <LEFT | RIGHT>',
    summary: 'Pops an element from one end of a list and pushes it onto an end of another (or the same) list.',
    complexity: 'O(1)',
  },
  {
    name: 'rpoplpush', arity: 3, flags: ['write', 'denyoom'], keys: [1, 2], since: '1.2.0', syntax: 'source destination',
    summary: 'Pops the last element of a list and pushes it onto the head of another (deprecated: use LMOVE).',
    complexity: 'O(1)',
    op: 'lmove',
  },
  {
    name: 'lmpop', arity: -4, flags: ['write'], since: '7.0.0', syntax: 'numkeys key [key ...] <LEFT | RIGHT> [COUNT count]',
    summary: 'Pops elements from the first non-empty list among several keys.',
    complexity: 'O(N+M) where N is the number of provided keys and M is the number of elements returned.', getKeys: lmpopKeys,
  },
]);
