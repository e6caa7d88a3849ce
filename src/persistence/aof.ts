/**
 * The append-only file as Redis 7 writes it (aof.c): a directory
 * (`appenddirname`) with a manifest naming one base file (an RDB, the
 * "preamble") and incremental files of RESP commands.
 *
 * Ordering: the AOF is one consumer of the propagation feed
 * (src/persistence/propagation.ts), which hands it effective writes in
 * dispatch order, the order every shard ran its commands in; the
 * replication stream is the other consumer of the same feed.
 *
 * Durability: `appendfsync always` writes and fsyncs before the reply is
 * handed to the client's writer; `everysec` writes each turn and fsyncs once
 * a second; `no` leaves fsync to the kernel.
 *
 * Rewrite (BGREWRITEAOF, auto-aof-rewrite-*): a marker is put in the log's
 * order at the moment every shard is asked for its snapshot; places before it
 * go to the old incremental file, places after it to a new one; the snapshot
 * becomes the new base and the manifest switches to base + new incr.
 */
import fs from 'node:fs';
import path from 'node:path';
import RedisParser from 'redis-parser';
import type { Logger } from 'pino';
import type { Config } from '../config/config';
import { encodeCommand } from './aof-commands';
import type { FeedConsumer, PropagationFeed } from './propagation';

interface ManifestFile {
  name: string;
  seq: number;
  type: 'b' | 'h' | 'i';
}

export function parseManifest(text: string): ManifestFile[] {
  const out: ManifestFile[] = [];
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const w = t.split(/\s+/);
    const rec: Record<string, string> = {};
    for (let i = 0; i + 1 < w.length; i += 2) rec[w[i]] = w[i + 1];
    if (rec.file === undefined || rec.seq === undefined || !['b', 'h', 'i'].includes(rec.type)) throw new Error(`Invalid AOF manifest line: ${t}`);
    out.push({ name: rec.file, seq: Number(rec.seq), type: rec.type as ManifestFile['type'] });
  }
  return out;
}

function formatManifest(files: readonly ManifestFile[]): string {
  return files.map((f) => `file ${f.name} seq ${f.seq} type ${f.type}\n`).join('');
}

/** Runs the commands of an incremental file as a client would (the server's loader connection). */
export type Replayer = (data: Buffer, commands: number) => Promise<void>;

export class Aof {
  enabled = false;
  rewriting = false;
  lastRewriteOk = true;
  lastWriteOk = true;
  lastWriteError = '';
  rewrites = 0;
  /** Rewrites that failed since the last one that worked (INFO aof_rewrites_consecutive_failures). */
  consecutiveFailures = 0;
  lastRewriteSeconds = -1;
  /** fsyncs of the incremental file by appendfsync (always: per write, everysec: per second), for INFO aof_fsyncs. */
  fsyncs = 0;
  rewriteStartedAt = 0;
  /** BGREWRITEAOF asked for while a save ran: start it when that ends. */
  rewriteScheduled = false;
  /** Bytes of the incremental file(s) and the base at the last rewrite (auto-aof-rewrite-percentage). */
  currentSize = 0;
  baseSize = 0;

  /** CONFIG SET appendonly yes while its first rewrite has not reached its point in the feed. */
  private starting = false;
  private manifest: ManifestFile[] = [];
  private fd: number | null = null;
  private lastDb = -1;
  private pendingWrite: Buffer[] = [];
  private writeScheduled = false;
  private fsyncTimer: NodeJS.Timeout | null = null;
  private dirtySinceFsync = false;
  /** When the running everysec fsync started, or 0. */
  private fsyncSince = 0;
  /**
   * Writes made while an everysec fsync had been running for over 2 s (INFO
   * aof_delayed_fsync). Redis holds its writes back up to 2 s behind a slow
   * fsync and counts the ones it then makes anyway; Shardis never holds
   * them back, and counts the same writes.
   */
  delayedFsyncs = 0;

