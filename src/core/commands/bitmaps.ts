/**
 * The bitmaps family's rows of the command table (see spec.ts). Shard ops: workers/families/bitmaps.ts.
 */
import { family } from './spec';
import { keysFrom } from './key-finders';

export const bitmapCommands = family('bitmap', 'shard', [
  {
    name: 'setbit', arity: 4, flags: ['write', 'denyoom'], keys: [1], since: '2.2.0', syntax: 'key offset value',
    summary: 'Sets or clears one bit of a string value, growing it with zero bytes if needed.', complexity: 'O(1)',
  },
  {
    name: 'getbit', arity: 3, flags: ['readonly', 'fast'], keys: [1], since: '2.2.0', syntax: 'key offset',
    summary: 'Returns one bit of a string value (0 past its end).', complexity: 'O(1)',
  },
  {
    name: 'bitcount', arity: -2, flags: ['readonly'], keys: [1], since: '2.6.0', syntax: 'key [start end [BYTE | BIT]]',
    summary: 'Counts the set bits of a string value, optionally within a byte or bit range.', complexity: 'O(N)',
  },
  {
    name: 'bitpos', arity: -3, flags: ['readonly'], keys: [1], since: '2.8.7', syntax: 'key bit [start [end [BYTE | BIT]]]',
    summary: 'Finds the first set or clear bit of a string value, optionally within a range.', complexity: 'O(N)',
  },
  {
    name: 'bitop', arity: -4, flags: ['write', 'denyoom'], keys: [2, -1], since: '2.6.0', readLookups: keysFrom(3),
    syntax: 'operation destkey key [key ...]',
    summary: 'Stores the bitwise AND, OR, XOR or NOT of string values in a destination key.', complexity: 'O(N)',
  },
  {
    name: 'bitfield', arity: -2, flags: ['write', 'denyoom'], keys: [1], since: '3.2.0',
    syntax: 'key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset increment> [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] <SET encoding offset value | INCRBY encoding offset increment> ...]]',
    summary: 'Reads, writes and increments integers of any width at any bit offset of a string value.',
    complexity: 'O(1) for each subcommand specified',
    variant: { readonly: false },
  },
  {
    name: 'bitfield_ro', arity: -2, flags: ['readonly', 'fast'], keys: [1], since: '6.0.0',
    syntax: 'key [GET encoding offset [GET encoding offset ...]]',
    summary: 'Reads integers of any width at any bit offset of a string value (the read-only BITFIELD).',
    complexity: 'O(1) for each subcommand specified',
    op: 'bitfield', variant: { readonly: true },
  },
]);
