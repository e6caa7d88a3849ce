/**
 * rdb_changes_since_last_save against redis-server, command by command:
 * Redis's dirty counter is what its save points (`save 60 1000`) count, and
 * each command adds to it in its own way (per element pushed, added,
 * removed or popped; nothing for a write that changed nothing; a script's
 * writes one by one). The same
 * commands run on both servers; after each one, the change in the counter
 * must be the same.
 */
import t from 'tap';
import { WORKER_MATRIX, noRedisServer, startRedis, startShardis } from './helpers/servers';
import { connectResp, type RespClient } from './helpers/resp-client';
import { eventually } from './helpers/util';

type Cmd = (string | number)[];

const COMMANDS: Cmd[] = [
  ['RPUSH', 'l', 'a', 'b', 'c'], ['LPUSH', 'l', 'd', 'e'], ['LPUSHX', 'l', 'x', 'y'], ['RPUSHX', 'nol', 'x'], ['LPOP', 'l'], ['LPOP', 'l', 2], ['RPOP', 'l', 5],
  ['RPUSH', 'l', 'a', 'b', 'a', 'c'], ['LREM', 'l', 0, 'a'], ['LINSERT', 'l', 'BEFORE', 'b', 'z'], ['LSET', 'l', 0, 'q'], ['LTRIM', 'l', 0, 0], ['LMOVE', 'l', 'l2', 'LEFT', 'RIGHT'],
  ['RPUSH', 'l', 'a', 'b', 'c'], ['LMPOP', 1, 'l', 'LEFT', 'COUNT', 2], ['LMPOP', 1, 'l', 'RIGHT', 'COUNT', 5],
  ['SADD', 's', 'a', 'b', 'c'], ['SADD', 's', 'a', 'd'], ['SREM', 's', 'a', 'b', 'zz'], ['SPOP', 's'], ['SPOP', 's', 5], ['SADD', 's', 'a', 'b'], ['SMOVE', 's', 's2', 'a'],
  ['SINTERSTORE', 's3', 's', 's2'], ['SUNIONSTORE', 's3', 's', 's2'],
  ['HSET', 'h', 'a', 1, 'b', 2, 'c', 3], ['HSET', 'h', 'a', 5], ['HSETNX', 'h', 'a', 1], ['HSETNX', 'h', 'z', 1], ['HDEL', 'h', 'a', 'b', 'nope'], ['HINCRBY', 'h', 'c', 5], ['HINCRBYFLOAT', 'h', 'c', 1.5], ['HMSET', 'h', 'x', 1, 'y', 2],
  ['ZADD', 'z', 1, 'a', 2, 'b', 3, 'c'], ['ZADD', 'z', 1, 'a', 5, 'b'], ['ZADD', 'z', 'NX', 9, 'a', 9, 'n'], ['ZINCRBY', 'z', 2, 'a'], ['ZREM', 'z', 'a', 'b', 'nope'], ['ZPOPMIN', 'z'], ['ZPOPMAX', 'z', 5],
  ['ZADD', 'z', 1, 'a', 2, 'b', 3, 'c'], ['ZREMRANGEBYRANK', 'z', 0, 1], ['ZADD', 'z', 1, 'a', 2, 'b'], ['ZREMRANGEBYSCORE', 'z', 0, 10], ['ZADD', 'z', 1, 'a', 2, 'b'], ['ZMPOP', 1, 'z', 'MIN', 'COUNT', 5],
  ['MSET', 'a', 1, 'b', 2, 'c', 3], ['MSETNX', 'd', 1, 'e', 2], ['DEL', 'a', 'b', 'nope'], ['UNLINK', 'c', 'd'], ['SET', 'n', 5], ['INCRBY', 'n', 3], ['APPEND', 'n', 'x'], ['SETRANGE', 'n', 0, 'ab'],
  ['PFADD', 'p', 'a', 'b', 'c'], ['PFADD', 'p', 'a'], ['PFADD', 'p2'], ['PFMERGE', 'p3', 'p', 'p2'],
  // PFCOUNT writes the cached cardinality when it was invalid (one), reads it otherwise (none); several keys write nothing.
  ['PFCOUNT', 'p'], ['PFCOUNT', 'p'], ['PFCOUNT', 'p3', 'p'], ['PFCOUNT', 'p3'],
  ['XADD', 'x', '1-1', 'f', 'v', 'g', 'w'], ['XADD', 'x', '2-1', 'f', 'v'], ['XDEL', 'x', '1-1', '9-9'], ['XTRIM', 'x', 'MAXLEN', 0], ['XGROUP', 'CREATE', 'x', 'g', '0'],
  // XREADGROUP: one per stream served (history reads too, nothing new is none) and one per consumer it creates.
  ['XADD', 'x', '3-1', 'f', 'v'], ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'x', '>'], ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'x', '>'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'x', '0'], ['XREADGROUP', 'GROUP', 'g', 'd', 'NOACK', 'COUNT', 1, 'STREAMS', 'x', '0'],
  ['XGROUP', 'CREATECONSUMER', 'x', 'g', 'e'], ['XGROUP', 'DELCONSUMER', 'x', 'g', 'e'], ['XGROUP', 'SETID', 'x', 'g', '0'], ['XSETID', 'x', '3-1'], ['XSETID', 'x', '5-0'],
  // XCLAIM, XAUTOCLAIM, XACK: one per NACK claimed, dropped (its entry deleted) or acknowledged; XCLAIM's LASTID when nothing else.
  ['XADD', 'x', '6-1', 'f', 'v'], ['XADD', 'x', '6-2', 'f', 'v'], ['XADD', 'x', '6-3', 'f', 'v'], ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'x', '>'],
  ['XDEL', 'x', '6-2'], ['XCLAIM', 'x', 'g', 'k', 0, '6-2'], ['XCLAIM', 'x', 'g', 'k', 0, '9-0', 'LASTID', '10-0'], ['XCLAIM', 'x', 'g', 'k', 0, '6-1', 'LASTID', '11-0'],
  ['XCLAIM', 'x', 'g', 'k', 0, '6-1', 'FORCE', 'JUSTID'], ['XDEL', 'x', '6-3'], ['XAUTOCLAIM', 'x', 'g', 'm', 0, 0], ['XACK', 'x', 'g', '6-1', '5-0'], ['XACK', 'x', 'g', '6-1'],
  ['SETBIT', 'bits', 7, 1], ['BITOP', 'OR', 'bits2', 'bits', 'nope'], ['EXPIRE', 'bits', 100], ['PERSIST', 'bits'], ['RENAME', 'bits', 'bits3'], ['COPY', 'bits3', 'bits4'],
  ['GEOADD', 'g', 13.36, 38.11, 'a', 15.08, 37.5, 'b'], ['SORT', 'l2', 'ALPHA', 'STORE', 'sorted'],
  // A write with its deadline is one change; XADD is one whatever it trims; XTRIM, XDEL and BITFIELD count what they removed or wrote.
  ['SET', 'e', 'v', 'EX', 100], ['SET', 'e', 'v', 'PX', 100_000, 'GET'], ['SETEX', 'e', 100, 'v'], ['PSETEX', 'e', 100_000, 'v'],
  ['XADD', 'x1', '1-1', 'a', 'b'], ['XADD', 'x1', '2-1', 'a', 'b'], ['XADD', 'x1', 'MAXLEN', 1, '3-1', 'a', 'b'], ['XADD', 'x1', '4-1', 'a', 'b'],
  ['XADD', 'x1', '5-1', 'a', 'b'], ['XDEL', 'x1', '3-1', '4-1', '9-9'], ['XADD', 'x1', '6-1', 'a', 'b'], ['XADD', 'x1', '7-1', 'a', 'b'], ['XTRIM', 'x1', 'MAXLEN', 0],
  ['BITFIELD', 'bf', 'SET', 'u8', 0, 1, 'SET', 'u8', 8, 2, 'INCRBY', 'u8', 0, 1], ['BITFIELD', 'bf', 'SET', 'u8', 0, 2], ['BITFIELD', 'bf', 'GET', 'u8', 0],
  ['SWAPDB', 0, 1], ['SWAPDB', 0, 1],
  // A script's writes count command by command, also on other shards than its key's (BullMQ writes only through scripts).
  ['EVAL', "redis.call('rpush', KEYS[1], 'a', 'b', 'c') redis.call('set', KEYS[1]..'x', '1') redis.call('hset', KEYS[1]..'h', 'a', '1', 'b', '2') redis.call('del', KEYS[1]..'x') return 1", 1, 'sl'],
  ['EVAL', "redis.call('hset', KEYS[1]..'h', 'a', '1') redis.call('lpop', KEYS[1], 2) return redis.call('incr', 'other')", 1, 'sl'],
  ['FLUSHDB'],
  ['RPUSH', 'l', 'a'], ['SELECT', 1], ['SET', 'k', 'v'], ['SELECT', 0], ['FLUSHALL'], ['FLUSHALL'],
];

