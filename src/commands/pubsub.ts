/**
 * Pub/Sub commands. They run on the main thread, where the hub
 * (src/pubsub/hub.ts) keeps every subscription: publishing needs no shard.
 */
import type { CommandSpec, CoordOp } from './spec';
import { buildReply, errorReply, integerReply } from './coord-context';
import { helpReply } from './introspection';
import type { Connection } from '../connection';
import type { TableEntry } from './table';
import type { PubSubHub } from '../pubsub/hub';

const str = (b: Buffer): string => b.latin1Slice(0, b.length);

/** (P|S)SUBSCRIBE name...: one confirmation per name, from the hub's `join` for that namespace. */
const subscribing =
  (join: (hub: PubSubHub, conn: Connection, name: string) => Buffer): CoordOp =>
  (ctx, args) => {
    const out: Buffer[] = [];
    for (let i = 1; i < args.length; i++) out.push(join(ctx.server.pubsub, ctx.conn, str(args[i])));
    return Buffer.concat(out);
  };

/** (P|S)UNSUBSCRIBE [name...]: the named ones, or every one without names. */
const unsubscribing =
  (leave: (hub: PubSubHub, conn: Connection, names: string[] | null) => Buffer[]): CoordOp =>
  (ctx, args) =>
    Buffer.concat(leave(ctx.server.pubsub, ctx.conn, args.length > 1 ? args.slice(1).map(str) : null));

const subscribe = subscribing((hub, conn, name) => hub.subscribe(conn, name));
const psubscribe = subscribing((hub, conn, name) => hub.psubscribe(conn, name));
const ssubscribe = subscribing((hub, conn, name) => hub.ssubscribe(conn, name));
const unsubscribe = unsubscribing((hub, conn, names) => hub.unsubscribe(conn, names));
const punsubscribe = unsubscribing((hub, conn, names) => hub.punsubscribe(conn, names));
const sunsubscribe = unsubscribing((hub, conn, names) => hub.sunsubscribe(conn, names));

const publish: CoordOp = (ctx, args) => integerReply(ctx.server.pubsub.publish(str(args[1]), str(args[2])));

const spublish: CoordOp = (ctx, args) => integerReply(ctx.server.pubsub.spublish(str(args[1]), str(args[2])));

/** PUBSUB CHANNELS / SHARDCHANNELS [pattern]: the active names, optionally matching a glob. */
function listActive(active: (hub: PubSubHub, pattern: string | null) => string[]): CoordOp {
  return (ctx, args) => {
    if (args.length > 3) return errorReply(`ERR unknown subcommand or wrong number of arguments for '${str(args[1])}'. Try PUBSUB HELP.`);
    const names = active(ctx.server.pubsub, args.length === 3 ? str(args[2]) : null);
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
        const ch = str(args[i]);
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

const SUB_FLAGS: CommandSpec['flags'] = ['pubsub', 'noscript', 'loading', 'stale'];

const row = (name: string, arity: number, flags: CommandSpec['flags'], since: string, summary: string, complexity: string, coord: CoordOp, syntax?: string): CommandSpec => ({
  name, arity, flags, firstKey: 0, lastKey: 0, step: 0, group: 'pubsub', since, summary, complexity, syntax, coord,
});

export const pubsubCommands: CommandSpec[] = [
  row('subscribe', -2, SUB_FLAGS, '2.0.0', 'Listens for messages published to channels.', 'O(N) where N is the number of channels to subscribe to.', subscribe, 'channel [channel ...]'),
  row('unsubscribe', -1, SUB_FLAGS, '2.0.0', 'Stops listening to messages posted to channels.', 'O(N) where N is the number of channels to unsubscribe.', unsubscribe, '[channel [channel ...]]'),
  row('psubscribe', -2, SUB_FLAGS, '2.0.0', 'Listens for messages published to channels that match patterns.', 'O(N) where N is the number of patterns to subscribe to.', psubscribe, 'pattern [pattern ...]'),
  row('punsubscribe', -1, SUB_FLAGS, '2.0.0', 'Stops listening to messages published to channels that match patterns.', 'O(N) where N is the number of patterns to unsubscribe.', punsubscribe, '[pattern [pattern ...]]'),
  row(
    'publish', 3, ['pubsub', 'loading', 'stale', 'fast'], '2.0.0', 'Posts a message to a channel.',
    'O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).',
    publish, 'channel message',
  ),
  // Shard channels: their channel argument is declared as a key (cluster routing), as Redis's COMMAND INFO shows.
  {
    ...row('ssubscribe', -2, SUB_FLAGS, '7.0.0', 'Listens for messages published to shard channels.', 'O(N) where N is the number of shard channels to subscribe to.', ssubscribe, 'shardchannel [shardchannel ...]'),
    firstKey: 1, lastKey: -1, step: 1,
  },
  {
    ...row('sunsubscribe', -1, SUB_FLAGS, '7.0.0', 'Stops listening to messages posted to shard channels.', 'O(N) where N is the number of shard channels to unsubscribe.', sunsubscribe, '[shardchannel [shardchannel ...]]'),
    firstKey: 1, lastKey: -1, step: 1,
  },
  {
    ...row('spublish', 3, ['pubsub', 'loading', 'stale', 'fast'], '7.0.0', 'Posts a message to a shard channel.',
      'O(N) where N is the number of clients subscribed to the receiving shard channel.', spublish, 'shardchannel message'),
    firstKey: 1, lastKey: 1, step: 1,
  },
  {
    name: 'pubsub', arity: -2, flags: [], firstKey: 0, lastKey: 0, step: 0, group: 'pubsub', since: '2.8.0',
    summary: 'A container for Pub/Sub commands.', complexity: 'Depends on subcommand.',
    subcommands: [
      row('channels', -2, ['pubsub', 'loading', 'stale'], '2.8.0', 'Lists the channels that have subscribers.',
        'O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)', pubsubChannels, '[pattern]'),
      row('numsub', -2, ['pubsub', 'loading', 'stale'], '2.8.0', 'Counts the subscribers of channels.',
        'O(N) for the NUMSUB subcommand, where N is the number of requested channels', pubsubNumsub, '[channel [channel ...]]'),
      row('shardchannels', -2, ['pubsub', 'loading', 'stale'], '7.0.0', 'Lists the shard channels that have subscribers.',
        'O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).', pubsubShardchannels, '[pattern]'),
      row('shardnumsub', -2, ['pubsub', 'loading', 'stale'], '7.0.0', 'Counts the subscribers of shard channels.',
        'O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels', pubsubShardnumsub, '[shardchannel [shardchannel ...]]'),
      row('numpat', 2, ['pubsub', 'loading', 'stale'], '2.8.0', 'Counts the distinct patterns that have subscribers.', 'O(1)', pubsubNumpat),
      row('help', 2, ['loading', 'stale'], '6.2.0', 'Shows what PUBSUB can do.', 'O(1)', pubsubHelp),
    ],
  },
];

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
