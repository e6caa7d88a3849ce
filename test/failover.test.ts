/**
 * FAILOVER (src/replication/failover.ts, src/commands/failover.ts, the
 * target's PSYNC ... FAILOVER in src/commands/replication.ts) against
 * redis-server 7.0.15:
 * - every error reply, the same commands sent to a redis-server pair and a
 *   Shardis pair in the same states (no replicas, a replica not online, a
 *   failover waiting, on a replica, in cluster mode);
 * - scenarios run on a redis-server primary with a redis-server replica, and
 *   the same observations required of Shardis primary + Shardis replica,
 *   Shardis primary + redis-server replica and redis-server primary +
 *   Shardis replica: the hand-over (TO, and to any replica), a write issued
 *   while the failover waits (held, then -READONLY), roles swapped, equal
 *   DEBUG DIGEST; TIMEOUT without FORCE and FAILOVER ABORT (primary again,
 *   the held write runs); TIMEOUT with FORCE; a target that refuses the PSYNC.
 * A replica is kept from catching up by stopping its process (SIGSTOP) after
 * a write, so "waiting-for-sync" lasts exactly as long as a test wants.
 */
import t, { type Test } from 'tap';
import net from 'node:net';
import { connectResp, encodeCommand, type Reply, type RespClient } from './helpers/resp-client';
import { ANY_WORKERS, MULTI_SHARD_WORKERS, noRedisServer, startRedis, startShardis } from './helpers/servers';
import { startClusterNode } from './helpers/cluster';
import { everyShapeDataset } from './helpers/datasets';
import { info, infoField, infoNumber } from './helpers/info';
import { eventually, sleep, waitFor } from './helpers/util';

type Kind = 'shardis' | 'redis';

interface Node {
  kind: Kind;
  port: number;
  pid: number;
  c: RespClient;
  /** Log lines so far (Shardis only: pino JSON), for a failure's message. */
  output: () => string;
}

const SERVER_ARGS = ['--enable-debug-command', 'yes', '--repl-diskless-sync-delay', '0'];
/** The primary of a Shardis pair spreads its keys over shards (the feed's places matter there); the replica is any. */
const PRIMARY_WORKERS = MULTI_SHARD_WORKERS[0] ?? ANY_WORKERS;
const SYNC_MS = 30_000;

async function startNode(t: Test, kind: Kind, workers = ANY_WORKERS): Promise<Node> {
  if (kind === 'shardis') {
    const s = await startShardis(t, { workers, args: SERVER_ARGS });
    const c = await connectResp(t, s.port);
    return { kind, port: s.port, pid: s.proc.pid as number, c, output: s.output };
  }
  const r = await startRedis(t, SERVER_ARGS);
  const c = await connectResp(t, r.port);
  // Ours: startRedis made sure the server on this port reports the process it started.
  const pid = await infoNumber(c, 'server', 'process_id');
  return { kind, port: r.port, pid, c, output: () => '' };
}

async function replField(n: Node, field: string): Promise<string> {
  return infoField(n.c, 'replication', field);
}

/** Until the replica's link is up and the primary saw it acknowledge the whole stream. */
async function synced(p: Node, r: Node): Promise<void> {
  await eventually(`${r.kind} replica ${r.port} caught up with ${p.kind} primary ${p.port}`, async () => {
    const pi = (await info(p.c, 'replication')).replication ?? {};
    const ri = (await info(r.c, 'replication')).replication ?? {};
    const line = Object.entries(pi).find(([k, v]) => k.startsWith('slave') && v.includes(`port=${r.port},`))?.[1] ?? '';
    return ri.master_link_status === 'up' && line.includes('state=online') && line.includes(`offset=${pi.master_repl_offset},`);
  }, SYNC_MS);
}