  constructor(
    private readonly config: Config,
    private readonly log: Logger,
    /** The ordered stream of writes this log is written from. */
    private readonly feed: PropagationFeed,
    /** Writes a point-in-time snapshot as an RDB file (src/persistence/rdb.ts writeChunked); `onStarted` runs at its point. */
    private readonly writeSnapshot: (file: string, onStarted: () => void) => Promise<unknown>,
  ) {
    const consumer: FeedConsumer = { write: (db, data, resetsDb) => this.write(db, data, resetsDb) };
    feed.addConsumer(consumer, () => this.enabled || this.starting);
  }

  private get dirPath(): string {
    return path.join(this.config.get('dir') as string, this.config.get('appenddirname') as string);
  }

  private get baseName(): string {
    return this.config.get('appendfilename') as string;
  }

  // ---- logging ----

  /** A place of the feed, in order: SELECT when its db is not the file's current one. */
  private write(db: number, data: Buffer, resetsDb: boolean): void {
    if (!this.enabled) return;
    if (db !== this.lastDb) {
      this.pendingWrite.push(encodeCommand(['SELECT', String(db)]));
      this.lastDb = db;
    }
    this.pendingWrite.push(data);
    if (resetsDb) this.lastDb = -1;
    if (this.config.get('appendfsync') === 'always') this.flushNow();
    else if (!this.writeScheduled) {
      this.writeScheduled = true;
      setImmediate(() => {
        this.writeScheduled = false;
        this.flushNow();
      });
    }
  }

  /** Writes what is pending (and fsyncs with appendfsync always). */
  flushNow(): void {
    if (this.pendingWrite.length === 0 || this.fd === null) return;
    const buf = Buffer.concat(this.pendingWrite);
    this.pendingWrite = [];
    let off = 0;
    if (this.fsyncSince !== 0 && Date.now() - this.fsyncSince > 2000) this.delayedFsyncs++;
    try {
      while (off < buf.length) off += fs.writeSync(this.fd, buf, off);
      this.currentSize += buf.length;
      if (this.config.get('appendfsync') === 'always') {
        fs.fsyncSync(this.fd);
        this.fsyncs++;
      } else this.dirtySinceFsync = true;
      this.lastWriteOk = true;
    } catch (err) {
      this.lastWriteOk = false;
      this.lastWriteError = (err as Error).message;
      // Kept to retry with the next write: nothing logged is dropped.
      this.pendingWrite.unshift(buf.subarray(off));
      this.log.error({ err }, 'AOF write failed');
    }
  }

  private fsyncTick = (): void => {
    // A failed write is retried each second (writes are refused with -MISCONF meanwhile).
    if (!this.lastWriteOk) this.flushNow();
    if (this.fd === null || !this.dirtySinceFsync || this.config.get('appendfsync') !== 'everysec') return;
    // One at a time, as Redis's background fsync job: the next waits for the tick after it ended.
    if (this.fsyncSince !== 0) return;
    this.dirtySinceFsync = false;
    this.fsyncs++;
    this.fsyncSince = Date.now();
    fs.fsync(this.fd, (err) => {
      this.fsyncSince = 0;
      if (err) this.log.error({ err }, 'AOF fsync failed');
    });
  };

  /** Bytes logged but not written yet (INFO aof_buffer_length). */
  get bufferLength(): number {
    let n = 0;
    for (const b of this.pendingWrite) n += b.length;
    return n;
  }

  /** An everysec fsync is running (INFO aof_pending_bio_fsync). */
  get fsyncPending(): boolean {
    return this.fsyncSince !== 0;
  }

  // ---- files ----

  private incrName(seq: number): string {
    return `${this.baseName}.${seq}.incr.aof`;
  }

