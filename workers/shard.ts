/**
 * Shard worker entry. piscina runs this once per shard as a long-lived task:
 * the task owns a MessagePort to the main thread and lives until the main
 * thread sends `shutdown`. Batches arrive as transferred ArrayBuffers and the
 * replies go back the same way, one message per batch.
 */
import pino from 'pino';
import { ShardEngine } from './engine';
import { PeerCaller } from './scripting/peers';
import { ShardProgress } from '../src/core/shard-progress';
import { servePeer, servePeers } from './rpc/peers';
import type { ShardControl, ShardEvent, ShardMessage, ShardTask, ShardTaskResult } from '../src/core/shard-protocol';

export default function runShard(task: ShardTask): Promise<ShardTaskResult> {
  // Sync destination: async pino destinations interleave lines across threads (logfile: appended, same rule).
  const dest = task.logFile === '' ? pino.destination({ dest: 1, sync: true }) : pino.destination({ dest: task.logFile, append: true, sync: true });
  const log = pino({ level: task.logLevel, base: { shard: task.shardId } }, dest);
  const engine = new ShardEngine(task.shardId, task.shardCount, task.settings);
  const port = task.port;
  const postEvents = (events: ShardEvent[]): void => {
    const msg: ShardMessage = { type: 'events', events };
    port.postMessage(msg);
  };
  engine.onEvents = postEvents;
  engine.scripts.shareControl(task.scriptControl);
  const flushEvents = (): void => {
    const events = engine.takeEvents();
    if (events !== null) postEvents(events);
  };
  if (task.peers !== null) {
    engine.state.peers = engine.scripts.peers = new PeerCaller(task.peers);
    servePeers(task.peers, engine.state, flushEvents);
  }
  // A script's PUBLISH: the main thread delivers it and answers the receivers' count, which the script waits for.
  const control = new Int32Array(task.scriptControl);
  engine.state.publish = (channel, message, sharded) => {
    Atomics.store(control, 4, 0);
    postEvents([{ type: 'publish', channel, message, sharded, answer: true }]);
    // A main thread that cannot answer (shutting down) leaves the count at 0 rather than the script stuck.
    Atomics.wait(control, 4, 0, 5000);
    return Atomics.load(control, 4) === 1 ? Atomics.load(control, 5) : 0;
  };
  engine.start();
  log.debug('shard started');
  // Counted for other shards' script calls, which wait for what the main thread sent here first.
  const progress = task.peers === null ? null : new ShardProgress(task.peers.progress);
  return new Promise((resolve) => {
    const handle = (msg: ArrayBuffer | ShardControl): void => {
      if (msg instanceof ArrayBuffer) {
        const out = engine.processBatch(msg);
        // A batch's events go BEFORE its replies, on the same port: the main
        // thread has published a command's keyspace notifications (and
        // retried its waiters) before the client can see the reply and send
        // its next command to another shard. Replies first let a later
        // command's notifications, from another shard, overtake them.
        const events = engine.takeEvents();
        if (events !== null) postEvents(events);
        port.postMessage(out, [out]);
        return;
      }
      if (msg.type === 'settings') {
        engine.applySettings(msg.patch);
      } else if (msg.type === 'peerLink' && task.peers !== null) {
        // A restarted peer: its old ports died with it; the PeerCaller reads `calls` on every call.
        const peers = task.peers;
        peers.calls[msg.peer]?.close();
        peers.calls[msg.peer] = msg.call;
        const old = peers.served.findIndex((s) => s.from === msg.peer);
        if (old !== -1) peers.served.splice(old, 1)[0].port.close();
        const link = { from: msg.peer, port: msg.served, signal: msg.signal };
        peers.served.push(link);
        servePeer(link, engine.state, flushEvents);
      } else if (msg.type === 'loadFile') {
        engine.state.loadFile = msg.data === null ? null : Buffer.from(msg.data);
      } else if (msg.type === 'shutdown') {
        engine.stop();
        for (const link of task.peers?.served ?? []) link.port.close();
        for (const p of task.peers?.calls ?? []) p?.close();
        port.off('message', onMessage);
        port.close();
        log.debug('shard stopped');
        resolve({ shardId: task.shardId, commands: engine.state.stats.commands });
      }
    };
    const onMessage = (msg: ArrayBuffer | ShardControl): void => {
      try {
        handle(msg);
      } finally {
        progress?.handled(task.shardId);
      }
    };
    port.on('message', onMessage);
    // Tell the main thread this shard can take requests, so the server only
    // announces itself ready once every shard is (no slow first command).
    const ready: ShardMessage = { type: 'started', shardId: task.shardId };
    port.postMessage(ready);
  });
}
