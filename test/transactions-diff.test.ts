/**
 * MULTI / EXEC / DISCARD / WATCH / UNWATCH against redis-server, byte for
 * byte: each scenario drives two clients (A runs the transaction, B plays the
 * other client) through the same steps on both servers and compares every
 * reply's raw bytes. Keys are picked on every shard so both EXEC paths (one
 * `__exec` op on one shard, the shard lock across shards) are covered.
 *
 * Not compared on purpose: cases where Shardis's WATCH over-approximates
 * (a write op that changed nothing, such as DEL of a missing key or FLUSHDB of
 * an empty db, still invalidates here; see docs/architecture.md, "Transactions and cross-shard atomicity").
 */
import t, { type Test } from 'tap';
import { startRedis, startShardis, MULTI_SHARD_WORKERS, noMultiShard } from './helpers/servers';
import { RespClient, connectResp, type Reply } from './helpers/resp-client';
import { RawReplyClient } from './helpers/resp3';
import { DifferentialSuite, rng, pick } from './helpers/differential';
import { shardTotal } from './helpers/info';
import { sleep, waitFor } from './helpers/util';
import { keyHashSlot, slotToShard } from '../src/core/routing/slot';

/**
 * `groups` groups of `n` keys with the given prefix, group g on shard
 * g % shards (any shard when there is one): the scenarios' four groups land on
 * as many different shards as there are.
 */
function keysByShard(prefix: string, n: number, shards: number, groups: number): string[][] {
  const out: string[][] = Array.from({ length: groups }, () => []);
  for (let i = 0; out.some((g) => g.length < n); i++) {
    const k = `${prefix}${i}`;
    const shard = shards <= 1 ? 0 : slotToShard(keyHashSlot(Buffer.from(k)), shards);
    out.find((g, j) => g.length < n && j % Math.max(shards, 1) === shard)?.push(k);
  }
  return out;
}

type Step = ['A' | 'B', ...(string | Buffer)[]] | { sleep: number } | { skipCompare: ['A' | 'B', ...string[]] };

interface Scenario {
  name: string;
  steps: Step[];
}

/** Runs the steps on one server; returns each compared reply's raw bytes (latin1). */
async function run(port: number, steps: readonly Step[]): Promise<string[]> {
  const a = await RawReplyClient.connect(port);
  const b = await RawReplyClient.connect(port);
  try {
    await b.call('FLUSHALL');
    const out: string[] = [];
    for (const step of steps) {
      if ('sleep' in step) {
        await sleep(step.sleep);
        continue;
      }
      const compare = Array.isArray(step);
      const [who, ...cmd] = compare ? step : step.skipCompare;
      const reply = await (who === 'A' ? a : b).call(...cmd);
      if (compare) out.push(reply);
    }
    return out;
  } finally {
    a.close();
    b.close();
  }
}

