/**
 * CLIENT LIST / CLIENT INFO's memory fields as Redis 7.0 computes them
 * (networking.c getClientMemoryUsage, clientsCronResizeQueryBuffer,
 * clientsCronResizeOutputBuffer). Redis reports the sizes of its own
 * allocations: an sds query buffer grown by readQueryFromClient, a reply
 * buffer that starts at 16 KiB and is resized by the cron, the client struct.
 * Shardis keeps no such buffers (the framer holds socket chunks, replies go
 * out as they come), so it keeps the model of them instead: the same
 * arithmetic on the same events (a socket read, a cron tick, a reply written),
 * which makes a client's figures what redis-server shows for the same
 * traffic, and makes maxmemory-clients and the tools that read tot-mem see
 * familiar numbers.
 */

import { dictTableBytes } from './core/dict-table';

/** readQueryFromClient's read size (PROTO_IOBUF_LEN). */
const PROTO_IOBUF_LEN = 16 * 1024;
/** Reply buffer bounds (PROTO_REPLY_CHUNK_BYTES, PROTO_REPLY_MIN_BYTES). */
const REPLY_CHUNK_BYTES = 16 * 1024;
const REPLY_MIN_BYTES = 1024;
/** reply-buffer-peak-reset-time's default. */
const REPLY_PEAK_RESET_MS = 5000;
/** zmalloc_size of Redis 7.0's client struct on x86-64 (jemalloc class of sizeof(client)). */
const CLIENT_STRUCT_BYTES = 768;
/** sizeof(multiCmd), sizeof(listNode), sizeof(dictEntry), a pointer. */
const MULTI_CMD_BYTES = 24;
const LIST_NODE_BYTES = 24;
const DICT_ENTRY_BYTES = 24;
const PTR_BYTES = 8;
const SDS_MAX_PREALLOC = 1024 * 1024;

/** jemalloc's size class for a request of n bytes (16-byte quantum, then four classes per doubling). */
export function jemallocSize(n: number): number {
  if (n <= 8) return 8;
  if (n <= 128) return Math.ceil(n / 16) * 16;
  const step = 2 ** (Math.floor(Math.log2(n - 1)) - 2);
  return Math.ceil(n / step) * step;
}

/** The sds header for a string of this size (sdshdr8/16/32/64; an empty sds is an sdshdr8). */
function sdsHeader(len: number): number {
  if (len < 256) return 3;
  if (len < 65536) return 5;
  if (len < 2 ** 32) return 9;
  return 17;
}

/** The usable length of an sds allocated for `len` bytes (s_malloc_usable minus header and terminator). */
function sdsUsable(len: number): number {
  const hdr = sdsHeader(len);
  return jemallocSize(hdr + len + 1) - hdr - 1;
}

/** What a connection's query buffer and reply buffer would be in Redis. */
export class ClientMemoryModel {
  /** sdsalloc(querybuf): 0 until the first read (createClient's sdsempty). */
  qbAlloc = 0;
  /** The reply buffer's usable size (rbs) and the most it held since the last reset (rbp). */
  rbs = REPLY_CHUNK_BYTES;
  rbp = REPLY_CHUNK_BYTES;
  /**
   * When rbp was last reset. Redis 7.0 starts it at server.unixtime (seconds)
   * and compares it with milliseconds, so the first cron tick resets it: 0 does the same.
   */
  private rbpResetAt = 0;

  /** readQueryFromClient: room for a read, with `held` bytes already in the buffer. */
  onRead(held: number, incoming: number): void {
    const need = held + Math.max(PROTO_IOBUF_LEN, incoming);
    if (this.qbAlloc < PROTO_IOBUF_LEN) {
      // The first allocation is not greedy.
      this.qbAlloc = sdsUsable(need);
    } else if (this.qbAlloc - held < Math.max(PROTO_IOBUF_LEN, incoming)) {
      this.qbAlloc = sdsUsable(need < SDS_MAX_PREALLOC ? need * 2 : need + SDS_MAX_PREALLOC);
    }
  }

  /** Replies of this many bytes went out together: the reply buffer held up to its size of them. */
  onReply(bytes: number): void {
    const held = bytes < this.rbs ? bytes : this.rbs;
    if (held > this.rbp) this.rbp = held;
  }

  /** The clients cron for one client: `held` query bytes, idle for `idleSeconds` whole seconds. Returns -1 (reply buffer shrunk), 1 (grown) or 0. */
  cron(nowMs: number, held: number, idleSeconds: number): number {
    // clientsCronResizeQueryBuffer: an idle client's spare room goes back.
    if (this.qbAlloc - held > 4 * 1024 && idleSeconds > 2) this.qbAlloc = held;
    // clientsCronResizeOutputBuffer: shrink to the peak, or grow a full buffer.
    let next = 0;
    if (this.rbs / 2 >= REPLY_MIN_BYTES && this.rbp < this.rbs / 2) next = Math.max(REPLY_MIN_BYTES, this.rbp + 1);
    else if (this.rbs * 2 < REPLY_CHUNK_BYTES * 2 && this.rbp === this.rbs) next = Math.min(REPLY_CHUNK_BYTES, this.rbs * 2);
    if (nowMs - this.rbpResetAt >= REPLY_PEAK_RESET_MS) {
      this.rbp = 0;
      this.rbpResetAt = nowMs;
    }
    if (next === 0) return 0;
    const grew = next > this.rbs;
    this.rbs = jemallocSize(next);
    return grew ? 1 : -1;
  }

  /** zmalloc size of the query buffer. */
  queryBufferBytes(): number {
    return jemallocSize(sdsHeader(this.qbAlloc) + this.qbAlloc + 1);
  }
}

/** What getClientMemoryUsage adds up, from one connection's figures. */
export interface ClientMemoryParts {
  model: ClientMemoryModel;
  outputBytes: number;
  /** Bytes and count of the arguments of the command being run (argv-mem; the caller's own). */
  argvBytes: number;
  argc: number;
  /** Queued MULTI commands and their argv_len_sums (multi-mem). */
  queued: number;
  queuedArgvBytes: number;
  channels: number;
  patterns: number;
}

/** tot-mem (getClientMemoryUsage). */
export function clientTotalMemory(p: ClientMemoryParts): number {
  const alloc = p.queued === 0 ? 0 : p.queued <= 2 ? 2 : 2 ** Math.ceil(Math.log2(p.queued));
  return (
    p.outputBytes +
    p.model.queryBufferBytes() +
    CLIENT_STRUCT_BYTES +
    p.model.rbs +
    p.argvBytes +
    PTR_BYTES * p.argc +
    p.queuedArgvBytes +
    alloc * MULTI_CMD_BYTES +
    p.patterns * LIST_NODE_BYTES +
    p.channels * DICT_ENTRY_BYTES +
    dictTableBytes(p.channels)
  );
}

/** argv_len_sum + sizeof(robj*) * argc of one queued command (what MULTI adds to multi-mem). */
export function queuedArgvBytes(args: readonly string[]): number {
  let n = 0;
  for (const a of args) n += a.length;
  return n + PTR_BYTES * args.length;
}
