/**
 * Keyspace notifications, main-thread side: shards queue `keyspace` events
 * (op bodies call ctx.notify where Redis calls notifyKeyspaceEvent; expiries
 * come from Db.onExpired) and send them just before the replies of the batch that produced
 * them; here they become ordinary PUBLISHes to
 * `__keyspace@<db>__:<key>` (message: the event) and
 * `__keyevent@<db>__:<event>` (message: the key), per the K and E flags.
 */
import type { Server } from '../server';
import { NOTIFY, parseNotifyFlags } from '../../workers/notify';

export function setupKeyspaceNotifications(server: Server): void {
  let raw: string | null = null;
  let flags = 0;
  server.shardEvents.keyspace = (_shard, ev) => {
    // Events queued before a CONFIG SET turned K/E off still arrive: the current flags decide.
    const value = server.config.get('notify-keyspace-events') as string;
    if (value !== raw) {
      raw = value;
      flags = parseNotifyFlags(value);
    }
    if (!server.pubsub.hasListeners()) return;
    if ((flags & NOTIFY.keyspace) !== 0) server.pubsub.publish(`__keyspace@${ev.db}__:${ev.key}`, ev.event);
    if ((flags & NOTIFY.keyevent) !== 0) server.pubsub.publish(`__keyevent@${ev.db}__:${ev.event}`, ev.key);
  };
}
