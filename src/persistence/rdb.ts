/**
 * RDB snapshots on the main thread: SAVE/BGSAVE/SHUTDOWN write
 * `dir`/`dbfilename` from the shards' parts (each shard serializes its own
 * keys in one step: a point-in-time snapshot per shard, workers/rpc/
 * persistence.ts), and the server loads the file at start. Files are written
 * to a temporary name, fsynced and renamed, so a failed save never damages the
 * last good file (rdbSave in rdb.c does the same).
 */
import fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/config';
import type { ShardSet } from '../shard-clients/shard-set';
import { RdbFileWriter, rdbAuxFields, rdbChecksumOk, rdbFileStart, type RdbPartPosition } from '../core/rdb/file';
import type { RpcResult } from '../core/shard-protocol';
import { SavePacer } from './save-pacing';

/** The Redis version written in the file's redis-ver AUX field (the format's version). */
const RDB_REDIS_VER = '7.0.15';
/**
 * Bytes of the file each shard reads per rdbLoadFile step: between steps the
 * server answers -LOADING (an inline shard runs on this thread). Redis
 * processes events every 2 MB of a load (loading_process_events_interval_bytes).
 */
const LOAD_STEP_BYTES = 2 * 1024 * 1024;
/** At most this many bytes per snapshot chunk (a worker shard's chunk is copied to this thread). */
const SNAPSHOT_CHUNK_BYTES = 64 * 1024;
/**
 * An inline shard writes a snapshot chunk for at most this long, then serves
 * the requests that arrived meanwhile before the next: a GET waits at most
 * about this long behind a BGSAVE, instead of behind a whole chunk. The
 * slices run in the background lane (ShardClient.callBackground),
 * after the turn's requests and their replies. 20 µs rather than 50: p95
 * during a BGSAVE came down to the idle one, and the save took no longer
 * (the rests of save-pacing.ts bound it, not the slices' overhead).
 */
const SNAPSHOT_SLICE_MICROS = 20;
/**
 * A worker shard's slice: its own thread, so a slice delays only the
 * requests for that shard, while every slice costs a round trip between
 * threads (~0.1-0.5 ms on 2 busy cores). At 20 µs the round trips were the
 * save: 300,000 keys on --workers 4 took 6-15 s (9,000-17,000 slices)
 * against 1.1 s inline; at 250 µs, 2.1-3.7 s, and a GET's p99 during the
 * save measured the same within the noise of 4 worker threads on 2 cores
 * (docs/performance.md section 8, "Seventh look").
 */
