/**
 * INFO counters that were fixed zeros, against redis-server 7.0.15 doing the
 * same: tracking_clients (connections with CLIENT TRACKING on) and the
 * replication byte counters, total_net_repl_input_bytes on a replica (its
 * primary's snapshot and stream) and total_net_repl_output_bytes on a
 * primary (what it sends its replicas), which Redis 7.0 counts in
 * total_net_input_bytes / total_net_output_bytes as well.
 */
import t from 'tap';
import { ANY_WORKERS, noRedisServer, startRedis, startShardis } from './helpers/servers';
import { connectResp } from './helpers/resp-client';
import { info, infoNumber } from './helpers/info';
import { eventually } from './helpers/util';

/** Bytes of a command as a client sends it (a multibulk). */
function encodedLength(args: string[]): number {
  let n = `*${args.length}\r\n`.length;
  for (const a of args) n += `$${Buffer.byteLength(a)}\r\n`.length + Buffer.byteLength(a) + 2;
  return n;
}


t.test('tracking_clients counts the connections with tracking on', { skip: noRedisServer }, async (t) => {
  const redis = await startRedis(t);
  const shardis = await startShardis(t, { workers: ANY_WORKERS });
  const seen: Record<string, number[]> = {};
  for (const [name, port] of [['redis-server', redis.port], ['shardis', shardis.port]] as const) {
    const watcher = await connectResp(t, port);
    const a = await connectResp(t, port);
    const b = await connectResp(t, port);
    const counts: number[] = [];
    const count = async (): Promise<void> => {
      counts.push(await infoNumber(watcher, 'clients', 'tracking_clients'));
    };
    await count();
    const to = String(await watcher.call('CLIENT', 'ID'));
    await a.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', to);
    await count();
    await b.call('CLIENT', 'TRACKING', 'ON', 'BCAST', 'REDIRECT', to);
    await count();
    await a.call('CLIENT', 'TRACKING', 'OFF');
    await count();
    b.close();
    await eventually('the closed connection leaves tracking_clients', async () => (await infoNumber(watcher, 'clients', 'tracking_clients')) === 0);
    await count();
    seen[name] = counts;
  }
  t.same(seen.shardis, seen['redis-server'], `tracking_clients over the steps: ${JSON.stringify(seen)}`);
  t.same(seen.shardis, [0, 1, 2, 1, 0], 'the counts the steps make');
});

t.test('replication bytes are counted as redis-server counts them', { skip: noRedisServer }, async (t) => {
  // No PINGs in the stream while the test measures (the default period is 10 s); a full sync at once (redis-server waits 5 s by default).
  const quiet = ['--repl-ping-replica-period', '3600', '--repl-diskless-sync-delay', '0'];
  const deltas: Record<string, Record<string, number>> = {};
  for (const kind of ['redis-server', 'shardis'] as const) {
    const start = async (): Promise<number> => (kind === 'redis-server' ? (await startRedis(t, quiet)).port : (await startShardis(t, { workers: ANY_WORKERS, args: quiet })).port);
    const [pp, rp] = [await start(), await start()];
    const p = await connectResp(t, pp);
    const r = await connectResp(t, rp);
    await p.call('SET', 'before', 'sync');
    await r.call('REPLICAOF', '127.0.0.1', String(pp));
    // What the test itself sends the replica, which is all its client input should count.
    let sentToReplica = 0;
    const replicaInfo = async (section: string): Promise<Awaited<ReturnType<typeof info>>> => {
      sentToReplica += encodedLength(['INFO', section]);
      return info(r, section);
    };
    const caughtUp = async (): Promise<boolean> => {
      const [pi, ri] = [await info(p, 'replication'), await replicaInfo('replication')];
      return ri.replication.master_link_status === 'up' && ri.replication.master_repl_offset === pi.replication.master_repl_offset && pi.replication.slave0?.includes('state=online') === true;
    };
    await eventually(`${kind}: the replica is in sync`, caughtUp, 20_000);
    const afterSync = await infoNumber(r, 'stats', 'total_net_repl_input_bytes');
    t.ok(afterSync > 0, `${kind}: the replica counted its snapshot as replication input (${afterSync} bytes)`);
    const read = async (): Promise<Record<string, number>> => {
      const stats = (await replicaInfo('stats')).stats;
      return {
        primaryReplOut: await infoNumber(p, 'stats', 'total_net_repl_output_bytes'),
        replicaReplIn: Number(stats.total_net_repl_input_bytes),
        replicaIn: Number(stats.total_net_input_bytes),
      };
    };
    const before = await read();
    sentToReplica = 0;
    await p.call('SET', 'k', 'v');
    await p.call('RPUSH', 'list', 'a', 'bb', 'ccc');
    await eventually(`${kind}: the replica caught up`, caughtUp, 10_000);
    const sent = sentToReplica + encodedLength(['INFO', 'stats']);
    const after = await read();
    deltas[kind] = Object.fromEntries(Object.keys(before).map((k) => [k, after[k] - before[k]]));
    // The INFO that reads the counter has been counted when it runs; the stream is network input as well.
    t.equal(deltas[kind].replicaIn, sent + deltas[kind].replicaReplIn, `${kind}: the replica's network input is the test's commands (${sent} bytes) and the stream`);
  }
  const [ref, ours] = [deltas['redis-server'], deltas.shardis];
  t.equal(ours.primaryReplOut, ref.primaryReplOut, `the primary's replication output grew by the stream's bytes (${ours.primaryReplOut} vs ${ref.primaryReplOut})`);
  t.equal(ours.replicaReplIn, ref.replicaReplIn, `the replica's replication input grew by as much (${ours.replicaReplIn} vs ${ref.replicaReplIn})`);
  t.ok(ours.replicaReplIn > 0, 'the stream was counted');
});

