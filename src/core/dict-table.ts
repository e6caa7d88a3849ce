/**
 * Redis's dict tables in its memory figures: the scripting caches' INFO
 * fields (workers/scripting/engine.ts, src/commands/info.ts) and a client's
 * channel dict in tot-mem (src/client-memory.ts) count them.
 */

/**
 * Bytes of a Redis dict's table holding n entries, once it has finished
 * growing: none when empty, else a power of two of at least 4 pointers
 * (while a dict rehashes Redis counts both tables for a few operations).
 */
export function dictTableBytes(n: number): number {
  if (n === 0) return 0;
  let slots = 4;
  while (slots < n) slots *= 2;
  return slots * 8;
}
