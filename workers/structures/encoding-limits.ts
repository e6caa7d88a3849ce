/**
 * The thresholds that decide when a small collection leaves its packed
 * encoding (hash-max-listpack-*, set-max-intset-entries, zset-max-listpack-*,
 * list-max-listpack-size), as CONFIG sets them. Module state, like Redis's
 * server.* fields: one engine per thread reads them, and the engine updates
 * them when the shard settings change (workers/engine.ts). Collections keep
 * their encoding when a threshold changes; the next write checks the new one.
 * The defaults are the shard settings' (src/core/shard-protocol.ts): one place.
 */
import { defaultShardSettings, type EncodingLimits } from '../../src/core/shard-protocol';

export const LIMITS: EncodingLimits = { ...defaultShardSettings().encodingLimits };

export function setEncodingLimits(l: EncodingLimits): void {
  Object.assign(LIMITS, l);
}
