/**
 * The config family's rows of the command table (see spec.ts). Main-thread bodies: src/commands/config.ts.
 */
import { family } from './spec';

export const configCommands = family('server', 'main', [
  {
    name: 'config', arity: -2, since: '2.0.0', summary: 'A container for server configuration commands.',
    complexity: 'Depends on subcommand.',
    subcommands: [
      {
        name: 'get', arity: -3, flags: ['admin', 'noscript', 'loading', 'stale'], since: '2.0.0',
        syntax: 'parameter [parameter ...]', summary: 'Returns the values of configuration parameters.',
        complexity: 'O(N) when N is the number of configuration parameters provided',
      },
      {
        name: 'set', arity: -4, flags: ['admin', 'noscript', 'loading', 'stale'], since: '2.0.0',
        syntax: 'parameter value [parameter value ...]', summary: 'Sets configuration parameters at run time.',
        complexity: 'O(N) when N is the number of configuration parameters provided',
      },
      {
        name: 'resetstat', arity: 2, flags: ['admin', 'noscript', 'loading', 'stale'], since: '2.0.0',
        summary: 'Resets the server statistics.', complexity: 'O(1)',
      },
      {
        name: 'rewrite', arity: 2, flags: ['admin', 'noscript', 'loading', 'stale'], since: '2.0.0',
        summary: 'Persists the effective configuration to a file.', complexity: 'O(1)',
      },
      {
        name: 'help', arity: 2, flags: ['loading', 'stale'], since: '5.0.0', summary: 'Shows what CONFIG can do.',
        complexity: 'O(1)',
      },
    ],
  },
]);
