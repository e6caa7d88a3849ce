/**
 * The shard engine: executes request batches against one shard's data and
 * encodes every reply into one reply batch. It runs inside a shard worker
 * thread (workers/shard.ts), or inline on the main thread with `--workers 0`,
 * where it runs each turn's requests unencoded instead (`runCalls`).
 */
import { ReplyWriter } from '../src/core/wire/reply-writer';
import { REQUEST_HEADER_BYTES, RPC_OP, decodeRpc, encodeOutcome } from '../src/core/wire/shard-batch';
import type { CallBatch } from '../src/core/wire/call-batch';
import { latin1String } from '../src/core/wire/latin1';
import { CONN_ID_MASK, SCRIPT_UNLOCKED, SERVES_BLOCKED, SPLIT_PART, TRACK_READS, type RpcCall, type RpcOutcome, type ShardEvent, type ShardSettings } from '../src/core/shard-protocol';
import { installScriptRunner, type ShardOpContext } from './op-context';
import { ShardState } from './shard-state';
import { setStreamNodeLimits } from './structures/stream';
import { setHllSparseMaxBytes } from './structures/hll';
import { setEncodingLimits } from './structures/encoding-limits';
import { activeExpireCycle } from './expiry';
import type { Db } from './db';
import { runCommand } from './run-command';
import { OPS } from './ops';
import { runRpc } from './rpc';
import { serveBlockedHere } from './rpc/blocking';
import { packIfMany, packUnpacked } from './structures/zset';
import { ScriptEngine } from './scripting/engine';
/** In batches longer than twice this, one command in this many is timed for commandstats. */
const TIME_SAMPLE = 8;

/** Mutable context reused for every command of a batch (no allocation per command). */
class OpContext implements ShardOpContext {
  db!: Db;
  dbIndex = 0;
  connId = 0;
  proto: 2 | 3 = 2;
  now = 0;
  trackReads = false;
  scriptUnlocked = false;
  constructor(readonly shard: ShardState) {}
  notify(cls: number, event: string, key: string, changes = 1): void {
    this.shard.opChanged(cls, event, key, this.dbIndex, this.connId, changes);
  }
}

export class ShardEngine {
  readonly state: ShardState;
  /** This shard's scripting engine (its interpreter starts with the first script). */
  readonly scripts: ScriptEngine;
  private readonly w = new ReplyWriter(64 * 1024);
  private readonly ctx: OpContext;
  /** Per op: runs in long batches so far, to time every TIME_SAMPLE-th (wraps harmlessly). */
  private readonly sampleTurn = new Uint32Array(OPS.length);
  private expiryTimer: NodeJS.Timeout | null = null;
  /**
   * Where events produced outside a batch (by the expiry cycle) go. Events
   * produced while running a batch are taken by the host right after it.
   */
  onEvents: ((events: ShardEvent[]) => void) | null = null;

  constructor(shardId: number, shardCount: number, settings: ShardSettings) {
    this.state = new ShardState(shardId, shardCount, settings, OPS.length);
    this.scripts = new ScriptEngine(this.state);
    this.scripts.localRpc = runRpc;
    installScriptRunner(this.state, this.scripts);
    this.ctx = new OpContext(this.state);
    this.state.replicaExpiry.replica = settings.replica;
    this.applyStructureLimits();
    this.applyTrackingLimit();
  }

  /** This shard's share of tracking-table-max-keys, enforced at once when it shrinks. */
  private applyTrackingLimit(): void {
    const max = this.state.settings.trackingTableMaxKeys;
    this.state.signals.trackingMaxKeys = max === 0 ? 0 : Math.ceil(max / this.state.shardCount);
    this.state.signals.limitTracked();
  }

  /** Settings that shape data structures (module-level in their files: one engine per thread). */
  private applyStructureLimits(): void {
    const s = this.state.settings;
    setStreamNodeLimits(s.streamNodeMaxBytes, s.streamNodeMaxEntries);
    setHllSparseMaxBytes(s.hllSparseMaxBytes);
    setEncodingLimits(s.encodingLimits);
  }

  /** Events gathered while running the last batch (the host sends them just before its replies). */
  takeEvents(): ShardEvent[] | null {
    return this.state.signals.takeEvents();
  }

