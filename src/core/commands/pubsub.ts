/**
 * The pubsub family's rows of the command table (see spec.ts). Main-thread bodies: src/commands/pubsub.ts.
 */
import { family } from './spec';

export const pubsubCommands = family('pubsub', 'main', [
  {
    name: 'subscribe', arity: -2, flags: ['pubsub', 'noscript', 'loading', 'stale'], since: '2.0.0',
    syntax: 'channel [channel ...]', summary: 'Listens for messages published to channels.',
    complexity: 'O(N) where N is the number of channels to subscribe to.',
  },
  {
    name: 'unsubscribe', arity: -1, flags: ['pubsub', 'noscript', 'loading', 'stale'], since: '2.0.0',
    syntax: '[channel [channel ...]]', summary: 'Stops listening to messages posted to channels.',
    complexity: 'O(N) where N is the number of channels to unsubscribe.',
  },
  {
    name: 'psubscribe', arity: -2, flags: ['pubsub', 'noscript', 'loading', 'stale'], since: '2.0.0',
    syntax: 'pattern [pattern ...]', summary: 'Listens for messages published to channels that match patterns.',
    complexity: 'O(N) where N is the number of patterns to subscribe to.',
  },
  {
    name: 'punsubscribe', arity: -1, flags: ['pubsub', 'noscript', 'loading', 'stale'], since: '2.0.0',
    syntax: '[pattern [pattern ...]]', summary: 'Stops listening to messages published to channels that match patterns.',
    complexity: 'O(N) where N is the number of patterns to unsubscribe.',
  },
  {
    name: 'publish', arity: 3, flags: ['pubsub', 'loading', 'stale', 'fast'], since: '2.0.0', syntax: 'channel message',
    summary: 'Posts a message to a channel.',
    complexity: 'O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).',
  },
  {
    name: 'ssubscribe', arity: -2, flags: ['pubsub', 'noscript', 'loading', 'stale'], keys: [1, -1], since: '7.0.0',
    syntax: 'shardchannel [shardchannel ...]', summary: 'Listens for messages published to shard channels.',
    complexity: 'O(N) where N is the number of shard channels to subscribe to.',
  },
  {
    name: 'sunsubscribe', arity: -1, flags: ['pubsub', 'noscript', 'loading', 'stale'], keys: [1, -1], since: '7.0.0',
    syntax: '[shardchannel [shardchannel ...]]', summary: 'Stops listening to messages posted to shard channels.',
    complexity: 'O(N) where N is the number of shard channels to unsubscribe.',
  },
  {
    name: 'spublish', arity: 3, flags: ['pubsub', 'loading', 'stale', 'fast'], keys: [1], since: '7.0.0',
    syntax: 'shardchannel message', summary: 'Posts a message to a shard channel.',
    complexity: 'O(N) where N is the number of clients subscribed to the receiving shard channel.',
  },
  {
    name: 'pubsub', arity: -2, since: '2.8.0', summary: 'A container for Pub/Sub commands.', complexity: 'Depends on subcommand.',
    subcommands: [
      {
        name: 'channels', arity: -2, flags: ['pubsub', 'loading', 'stale'], since: '2.8.0', syntax: '[pattern]',
        summary: 'Lists the channels that have subscribers.',
        complexity: 'O(N) where N is the number of active channels, and assuming constant time pattern matching (relatively short channels and patterns)',
      },
      {
        name: 'numsub', arity: -2, flags: ['pubsub', 'loading', 'stale'], since: '2.8.0', syntax: '[channel [channel ...]]',
        summary: 'Counts the subscribers of channels.',
        complexity: 'O(N) for the NUMSUB subcommand, where N is the number of requested channels',
      },
      {
        name: 'shardchannels', arity: -2, flags: ['pubsub', 'loading', 'stale'], since: '7.0.0', syntax: '[pattern]',
        summary: 'Lists the shard channels that have subscribers.',
        complexity: 'O(N) where N is the number of active shard channels, and assuming constant time pattern matching (relatively short shard channels).',
      },
      {
        name: 'shardnumsub', arity: -2, flags: ['pubsub', 'loading', 'stale'], since: '7.0.0',
        syntax: '[shardchannel [shardchannel ...]]', summary: 'Counts the subscribers of shard channels.',
        complexity: 'O(N) for the SHARDNUMSUB subcommand, where N is the number of requested shard channels',
      },
      {
        name: 'numpat', arity: 2, flags: ['pubsub', 'loading', 'stale'], since: '2.8.0',
        summary: 'Counts the distinct patterns that have subscribers.', complexity: 'O(1)',
      },
      {
        name: 'help', arity: 2, flags: ['loading', 'stale'], since: '6.2.0', summary: 'Shows what PUBSUB can do.',
        complexity: 'O(1)',
      },
    ],
  },
]);
