/**
 * The registry of parameters CONFIG GET/SET knows, with Redis 7's defaults.
 * Values are kept as the strings CONFIG GET replies with.
 *
 * Most of these only inform clients that read them (persistence, replication,
 * encodings): Shardis has no such machinery, but a client asking for
 * `save` or `hash-max-listpack-entries` should get Redis's sane answer. The
 * ones Shardis acts on are applied in Config.setValidated.
 */
import type { ParamSpec } from './config';

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;
const UINT_MAX = 4294967295;
/** LLONG_MAX; CONFIG SET's range errors print it exactly (see Config.formatBound). */
export const LLONG_MAX = 2 ** 63 - 1;

type Opts = Partial<Pick<ParamSpec, 'aliases' | 'mutable' | 'protected' | 'shardSetting' | 'unsupported'>>;

const int = (name: string, def: number, min: number, max: number, o: Opts = {}): ParamSpec => ({
  name, kind: 'int', default: String(def), min, max, mutable: o.mutable ?? true, ...o,
});
const mem = (name: string, def: number, min: number, max: number, o: Opts = {}): ParamSpec => ({
  name, kind: 'memory', default: String(def), min, max, mutable: o.mutable ?? true, ...o,
});
const bool = (name: string, def: boolean, o: Opts = {}): ParamSpec => ({
  name, kind: 'bool', default: def ? 'yes' : 'no', mutable: o.mutable ?? true, ...o,
});
const str = (name: string, def: string, o: Opts = {}): ParamSpec => ({ name, kind: 'string', default: def, mutable: o.mutable ?? true, ...o });
const enm = (name: string, def: string, values: string[], o: Opts = {}): ParamSpec => ({
  name, kind: 'enum', default: def, values, mutable: o.mutable ?? true, ...o,
});
/** Parameters with their own syntax, validated by name in Config.validate. */
const special = (name: string, def: string, o: Opts = {}): ParamSpec => ({ name, kind: 'special', default: def, mutable: o.mutable ?? true, ...o });

const IMMUTABLE: Opts = { mutable: false };
const YES_NO_ENUM = ['yes', 'no'];

