/**
 * The sets family's rows of the command table (see spec.ts). Shard ops: workers/families/sets.ts.
 */
import { family } from './spec';
import { keysFrom, sintercardKeys } from './key-finders';

export const setCommands = family('set', 'shard', [
  {
    name: 'sadd', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: [1], since: '1.0.0', syntax: 'key member [member ...]',
    summary: 'Adds one or more members to a set, creating the set if needed.',
    complexity: 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.',
  },
  {
    name: 'srem', arity: -3, flags: ['write', 'fast'], keys: [1], since: '1.0.0', syntax: 'key member [member ...]',
    summary: 'Removes members from a set, deleting the set once it is empty.',
    complexity: 'O(N) where N is the number of members to be removed.',
  },
  {
    name: 'scard', arity: 2, flags: ['readonly', 'fast'], keys: [1], since: '1.0.0', syntax: 'key',
    summary: 'Returns how many members a set has.', complexity: 'O(1)',
  },
  {
    name: 'sismember', arity: 3, flags: ['readonly', 'fast'], keys: [1], since: '1.0.0', syntax: 'key member',
    summary: 'Tells whether a value is a member of a set.', complexity: 'O(1)',
  },
  {
    name: 'smismember', arity: -3, flags: ['readonly', 'fast'], keys: [1], since: '6.2.0', syntax: 'key member [member ...]',
    summary: 'Tells, for each of several values, whether it is a member of a set.',
    complexity: 'O(N) where N is the number of elements being checked for membership',
  },
  {
    name: 'smembers', arity: 2, flags: ['readonly'], keys: [1], since: '1.0.0', syntax: 'key',
    summary: 'Returns every member of a set.', complexity: 'O(N) where N is the set cardinality.',
  },
  {
    name: 'srandmember', arity: -2, flags: ['readonly'], keys: [1], since: '1.0.0', syntax: 'key [count]',
    summary: 'Returns one or more random members of a set without removing them.',
    complexity: 'Without the count argument O(1), otherwise O(N) where N is the absolute value of the passed count.',
  },
  {
    name: 'spop', arity: -2, flags: ['write', 'fast'], keys: [1], since: '1.0.0', syntax: 'key [count]',
    summary: 'Removes and returns one or more random members of a set.',
    complexity: 'Without the count argument O(1), otherwise O(N) where N is the value of the passed count.',
  },
  {
    name: 'smove', arity: 4, flags: ['write', 'fast'], keys: [1, 2], since: '1.0.0', syntax: 'source destination member',
    summary: 'Moves a member from one set to another.', complexity: 'O(1)',
  },
  {
    name: 'sinter', arity: -2, flags: ['readonly'], keys: [1, -1], since: '1.0.0', syntax: 'key [key ...]',
    summary: 'Returns the members every given set has in common.',
    complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.',
  },
  {
    name: 'sintercard', arity: -3, flags: ['readonly'], since: '7.0.0', syntax: 'numkeys key [key ...] [LIMIT limit]',
    summary: 'Counts the members the given sets have in common, optionally stopping at a limit.',
    complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.',
    getKeys: sintercardKeys,
  },
  {
    name: 'sunion', arity: -2, flags: ['readonly'], keys: [1, -1], since: '1.0.0', syntax: 'key [key ...]',
    summary: 'Returns the members found in any of the given sets.',
    complexity: 'O(N) where N is the total number of elements in all given sets.',
  },
  {
    name: 'sdiff', arity: -2, flags: ['readonly'], keys: [1, -1], since: '1.0.0', syntax: 'key [key ...]',
    summary: 'Returns the members of the first set that none of the other sets has.',
    complexity: 'O(N) where N is the total number of elements in all given sets.',
  },
  {
    name: 'sinterstore', arity: -3, flags: ['write', 'denyoom'], keys: [1, -1], since: '1.0.0', readLookups: keysFrom(2),
    syntax: 'destination key [key ...]', summary: 'Stores the intersection of sets in a key, replacing what it held.',
    complexity: 'O(N*M) worst case where N is the cardinality of the smallest set and M is the number of sets.',
  },
  {
    name: 'sunionstore', arity: -3, flags: ['write', 'denyoom'], keys: [1, -1], since: '1.0.0', readLookups: keysFrom(2),
    syntax: 'destination key [key ...]', summary: 'Stores the union of sets in a key, replacing what it held.',
    complexity: 'O(N) where N is the total number of elements in all given sets.',
  },
  {
    name: 'sdiffstore', arity: -3, flags: ['write', 'denyoom'], keys: [1, -1], since: '1.0.0', readLookups: keysFrom(2),
    syntax: 'destination key [key ...]',
    summary: 'Stores the difference of the first set and the others in a key, replacing what it held.',
    complexity: 'O(N) where N is the total number of elements in all given sets.',
  },
  {
    name: 'sscan', arity: -3, flags: ['readonly'], keys: [1], since: '2.8.0', syntax: 'key cursor [MATCH pattern] [COUNT count]',
    summary: 'Iterates over the members of a set with a cursor.',
    complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.',
  },
]);
