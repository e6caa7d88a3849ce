/**
 * A growable byte buffer: the base of both batch encoders, the reply writer
 * (shard and coordinator replies) and the request batch builder (main thread).
 */
export class ByteBuffer {
  buf: Buffer;
  len = 0;

  constructor(initialSize: number) {
    // allocUnsafeSlow: never a slice of Node's shared pool, so .buffer is ours alone.
    this.buf = Buffer.allocUnsafeSlow(initialSize);
  }

  /** Makes room for `extra` more bytes, doubling the capacity as needed. */
  ensure(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /**
   * Hands over the whole backing ArrayBuffer (the bytes written so far are at
   * its start; it may be longer) and continues in a fresh one. This replaces
   * copying into an exactly sized ArrayBuffer, which zero-filled and copied
   * every batch twice per turn (docs/performance.md). The fresh buffer is
   * sized from this batch (room for half as much again), between `minSize`
   * and `maxSize`, so a quiet connection does not hand over 64 KiB per
   * one-command batch and a busy one rarely has to grow.
   */
  handOver(minSize: number, maxSize: number): ArrayBuffer {
    const ab = this.buf.buffer as ArrayBuffer;
    let size = minSize;
    const want = this.len + (this.len >>> 1);
    while (size < want && size < maxSize) size *= 2;
    this.buf = Buffer.allocUnsafeSlow(size);
    this.len = 0;
    return ab;
  }

  /** Copies the bytes written so far into an exactly sized ArrayBuffer (safe to transfer to another thread). */
  copyToArrayBuffer(): ArrayBuffer {
    const ab = new ArrayBuffer(this.len);
    this.buf.copy(Buffer.from(ab), 0, 0, this.len);
    return ab;
  }
}