/** A primary and its replica, the replica synced with a dataset of every shape. */
async function startPair(t: Test, pk: Kind, rk: Kind): Promise<{ p: Node; r: Node }> {
  const p = await startNode(t, pk, pk === 'shardis' ? PRIMARY_WORKERS : ANY_WORKERS);
  const r = await startNode(t, rk);
  t.equal(await r.c.call('REPLICAOF', '127.0.0.1', p.port), 'OK');
  const errors = (await p.c.pipeline(everyShapeDataset(11, 30))).filter((x) => typeof x === 'object' && x !== null && 'error' in x);
  t.same(errors, [], 'dataset written on the primary');
  await synced(p, r);
  return { p, r };
}

/**
 * Runs `fn` with the process stopped (SIGSTOP), continued afterwards
 * whatever happens (a stopped Shardis would not hear its teardown's SIGTERM).
 */
async function whileStopped<T>(n: Node, fn: () => Promise<T>): Promise<T> {
  process.kill(n.pid, 'SIGSTOP');
  try {
    return await fn();
  } finally {
    process.kill(n.pid, 'SIGCONT');
  }
}

/** A command whose reply has not come yet, and whether it has. */
function pending(c: RespClient, ...args: (string | number)[]): { reply: Promise<Reply>; answered: () => boolean } {
  let done = false;
  const reply = c.call(...args).then((r) => {
    done = true;
    return r;
  });
  return { reply, answered: () => done };
}

/** ROLE's first element, and for a replica whom it follows (host, port as the pair's own). */
async function roleOf(n: Node, pair: { p: Node; r: Node }): Promise<string> {
  const role = (await n.c.call('ROLE')) as Reply[];
  if (role[0] !== 'slave') return String(role[0]);
  const who = role[2] === pair.p.port ? 'p' : role[2] === pair.r.port ? 'r' : String(role[2]);
  return `slave of ${who} (${String(role[3])})`;
}

async function roles(pair: { p: Node; r: Node }): Promise<string[]> {
  return [await roleOf(pair.p, pair), await roleOf(pair.r, pair)];
}

/** Until both digests agree (the replica applying what the new primary streams), then the digest. */
async function sameDigest(a: Node, b: Node, what: string): Promise<string> {
  let last: Reply[] = [];
  const same = await waitFor(async () => {
    last = await Promise.all([a.c.call('DEBUG', 'DIGEST'), b.c.call('DEBUG', 'DIGEST')]);
    return last[0] === last[1];
  }, SYNC_MS, 200);
  if (!same) throw new Error(`${what}: digests differ: ${JSON.stringify(last)}`);
  return String(last[0]);
}

type Observations = Record<string, Reply | boolean>;

/** Runs `scenario` on a redis-server pair, then requires the same observations of every pair with Shardis in it. */
function compareWithRedis(name: string, scenario: (t: Test, pair: { p: Node; r: Node }) => Promise<Observations>, pairs: [Kind, Kind][]): void {
  t.test(name, { skip: noRedisServer }, async (t) => {
    let expected: Observations = {};
    await t.test('redis-server primary, redis-server replica (the reference)', async (t) => {
      expected = await scenario(t, await startPair(t, 'redis', 'redis'));
      t.comment(`redis-server: ${JSON.stringify(expected)}`);
    });
    for (const [pk, rk] of pairs) {
      await t.test(`${pk} primary, ${rk} replica`, async (t) => {
        const pair = await startPair(t, pk, rk);
        const seen = await scenario(t, pair);
        t.same(seen, expected, 'what redis-server does', { log: [pair.p.output(), pair.r.output()].join('\n').split('\n').filter((l) => /ailover|PSYNC|MASTER/.test(l)).slice(-20).join('\n') });
      });
    }
  });
}

const ALL_PAIRS: [Kind, Kind][] = [
  ['shardis', 'shardis'],
  ['shardis', 'redis'],
  ['redis', 'shardis'],
];

// ---- the hand-over ----

