/**
 * Calls from a running script to other shards. A script runs synchronously
 * in one shard thread; when it reaches a key another shard owns, it posts
 * the command on its port to that shard and sleeps in Atomics.wait until the
 * other shard has run it and posted the reply (taken with
 * receiveMessageOnPort). On a server with two or more shards every script
 * runs under the main thread's shard lock (src/coordination/scripts.ts), so
 * the other shards take no other work meanwhile and at most one script makes
 * such calls at a time: nothing interleaves, and no two shards wait on each
 * other. What the main thread sent a shard before the lock was taken may
 * still be queued there, on another port: a call first waits until that
 * shard has handled it (src/core/shard-progress.ts).
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { PeerLinks, RpcCall, RpcOutcome } from '../../src/core/shard-protocol';
import { ShardProgress } from '../../src/core/shard-progress';

/** A client command (answered with its RESP reply, latin1) or a shard RPC (answered with its outcome). */
export type PeerRequest =
  | { kind: 'cmd'; op: number; db: number; resp: 2 | 3; connId: number; args: string[] }
  | { kind: 'rpc'; db: number; resp: 2 | 3; connId: number; call: RpcCall };

/** How long a call waits for a shard that does not answer before it fails. */
const PEER_TIMEOUT_MS = 60_000;

export class PeerCaller {
  private readonly signal: Int32Array;
  private readonly progress: ShardProgress;
  constructor(private readonly links: PeerLinks) {
    this.signal = new Int32Array(links.signal);
    this.progress = new ShardProgress(links.progress);
  }

  /** Runs a command in shard `target`; its RESP reply (latin1). */
  command(target: number, req: Extract<PeerRequest, { kind: 'cmd' }>): string {
    return this.call(target, req) as string;
  }

  /** Runs a shard RPC in shard `target`. */
  rpc(target: number, req: Extract<PeerRequest, { kind: 'rpc' }>): RpcOutcome {
    return this.call(target, req) as RpcOutcome;
  }

  private call(target: number, req: PeerRequest): unknown {
    const port = this.links.calls[target] as MessagePort;
    const deadline = Date.now() + PEER_TIMEOUT_MS;
    // Commands dispatched before the script go first, though they came on another port.
    if (!this.progress.waitCaughtUp(target, deadline)) throw new Error(`shard ${target} did not catch up with its queue for a script's call`);
    Atomics.store(this.signal, target, 0);
    port.postMessage(req);
    while (Atomics.load(this.signal, target) === 0) {
      if (Date.now() > deadline) throw new Error(`shard ${target} did not answer a script's call`);
      Atomics.wait(this.signal, target, 0, 1000);
    }
    const msg = receiveMessageOnPort(port);
    if (msg === undefined) throw new Error(`shard ${target} signalled without an answer`);
    return msg.message;
  }
}


