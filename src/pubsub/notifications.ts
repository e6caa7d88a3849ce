/**
 * Keyspace notifications, main-thread side: shards queue `keyspace` events
 * (op bodies call ctx.notify where Redis calls notifyKeyspaceEvent; expiries
 * come from Db.onExpired) and send them just before the replies of the batch
 * that produced them; here they become ordinary PUBLISHes to
 * `__keyspace@<db>__:<key>` (message: the event) and
 * `__keyevent@<db>__:<event>` (message: the key), per the K and E flags.
 */
import type { KeyspaceEvent } from '../core/shard-protocol';
import { NOTIFY } from '../core/notify';
import type { PubSubHub } from './hub';

/** Where notifications go, and the notify-keyspace-events flags now (src/core/notify.ts). */
export interface NotificationTarget {
  readonly pubsub: PubSubHub;
  readonly config: { notifyFlags(): number };
}

function publishEvent(to: NotificationTarget, flags: number, db: number, event: string, key: string): void {
  if (!to.pubsub.hasListeners()) return;
  if ((flags & NOTIFY.keyspace) !== 0) to.pubsub.publish(`__keyspace@${db}__:${key}`, event);
  if ((flags & NOTIFY.keyevent) !== 0) to.pubsub.publish(`__keyevent@${db}__:${event}`, key);
}

/**
 * Publishes an event a shard raised (it filtered by class already). Events
 * queued before a CONFIG SET turned K/E off still arrive: the current flags decide.
 */
export function publishKeyspaceEvent(to: NotificationTarget, ev: KeyspaceEvent): void {
  publishEvent(to, to.config.notifyFlags(), ev.db, ev.event, ev.key);
}

/**
 * A notification raised on the main thread, by a cross-shard coordinator
 * whose shard steps are RPCs that notify nothing (COPY and SORT STORE across
 * shards). `cls` is a NOTIFY class bit.
 */
export function notifyKeyspaceEvent(to: NotificationTarget, cls: number, event: string, key: string, db: number): void {
  const flags = to.config.notifyFlags();
  if ((flags & cls) === 0) return;
  publishEvent(to, flags, db, event, key);
}