function handOver(to: boolean) {
  return async (t: Test, pair: { p: Node; r: Node }): Promise<Observations> => {
    const { p, r } = pair;
    const o: Observations = {};
    const writer = await connectResp(t, p.port);
    const before = await p.c.call('DEBUG', 'DIGEST');
    const held = await whileStopped(r, async () => {
      // The replica cannot acknowledge this: the failover waits for it.
      await p.c.call('SET', 'written:after-the-replica-stopped', '1');
      o.failover = await p.c.call('FAILOVER', ...(to ? ['TO', '127.0.0.1', r.port] : []));
      o.stateAfterCommand = await replField(p, 'master_failover_state');
      const w = pending(writer, 'SET', 'written:during-the-failover', '1');
      const read = pending(writer, 'GET', 'written:after-the-replica-stopped');
      await sleep(300);
      o.writeHeld = !w.answered();
      o.stillWaiting = await replField(p, 'master_failover_state');
      o.readAfterHeldWrite = read.answered();
      return { w, read };
    });
    // The replica catches up, acknowledges, and is handed over to.
    o.heldWriteReply = await held.w.reply;
    o.readReply = await held.read.reply;
    await eventually('the old primary follows the new one', async () => (await roleOf(p, pair)) === 'slave of r (connected)', SYNC_MS);
    o.oldPrimaryState = await replField(p, 'master_failover_state');
    o.roles = await roles(pair);
    o.newPrimaryHasTheWrites = await r.c.call('GET', 'written:after-the-replica-stopped');
    o.newPrimaryTakesWrites = await r.c.call('SET', 'written:on-the-new-primary', '1');
    o.oldPrimaryRefusesWrites = await p.c.call('SET', 'x', '1');
    const after = await sameDigest(p, r, 'after the hand-over');
    o.dataMoved = after !== before;
    o.writeReachedOldPrimary = await p.c.call('GET', 'written:on-the-new-primary');
    return o;
  };
}

compareWithRedis('FAILOVER TO host port: the target takes over, a write issued meanwhile is held and then refused', handOver(true), ALL_PAIRS);
compareWithRedis('FAILOVER to any replica (no TO)', handOver(false), [['shardis', 'shardis']]);

/**
 * Clients keep writing (pipelines of SET and of MSET over several keys, so
 * over several shards) while the failover runs: every write answered before
 * the hand-over is on the new primary, every later one got -READONLY.
 */
compareWithRedis('writes racing the failover: each one either on the new primary or refused', async (t, pair) => {
  const { p, r } = pair;
  const o: Observations = {};
  const writers = await Promise.all([connectResp(t, p.port), connectResp(t, p.port)]);
  const kept = new Map<string, string>();
  const refusals = new Set<string>();
  let others = 0;
  const loops = writers.map(async (w, wi) => {
    for (let round = 0; ; round++) {
      const batch: string[][] = [];
      for (let i = 0; i < 40; i++) {
        const k = `race:${wi}:${round}:${i}`;
        batch.push(i % 4 === 0 ? ['MSET', `${k}:a`, k, `${k}:b`, k, `${k}:c`, k] : ['SET', k, k]);
      }
      const replies = await w.pipeline(batch);
      let refused = false;
      replies.forEach((reply, i) => {
        const cmd = batch[i];
        if (reply === 'OK') for (let j = 1; j < cmd.length; j += 2) kept.set(cmd[j], cmd[j + 1]);
        else if (typeof reply === 'object' && reply !== null && 'error' in reply) {
          refused = true;
          refusals.add(reply.error);
        } else others++;
      });
      if (refused) return;
    }
  });
  await sleep(200);
  o.failover = await p.c.call('FAILOVER', 'TO', '127.0.0.1', r.port);
  await Promise.all(loops);
  await eventually('the old primary follows the new one', async () => (await roleOf(p, pair)) === 'slave of r (connected)', SYNC_MS);
  o.refusedWith = [...refusals];
  o.otherReplies = others;
  o.someWritesKept = kept.size > 0;
  const keys = [...kept.keys()];
  const values = (await r.c.call('MGET', ...keys)) as Reply[];
  const lost = keys.filter((k, i) => values[i] !== kept.get(k));
  o.everyAnsweredWriteOnTheNewPrimary = lost.length === 0;
  if (lost.length > 0) t.fail(`${lost.length} of ${keys.length} answered writes are not on the new primary`, { lost: lost.slice(0, 10) });
  o.roles = await roles(pair);
  await sameDigest(p, r, 'after the race');
  return o;
}, [['shardis', 'shardis'], ['shardis', 'redis']]);

