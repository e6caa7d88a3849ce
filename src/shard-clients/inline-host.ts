/**
 * The `--workers 0` shard: a shard engine running on the main thread.
 *
 * This is the one place where the main thread reaches shard code
 * (workers/engine.ts): everything else on the main thread talks to shards
 * through ShardClient, which does not know whether the engine behind it runs
 * here or in a worker thread. The layering test (test/layering.test.ts)
 * allows this import and no other.
 *
 * The engine runs each turn's requests as they are (no encoded batch) and
 * writes the replies into one arena, whose regions the connections write out
 * as views: neither requests nor replies are copied (reply-arena.ts).
 */
import { ShardEngine } from '../../workers/engine';
import { ReplyArena, type ReplyArenaStats } from './reply-arena';
import type { CallBatch } from '../core/wire/call-batch';
import type { ShardSettings } from '../core/shard-protocol';
import type { InlineShard, PendingReply, ShardClient } from './shard-client';

export class InlineEngineHost implements InlineShard {
  private readonly arena = new ReplyArena(64 * 1024);
  private readonly engine: ShardEngine;

  constructor(
    private readonly client: ShardClient,
    settings: ShardSettings,
  ) {
    this.engine = new ShardEngine(0, 1, { ...settings });
    this.engine.onEvents = (events) => client.onEvents(events);
    // A script's PUBLISH: delivered with the batch's events (in order), its receivers counted now (same thread).
    this.engine.state.publish = (channel, message, sharded) => {
      this.engine.state.signals.outbox.push({ type: 'publish', channel, message, sharded, answer: false });
      return client.publishReceivers?.(channel, sharded) ?? 0;
    };
    this.engine.start();
  }

  run(calls: CallBatch<PendingReply>): void {
    this.engine.runCalls(calls, this.arena);
    this.arena.lease(calls.pendings, calls.count);
    // Events before replies, as worker shards send them (workers/shard.ts).
    const events = this.engine.takeEvents();
    if (events !== null) this.client.onEvents(events);
    for (let i = 0; i < calls.count; i++) {
      const p = calls.pendings[i];
      p.sink.deliver(p);
    }
  }

  /** Gives the shard the RDB file it loads from (ShardControl loadFile), or takes it back. */
  setLoadFile(data: SharedArrayBuffer | null): void {
    this.engine.state.loadFile = data === null ? null : Buffer.from(data);
  }

  /** The arena itself: it keeps the counters INFO reads. */
  arenaStats(): ReplyArenaStats {
    return this.arena;
  }

  applySettings(patch: Partial<ShardSettings>): void {
    this.engine.applySettings(patch);
  }

  async close(): Promise<void> {
    this.arena.close();
    this.engine.stop();
  }
}