t.test('the active expiry cycle reports its time and the cycles its time limit cut short, as redis-server does', { skip: noRedisServer }, async (t) => {
  const N = 250_000;
  const seen: Record<string, { cpuMs: number; capped: number; expired: number }> = {};
  for (const kind of ['redis-server', 'shardis'] as const) {
    const port = kind === 'redis-server' ? (await startRedis(t)).port : (await startShardis(t, { workers: ANY_WORKERS })).port;
    const c = await connectResp(t, port);
    const before = { cpuMs: await infoNumber(c, 'stats', 'expire_cycle_cpu_milliseconds'), capped: await infoNumber(c, 'stats', 'expired_time_cap_reached_count') };
    // Keys that expire together, more than one cycle's time share (25 ms of 100 at hz 10) can reclaim.
    const deadline = Date.now() + 2000;
    for (let i = 0; i < N; i += 10_000) {
      const batch: string[][] = [];
      for (let j = i; j < i + 10_000; j++) batch.push(['SET', `e:${j}`, 'v', 'PXAT', String(deadline)]);
      await c.pipeline(batch);
    }
    await eventually(`${kind}: every key expired`, async () => (await infoNumber(c, 'stats', 'expired_keys')) === N, 60_000);
    seen[kind] = {
      cpuMs: (await infoNumber(c, 'stats', 'expire_cycle_cpu_milliseconds')) - before.cpuMs,
      capped: (await infoNumber(c, 'stats', 'expired_time_cap_reached_count')) - before.capped,
      expired: N,
    };
  }
  t.ok(seen['redis-server'].capped > 0 && seen['redis-server'].cpuMs > 0, `redis-server: the scenario makes cycles reach their limit (${JSON.stringify(seen['redis-server'])})`);
  t.ok(seen.shardis.capped > 0, `shardis: cycles cut short by the time limit are counted (${seen.shardis.capped})`);
  // Each capped cycle took at least its share (25 ms); the time is all counted.
  t.ok(seen.shardis.cpuMs >= seen.shardis.capped * 20, `shardis: expire_cycle_cpu_milliseconds (${seen.shardis.cpuMs}) holds the capped cycles' time`);
});

t.test('migrate_cached_sockets counts MIGRATE\'s open connections, as redis-server does', { skip: noRedisServer }, async (t) => {
  const target = await startRedis(t);
  const counts: Record<string, number[]> = {};
  for (const kind of ['redis-server', 'shardis'] as const) {
    const port = kind === 'redis-server' ? (await startRedis(t)).port : (await startShardis(t, { workers: ANY_WORKERS })).port;
    const c = await connectResp(t, port);
    const n: number[] = [await infoNumber(c, 'stats', 'migrate_cached_sockets')];
    await c.call('SET', `m:${kind}`, 'v');
    t.equal(await c.call('MIGRATE', '127.0.0.1', String(target.port), `m:${kind}`, '0', '5000'), 'OK', `${kind}: MIGRATE`);
    n.push(await infoNumber(c, 'stats', 'migrate_cached_sockets'));
    counts[kind] = n;
  }
  t.same(counts.shardis, counts['redis-server'], `migrate_cached_sockets before and after a MIGRATE: ${JSON.stringify(counts)}`);
  t.same(counts.shardis, [0, 1], 'one cached connection to the target');
});