/**
 * A write still running when FAILOVER comes (a script busy for a second):
 * redis-server runs FAILOVER only after it; Shardis runs FAILOVER at once
 * (a script's second run, its keys in one shard, runs there without the
 * shard lock) and must not hand over before the script's effects are in the
 * stream, although the replica had acknowledged everything else.
 */
const BUSY_SCRIPT = `
local t = redis.call('TIME')
local start = t[1] * 1000000 + t[2]
repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] - start >= tonumber(ARGV[1])
return redis.call('SET', KEYS[1], ARGV[2])
`;

compareWithRedis('a write still running in its shard when FAILOVER comes reaches the new primary', async (t, pair) => {
  const { p, r } = pair;
  const o: Observations = {};
  const scripter = await connectResp(t, p.port);
  // The first run of a script takes the shard lock (src/coordination/scripts.ts); the next runs in its shard alone.
  o.firstRun = await scripter.call('EVAL', BUSY_SCRIPT, 1, 'written:by-a-slow-script', 0, 'first run');
  await synced(p, r);
  const script = pending(scripter, 'EVAL', BUSY_SCRIPT, 1, 'written:by-a-slow-script', 1_000_000, 'written at the end');
  await sleep(200);
  o.scriptStillRunning = !script.answered();
  const admin = await connectResp(t, p.port);
  o.failover = await admin.call('FAILOVER', 'TO', '127.0.0.1', r.port);
  o.scriptReply = await script.reply;
  await eventually('the old primary follows the new one', async () => (await roleOf(p, pair)) === 'slave of r (connected)', SYNC_MS);
  o.onTheNewPrimary = await r.c.call('GET', 'written:by-a-slow-script');
  o.roles = await roles(pair);
  await sameDigest(p, r, 'after the hand-over');
  return o;
}, [['shardis', 'shardis']]);

// ---- aborts: TIMEOUT without FORCE, FAILOVER ABORT, a refused PSYNC ----

compareWithRedis('TIMEOUT without FORCE and FAILOVER ABORT: a primary again, the held write runs', async (t, pair) => {
  const { p, r } = pair;
  const o: Observations = {};
  const writer = await connectResp(t, p.port);
  const replid = await replField(p, 'master_replid');
  const tasksBefore = p.kind === 'shardis' ? await liveTasks(p) : null;
  await whileStopped(r, async () => {
    await p.c.call('SET', 'written:after-the-replica-stopped', '1');
    o.failover = await p.c.call('FAILOVER', 'TO', '127.0.0.1', r.port, 'TIMEOUT', 1500);
    o.waiting = await replField(p, 'master_failover_state');
    const w = pending(writer, 'SET', 'written:during-the-timeout', '1');
    await sleep(100);
    o.writeHeld = !w.answered();
    // The timeout passes: aborted, writes go on.
    o.heldWriteReply = await w.reply;
    o.afterTimeout = await replField(p, 'master_failover_state');
    o.roleAfterTimeout = await roleOf(p, pair);
    o.sameReplid = (await replField(p, 'master_replid')) === replid;
    // Again, and aborted by hand.
    o.again = await p.c.call('FAILOVER', 'TO', '127.0.0.1', r.port);
    const w2 = pending(writer, 'INCR', 'written:during-the-second');
    await sleep(200);
    o.secondWriteHeld = !w2.answered();
    // A client that leaves while its write is held: the write never runs.
    const quitter = await connectResp(t, p.port);
    quitter.write(encodeCommand(['SET', 'written:by-a-client-gone', '1']));
    await sleep(100);
    quitter.close();
    await sleep(100);
    o.abort = await p.c.call('FAILOVER', 'ABORT');
    o.secondWriteReply = await w2.reply;
    o.afterAbort = await replField(p, 'master_failover_state');
    o.abortAgain = await p.c.call('FAILOVER', 'ABORT');
    o.writesAfter = await p.c.call('SET', 'written:after-the-abort', '1');
    o.goneClientsWrite = await p.c.call('EXISTS', 'written:by-a-client-gone');
  });
  o.roles = await roles(pair);
  await synced(p, r);
  o.replicaHasTheWrites = await r.c.call('MGET', 'written:during-the-timeout', 'written:during-the-second', 'written:after-the-abort');
  await sameDigest(p, r, 'after the aborts');
  if (tasksBefore !== null) {
    // Nothing of the failovers is left: no timer, no immediate, no listener, no held command.
    t.same(await liveTasks(p), tasksBefore, 'INFO tasks back to what it was before the failovers');
  }
  return o;
}, [['shardis', 'shardis']]);

