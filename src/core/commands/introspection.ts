/**
 * The introspection family's rows of the command table (see spec.ts). Main-thread bodies: src/commands/introspection.ts.
 */
import { family } from './spec';

export const introspectionCommands = family('server', 'main', [
  {
    name: 'command', arity: -1, flags: ['loading', 'stale'], since: '2.8.13', summary: 'Describes every command of the server.',
    complexity: 'O(N) where N is the total number of commands',
    subcommands: [
      {
        name: 'count', arity: 2, flags: ['loading', 'stale'], since: '7.0.0',
        summary: 'Returns how many commands the server has.', complexity: 'O(1)',
      },
      {
        name: 'info', arity: -2, flags: ['loading', 'stale'], since: '7.0.0', syntax: '[command-name [command-name ...]]',
        summary: 'Describes the given commands, or all of them.', complexity: 'O(N) where N is the number of commands to look up',
      },
      {
        name: 'docs', arity: -2, flags: ['loading', 'stale'], since: '7.0.0', syntax: '[command-name [command-name ...]]',
        summary: 'Returns the documentation of the given commands, or all of them.',
        complexity: 'O(N) where N is the number of commands to look up',
      },
      {
        name: 'list', arity: -2, flags: ['loading', 'stale'], since: '7.0.0',
        syntax: '[FILTERBY <MODULE module-name | ACLCAT category | PATTERN pattern>]',
        summary: 'Lists command names, optionally filtered.', complexity: 'O(N) where N is the total number of commands',
      },
      {
        name: 'getkeys', arity: -4, flags: ['loading', 'stale'], since: '7.0.0', syntax: 'command [arg [arg ...]]',
        summary: 'Extracts the key names of a full command.',
        complexity: 'O(N) where N is the number of arguments to the command',
      },
      {
        name: 'getkeysandflags', arity: -4, flags: ['loading', 'stale'], since: '7.0.0', syntax: 'command [arg [arg ...]]',
        summary: 'Extracts the key names and their access flags of a full command.',
        complexity: 'O(N) where N is the number of arguments to the command',
      },
      {
        name: 'help', arity: 2, flags: ['loading', 'stale'], since: '7.0.0', summary: 'Shows what COMMAND can do.',
        complexity: 'O(1)',
      },
    ],
  },
]);
