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
 * `--workers 0` runs one shard engine inline on the main thread; it takes the
 * turn's requests unencoded (src/shard/call-batch.ts), so it pays neither
 * the thread hop nor the batch encoding.
 */
import path from 'node:path';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Logger } from 'pino';
import { ShardEngine } from '../../workers/engine';
import type { ShardSettings } from '../../workers/shard-state';
import type { ShardControl, ShardMessage, ShardTask, ShardTaskResult } from '../../workers/shard';
import type { ShardEvent } from '../../workers/key-signals';
import { ShardClient, type InlineShard, type ShardTransport } from './shard-client';
import type { CallBatch } from './call-batch';
import { ReplyWriter } from '../resp/reply-writer';
import { keyHashSlot, keyHashSlotOfString, slotToShard } from '../routing/slot';

const SHARD_START_TIMEOUT_MS = 30_000;
const SHARD_MODULE = path.join(__dirname, '..', '..', 'workers', 'shard.js');

/**
 * The `--workers 0` shard: its engine runs each turn's requests as they are
 * (no encoded batch) and writes the replies into one arena, whose regions the
 * connections write out as views: neither requests nor replies are copied.
 */
class InlineEngineHost implements InlineShard {
  private readonly arena = new ReplyWriter(64 * 1024);
  constructor(
    private readonly engine: ShardEngine,
    private readonly client: ShardClient,
  ) {}
  run(calls: CallBatch): void {
    this.engine.runCalls(calls, this.arena);
    // Events before replies, as worker shards send them (workers/shard.ts).
    const events = this.engine.takeEvents();
    if (events !== null) this.client.onEvents(events);
    for (let i = 0; i < calls.count; i++) {
      const p = calls.pendings[i];
      p.sink.deliver(p);
    }
  }
  async close(): Promise<void> {
    this.engine.stop();
  }
}

class WorkerTransport implements ShardTransport {
  constructor(
    private readonly port: import('node:worker_threads').MessagePort,
    private readonly done: Promise<ShardTaskResult>,
  ) {}
  post(batch: ArrayBuffer): void {
    this.port.postMessage(batch, [batch]);
  }
  postControl(msg: ShardControl): void {
    this.port.postMessage(msg);
  }
  async close(): Promise<void> {
    const msg: ShardControl = { type: 'shutdown' };
    this.port.postMessage(msg);
    await this.done.catch(() => undefined);
    this.port.close();
  }
}

export class ShardSet {
  readonly clients: ShardClient[] = [];
  private readonly dirty: ShardClient[] = [];
  private flushScheduled = false;
  private pool: Piscina | null = null;
  private readonly inlineEngines: ShardEngine[] = [];
  private closing = false;

  private constructor(
    /** Number of shard threads; 0 means one inline shard. */
    readonly workers: number,
    private readonly log: Logger,
    /** Called once if a shard thread dies: the server cannot go on without its data. */
    private readonly onShardFailure: (err: Error) => void,
  ) {}

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
  ): Promise<ShardSet> {
    const set = new ShardSet(workers, log, onShardFailure);
    const shardCount = Math.max(1, workers);
    for (let i = 0; i < shardCount; i++) {
      const client = new ShardClient(i, () => set.markDirty(client));
      set.clients.push(client);
    }
    if (workers === 0) {
      const engine = new ShardEngine(0, 1, { ...settings });
      engine.onEvents = (events) => set.clients[0].onEvents(events);
      engine.start();
      set.inlineEngines.push(engine);
      set.clients[0].attachInline(new InlineEngineHost(engine, set.clients[0]));
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
    const readiness: Promise<void>[] = [];
    for (let i = 0; i < shardCount; i++) {
      const client = set.clients[i];
      const { port1, port2 } = new MessageChannel();
      const task: ShardTask = { port: port2, shardId: i, shardCount, settings: { ...settings }, logLevel };
      const done = set.pool.run(task, { transferList: [port2] }) as Promise<ShardTaskResult>;
      done.then(
        () => {
          if (!set.closing) set.failShard(i, new Error(`shard ${i} exited unexpectedly`));
        },
        (err: Error) => set.failShard(i, err),
      );
      const ready = new Promise<void>((resolve, reject) => {
        port1.on('message', (msg: ArrayBuffer | ShardMessage) => {
          if (msg instanceof ArrayBuffer) client.onReplies(msg);
          else if (msg.type === 'events') client.onEvents(msg.events);
          else if (msg.type === 'started') resolve();
        });
        done.catch(reject);
      });
      readiness.push(ready);
      client.transport = new WorkerTransport(port1, done);
    }
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

  private failShard(i: number, err: Error): void {
    if (this.closing) return;
    this.log.error({ shard: i, err }, 'shard thread failed; its data is lost, shutting down');
    this.clients[i].failAll(Buffer.from('-ERR shard unavailable\r\n'));
    this.onShardFailure(err);
  }

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
    for (const c of dirty) c.flush();
  };

  /** Where shard events go (set by the server before any connection exists). */
  set eventHandler(handler: (shard: number, events: ShardEvent[]) => void) {
    for (const c of this.clients) c.eventHandler = handler;
  }

  shardOfKey(key: Buffer | string): number {
    const n = this.clients.length;
    if (n === 1) return 0;
    return slotToShard(typeof key === 'string' ? keyHashSlotOfString(key) : keyHashSlot(key), n);
  }

  /** Sends a settings change to every shard (CONFIG SET). */
  broadcastSettings(patch: Partial<ShardSettings>): void {
    for (const e of this.inlineEngines) e.applySettings(patch);
    if (this.pool) {
      const msg: ShardControl = { type: 'settings', patch };
      for (const c of this.clients) (c.transport as WorkerTransport).postControl(msg);
    }
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
