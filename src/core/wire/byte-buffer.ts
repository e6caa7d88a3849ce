/**
 * A growable byte buffer: the base of both batch encoders, the reply writer
 * (shard and coordinator replies) and the request batch builder (main thread).
 */
export class ByteBuffer {
  buf: Buffer;
  len = 0;
  /**
   * Bytes below `floor` have been handed out as views (the inline shard's reply
   * arena, src/shard-clients/inline-host.ts):
   * growing never copies them, it moves only `floor..len` to the start of a
   * fresh buffer and sets `floor` to 0. So an offset kept across a write that
   * may grow must be kept relative to `floor`. It stays 0 for every other use.
   */
  floor = 0;

  constructor(private readonly initialSize: number) {
    // allocUnsafeSlow: never a slice of Node's shared pool, so .buffer is ours alone.
    this.buf = Buffer.allocUnsafeSlow(initialSize);
  }

  /** Makes room for `extra` more bytes. */
  ensure(extra: number): void {
    if (this.len + extra > this.buf.length) this.grow(extra);
  }

  /**
   * Doubles the capacity as needed; a buffer whose head was handed out starts
   * over in one of the initial size instead (or twice what the bytes in
   * progress need), so the views stay valid and nothing is copied twice.
   */
  private grow(extra: number): void {
    const live = this.len - this.floor;
    const need = live + extra;
    let size = this.floor === 0 ? this.buf.length * 2 : this.initialSize;
    while (size < need) size *= 2;
    const old = this.buf;
    const handedOut = this.floor !== 0;
    const next = this.allocate(size);
    old.copy(next, 0, this.floor, this.len);
    this.buf = next;
    this.len = live;
    this.floor = 0;
    this.replaced(old, handedOut);
  }

  /** A fresh backing buffer of at least `size` bytes (a recycling subclass may reuse one). */
  protected allocate(size: number): Buffer {
    return Buffer.allocUnsafeSlow(size);
  }

  /**
   * Told when growing left `old` behind; `handedOut` when views of its bytes
   * below `floor` are still out there (else nothing references it any more).
   */
  protected replaced(_old: Buffer, _handedOut: boolean): void {}

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
    this.floor = 0;
    return ab;
  }
}
