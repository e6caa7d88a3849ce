/**
 * When a blocked client is served, against redis-server: right after the
 * command that gave it data, before the next command, also the writer's own
 * next command pipelined in the same write (Redis serves blocked clients
 * after each command, and after EXEC or a script as a whole). Each scenario
 * blocks its waiters in order, one connection each, sends the writer's
 * pipeline in one write, and compares every reply and the keys afterwards.
 * The waits here keep to one shard (keys with one hash tag): a wait over
 * keys of several shards is served by the main thread, after the batch that
 * wrote (docs/architecture.md, "Blocked clients").
 */
import t from 'tap';
import { WORKER_MATRIX, noRedisServer, startRedis, startShardis } from './helpers/servers';
import { connectResp, type Reply, type RespClient } from './helpers/resp-client';
import { eventually } from './helpers/util';
import { parseInfo } from './helpers/info';

type Cmd = (string | number)[];

interface Scenario {
  name: string;
  /** Each waiter's commands on its own connection, the last one blocking; blocked in this order. */
  waiters: Cmd[][];
  /** Sent in one write once every waiter is blocked. */
  writer: Cmd[];
  /** Read afterwards (LRANGE, ZRANGE, TYPE ...). */
  after: Cmd[];
}

const SCENARIOS: Scenario[] = [
  {
    name: 'a pop pipelined after the push finds the list empty',
    waiters: [[['BLPOP', 'k', 2]]],
    writer: [['LPUSH', 'k', 'v'], ['LPOP', 'k']],
    after: [['LRANGE', 'k', 0, -1]],
  },
  {
    name: 'two waiters, three elements, both ends',
    waiters: [[['BLPOP', 'k', 2]], [['BRPOP', 'k', 2]]],
    writer: [['RPUSH', 'k', 'a', 'b', 'c'], ['LRANGE', 'k', 0, -1], ['LPOP', 'k']],
    after: [['LRANGE', 'k', 0, -1]],
  },
  {
    name: 'waiters on several keys of one shard, served in the order they blocked',
    waiters: [[['BLPOP', '{t}a', '{t}b', 2]], [['BLPOP', '{t}b', 2]], [['BRPOP', '{t}b', '{t}a', 2]]],
    writer: [['RPUSH', '{t}b', 'x', 'y'], ['RPUSH', '{t}a', 'z'], ['LLEN', '{t}a'], ['LLEN', '{t}b']],
    after: [['LRANGE', '{t}a', 0, -1], ['LRANGE', '{t}b', 0, -1]],
  },
  {
    name: 'sorted sets: BZPOPMIN, BZPOPMAX, BZMPOP COUNT',
    waiters: [[['BZPOPMIN', 'z', 2]], [['BZPOPMAX', 'z', 2]], [['BZMPOP', 2, 1, 'z', 'MIN', 'COUNT', 2]]],
    writer: [['ZADD', 'z', 1, 'a', 2, 'b', 3, 'c', 4, 'd', 5, 'e'], ['ZRANGE', 'z', 0, -1, 'WITHSCORES'], ['ZPOPMIN', 'z']],
    after: [['ZRANGE', 'z', 0, -1, 'WITHSCORES']],
  },
  {
    name: 'BLMPOP COUNT takes several, the next pop sees the rest',
    waiters: [[['BLMPOP', 2, 1, 'k', 'LEFT', 'COUNT', 2]]],
    writer: [['RPUSH', 'k', 'a', 'b', 'c'], ['LPOP', 'k'], ['LLEN', 'k']],
    after: [['LRANGE', 'k', 0, -1]],
  },
  {
    name: 'a BLMOVE feeds a client blocked on its destination before the next command',
    waiters: [[['BLMOVE', '{t}src', '{t}dst', 'LEFT', 'RIGHT', 2]], [['BLPOP', '{t}dst', 2]]],
    writer: [['RPUSH', '{t}src', 'x', 'y'], ['LLEN', '{t}dst'], ['LRANGE', '{t}src', 0, -1]],
    after: [['LRANGE', '{t}src', 0, -1], ['LRANGE', '{t}dst', 0, -1]],
  },
  {
    name: 'a key that becomes a list again after a string',
    waiters: [[['BLPOP', 'k', 2]]],
    writer: [['SET', 'k', 's'], ['GET', 'k'], ['DEL', 'k'], ['RPUSH', 'k', 'v', 'w'], ['RPOP', 'k']],
    after: [['LRANGE', 'k', 0, -1]],
  },
  {
    name: 'inside MULTI the transaction pops first (blocked clients are served after EXEC)',
    waiters: [[['BLPOP', 'k', 0.5]]],
    writer: [['MULTI'], ['LPUSH', 'k', 'v', 'w'], ['LPOP', 'k'], ['EXEC'], ['LPOP', 'k']],
    after: [['LRANGE', 'k', 0, -1]],
  },
  {
    name: 'a script that pushes: served after the script, before the next command',
    waiters: [[['BLPOP', 'k', 2]]],
    writer: [['EVAL', "redis.call('rpush', KEYS[1], 'a', 'b'); return redis.call('llen', KEYS[1])", 1, 'k'], ['LPOP', 'k'], ['LLEN', 'k']],
    after: [['LRANGE', 'k', 0, -1]],
  },
  {
    name: 'a client blocked on a db other than 0',
    waiters: [[['SELECT', 3], ['BLPOP', 'k', 2]]],
    writer: [['SELECT', 3], ['RPUSH', 'k', 'a'], ['LPOP', 'k'], ['RPUSH', 'k', 'b'], ['SELECT', 0]],
    after: [['SELECT', 3], ['LRANGE', 'k', 0, -1], ['SELECT', 0]],
  },
  {
    name: 'MOVE and COPY ... DB feed a client blocked in the other db',
    waiters: [[['SELECT', 1], ['BLPOP', 'mk', 2]], [['SELECT', 1], ['BLPOP', 'ck', 2]]],
    writer: [['RPUSH', 'mk', 'v', 'w'], ['MOVE', 'mk', 1], ['RPUSH', 'ck', 'x', 'y'], ['COPY', 'ck', 'ck', 'DB', 1], ['SELECT', 1], ['LPOP', 'mk'], ['LPOP', 'ck'], ['SELECT', 0]],
    after: [['LRANGE', 'ck', 0, -1], ['SELECT', 1], ['LRANGE', 'mk', 0, -1], ['LRANGE', 'ck', 0, -1], ['SELECT', 0]],
  },
  {
    name: 'stream readers get the entry before a trim pipelined after the XADD; a group reader before another consumer',
    waiters: [[['XREAD', 'BLOCK', 2000, 'STREAMS', 's', '$']], [['XGROUP', 'CREATE', 'g', 'grp', '$', 'MKSTREAM'], ['XREADGROUP', 'GROUP', 'grp', 'c1', 'BLOCK', 2000, 'STREAMS', 'g', '>']]],
    writer: [['XADD', 's', '1-1', 'f', 'v'], ['XTRIM', 's', 'MAXLEN', 0], ['XADD', 'g', '1-1', 'f', 'v'], ['XREADGROUP', 'GROUP', 'grp', 'c2', 'STREAMS', 'g', '>']],
    after: [['XLEN', 's'], ['XPENDING', 'g', 'grp']],
  },
];

