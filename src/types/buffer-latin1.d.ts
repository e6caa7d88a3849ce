/**
 * Node's Buffer has had `latin1Slice`/`latin1Write` since its first releases
 * (Buffer#toString and #write dispatch to them), but @types/node does not
 * declare them. Calling them directly skips the encoding lookup on hot paths
 * where every key and value is converted.
 */
export {};

declare global {
  interface Buffer {
    latin1Slice(start?: number, end?: number): string;
    latin1Write(s: string, offset?: number, length?: number): number;
  }
}
