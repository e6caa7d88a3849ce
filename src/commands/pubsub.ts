/**
 * Pub/Sub commands. They run on the main thread, where the hub
 * (src/pubsub/hub.ts) keeps every subscription: publishing needs no shard.
 */
import type { CoordOp, Coords, TableEntry } from '../coordination/context';
import { buildReply, errorReply, helpReply, integerReply } from '../resp/replies';
import type { Connection } from '../connection';
import type { PubSubHub } from '../pubsub/hub';


/** (P|S)SUBSCRIBE name...: one confirmation per name, from the hub's `join` for that namespace. */
const subscribing =
  (join: (hub: PubSubHub, conn: Connection, name: string) => Buffer): CoordOp =>
  (ctx, args) => {
    const out: Buffer[] = [];
    for (let i = 1; i < args.length; i++) out.push(join(ctx.server.pubsub, ctx.conn, args[i]));
    return Buffer.concat(out);
  };

/** (P|S)UNSUBSCRIBE [name...]: the named ones, or every one without names. */
const unsubscribing =
  (leave: (hub: PubSubHub, conn: Connection, names: string[] | null) => Buffer[]): CoordOp =>
  (ctx, args) =>
    Buffer.concat(leave(ctx.server.pubsub, ctx.conn, args.length > 1 ? args.slice(1) : null));

const subscribe = subscribing((hub, conn, name) => hub.subscribe(conn, name));
const psubscribe = subscribing((hub, conn, name) => hub.psubscribe(conn, name));
const ssubscribe = subscribing((hub, conn, name) => hub.ssubscribe(conn, name));
const unsubscribe = unsubscribing((hub, conn, names) => hub.unsubscribe(conn, names));
const punsubscribe = unsubscribing((hub, conn, names) => hub.punsubscribe(conn, names));
const sunsubscribe = unsubscribing((hub, conn, names) => hub.sunsubscribe(conn, names));

// In cluster mode every node's subscribers hear a PUBLISH (the bus carries it); the count is this node's.
const publish: CoordOp = (ctx, args) => {
  ctx.server.cluster?.propagatePublish(args[1], args[2], false);
  return integerReply(ctx.server.pubsub.publish(args[1], args[2]));
};

const spublish: CoordOp = (ctx, args) => {
  ctx.server.cluster?.propagatePublish(args[1], args[2], true);
  return integerReply(ctx.server.pubsub.spublish(args[1], args[2]));
};

/** PUBSUB CHANNELS / SHARDCHANNELS [pattern]: the active names, optionally matching a glob. */
function listActive(active: (hub: PubSubHub, pattern: string | null) => string[]): CoordOp {
  return (ctx, args) => {
    if (args.length > 3) return errorReply(`ERR unknown subcommand or wrong number of arguments for '${args[1]}'. Try PUBSUB HELP.`);
    const names = active(ctx.server.pubsub, args.length === 3 ? args[2] : null);
    return buildReply(ctx, (w) => {
      w.array(names.length);
      for (const n of names) w.bulk(n);
    });
  };
}

/** PUBSUB NUMSUB / SHARDNUMSUB [channel ...]: a flat array in RESP2 and RESP3 alike (Redis 7.0 sends no map here). */
function countSubscribers(count: (hub: PubSubHub, channel: string) => number): CoordOp {
  return (ctx, args) =>
    buildReply(ctx, (w) => {
      w.array((args.length - 2) * 2);
      for (let i = 2; i < args.length; i++) {
        const ch = args[i];
        w.bulk(ch);
        w.integer(count(ctx.server.pubsub, ch));
      }
    });
}

const pubsubChannels = listActive((hub, pattern) => hub.activeChannels(pattern));
const pubsubShardchannels = listActive((hub, pattern) => hub.activeShardChannels(pattern));
const pubsubNumsub = countSubscribers((hub, ch) => hub.numsub(ch));
const pubsubShardnumsub = countSubscribers((hub, ch) => hub.shardNumsub(ch));

const pubsubNumpat: CoordOp = (ctx) => integerReply(ctx.server.pubsub.patternCount);

const PUBSUB_HELP = [
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
];

const pubsubHelp: CoordOp = () => helpReply('PUBSUB', PUBSUB_HELP);

export const pubsubCoords: Coords = {
  subscribe: subscribe,
  unsubscribe: unsubscribe,
  psubscribe: psubscribe,
  punsubscribe: punsubscribe,
  publish: publish,
  ssubscribe: ssubscribe,
  sunsubscribe: sunsubscribe,
  spublish: spublish,
  'pubsub|channels': pubsubChannels,
  'pubsub|numsub': pubsubNumsub,
  'pubsub|shardchannels': pubsubShardchannels,
  'pubsub|shardnumsub': pubsubShardnumsub,
  'pubsub|numpat': pubsubNumpat,
  'pubsub|help': pubsubHelp,
};

/** Commands a subscribed RESP2 connection may still send (Redis's list, plus the shard variants' names). */
const ALLOWED_WHEN_SUBSCRIBED = new Set(['subscribe', 'unsubscribe', 'psubscribe', 'punsubscribe', 'ssubscribe', 'sunsubscribe', 'ping', 'quit', 'reset']);

/**
 * The RESP2 rule: a subscribed connection only takes a few commands. Returns
 * Redis's error text for anything else, or null. (RESP3 connections may mix
 * commands and pushes freely.)
 */
export function subscribedContextError(conn: Connection, entry: TableEntry): string | null {
  if (conn.proto !== 2 || !conn.subscribed) return null;
  const top = entry.parent === undefined ? entry.spec.name : entry.parent.spec.name;
  if (ALLOWED_WHEN_SUBSCRIBED.has(top)) return null;
  return `ERR Can't execute '${entry.fullName}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`;
}
