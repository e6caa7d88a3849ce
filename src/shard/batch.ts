/**
 * The wire format between the main thread and a shard. One message per shard
 * per event-loop turn carries a whole batch in one transferred ArrayBuffer
 * (never a Buffer slice: posting a slice clones its whole backing store).
 *
 * Request batch:  u32 count, then per command
 *                 u16 opIndex, u8 db, u8 proto, u32 connId, u32 argc,
 *                 argc x (u32 len, bytes)        -- arguments after the name
 * Reply batch:    u32 count, then per reply u32 len, RESP bytes
 *
 * Both ArrayBuffers may be longer than what they carry (the encoder hands over
 * its whole buffer instead of copying): read them by count and lengths only.
 *
 * Replies come back in request order, so the main thread matches them to
 * requests by position alone.
 */
import { ByteBuffer } from '../resp/byte-buffer';

export const REQUEST_HEADER_BYTES = 12;

/** Accumulates one request batch on the main thread. */
export class RequestBatchBuilder extends ByteBuffer {
  count = 0;

  constructor() {
    super(64 * 1024);
    this.len = 4; // the count goes first, written when the batch is taken
  }

  /** Appends one command. `args` are the arguments after the command name (or after the subcommand). */
  add(opIndex: number, db: number, proto: number, connId: number, args: readonly (Buffer | string)[], from: number): void {
    let size = REQUEST_HEADER_BYTES;
    for (let i = from; i < args.length; i++) size += 4 + args[i].length;
    this.ensure(size);
    const buf = this.buf;
    let o = this.len;
    buf.writeUInt16LE(opIndex, o);
    buf[o + 2] = db;
    buf[o + 3] = proto;
    buf.writeUInt32LE(connId >>> 0, o + 4);
    buf.writeUInt32LE(args.length - from, o + 8);
    o += REQUEST_HEADER_BYTES;
    for (let i = from; i < args.length; i++) {
      const a = args[i];
      if (typeof a === 'string') {
        const n = buf.latin1Write(a, o + 4);
        buf.writeUInt32LE(n, o);
        o += 4 + n;
      } else {
        buf.writeUInt32LE(a.length, o);
        buf.set(a, o + 4);
        o += 4 + a.length;
      }
    }
    this.len = o;
    this.count++;
  }

  /** Hands over the batch as a transferable ArrayBuffer and starts a new one. */
  take(): ArrayBuffer {
    this.buf.writeUInt32LE(this.count, 0);
    // The whole buffer goes (no copy); the next batch starts in a fresh one
    // sized from this one, at most 64 KiB (it grows if a batch needs more).
    const ab = this.handOver(1024, 64 * 1024);
    this.len = 4;
    this.count = 0;
    return ab;
  }
}

/**
 * Walks a reply batch, handing each reply over as (buffer, start, end) so no
 * Buffer view is allocated per reply; the bytes stay in the received memory.
 */
export function splitReplies(ab: ArrayBuffer, onReply: (buf: Buffer, start: number, end: number) => void): void {
  const buf = Buffer.from(ab);
  const count = buf.readUInt32LE(0);
  let o = 4;
  for (let i = 0; i < count; i++) {
    const n = buf.readUInt32LE(o);
    onReply(buf, o + 4, o + 4 + n);
    o += 4 + n;
  }
}