const WORKER_SLICE_MICROS = 250;
/** A BGSAVE's slices are written to the file together, this many bytes at a time. */
const WRITE_BYTES = 256 * 1024;

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
    await this.writev([chunk]);
  }

  /** Several chunks in one system call. */
  async writev(chunks: Buffer[]): Promise<void> {
    await this.fh.writev(chunks);
    for (const c of chunks) this.unsynced += c.length;
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
  /** The load in progress (INFO's loading_* fields), or null. */
  loadProgress: { startTime: number; startedMs: number; totalBytes: number; usedMem: number; loadedBytes: number } | null = null;
  /** Successful saves since start (INFO rdb_saves). */
  saves = 0;
  /** Bytes of the part being written (INFO's rdb memory overhead during a save). */
  saveBufferBytes = 0;
  peakSaveBufferBytes = 0;
  /** The shards' peak copy-on-write bytes in the last snapshot for a save or full sync, and for an AOF rewrite (INFO *_last_cow_size). */
  rdbLastCowBytes = 0;
  aofLastCowBytes = 0;
  /**
   * The shards have started the current snapshot: from then until the save
   * ends, INFO shows their figures (their last ones once they are done and
   * the file is being synced and renamed).
   */
  snapshotBegun = false;

  constructor(
    private readonly config: Config,
    private readonly shards: () => ShardSet,
    private readonly log: Logger,
    /**
     * The shard lock's whenFree (coordination/shard-lock.ts): a snapshot
     * starts when no multi-step command holds or waits for the lock. Such a
     * command reserves its place in the feed when dispatched but runs when it
     * gets the lock; a snapshot started in between had neither its effects
     * (they came later) nor its place in the stream after the snapshot's
     * point (it was before), and a replica or a rewritten AOF lost them.
     */
    private readonly whenUnlocked: (fn: () => void) => void = (fn) => fn(),
    /** The count of client commands dispatched (a save's pacing yields to them: save-pacing.ts). */
    private readonly clientCommands: () => number = () => 0,
  ) {}

  filePath(): string {
    return path.join(this.config.get('dir') as string, this.config.get('dbfilename') as string);
  }

  /**
   * Starts a save unless one runs; resolves when it ends. `bg` only sets what
   * INFO reports. `onStarted` runs at the snapshot's point (a disk-based full
   * sync takes its replication offset there).
   */
  save(bg: boolean, onStarted?: () => void): Promise<SaveResult> {
    if (this.inProgress !== null) return this.inProgress;
    this.inProgressIsBg = bg;
    this.bgsaveStartedAt = Date.now();
    const p = (bg || onStarted !== undefined ? this.writeChunked(this.filePath(), false, onStarted) : this.writeFile()).then(
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
    let fh: fs.promises.FileHandle | null = null;
    let opening: Promise<fs.promises.FileHandle> | null = null;
    const tmp = path.join(path.dirname(target), `temp-${process.pid}-${Date.now()}.rdb`);
    // Opened once the first bytes come: the snapshot must start now, before
    // any await, so it is taken at the point the caller asked for it.
    const open = (): Promise<fs.promises.FileHandle> => (opening ??= fs.promises.open(tmp, 'w', 0o644).then((h) => (fh = h)));
    try {
      let sync: IncrementalSync | null = null;
      const dirty = await this.writeSnapshot(async (c) => (sync ??= new IncrementalSync(await open())).writev(c), aofBase, onStarted, true);
      fh = await open();
      await fh.sync();
      await fh.close();
      fh = null;
      await fs.promises.rename(tmp, target);
      return dirty;
    } catch (err) {
      if (fh !== null) await fh.close();
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
  }

  /**
   * Writes a point-in-time snapshot as RDB bytes to `out` (a file, or a
   * replica's socket for a diskless sync), pulled from the shards in chunks;
   * `out` may push back by returning later; `paced` works in bursts and
   * rests between them (saves to disk: save-pacing.ts). Returns the shards'
   * summed dirty counter at the snapshot's point.
   */
  async writeSnapshot(out: (chunks: Buffer[]) => Promise<void>, aofBase: boolean, onStarted: () => void = () => undefined, paced = false): Promise<number> {
    const shards = this.shards();
    const compress = this.config.get('rdbcompression') === 'yes';
    const checksum = this.config.get('rdbchecksum') === 'yes';
    this.snapshotBegun = false;
    const begin = () =>
      Promise.all([
        shards.broadcast('snapshotStart', { compress }),
        shards.broadcast('dirty', undefined),
        // Every shard keeps the same libraries: shard 0's are the server's, taken at the same point.
        shards.call(0, 'functionList', undefined),
      ]);
    // Started synchronously when the lock is free: at the point the caller asked for.
    const startedP = new Promise<Awaited<ReturnType<typeof begin>>>((resolve, reject) =>
      this.whenUnlocked(() => {
        // This may run from the lock's queue: a throw must not escape into it.
        try {
          this.snapshotBegun = true;
          begin().then(resolve, reject);
          onStarted();
        } catch (err) {
          reject(err);
        }
      }),
    );
    try {
      const [sizes, dirty, libraries] = await startedP;
      const chunks: Buffer[] = [];
      let pending = 0;
      const w = new RdbFileWriter(
        (c) => {
          chunks.push(c);
          pending += c.length;
        },
        { compress },
      );
      // Slices are small (SNAPSHOT_SLICE_MICROS): they go out together, one write per WRITE_BYTES.
      const flush = async (all = false): Promise<void> => {
        if (pending === 0 || (!all && pending < WRITE_BYTES)) return;
        const batch = chunks.splice(0);
        pending = 0;
        // Handed over as they are (a file takes them in one writev): no 256 KiB copy per write.
        await out(batch);
      };
      const pacer = paced ? new SavePacer(this.clientCommands, shards.inline) : null;
      const sliceMicros = shards.inline ? SNAPSHOT_SLICE_MICROS : WORKER_SLICE_MICROS;
      w.header(this.aux(aofBase));
      w.functions(libraries.map((l) => l.code));
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
          const request = (): Promise<{ data: Uint8Array; done: boolean }> =>
            shards.callBackground(shard, 'snapshotChunk', { db, maxBytes: SNAPSHOT_CHUNK_BYTES, maxMicros: sliceMicros });
          let next = request();
          for (;;) {
            const { data, done } = await next;
            if (pacer !== null) await pacer.between();
            // The shard writes the next slice while this thread writes this one (a worker shard is not left idle).
            if (!done) next = request();
            this.saveBufferBytes = pending + data.length;
            this.peakSaveBufferBytes = Math.max(this.peakSaveBufferBytes, this.saveBufferBytes);
            w.raw(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
            await flush();
            if (done) break;
          }
        }
      }
      w.end(checksum);
      await flush(true);
      return dirty.reduce((a, b) => a + b, 0);
    } finally {
      const ends = await shards.broadcast('snapshotEnd', undefined).catch(() => []);
      // INFO's rdb_last_cow_size / aof_last_cow_size: the copies on write the shards held at most, together.
      const peak = ends.reduce((n, p) => n + (p?.peakCopiedBytes ?? 0), 0);
      if (aofBase) this.aofLastCowBytes = peak;
      else this.rdbLastCowBytes = peak;
    }
  }

  /**
   * A snapshot for a replica's full sync, as the one snapshot in progress
   * (the shards keep one at a time; INFO shows it as a background save, as
   * Redis shows its replication child). Waits for a save already running.
   */
  async exclusive<T>(run: () => Promise<T>): Promise<T> {
    while (this.inProgress !== null) await this.inProgress;
    this.inProgressIsBg = true;
    this.bgsaveStartedAt = Date.now();
    const p = run();
    const settled = p.then(
      () => ({ ok: true }),
      (err: Error) => ({ ok: false, error: err.message }),
    );
    this.inProgress = settled.finally(() => {
      this.inProgress = null;
      this.saveBufferBytes = 0;
      if (this.scheduled) {
        this.scheduled = false;
        void this.save(true);
      }
    });
    return p;
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
   * Loads `dir`/`dbfilename` if it exists (start-up, DEBUG RELOAD, an AOF's
   * base): the file is read once into shared memory and every shard reads
   * it in steps, keeping the keys of its own slots (in parallel across
   * worker shards; between steps the server answers -LOADING), while this
   * thread checks the CRC-64. Throws on a corrupt file (the server then
   * refuses to start, as Redis does). `shard`: load only that shard's keys
   * (a shard restarted after a crash), and the `borrowed` keys of other
   * shards that its restore replays commands with (coordination/restore-shard.ts).
   */
  async load(file = this.filePath(), shard?: number, borrowed?: ReadonlySet<string>): Promise<number> {
    const data = await readShared(file);
    return data === null ? 0 : this.loadShared(data, file, shard, borrowed);
  }

  /**
   * Loads a snapshot held in memory (the payload of a replica's full resync)
   * into shards that hold none of its keys (flushed first); `source` names
   * it in the log.
   */
  loadBuffer(buf: Buffer, source: string): Promise<number> {
    const data = new SharedArrayBuffer(buf.length);
    buf.copy(Buffer.from(data));
    return this.loadShared(data, source);
  }

  private async loadShared(data: SharedArrayBuffer, file: string, shard?: number, borrowed?: ReadonlySet<string>): Promise<number> {
    const buf = Buffer.from(data);
    const shards = this.shards();
    const restoring = shard !== undefined;
    const started = Date.now();
    if (!restoring) {
      this.loading = true;
      this.loadedKeys = 0;
      this.loadProgress = { startTime: Math.floor(started / 1000), startedMs: started, totalBytes: buf.length, usedMem: 0, loadedBytes: 0 };
    }
    const targets = restoring ? [shard] : shards.clients.map((_, i) => i);
    const alsoKeep = borrowed !== undefined && borrowed.size > 0 ? [...borrowed] : undefined;
    // Within a shard's own restore, its requests pass the "shard unavailable" refusal.
    const call = (s: number, from: RdbPartPosition): Promise<RpcResult<'rdbLoadFile'>> => {
      const client = shards.clients[s];
      const req = { from, maxBytes: LOAD_STEP_BYTES, databases: this.config.values.databases, alsoKeep };
      return restoring ? client.internally(() => client.call('rdbLoadFile', req)) : client.call('rdbLoadFile', req);
    };
    let checksum: { crc: Promise<Buffer>; stop(): void } | null = null;
    try {
      const first = rdbFileStart(buf);
      if (this.loadProgress !== null && !restoring) this.loadProgress.usedMem = Number(rdbAuxFields(buf).get('used-mem') ?? 0) || 0;
      shards.setLoadFile(data, shard);
      // Each reader's position: the load has got as far as the slowest.
      const positions = targets.map(() => first.pos);
      let loaded = 0;
      let read = 0;
      let libraries: string[] = [];
      let eofEnd = -1;
      const readers = targets.map(async (s, n) => {
        let from = first;
        for (;;) {
          const r = await call(s, from);
          loaded += r.loaded;
          read += r.read;
          positions[n] = r.pos;
          if (!restoring && this.loadProgress !== null) {
            this.loadedKeys = loaded;
            this.loadProgress.loadedBytes = Math.min(...positions);
          }
          if (s === targets[0]) libraries = libraries.concat(r.libraries);
          if (r.done) {
            eofEnd = r.pos;
            return;
          }
          from = r;
        }
      });
      // The checksum of the usual extent (all but the 8 checksum bytes), computed meanwhile.
      const usual = buf.length - 8;
      checksum = usual >= 9 ? checksumInThread(data, usual) : null;
      const [crc] = await Promise.all([checksum?.crc ?? null, ...readers]);
      if (!rdbChecksumOk(buf, eofEnd, crc === null ? null : { end: usual, crc })) throw new Error('Wrong RDB checksum. Aborting now.');
      if (libraries.length > 0) await (restoring ? shards.clients[shard].internally(() => shards.call(shard, 'functionRestore', { codes: libraries, policy: 'replace' })) : shards.broadcast('functionRestore', { codes: libraries, policy: 'replace' }));
      if (!restoring) {
        this.loadedKeys = loaded;
        // Keys read but not stored were past their deadline (rdb_last_load_keys_expired).
        this.lastLoadExpired = read - loaded;
      }
      this.log.info({ keys: loaded, file, shard, ms: Date.now() - started }, 'DB loaded from disk');
      return loaded;
    } finally {
      checksum?.stop();
      shards.setLoadFile(null, shard);
      if (!restoring) {
        this.loading = false;
        this.loadProgress = null;
      }
    }
  }
}

/** The CRC-64 of data[0, end), computed by a helper thread (checksum-worker.ts); `stop` ends it early (a failed load). */
function checksumInThread(data: SharedArrayBuffer, end: number): { crc: Promise<Buffer>; stop(): void } {
  const worker = new Worker(path.join(__dirname, 'checksum-worker.js'), { workerData: { data, end } });
  const crc = new Promise<Buffer>((resolve, reject) => {
    worker.once('message', (b: Uint8Array) => resolve(Buffer.from(b)));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`checksum thread exited (${code})`)));
  });
  // A load that fails first never reads it.
  crc.catch(() => undefined);
  return { crc, stop: () => void worker.terminate() };
}

/** The whole file in shared memory (shards read it without a copy), or null when there is none. */
async function readShared(file: string): Promise<SharedArrayBuffer | null> {
  let fh: fs.promises.FileHandle;
  try {
    fh = await fs.promises.open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const size = (await fh.stat()).size;
    const data = new SharedArrayBuffer(size);
    const view = Buffer.from(data);
    for (let off = 0; off < size; ) {
      const { bytesRead } = await fh.read(view, off, size - off, off);
      if (bytesRead === 0) throw new Error(`${file}: short read`);
      off += bytesRead;
    }
    return data;
  } finally {
    await fh.close();
  }
}
