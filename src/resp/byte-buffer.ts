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

  /** Copies the bytes written so far into an exactly sized ArrayBuffer (safe to transfer to another thread). */
  copyToArrayBuffer(): ArrayBuffer {
    const ab = new ArrayBuffer(this.len);
    this.buf.copy(Buffer.from(ab), 0, 0, this.len);
    return ab;
  }
}
