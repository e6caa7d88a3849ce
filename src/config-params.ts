/**
 * The registry of parameters CONFIG GET/SET knows, with Redis 7's defaults.
 * Values are kept as the strings CONFIG GET replies with.
 */
import type { ParamSpec } from './config';

export const configParams: readonly ParamSpec[] = [
  { name: 'port', kind: 'int', default: '6379', mutable: false, min: 0, max: 65535 },
  { name: 'bind', kind: 'string', default: '127.0.0.1', mutable: false },
  { name: 'databases', kind: 'int', default: '16', mutable: false, min: 1 },
  { name: 'maxclients', kind: 'int', default: '10000', mutable: true, min: 1 },
  { name: 'timeout', kind: 'int', default: '0', mutable: true, min: 0 },
  { name: 'loglevel', kind: 'enum', default: 'notice', values: ['debug', 'verbose', 'notice', 'warning', 'nothing'], mutable: true },
  { name: 'hz', kind: 'int', default: '10', mutable: true, min: 1, max: 500, shardSetting: 'hz' },
  { name: 'proto-max-bulk-len', kind: 'memory', default: '536870912', mutable: true, min: 1024 * 1024, shardSetting: 'protoMaxBulkLen' },
  { name: 'client-query-buffer-limit', kind: 'memory', default: '1073741824', mutable: true, min: 1024 * 1024 },
  { name: 'maxmemory', kind: 'memory', default: '0', mutable: true, min: 0 },
  {
    name: 'maxmemory-policy',
    kind: 'enum',
    default: 'noeviction',
    values: ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'],
    mutable: true,
    shardSetting: 'maxmemoryPolicy',
  },
  { name: 'save', kind: 'string', default: '', mutable: true },
  { name: 'appendonly', kind: 'bool', default: 'no', mutable: true },
  { name: 'notify-keyspace-events', kind: 'string', default: '', mutable: true },
];
