/**
 * The replication family's rows (see spec.ts). Primary side bodies:
 * src/commands/replication.ts (SYNC, PSYNC, REPLCONF, WAIT, ROLE); replica side:
 * src/commands/replicaof.ts (REPLICAOF, SLAVEOF); the coordinated failover:
 * src/commands/failover.ts (FAILOVER).
 */
import { family } from './spec';

export const replicationCommands = family('server', 'main', [
  {
    name: 'psync', arity: -3, flags: ['admin', 'noscript', 'no_async_loading', 'no_multi'], since: '2.8.0',
    syntax: 'replicationid offset', summary: 'Internal command used for replication',
  },
  {
    name: 'sync', arity: 1, flags: ['admin', 'noscript', 'no_async_loading', 'no_multi'], since: '1.0.0',
    summary: 'Internal command used for replication',
  },
  {
    name: 'replconf', arity: -1, flags: ['admin', 'noscript', 'loading', 'stale', 'allow_busy'], since: '3.0.0',
    summary: 'An internal command for configuring the replication stream', complexity: 'O(1)',
  },
  {
    name: 'wait', arity: 3, flags: ['noscript'], group: 'generic', since: '3.0.0', syntax: 'numreplicas timeout',
    summary: 'Wait for the synchronous replication of all the write commands sent in the context of the current connection',
    complexity: 'O(1)',
  },
  {
    name: 'role', arity: 1, flags: ['noscript', 'loading', 'stale', 'fast'], since: '2.8.12',
    summary: 'Return the role of the instance in the context of replication', complexity: 'O(1)',
  },
  {
    name: 'replicaof', arity: 3, flags: ['admin', 'noscript', 'stale', 'no_async_loading'], since: '5.0.0', syntax: 'host port | NO ONE',
    summary: 'Make the server a replica of another instance, or promote it as master.', complexity: 'O(1)',
  },
  {
    name: 'slaveof', arity: 3, flags: ['admin', 'noscript', 'stale', 'no_async_loading'], since: '1.0.0', syntax: 'host port | NO ONE',
    summary: 'Make the server a replica of another instance, or promote it as master (deprecated: use REPLICAOF).', complexity: 'O(1)',
  },
  {
    name: 'failover', arity: -1, flags: ['admin', 'noscript', 'stale'], since: '6.2.0', syntax: '[TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds]',
    summary: 'Start a coordinated failover between this server and one of its replicas.', complexity: 'O(1)',
  },
]);