  private writeManifest(): void {
    const file = path.join(this.dirPath, `${this.baseName}.manifest`);
    const tmp = `${file}.tmp`;
    const fd = fs.openSync(tmp, 'w', 0o644);
    try {
      fs.writeSync(fd, formatManifest(this.manifest));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  }

  private openIncr(name: string): void {
    if (this.fd !== null) {
      this.flushNow();
      fs.fsyncSync(this.fd);
      fs.closeSync(this.fd);
    }
    this.fd = fs.openSync(path.join(this.dirPath, name), 'a', 0o644);
    this.lastDb = -1;
  }

  /**
   * Start-up with appendonly yes: loads the base and incremental files named
   * by the manifest (replaying commands through `replay`), or, with no AOF
   * yet, writes an empty base; then opens the last incremental file for appending.
   */
  async start(replay: Replayer, writeBase: (file: string) => Promise<void>, loadBase: (file: string) => Promise<void>): Promise<void> {
    this.enabled = true;
    fs.mkdirSync(this.dirPath, { recursive: true });
    const mfile = path.join(this.dirPath, `${this.baseName}.manifest`);
    if (!fs.existsSync(mfile)) {
      const base = `${this.baseName}.1.base.rdb`;
      await writeBase(path.join(this.dirPath, base));
      this.manifest = [
        { name: base, seq: 1, type: 'b' },
        { name: this.incrName(1), seq: 1, type: 'i' },
      ];
      this.writeManifest();
    } else {
      this.manifest = parseManifest(fs.readFileSync(mfile, 'latin1'));
      const base = this.manifest.find((f) => f.type === 'b');
      if (base !== undefined) {
        const file = path.join(this.dirPath, base.name);
        if (base.name.endsWith('.rdb')) await loadBase(file);
        else {
          const r = this.readCommands(file, false);
          await replay(r.data, r.commands);
        }
        this.baseSize = fs.statSync(file).size;
      }
      const incrs = this.manifest.filter((f) => f.type === 'i');
      for (let i = 0; i < incrs.length; i++) {
        const file = path.join(this.dirPath, incrs[i].name);
        if (!fs.existsSync(file)) continue;
        const r = this.readCommands(file, i === incrs.length - 1);
        await replay(r.data, r.commands);
        this.currentSize += fs.statSync(file).size;
      }
      if (incrs.length === 0) {
        const seq = (base?.seq ?? 0) + 1;
        this.manifest.push({ name: this.incrName(seq), seq, type: 'i' });
        this.writeManifest();
      }
    }
    const last = this.manifest.filter((f) => f.type === 'i').pop() as ManifestFile;
    this.openIncr(last.name);
    this.fsyncTimer = setInterval(this.fsyncTick, 1000);
    this.fsyncTimer.unref();
  }

  /**
   * The commands of one file, checked with redis-parser (the AOF is our own,
   * trusted writing). A torn tail (a crash mid-write) on the last file is cut
   * off when aof-load-truncated is yes, and is fatal otherwise, as in Redis.
   */
  private readCommands(file: string, last: boolean): { data: Buffer; commands: number } {
    const buf = fs.readFileSync(file);
    let valid = 0;
    let commands = 0;
    let bad: Error | null = null;
    const parser = new RedisParser({
      returnBuffers: true,
      returnReply: (reply: unknown) => {
        // Our files are canonical RESP, so a command's length is its re-encoding's.
        const parts = reply as Buffer[];
        let len = `*${parts.length}\r\n`.length;
        for (const p of parts) len += `$${p.length}\r\n`.length + p.length + 2;
        valid += len;
        commands++;
      },
      returnError: (err: Error) => (bad = err),
      returnFatalError: (err: Error) => (bad = err),
    });
    try {
      parser.execute(buf);
    } catch (err) {
      bad = err as Error;
    }
    if (bad === null && valid === buf.length) return { data: buf, commands };
    if (!last || this.config.get('aof-load-truncated') !== 'yes') {
      throw new Error(`Bad file format reading the append only file ${file}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`);
    }
    this.log.warn({ file, validBytes: valid, size: buf.length }, '!!! Warning: short read while loading the AOF file !!! AOF loaded anyway because aof-load-truncated is enabled');
    fs.truncateSync(file, valid);
    return { data: buf.subarray(0, valid), commands };
  }

  // ---- rewrite ----

  /**
   * BGREWRITEAOF: the shards' snapshot becomes a new base, the log goes on
   * in a new incremental file from the same point, and the manifest switches.
   */
  async rewrite(enable = false): Promise<boolean> {
    if (this.rewriting) return true;
    this.rewriting = true;
    if (enable) fs.mkdirSync(this.dirPath, { recursive: true });
    this.rewriteStartedAt = Date.now();
    try {
      const seq = Math.max(0, ...this.manifest.map((f) => f.seq)) + 1;
      const newIncr = this.incrName(seq);
      const newBase = `${this.baseName}.${seq}.base.rdb`;
      await this.writeSnapshot(path.join(this.dirPath, newBase), () => {
        // The marker takes the snapshot's place in every shard's stream: older writes stay in the old incr file.
        // CONFIG SET appendonly yes: writes are logged from this very point on
        // (wanted from now, so the feed takes them; written once the marker passed).
        if (enable) this.starting = true;
        this.feed.marker(() => {
          if (enable && this.starting) {
            this.starting = false;
            this.enabled = true;
          }
          if (!this.enabled) return;
          this.flushNow();
          this.openIncr(newIncr);
          // Named in the manifest at once, so a crash before the rewrite ends still loads what went into it.
          this.manifest.push({ name: newIncr, seq, type: 'i' });
          this.writeManifest();
        });
      });
      const old = this.manifest;
      this.manifest = [
        { name: newBase, seq, type: 'b' },
        { name: newIncr, seq, type: 'i' },
      ];
      this.writeManifest();
      for (const f of old) if (f.name !== newIncr) fs.rmSync(path.join(this.dirPath, f.name), { force: true });
      this.baseSize = fs.statSync(path.join(this.dirPath, newBase)).size;
      this.currentSize = fs.statSync(path.join(this.dirPath, newIncr)).size;
      this.rewrites++;
      this.lastRewriteOk = true;
      this.consecutiveFailures = 0;
      return true;
    } catch (err) {
      this.log.warn({ err }, 'AOF rewrite failed');
      this.lastRewriteOk = false;
      this.consecutiveFailures++;
      return false;
    } finally {
      this.lastRewriteSeconds = Math.round((Date.now() - this.rewriteStartedAt) / 1000);
      this.rewriting = false;
    }
  }

  /** serverCron's automatic rewrite: the log grew by auto-aof-rewrite-percentage over its size at the last rewrite. */
  cron(): void {
    if (!this.enabled || this.rewriting) return;
    const pct = Number(this.config.get('auto-aof-rewrite-percentage'));
    const min = Number(this.config.get('auto-aof-rewrite-min-size'));
    const total = this.baseSize + this.currentSize;
    if (pct > 0 && total > min) {
      const base = Math.max(1, this.baseSize);
      if (((total - base) * 100) / base >= pct) {
        this.log.info({ size: total, base }, 'Starting automatic rewriting of AOF');
        void this.rewrite();
      }
    }
  }

  /** The base and incremental files in manifest order (absolute paths). */
  files(): { base: string | null; incrs: string[] } {
    const base = this.manifest.find((f) => f.type === 'b');
    return {
      base: base === undefined ? null : path.join(this.dirPath, base.name),
      incrs: this.manifest.filter((f) => f.type === 'i').map((f) => path.join(this.dirPath, f.name)),
    };
  }

  /** CONFIG SET appendonly yes: a rewrite makes the base, logging starts from its point. */
  async enableAtRuntime(): Promise<boolean> {
    if (this.enabled) return true;
    const ok = await this.rewrite(true);
    if (!ok) this.disable();
    else if (this.fsyncTimer === null) {
      this.fsyncTimer = setInterval(this.fsyncTick, 1000);
      this.fsyncTimer.unref();
    }
    return ok;
  }

  /** CONFIG SET appendonly no: stops logging (the files stay). */
  disable(): void {
    this.enabled = false;
    this.starting = false;
    this.close();
    this.fsyncTimer = null;
  }

  /** Flushes, fsyncs and closes (shutdown). */
  close(): void {
    if (this.fsyncTimer !== null) clearInterval(this.fsyncTimer);
    if (this.fd !== null) {
      this.flushNow();
      try {
        fs.fsyncSync(this.fd);
      } catch {
        /* nothing more to do at exit */
      }
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }
}

