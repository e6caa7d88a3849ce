/**
 * Real libraries that stand on Lua scripts, unchanged, against Shardis:
 * BullMQ (a queue with delays, priorities, retries with backoff, one job that
 * always fails, QueueEvents; the same final counts as on redis-server, on the
 * multi-shard server with a hash-tagged queue name and without one), Redlock
 * guarding a non-atomic counter under 20 concurrent tasks, and
 * rate-limiter-flexible allowing exactly its points.
 *
 * SHARDIS_BULLMQ_JOBS sets the queue's size (default 1,000 to keep CI short;
 * the 10,000 pass too, see the report in docs/architecture.md).
 */
import t from 'tap';
import { Queue, Worker, QueueEvents } from 'bullmq';
import Redlock from 'redlock';
import { RateLimiterRedis } from 'rate-limiter-flexible';
import { connectIoredis } from './helpers/ioredis';
import { startShardis, startRedis, noRedisServer, WORKER_MATRIX } from './helpers/servers';
import { sleep } from './helpers/util';

const JOBS = Number(process.env.SHARDIS_BULLMQ_JOBS ?? 1000);
const SHARDED = Math.max(...WORKER_MATRIX);

interface Outcome {
  counts: Record<string, number>;
  completedEvents: number;
  failedEvents: number;
  failedReason: string | undefined;
  attemptsOfFailing: number;
}

async function runQueue(port: number, name: string, jobs: number): Promise<Outcome> {
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  let completedEvents = 0;
  let failedEvents = 0;
  events.on('completed', () => completedEvents++);
  events.on('failed', () => failedEvents++);
  await events.waitUntilReady();
  const failing = 7;
  const bulk = Array.from({ length: jobs }, (_, i) => ({
    name: 'job',
    data: { i },
    opts: {
      delay: i % 10 === 0 ? 30 : undefined,
      priority: i % 7 === 3 ? 1 + (i % 5) : undefined,
      attempts: i === failing || i % 50 === 1 ? 3 : 1,
      backoff: { type: i % 2 === 0 ? 'fixed' : 'exponential', delay: 5 },
    },
  }));
  for (let i = 0; i < bulk.length; i += 500) await queue.addBulk(bulk.slice(i, i + 500));
  const tried = new Map<number, number>();
  const worker = new Worker(
    name,
    async (job) => {
      const i = job.data.i as number;
      tried.set(i, (tried.get(i) ?? 0) + 1);
      if (i === failing) throw new Error('always fails');
      // Every 50th job fails once, then succeeds on its retry.
      if (i % 50 === 1 && job.attemptsMade === 0) throw new Error('fails once');
      return i * 2;
    },
    { connection, concurrency: 20 },
  );
  const deadline = Date.now() + 240_000;
  let counts: Record<string, number> = {};
  while (Date.now() < deadline) {
    counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'delayed', 'active', 'prioritized');
    if (counts.completed + counts.failed === jobs) break;
    await sleep(100);
  }
  // QueueEvents reads a stream: let it catch up with the last jobs.
  const evDeadline = Date.now() + 10_000;
  while (completedEvents < counts.completed && Date.now() < evDeadline) await sleep(50);
  const failedJob = (await queue.getFailed())[0];
  await worker.close();
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return { counts, completedEvents, failedEvents, failedReason: failedJob?.failedReason, attemptsOfFailing: tried.get(failing) ?? 0 };
}

t.test('BullMQ: the same outcome as on redis-server', { skip: noRedisServer }, async (t) => {
  const redis = await startRedis(t);
  const expected = await runQueue(redis.port, 'ref', JOBS);
  t.equal(expected.counts.completed, JOBS - 1, 'redis-server: every job but one completed');
  const srv = await startShardis(t, { workers: SHARDED });
  for (const name of ['{tagged}', 'plain']) {
    const got = await runQueue(srv.port, name, JOBS);
    t.same(got, expected, `--workers ${SHARDED}, queue ${name}: counts, events, the failing job's reason and attempts`);
  }
});

t.test('Redlock guards a non-atomic counter under 20 concurrent tasks', async (t) => {
  const srv = await startShardis(t, { workers: SHARDED });
  const clients = await Promise.all(Array.from({ length: 4 }, () => connectIoredis(t, srv.port)));
  const redlock = new Redlock(clients.slice(0, 1), { retryCount: 1000, retryDelay: 5, retryJitter: 5, driftFactor: 0.01 });
  const c = clients[1];
  await c.set('counter', '0');
  const ROUNDS = 5;
  await Promise.all(
    Array.from({ length: 20 }, async (_, task) => {
      const mine = clients[task % clients.length];
      for (let r = 0; r < ROUNDS; r++) {
        const lock = await redlock.lock('locks:counter', 2000);
        const v = Number(await mine.get('counter'));
        await sleep(1);
        await mine.set('counter', String(v + 1));
        await lock.unlock();
      }
    }),
  );
  t.equal(await c.get('counter'), String(20 * ROUNDS), 'no increment was lost');
  t.equal(await c.exists('locks:counter'), 0, 'the lock is released');
});

t.test('rate-limiter-flexible allows exactly its points', async (t) => {
  const srv = await startShardis(t, { workers: SHARDED });
  const client = await connectIoredis(t, srv.port);
  const limiter = new RateLimiterRedis({ storeClient: client, points: 7, duration: 60, keyPrefix: 'rl' });
  const results = await Promise.allSettled(Array.from({ length: 25 }, () => limiter.consume('user-1')));
  t.equal(results.filter((r) => r.status === 'fulfilled').length, 7, 'seven consumed');
  t.equal(results.filter((r) => r.status === 'rejected').length, 18, 'the rest refused');
  const res = await limiter.get('user-1');
  t.equal(res?.consumedPoints, 25);
  t.ok((res?.msBeforeNext ?? 0) > 50_000 && (res?.msBeforeNext ?? 0) <= 60_000, 'the window is the duration');
});
