/**
 * Prometheus metrics (src/metrics/metrics.ts): a server started with
 * --metrics-port serves /metrics; scrapes taken while traffic runs show the
 * counters moving (redis_exporter names and Shardis's own), the keys per db
 * agreeing with DBSIZE, teardowns counted by cause, the latency histograms
 * cumulative; CONFIG SET metrics-port moves or stops the listener.
 */
import t from 'tap';
import http from 'node:http';
import { startShardisWithPort, freePort, ANY_WORKERS, MULTI_SHARD_WORKERS } from './helpers/servers';
import { RespClient, connectResp } from './helpers/resp-client';

interface Scrape {
  status: number;
  type: string;
  body: string;
}

function scrape(port: number, path = '/metrics'): Promise<Scrape> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
      })
      .on('error', reject);
  });
}

/** The value of one sample line (`name{labels} value`), summed when `labels` matches several. */
function value(body: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  let found = false;
  for (const line of body.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).some(([k, v]) => have[k] !== v)) continue;
    total += Number(m[3]);
    found = true;
  }
  if (!found) throw new Error(`no sample ${name}${JSON.stringify(labels)} in the scrape`);
  return total;
}

const counts = [...new Set([ANY_WORKERS, ...MULTI_SHARD_WORKERS.slice(-1)])];

for (const workers of counts) {
  t.test(`--workers ${workers}: /metrics while traffic runs`, async (t) => {
    const { srv, port: metricsPort } = await startShardisWithPort(t, { workers }, (port) => ['--metrics-port', String(port)]);
    const admin = await connectResp(t, srv.port);
    t.same(await admin.call('CONFIG', 'GET', 'metrics-port'), ['metrics-port', String(metricsPort)]);

    const first = await scrape(metricsPort);
    t.equal(first.status, 200);
    t.match(first.type, /^text\/plain; version=0\.0\.4/);
    t.equal(value(first.body, 'redis_up'), 1);
    for (const name of ['redis_connected_clients', 'redis_memory_used_bytes', 'process_cpu_seconds_total', 'shardis_read_tasks', 'shardis_shard_keys', 'shardis_shard_queue_depth']) {
      t.doesNotThrow(() => value(first.body, name), `${name} is served`);
    }

    // Traffic on several connections for a while, scraped in the middle.
    let running = true;
    const N = 400;
    const traffic = Array.from({ length: 4 }, async (_, c) => {
      const cl = await RespClient.connect(srv.port);
      let rounds = 0;
      while (running || rounds < 2) {
        const cmds: string[][] = [];
        for (let i = 0; i < N / 4; i++) cmds.push(['SET', `k:${c}:${i}`, 'v'], ['GET', `k:${c}:${i}`], ['HSET', `h:${c}`, `f${i}`, 'v']);
        await cl.pipeline(cmds);
        rounds++;
      }
      await cl.call('QUIT').catch(() => undefined);
      cl.close();
      return rounds;
    });
    await new Promise((r) => setTimeout(r, 300));
    const middle = await scrape(metricsPort);
    t.equal(middle.status, 200, 'scraped while traffic runs');
    running = false;
    const rounds = (await Promise.all(traffic)).reduce((a, b) => a + b, 0);
    const last = await scrape(metricsPort);

    const moved = (name: string, labels: Record<string, string> = {}): number => value(last.body, name, labels) - value(first.body, name, labels);
    t.ok(moved('redis_commands_processed_total') >= rounds * N * 3 / 4, 'redis_commands_processed_total moved by the traffic');
    t.ok(value(last.body, 'redis_commands_total', { cmd: 'set' }) >= rounds * N / 4, 'redis_commands_total{cmd="set"} counts the SETs');
    t.ok(value(last.body, 'redis_commands_duration_seconds_total', { cmd: 'get' }) > 0, 'time spent in GET');
    t.ok(moved('redis_net_input_bytes_total') > 0 && moved('redis_net_output_bytes_total') > 0, 'network counters moved');
    t.ok(moved('shardis_shard_commands_total') >= rounds * N * 3 / 4, 'the shards counted the commands');
    t.ok(value(last.body, 'shardis_shard_batches_total') > 0 && value(last.body, 'shardis_shard_batch_size_mean') >= 1, 'batches counted');
    t.ok(value(last.body, 'redis_keyspace_hits_total') >= rounds * N / 4, 'GETs of present keys are hits');
    t.ok(value(middle.body, 'redis_commands_processed_total') <= value(last.body, 'redis_commands_processed_total'), 'the counter only grows');
    const dbsize = Number(await admin.call('DBSIZE'));
    t.equal(value(last.body, 'redis_db_keys', { db: 'db0' }), dbsize, 'redis_db_keys{db="db0"} is DBSIZE');
    t.equal(value(last.body, 'shardis_shard_keys'), dbsize, 'the shards hold those keys');
    t.ok(value(last.body, 'shardis_connections_closed_total', { cause: 'quit' }) >= 4, 'teardowns by cause: QUIT');
    // The latency histogram is cumulative and its count is the calls.
    const buckets = last.body.split('\n').filter((l) => l.startsWith('shardis_command_latency_seconds_bucket{cmd="set"'));
    const cum = buckets.map((l) => Number(l.split(' ')[1]));
    t.ok(cum.length > 10 && cum.every((v, i) => i === 0 || v >= cum[i - 1]), 'SET latency buckets are cumulative');
    t.equal(cum[cum.length - 1], value(last.body, 'shardis_command_latency_seconds_count', { cmd: 'set' }), '+Inf bucket = count');
    t.ok(value(last.body, 'shardis_command_latency_seconds_count', { cmd: 'set' }) >= rounds * N / 4, 'every SET timed');

    t.equal((await scrape(metricsPort, '/other')).status, 404, 'only /metrics is served');

    // CONFIG SET moves the listener, 0 stops it.
    const moved2 = await freePort();
    t.equal(await admin.call('CONFIG', 'SET', 'metrics-port', String(moved2)), 'OK');
    t.equal((await scrape(moved2)).status, 200, 'served on the new port');
    await t.rejects(scrape(metricsPort), 'not on the old one');
    t.equal(await admin.call('CONFIG', 'SET', 'metrics-port', '0'), 'OK');
    await t.rejects(scrape(moved2), 'metrics-port 0: not served');
  });
}
