/**
 * Starts, owns and stops the shards, and flushes their batches once per
 * event-loop turn.
 *
 * piscina hosts and supervises the shard threads: each shard is one long-lived
 * piscina task (workers/shard.ts) that holds its own MessagePort, so the
 * command path is that port, batched, and piscina handles thread lifecycle,
 * resource limits and crash detection. A shard task never gets an abort
 * signal (aborting a running piscina task terminates its thread and its data).
 *
 * `--workers 0` runs one shard engine inline on the main thread
 * (inline-host.ts); it takes the turn's requests unencoded, so it pays
 * neither the thread hop nor the batch encoding.
 */
import path from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Logger } from 'pino';
import { SCRIPT_CONTROL_BYTES } from '../core/shard-protocol';
import { ShardProgress } from '../core/shard-progress';
import type {
  PeerLinks,
  RpcMethod,
  RpcRequest,
  RpcResult,
  ShardControl,
  ShardEvent,
  ShardMessage,
  ShardSettings,
  ShardTask,
  ShardTaskResult,
} from '../core/shard-protocol';
import { Router } from '../core/routing/router';
import { ShardClient, type RpcScope, type ShardTransport } from './shard-client';
import { InlineEngineHost } from './inline-host';
import type { ReplyArenaStats } from './reply-arena';

const SHARD_START_TIMEOUT_MS = 30_000;

/** A channel per ordered pair of shards, for scripts' calls to other shards (workers/scripting/peers.ts). */
function peerLinks(count: number, progress: ShardProgress): PeerLinks[] {
  const links: PeerLinks[] = [];
  for (let i = 0; i < count; i++) {
    links.push({ calls: new Array<MessagePort | null>(count).fill(null), signal: new SharedArrayBuffer(4 * count), served: [], progress: progress.buffer });
  }
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < count; j++) {
      if (i === j) continue;
      const { port1, port2 } = new MessageChannel();
      links[i].calls[j] = port1;
      links[j].served.push({ from: i, port: port2, signal: links[i].signal });
    }
  }
  return links;
}
const SHARD_MODULE = path.join(__dirname, '..', '..', 'workers', 'shard.js');

class WorkerTransport implements ShardTransport {
  constructor(
    private readonly port: MessagePort,
    private readonly done: Promise<ShardTaskResult>,
    /** Counts what is sent to this shard for other shards' script calls; null with one shard (no such calls). */
    private readonly progress: ShardProgress | null,
    private readonly shard: number,
  ) {}
  opened(): void {
    this.progress?.sent(this.shard);
  }
  post(batch: ArrayBuffer): void {
    this.port.postMessage(batch, [batch]);
  }
  postControl(msg: ShardControl, transfer: MessagePort[] = []): void {
    this.progress?.sent(this.shard);
    this.port.postMessage(msg, transfer);
  }
  async close(): Promise<void> {
    const msg: ShardControl = { type: 'shutdown' };
    this.progress?.sent(this.shard);
    this.port.postMessage(msg);
    await this.done.catch(() => undefined);
    this.port.close();
  }
}

export class ShardSet {
  readonly clients: ShardClient[] = [];
  /** Where each key lives (src/core/routing/router.ts). */
  readonly router: Router;
  private readonly dirty: ShardClient[] = [];
  private flushScheduled = false;
  private pool: Piscina | null = null;
  private inlineHost: InlineEngineHost | null = null;
  private readonly transports: WorkerTransport[] = [];
  private closing = false;
  /** Per shard, a running script's state as the shard shares it (SCRIPT_CONTROL_BYTES). */
  readonly scriptControl: SharedArrayBuffer[] = [];

  /**
   * The shard running a script for longer than `thresholdMs`, or -1 (worker
   * shards only: an inline shard's script holds this thread). Read without
   * a message: the shard is busy running the script.
   */
  busyScript(thresholdMs: number | (() => number)): number {
    const clocks = this.scriptClocks;
    for (let i = 0; i < clocks.length; i++) {
      const started = clocks[i][0];
      // The threshold is looked up only when a script runs (this is on every command's path).
      if (started !== 0 && Date.now() - started >= (typeof thresholdMs === 'number' ? thresholdMs : thresholdMs())) return i;
    }
    return -1;
  }

  /** Views of each worker shard's running-script start time (empty for the inline shard). */
  private scriptClocks: Float64Array[] = [];