/** The fixed scenarios over keys X, Y, Z, W from four groups of keysByShard. */
function scenarios([s0, s1, s2, s3]: string[][]): Scenario[] {
  const [X, Y, Z, W] = [s0[0], s1[0], s2[0], s3[0]];
  return [
    {
      name: 'queued replies, runtime errors per command, no rollback (one shard)',
      steps: [
        ['A', 'MULTI'], ['A', 'SET', X, 'v'], ['A', 'INCR', X], ['A', 'LPUSH', X, 'e'], ['A', 'APPEND', X, 'w'], ['A', 'GET', X], ['A', 'EXEC'],
        ['A', 'GET', X],
      ],
    },
    {
      name: 'queued replies, runtime errors per command, no rollback (all shards)',
      steps: [
        ['A', 'MULTI'], ['A', 'SET', X, '1'], ['A', 'INCRBY', Y, '5'], ['A', 'LPUSH', Z, 'a', 'b'], ['A', 'INCR', Z], ['A', 'SADD', W, 'm'],
        ['A', 'MSET', X, '7', Y, '8', Z, '9'], ['A', 'MGET', X, Y, Z, W], ['A', 'RENAME', X, W], ['A', 'TYPE', W], ['A', 'PING'], ['A', 'ECHO', 'hi'],
        ['A', 'DEL', X, Y, Z, W], ['A', 'EXEC'], ['A', 'DBSIZE'],
      ],
    },
    {
      name: 'EXECABORT after unknown command and wrong arity; nothing runs',
      steps: [
        ['A', 'MULTI'], ['A', 'SET', X, '1'], ['A', 'NOSUCHCMD', 'x'], ['A', 'SET', Y], ['A', 'SET', Z, '1'], ['A', 'EXEC'],
        ['A', 'MGET', X, Y, Z], ['A', 'EXEC'],
        ['A', 'MULTI'], ['A', 'GET'], ['A', 'EXEC'],
        ['A', 'MULTI'], ['A', 'WATCH'], ['A', 'EXEC'],
        ['A', 'MULTI'], ['A', 'CONFIG', 'NOSUCHSUB'], ['A', 'EXEC'],
        ['A', 'MULTI'], ['A', 'SHUTDOWN'], ['A', 'EXEC'],
        // EXEC itself refused (arity): EXECABORT with the reason, the transaction discarded; outside MULTI too.
        ['A', 'MULTI'], ['A', 'SET', X, '2'], ['A', 'EXEC', 'junk'], ['A', 'EXEC'], ['A', 'GET', X], ['A', 'EXEC', 'x'],
      ],
    },
    {
      name: 'state errors: nested MULTI, WATCH inside MULTI, EXEC/DISCARD without MULTI',
      steps: [
        ['A', 'EXEC'], ['A', 'DISCARD'],
        ['A', 'MULTI'], ['A', 'MULTI'], ['A', 'WATCH', X], ['A', 'SET', X, '1'], ['A', 'EXEC'], ['A', 'GET', X],
        ['A', 'MULTI'], ['A', 'EXEC'], ['A', 'MULTI'], ['A', 'SET', Y, '2'], ['A', 'DISCARD'], ['A', 'GET', Y], ['A', 'EXEC'],
        ['A', 'MULTI'], ['A', 'UNWATCH'], ['A', 'EXEC'], ['A', 'UNWATCH'],
      ],
    },
    {
      name: 'WATCH: another client writes (SET of the same value too), EXEC replies nil',
      steps: [
        ['B', 'SET', X, '1'],
        ['A', 'WATCH', X], ['B', 'SET', X, '1'], ['A', 'MULTI'], ['A', 'INCR', X], ['A', 'EXEC'], ['A', 'GET', X],
        // EXEC unwatched: the next transaction goes through.
        ['A', 'MULTI'], ['A', 'INCR', X], ['A', 'EXEC'],
        // Watched on one shard, commands on others: the lock path.
        ['A', 'WATCH', X], ['B', 'INCR', X], ['A', 'MULTI'], ['A', 'SET', Y, '1'], ['A', 'SET', Z, '1'], ['A', 'EXEC'], ['A', 'MGET', Y, Z],
        // Several watched keys on several shards, one of them touched.
        ['A', 'WATCH', X, Y, Z, W], ['B', 'LPUSH', W, 'x'], ['A', 'MULTI'], ['A', 'GET', X], ['A', 'EXEC'],
        // Untouched: runs.
        ['A', 'WATCH', X, Y, Z, W], ['B', 'GET', W], ['B', 'SET', 'other', '1'], ['A', 'MULTI'], ['A', 'GET', X], ['A', 'EXEC'],
        // A's own write invalidates its own WATCH too.
        ['A', 'WATCH', Y], ['A', 'SET', Y, 'mine'], ['A', 'MULTI'], ['A', 'GET', Y], ['A', 'EXEC'],
      ],
    },
    {
      name: 'WATCH: DEL, EXPIRE, expiry, FLUSHDB, FLUSHALL, SWAPDB invalidate',
      steps: [
        ['B', 'MSET', X, '1', Y, '2', Z, '3', W, '4'],
        ['A', 'WATCH', X], ['B', 'DEL', X], ['A', 'MULTI'], ['A', 'PING'], ['A', 'EXEC'],
        ['A', 'WATCH', Y], ['B', 'PEXPIRE', Y, '1'], { sleep: 20 }, ['A', 'MULTI'], ['A', 'GET', Y], ['A', 'EXEC'],
        // Expires while watched with nobody touching it.
        ['B', 'SET', Z, 'v', 'PX', '40'], ['A', 'WATCH', Z], { sleep: 80 }, ['A', 'MULTI'], ['A', 'GET', Z], ['A', 'EXEC'],
        // Already expired when watched: its removal is no change.
        ['B', 'SET', Z, 'v', 'PX', '20'], { sleep: 50 }, ['A', 'WATCH', Z], ['A', 'MULTI'], ['A', 'GET', Z], ['A', 'EXEC'],
        ['B', 'SET', X, '1'], ['A', 'WATCH', X], ['B', 'FLUSHDB'], ['A', 'MULTI'], ['A', 'PING'], ['A', 'EXEC'],
        ['B', 'SET', X, '1'], ['A', 'WATCH', X, Y], ['B', 'FLUSHALL'], ['A', 'MULTI'], ['A', 'PING'], ['A', 'EXEC'],
        ['B', 'SET', X, '1'], ['A', 'WATCH', X], ['B', 'SWAPDB', '0', '1'], ['A', 'MULTI'], ['A', 'PING'], ['A', 'EXEC'],
        ['B', 'SWAPDB', '0', '1'],
        // A key watched in db 1 is not touched by a write to the same name in db 0.
        ['A', 'SELECT', '1'], ['A', 'WATCH', W], ['B', 'SET', W, 'db0'], ['A', 'MULTI'], ['A', 'GET', W], ['A', 'EXEC'],
        ['B', 'SELECT', '1'], ['A', 'WATCH', W], ['B', 'SET', W, 'db1'], ['A', 'MULTI'], ['A', 'GET', W], ['A', 'EXEC'],
        ['B', 'SELECT', '0'], ['A', 'SELECT', '0'],
        // A key that did not exist and was created.
        ['A', 'WATCH', 'fresh'], ['B', 'SET', 'fresh', '1'], ['A', 'MULTI'], ['A', 'PING'], ['A', 'EXEC'],
      ],
    },
    {
      name: 'UNWATCH, DISCARD and RESET clear watches and the queue',
      steps: [
        ['B', 'SET', X, '1'],
        ['A', 'WATCH', X, Y], ['A', 'UNWATCH'], ['B', 'SET', X, '2'], ['A', 'MULTI'], ['A', 'GET', X], ['A', 'EXEC'],
        ['A', 'WATCH', X, Y], ['A', 'MULTI'], ['A', 'DISCARD'], ['B', 'SET', Y, '2'], ['A', 'MULTI'], ['A', 'GET', Y], ['A', 'EXEC'],
        ['A', 'WATCH', X, Z], ['A', 'MULTI'], ['A', 'SET', Z, 'queued'], ['A', 'RESET'], ['B', 'SET', X, '3'], ['A', 'EXEC'], ['A', 'GET', Z],
        ['A', 'MULTI'], ['A', 'GET', X], ['A', 'EXEC'],
        // A WATCH after an aborted (EXECABORT) transaction starts fresh.
        ['A', 'WATCH', X], ['A', 'MULTI'], ['A', 'BADCMD'], ['A', 'EXEC'], ['B', 'SET', X, '4'], ['A', 'MULTI'], ['A', 'GET', X], ['A', 'EXEC'],
      ],
    },
    {
      name: 'SELECT inside MULTI, empty EXEC, binary values',
      steps: [
        ['A', 'MULTI'], ['A', 'SET', X, Buffer.from([0, 255, 13, 10, 36])], ['A', 'SELECT', '2'], ['A', 'SET', X, 'in2'], ['A', 'GET', X], ['A', 'EXEC'],
        ['A', 'GET', X], ['A', 'SELECT', '0'], ['A', 'GET', X],
        ['A', 'MULTI'], ['A', 'EXEC'],
        ['A', 'WATCH', X], ['A', 'MULTI'], ['A', 'EXEC'],
      ],
    },
    {
      name: 'a blocking command inside MULTI does not block',
      steps: [
        ['A', 'MULTI'], ['A', 'XREAD', 'BLOCK', '0', 'STREAMS', X, '$'], ['A', 'XREAD', 'COUNT', '1', 'BLOCK', '100', 'STREAMS', Y, '0'], ['A', 'EXEC'],
        ['A', 'MULTI'], ['A', 'XADD', X, '1-1', 'f', 'v'], ['A', 'XREAD', 'BLOCK', '0', 'STREAMS', X, '0'], ['A', 'EXEC'],
        ['A', 'MULTI'], ['A', 'BLPOP', Z, '0'], ['A', 'RPUSH', Y, 'a', 'b'], ['A', 'BLPOP', Z, Y, '0'], ['A', 'BLMOVE', Y, Z, 'RIGHT', 'LEFT', '0'],
        ['A', 'BRPOPLPUSH', 'nothing', Z, '1'], ['A', 'BLMPOP', '0', '2', 'nothing', Z, 'LEFT', 'COUNT', '5'], ['A', 'EXEC'],
        ['A', 'MULTI'], ['A', 'BZPOPMIN', 'zz', '0'], ['A', 'ZADD', 'zz', '1', 'm', '2', 'n'], ['A', 'BZPOPMAX', 'zz', '0'], ['A', 'BZMPOP', '0', '1', 'zz', 'MIN'], ['A', 'EXEC'],
      ],
    },
    {
      name: 'RESP3: nil EXEC is _, replies keep RESP3 types',
      steps: [
        { skipCompare: ['A', 'HELLO', '3'] },
        ['B', 'HSET', X, 'f', '1', 'g', '2'],
        ['A', 'MULTI'], ['A', 'HGETALL', X], ['A', 'GET', 'missing'], ['A', 'ZADD', Y, '1.5', 'm'], ['A', 'ZSCORE', Y, 'm'], ['A', 'EXEC'],
        ['A', 'MULTI'], ['A', 'HGETALL', X], ['A', 'SMEMBERS', Z], ['A', 'EXEC'],
        ['A', 'WATCH', X], ['B', 'HDEL', X, 'f'], ['A', 'MULTI'], ['A', 'HGETALL', X], ['A', 'EXEC'],
        ['A', 'WATCH', X, Y], ['B', 'DEL', Y], ['A', 'MULTI'], ['A', 'HGETALL', X], ['A', 'EXEC'],
      ],
    },
  ];
}

