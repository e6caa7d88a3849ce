/**
 * Keyspace notifications, main-thread side: shards queue `keyspace` events
 * (op bodies call ctx.notify where Redis calls notifyKeyspaceEvent; expiries
 * come from Db.onExpired) and send them just before the replies of the batch that produced
 * them; here they become ordinary PUBLISHes to
 * `__keyspace@<db>__:<key>` (message: the event) and
 * `__keyevent@<db>__:<event>` (message: the key), per the K and E flags.
 */
import type { Server } from '../server';
import { NOTIFY } from '../../workers/notify';

/** The current notify-keyspace-events flags. */
function currentFlags(server: Server): number {
  return server.config.notifyFlags();
}

function publishEvent(server: Server, flags: number, db: number, event: string, key: string): void {
  if (!server.pubsub.hasListeners()) return;
  if ((flags & NOTIFY.keyspace) !== 0) server.pubsub.publish(`__keyspace@${db}__:${key}`, event);
  if ((flags & NOTIFY.keyevent) !== 0) server.pubsub.publish(`__keyevent@${db}__:${event}`, key);
}

export function setupKeyspaceNotifications(server: Server): void {
  // Shards filtered by class already; events queued before a CONFIG SET turned K/E off still arrive: the current flags decide.
  server.shardEvents.keyspace = (_shard, ev) => publishEvent(server, currentFlags(server), ev.db, ev.event, ev.key);
}

/**
 * A notification raised on the main thread, by a cross-shard coordinator
 * whose shard steps are internal ops that notify nothing (RENAME, COPY and
 * SORT STORE across shards). `cls` is a NOTIFY class bit.
 */
export function notifyKeyspaceEvent(server: Server, cls: number, event: string, key: string | Buffer, db: number): void {
  const flags = currentFlags(server);
  if ((flags & cls) === 0) return;
  publishEvent(server, flags, db, event, typeof key === 'string' ? key : key.latin1Slice(0, key.length));
}