/** What INFO tasks counts of a server's async state. */
async function liveTasks(n: Node): Promise<Record<string, string>> {
  const tasks = (await info(n.c, 'tasks')).tasks ?? {};
  const keep = ['signal_listeners', 'active_resources', 'paused_commands', 'wait_clients', 'replicas'];
  return Object.fromEntries(keep.map((k) => [k, tasks[k]]));
}

compareWithRedis('TIMEOUT with FORCE: hands over to a target that never caught up', async (t, pair) => {
  const { p, r } = pair;
  const o: Observations = {};
  const writer = await connectResp(t, p.port);
  const held = await whileStopped(r, async () => {
    await p.c.call('SET', 'written:after-the-replica-stopped', '1');
    o.failover = await p.c.call('FAILOVER', 'TIMEOUT', 1000, 'FORCE', 'TO', '127.0.0.1', r.port);
    o.waiting = await replField(p, 'master_failover_state');
    const w = pending(writer, 'SET', 'written:during-the-failover', '1');
    // Past the timeout the primary follows the (stopped) target and waits for its answer.
    await eventually('failover-in-progress', async () => (await replField(p, 'master_failover_state')) === 'failover-in-progress', 10_000);
    o.roleInProgress = (await roleOf(p, pair)).replace(/ \(.*\)$/, '');
    o.writeHeld = !w.answered();
    // Now a replica: a new write is refused at once (the replica's -READONLY comes before the pause, as in Redis).
    const late = pending(await connectResp(t, p.port), 'SET', 'written:while-in-progress', '1');
    await sleep(300);
    o.lateWrite = late.answered() ? await late.reply : 'held';
    return w;
  });
  o.heldWriteReply = await held.reply;
  await eventually('the old primary follows the new one', async () => (await roleOf(p, pair)) === 'slave of r (connected)', SYNC_MS);
  o.state = await replField(p, 'master_failover_state');
  o.roles = await roles(pair);
  await sameDigest(p, r, 'after the forced hand-over');
  return o;
}, [['shardis', 'shardis'], ['shardis', 'redis'], ['redis', 'shardis']]);

compareWithRedis('the target refuses PSYNC FAILOVER: a primary again under a new replication id', async (t, pair) => {
  const { p, r } = pair;
  const o: Observations = {};
  const replid = await replField(p, 'master_replid');
  o.acl = await r.c.call('ACL', 'SETUSER', 'default', '-psync');
  o.failover = await p.c.call('FAILOVER', 'TO', '127.0.0.1', r.port);
  await eventually('the failover ended', async () => (await replField(p, 'master_failover_state')) === 'no-failover' && (await replField(p, 'role')) === 'master', SYNC_MS);
  o.newReplid = (await replField(p, 'master_replid')) !== replid;
  o.oldIdKept = (await replField(p, 'master_replid2')) === replid;
  o.takesWrites = await p.c.call('SET', 'written:after-the-refusal', '1');
  o.targetStillReplica = (await roleOf(r, pair)).replace(/ \(.*\)$/, '');
  await r.c.call('ACL', 'SETUSER', 'default', '+psync');
  // The replica continues with us (our old id is replid2).
  await synced(p, r);
  o.replicaHasTheWrite = await r.c.call('GET', 'written:after-the-refusal');
  await sameDigest(p, r, 'after the refusal');
  return o;
}, [['shardis', 'shardis'], ['shardis', 'redis'], ['redis', 'shardis']]);