/** Seeded random transactions: types, wrong types, wrong arity, errors, watches touched or not. */
function randomScenario(seed: number, [s0, s1, s2, s3]: string[][]): Scenario {
  const r = rng(seed);
  const keys = [...s0.slice(0, 2), ...s1.slice(0, 2), ...s2.slice(0, 2), ...s3.slice(0, 2)];
  const vals = ['0', '1', '-3', '9223372036854775807', 'x', '', Buffer.from([0, 1, 254])];
  const gen = (): (string | Buffer)[] => {
    const k = pick(r, keys);
    const k2 = pick(r, keys);
    switch (Math.floor(r() * 12)) {
      case 0: return ['SET', k, pick(r, vals)];
      case 1: return ['INCR', k];
      case 2: return ['GET', k];
      case 3: return ['LPUSH', k, pick(r, vals)];
      case 4: return ['SADD', k, pick(r, vals)];
      case 5: return ['MSET', k, pick(r, vals), k2, pick(r, vals)];
      case 6: return ['MGET', k, k2];
      case 7: return ['DEL', k];
      case 8: return ['RENAME', k, k2];
      case 9: return ['SMOVE', k, k2, pick(r, vals)];
      case 10: return ['INCRBY', k]; // wrong arity
      default: return ['APPEND', k, pick(r, vals)];
    }
  };
  const steps: Step[] = [];
  for (let tx = 0; tx < 30; tx++) {
    if (r() < 0.4) {
      const watched = [pick(r, keys), pick(r, keys)];
      steps.push(['A', 'WATCH', ...watched]);
      // Only writes that really change the key: those invalidate in both servers.
      if (r() < 0.5) steps.push(['B', 'SET', pick(r, watched), `b${tx}`]);
    }
    steps.push(['A', 'MULTI']);
    const n = 1 + Math.floor(r() * 5);
    for (let i = 0; i < n; i++) steps.push(['A', ...gen()]);
    steps.push(['A', r() < 0.15 ? 'DISCARD' : 'EXEC']);
    steps.push(['A', 'MGET', ...keys]);
  }
  return { name: `random transactions, seed ${seed}`, steps };
}

