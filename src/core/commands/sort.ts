/**
 * The sort family's rows of the command table (see spec.ts). Shard ops: workers/families/sort.ts.
 */
import { family } from './spec';
import { firstKeyRead, sortKeys, sortPatternKeys, sortRoKeys } from './key-finders';

export const sortCommands = family('generic', 'shard', [
  {
    name: 'sort', arity: -2, flags: ['write', 'denyoom'], keys: [1], since: '1.0.0', readLookups: firstKeyRead,
    syntax: 'key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA] [STORE destination]',
    summary: 'Sorts the elements of a list, set or sorted set, optionally by or with other keys, and returns or stores the result.',
    complexity: 'O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).',
    getKeys: sortKeys, derivedKeys: sortPatternKeys, cross: 'coordinator',
    variant: { readonly: false },
  },
  {
    name: 'sort_ro', arity: -2, flags: ['readonly'], keys: [1], since: '7.0.0',
    syntax: 'key [BY pattern] [LIMIT offset count] [GET pattern [GET pattern ...]] [ASC | DESC] [ALPHA]',
    summary: 'Sorts the elements of a list, set or sorted set and returns them (the read-only variant of SORT).',
    complexity: 'O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the number of returned elements. When the elements are not sorted, complexity is O(N).',
    getKeys: sortRoKeys, derivedKeys: sortPatternKeys, cross: 'coordinator',
    op: 'sort', variant: { readonly: true },
  },
]);
