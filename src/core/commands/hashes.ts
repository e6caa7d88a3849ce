/**
 * The hashes family's rows of the command table (see spec.ts). Shard ops: workers/families/hashes.ts.
 */
import { family } from './spec';

export const hashCommands = family('hash', 'shard', [
  {
    name: 'hset', arity: -4, flags: ['write', 'denyoom', 'fast'], keys: [1], since: '2.0.0',
    syntax: 'key field value [field value ...]',
    summary: 'Sets the values of one or more fields of a hash, creating the hash when missing.',
    complexity: 'O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.',
    variant: { replyOk: false },
  },
  {
    name: 'hsetnx', arity: 4, flags: ['write', 'denyoom', 'fast'], keys: [1], since: '2.0.0', syntax: 'key field value',
    summary: 'Sets the value of a hash field only when the field does not exist yet.', complexity: 'O(1)',
  },
  {
    name: 'hget', arity: 3, flags: ['readonly', 'fast'], keys: [1], since: '2.0.0', syntax: 'key field',
    summary: 'Returns the value of one field of a hash.', complexity: 'O(1)',
  },
  {
    name: 'hmget', arity: -3, flags: ['readonly', 'fast'], keys: [1], since: '2.0.0', syntax: 'key field [field ...]',
    summary: 'Returns the values of several fields of a hash (nil for missing ones).',
    complexity: 'O(N) where N is the number of fields being requested.',
  },
  {
    name: 'hmset', arity: -4, flags: ['write', 'denyoom', 'fast'], keys: [1], since: '2.0.0',
    syntax: 'key field value [field value ...]',
    summary: 'Sets several fields of a hash (deprecated: HSET takes several pairs too).',
    complexity: 'O(N) where N is the number of fields being set.',
    op: 'hset', variant: { replyOk: true },
  },
  {
    name: 'hdel', arity: -3, flags: ['write', 'fast'], keys: [1], since: '2.0.0', syntax: 'key field [field ...]',
    summary: 'Removes fields from a hash; the key goes away with its last field.',
    complexity: 'O(N) where N is the number of fields to be removed.',
  },
  {
    name: 'hlen', arity: 2, flags: ['readonly', 'fast'], keys: [1], since: '2.0.0', syntax: 'key',
    summary: 'Returns the number of fields in a hash.', complexity: 'O(1)',
  },
  {
    name: 'hstrlen', arity: 3, flags: ['readonly', 'fast'], keys: [1], since: '3.2.0', syntax: 'key field',
    summary: 'Returns the length in bytes of the value of a hash field.', complexity: 'O(1)',
  },
  {
    name: 'hexists', arity: 3, flags: ['readonly', 'fast'], keys: [1], since: '2.0.0', syntax: 'key field',
    summary: 'Tells whether a field exists in a hash.', complexity: 'O(1)',
  },
  {
    name: 'hincrby', arity: 4, flags: ['write', 'denyoom', 'fast'], keys: [1], since: '2.0.0', syntax: 'key field increment',
    summary: 'Adds an integer to the integer value of a hash field, starting from 0 when missing.', complexity: 'O(1)',
  },
  {
    name: 'hincrbyfloat', arity: 4, flags: ['write', 'denyoom', 'fast'], keys: [1], since: '2.6.0', syntax: 'key field increment',
    summary: 'Adds a floating point number to the value of a hash field, starting from 0 when missing.', complexity: 'O(1)',
  },
  {
    name: 'hkeys', arity: 2, flags: ['readonly'], keys: [1], since: '2.0.0', syntax: 'key',
    summary: 'Returns every field name of a hash.', complexity: 'O(N) where N is the size of the hash.',
  },
  {
    name: 'hvals', arity: 2, flags: ['readonly'], keys: [1], since: '2.0.0', syntax: 'key',
    summary: 'Returns every value of a hash.', complexity: 'O(N) where N is the size of the hash.',
  },
  {
    name: 'hgetall', arity: 2, flags: ['readonly'], keys: [1], since: '2.0.0', syntax: 'key',
    summary: 'Returns every field and value of a hash.', complexity: 'O(N) where N is the size of the hash.',
  },
  {
    name: 'hrandfield', arity: -2, flags: ['readonly'], keys: [1], since: '6.2.0', syntax: 'key [count [WITHVALUES]]',
    summary: 'Returns random fields of a hash, optionally with their values; a negative count allows repeats.',
    complexity: 'O(N) where N is the number of fields returned',
  },
  {
    name: 'hscan', arity: -3, flags: ['readonly'], keys: [1], since: '2.8.0', syntax: 'key cursor [MATCH pattern] [COUNT count]',
    summary: 'Iterates over the fields and values of a hash with a cursor.',
    complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.',
  },
]);
