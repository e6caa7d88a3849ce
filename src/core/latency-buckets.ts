/**
 * Per-command latency histograms (LATENCY HISTOGRAM, INFO latencystats), in
 * power-of-two buckets as Redis reports its HDR histograms: bucket k counts
 * calls that took up to 1024·2^k nanoseconds, reported as that bound in whole
 * microseconds (bucketMicros).
 */
export const LATENCY_BUCKETS = 32;

export function latencyBucket(micros: number): number {
  const ns = micros * 1000;
  if (ns <= 1024) return 0;
  const k = Math.ceil(Math.log2(ns / 1024));
  return k >= LATENCY_BUCKETS ? LATENCY_BUCKETS - 1 : k;
}

/**
 * The bucket's bound as Redis prints it: the HDR histogram's highest value
 * equivalent to 1024·2^k ns (two significant digits: plus 1/128 of it, less
 * one), in whole microseconds: 1, 2, 4, 8, 16, 33, 66, 132, ...
 */
export function bucketMicros(k: number): number {
  const v = 1024 * 2 ** k;
  return Math.floor((v + v / 128 - 1) / 1000);
}
