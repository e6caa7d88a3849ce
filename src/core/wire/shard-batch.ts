/**
 * The wire format between the main thread and a shard. One message per shard
 * per event-loop turn carries a whole batch in one transferred ArrayBuffer
 * (never a Buffer slice: posting a slice clones its whole backing store).
 *
 * Request batch:  u32 count, then per command
 *                 u16 opIndex, u8 db, u8 proto, u32 connId, u32 argc,
 *                 argc x (u32 len, bytes)        -- arguments after the name
 *                 (opIndex RPC_OP: one argument, a shard RPC call, v8-serialized)
 * Reply batch:    u32 count, then per reply u32 len, RESP bytes
 *                 (for an RPC: its outcome, v8-serialized)
 *
 * Both ArrayBuffers may be longer than what they carry (the encoder hands over
 * its whole buffer instead of copying): read them by count and lengths only.
 *
 * Replies come back in request order, so the main thread matches them to
 * requests by position alone.
 */
import { deserialize, serialize } from 'node:v8';
import { ByteBuffer } from './byte-buffer';
import type { RpcCall, RpcOutcome } from '../shard-protocol';

export const REQUEST_HEADER_BYTES = 12;

/**
 * The op index of a shard RPC entry (src/core/shard-protocol.ts). RPCs are
 * plain data, not RESP: v8's structured serialization carries strings, numbers,
 * bigints, arrays and objects exactly. They are not the hot path.
 */
export const RPC_OP = 0xffff;

export function encodeRpc(call: RpcCall): Buffer {
  return serialize(call);
}

export function decodeRpc(bytes: Uint8Array): RpcCall {
  return deserialize(bytes) as RpcCall;
}

export function encodeOutcome(outcome: RpcOutcome): Buffer {
  return serialize(outcome);
}

export function decodeOutcome(bytes: Uint8Array): RpcOutcome {
  return deserialize(bytes) as RpcOutcome;
}

/** Accumulates one request batch on the main thread. */
export class RequestBatchBuilder extends ByteBuffer {
  count = 0;

  constructor() {
    super(64 * 1024);
    this.len = 4; // the count goes first, written when the batch is taken
  }

  /** Appends one command. `args` are latin1 strings; those from `from` on (after the name or subcommand) are sent. */
  add(opIndex: number, db: number, proto: number, connId: number, args: readonly string[], from: number): void {
    let size = REQUEST_HEADER_BYTES;
    for (let i = from; i < args.length; i++) size += 4 + args[i].length;
    let o = this.header(size, opIndex, db, proto, connId, args.length - from);
    const buf = this.buf;
    for (let i = from; i < args.length; i++) {
      const a = args[i];
      const n = a.length; // latin1: one byte per char
      putU32(buf, o, n);
      o += 4;
      // Most arguments are a few bytes: byte stores beat the fixed cost of the
      // native latin1Write, which wins only for longer copies.
      if (n <= 32) for (let j = 0; j < n; j++) buf[o + j] = a.charCodeAt(j);
      else buf.latin1Write(a, o);
      o += n;
    }
    this.len = o;
    this.count++;
  }

  /** Appends an entry with one argument given as bytes (a serialized shard RPC). */
  addBytes(opIndex: number, db: number, proto: number, connId: number, bytes: Uint8Array): void {
    let o = this.header(REQUEST_HEADER_BYTES + 4 + bytes.length, opIndex, db, proto, connId, 1);
    putU32(this.buf, o, bytes.length);
    o += 4;
    this.buf.set(bytes, o);
    this.len = o + bytes.length;
    this.count++;
  }

  /** Makes room for an entry of `size` bytes and writes its header; returns where its arguments go. */
  private header(size: number, opIndex: number, db: number, proto: number, connId: number, argc: number): number {
    this.ensure(size);
    const buf = this.buf;
    const o = this.len;
    // Byte stores instead of writeUInt16LE/writeUInt32LE: no bounds-checking
    // calls per field (ensure() made room above).
    buf[o] = opIndex;
    buf[o + 1] = opIndex >>> 8;
    buf[o + 2] = db;
    buf[o + 3] = proto;
    putU32(buf, o + 4, connId >>> 0);
    putU32(buf, o + 8, argc);
    return o + REQUEST_HEADER_BYTES;
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

function putU32(buf: Buffer, o: number, v: number): void {
  buf[o] = v;
  buf[o + 1] = v >>> 8;
  buf[o + 2] = v >>> 16;
  buf[o + 3] = v >>> 24;
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
