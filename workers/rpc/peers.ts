/**
 * The serving side of scripts' calls to other shards (workers/scripting/peers.ts):
 * client commands through runCommand, shard RPCs (a cross-shard command's
 * key transfers and scratch run) through runRpc.
 */
import { NOTIFY } from '../../src/core/notify';
import type { PeerLinks } from '../../src/core/shard-protocol';
import { ReplyWriter } from '../../src/core/wire/reply-writer';
import type { ShardOpContext } from '../op-context';
import type { ShardState } from '../shard-state';
import { runCommand } from '../run-command';
import type { PeerRequest } from '../scripting/peers';
import { runRpc } from './index';

/** Serves other shards' script calls in this shard; `flushEvents` sends what the commands raised. */
export function servePeers(links: PeerLinks, shard: ShardState, flushEvents: () => void): void {
  const w = new ReplyWriter(4096);
  for (const link of links.served) servePeer(link, shard, flushEvents, w);
}

/** Serves one other shard's calls (at start, or the new link of a shard restarted after a crash). */
export function servePeer(link: PeerLinks['served'][number], shard: ShardState, flushEvents: () => void, w = new ReplyWriter(4096)): void {
  const signal = new Int32Array(link.signal);
  link.port.on('message', (req: PeerRequest) => {
    const ctx: ShardOpContext = {
      shard,
      db: shard.db(req.db),
      dbIndex: req.db,
      connId: req.connId,
      proto: req.resp,
      now: Date.now(),
      notify(cls, event, key, changes = 1) {
        shard.opChanged(cls, event, key, req.db, req.connId, changes);
      },
    };
    let reply: unknown;
    if (req.kind === 'rpc') {
      reply = runRpc(ctx, req.call);
    } else {
      w.reset();
      w.proto = req.resp;
      runCommand(ctx, req.op, req.args, w);
      reply = w.buf.toString('latin1', 0, w.len);
    }
    // Events first, as after a batch: the main thread learns of the writes before the script's reply.
    flushEvents();
    link.port.postMessage(reply);
    Atomics.store(signal, shard.id, 1);
    Atomics.notify(signal, shard.id);
  });
}
