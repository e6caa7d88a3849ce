/**
 * The strings family's rows of the command table (see spec.ts). Shard ops: workers/families/strings.ts.
 */
import { family } from './spec';
import { firstKeyRead, setGetRead } from './key-finders';

export const stringCommands = family('string', 'shard', [
  {
    name: 'get', arity: 2, flags: ['readonly', 'fast'], keys: [1], since: '1.0.0', syntax: 'key',
    summary: 'Returns the string value of a key.', complexity: 'O(1)',
  },
  {
    name: 'set', arity: -3, flags: ['write', 'denyoom'], keys: [1], since: '1.0.0', readLookups: setGetRead,
    syntax: 'key value [NX | XX] [GET] [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]',
    summary: 'Sets the string value of a key, ignoring its type. The key is created if it doesn\'t exist.', complexity: 'O(1)',
  },
  {
    name: 'mget', arity: -2, flags: ['readonly', 'fast'], keys: [1, -1], since: '1.0.0', syntax: 'key [key ...]',
    summary: 'Atomically returns the string values of one or more keys.',
    complexity: 'O(N) where N is the number of keys to retrieve.', cross: 'gather',
  },
  {
    name: 'mset', arity: -3, flags: ['write', 'denyoom'], keys: [1, -1, 2], since: '1.0.1', syntax: 'key value [key value ...]',
    summary: 'Atomically creates or modifies the string values of one or more keys.',
    complexity: 'O(N) where N is the number of keys to set.', cross: 'all-ok',
  },
  {
    name: 'incr', arity: 2, flags: ['write', 'denyoom', 'fast'], keys: [1], since: '1.0.0', syntax: 'key',
    summary: 'Increments the integer value of a key by one. Uses 0 as initial value if the key doesn\'t exist.',
    complexity: 'O(1)',
    op: 'incrby', variant: { sign: 1 },
  },
  {
    name: 'getex', arity: -2, flags: ['write', 'fast'], keys: [1], since: '6.2.0',
    syntax: 'key [EX seconds | PX milliseconds | EXAT unix-time-seconds | PXAT unix-time-milliseconds | PERSIST]',
    summary: 'Returns the string value of a key after setting or removing its expiration time.', complexity: 'O(1)',
  },
  {
    name: 'getdel', arity: 2, flags: ['write', 'fast'], keys: [1], since: '6.2.0', syntax: 'key', readLookups: firstKeyRead,
    summary: 'Returns the string value of a key and deletes the key.', complexity: 'O(1)',
  },
  {
    name: 'getset', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: [1], since: '1.0.0', syntax: 'key value',
    summary: 'Sets a new string value and returns the previous one (deprecated: use SET with GET).', complexity: 'O(1)',
  },
  {
    name: 'setnx', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: [1], since: '1.0.0', syntax: 'key value',
    summary: 'Sets the string value of a key only when the key does not exist yet.', complexity: 'O(1)',
  },
  {
    name: 'setex', arity: 4, flags: ['write', 'denyoom'], keys: [1], since: '2.0.0', syntax: 'key seconds value',
    summary: 'Sets a string value together with a time to live in seconds.', complexity: 'O(1)',
    variant: { unit: 'ex' },
  },
  {
    name: 'psetex', arity: 4, flags: ['write', 'denyoom'], keys: [1], since: '2.6.0', syntax: 'key milliseconds value',
    summary: 'Sets a string value together with a time to live in milliseconds.', complexity: 'O(1)',
    op: 'setex', variant: { unit: 'px' },
  },
  {
    name: 'msetnx', arity: -3, flags: ['write', 'denyoom'], keys: [1, -1, 2], since: '1.0.1', syntax: 'key value [key value ...]',
    summary: 'Sets several string values only if none of the keys exists yet.',
    complexity: 'O(N) where N is the number of keys to set.',
  },
  {
    name: 'append', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: [1], since: '2.0.0', syntax: 'key value',
    summary: 'Appends to the string value of a key, creating the key when missing.',
    complexity: 'O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.',
  },
  {
    name: 'strlen', arity: 2, flags: ['readonly', 'fast'], keys: [1], since: '2.2.0', syntax: 'key',
    summary: 'Returns the length in bytes of a string value.', complexity: 'O(1)',
  },
  {
    name: 'getrange', arity: 4, flags: ['readonly'], keys: [1], since: '2.4.0', syntax: 'key start end',
    summary: 'Returns the bytes of a string value between two offsets (inclusive).',
    complexity: 'O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.',
  },
  {
    name: 'substr', arity: 4, flags: ['readonly'], keys: [1], since: '1.0.0', syntax: 'key start end',
    summary: 'Old name of GETRANGE: returns a substring of a string value.',
    complexity: 'O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.',
    op: 'getrange',
  },
  {
    name: 'setrange', arity: 4, flags: ['write', 'denyoom'], keys: [1], since: '2.2.0', syntax: 'key offset value',
    summary: 'Overwrites part of a string value from an offset, padding with zero bytes as needed.',
    complexity: 'O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.',
  },
  {
    name: 'decr', arity: 2, flags: ['write', 'denyoom', 'fast'], keys: [1], since: '1.0.0', syntax: 'key',
    summary: 'Decrements the integer value of a key by one, starting from 0 when missing.', complexity: 'O(1)',
    op: 'incrby', variant: { sign: -1 },
  },
  {
    name: 'incrby', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: [1], since: '1.0.0', syntax: 'key increment',
    summary: 'Adds an integer to the integer value of a key, starting from 0 when missing.', complexity: 'O(1)',
    variant: { sign: 1 },
  },
  {
    name: 'decrby', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: [1], since: '1.0.0', syntax: 'key decrement',
    summary: 'Subtracts an integer from the integer value of a key, starting from 0 when missing.', complexity: 'O(1)',
    op: 'incrby', variant: { sign: -1 },
  },
  {
    name: 'incrbyfloat', arity: 3, flags: ['write', 'denyoom', 'fast'], keys: [1], since: '2.6.0', syntax: 'key increment',
    summary: 'Adds a floating point number to the value of a key, starting from 0 when missing.', complexity: 'O(1)',
  },
  {
    name: 'lcs', arity: -3, flags: ['readonly'], keys: [1, 2], since: '7.0.0',
    syntax: 'key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]',
    summary: 'Finds the longest common subsequence of two string values.',
    complexity: 'O(N*M) where N and M are the lengths of s1 and s2, respectively',
  },
]);
