/**
 * The scripting family's rows of the command table (see spec.ts). EVAL and
 * its variants run in the shard that owns their keys (workers/families/scripting.ts);
 * SCRIPT's subcommands are main-thread bodies (src/commands/scripting.ts)
 * that reach every shard's script cache.
 */
import { family } from './spec';
import { evalKeys } from './key-finders';

const EVAL_FLAGS = ['noscript', 'stale', 'skip_monitor', 'no_mandatory_keys'] as const;
const EVAL_RO_FLAGS = ['noscript', 'stale', 'skip_monitor', 'no_mandatory_keys', 'readonly'] as const;

export const scriptingCommands = family('scripting', 'shard', [
  {
    name: 'eval', arity: -3, flags: EVAL_FLAGS, since: '2.6.0', getKeys: evalKeys,
    syntax: 'script numkeys [key [key ...]] [arg [arg ...]]',
    summary: 'Executes a server-side Lua script.',
    complexity: 'Depends on the script that is executed.',
    undeclaredKeys: true, cross: 'coordinator', op: 'eval', variant: { sha: false, ro: false },
  },
  {
    name: 'evalsha', arity: -3, flags: EVAL_FLAGS, since: '2.6.0', getKeys: evalKeys,
    syntax: 'sha1 numkeys [key [key ...]] [arg [arg ...]]',
    summary: 'Executes a server-side Lua script by SHA1 digest.',
    complexity: 'Depends on the script that is executed.',
    undeclaredKeys: true, cross: 'coordinator', op: 'eval', variant: { sha: true, ro: false },
  },
  {
    name: 'eval_ro', arity: -3, flags: EVAL_RO_FLAGS, since: '7.0.0', getKeys: evalKeys,
    syntax: 'script numkeys [key [key ...]] [arg [arg ...]]',
    summary: 'Executes a read-only server-side Lua script.',
    complexity: 'Depends on the script that is executed.',
    undeclaredKeys: true, cross: 'coordinator', op: 'eval', variant: { sha: false, ro: true },
  },
  {
    name: 'evalsha_ro', arity: -3, flags: EVAL_RO_FLAGS, since: '7.0.0', getKeys: evalKeys,
    syntax: 'sha1 numkeys [key [key ...]] [arg [arg ...]]',
    summary: 'Executes a read-only server-side Lua script by SHA1 digest.',
    complexity: 'Depends on the script that is executed.',
    undeclaredKeys: true, cross: 'coordinator', op: 'eval', variant: { sha: true, ro: true },
  },
  {
    name: 'fcall', arity: -3, flags: EVAL_FLAGS, since: '7.0.0', getKeys: evalKeys,
    syntax: 'function numkeys [key [key ...]] [arg [arg ...]]',
    summary: 'Invokes a function.', complexity: 'Depends on the function that is executed.',
    undeclaredKeys: true, cross: 'coordinator', op: 'fcall', variant: { ro: false },
  },
  {
    name: 'fcall_ro', arity: -3, flags: EVAL_RO_FLAGS, since: '7.0.0', getKeys: evalKeys,
    syntax: 'function numkeys [key [key ...]] [arg [arg ...]]',
    summary: 'Invokes a read-only function.', complexity: 'Depends on the function that is executed.',
    undeclaredKeys: true, cross: 'coordinator', op: 'fcall', variant: { ro: true },
  },
]);

export const scriptCommands = family('scripting', 'main', [
  {
    name: 'function', arity: -2, since: '7.0.0', summary: 'A container for function commands.', complexity: 'Depends on subcommand.',
    subcommands: [
      {
        name: 'load', arity: -3, flags: ['write', 'denyoom', 'noscript'], since: '7.0.0', syntax: '[REPLACE] function-code',
        summary: 'Creates a library.', complexity: 'O(1) (considering compilation time is redundant)',
      },
      {
        name: 'delete', arity: 3, flags: ['write', 'noscript'], since: '7.0.0', syntax: 'library-name',
        summary: 'Deletes a library and its functions.', complexity: 'O(1)',
      },
      {
        name: 'dump', arity: 2, flags: ['noscript'], since: '7.0.0',
        summary: 'Dumps all libraries into a serialized binary payload.', complexity: 'O(N) where N is the number of functions',
      },
      {
        name: 'restore', arity: -3, flags: ['write', 'denyoom', 'noscript'], since: '7.0.0', syntax: 'serialized-value [FLUSH | APPEND | REPLACE]',
        summary: 'Restores all libraries from a payload.', complexity: 'O(N) where N is the number of functions on the payload',
      },
      {
        name: 'flush', arity: -2, flags: ['write', 'noscript'], since: '7.0.0', syntax: '[ASYNC | SYNC]',
        summary: 'Deletes all libraries and functions.', complexity: 'O(N) where N is the number of functions deleted',
      },
      {
        name: 'list', arity: -2, flags: ['noscript'], since: '7.0.0', syntax: '[LIBRARYNAME library-name-pattern] [WITHCODE]',
        summary: 'Returns information about all libraries.', complexity: 'O(N) where N is the number of functions',
      },
      {
        name: 'stats', arity: 2, flags: ['noscript', 'allow_busy'], since: '7.0.0',
        summary: 'Returns information about a function during execution.', complexity: 'O(1)',
      },
      {
        name: 'kill', arity: 2, flags: ['noscript', 'allow_busy'], since: '7.0.0',
        summary: 'Terminates a function during execution.', complexity: 'O(1)',
      },
      {
        name: 'help', arity: 2, flags: ['loading', 'stale'], since: '7.0.0',
        summary: 'Returns helpful text about the different subcommands.', complexity: 'O(1)',
      },
    ],
  },
  {
    name: 'script', arity: -2, since: '2.6.0', summary: 'A container for Lua scripts management commands.',
    complexity: 'Depends on subcommand.',
    subcommands: [
      {
        name: 'load', arity: 3, flags: ['noscript', 'stale'], since: '2.6.0', syntax: 'script',
        summary: 'Loads a server-side Lua script to the script cache.', complexity: 'O(N) with N being the length in bytes of the script body.',
      },
      {
        name: 'exists', arity: -3, flags: ['noscript'], since: '2.6.0', syntax: 'sha1 [sha1 ...]',
        summary: 'Determines whether server-side Lua scripts exist in the script cache.', complexity: 'O(N) with N being the number of scripts to check (so checking a single script is an O(1) operation).',
      },
      {
        name: 'flush', arity: -2, flags: ['noscript'], since: '2.6.0', syntax: '[ASYNC | SYNC]',
        summary: 'Removes all server-side Lua scripts from the script cache.', complexity: 'O(N) with N being the number of scripts in cache',
      },
      {
        name: 'kill', arity: 2, flags: ['noscript', 'allow_busy'], since: '2.6.0',
        summary: 'Terminates a server-side Lua script during execution.', complexity: 'O(1)',
      },
      {
        name: 'debug', arity: 3, flags: ['noscript'], since: '3.2.0', syntax: 'YES | SYNC | NO',
        summary: 'Sets the debug mode of server-side Lua scripts.', complexity: 'O(1)',
      },
      {
        name: 'help', arity: 2, flags: ['loading', 'stale'], since: '5.0.0',
        summary: 'Returns helpful text about the different subcommands.', complexity: 'O(1)',
      },
    ],
  },
]);
