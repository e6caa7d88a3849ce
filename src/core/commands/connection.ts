/**
 * The connection family's rows of the command table (see spec.ts). Main-thread bodies: src/commands/connection.ts.
 */
import { family } from './spec';

export const connectionCommands = family('connection', 'main', [
  {
    name: 'ping', arity: -1, flags: ['fast'], since: '1.0.0', syntax: '[message]',
    summary: 'Returns the server\'s liveliness response.', complexity: 'O(1)',
  },
  {
    name: 'echo', arity: 2, flags: ['fast', 'loading', 'stale'], since: '1.0.0', syntax: 'message',
    summary: 'Returns the given string.', complexity: 'O(1)',
  },
  {
    name: 'quit', arity: -1, flags: ['allow_busy', 'noscript', 'loading', 'stale', 'fast', 'no_auth'], since: '1.0.0',
    summary: 'Closes the connection.', complexity: 'O(1)',
  },
  {
    name: 'select', arity: 2, flags: ['loading', 'stale', 'fast'], since: '1.0.0', syntax: 'index',
    summary: 'Changes the selected database.', complexity: 'O(1)',
  },
  {
    name: 'auth', arity: -2, flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], since: '1.0.0',
    syntax: '[username] password', summary: 'Authenticates the connection.', complexity: 'O(1)',
  },
  {
    name: 'hello', arity: -1, flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], since: '6.0.0',
    syntax: '[protover [AUTH username password] [SETNAME clientname]]',
    summary: 'Handshakes with the server: protocol version, credentials, name.', complexity: 'O(1)',
  },
  {
    name: 'reset', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], since: '6.2.0',
    summary: 'Resets the connection\'s state.', complexity: 'O(1)',
  },
]);
