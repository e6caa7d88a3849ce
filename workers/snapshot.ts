/**
 * A point-in-time snapshot of one shard written while the shard keeps
 * serving (BGSAVE, AOF rewrite), without a fork: the key names of every
 * database are listed when it starts, and the main thread pulls the entries
 * in chunks (one RPC each, so client requests run between them). A write to a
 * key not yet written first writes the key's old value (copy-on-write; see
 * `preserve`, called before every write op), so what comes out is the
 * dataset as it was at the start. The memory it takes is the key list, the
 * set of keys written, and the copied values waiting to be pulled.
 */
import { ByteSink } from '../src/core/rdb/bytes';
import { writeKeyEntry } from '../src/core/rdb/file';
import type { ShardState } from './shard-state';
import { toRdbValue } from './rdb-values';

export class Snapshot {
  private readonly keys: (string[] | null)[];
  private readonly pos: number[];
  private readonly written: (Set<string> | null)[];
  /** Entries copied on write, per db, waiting for the next chunk of their db. */
  private readonly copied: (ByteSink | null)[];
  /** Bytes held in `copied` (INFO's save buffer). */
  copiedBytes = 0;

  constructor(
    private readonly shard: ShardState,
    private readonly compress: boolean,
  ) {
    this.keys = shard.dbs.map((db) => (db === undefined || db.size === 0 ? null : db.keyNames()));
    this.pos = this.keys.map(() => 0);
    this.written = this.keys.map((k) => (k === null ? null : new Set<string>()));
    this.copied = this.keys.map(() => null);
  }

  /** Per database with keys: [db, keys, keys with a TTL] as of the start. */
  sizes(): [number, number, number][] {
    const out: [number, number, number][] = [];
    this.keys.forEach((k, i) => {
      if (k === null) return;
      let expires = 0;
      const db = this.shard.dbs[i];
      if (db !== undefined) for (const key of k) if (db.expires.has(key)) expires++;
      out.push([i, k.length, expires]);
    });
    return out;
  }

  private writeEntry(out: ByteSink, dbIndex: number, key: string, now: number): boolean {
    const db = this.shard.dbs[dbIndex];
    if (db === undefined) return false;
    const val = db.peek(key, now);
    if (val === undefined) return false;
    writeKeyEntry(out, { key, value: toRdbValue(val), expireAt: db.getExpire(key) ?? -1 }, { compress: this.compress });
    return true;
  }

  /** Called before a write to `key` in `db`: its value as of the start is written first, once. */
  preserve(dbIndex: number, key: string, now: number): void {
    const written = this.written[dbIndex];
    if (written === null || written === undefined || written.has(key)) return;
    written.add(key);
    const out = (this.copied[dbIndex] ??= new ByteSink(4096));
    const before = out.len;
    this.writeEntry(out, dbIndex, key, now);
    this.copiedBytes += out.len - before;
  }

  /** The next entries of `db`, about `maxBytes` of them; `done` once the db is all written. */
  chunk(dbIndex: number, maxBytes: number, now: number): { data: Uint8Array; done: boolean } {
    const keys = this.keys[dbIndex];
    const written = this.written[dbIndex];
    if (keys === null || keys === undefined || written === null) return { data: new Uint8Array(0), done: true };
    const out = new ByteSink(Math.min(maxBytes * 2, 1 << 20));
    const copied = this.copied[dbIndex];
    if (copied !== null) {
      out.bytes(copied.view());
      this.copiedBytes -= copied.len;
      this.copied[dbIndex] = null;
    }
    let i = this.pos[dbIndex];
    while (i < keys.length && out.len < maxBytes) {
      const key = keys[i++];
      if (written.has(key)) continue;
      written.add(key);
      this.writeEntry(out, dbIndex, key, now);
    }
    this.pos[dbIndex] = i;
    const done = i >= keys.length && this.copied[dbIndex] === null;
    if (done) {
      this.keys[dbIndex] = null;
      this.written[dbIndex] = null;
    }
    // A copy of exactly its size: a view would carry its whole backing buffer across threads.
    return { data: new Uint8Array(out.view()), done };
  }

  /** Writes everything not yet pulled into the copy buffers at once (a write the snapshot cannot follow key by key: FLUSHALL, SWAPDB, ...). */
  materialize(now: number): void {
    this.keys.forEach((keys, dbIndex) => {
      if (keys === null) return;
      for (let i = this.pos[dbIndex]; i < keys.length; i++) this.preserve(dbIndex, keys[i], now);
      this.pos[dbIndex] = keys.length;
    });
  }
}
