/**
 * What Redis's allocator would charge: MEMORY USAGE reports sizes as
 * jemalloc's size classes, so the estimates of every structure go through here.
 */

/** jemalloc's size class for an allocation of n bytes (what Redis's zmalloc_size reports). */
export function allocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return Math.ceil(n / 16) * 16;
  const step = 2 ** (Math.floor(Math.log2(n - 1)) - 2);
  return Math.ceil(n / step) * step;
}