  /** SCRIPT KILL: asks shard `i`'s running script to stop; false if it already wrote (UNKILLABLE). */
  killScript(i: number): boolean {
    const ctl = new Int32Array(this.scriptControl[i], 0, 2);
    if (Atomics.load(ctl, 1) === 1) return false;
    Atomics.store(ctl, 0, 1);
    return true;
  }

  private constructor(
    /** Number of shard threads; 0 means one inline shard. */
    readonly workers: number,
    private readonly log: Logger,
    /** Called once if a shard thread dies: the server cannot go on without its data. */
    private readonly onShardFailure: (err: Error) => void,
  ) {
    this.router = new Router(Math.max(1, workers));
  }

  /** The one shard runs on this thread (`--workers 0`). */
  get inline(): boolean {
    return this.inlineHost !== null;
  }

  /** Number of shards keys are spread over (at least 1). */
  get count(): number {
    return this.clients.length;
  }

  static async start(
    workers: number,
    settings: ShardSettings,
    logLevel: string,
    log: Logger,
    onShardFailure: (err: Error) => void,
    logFile = '',
  ): Promise<ShardSet> {
    const set = new ShardSet(workers, log, onShardFailure);
    const shardCount = Math.max(1, workers);
    for (let i = 0; i < shardCount; i++) set.scriptControl.push(new SharedArrayBuffer(SCRIPT_CONTROL_BYTES));
    if (workers > 0) set.scriptClocks = set.scriptControl.map((sab) => new Float64Array(sab, 8, 1));
    for (let i = 0; i < shardCount; i++) {
      const client = new ShardClient(i, () => set.markDirty(client));
      set.clients.push(client);
    }
    if (workers === 0) {
      set.inlineHost = new InlineEngineHost(set.clients[0], settings);
      set.clients[0].attachInline(set.inlineHost);
      return set;
    }
    set.pool = new Piscina({
      filename: SHARD_MODULE,
      minThreads: workers,
      maxThreads: workers,
      // One long-lived task per thread; no idle reaping, no queue of waiting tasks.
      concurrentTasksPerWorker: 1,
      idleTimeout: Number.MAX_SAFE_INTEGER,
      maxQueue: 0,
      // 'sync' freezes an idle worker's event loop (and so its expiry timers).
      atomics: 'disabled',
    });
    set.startInfo = { shardCount, settings, logLevel, logFile };
    const readiness: Promise<void>[] = [];
    // Peer links let a script in one shard reach keys of the others synchronously (workers/scripting/).
    if (shardCount > 1) set.progress = ShardProgress.create(shardCount);
    const peers = set.progress === null ? null : peerLinks(shardCount, set.progress);
    if (peers !== null) set.peerSignals = peers.map((l) => l.signal);
    for (let i = 0; i < shardCount; i++) readiness.push(set.startThread(i, settings, peers === null ? null : peers[i]));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`shards did not start within ${SHARD_START_TIMEOUT_MS} ms`)), SHARD_START_TIMEOUT_MS);
    });
    try {
      await Promise.race([Promise.all(readiness), timeout]);
    } finally {
      clearTimeout(timer);
    }
    return set;
  }

  /** Each shard's signal buffer for its scripts' calls to peers (empty with one shard). */
  private peerSignals: SharedArrayBuffer[] = [];
  /** Each shard's progress through what this thread sent it, for scripts' calls to peers (null with one shard). */
  private progress: ShardProgress | null = null;

  /**
   * New peer links for shard `i`, restarted after a crash (its ports died
   * with it): a fresh channel each way with every other shard, whose new
   * ends those shards take over (ShardControl peerLink). Null with one shard.
   */
  private relink(i: number): PeerLinks | null {
    const count = this.peerSignals.length;
    if (count < 2) return null;
    const signal = new SharedArrayBuffer(4 * count);
    this.peerSignals[i] = signal;
    const links: PeerLinks = { calls: new Array<MessagePort | null>(count).fill(null), signal, served: [], progress: (this.progress as ShardProgress).buffer };
    for (let j = 0; j < count; j++) {
      // A peer that is itself restarting links up with this one when its own thread starts.
      if (j === i || this.clients[j].transport === null) continue;
      const out = new MessageChannel();
      const back = new MessageChannel();
      links.calls[j] = out.port1;
      links.served.push({ from: j, port: back.port2, signal: this.peerSignals[j] });
      const msg: ShardControl = { type: 'peerLink', peer: i, call: back.port1, served: out.port2, signal };
      // Sent ahead of any batch that could start a script reaching shard i.
      this.clients[j].flush();
      this.transports[j].postControl(msg, [back.port1, out.port2]);
    }
    return links;
  }

  /**
   * Starts shard i's thread; resolves once it has started. `links` are its
   * peer links for cross-shard scripts (a restarted thread's come from relink).
   */
  private startThread(i: number, settings: ShardSettings, links: PeerLinks | null = null): Promise<void> {
    const pool = this.pool as Piscina;
    const info = this.startInfo as { shardCount: number; logLevel: string; logFile: string };
    const client = this.clients[i];
    const { port1, port2 } = new MessageChannel();
    const task: ShardTask = { port: port2, peers: links, scriptControl: this.scriptControl[i], shardId: i, shardCount: info.shardCount, settings: { ...settings }, logLevel: info.logLevel, logFile: info.logFile };
    const transfer: MessagePort[] = [port2];
    if (links !== null) {
      for (const p of links.calls) if (p !== null) transfer.push(p);
      for (const s of links.served) transfer.push(s.port);
    }
    const done = pool.run(task, { transferList: transfer }) as Promise<ShardTaskResult>;
    // A fresh thread has handled nothing: counted from zero (the dead one's messages failed with it).
    this.progress?.reset(i);
    const transport = new WorkerTransport(port1, done, this.progress, i);
    client.transport = transport;
    done.then(
      () => {
        if (!this.closing && client.transport === transport) this.failShard(i, new Error(`shard ${i} exited unexpectedly`));
      },
      (err: Error) => {
        if (client.transport === transport) this.failShard(i, err);
      },
    );
    const ready = new Promise<void>((resolve, reject) => {
      port1.on('message', (msg: ArrayBuffer | ShardMessage) => {
        // A dead thread's last messages (replies it posted before dying) belong to requests already failed.
        if (client.transport !== transport) return;
        if (msg instanceof ArrayBuffer) client.onReplies(msg);
        else if (msg.type === 'events') client.onEvents(msg.events);
        else if (msg.type === 'started') resolve();
      });
      done.catch(reject);
    });
    this.transports[i] = transport;
    client.transport = transport;
    return ready;
  }

  private startInfo: { shardCount: number; settings: ShardSettings; logLevel: string; logFile: string } | null = null;
  /** Shard threads restarted after a crash (INFO). */
  restarts = 0;
  /**
   * Set by the server: restores a restarted shard's data (from the snapshot
   * and the AOF). Without it a crashed shard stops the server.
   */
  onRestart: ((shard: number) => Promise<void>) | null = null;

  /**
   * A shard thread died. Its pending requests fail, new ones are refused
   * (-TRYAGAIN) while a fresh thread starts and its data is restored; the
   * other shards keep serving.
   */
  private failShard(i: number, err: Error): void {
    if (this.closing) return;
    const client = this.clients[i];
    const unavailable = Buffer.from(`-TRYAGAIN shard ${i} is restarting after a failure\r\n`);
    client.unavailable = unavailable;
    const dead = client.transport;
    client.transport = null;
    if (dead !== null) void dead.close().catch(() => undefined);
    client.failAll(unavailable);
    if (this.onRestart === null || this.startInfo === null) {
      this.log.error({ shard: i, err }, 'shard thread failed; its data is lost, shutting down');
      this.onShardFailure(err);
      return;
    }
    this.log.error({ shard: i, err }, 'shard thread failed; restarting it and restoring its data');
    this.restarts++;
    const settings = this.currentSettings ?? this.startInfo.settings;
    void this.startThread(i, settings, this.relink(i))
      .then(async () => {
        await (this.onRestart as (shard: number) => Promise<void>)(i);
        client.unavailable = null;
        this.log.warn({ shard: i }, 'shard restarted and restored');
      })
      .catch((e: Error) => {
        this.log.error({ shard: i, err: e }, 'shard restart failed, shutting down');
        this.onShardFailure(e);
      });
  }

  /** The settings as last broadcast (a restarted shard starts with them). */
  private currentSettings: ShardSettings | null = null;

  private markDirty(client: ShardClient): void {
    this.dirty.push(client);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // setImmediate runs after the poll phase: every socket read of this turn
      // has been framed and routed, so each shard gets one message per turn.
      setImmediate(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    const dirty = this.dirty.splice(0);
    this.replyGate.hold();
    try {
      for (const c of dirty) c.flush();
    } finally {
      this.replyGate.release();
    }
    // An inline shard's background work (a snapshot's slices) runs after the
    // turn's requests and after their replies are on the sockets: a client
    // waits at most for the slice already running when its request came.
    if (!dirty.some((c) => c.hasBackground)) return;
    // The woken writers write from a microtask (each resumes its write task's
    // await): this one is queued after theirs, so it runs once they have written.
    queueMicrotask(() => {
      for (const c of dirty) c.flushBackground();
    });
  };

  /**
   * Held while a flush runs the turn's batches and released after it: the
   * server's write wake-ups (src/server.ts) wake the writers of the replies an
   * inline shard delivered as soon as the batch is done, in this event-loop
   * turn, rather than from an immediate of the next one.
   */
  replyGate: { hold(): void; release(): void } = { hold: () => undefined, release: () => undefined };

  /** Answers a worker shard's script waiting for its PUBLISH's receivers (ShardEvent `publish`). */
  answerPublish(shard: number, receivers: number): void {
    const control = new Int32Array(this.scriptControl[shard], 0, 6);
    Atomics.store(control, 5, receivers);
    Atomics.store(control, 4, 1);
    Atomics.notify(control, 4);
  }

  /** Calls a shard RPC in the background lane (ShardClient.callBackground). */
  callBackground<M extends RpcMethod>(shard: number, method: M, req: RpcRequest<M>): Promise<RpcResult<M>> {
    return this.clients[shard].callBackground(method, req);
  }

  /** Where shard events go (set by the server before any connection exists). */
  set eventHandler(handler: (shard: number, events: ShardEvent[]) => void) {
    for (const c of this.clients) c.eventHandler = handler;
  }

  /** Calls a shard RPC on one shard. */
  call<M extends RpcMethod>(shard: number, method: M, req: RpcRequest<M>, scope?: RpcScope): Promise<RpcResult<M>> {
    return this.clients[shard].call(method, req, scope);
  }

  /** Calls a shard RPC on every shard; the results in shard order. */
  broadcast<M extends RpcMethod>(method: M, req: RpcRequest<M>, scope?: RpcScope): Promise<RpcResult<M>[]> {
    return Promise.all(this.clients.map((c) => c.call(method, req, scope)));
  }

  /** Sends a settings change to every shard (CONFIG SET). */
  broadcastSettings(patch: Partial<ShardSettings>): void {
    if (this.startInfo !== null) this.currentSettings = { ...(this.currentSettings ?? this.startInfo.settings), ...patch };
    // Requests sent before the change (a pipeline's earlier commands, still in
    // this turn's batch) run under the old settings: send them first.
    for (const c of this.clients) c.flush();
    this.inlineHost?.applySettings(patch);
    const msg: ShardControl = { type: 'settings', patch };
    for (const t of this.transports) t.postControl(msg);
  }

  /** The inline shard's reply arena (reply-arena.ts), for INFO; null with worker shards. */
  get replyArena(): ReplyArenaStats | null {
    return this.inlineHost?.arenaStats() ?? null;
  }

  /**
   * Gives shards the RDB file to load from (rdbLoadFile), or takes it back
   * (null): all shards, or the one given (a restarted shard). The file is
   * shared memory, so each shard reads the same bytes without a copy.
   */
  setLoadFile(data: SharedArrayBuffer | null, shard?: number): void {
    // Requests already queued were sent before: they go first, as with settings.
    for (const c of this.clients) c.flush();
    this.inlineHost?.setLoadFile(data);
    const msg: ShardControl = { type: 'loadFile', data };
    this.transports.forEach((t, i) => {
      if (shard === undefined || shard === i) t.postControl(msg);
    });
  }

  inflight(): number {
    let n = 0;
    for (const c of this.clients) n += c.inflight;
    return n;
  }

  async close(): Promise<void> {
    this.closing = true;
    this.flush();
    await Promise.all(this.clients.map((c) => c.close()));
    if (this.pool) await this.pool.destroy();
  }
}
