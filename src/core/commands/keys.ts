/**
 * The keys family's rows of the command table (see spec.ts). Shard ops: workers/families/keys.ts.
 */
import { family } from './spec';
import { firstKeyRead } from './key-finders';

export const keyCommands = family('generic', 'shard', [
  {
    name: 'del', arity: -2, flags: ['write'], keys: [1, -1], since: '1.0.0', syntax: 'key [key ...]',
    summary: 'Deletes one or more keys.', complexity: 'O(N) where N is the number of keys that will be removed.', cross: 'sum',
  },
  {
    name: 'unlink', arity: -2, flags: ['write', 'fast'], keys: [1, -1], since: '4.0.0', syntax: 'key [key ...]',
    summary: 'Deletes one or more keys; large values are freed in the background.',
    complexity: 'O(1) for each key removed regardless of its size.', cross: 'sum',
    op: 'del', variant: { lazy: true },
  },
  {
    name: 'exists', arity: -2, flags: ['readonly', 'fast'], keys: [1, -1], since: '1.0.0', syntax: 'key [key ...]',
    summary: 'Counts how many of the given keys exist.', complexity: 'O(N) where N is the number of keys to check.', cross: 'sum',
  },
  {
    name: 'touch', arity: -2, flags: ['readonly', 'fast'], keys: [1, -1], since: '3.2.1', syntax: 'key [key ...]',
    summary: 'Marks keys as accessed and counts how many exist.',
    complexity: 'O(N) where N is the number of keys that will be touched.', cross: 'sum',
  },
  {
    name: 'type', arity: 2, flags: ['readonly', 'fast'], keys: [1], since: '1.0.0', syntax: 'key',
    summary: 'Names the data type held by a key.', complexity: 'O(1)',
  },
  {
    name: 'rename', arity: 3, flags: ['write'], keys: [1, 2], since: '1.0.0', syntax: 'key newkey',
    summary: 'Gives a key a new name, overwriting any key already under that name.', complexity: 'O(1)',
  },
  {
    name: 'renamenx', arity: 3, flags: ['write', 'fast'], keys: [1, 2], since: '1.0.0', syntax: 'key newkey',
    summary: 'Gives a key a new name only if no key has that name yet.', complexity: 'O(1)',
  },
  {
    name: 'copy', arity: -3, flags: ['write', 'denyoom'], keys: [1, 2], since: '6.2.0', readLookups: firstKeyRead,
    syntax: 'source destination [DB destination-db] [REPLACE]',
    summary: 'Duplicates a key\'s value and TTL under another name, optionally in another database.',
    complexity: 'O(N) worst case for collections, where N is the number of nested items. O(1) for string values.',
    cross: 'coordinator',
  },
  {
    name: 'move', arity: 3, flags: ['write', 'fast'], keys: [1], since: '1.0.0', syntax: 'key db',
    summary: 'Transfers a key to another database.', complexity: 'O(1)',
  },
  {
    name: 'expire', arity: -3, flags: ['write', 'fast'], keys: [1], since: '1.0.0', syntax: 'key seconds [NX | XX | GT | LT]',
    summary: 'Gives a key a time to live in seconds.', complexity: 'O(1)',
    variant: { relative: true, seconds: true },
  },
  {
    name: 'pexpire', arity: -3, flags: ['write', 'fast'], keys: [1], since: '2.6.0',
    syntax: 'key milliseconds [NX | XX | GT | LT]', summary: 'Gives a key a time to live in milliseconds.', complexity: 'O(1)',
    op: 'expire', variant: { relative: true, seconds: false },
  },
  {
    name: 'expireat', arity: -3, flags: ['write', 'fast'], keys: [1], since: '1.2.0',
    syntax: 'key unix-time-seconds [NX | XX | GT | LT]', summary: 'Makes a key expire at a Unix time in seconds.',
    complexity: 'O(1)',
    op: 'expire', variant: { relative: false, seconds: true },
  },
  {
    name: 'pexpireat', arity: -3, flags: ['write', 'fast'], keys: [1], since: '2.6.0',
    syntax: 'key unix-time-milliseconds [NX | XX | GT | LT]', summary: 'Makes a key expire at a Unix time in milliseconds.',
    complexity: 'O(1)',
    op: 'expire', variant: { relative: false, seconds: false },
  },
  {
    name: 'ttl', arity: 2, flags: ['readonly', 'fast'], keys: [1], since: '1.0.0', syntax: 'key',
    summary: 'Tells how many seconds a key has left to live.', complexity: 'O(1)',
    variant: { ms: false, absolute: false },
  },
  {
    name: 'pttl', arity: 2, flags: ['readonly', 'fast'], keys: [1], since: '2.6.0', syntax: 'key',
    summary: 'Tells how many milliseconds a key has left to live.', complexity: 'O(1)',
    op: 'ttl', variant: { ms: true, absolute: false },
  },
  {
    name: 'expiretime', arity: 2, flags: ['readonly', 'fast'], keys: [1], since: '7.0.0', syntax: 'key',
    summary: 'Tells the Unix time in seconds at which a key expires.', complexity: 'O(1)',
    op: 'ttl', variant: { ms: false, absolute: true },
  },
  {
    name: 'pexpiretime', arity: 2, flags: ['readonly', 'fast'], keys: [1], since: '7.0.0', syntax: 'key',
    summary: 'Tells the Unix time in milliseconds at which a key expires.', complexity: 'O(1)',
    op: 'ttl', variant: { ms: true, absolute: true },
  },
  {
    name: 'dump', arity: 2, flags: ['readonly'], keys: [1], since: '2.6.0', syntax: 'key',
    summary: 'Returns a serialized representation of the value stored at a key.',
    complexity: 'O(1) to access the key and additional O(N*M) to serialize it, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1).',
  },
  {
    name: 'restore', arity: -4, flags: ['write', 'denyoom'], keys: [1], since: '2.6.0',
    syntax: 'key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]',
    summary: 'Creates a key from the serialized representation of a value.',
    complexity: 'O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).',
  },
  {
    name: 'persist', arity: 2, flags: ['write', 'fast'], keys: [1], since: '2.2.0', syntax: 'key',
    summary: 'Removes a key\'s time to live so it no longer expires.', complexity: 'O(1)',
  },
  {
    name: 'object', arity: -2, since: '2.2.3', summary: 'A container for commands that inspect how a key is stored.',
    complexity: 'Depends on subcommand.',
    subcommands: [
      {
        name: 'encoding', arity: 3, flags: ['readonly'], keys: [2], since: '2.2.3', syntax: 'key',
        summary: 'Names the internal representation of a key\'s value.', complexity: 'O(1)',
      },
      {
        name: 'freq', arity: 3, flags: ['readonly'], keys: [2], since: '4.0.0', syntax: 'key',
        summary: 'Tells the logarithmic access frequency counter of a key (LFU policies).', complexity: 'O(1)',
      },
      {
        name: 'help', arity: 2, flags: ['loading', 'stale'], since: '6.2.0', summary: 'Lists the OBJECT subcommands.',
        complexity: 'O(1)',
      },
      {
        name: 'idletime', arity: 3, flags: ['readonly'], keys: [2], since: '2.2.3', syntax: 'key',
        summary: 'Tells how many seconds have passed since a key was last accessed.', complexity: 'O(1)',
      },
      {
        name: 'refcount', arity: 3, flags: ['readonly'], keys: [2], since: '2.2.3', syntax: 'key',
        summary: 'Tells how many references the value of a key has.', complexity: 'O(1)',
      },
    ],
  },
  {
    name: 'memory', arity: -2, group: 'server', since: '4.0.0', summary: 'A container for memory inspection commands.',
    complexity: 'Depends on subcommand.',
    subcommands: [
      {
        name: 'help', arity: 2, flags: ['loading', 'stale'], group: 'server', since: '4.0.0',
        summary: 'Lists the MEMORY subcommands.', complexity: 'O(1)',
      },
      { name: 'doctor', arity: 2, group: 'server', since: '4.0.0', summary: 'Outputs a memory problems report.', complexity: 'O(1)', runs: 'main' },
      { name: 'stats', arity: 2, group: 'server', since: '4.0.0', summary: 'Returns details about memory usage.', complexity: 'O(1)', runs: 'main' },
      { name: 'purge', arity: 2, group: 'server', since: '4.0.0', summary: 'Asks the allocator to release memory.', complexity: 'Depends on how much memory is allocated, could be slow', runs: 'main' },
      { name: 'malloc-stats', arity: 2, group: 'server', since: '4.0.0', summary: 'Returns the allocator statistics.', complexity: 'Depends on how much memory is allocated, could be slow', runs: 'main' },
      {
        name: 'usage', arity: -3, flags: ['readonly'], keys: [2], group: 'server', since: '4.0.0', syntax: 'key [SAMPLES count]',
        summary: 'Estimates how many bytes a key and its value use.', complexity: 'O(N) where N is the number of samples.',
      },
    ],
  },
]);
