/**
 * The zsets family's rows of the command table (see spec.ts). Shard ops: workers/families/zsets.ts.
 */
import { family } from './spec';
import { secondKeyRead, zsetKeys, zsetStoreKeys, zsetStoreSources } from './key-finders';

export const zsetCommands = family('sorted-set', 'shard', [
  {
    name: 'zadd', arity: -4, flags: ['write', 'denyoom', 'fast'], keys: [1], since: '1.2.0',
    syntax: 'key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...]',
    summary: 'Adds members with scores to a sorted set, or updates their scores; creates the key if needed.',
    complexity: 'O(log(N)) for each item added, where N is the number of elements in the sorted set.',
  },
  {
    name: 'zincrby', arity: 4, flags: ['write', 'denyoom', 'fast'], keys: [1], since: '1.2.0', syntax: 'key increment member',
    summary: 'Adds an increment to the score of a member (from 0 if it is new).',
    complexity: 'O(log(N)) where N is the number of elements in the sorted set.',
  },
  {
    name: 'zscore', arity: 3, flags: ['readonly', 'fast'], keys: [1], since: '1.2.0', syntax: 'key member',
    summary: 'Returns the score of a member.', complexity: 'O(1)',
  },
  {
    name: 'zmscore', arity: -3, flags: ['readonly', 'fast'], keys: [1], since: '6.2.0', syntax: 'key member [member ...]',
    summary: 'Returns the scores of several members.', complexity: 'O(N) where N is the number of members being requested.',
  },
  {
    name: 'zrank', arity: 3, flags: ['readonly', 'fast'], keys: [1], since: '2.0.0', syntax: 'key member',
    summary: 'Returns the 0-based position of a member, ordered by ascending score.', complexity: 'O(log(N))',
    variant: { rev: false },
  },
  {
    name: 'zrevrank', arity: 3, flags: ['readonly', 'fast'], keys: [1], since: '2.0.0', syntax: 'key member',
    summary: 'Returns the 0-based position of a member, ordered by descending score.', complexity: 'O(log(N))',
    op: 'zrank', variant: { rev: true },
  },
  {
    name: 'zcard', arity: 2, flags: ['readonly', 'fast'], keys: [1], since: '1.2.0', syntax: 'key',
    summary: 'Returns the number of members.', complexity: 'O(1)',
  },
  {
    name: 'zcount', arity: 4, flags: ['readonly', 'fast'], keys: [1], since: '2.0.0', syntax: 'key min max',
    summary: 'Counts the members whose score is within a range.',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.',
  },
  {
    name: 'zlexcount', arity: 4, flags: ['readonly', 'fast'], keys: [1], since: '2.8.9', syntax: 'key min max',
    summary: 'Counts the members within a lexicographical range.',
    complexity: 'O(log(N)) with N being the number of elements in the sorted set.',
  },
  {
    name: 'zrange', arity: -4, flags: ['readonly'], keys: [1], since: '1.2.0',
    syntax: 'key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]',
    summary: 'Returns members within a range of ranks, scores or lexicographical values.',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.',
    variant: { at: 1, store: false, type: 'auto', dir: 'auto' },
  },
  {
    name: 'zrangestore', arity: -5, flags: ['write', 'denyoom'], keys: [1, 2], since: '6.2.0', readLookups: secondKeyRead,
    syntax: 'dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]',
    summary: 'Stores a range of members of a sorted set in another key.',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements stored into the destination key.',
    op: 'zrange', variant: { at: 2, store: true, type: 'auto', dir: 'auto' },
  },
  {
    name: 'zrangebyscore', arity: -4, flags: ['readonly'], keys: [1], since: '1.0.5',
    syntax: 'key min max [WITHSCORES] [LIMIT offset count]',
    summary: 'Returns members within a score range (deprecated: use ZRANGE BYSCORE).',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned.',
    op: 'zrange', variant: { at: 1, store: false, type: 'score', dir: 'fwd' },
  },
  {
    name: 'zrevrangebyscore', arity: -4, flags: ['readonly'], keys: [1], since: '2.2.0',
    syntax: 'key max min [WITHSCORES] [LIMIT offset count]',
    summary: 'Returns members within a score range, highest first (deprecated: use ZRANGE BYSCORE REV).',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned.',
    op: 'zrange', variant: { at: 1, store: false, type: 'score', dir: 'rev' },
  },
  {
    name: 'zrangebylex', arity: -4, flags: ['readonly'], keys: [1], since: '2.8.9', syntax: 'key min max [LIMIT offset count]',
    summary: 'Returns members within a lexicographical range (deprecated: use ZRANGE BYLEX).',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned.',
    op: 'zrange', variant: { at: 1, store: false, type: 'lex', dir: 'fwd' },
  },
  {
    name: 'zrevrangebylex', arity: -4, flags: ['readonly'], keys: [1], since: '2.8.9', syntax: 'key max min [LIMIT offset count]',
    summary: 'Returns members within a lexicographical range in reverse order (deprecated: use ZRANGE BYLEX REV).',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements being returned.',
    op: 'zrange', variant: { at: 1, store: false, type: 'lex', dir: 'rev' },
  },
  {
    name: 'zrevrange', arity: -4, flags: ['readonly'], keys: [1], since: '1.2.0', syntax: 'key start stop [WITHSCORES]',
    summary: 'Returns members within a range of ranks, highest score first (deprecated: use ZRANGE REV).',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements returned.',
    op: 'zrange', variant: { at: 1, store: false, type: 'rank', dir: 'rev' },
  },
  {
    name: 'zrem', arity: -3, flags: ['write', 'fast'], keys: [1], since: '1.2.0', syntax: 'key member [member ...]',
    summary: 'Removes members; deletes the key when it becomes empty.',
    complexity: 'O(M*log(N)) with N being the number of elements in the sorted set and M the number of elements to be removed.',
  },
  {
    name: 'zremrangebyrank', arity: 4, flags: ['write'], keys: [1], since: '2.0.0', syntax: 'key start stop',
    summary: 'Removes the members within a range of ranks.',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.',
  },
  {
    name: 'zremrangebyscore', arity: 4, flags: ['write'], keys: [1], since: '1.2.0', syntax: 'key min max',
    summary: 'Removes the members within a score range.',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.',
  },
  {
    name: 'zremrangebylex', arity: 4, flags: ['write'], keys: [1], since: '2.8.9', syntax: 'key min max',
    summary: 'Removes the members within a lexicographical range.',
    complexity: 'O(log(N)+M) with N being the number of elements in the sorted set and M the number of elements removed by the operation.',
  },
  {
    name: 'zpopmin', arity: -2, flags: ['write', 'fast'], keys: [1], since: '5.0.0', syntax: 'key [count]',
    summary: 'Removes and returns the members with the lowest scores.',
    complexity: 'O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.',
    op: 'zpop', variant: { max: false },
  },
  {
    name: 'zpopmax', arity: -2, flags: ['write', 'fast'], keys: [1], since: '5.0.0', syntax: 'key [count]',
    summary: 'Removes and returns the members with the highest scores.',
    complexity: 'O(log(N)*M) with N being the number of elements in the sorted set, and M being the number of elements popped.',
    op: 'zpop', variant: { max: true },
  },
  {
    name: 'zmpop', arity: -4, flags: ['write'], since: '7.0.0', syntax: 'numkeys key [key ...] <MIN | MAX> [COUNT count]',
    summary: 'Removes and returns members with the lowest or highest scores from the first non-empty of several sorted sets.',
    complexity: 'O(K) + O(M*log(N)) where K is the number of provided keys, N being the number of elements in the sorted set, and M being the number of elements popped.',
    getKeys: zsetKeys,
  },
  {
    name: 'zrandmember', arity: -2, flags: ['readonly'], keys: [1], since: '6.2.0', syntax: 'key [count [WITHSCORES]]',
    summary: 'Returns one or more random members.', complexity: 'O(N) where N is the number of members returned',
  },
  {
    name: 'zunion', arity: -3, flags: ['readonly'], since: '6.2.0',
    syntax: 'numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]',
    summary: 'Returns the union of several sorted sets.',
    complexity: 'O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.',
    getKeys: zsetKeys,
  },
  {
    name: 'zinter', arity: -3, flags: ['readonly'], since: '6.2.0',
    syntax: 'numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>] [WITHSCORES]',
    summary: 'Returns the intersection of several sorted sets.',
    complexity: 'O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.',
    getKeys: zsetKeys,
  },
  {
    name: 'zdiff', arity: -3, flags: ['readonly'], since: '6.2.0', syntax: 'numkeys key [key ...] [WITHSCORES]',
    summary: 'Returns the members of the first sorted set that are in none of the others.',
    complexity: 'O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.',
    getKeys: zsetKeys,
  },
  {
    name: 'zintercard', arity: -3, flags: ['readonly'], since: '7.0.0', syntax: 'numkeys key [key ...] [LIMIT limit]',
    summary: 'Returns the number of members in the intersection of several sorted sets.',
    complexity: 'O(N*K) worst case with N being the smallest input sorted set, K being the number of input sorted sets.',
    getKeys: zsetKeys,
  },
  {
    name: 'zunionstore', arity: -4, flags: ['write', 'denyoom'], keys: [1], since: '2.0.0', readLookups: zsetStoreSources,
    syntax: 'destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]',
    summary: 'Stores the union of several sorted sets in a key.',
    complexity: 'O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted sets, and M being the number of elements in the resulting sorted set.',
    getKeys: zsetStoreKeys,
  },
  {
    name: 'zinterstore', arity: -4, flags: ['write', 'denyoom'], keys: [1], since: '2.0.0', readLookups: zsetStoreSources,
    syntax: 'destination numkeys key [key ...] [WEIGHTS weight [weight ...]] [AGGREGATE <SUM | MIN | MAX>]',
    summary: 'Stores the intersection of several sorted sets in a key.',
    complexity: 'O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, K being the number of input sorted sets and M being the number of elements in the resulting sorted set.',
    getKeys: zsetStoreKeys,
  },
  {
    name: 'zdiffstore', arity: -4, flags: ['write', 'denyoom'], keys: [1], since: '6.2.0', readLookups: zsetStoreSources,
    syntax: 'destination numkeys key [key ...]', summary: 'Stores the difference of several sorted sets in a key.',
    complexity: 'O(L + (N-K)log(N)) worst case where L is the total number of elements in all the sets, N is the size of the first set, and K is the size of the result set.',
    getKeys: zsetStoreKeys,
  },
  {
    name: 'zscan', arity: -3, flags: ['readonly'], keys: [1], since: '2.8.0', syntax: 'key cursor [MATCH pattern] [COUNT count]',
    summary: 'Iterates over members and scores of a sorted set.',
    complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the size of the collection inside the collection.',
  },
]);