  /** Starts the active expiry cycle (hz times a second). */
  start(): void {
    this.scheduleExpiry();
  }

  private scheduleExpiry(): void {
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    const period = Math.max(1, Math.floor(1000 / Math.max(1, this.state.settings.hz)));
    this.expiryTimer = setInterval(() => {
      if (this.state.settings.activeExpire) activeExpireCycle(this.state, Date.now(), period);
      // Collections written in place since the last tick get their memory estimate (Db.resize without maxmemory).
      for (const db of this.state.dbs) db?.settleSizes();
      const events = this.state.signals.takeEvents();
      if (events !== null) this.onEvents?.(events);
    }, period);
    // A shard's timer alone must not keep the process (or --workers 0 main thread) alive.
    this.expiryTimer.unref();
  }

  stop(): void {
    if (this.expiryTimer) clearInterval(this.expiryTimer);
    this.expiryTimer = null;
  }

  /** Applies a settings change broadcast by CONFIG SET. */
  applySettings(patch: Partial<ShardSettings>): void {
    Object.assign(this.state.settings, patch);
    this.state.replicaExpiry.replica = this.state.settings.replica;
    this.state.applyMemorySettings();
    this.state.refreshThresholds();
    this.state.signals.setBcast(this.state.settings.trackingBcast);
    this.applyTrackingLimit();
    for (const db of this.state.dbs) if (db !== undefined) this.state.applyLazyfree(db);
    this.applyStructureLimits();
    if (patch.hz !== undefined) this.scheduleExpiry();
  }

  processBatch(ab: ArrayBuffer): ArrayBuffer {
    const started = performance.now();
    const req = Buffer.from(ab);
    const count = req.readUInt32LE(0);
    const w = this.w;
    this.beginBatch();
    w.reset();
    w.ensure(4);
    w.buf.writeUInt32LE(count, 0);
    w.len = 4;
    let o = 4;
    for (let c = 0; c < count; c++) {
      const opIndex = req.readUInt16LE(o);
      const dbIndex = req[o + 2];
      const proto = req[o + 3];
      const connId = req.readUInt32LE(o + 4);
      const argc = req.readUInt32LE(o + 8);
      o += REQUEST_HEADER_BYTES;
      if (opIndex === RPC_OP) {
        const n = req.readUInt32LE(o);
        const outcome = this.rpc(dbIndex, proto, connId, decodeRpc(req.subarray(o + 4, o + 4 + n)));
        o += 4 + n;
        const bytes = encodeOutcome(outcome);
        w.ensure(4 + bytes.length);
        w.buf.writeUInt32LE(bytes.length, w.len);
        w.buf.set(bytes, w.len + 4);
        w.len += 4 + bytes.length;
        if (this.state.signals.readyHere.length !== 0) this.state.signals.announceReadyHere();
        continue;
      }
      const args = this.argsFor(opIndex, argc);
      const lead = args.length - argc;
      for (let i = 0; i < argc; i++) {
        const n = req.readUInt32LE(o);
        args[lead + i] = latin1String(req, o + 4, o + 4 + n);
        o += 4 + n;
      }
      // Reserve the reply's length prefix, write the reply, then patch it.
      w.ensure(4);
      const lenAt = w.len;
      w.len += 4;
      this.runOne(opIndex, dbIndex, proto, connId, args, w, count);
      w.buf.writeUInt32LE(w.len - lenAt - 4, lenAt);
      if (this.state.signals.readyHere.length !== 0) this.readyAfter(c, connId);
      packIfMany();
    }
    this.endBatch(count, started);
    return w.takeArrayBuffer();
  }

