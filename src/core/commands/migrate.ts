/**
 * MIGRATE and RESTORE-ASKING (Redis Cluster's slot migration): main-thread
 * bodies in src/commands/migrate.ts. MIGRATE moves keys with DUMP payloads;
 * RESTORE-ASKING is RESTORE that a node importing the slot accepts without
 * a preceding ASKING.
 */
import { family } from './spec';
import { migrateKeys } from './key-finders';

export const migrateCommands = family('generic', 'main', [
  {
    name: 'migrate', arity: -6, flags: ['write'], since: '2.6.0', getKeys: migrateKeys,
    syntax: 'host port <key | ""> destination-db timeout [COPY] [REPLACE] [AUTH password | AUTH2 username password] [KEYS key [key ...]]',
    summary: 'Atomically transfers a key from one Redis instance to another.',
    complexity: 'This command actually executes a DUMP+DEL in the source instance, and a RESTORE in the target instance. See the pages of these commands for time complexity. Also an O(N) data transfer between the two instances is performed.',
  },
  {
    name: 'restore-asking', arity: -4, flags: ['write', 'denyoom', 'asking'], keys: [1], since: '3.0.0', group: 'server',
    summary: 'An internal command for migrating keys in a cluster.',
    complexity: 'O(1) to create the new key and additional O(N*M) to reconstruct the serialized value, where N is the number of Redis objects composing the value and M their average size. For small string values the time complexity is thus O(1)+O(1*M) where M is small, so simply O(1). However for sorted set values the complexity is O(N*M*log(N)) because inserting values into sorted sets is O(log(N)).',
  },
]);
