/**
 * The thresholds that decide when a small collection leaves its packed
 * encoding (hash-max-listpack-*, set-max-intset-entries, zset-max-listpack-*,
 * list-max-listpack-size), as CONFIG sets them. Module state, like Redis's
 * server.* fields: one engine per thread reads them, and the engine updates
 * them when the shard settings change (workers/engine.ts). Collections keep
 * their encoding when a threshold changes; the next write checks the new one.
 */
export const LIMITS = {
  hashMaxListpackEntries: 512,
  hashMaxListpackValue: 64,
  setMaxIntsetEntries: 512,
  zsetMaxListpackEntries: 128,
  zsetMaxListpackValue: 64,
  /** list-max-listpack-size: > 0 entries per quicklist node, -1..-5 a node size of 4..64 KiB. */
  listMaxListpackSize: -2,
};

export type EncodingLimits = typeof LIMITS;

export function setEncodingLimits(l: EncodingLimits): void {
  Object.assign(LIMITS, l);
}
