/**
 * RDB snapshots on the main thread: SAVE/BGSAVE/SHUTDOWN write
 * `dir`/`dbfilename` from the shards' parts (each shard serializes its own
 * keys in one step: a point-in-time snapshot per shard, workers/rpc/
 * persistence.ts), and the server loads the file at start. Files are written
 * to a temporary name, fsynced and renamed, so a failed save never damages the
 * last good file (rdbSave in rdb.c does the same).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/config';
import type { ShardSet } from '../shard-clients/shard-set';
import { RdbFileWriter, scanRdbFile } from '../core/rdb/file';
import { ByteSink } from '../core/rdb/bytes';

/** The Redis version written in the file's redis-ver AUX field (the format's version). */
const RDB_REDIS_VER = '7.0.15';
/** Keys sent to a shard per rdbLoad call. */
const LOAD_CHUNK_BYTES = 256 * 1024;
/** Bytes a shard serializes per snapshot chunk: small enough that client requests wait at most about a millisecond. */
const SNAPSHOT_CHUNK_BYTES = 16 * 1024;

/**
 * rdb-save-incremental-fsync / aof-rewrite-incremental-fsync (both always on
 * in Shardis): a snapshot file is flushed to disk every 4 MB as it is written
 * (Redis's REDIS_AUTOSYNC_BYTES), so the final fsync never has a whole
 * dataset's dirty pages to push at once.
 */
const AUTOSYNC_BYTES = 4 * 1024 * 1024;

class IncrementalSync {
  private unsynced = 0;
  constructor(private readonly fh: fs.promises.FileHandle) {}

  async write(chunk: Buffer): Promise<void> {
    await this.fh.write(chunk);
    this.unsynced += chunk.length;
    if (this.unsynced >= AUTOSYNC_BYTES) {
      this.unsynced = 0;
      await this.fh.datasync();
    }
  }
}

export interface SaveResult {
  ok: boolean;
  error?: string;
}

export class RdbPersistence {
  /** Unix seconds of the last successful save (LASTSAVE); the start time until then, as Redis. */
  lastSave = Math.floor(Date.now() / 1000);
  lastBgsaveOk = true;
  lastSaveSeconds = -1;
  /** Dirty count (sum over shards) at the last successful save. */
  dirtyAtSave = 0;
  /** The save in progress, if any (SAVE, BGSAVE, a save point or SHUTDOWN). */
  inProgress: Promise<SaveResult> | null = null;
  inProgressIsBg = false;
  bgsaveStartedAt = 0;
  /** BGSAVE SCHEDULE asked while another save ran: start one when it ends. */
  scheduled = false;
  loading = false;
  loadedKeys = 0;
  lastLoadExpired = 0;
  /** Successful saves since start (INFO rdb_saves). */
  saves = 0;
  /** Bytes of the part being written (INFO's rdb memory overhead during a save). */
  saveBufferBytes = 0;
  peakSaveBufferBytes = 0;

  constructor(
    private readonly config: Config,
    private readonly shards: () => ShardSet,
    private readonly log: Logger,
  ) {}

  filePath(): string {
    return path.join(this.config.get('dir') as string, this.config.get('dbfilename') as string);
  }

  /** Starts a save unless one runs; resolves when it ends. `bg` only sets what INFO reports. */
  save(bg: boolean): Promise<SaveResult> {
    if (this.inProgress !== null) return this.inProgress;
    this.inProgressIsBg = bg;
    this.bgsaveStartedAt = Date.now();
    const p = (bg ? this.writeChunked(this.filePath(), false) : this.writeFile()).then(
      (dirty) => {
        this.dirtyAtSave = dirty;
        this.lastSave = Math.floor(Date.now() / 1000);
        this.lastBgsaveOk = true;
        this.saves++;
        return { ok: true };
      },
      (err: Error) => {
        this.log.warn({ err }, 'RDB save failed');
        this.lastBgsaveOk = false;
        return { ok: false, error: err.message };
      },
    );
    this.inProgress = p.finally(() => {
      this.lastSaveSeconds = Math.round((Date.now() - this.bgsaveStartedAt) / 1000);
      this.inProgress = null;
      this.saveBufferBytes = 0;
      if (this.scheduled) {
        this.scheduled = false;
        void this.save(true);
      }
    });
    return this.inProgress;
  }

