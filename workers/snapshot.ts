/**
 * A point-in-time snapshot of one shard written while the shard keeps
 * serving (BGSAVE, AOF rewrite), without a fork. Each database walks its
 * positions in order (the main thread pulls chunks, one RPC each, so client
 * requests run between them), with one mark byte per position (workers/db.ts)
 * saying whether the entry is already written. Copy-on-write keeps it
 * point-in-time: a write to a key not yet written first writes its old value
 * (`preserve`, called before every write op); keys created after the start
 * are marked as not part of it; an unwritten entry is written before a delete
 * takes it away (an expiry, an eviction) or moves it into the walked part.
 * Memory: the mark bytes and the copied entries waiting to be pulled (INFO
 * persistence's current_cow_size; the main thread's buffer of the file is
 * current_save_buffer_bytes).
 */
import { ByteSink } from '../src/core/rdb/bytes';
import type { RdbWriteOptions } from '../src/core/rdb/object';
import type { SnapshotProgress } from '../src/core/shard-protocol';
import type { ShardState } from './shard-state';
import type { Db } from './db';
import { writeShardKey } from './rdb-values';

export class Snapshot {
  private readonly active: boolean[];
  /** Entries copied on write, per db, waiting for the next chunk of their db. */
  private readonly copied: (ByteSink | null)[];
  /** Bytes of those copies now, and the most they reached: what the save costs beyond the data. */
  private copiedBytes = 0;
  private peakCopiedBytes = 0;
  /** Keys of the start written so far (walked or copied), of how many. */
  private keysWritten = 0;
  private readonly keysTotal: number;
  /** Where each chunk is written before its exact-size copy goes to the main thread. */
  private readonly out = new ByteSink(64 * 1024);
  private readonly opts: RdbWriteOptions;

  constructor(
    private readonly shard: ShardState,
    compress: boolean,
  ) {
    this.opts = { compress };
    this.active = shard.dbs.map((db) => db !== undefined && db.size > 0);
    this.copied = shard.dbs.map(() => null);
    let total = 0;
    shard.dbs.forEach((db, i) => {
      if (db === undefined || !this.active[i]) return;
      total += db.size;
      db.beginMarks((key) => this.preserve(i, key, Date.now()));
    });
    this.keysTotal = total;
  }

  /** How far it is and what its copies hold (INFO persistence's current_cow_* and current_save_keys_*). */
  progress(): SnapshotProgress {
    return { copiedBytes: this.copiedBytes, peakCopiedBytes: this.peakCopiedBytes, keysWritten: this.keysWritten, keysTotal: this.keysTotal };
  }

  /** Per database with keys: [db, keys, keys with a TTL] as of the start (RESIZEDB's hints). */
  sizes(): [number, number, number][] {
    const out: [number, number, number][] = [];
    this.shard.dbs.forEach((db, i) => {
      if (db !== undefined && this.active[i]) out.push([i, db.size, db.expires.size]);
    });
    return out;
  }

  private writeAt(out: ByteSink, db: Db, i: number): void {
    const key = db.keyAtPosition(i);
    const at = db.expires.size === 0 ? -1 : (db.expires.get(key) ?? -1);
    writeShardKey(out, key, db.valueAtPosition(i), at, this.opts);
  }

  /** Called before a write to `key` in `db`: its value as of the start is written first, once. */
  preserve(dbIndex: number, key: string, _now: number): void {
    if (!this.active[dbIndex]) return;
    const db = this.shard.dbs[dbIndex] as Db;
    const i = db.positionOf(key);
    if (i === undefined || db.isMarked(i)) return;
    db.mark(i);
    const out = (this.copied[dbIndex] ??= new ByteSink(4096));
    const before = out.len;
    this.writeAt(out, db, i);
    this.keysWritten++;
    this.copiedBytes += out.len - before;
    if (this.copiedBytes > this.peakCopiedBytes) this.peakCopiedBytes = this.copiedBytes;
  }

  /**
   * The next entries of `db`: about `maxBytes` of them, or those written in
   * `maxMicros` (a time slice: the shard's requests wait at most about that
   * long behind a BGSAVE); `done` once the db is all written.
   */
  chunk(dbIndex: number, maxBytes: number, maxMicros: number): { data: Uint8Array; done: boolean } {
    if (!this.active[dbIndex]) return { data: new Uint8Array(0), done: true };
    const db = this.shard.dbs[dbIndex] as Db;
    // One buffer for the whole snapshot: a fresh one per slice was garbage (and external memory) by the thousand.
    const out = this.out;
    out.len = 0;
    const copied = this.copied[dbIndex];
    if (copied !== null) {
      out.bytes(copied.view());
      this.copiedBytes -= copied.len;
      this.copied[dbIndex] = null;
    }
    const deadline = performance.now() + maxMicros / 1000;
    let i = db.snapCursor;
    const n = db.size;
    let sinceCheck = 0;
    while (i < n && out.len < maxBytes) {
      if (!db.isMarked(i)) {
        db.mark(i);
        this.writeAt(out, db, i);
        this.keysWritten++;
        // The clock is read every few entries: reading it costs about as much as writing a small one.
        if (++sinceCheck === 8) {
          sinceCheck = 0;
          if (performance.now() >= deadline) {
            i++;
            break;
          }
        }
      }
      i++;
    }
    db.snapCursor = i;
    const done = i >= n;
    if (done) {
      db.endMarks();
      this.active[dbIndex] = false;
    }
    // A copy of exactly its size: a view would carry its whole backing buffer across threads.
    return { data: new Uint8Array(out.view()), done };
  }

  /** Writes everything not yet pulled into the copy buffers at once (a write the snapshot cannot follow key by key: FLUSHALL, SWAPDB, ...). */
  materialize(now: number): void {
    this.shard.dbs.forEach((db, dbIndex) => {
      if (db === undefined || !this.active[dbIndex]) return;
      for (let i = db.snapCursor; i < db.size; i++) this.preserve(dbIndex, db.keyAtPosition(i), now);
      db.snapCursor = db.size;
    });
  }

  /** Drops every mark (the save ended or failed). */
  end(): void {
    this.shard.dbs.forEach((db, i) => {
      if (db !== undefined && this.active[i]) db.endMarks();
      this.active[i] = false;
    });
  }
}
