/**
 * REPLICAOF and SLAVEOF: the replica half of replication (see spec.ts).
 * Main-thread bodies: src/commands/replicaof.ts.
 */
import { family } from './spec';

export const replicaCommands = family('server', 'main', [
  {
    name: 'replicaof', arity: 3, flags: ['admin', 'noscript', 'stale', 'no_async_loading'], since: '5.0.0', syntax: 'host port | NO ONE',
    summary: 'Make the server a replica of another instance, or promote it as master.', complexity: 'O(1)',
  },
  {
    name: 'slaveof', arity: 3, flags: ['admin', 'noscript', 'stale', 'no_async_loading'], since: '1.0.0', syntax: 'host port | NO ONE',
    summary: 'Make the server a replica of another instance, or promote it as master (deprecated: use REPLICAOF).', complexity: 'O(1)',
  },
]);