// ---- error replies ----

type Exchange = [string, Reply | boolean];

/** Sends each command, in order, and keeps what it was and what came back. */
async function calls(n: Node, cmds: (string | number)[][]): Promise<Exchange[]> {
  const out: Exchange[] = [];
  for (const cmd of cmds) out.push([cmd.join(' '), await n.c.call(...cmd)]);
  return out;
}

/**
 * Runs the same steps on the redis-server pair and on the Shardis pair; the
 * replies must match one for one (the commands name each pair's own ports).
 */
async function sameReplies(t: Test, what: string, pairs: { redis: [Node, Node]; shardis: [Node, Node] }, steps: (p: Node, r: Node) => Promise<Exchange[]>): Promise<void> {
  const theirs = await steps(...pairs.redis);
  const ours = await steps(...pairs.shardis);
  t.ok(theirs.length > 0 && ours.length === theirs.length, `${what}: as many replies`);
  t.same(ours.map((x) => x[1]), theirs.map((x) => x[1]), what, { redis: theirs.map((x) => `${x[0]} -> ${JSON.stringify(x[1])}`) });
}

/**
 * A replica that asks for a diskless full sync and then only listens: with a
 * long repl-diskless-sync-delay it stays in wait_bgsave. PSYNC goes once the
 * REPLCONF replies came (redis-server refuses a PSYNC with replies still pending).
 * With `ack` it also sends REPLCONF ACK 0 every 200 ms once the sync began, so
 * the primary counts it online (its offset never catches up).
 */
function fakeReplica(t: Test, port: number, listeningPort: number, ack = false): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    t.teardown(() => s.destroy());
    s.once('error', reject);
    let got = '';
    const onData = (d: Buffer): void => {
      got += d.toString('latin1');
      if (got.split('\r\n').length < 3) return;
      s.off('data', onData);
      let acking: NodeJS.Timeout | null = null;
      s.on('data', () => {
        if (!ack || acking !== null) return;
        acking = setInterval(() => s.write(encodeCommand(['REPLCONF', 'ACK', 0])), 200);
        t.teardown(() => clearInterval(acking as NodeJS.Timeout));
      });
      if (got !== '+OK\r\n+OK\r\n') reject(new Error(`REPLCONF replied ${JSON.stringify(got)}`));
      s.write(encodeCommand(['PSYNC', '?', '-1']));
      resolve();
    };
    s.on('data', onData);
    s.once('connect', () => s.write(Buffer.concat([encodeCommand(['REPLCONF', 'listening-port', listeningPort]), encodeCommand(['REPLCONF', 'capa', 'eof'])])));
  });
}

