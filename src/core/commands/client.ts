/**
 * The client family's rows of the command table (see spec.ts). Main-thread bodies: src/commands/client.ts.
 */
import { family } from './spec';

export const clientCommands = family('connection', 'main', [
  {
    name: 'client', arity: -2, since: '2.4.0', summary: 'A container for client connection commands.',
    complexity: 'Depends on subcommand.',
    subcommands: [
      {
        name: 'id', arity: 2, flags: ['noscript', 'loading', 'stale'], since: '5.0.0',
        summary: 'Returns the unique id of the connection.', complexity: 'O(1)',
      },
      {
        name: 'getname', arity: 2, flags: ['noscript', 'loading', 'stale'], since: '2.6.9',
        summary: 'Returns the name of the connection.', complexity: 'O(1)',
      },
      {
        name: 'setname', arity: 3, flags: ['noscript', 'loading', 'stale'], since: '2.6.9', syntax: 'connection-name',
        summary: 'Sets the name of the connection.', complexity: 'O(1)',
      },
      {
        name: 'setinfo', arity: 4, flags: ['noscript', 'loading', 'stale'], since: '7.2.0',
        syntax: '<LIB-NAME libname | LIB-VER libver>', summary: 'Records the client library name or version of the connection.',
        complexity: 'O(1)',
      },
      {
        name: 'info', arity: 2, flags: ['noscript', 'loading', 'stale'], since: '6.2.0',
        summary: 'Returns information about the connection.', complexity: 'O(1)',
      },
      {
        name: 'list', arity: -2, flags: ['admin', 'noscript', 'loading', 'stale'], since: '2.4.0',
        syntax: '[TYPE <NORMAL | MASTER | REPLICA | PUBSUB>] [ID client-id [client-id ...]]',
        summary: 'Lists the open connections.', complexity: 'O(N) where N is the number of client connections',
      },
      {
        name: 'kill', arity: -3, flags: ['admin', 'noscript', 'loading', 'stale'], since: '2.4.0',
        syntax: '<ip:port | <[ID client-id] | [TYPE <NORMAL | MASTER | SLAVE | REPLICA | PUBSUB>] | [USER username] | [ADDR ip:port] | [LADDR ip:port] | [SKIPME <YES | NO>] | [MAXAGE maxage]> ...>',
        summary: 'Closes connections.', complexity: 'O(N) where N is the number of client connections',
      },
      {
        name: 'no-evict', arity: 3, flags: ['admin', 'noscript', 'loading', 'stale'], since: '7.0.0', syntax: '<ON | OFF>',
        summary: 'Exempts the connection from client eviction.', complexity: 'O(1)',
      },
      {
        name: 'no-touch', arity: 3, flags: ['noscript', 'loading', 'stale'], since: '7.2.0', syntax: '<ON | OFF>',
        summary: 'Keeps the connection\'s commands from changing access times.', complexity: 'O(1)',
      },
      {
        name: 'unblock', arity: -3, flags: ['admin', 'noscript', 'loading', 'stale'], since: '5.0.0',
        syntax: 'client-id [TIMEOUT | ERROR]',
        summary: 'Ends the wait of a client blocked in a blocking command, as a timeout or an error.',
        complexity: 'O(log N) where N is the number of client connections',
      },
      {
        name: 'pause', arity: -3, flags: ['admin', 'noscript', 'loading', 'stale'], since: '3.0.0', syntax: 'timeout [WRITE | ALL]',
        summary: 'Suspends commands processing.', complexity: 'O(1)',
      },
      {
        name: 'unpause', arity: 2, flags: ['admin', 'noscript', 'loading', 'stale'], since: '6.2.0',
        summary: 'Resumes processing of clients that were paused.', complexity: 'O(N) Where N is the number of paused clients',
      },
      {
        name: 'reply', arity: 3, flags: ['noscript', 'loading', 'stale'], since: '3.2.0', syntax: 'ON | OFF | SKIP',
        summary: 'Instructs the server whether to reply to commands.', complexity: 'O(1)',
      },
      {
        name: 'tracking', arity: -3, flags: ['noscript', 'loading', 'stale'], since: '6.0.0',
        syntax: 'ON | OFF [REDIRECT client-id] [PREFIX prefix [PREFIX prefix ...]] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]',
        summary: 'Controls server-assisted client-side caching for the connection.',
        complexity: 'O(1). Some options may introduce additional complexity.',
      },
      {
        name: 'caching', arity: 3, flags: ['noscript', 'loading', 'stale'], since: '6.0.0', syntax: 'YES | NO',
        summary: 'Instructs the server whether to track the keys in the next request.', complexity: 'O(1)',
      },
      {
        name: 'getredir', arity: 2, flags: ['noscript', 'loading', 'stale'], since: '6.0.0',
        summary: 'Returns the client ID to which the connection\'s tracking notifications are redirected.', complexity: 'O(1)',
      },
      {
        name: 'trackinginfo', arity: 2, flags: ['noscript', 'loading', 'stale'], since: '6.2.0',
        summary: 'Returns information about server-assisted client-side caching for the connection.', complexity: 'O(1)',
      },
      {
        name: 'help', arity: 2, flags: ['loading', 'stale'], since: '5.0.0', summary: 'Shows what CLIENT can do.',
        complexity: 'O(1)',
      },
    ],
  },
]);
