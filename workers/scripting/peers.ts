/**
 * Calls from a running script to other shards. A script runs synchronously
 * in one shard thread; when it reaches a key another shard owns, it posts
 * the command on its port to that shard and sleeps in Atomics.wait until the
 * other shard has run it and posted the reply (taken with
 * receiveMessageOnPort). On a server with two or more shards every script
 * runs under the main thread's shard lock (src/coordination/scripts.ts), so
 * the other shards take no other work meanwhile and at most one script makes
 * such calls at a time: nothing interleaves, and no two shards wait on each
 * other.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { PeerLinks } from '../../src/core/shard-protocol';
import { ReplyWriter } from '../../src/core/wire/reply-writer';
import type { ShardOpContext } from '../op-context';
import type { ShardState } from '../shard-state';
import { runCommand } from '../run-command';

export interface PeerRequest {
  op: number;
  db: number;
  resp: 2 | 3;
  connId: number;
  args: string[];
}

/** How long a call waits for a shard that does not answer before it fails. */
const PEER_TIMEOUT_MS = 60_000;

export class PeerCaller {
  private readonly signal: Int32Array;
  constructor(private readonly links: PeerLinks) {
    this.signal = new Int32Array(links.signal);
  }

  /** Runs a command in shard `target`; its RESP reply (latin1). */
  call(target: number, req: PeerRequest): string {
    const port = this.links.calls[target] as MessagePort;
    Atomics.store(this.signal, target, 0);
    port.postMessage(req);
    const deadline = Date.now() + PEER_TIMEOUT_MS;
    while (Atomics.load(this.signal, target) === 0) {
      if (Date.now() > deadline) throw new Error(`shard ${target} did not answer a script's call`);
      Atomics.wait(this.signal, target, 0, 1000);
    }
    const msg = receiveMessageOnPort(port);
    if (msg === undefined) throw new Error(`shard ${target} signalled without an answer`);
    return msg.message as string;
  }
}

/** Serves other shards' script calls in this shard; `flushEvents` sends what the commands raised. */
export function servePeers(links: PeerLinks, shard: ShardState, flushEvents: () => void): void {
  const w = new ReplyWriter(4096);
  for (const link of links.served) {
    const signal = new Int32Array(link.signal);
    link.port.on('message', (req: PeerRequest) => {
      const ctx: ShardOpContext = {
        shard,
        db: shard.db(req.db),
        dbIndex: req.db,
        connId: req.connId,
        proto: req.resp,
        now: Date.now(),
        notify(cls, event, key) {
          if ((shard.settings.notifyFlags & cls) !== 0) shard.notify(cls, event, key, req.db);
        },
      };
      w.reset();
      w.proto = req.resp;
      runCommand(ctx, req.op, req.args, w);
      const reply = w.buf.toString('latin1', 0, w.len);
      // Events first, as after a batch: the main thread learns of the writes before the script's reply.
      flushEvents();
      link.port.postMessage(reply);
      Atomics.store(signal, shard.id, 1);
      Atomics.notify(signal, shard.id);
    });
  }
}