t.test('an error a replica answers its primary is counted in unexpected_error_replies, as redis-server counts it', { skip: noRedisServer }, async (t) => {
  const counts: Record<string, number[]> = {};
  for (const kind of ['redis-server', 'shardis'] as const) {
    const start = async (args: string[]): Promise<number> => (kind === 'redis-server' ? (await startRedis(t, args)).port : (await startShardis(t, { workers: ANY_WORKERS, args })).port);
    const [pp, rp] = [await start(['--repl-diskless-sync-delay', '0']), await start(['--replica-read-only', 'no'])];
    const p = await connectResp(t, pp);
    const r = await connectResp(t, rp);
    await r.call('REPLICAOF', '127.0.0.1', String(pp));
    const synced = async (): Promise<boolean> => {
      const [pi, ri] = [await info(p, 'replication'), await info(r, 'replication')];
      return ri.replication.master_link_status === 'up' && ri.replication.master_repl_offset === pi.replication.master_repl_offset;
    };
    await eventually(`${kind}: in sync`, synced, 20_000);
    const n = [await infoNumber(r, 'stats', 'unexpected_error_replies')];
    // The replica's own key of another type: the primary's LPUSH fails there with WRONGTYPE.
    await r.call('SET', 'k', 'only on the replica');
    await p.call('LPUSH', 'k', 'x');
    await p.call('SET', 'after', '1');
    await eventually(`${kind}: the replica took the stream`, async () => (await r.call('GET', 'after')) === '1', 10_000);
    n.push(await infoNumber(r, 'stats', 'unexpected_error_replies'), await infoNumber(p, 'stats', 'unexpected_error_replies'));
    counts[kind] = n;
  }
  t.same(counts.shardis, counts['redis-server'], `replica before and after, primary: ${JSON.stringify(counts)}`);
  t.same(counts.shardis, [0, 1, 0], 'one error, on the replica');
});

t.test('total_eviction_exceeded_time and current_eviction_exceeded_time time the stretch over maxmemory, as redis-server does', { skip: noRedisServer }, async (t) => {
  const seen: Record<string, string[]> = {};
  for (const kind of ['redis-server', 'shardis'] as const) {
    const args = ['--maxmemory-policy', 'noeviction'];
    const port = kind === 'redis-server' ? (await startRedis(t, args)).port : (await startShardis(t, { workers: ANY_WORKERS, args })).port;
    const c = await connectResp(t, port);
    const steps: string[] = [];
    const times = async (): Promise<[number, number]> => {
      const stats = (await info(c, 'stats')).stats;
      return [Number(stats.total_eviction_exceeded_time), Number(stats.current_eviction_exceeded_time)];
    };
    const [t0, c0] = await times();
    steps.push(`start ${t0} ${c0}`);
    // 4 MB of values, then a limit of 1 MB: the next write is refused, and from it on the server is over its limit.
    const fill: string[][] = [];
    for (let i = 0; i < 4000; i++) fill.push(['SET', `fill:${i}`, 'x'.repeat(1000)]);
    await c.pipeline(fill);
    await c.call('CONFIG', 'SET', 'maxmemory', '1mb');
    const r = await c.call('SET', 'one', 'more');
    steps.push(`refused ${typeof r === 'object' && r !== null && 'error' in r}`);
    await new Promise((res) => setTimeout(res, 400));
    const [t1, c1] = await times();
    steps.push(`over ${t1 >= 300 && c1 >= 300 && t1 >= c1}`);
    await c.call('FLUSHALL');
    await c.call('SET', 'after', 'flush');
    const [t2, c2] = await times();
    steps.push(`under ${t2 >= t1 && c2 === 0}`);
    seen[kind] = steps;
  }
  t.same(seen.shardis, seen['redis-server'], `the steps on both: ${JSON.stringify(seen)}`);
  t.same(seen.shardis, ['start 0 0', 'refused true', 'over true', 'under true'], 'timed from the refusal until the next write under the limit');
});