t.test('FAILOVER error replies, in the same states as redis-server', { skip: noRedisServer }, async (t) => {
  const pairs = {
    redis: [await startNode(t, 'redis'), await startNode(t, 'redis')] as [Node, Node],
    shardis: [await startNode(t, 'shardis', PRIMARY_WORKERS), await startNode(t, 'shardis')] as [Node, Node],
  };

  await sameReplies(t, 'no replica: the arguments first, then "requires connected replicas"', pairs, (p) => calls(p, [
    ['FAILOVER'], ['FAILOVER', 'TO', '127.0.0.1', 6379], ['FAILOVER', 'ABORT'], ['failover', 'Abort'], ['FAILOVER', 'ABORT', 'extra'],
    ['FAILOVER', 'TO', '127.0.0.1', 6379, 'ABORT'], ['FAILOVER', 'FORCE'], ['FAILOVER', 'TIMEOUT', 0], ['FAILOVER', 'TIMEOUT', -5],
    ['FAILOVER', 'TIMEOUT', 'abc'], ['FAILOVER', 'TIMEOUT', '99999999999999999999'], ['FAILOVER', 'TIMEOUT', '1.5'], ['FAILOVER', 'TIMEOUT', '+5'],
    ['FAILOVER', 'TIMEOUT', 100, 'TIMEOUT', 100], ['FAILOVER', 'TO', '127.0.0.1', 'abc'], ['FAILOVER', 'TO', '127.0.0.1'], ['FAILOVER', 'TO', 'a', 1, 'TO', 'a', 1],
    ['FAILOVER', 'FORCE', 'FORCE'], ['FAILOVER', 'bogus'], ['FAILOVER', 'TIMEOUT'], ['FAILOVER', 'TO', '127.0.0.1', 99999999], ['FAILOVER', 'TO', '127.0.0.1', -1],
    ['FAILOVER', 'TIMEOUT', 1, 'FORCE', 'TO', 'h', 1], ['PSYNC', 'abc', 1, 'FAILOVER'],
  ]));

  for (const [p, r] of [pairs.redis, pairs.shardis]) {
    t.equal(await r.c.call('REPLICAOF', '127.0.0.1', p.port), 'OK');
    await p.c.call('SET', 'k', 'v');
    await synced(p, r);
  }
  await sameReplies(t, 'on a replica', pairs, async (_p, r) => {
    const out = await calls(r, [
      ['FAILOVER'], ['FAILOVER', 'TO', '127.0.0.1', r.port], ['FAILOVER', 'ABORT'], ['FAILOVER', 'bogus'], ['FAILOVER', 'TIMEOUT', 0],
      ['PSYNC', 'not-my-replid', 1, 'FAILOVER'], ['CLIENT', 'PAUSE', 5000, 'WRITE'],
    ]);
    // A replica refuses a write before it looks at a pause (what a primary that FAILOVER demoted does with new writes).
    const w = pending(await connectResp(t, r.port), 'SET', 'k', 'x');
    await sleep(200);
    out.push(['SET while paused', w.answered() ? await w.reply : 'held']);
    out.push(...(await calls(r, [['CLIENT', 'UNPAUSE']])));
    return out;
  });
  await sameReplies(t, 'an online replica: the condition on FORCE, targets that are not a replica', pairs, (p, r) => calls(p, [
    ['FAILOVER', 'FORCE'], ['FAILOVER', 'FORCE', 'TIMEOUT', 100], ['FAILOVER', 'TO', '127.0.0.1', r.port, 'FORCE'],
    ['FAILOVER', 'TO', '127.0.0.1', r.port + 1], ['FAILOVER', 'TO', 'localhost', r.port], ['FAILOVER', 'TO', '127.0.0.2', r.port, 'FORCE', 'TIMEOUT', 10],
    ['FAILOVER', 'TO', '127.0.0.1', -1], ['FAILOVER', 'ABORT'],
  ]));
  await sameReplies(t, 'a failover waiting for a stopped replica: what is refused meanwhile, then ABORT', pairs, (p, r) =>
    whileStopped(r, async () => {
      await p.c.call('SET', 'k', 'v2');
      const out = await calls(p, [['FAILOVER', 'TO', '127.0.0.1', r.port, 'TIMEOUT', 60_000]]);
      out.push(['state', await replField(p, 'master_failover_state')]);
      out.push(...(await calls(p, [
        ['FAILOVER'], ['FAILOVER', 'TO', '127.0.0.1', r.port], ['FAILOVER', 'bogus'], ['REPLICAOF', 'NO', 'ONE'], ['REPLICAOF', '127.0.0.1', 1],
        ['GET', 'k'], ['CLIENT', 'UNPAUSE'], ['CLIENT', 'PAUSE', 100, 'WRITE'],
      ])));
      // Neither CLIENT UNPAUSE nor the end of a CLIENT PAUSE ends the failover's pause.
      const w = pending(await connectResp(t, p.port), 'SET', 'k', 'v3');
      await sleep(300);
      out.push(['write held', !w.answered()]);
      const sync = await connectResp(t, p.port);
      out.push(['PSYNC ? -1', await sync.call('PSYNC', '?', -1)]);
      out.push(...(await calls(p, [['FAILOVER', 'ABORT']])));
      out.push(['held write', await w.reply]);
      out.push(['state', await replField(p, 'master_failover_state')]);
      out.push(...(await calls(p, [['FAILOVER', 'ABORT'], ['GET', 'k']])));
      return out;
    }),
  );
  await sameReplies(t, 'a target that is not online yet (waiting for its full sync)', pairs, async (p) => {
    const listening = 1;
    await p.c.call('CONFIG', 'SET', 'repl-diskless-sync-delay', 60);
    await fakeReplica(t, p.port, listening);
    await eventually('the fake replica is attached', async () => String(await p.c.call('INFO', 'replication')).includes(`port=${listening},state=wait_bgsave`));
    return calls(p, [['FAILOVER', 'TO', '127.0.0.1', listening], ['FAILOVER', 'TO', '127.0.0.1', listening, 'TIMEOUT', 10, 'FORCE']]);
  });
});