  /**
   * Runs an inline shard's requests as they are (src/core/wire/call-batch.ts):
   * each reply is written into `arena` and its pending reply gets the view
   * (arena buffer, start, end), not yet delivered; the caller delivers them
   * after taking the batch's events, as a worker shard sends events first.
   */
  runCalls(calls: CallBatch, arena: ReplyWriter): void {
    const started = performance.now();
    const count = calls.count;
    this.beginBatch();
    const argv = calls.argv;
    for (let c = 0; c < count; c++) {
      const opIndex = calls.ops[c];
      if (opIndex === RPC_OP) {
        const p = calls.pendings[c];
        p.outcome = this.rpc(calls.dbs[c], calls.protos[c], calls.connIds[c], calls.rpcs[c] as RpcCall);
        if (this.state.signals.readyHere.length !== 0) this.state.signals.announceReadyHere();
        continue;
      }
      let args = calls.owned[c];
      if (args !== null) {
        // The request's own array, as the client typed it: the ops read the canonical name
        // (a subcommand stays as typed, which Redis's subcommand errors echo).
        args[0] = OPS[opIndex].commandName;
      } else {
        const argc = calls.argc[c];
        args = this.argsFor(opIndex, argc);
        const lead = args.length - argc;
        const from = calls.argStart[c];
        for (let i = 0; i < argc; i++) args[lead + i] = argv[from + i];
      }
      // Everything before this reply is handed out: growing must not move it.
      arena.floor = arena.len;
      this.runOne(opIndex, calls.dbs[c], calls.protos[c], calls.connIds[c], args, arena, count);
      packIfMany();
      const p = calls.pendings[c];
      p.data = arena.buf;
      p.start = arena.floor;
      p.end = arena.len;
      if (this.state.signals.readyHere.length !== 0) this.readyAfter(c, calls.connIds[c]);
    }
    arena.floor = arena.len;
    this.endBatch(count, started);
  }

  /**
   * Entry `c` gave data to keys blocked clients wait on: a client's own
   * command has them served right after it, here; anything else (a part of
   * EXEC or of a script) leaves them to the main thread, which serves them
   * once the whole unit ran, as Redis does.
   */
  private readyAfter(c: number, connId: number): void {
    if ((connId & SERVES_BLOCKED) !== 0) serveBlockedHere(this.ctx, c);
    else this.state.signals.announceReadyHere();
  }

  private beginBatch(): void {
    this.ctx.now = Date.now();
    this.state.tick(this.ctx.now);
  }

  private endBatch(count: number, started: number): void {
    // Small sorted sets the batch unpacked rest packed again (structures/zset.ts).
    packUnpacked();
    const stats = this.state.stats;
    stats.commands += count;
    stats.batches++;
    stats.busyMicros += Math.round((performance.now() - started) * 1000);
  }

  /** The argument array of one command, its name filled in (a request carries every argument after it). */
  private argsFor(opIndex: number, argc: number): string[] {
    const args: string[] = new Array(argc + 1);
    args[0] = OPS[opIndex].commandName;
    return args;
  }

  /** Runs one shard RPC in the request stream (workers/rpc/). */
  private rpc(dbIndex: number, proto: number, connId: number, call: RpcCall): RpcOutcome {
    const ctx = this.ctx;
    ctx.proto = proto === 3 ? 3 : 2;
    ctx.trackReads = (connId & TRACK_READS) !== 0;
    ctx.scriptUnlocked = false;
    ctx.connId = connId & CONN_ID_MASK;
    ctx.dbIndex = dbIndex;
    ctx.db = this.state.db(dbIndex);
    return runRpc(ctx, call);
  }

  private runOne(opIndex: number, dbIndex: number, proto: number, connId: number, args: string[], w: ReplyWriter, batchSize: number): void {
    const ctx = this.ctx;
    w.proto = ctx.proto = proto === 3 ? 3 : 2;
    // A split command's part (SPLIT_PART): runs for the connection, is not reported as slow on its own.
    const part = connId >= SPLIT_PART;
    ctx.trackReads = (connId & TRACK_READS) !== 0;
    ctx.scriptUnlocked = (connId & SCRIPT_UNLOCKED) !== 0;
    ctx.connId = connId & CONN_ID_MASK;
    ctx.dbIndex = dbIndex;
    ctx.db = this.state.db(dbIndex);
    // Short batches time every command; long ones every TIME_SAMPLE-th run
    // of each op, counted TIME_SAMPLE times (run-command.ts).
    const weight = batchSize <= TIME_SAMPLE * 2 ? 1 : this.sampleTurn[opIndex]++ % TIME_SAMPLE === 0 ? TIME_SAMPLE : 0;
    runCommand(ctx, opIndex, args, w, weight, !part);
  }
}
