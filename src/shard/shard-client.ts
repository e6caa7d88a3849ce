/**
 * The main thread's handle on one shard: it accumulates the turn's requests
 * into one batch, sends the batch when the router flushes, and hands each
 * reply to whoever waits for it. Replies come back in request order, so a
 * plain FIFO of pending replies matches them up.
 */
import { RequestBatchBuilder, splitReplies } from './batch';

/** Receives a reply once its bytes arrive. */
export interface ReplySink {
  deliver(p: PendingReply): void;
}

/** One request's place in line. `data` is filled with the RESP reply bytes. */
export class PendingReply {
  data: Buffer | null = null;
  constructor(readonly sink: ReplySink) {}
}

/** How a batch reaches the shard: a worker's MessagePort, or an engine called inline. */
export interface ShardTransport {
  post(batch: ArrayBuffer): void;
  close(): Promise<void>;
}

class PromiseSink implements ReplySink {
  constructor(private readonly resolve: (b: Buffer) => void) {}
  deliver(p: PendingReply): void {
    this.resolve(p.data as Buffer);
  }
}

export class ShardClient {
  private readonly builder = new RequestBatchBuilder();
  private queue: PendingReply[] = [];
  private head = 0;
  transport: ShardTransport | null = null;

  constructor(
    readonly id: number,
    /** Called when this client has its first request of the turn, so the router schedules a flush. */
    private readonly wantFlush: () => void,
  ) {}

  /** Requests sent or queued whose reply has not arrived yet. */
  get inflight(): number {
    return this.queue.length - this.head;
  }

  /** Queues one command; `args[from..]` are the arguments after the name (or subcommand). */
  send(opIndex: number, db: number, proto: number, connId: number, args: readonly (Buffer | string)[], from: number, pending: PendingReply): void {
    if (this.builder.count === 0) this.wantFlush();
    this.builder.add(opIndex, db, proto, connId, args, from);
    this.queue.push(pending);
  }

  /** Queues one command and resolves with its raw reply (for coordinators). */
  request(opIndex: number, db: number, proto: number, args: readonly (Buffer | string)[], from: number): Promise<Buffer> {
    return new Promise((resolve) => {
      this.send(opIndex, db, proto, 0, args, from, new PendingReply(new PromiseSink(resolve)));
    });
  }

  flush(): void {
    if (this.builder.count === 0 || this.transport === null) return;
    this.transport.post(this.builder.take());
  }

  onReplies(batch: ArrayBuffer): void {
    splitReplies(batch, (reply) => {
      const p = this.queue[this.head];
      this.queue[this.head++] = undefined as unknown as PendingReply; // let it be collected
      p.data = reply;
      p.sink.deliver(p);
    });
    if (this.head === this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Fails every request still waiting (the shard is gone). */
  failAll(reply: Buffer): void {
    while (this.head < this.queue.length) {
      const p = this.queue[this.head++];
      p.data = reply;
      p.sink.deliver(p);
    }
    this.queue = [];
    this.head = 0;
  }
}