  /**
   * Writes a snapshot to `target` without stopping the shards: each shard
   * starts a point-in-time snapshot (copy-on-write, workers/snapshot.ts) and
   * the file is pulled from them in chunks, database by database, while they
   * go on serving. `onStarted` runs right after the snapshots are requested
   * (the AOF rewrite puts its switch-over marker there). Returns the shards'
   * summed dirty counter at that point.
   */
  async writeChunked(target: string, aofBase: boolean, onStarted: () => void = () => undefined): Promise<number> {
    const shards = this.shards();
    const compress = this.config.get('rdbcompression') === 'yes';
    const checksum = this.config.get('rdbchecksum') === 'yes';
    const startedP = Promise.all([shards.broadcast('snapshotStart', { compress }), shards.broadcast('dirty', undefined)]);
    onStarted();
    let fh: fs.promises.FileHandle | null = null;
    const tmp = path.join(path.dirname(target), `temp-${process.pid}-${Date.now()}.rdb`);
    try {
      const [sizes, dirty] = await startedP;
      fh = await fs.promises.open(tmp, 'w', 0o644);
      const chunks: Buffer[] = [];
      const w = new RdbFileWriter((c) => chunks.push(c), { compress });
      const sync = new IncrementalSync(fh);
      const out = async (): Promise<void> => {
        for (const c of chunks.splice(0)) await sync.write(c);
      };
      w.header(this.aux(aofBase));
      for (let db = 0; db < this.config.values.databases; db++) {
        let size = 0;
        let expires = 0;
        const holders: number[] = [];
        sizes.forEach((list, shard) => {
          for (const [d, n, e] of list) {
            if (d !== db) continue;
            size += n;
            expires += e;
            holders.push(shard);
          }
        });
        if (size === 0) continue;
        w.selectDb(db, size, expires);
        for (const shard of holders) {
          for (;;) {
            const { data, done } = await shards.call(shard, 'snapshotChunk', { db, maxBytes: SNAPSHOT_CHUNK_BYTES });
            this.saveBufferBytes = data.length;
            this.peakSaveBufferBytes = Math.max(this.peakSaveBufferBytes, data.length);
            w.raw(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
            await out();
            if (done) break;
          }
        }
      }
      w.end(checksum);
      await out();
      await fh.sync();
      await fh.close();
      fh = null;
      await fs.promises.rename(tmp, target);
      return dirty.reduce((a, b) => a + b, 0);
    } catch (err) {
      if (fh !== null) await fh.close();
      await fs.promises.rm(tmp, { force: true });
      throw err;
    } finally {
      await shards.broadcast('snapshotEnd', undefined).catch(() => undefined);
    }
  }

  private aux(aofBase: boolean): [string, string][] {
    return [
      ['redis-ver', RDB_REDIS_VER],
      ['redis-bits', '64'],
      ['ctime', String(Math.floor(Date.now() / 1000))],
      ['used-mem', String(process.memoryUsage.rss())],
      ['aof-base', aofBase ? '1' : '0'],
    ];
  }

  /** Writes a snapshot to `file` (an AOF base when `aofBase`), through a temporary file. */
  async writeTo(file: string, aofBase: boolean): Promise<void> {
    await this.writeFile(file, aofBase);
  }

  /** Writes the file; returns the shards' summed dirty counter at their snapshots. */
  private async writeFile(target = this.filePath(), aofBase = false): Promise<number> {
    const shards = this.shards();
    const compress = this.config.get('rdbcompression') === 'yes';
    const checksum = this.config.get('rdbchecksum') === 'yes';
    const [parts, dirty, libraries] = await Promise.all([
      shards.broadcast('rdbSave', { compress }),
      shards.broadcast('dirty', undefined),
      // Every shard keeps the same libraries: shard 0's are the server's.
      shards.call(0, 'functionList', undefined),
    ]);
    for (const p of parts) for (const d of p.dbs) this.saveBufferBytes += d.data.length;
    this.peakSaveBufferBytes = Math.max(this.peakSaveBufferBytes, this.saveBufferBytes);
    const final = target;
    const tmp = path.join(path.dirname(final), `temp-${process.pid}.rdb`);
    const fh = await fs.promises.open(tmp, 'w', 0o644);
    const sync = new IncrementalSync(fh);
    try {
      const chunks: Buffer[] = [];
      const w = new RdbFileWriter((c) => chunks.push(c), { compress });
      w.header(this.aux(aofBase));
      w.functions(libraries.map((l) => l.code));
      const databases = this.config.values.databases;
      for (let db = 0; db < databases; db++) {
        let size = 0;
        let expires = 0;
        const datas: Uint8Array[] = [];
        for (const p of parts) {
          for (const d of p.dbs) {
            if (d.db !== db) continue;
            size += d.size;
            expires += d.expires;
            datas.push(d.data);
          }
        }
        if (size === 0) continue;
        w.selectDb(db, size, expires);
        for (const d of datas) w.raw(Buffer.from(d.buffer, d.byteOffset, d.byteLength));
        // Write as we go: the shards' parts are already in memory, the file need not be joined.
        for (const c of chunks.splice(0)) await sync.write(c);
      }
      w.end(checksum);
      for (const c of chunks.splice(0)) await sync.write(c);
      await fh.sync();
    } catch (err) {
      await fh.close();
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
    await fh.close();
    await fs.promises.rename(tmp, final);
    return dirty.reduce((a, b) => a + b, 0);
  }

  private lastTry = 0;
  private readCount = 0;
  private cronBusy = false;

  /**
   * serverCron's save points: a background save when, for any `save <seconds>
   * <changes>` pair, that many changes were made and that many seconds passed
   * since the last save (after a failure, not before 5 seconds have passed).
   */
  async cron(): Promise<void> {
    const params = (this.config.get('save') as string).split(' ').filter((w) => w !== '').map(Number);
    if (params.length === 0 || this.inProgress !== null || this.loading || this.cronBusy) return;
    this.cronBusy = true;
    try {
      const changes = await this.changesSinceSave();
      const now = Date.now();
      for (let i = 0; i + 1 < params.length; i += 2) {
        const [secs, minChanges] = [params[i], params[i + 1]];
        if (changes >= minChanges && now / 1000 - this.lastSave > secs && (this.lastBgsaveOk || now - this.lastTry > 5000)) {
          this.log.info({ changes, seconds: secs }, 'save point reached: saving');
          this.lastTry = now;
          await this.save(true);
          break;
        }
      }
    } catch (err) {
      this.log.debug({ err }, 'save point check failed');
    } finally {
      this.cronBusy = false;
    }
  }

  /** Changes since the last save (INFO's rdb_changes_since_last_save, save points). */
  async changesSinceSave(): Promise<number> {
    const dirty = await this.shards().broadcast('dirty', undefined);
    return Math.max(0, dirty.reduce((a, b) => a + b, 0) - this.dirtyAtSave);
  }

  /**
   * Loads `dir`/`dbfilename` if it exists (start-up): every key goes to the
   * shard that owns its slot, in batches. Throws on a corrupt file (the
   * server then refuses to start, as Redis does).
   */
  async load(file = this.filePath()): Promise<number> {
    let buf: Buffer;
    try {
      buf = await fs.promises.readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    const shards = this.shards();
    this.loading = true;
    this.readCount = 0;
    const started = Date.now();
    try {
      // The main thread only finds each key's entry and its shard; the shard decodes the value.
      const sinks = shards.clients.map(() => ({ db: -1, sink: new ByteSink(LOAD_CHUNK_BYTES + 1024) }));
      // The file is in memory already; its parts in flight take at most as much again.
      const pending: Promise<number>[] = [];
      let n = 0;
      const flush = (s: number): void => {
        const part = sinks[s];
        if (part.sink.len === 0) return;
        const data = new Uint8Array(part.sink.view());
        part.sink.len = 0;
        pending.push(shards.call(s, 'rdbLoadRaw', { db: part.db, data }));
      };
      const databases = this.config.values.databases;
      const libraries: string[] = [];
      scanRdbFile(buf, {
        functionLibrary: (code) => libraries.push(code),
        entry: (db, key, start, end) => {
          if (db >= databases) throw new Error(`FATAL: Data file was created with a Redis server configured to handle more than ${databases} databases. Exiting`);
          this.readCount++;
          const s = shards.router.shardOf(key);
          const part = sinks[s];
          if (part.db !== db) {
            flush(s);
            part.db = db;
          }
          part.sink.copyFrom(buf, start, end);
          if (part.sink.len >= LOAD_CHUNK_BYTES) flush(s);
        },
      });
      for (let s = 0; s < sinks.length; s++) flush(s);
      for (const c of await Promise.all(pending)) n += c;
      if (libraries.length > 0) await shards.broadcast('functionRestore', { codes: libraries, policy: 'replace' });
      this.loadedKeys = n;
      // Keys read but not stored were past their deadline (rdb_last_load_keys_expired).
      this.lastLoadExpired = this.readCount - n;
      this.log.info({ keys: n, file, ms: Date.now() - started }, 'DB loaded from disk');
      return n;
    } finally {
      this.loading = false;
    }
  }
}
