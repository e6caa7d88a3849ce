/**
 * The cluster family's rows of the command table (see spec.ts): CLUSTER and
 * its subcommands, ASKING, READONLY, READWRITE. Main-thread bodies:
 * src/commands/cluster.ts.
 */
import { family, type RowDecl } from './spec';

const admin = ['admin', 'stale', 'no_async_loading'] as const;
const sub = (name: string, arity: number, flags: readonly string[], since: string, summary: string, syntax?: string): RowDecl =>
  ({ name, arity, flags: flags as RowDecl['flags'], since, summary, syntax, complexity: 'O(1)' });

export const clusterCommands = family('cluster', 'main', [
  {
    name: 'cluster', arity: -2, since: '3.0.0', summary: 'A container for Redis Cluster commands.',
    complexity: 'Depends on subcommand.',
    subcommands: [
      sub('addslots', -3, admin, '3.0.0', 'Assigns new hash slots to a node.', 'slot [slot ...]'),
      sub('addslotsrange', -4, admin, '7.0.0', 'Assigns new hash slot ranges to a node.', 'start-slot end-slot [start-slot end-slot ...]'),
      sub('bumpepoch', 2, admin, '3.0.0', 'Advances the cluster config epoch.'),
      sub('count-failure-reports', 3, ['admin', 'stale'], '3.0.0', 'Returns the number of active failure reports active for a node.', 'node-id'),
      sub('countkeysinslot', 3, ['stale'], '3.0.0', 'Returns the number of keys in a hash slot.', 'slot'),
      sub('delslots', -3, admin, '3.0.0', 'Sets hash slots as unbound for a node.', 'slot [slot ...]'),
      sub('delslotsrange', -4, admin, '7.0.0', 'Sets hash slot ranges as unbound for a node.', 'start-slot end-slot [start-slot end-slot ...]'),
      sub('failover', -2, admin, '3.0.0', 'Forces a replica to perform a manual failover of its master.', '[FORCE | TAKEOVER]'),
      sub('flushslots', 2, admin, '3.0.0', 'Deletes all slots information from a node.'),
      sub('forget', 3, admin, '3.0.0', 'Removes a node from the nodes table.', 'node-id'),
      sub('getkeysinslot', 4, ['stale'], '3.0.0', 'Returns the key names in a hash slot.', 'slot count'),
      sub('help', 2, ['loading', 'stale'], '5.0.0', 'Returns helpful text about the different subcommands.'),
      sub('info', 2, ['stale'], '3.0.0', 'Returns information about the state of a node.'),
      sub('keyslot', 3, ['stale'], '3.0.0', 'Returns the hash slot for a key.', 'key'),
      sub('links', 2, ['stale'], '7.0.0', 'Returns a list of all TCP links to and from peer nodes.'),
      sub('meet', -4, admin, '3.0.0', 'Forces a node to handshake with another node.', 'ip port [cluster-bus-port]'),
      sub('myid', 2, ['stale'], '3.0.0', 'Returns the ID of a node.'),
      sub('nodes', 2, ['stale'], '3.0.0', 'Returns the cluster configuration for a node.'),
      sub('replicas', 3, ['admin', 'stale'], '5.0.0', 'Lists the replica nodes of a master node.', 'node-id'),
      sub('replicate', 3, admin, '3.0.0', 'Configure a node as replica of a master node.', 'node-id'),
      sub('reset', -2, ['admin', 'noscript', 'stale'], '3.0.0', 'Resets a node.', '[HARD | SOFT]'),
      sub('saveconfig', 2, admin, '3.0.0', 'Forces a node to save the cluster configuration to disk.'),
      sub('set-config-epoch', 3, admin, '3.0.0', 'Sets the configuration epoch for a new node.', 'config-epoch'),
      sub('setslot', -4, admin, '3.0.0', 'Binds a hash slot to a node.', 'slot <IMPORTING node-id | MIGRATING node-id | NODE node-id | STABLE>'),
      sub('shards', 2, ['stale'], '7.0.0', 'Returns the mapping of cluster slots to shards.'),
      sub('slaves', 3, ['admin', 'stale'], '3.0.0', 'Lists the replica nodes of a master node.', 'node-id'),
      sub('slots', 2, ['stale'], '3.0.0', 'Returns the mapping of cluster slots to nodes.'),
    ],
  },
  {
    name: 'asking', arity: 1, flags: ['fast'], since: '3.0.0',
    summary: 'Signals that a cluster client is following an -ASK redirect.', complexity: 'O(1)',
  },
  {
    name: 'readonly', arity: 1, flags: ['loading', 'stale', 'fast'], since: '3.0.0',
    summary: 'Enables read-only queries for a connection to a Redis Cluster replica node.', complexity: 'O(1)',
  },
  {
    name: 'readwrite', arity: 1, flags: ['loading', 'stale', 'fast'], since: '3.0.0',
    summary: 'Enables read-write queries for a connection to a Redis Cluster replica node.', complexity: 'O(1)',
  },
]);
