/**
 * The streams family's rows of the command table (see spec.ts). Shard ops: workers/families/streams.ts.
 */
import { family } from './spec';
import { firstKeyRead, xreadBlocks, xreadKeys, xreadTwice } from './key-finders';

export const streamCommands = family('stream', 'shard', [
  {
    name: 'xadd', arity: -5, flags: ['write', 'denyoom', 'fast'], keys: [1], since: '5.0.0',
    syntax: 'key [NOMKSTREAM] [<MAXLEN | MINID> [= | ~] threshold [LIMIT count]] <* | id> field value [field value ...]',
    summary: 'Appends an entry to a stream, creating the stream if needed.',
    complexity: 'O(1) when adding an entry; O(N) when trimming, N being the entries evicted.',
  },
  {
    name: 'xlen', arity: 2, flags: ['readonly', 'fast'], keys: [1], since: '5.0.0', syntax: 'key',
    summary: 'Counts the entries of a stream.', complexity: 'O(1)',
  },
  {
    name: 'xrange', arity: -4, flags: ['readonly'], keys: [1], since: '5.0.0', syntax: 'key start end [COUNT count]',
    summary: 'Lists the stream entries whose IDs fall in a range.', complexity: 'O(log(N)+M), M being the entries returned.',
    variant: { rev: false },
  },
  {
    name: 'xrevrange', arity: -4, flags: ['readonly'], keys: [1], since: '5.0.0', syntax: 'key end start [COUNT count]',
    summary: 'Lists the stream entries whose IDs fall in a range, newest first.',
    complexity: 'O(log(N)+M), M being the entries returned.',
    op: 'xrange', variant: { rev: true },
  },
  {
    name: 'xdel', arity: -3, flags: ['write', 'fast'], keys: [1], since: '5.0.0', syntax: 'key id [id ...]',
    summary: 'Deletes entries from a stream by ID.', complexity: 'O(1) per entry deleted.',
  },
  {
    name: 'xtrim', arity: -4, flags: ['write'], keys: [1], since: '5.0.0',
    syntax: 'key <MAXLEN | MINID> [= | ~] threshold [LIMIT count]',
    summary: 'Removes the oldest entries of a stream by length or by ID.', complexity: 'O(N), N being the entries evicted.',
  },
  {
    name: 'xread', arity: -4, flags: ['readonly', 'blocking'], since: '5.0.0', readLookups: xreadTwice,
    syntax: '[COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]',
    summary: 'Reads the entries after given IDs from one or more streams.',
    complexity: 'O(M) per stream, M being the entries returned.', getKeys: xreadKeys, blocksIf: xreadBlocks,
  },
  {
    name: 'xreadgroup', arity: -7, flags: ['write', 'blocking'], since: '5.0.0', readLookups: xreadTwice,
    syntax: 'GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]',
    summary: 'Reads stream entries as a consumer of a group, or re-reads its pending entries.',
    complexity: 'O(M) per stream, M being the entries returned.', getKeys: xreadKeys, blocksIf: xreadBlocks,
  },
  {
    name: 'xack', arity: -4, flags: ['write', 'fast'], keys: [1], since: '5.0.0', syntax: 'key group id [id ...]', readLookups: firstKeyRead,
    summary: 'Acknowledges pending entries of a consumer group.', complexity: 'O(1) per ID.',
  },
  {
    name: 'xpending', arity: -3, flags: ['readonly'], keys: [1], since: '5.0.0',
    syntax: 'key group [[IDLE min-idle-time] start end count [consumer]]',
    summary: 'Summarizes or lists the pending entries of a consumer group.',
    complexity: 'O(N) in the entries returned; O(1) for the summary when consumers are few.',
  },
  {
    name: 'xclaim', arity: -6, flags: ['write', 'fast'], keys: [1], since: '5.0.0', readLookups: firstKeyRead,
    syntax: 'key group consumer min-idle-time id [id ...] [IDLE ms] [TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]',
    summary: 'Transfers pending entries to another consumer of the group.', complexity: 'O(log N) per ID.',
  },
  {
    name: 'xautoclaim', arity: -6, flags: ['write', 'fast'], keys: [1], since: '6.2.0', readLookups: firstKeyRead,
    syntax: 'key group consumer min-idle-time start [COUNT count] [JUSTID]',
    summary: 'Transfers the pending entries idle long enough to another consumer, scanning from a cursor.',
    complexity: 'O(1) per claimed entry (at most COUNT * 10 scanned).',
  },
  {
    name: 'xsetid', arity: -3, flags: ['write', 'denyoom', 'fast'], keys: [1], since: '5.0.0',
    syntax: 'key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]',
    summary: 'Sets the last-generated ID (and counters) of a stream.', complexity: 'O(1)',
  },
  {
    name: 'xgroup', arity: -2, since: '5.0.0', summary: 'A container for consumer group commands.',
    complexity: 'Depends on subcommand.',
    subcommands: [
      {
        name: 'create', arity: -5, flags: ['write', 'denyoom'], keys: [2], since: '5.0.0',
        syntax: 'key group <id | $> [MKSTREAM] [ENTRIESREAD entries-read]', summary: 'Creates a consumer group.',
        complexity: 'O(1)',
      },
      {
        name: 'createconsumer', arity: 5, flags: ['write', 'denyoom'], keys: [2], since: '6.2.0', syntax: 'key group consumer',
        summary: 'Creates a consumer in a consumer group.', complexity: 'O(1)',
      },
      {
        name: 'delconsumer', arity: 5, flags: ['write'], keys: [2], since: '5.0.0', syntax: 'key group consumer',
        summary: 'Deletes a consumer and its pending entries from a consumer group.', complexity: 'O(1)',
      },
      {
        name: 'destroy', arity: 4, flags: ['write'], keys: [2], since: '5.0.0', syntax: 'key group',
        summary: 'Destroys a consumer group.', complexity: 'O(N), N being the entries in its PEL.',
      },
      {
        name: 'help', arity: 2, flags: ['loading', 'stale'], since: '5.0.0', summary: 'Lists the XGROUP subcommands.',
        complexity: 'O(1)',
      },
      {
        name: 'setid', arity: -5, flags: ['write'], keys: [2], since: '5.0.0',
        syntax: 'key group <id | $> [ENTRIESREAD entries-read]', summary: 'Sets the last-delivered ID of a consumer group.',
        complexity: 'O(1)',
      },
    ],
  },
  {
    name: 'xinfo', arity: -2, since: '5.0.0', summary: 'A container for stream introspection commands.',
    complexity: 'Depends on subcommand.',
    subcommands: [
      {
        name: 'consumers', arity: 4, flags: ['readonly'], keys: [2], since: '5.0.0', syntax: 'key group',
        summary: 'Lists the consumers of a consumer group.', complexity: 'O(1)',
      },
      {
        name: 'groups', arity: 3, flags: ['readonly'], keys: [2], since: '5.0.0', syntax: 'key',
        summary: 'Lists the consumer groups of a stream.', complexity: 'O(1)',
      },
      {
        name: 'help', arity: 2, flags: ['loading', 'stale'], since: '5.0.0', summary: 'Lists the XINFO subcommands.',
        complexity: 'O(1)',
      },
      {
        name: 'stream', arity: -3, flags: ['readonly'], keys: [2], since: '5.0.0', syntax: 'key [FULL [COUNT count]]',
        summary: 'Describes a stream, optionally with its entries, groups and PELs.',
        complexity: 'O(1); O(N) with FULL, N bounded by COUNT.',
      },
    ],
  },
]);