/** Runs one scenario: every waiter's and the writer's replies, then what `after` reads. */
async function play(port: number, s: Scenario, admin: RespClient, clients: RespClient[]): Promise<{ waiters: Reply[]; writer: Reply[]; after: Reply[] }> {
  await admin.call('FLUSHALL');
  // Every connection starts in db 0 (an earlier scenario's SELECT stays with its connection).
  for (const c of clients) await c.call('SELECT', 0);
  const waits: Promise<Reply>[] = [];
  let blocked = 0;
  for (let i = 0; i < s.waiters.length; i++) {
    const cmds = s.waiters[i];
    const c = clients[i + 1];
    for (const cmd of cmds.slice(0, -1)) await c.call(...cmd);
    waits.push(c.call(...cmds[cmds.length - 1]));
    blocked++;
    const want = blocked;
    await eventually(`${port}: ${want} blocked`, async () => Number(parseInfo(String(await admin.call('INFO', 'clients'))).clients.blocked_clients) === want);
  }
  const writer = await clients[0].pipeline(s.writer);
  const waiters = await Promise.all(waits);
  const after = await admin.pipeline(s.after);
  return { waiters, writer, after };
}

t.test('blocked clients are served right after the command that gave them data, as redis-server serves them', { skip: noRedisServer }, async (t) => {
  const redis = await startRedis(t);
  for (const workers of WORKER_MATRIX) {
    const shardis = await startShardis(t, { workers });
    const open = async (port: number): Promise<RespClient[]> => Promise.all(Array.from({ length: 6 }, () => connectResp(t, port)));
    const [sc, rc] = [await open(shardis.port), await open(redis.port)];
    for (const s of SCENARIOS) {
      const [mine, theirs] = [await play(shardis.port, s, sc[5], sc), await play(redis.port, s, rc[5], rc)];
      t.same(mine, theirs, `--workers ${workers}: ${s.name}`);
    }
    for (const c of sc) c.close();
    await shardis.stop();
  }
});
