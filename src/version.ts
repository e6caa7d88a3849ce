/** Shardis's own version, and the Redis version it reports to clients (they check it). */
export const VERSION = '0.1.0';
/**
 * BullMQ and others read `redis_version` from INFO and switch behaviour on it;
 * Shardis implements the Redis 7.2 command surface it claims (e.g. CLIENT SETINFO).
 */
export const REDIS_VERSION = '7.2.4';