const diff = new DifferentialSuite(t);

diff.test('transactions match redis-server byte for byte', async (t, s) => {
  const groups = keysByShard('k', 4, s.workers, 4);
  for (const sc of [...scenarios(groups), randomScenario(1, groups), randomScenario(2, groups), randomScenario(3, groups)]) {
    const [mine, ref] = await Promise.all([run(s.shardis.port, sc.steps), run(s.redis.port, sc.steps)]);
    const compared = sc.steps.filter((step) => Array.isArray(step)) as (string | Buffer)[][];
    const diffs: string[] = [];
    for (let i = 0; i < ref.length; i++) {
      if (mine[i] !== ref[i]) {
        const cmd = compared[i].map((a) => (Buffer.isBuffer(a) ? JSON.stringify(a.toString('latin1')) : a)).join(' ');
        diffs.push(`#${i} ${cmd}\n  shardis: ${JSON.stringify(mine[i])}\n  redis:   ${JSON.stringify(ref[i])}`);
      }
    }
    t.equal(diffs.length, 0, sc.name + (diffs.length ? '\n' + diffs.slice(0, 5).join('\n') : ''));
  }
});

t.test('WATCH state is gone from every shard after EXEC, DISCARD, UNWATCH, RESET and disconnect', { skip: noMultiShard }, async (t) => {
  for (const workers of MULTI_SHARD_WORKERS) await t.test(`--workers ${workers}`, (t) => watchStateGone(t, workers));
});

