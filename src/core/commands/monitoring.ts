/**
 * The rows of what the server watches about its commands: SLOWLOG, LATENCY,
 * MONITOR (see spec.ts). Main-thread bodies: src/commands/monitoring.ts.
 */
import { family } from './spec';

const RO_ADMIN = ['admin', 'noscript', 'loading', 'stale'] as const;

export const monitoringCommands = family('server', 'main', [
  {
    name: 'slowlog', arity: -2, since: '2.2.12', summary: 'A container for slow log commands.', complexity: 'Depends on subcommand.',
    subcommands: [
      {
        name: 'get', arity: -2, flags: ['admin', 'loading', 'stale'], since: '2.2.12', syntax: '[count]',
        summary: "Returns the slow log's entries.", complexity: 'O(N) where N is the number of entries returned',
      },
      { name: 'len', arity: 2, flags: ['admin', 'loading', 'stale'], since: '2.2.12', summary: 'Returns the number of entries in the slow log.', complexity: 'O(1)' },
      { name: 'reset', arity: 2, flags: ['admin', 'loading', 'stale'], since: '2.2.12', summary: 'Clears all entries from the slow log.', complexity: 'O(N) where N is the number of entries in the slowlog' },
      { name: 'help', arity: 2, flags: ['loading', 'stale'], since: '6.2.0', summary: 'Show helpful text about the different subcommands', complexity: 'O(1)' },
    ],
  },
  {
    name: 'latency', arity: -2, since: '2.8.13', summary: 'A container for latency diagnostics commands.', complexity: 'Depends on subcommand.',
    subcommands: [
      { name: 'latest', arity: 2, flags: [...RO_ADMIN], since: '2.8.13', summary: 'Returns the latest latency samples for all events.', complexity: 'O(1)' },
      { name: 'history', arity: 3, flags: [...RO_ADMIN], since: '2.8.13', syntax: 'event', summary: 'Returns timestamp-latency samples for an event.', complexity: 'O(1)' },
      { name: 'reset', arity: -2, flags: [...RO_ADMIN], since: '2.8.13', syntax: '[event [event ...]]', summary: 'Resets the latency data for one or more events.', complexity: 'O(1)' },
      { name: 'graph', arity: 3, flags: [...RO_ADMIN], since: '2.8.13', syntax: 'event', summary: 'Returns a latency graph for an event.', complexity: 'O(1)' },
      { name: 'doctor', arity: 2, flags: [...RO_ADMIN], since: '2.8.13', summary: 'Returns a human-readable latency analysis report.', complexity: 'O(1)' },
      {
        name: 'histogram', arity: -2, flags: [...RO_ADMIN], since: '7.0.0', syntax: '[command [command ...]]',
        summary: 'Returns the cumulative distribution of latencies of a subset or all commands.',
        complexity: 'O(N) where N is the number of commands with latency information being retrieved.',
      },
      { name: 'help', arity: 2, flags: ['loading', 'stale'], since: '2.8.13', summary: 'Returns helpful text about the different subcommands.', complexity: 'O(1)' },
    ],
  },
  {
    name: 'lolwut', arity: -1, flags: ['readonly', 'fast'], since: '5.0.0', syntax: '[VERSION version]',
    summary: 'Displays computer art and the Redis version',
  },
  {
    name: 'monitor', arity: 1, flags: [...RO_ADMIN], since: '1.0.0', summary: 'Listens for all requests received by the server in real-time.',
    complexity: 'O(1)',
  },
]);