t.test('FAILOVER in cluster mode, as redis-server', { skip: noRedisServer }, async (t) => {
  const cmds = [['FAILOVER'], ['FAILOVER', 'ABORT'], ['FAILOVER', 'bogus'], ['FAILOVER', 'TO', '127.0.0.1', 1]];
  const replies = async (port: number): Promise<Reply[]> => {
    const c = await connectResp(t, port);
    const out: Reply[] = [];
    for (const cmd of cmds) out.push(await c.call(...cmd));
    return out;
  };
  const theirs = await replies((await startClusterNode(t, 'redis', ANY_WORKERS)).port);
  const ours = await replies((await startClusterNode(t, 'shardis', ANY_WORKERS)).port);
  t.same(ours, theirs);
  t.match(theirs[0], { error: /cluster mode/ }, 'redis-server refuses it in cluster mode');
});

t.test('a failover whose target refuses the link retries it every 100 ms, as redis-server does', { skip: noRedisServer }, async (t) => {
  const attempts: Record<string, number> = {};
  for (const kind of ['redis', 'shardis'] as const) {
    const p = await startNode(t, kind);
    // The target: a replica (REPLCONF, PSYNC, one ACK) whose listening port closes every connection it gets.
    const target = net.createServer((s) => {
      attempts[kind] = (attempts[kind] ?? 0) + 1;
      s.destroy();
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    t.teardown(() => target.close());
    const targetPort = (target.address() as net.AddressInfo).port;
    await fakeReplica(t, p.port, targetPort, true);
    await eventually(`${kind}: the fake replica is online`, async () => /state=online/.test(String(await p.c.call('INFO', 'replication'))), 10_000);
    attempts[kind] = 0;
    // FORCE: past the TIMEOUT the primary hands over without waiting for the target to catch up.
    t.equal(await p.c.call('FAILOVER', 'TO', '127.0.0.1', targetPort, 'TIMEOUT', 100, 'FORCE'), 'OK', `${kind}: FAILOVER`);
    await eventually(`${kind}: failover in progress`, async () => (await replField(p, 'master_failover_state')) === 'failover-in-progress', 5_000);
    const from = attempts[kind];
    await sleep(1000);
    attempts[kind] -= from;
    t.equal(await p.c.call('FAILOVER', 'ABORT'), 'OK', `${kind}: FAILOVER ABORT`);
  }
  t.ok(attempts.redis >= 5, `redis-server retried ${attempts.redis} times in a second`);
  t.ok(attempts.shardis >= 5 && attempts.shardis <= 15, `Shardis retried ${attempts.shardis} times in a second (redis-server ${attempts.redis})`);
});