/** Four keys on every shard are watched and unwatched every way there is; INFO tasks counts none afterwards. */
async function watchStateGone(t: Test, workers: number): Promise<void> {
  const srv = await startShardis(t, { workers });
  const info = await connectResp(t, srv.port);
  const watchedKeys = (): Promise<number> => shardTotal(info, 'watched_keys');
  const all = keysByShard('k', 4, workers, workers).flat();
  const a = await RespClient.connect(srv.port);
  for (const end of [['EXEC'], ['DISCARD'], ['UNWATCH'], ['RESET']]) {
    await a.call('WATCH', ...all);
    t.equal(await watchedKeys(), all.length, `watching before ${end[0]}`);
    if (end[0] !== 'UNWATCH' && end[0] !== 'RESET') await a.call('MULTI');
    await a.call(...end);
    await a.call('PING');
    t.equal(await watchedKeys(), 0, `no watches after ${end[0]}`);
  }
  await a.call('WATCH', ...all);
  await a.call('MULTI');
  await a.call('SET', all[0], '1');
  a.close();
  await waitFor(async () => (await watchedKeys()) === 0, 1000, 20);
  t.equal(await watchedKeys(), 0, 'no watches after the connection closed mid-MULTI');
}

diff.test('MIGRATE inside MULTI: EXEC replies as redis-server, the key moves, and the server goes on', async (t, s) => {
  // EXEC holds the shard lock for its queue; MIGRATE takes that lock when
  // run alone. Inside EXEC it used to wait for it: EXEC never replied, and
  // every later request of every client queued behind the two.
  const replies: Reply[] = [];
  for (const server of [s.shardis, s.redis]) {
    const target = await startRedis(t);
    const c = await connectResp(t, server.port);
    const keys = ['mk:a', 'mk:b', 'mk:c', 'mk:d'];
    await c.call('MSET', ...keys.flatMap((k) => [k, `v-${k}`]));
    const out = await c.pipeline([['MULTI'], ['MIGRATE', '127.0.0.1', target.port, '', 0, 5000, 'KEYS', ...keys], ['EXISTS', ...keys], ['EXEC']]);
    replies.push(out[3]);
    const r = await connectResp(t, target.port);
    t.same(await r.call('MGET', ...keys), keys.map((k) => `v-${k}`), 'the keys reached the target');
    t.equal(await c.call('PING'), 'PONG');
  }
  t.same(replies[0], replies[1], `EXEC replies alike (${JSON.stringify(replies[1])})`);
});
