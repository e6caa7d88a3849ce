/** Shardis's own version, and the Redis version it reports to clients (they check it). */
export const VERSION = '0.1.0';
/**
 * The Redis version whose behaviour Shardis matches (every reply, error and
 * format is checked against redis-server 7.0.15). BullMQ and others read
 * `redis_version` from INFO and HELLO and switch behaviour on it; Shardis's
 * own version is INFO's `shardis_version`.
 */
export const REDIS_VERSION = '7.0.15';