async function changes(c: RespClient): Promise<number> {
  const info = String(await c.call('INFO', 'persistence'));
  return Number(/rdb_changes_since_last_save:(\d+)/.exec(info)?.[1]);
}

t.test('rdb_changes_since_last_save grows per command as redis-server\'s dirty counter does', { skip: noRedisServer }, async (t) => {
  const redis = await startRedis(t);
  const rc = await connectResp(t, redis.port);
  for (const workers of [WORKER_MATRIX[0], WORKER_MATRIX[WORKER_MATRIX.length - 1]]) {
    const s = await startShardis(t, { workers });
    const sc = await connectResp(t, s.port);
    await rc.call('FLUSHALL');
    const wrong: string[] = [];
    for (const cmd of COMMANDS) {
      const [s0, r0] = [await changes(sc), await changes(rc)];
      const [sr, rr] = [await sc.call(...cmd), await rc.call(...cmd)];
      // SPOP takes members at random: only its count of changes is compared.
      if (cmd[0] !== 'SPOP') t.same(sr, rr, `--workers ${workers}: ${cmd.join(' ')} replies alike`);
      const [ds, dr] = [(await changes(sc)) - s0, (await changes(rc)) - r0];
      if (ds !== dr) wrong.push(`${cmd.join(' ')}: ${ds} vs ${dr}`);
    }
    // A blocked client's pop adds what Redis adds when it serves one (BZPOPMIN one, BLMPOP per element, BLPOP nothing).
    const served: Cmd[][] = [
      [['BLPOP', 'bl', 5], ['RPUSH', 'bl', 'a']],
      [['BZPOPMIN', 'bz', 5], ['ZADD', 'bz', 1, 'a']],
      [['BLMPOP', 5, 1, 'bm', 'LEFT', 'COUNT', 3], ['RPUSH', 'bm', 'a', 'b']],
      [['BLMOVE', '{t}bs', '{t}bd', 'LEFT', 'LEFT', 5], ['RPUSH', '{t}bs', 'a']],
    ];
    for (const [block, write] of served) {
      const deltas: number[] = [];
      for (const c of [sc, rc]) {
        const waiter = await connectResp(t, c === sc ? s.port : redis.port);
        const before = await changes(c);
        const reply = waiter.call(...block);
        await eventually('blocked', async () => String(await c.call('INFO', 'clients')).includes('blocked_clients:1\r'));
        await c.call(...write);
        t.not(await reply, null, `${block[0]} served`);
        deltas.push((await changes(c)) - before);
        waiter.close();
      }
      if (deltas[0] !== deltas[1]) wrong.push(`${block.join(' ')} served after ${write.join(' ')}: ${deltas[0]} vs ${deltas[1]}`);
    }
    t.same(wrong, [], `--workers ${workers}: every command adds what it adds in redis-server`);
    await s.stop();
  }
});