export const configParams: readonly ParamSpec[] = [
  // Network and clients: applied by Shardis.
  int('port', 6379, 0, 65535),
  str('bind', '127.0.0.1'),
  int('databases', 16, 1, INT_MAX, IMMUTABLE),
  int('maxclients', 10000, 1, UINT_MAX),
  int('timeout', 0, 0, INT_MAX),
  enm('loglevel', 'notice', ['debug', 'verbose', 'notice', 'warning', 'nothing']),
  int('hz', 10, 0, INT_MAX, { shardSetting: 'hz' }),
  mem('proto-max-bulk-len', 536870912, 1024 * 1024, LLONG_MAX, { shardSetting: 'protoMaxBulkLen' }),
  mem('client-query-buffer-limit', 1073741824, 1024 * 1024, LLONG_MAX),
  mem('maxmemory', 0, 0, LLONG_MAX, { shardSetting: 'maxmemory' }),
  enm(
    'maxmemory-policy',
    'noeviction',
    ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'],
    { shardSetting: 'maxmemoryPolicy' },
  ),
  special('notify-keyspace-events', '', { shardSetting: 'notifyFlags' }),
  // TLS (src/config/tls.ts): a change reloads the certificates and settings of new connections.
  int('tls-port', 0, 0, 65535),
  str('tls-cert-file', ''),
  str('tls-key-file', ''),
  str('tls-key-file-pass', ''),
  str('tls-ca-cert-file', ''),
  str('tls-ca-cert-dir', ''),
  enm('tls-auth-clients', 'yes', ['no', 'yes', 'optional']),
  str('tls-protocols', ''),
  str('tls-ciphers', ''),
  str('tls-ciphersuites', ''),
  bool('tls-prefer-server-ciphers', false),
  str('tls-dh-params-file', ''),
  bool('tls-session-caching', true),
  int('tls-session-cache-timeout', 300, 0, INT_MAX),
  // Each parameter below has its effect or refuses what Shardis cannot do (`unsupported`); test/config-walk.test.ts checks which.
  int('maxmemory-samples', 5, 1, 64, { shardSetting: 'maxmemorySamples' }),
  int('maxmemory-eviction-tenacity', 10, 0, 100, { shardSetting: 'maxmemoryEvictionTenacity' }),
  mem('maxmemory-clients', 0, 0, LLONG_MAX),
  int('lfu-log-factor', 10, 0, INT_MAX, { shardSetting: 'lfuLogFactor' }),
  int('lfu-decay-time', 1, 0, INT_MAX, { shardSetting: 'lfuDecayTime' }),
  int('tcp-keepalive', 300, 0, INT_MAX),
  int('tcp-backlog', 511, 0, INT_MAX, IMMUTABLE),
  bool('protected-mode', true),
  str('requirepass', ''),
  str('masterauth', ''),
  str('masteruser', ''),
  special('save', '3600 1 300 100 60 10000'),
  bool('appendonly', false),
  enm('appendfsync', 'everysec', ['always', 'everysec', 'no']),
  str('appendfilename', 'appendonly.aof', IMMUTABLE),
  str('appenddirname', 'appendonlydir', IMMUTABLE),
  bool('no-appendfsync-on-rewrite', false, { unsupported: 'Shardis rewrites the AOF without a child process: fsync is never held back during a rewrite' }),
  int('auto-aof-rewrite-percentage', 100, 0, INT_MAX),
  mem('auto-aof-rewrite-min-size', 67108864, 0, LLONG_MAX),
  bool('aof-load-truncated', true),
  bool('aof-use-rdb-preamble', true, { unsupported: "Shardis's AOF base file is always an RDB snapshot (the preamble)" }),
  bool('aof-timestamp-enabled', false, { unsupported: 'Shardis does not write timestamp annotations in the AOF' }),
  bool('aof-rewrite-incremental-fsync', true, { unsupported: 'Shardis always fsyncs the rewritten AOF every 4 MB as it writes it' }),
  str('dir', process.cwd(), { protected: true }),
  str('dbfilename', 'dump.rdb', { protected: true }),
  bool('rdbcompression', true, { shardSetting: 'rdbCompression' }),
  bool('rdbchecksum', true),
  bool('rdb-save-incremental-fsync', true, { unsupported: 'Shardis always fsyncs the RDB file every 4 MB as it writes it' }),
  bool('rdb-del-sync-files', false, { unsupported: 'Shardis writes no RDB files for replication to delete' }),
  bool('stop-writes-on-bgsave-error', true),
  bool('lazyfree-lazy-eviction', false, { shardSetting: 'lazyfree' }),
  bool('lazyfree-lazy-expire', false, { shardSetting: 'lazyfree' }),
  bool('lazyfree-lazy-server-del', false, { shardSetting: 'lazyfree' }),
  bool('lazyfree-lazy-user-del', false, { shardSetting: 'lazyfree' }),
  bool('lazyfree-lazy-user-flush', false),
  bool('activerehashing', true, { unsupported: "Shardis's hash tables (V8 Maps) always rehash as they grow; this cannot be turned off" }),
  bool('activedefrag', false, {
    unsupported:
      'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution',
  }),
  int('active-expire-effort', 1, 1, 10, { shardSetting: 'activeExpireEffort' }),
  bool('dynamic-hz', true, { unsupported: 'Shardis keeps hz as configured; dynamic-hz cannot be turned off' }),
  special('client-output-buffer-limit', 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60'),
  int('slowlog-log-slower-than', 10000, -1, LLONG_MAX, { shardSetting: 'slowlogSlowerThan' }),
  int('slowlog-max-len', 128, 0, LLONG_MAX),
  int('latency-monitor-threshold', 0, 0, LLONG_MAX, { shardSetting: 'latencyMonitorThreshold' }),
  bool('latency-tracking', true),
  special('latency-tracking-info-percentiles', '50 99 99.9'),
  int('busy-reply-threshold', 5000, 0, LLONG_MAX, { aliases: ['lua-time-limit'] }),
  int('list-max-listpack-size', -2, INT_MIN, INT_MAX, { shardSetting: 'encodingLimits', aliases: ['list-max-ziplist-size'] }),
  int('list-compress-depth', 0, 0, INT_MAX),
  int('hash-max-listpack-entries', 512, 0, LLONG_MAX, { shardSetting: 'encodingLimits', aliases: ['hash-max-ziplist-entries'] }),
  int('hash-max-listpack-value', 64, 0, LLONG_MAX, { shardSetting: 'encodingLimits', aliases: ['hash-max-ziplist-value'] }),
  int('set-max-intset-entries', 512, 0, LLONG_MAX, { shardSetting: 'encodingLimits' }),
  int('zset-max-listpack-entries', 128, 0, LLONG_MAX, { shardSetting: 'encodingLimits', aliases: ['zset-max-ziplist-entries'] }),
  int('zset-max-listpack-value', 64, 0, LLONG_MAX, { shardSetting: 'encodingLimits', aliases: ['zset-max-ziplist-value'] }),
  int('hll-sparse-max-bytes', 3000, 0, LLONG_MAX, { shardSetting: 'hllSparseMaxBytes' }),
  mem('stream-node-max-bytes', 4096, 0, LLONG_MAX, { shardSetting: 'streamNodeMaxBytes' }),
  int('stream-node-max-entries', 100, 0, LLONG_MAX, { shardSetting: 'streamNodeMaxEntries' }),
  // Shardis's own: serve Prometheus metrics on this port (0: off; src/metrics/).
  int('metrics-port', 0, 0, 65535),
  int('tracking-table-max-keys', 1000000, 0, LLONG_MAX, { shardSetting: 'trackingTableMaxKeys' }),
  enm('acl-pubsub-default', 'resetchannels', ['allchannels', 'resetchannels']),
  int('acllog-max-len', 128, 0, LLONG_MAX),
  str('aclfile', '', IMMUTABLE),
  bool('daemonize', false, { ...IMMUTABLE, unsupported: 'Shardis does not daemonize: run it under a supervisor (systemd, a container) instead' }),
  enm('supervised', 'no', ['upstart', 'systemd', 'auto', 'no'], { ...IMMUTABLE, unsupported: 'Shardis does not talk to upstart or systemd supervisors' }),
  str('pidfile', '', IMMUTABLE),
  str('logfile', '', IMMUTABLE),
  bool('syslog-enabled', false, { ...IMMUTABLE, unsupported: 'Shardis does not log to syslog: use logfile or stdout' }),
  str('syslog-ident', 'redis', { ...IMMUTABLE, unsupported: 'Shardis does not log to syslog: use logfile or stdout' }),
  str('unixsocket', '', IMMUTABLE),
  special('unixsocketperm', '0', IMMUTABLE),
  int('io-threads', 1, 1, 128, { ...IMMUTABLE, unsupported: 'Shardis does its network I/O on the main thread: use --workers for shard threads' }),
  bool('io-threads-do-reads', false, { ...IMMUTABLE, unsupported: 'Shardis does its network I/O on the main thread: use --workers for shard threads' }),
  // Redis Cluster (src/cluster/): applied by Shardis.
  bool('cluster-enabled', false, IMMUTABLE),
  str('cluster-config-file', 'nodes.conf', IMMUTABLE),
  int('cluster-node-timeout', 15000, 0, LLONG_MAX),
  int('cluster-port', 0, 0, 65535, IMMUTABLE),
  bool('cluster-require-full-coverage', true),
  bool('cluster-allow-reads-when-down', false),
  special('replicaof', '', { ...IMMUTABLE, aliases: ['slaveof'] }),
  bool('replica-read-only', true, { aliases: ['slave-read-only'] }),
  bool('replica-serve-stale-data', true, { aliases: ['slave-serve-stale-data'] }),
  int('replica-priority', 100, 0, INT_MAX, { aliases: ['slave-priority'] }),
  // Sent in the replica's handshake (REPLCONF ip-address / listening-port); replica-announced is INFO's replica_announced.
  str('replica-announce-ip', '', { aliases: ['slave-announce-ip'] }),
  int('replica-announce-port', 0, 0, 65535, { aliases: ['slave-announce-port'] }),
  bool('replica-announced', true),
  mem('repl-backlog-size', 1048576, 1, LLONG_MAX),
  int('repl-backlog-ttl', 3600, 0, INT_MAX),
  int('repl-timeout', 60, 1, INT_MAX),
  bool('repl-diskless-sync', true),
  int('repl-diskless-sync-delay', 5, 0, INT_MAX),
  int('repl-diskless-sync-max-replicas', 0, 0, INT_MAX),
  int('repl-ping-replica-period', 10, 1, INT_MAX, { aliases: ['repl-ping-slave-period'] }),
  int('min-replicas-to-write', 0, 0, INT_MAX, { aliases: ['min-slaves-to-write'] }),
  int('min-replicas-max-lag', 10, 0, INT_MAX, { aliases: ['min-slaves-max-lag'] }),
  enm('oom-score-adj', 'no', ['no', 'yes', 'relative', 'absolute'], { unsupported: 'Shardis does not set oom_score_adj' }),
  bool('crash-log-enabled', true),
  bool('jemalloc-bg-thread', true, { unsupported: 'Shardis does not use jemalloc' }),
  // DEBUG is refused unless this allows it (src/dispatch.ts), as in Redis 7.
  enm('enable-debug-command', 'no', [...YES_NO_ENUM, 'local'], IMMUTABLE),
  enm('enable-protected-configs', 'no', [...YES_NO_ENUM, 'local'], IMMUTABLE),
  enm('enable-module-command', 'no', [...YES_NO_ENUM, 'local'], { ...IMMUTABLE, unsupported: 'Shardis cannot load modules: there is no MODULE command to enable' }),
  enm('shutdown-on-sigint', 'default', ['default', 'save', 'nosave', 'now', 'force']),
  enm('shutdown-on-sigterm', 'default', ['default', 'save', 'nosave', 'now', 'force']),
  int('shutdown-timeout', 10, 0, INT_MAX, { unsupported: 'Shardis has no replicas to wait for at shutdown' }),
  bool('always-show-logo', false, IMMUTABLE),
  bool('set-proc-title', true, IMMUTABLE),
  bool('disable-thp', true, { ...IMMUTABLE, unsupported: 'Shardis cannot change transparent huge pages for its process' }),
];
