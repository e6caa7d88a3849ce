/**
 * The replication backlog (Redis's repl_backlog): the last
 * `repl-backlog-size` bytes of the replication stream, kept in a ring, so a
 * replica that lost its link can continue from its offset (+CONTINUE)
 * instead of loading a whole snapshot again.
 *
 * Offsets are those of the stream: the byte at offset `firstByteOffset` is
 * the oldest one kept, `firstByteOffset + histlen - 1` the newest (the
 * primary's master_repl_offset), as INFO's repl_backlog_first_byte_offset
 * and repl_backlog_histlen report them.
 */
export class Backlog {
  private buf: Buffer;
  /** Where the next byte goes in `buf`. */
  private idx = 0;
  /** Bytes of history kept (at most the ring's size). */
  histlen = 0;
  /** Stream offset of the oldest byte kept. */
  firstByteOffset: number;

  constructor(
    size: number,
    /** The stream offset the next byte will have (master_repl_offset + 1). */
    nextOffset: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(1, size));
    this.firstByteOffset = nextOffset;
  }

  get size(): number {
    return this.buf.length;
  }

  /** Appends stream bytes, dropping the oldest past the ring's size. */
  append(data: Buffer): void {
    const size = this.buf.length;
    let src = data;
    if (src.length > size) {
      // Only the newest `size` bytes can be kept: the rest is history at once.
      this.firstByteOffset += src.length - size;
      this.histlen = Math.max(0, this.histlen - (src.length - size));
      src = src.subarray(src.length - size);
    }
    const first = Math.min(src.length, size - this.idx);
    src.copy(this.buf, this.idx, 0, first);
    if (first < src.length) src.copy(this.buf, 0, first);
    this.idx = (this.idx + src.length) % size;
    this.histlen += src.length;
    if (this.histlen > size) {
      this.firstByteOffset += this.histlen - size;
      this.histlen = size;
    }
  }

  /** True when the bytes from `offset` to the newest one are all kept (a partial resync can start there). */
  has(offset: number): boolean {
    return offset >= this.firstByteOffset && offset <= this.firstByteOffset + this.histlen;
  }

  /** The kept bytes from stream offset `offset` to the newest one (a copy). */
  from(offset: number): Buffer {
    const skip = offset - this.firstByteOffset;
    const len = this.histlen - skip;
    if (skip < 0 || len < 0) throw new RangeError('offset outside the backlog');
    const size = this.buf.length;
    const oldest = (this.idx - this.histlen + size) % size;
    const start = (oldest + skip) % size;
    const out = Buffer.allocUnsafe(len);
    const first = Math.min(len, size - start);
    this.buf.copy(out, 0, start, start + first);
    if (first < len) this.buf.copy(out, first, 0, len - first);
    return out;
  }

  /** CONFIG SET repl-backlog-size: a ring of the new size keeping the newest history that fits. */
  resize(size: number): void {
    if (size === this.buf.length) return;
    const keep = Math.min(this.histlen, size);
    const tail = this.from(this.firstByteOffset + this.histlen - keep);
    this.buf = Buffer.allocUnsafe(Math.max(1, size));
    this.idx = 0;
    this.firstByteOffset += this.histlen - keep;
    this.histlen = 0;
    this.append(tail);
  }
}
