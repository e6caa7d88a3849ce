/**
 * The replica's side of a full resync's payload (readSyncBulkPayload in
 * Redis's replication.c): the master may send newlines while it prepares
 * the snapshot, then either `$<length>\r\n` and that many bytes (a disk
 * snapshot), or `$EOF:<40 bytes>\r\n`, the snapshot streamed, and the same
 * 40 bytes again at its end (diskless). Bytes after the payload are the
 * start of the command stream.
 */

const EOF_MARK_LEN = 40;
/** A header line longer than this is not a bulk header: the master is not speaking the protocol. */
const MAX_HEADER = 256;

export type TransferStep =
  | { kind: 'more' }
  | { kind: 'done'; rdb: Buffer; rest: Buffer; eofMarked: boolean }
  | { kind: 'error'; message: string };

export class RdbTransfer {
  private header = '';
  private length = -1;
  private mark: Buffer | null = null;
  private readonly chunks: Buffer[] = [];
  private received = 0;
  /** The last bytes seen in EOF-mark mode, to find a mark split over two reads. */
  private tail: Buffer = Buffer.alloc(0);
  /** Set once the header line was read (INFO's master_sync_total_bytes is -1 for a diskless payload). */
  started = false;

  /** Bytes of the payload expected in all (-1 when its end is a mark). */
  get totalBytes(): number {
    return this.length;
  }

  get receivedBytes(): number {
    return this.received;
  }

  push(chunk: Buffer): TransferStep {
    let i = 0;
    if (!this.started) {
      for (; i < chunk.length; i++) {
        const c = chunk[i];
        // Newlines before the header keep the link alive while the master prepares the snapshot.
        if (this.header === '' && c === 10) continue;
        if (c === 10) {
          const line = this.header.replace(/\r$/, '');
          this.header = '';
          i++;
          const err = this.begin(line);
          if (err !== null) return { kind: 'error', message: err };
          break;
        }
        this.header += String.fromCharCode(c);
        if (this.header.length > MAX_HEADER) return { kind: 'error', message: 'bad protocol from MASTER: the first byte is not a bulk header' };
      }
      if (!this.started) return { kind: 'more' };
    }
    const body = i === 0 ? chunk : chunk.subarray(i);
    return this.mark === null ? this.byLength(body) : this.byMark(body);
  }

  private begin(line: string): string | null {
    if (line.startsWith('-')) return `MASTER aborted replication with an error: ${line.slice(1)}`;
    if (!line.startsWith('$')) return `Bad protocol from MASTER, the first byte is not '$' (we received '${line}'), are you sure the host and port are right?`;
    if (line.startsWith('$EOF:') && line.length === 5 + EOF_MARK_LEN) {
      this.mark = Buffer.from(line.slice(5), 'latin1');
    } else {
      const n = Number(line.slice(1));
      if (!Number.isSafeInteger(n) || n < 0) return `Bad protocol from MASTER: invalid payload length '${line}'`;
      this.length = n;
    }
    this.started = true;
    return null;
  }

  private byLength(body: Buffer): TransferStep {
    const need = this.length - this.received;
    if (body.length < need) {
      this.keep(body);
      return { kind: 'more' };
    }
    this.keep(body.subarray(0, need));
    return { kind: 'done', rdb: Buffer.concat(this.chunks, this.received), rest: Buffer.from(body.subarray(need)), eofMarked: false };
  }

  private byMark(body: Buffer): TransferStep {
    const mark = this.mark as Buffer;
    const joined = this.tail.length === 0 ? body : Buffer.concat([this.tail, body]);
    const at = joined.indexOf(mark);
    if (at < 0) {
      this.keep(body);
      this.tail = Buffer.from(joined.subarray(Math.max(0, joined.length - (EOF_MARK_LEN - 1))));
      return { kind: 'more' };
    }
    // The mark may start in the kept tail: the payload ends `tail.length - at` bytes before this read.
    const endInBody = at - this.tail.length;
    if (endInBody >= 0) this.keep(body.subarray(0, endInBody));
    const all = Buffer.concat(this.chunks, this.received);
    const rdb = endInBody >= 0 ? all : all.subarray(0, all.length + endInBody);
    return { kind: 'done', rdb, rest: Buffer.from(body.subarray(endInBody + EOF_MARK_LEN)), eofMarked: true };
  }

  private keep(b: Buffer): void {
    if (b.length === 0) return;
    // Each socket read is its own buffer: the payload's parts are kept as they came and joined once.
    this.chunks.push(b);
    this.received += b.length;
  }
}
