/**
 * Server and client-registry commands over TCP: INFO, CLIENT, CONFIG, TIME,
 * DEBUG SLEEP, FLUSHDB/FLUSHALL, limits (maxclients, timeout), ioredis, and
 * differential runs of the deterministic replies against redis-server.
 */
import t from 'tap';
import { startShardis, WORKER_MATRIX, ANY_WORKERS } from './helpers/servers';
import { connectIoredis } from './helpers/ioredis';
import { RespClient, type Reply, connectResp } from './helpers/resp-client';
import { DifferentialSuite, rng, pick, type Cmd } from './helpers/differential';
import { info } from './helpers/info';
import { sleep, waitFor } from './helpers/util';

for (const workers of WORKER_MATRIX) {
  t.test(`INFO, TIME, FLUSH*, DEBUG SLEEP with --workers ${workers}`, async (t) => {
    const srv = await startShardis(t, { workers, args: ['--enable-debug-command', 'yes'] });
    const c = await connectResp(t, srv.port);

    const all = await info(c);
    for (const s of ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'modules', 'errorstats', 'cluster', 'keyspace', 'tasks']) {
      t.ok(all[s], `default INFO has ${s}`);
    }
    t.notOk(all.commandstats, 'default INFO has no commandstats');
    t.match(all.server.redis_version, /^7\.\d+\.\d+$/);
    t.equal(all.server.redis_mode, 'standalone');
    t.equal(all.server.tcp_port, String(srv.port));
    t.equal(all.server.process_id, String(srv.proc.pid));
    t.match(all.server.arch_bits, /^(32|64)$/);
    t.equal(all.clients.connected_clients, '1');
    t.equal(all.clients.maxclients, '10000');
    t.equal(all.clients.blocked_clients, '0');
    t.ok(Number(all.memory.used_memory_vm_heap) > 1e6, 'the V8 heaps are reported');
    t.match(all.memory.used_memory_human, /^\d+(\.\d\d[KMG]|B)$/);
    t.equal(all.memory.maxmemory, '0');
    t.equal(all.memory.maxmemory_policy, 'noeviction');
    t.equal(all.persistence.loading, '0');
    t.equal(all.replication.role, 'master');
    t.equal(all.replication.connected_slaves, '0');
    t.match(all.cpu.used_cpu_user, /^\d+\.\d{6}$/);
    t.equal(all.cluster.cluster_enabled, '0');
    t.same(all.keyspace, {});

    // Keyspace and stats follow the data.
    await c.call('SET', 'a', '1');
    await c.call('SET', 'b', '2', 'EX', '100');
    await c.call('SELECT', '3');
    await c.call('SET', 'c', '3');
    await c.call('SELECT', '0');
    await c.call('SET', 'gone', 'x', 'PX', '1');
    await sleep(20);
    t.equal(await c.call('GET', 'gone'), null);
    const ks = await info(c, 'keyspace', 'stats');
    t.match(ks.keyspace.db0, /^keys=2,expires=1,avg_ttl=\d+$/);
    t.ok(Number(/avg_ttl=(\d+)/.exec(ks.keyspace.db0)?.[1]) > 90000, 'avg_ttl near 100 s');
    t.equal(ks.keyspace.db3, 'keys=1,expires=0,avg_ttl=0');
    t.same(Object.keys(ks).sort(), ['keyspace', 'stats'], 'only the asked sections');
    t.equal(ks.stats.expired_keys, '1');
    t.ok(Number(ks.stats.total_commands_processed) >= 8);
    t.ok(Number(ks.stats.total_connections_received) >= 1);
    t.ok(Number(ks.stats.total_net_input_bytes) > 100 && Number(ks.stats.total_net_output_bytes) > 100, 'byte counters');

    // Sections: case-insensitive, unknown ones ignored, `all`/`everything` add commandstats.
    t.equal(await c.call('INFO', 'nosuch'), '');
    t.same(Object.keys(await info(c, 'CPU', 'nosuch')), ['cpu']);
    const every = await info(c, 'everything');
    t.match(every.commandstats['cmdstat_set'], /^calls=\d+,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0$/);
    t.ok(every.tasks, 'everything has tasks');
    t.ok((await info(c, 'all')).commandstats, 'all has commandstats');

    // errorstats and CONFIG RESETSTAT.
    await c.call('NOSUCHCOMMAND');
    await c.call('GET');
    t.equal((await info(c, 'errorstats')).errorstats.errorstat_ERR, 'count=2');
    t.equal(await c.call('CONFIG', 'RESETSTAT'), 'OK');
    const reset = await info(c, 'everything');
    t.same(reset.errorstats, {});
    t.equal(reset.stats.expired_keys, '0');
    t.notOk(reset.commandstats.cmdstat_set, 'commandstats reset');

    // TIME
    const [secs, usecs] = (await c.call('TIME')) as string[];
    t.ok(Math.abs(Number(secs) - Date.now() / 1000) < 5, 'TIME seconds');
    t.ok(Number(usecs) >= 0 && Number(usecs) < 1e6, 'TIME microseconds');

    // FLUSHDB / FLUSHALL
    t.same(await c.call('FLUSHDB', 'x'), { error: 'ERR syntax error' });
    t.equal(await c.call('FLUSHDB', 'ASYNC'), 'OK');
    t.equal(await c.call('DBSIZE'), 0);
    await c.call('SELECT', '3');
    t.equal(await c.call('DBSIZE'), 1, 'FLUSHDB leaves other dbs');
    t.equal(await c.call('FLUSHALL', 'sync'), 'OK');
    t.equal(await c.call('DBSIZE'), 0);
    await c.call('SELECT', '0');

    // DEBUG SLEEP blocks every client, like Redis's single thread.
    const other = await connectResp(t, srv.port);
    const started = Date.now();
    const slept = c.call('DEBUG', 'SLEEP', '0.3');
    await sleep(20);
    t.equal(await other.call('PING'), 'PONG');
    t.ok(Date.now() - started >= 280, `PING waited for DEBUG SLEEP (${Date.now() - started} ms)`);
    t.equal(await slept, 'OK');
    t.same(await c.call('DEBUG', 'nosuch'), { error: "ERR unknown subcommand or wrong number of arguments for 'nosuch'. Try DEBUG HELP." });
  });
}

for (const workers of WORKER_MATRIX) {
  t.test(`one server (--workers ${workers}): tasks, ioredis, CONFIG`, async (t) => {
    const srv = await startShardis(t, { workers });
    await t.test('INFO tasks return to baseline after 200 clients', async (t) => {
      const c = await connectResp(t, srv.port);
      const base = (await info(c, 'tasks')).tasks;
      t.same([base.read_tasks, base.write_tasks, base.signal_listeners, base.connections], ['1', '1', '1', '1']);
      const many = await Promise.all(Array.from({ length: 200 }, () => RespClient.connect(srv.port)));
      await Promise.all(many.map((m, i) => m.call('SET', `k${i}`, 'v')));
      const busy = (await info(c, 'tasks')).tasks;
      t.equal(busy.read_tasks, '201');
      t.equal(busy.connections, '201');
      // Half quit politely, half just drop the socket.
      await Promise.all(many.map((m, i) => (i % 2 === 0 ? m.call('QUIT') : (m.close(), Promise.resolve()))));
      const back = await waitFor(async () => {
        const tk = (await info(c, 'tasks')).tasks;
        return tk.read_tasks === '1' && tk.write_tasks === '1' && tk.signal_listeners === '1' && tk.inflight_requests === '0' && tk.connections === '1';
      });
      t.ok(back, `tasks back to baseline: ${JSON.stringify((await info(c, 'tasks')).tasks)}`);
      t.equal(await c.call('DBSIZE'), 200);
    });

    await t.test('ioredis connects (CLIENT SETINFO, INFO) and reads INFO', async (t) => {
      const redis = await connectIoredis(t, srv.port);
      t.equal(await redis.set('k', 'v'), 'OK');
      const text = await redis.info();
      t.match(text, /redis_version:7\.\d+\.\d+/);
      t.match(await redis.info('memory'), /maxmemory_policy:noeviction/);
      t.equal(await redis.call('CLIENT', 'GETNAME'), null);
      const c = await connectResp(t, srv.port);
      const list = (await c.call('CLIENT', 'LIST')) as string;
      t.match(list, /lib-name=ioredis/, 'ioredis announced itself with CLIENT SETINFO');
    });

    await t.test('CONFIG GET/SET', async (t) => {
      const c = await connectResp(t, srv.port);
      t.same(await c.call('CONFIG', 'GET', 'maxmemory-policy'), ['maxmemory-policy', 'noeviction']);
      const star = (await c.call('CONFIG', 'GET', '*')) as string[];
      t.ok(star.length > 150, 'many parameters');
      for (const p of ['save', 'appendonly', 'appendfsync', 'dir', 'dbfilename', 'maxmemory', 'lazyfree-lazy-user-del', 'notify-keyspace-events',
        'client-output-buffer-limit', 'tcp-keepalive', 'slowlog-max-len', 'list-max-listpack-size', 'hash-max-listpack-entries',
        'set-max-intset-entries', 'zset-max-listpack-entries', 'stream-node-max-entries', 'lua-time-limit', 'activerehashing', 'protected-mode']) {
        t.ok(star.includes(p), `CONFIG GET * has ${p}`);
      }
      t.same(await c.call('CONFIG', 'GET', 'H?'), ['hz', '10']);
      t.same(await c.call('CONFIG', 'GET', 'maxmemory-[p]olicy', 'nothing'), ['maxmemory-policy', 'noeviction']);

      // proto-max-bulk-len changes what the framer accepts.
      t.equal(await c.call('CONFIG', 'SET', 'proto-max-bulk-len', '1mb'), 'OK');
      t.same(await c.call('CONFIG', 'GET', 'proto-max-bulk-len'), ['proto-max-bulk-len', '1048576']);
      t.equal(await c.call('SET', 'big', 'x'.repeat(1024 * 1024)), 'OK', 'exactly the limit is accepted');
      const d = await RespClient.connect(srv.port);
      const r = await d.sendRaw(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${1024 * 1024 + 1}\r\n`);
      t.same(r, [{ error: 'ERR Protocol error: invalid bulk length' }]);
      await d.closed;
      t.equal(await c.call('CONFIG', 'SET', 'proto-max-bulk-len', '512mb'), 'OK');
      // The shards got the new limit too: APPEND past it fails there.
      t.equal(await c.call('CONFIG', 'SET', 'proto-max-bulk-len', '1048576'), 'OK');
      await sleep(50);
      const appended = await c.call('APPEND', 'big', 'y');
      t.same(appended, { error: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)' });

      // All or nothing.
      t.same(await c.call('CONFIG', 'SET', 'maxmemory', '10mb', 'hz', 'x'), {
        error: "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer",
      });
      t.same(await c.call('CONFIG', 'GET', 'maxmemory'), ['maxmemory', '0']);
      t.equal(await c.call('CONFIG', 'SET', 'maxmemory', '10mb', 'maxmemory-policy', 'ALLKEYS-LRU'), 'OK');
      const mem = (await info(c, 'memory')).memory;
      t.equal(mem.maxmemory, '10485760');
      t.equal(mem.maxmemory_policy, 'allkeys-lru');
      t.equal(await c.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA'), 'OK');
      t.same(await c.call('CONFIG', 'GET', 'notify-keyspace-events'), ['notify-keyspace-events', 'AKE']);
      t.same(await c.call('CONFIG', 'REWRITE'), { error: 'ERR The server is running without a config file' });
      t.match((await c.call('CONFIG', 'HELP')) as string[], [/^CONFIG <subcommand>/]);
    });
  });
}

new DifferentialSuite(t).test(
  'CLIENT, CONFIG, INFO, FLUSH errors match redis-server',
  async (t, s) => {
    const fixed: Cmd[] = [
      ['CLIENT'], ['CLIENT', 'foo'], ['CLIENT', 'ID', 'x'], ['CLIENT', 'GETNAME', 'x'], ['CLIENT', 'SETNAME'], ['CLIENT', 'SETNAME', 'a b'],
      ['CLIENT', 'SETNAME', 'a\nb'], ['CLIENT', 'SETNAME', '\x00'], ['CLIENT', 'SETNAME', 'ok-name'], ['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME', ''],
      ['CLIENT', 'GETNAME'], ['CLIENT', 'INFO', 'x'], ['CLIENT', 'KILL'], ['CLIENT', 'KILL', '1.2.3.4:5'], ['CLIENT', 'KILL', 'id'],
      ['CLIENT', 'KILL', 'ID', 'abc'], ['CLIENT', 'KILL', 'ID', '0'], ['CLIENT', 'KILL', 'ID', '-3'], ['CLIENT', 'KILL', 'ID', '999999'],
      ['CLIENT', 'KILL', 'TYPE', 'foo'], ['CLIENT', 'KILL', 'TYPE', 'master'], ['CLIENT', 'KILL', 'TYPE', 'pubsub'], ['CLIENT', 'KILL', 'SKIPME', 'maybe'],
      ['CLIENT', 'KILL', 'foo', 'bar'], ['CLIENT', 'KILL', 'USER', 'nobody'], ['CLIENT', 'KILL', 'ADDR', '1.1.1.1:1', 'ID', '5', 'SKIPME', 'no'],
      ['CLIENT', 'KILL', 'ID', '5', 'TYPE'], ['CLIENT', 'LIST', 'TYPE', 'foo'], ['CLIENT', 'LIST', 'ID', 'abc'], ['CLIENT', 'LIST', 'ID', '999999'],
      ['CLIENT', 'LIST', 'ID', '1', 'x'], ['CLIENT', 'LIST', 'foo'], ['CLIENT', 'LIST', 'TYPE', 'normal', 'x'], ['CLIENT', 'LIST', 'TYPE', 'replica'],
      ['CLIENT', 'NO-EVICT', 'maybe'], ['CLIENT', 'NO-EVICT', 'on'], ['CLIENT', 'NO-EVICT', 'OFF'], ['CLIENT', 'NO-EVICT'],
      ['CONFIG'], ['CONFIG', 'foo'], ['CONFIG', 'GET'], ['CONFIG', 'SET', 'hz'], ['CONFIG', 'SET', 'hz', '10', 'maxmemory'],
      ['CONFIG', 'SET', 'foo', 'bar'], ['CONFIG', 'SET', 'maxclients', 'abc'], ['CONFIG', 'SET', 'databases', '3'], ['CONFIG', 'SET', 'hz', '0'],
      ['CONFIG', 'GET', 'hz'], ['CONFIG', 'SET', 'hz', '600'], ['CONFIG', 'GET', 'hz'], ['CONFIG', 'SET', 'hz', '10'], ['CONFIG', 'SET', 'hz', '20', 'hz', '30'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'foo'], ['CONFIG', 'SET', 'maxmemory', '1xb'], ['CONFIG', 'SET', 'maxmemory', '-1'],
      ['CONFIG', 'SET', 'maxmemory', '1.5gb'], ['CONFIG', 'SET', 'maxmemory', '1GB'], ['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'SET', 'maxmemory', '0'],
      ['CONFIG', 'SET', 'appendonly', 'maybe'], ['CONFIG', 'SET', 'timeout', '-1'], ['CONFIG', 'SET', 'timeout', '9999999999'], ['CONFIG', 'SET', 'timeout', '010'],
      ['CONFIG', 'SET', 'proto-max-bulk-len', '10'], ['CONFIG', 'SET', 'proto-max-bulk-len', '1k'], ['CONFIG', 'SET', 'save', 'a b'],
      ['CONFIG', 'SET', 'save', '3600 1'], ['CONFIG', 'GET', 'save'], ['CONFIG', 'SET', 'save', ''], ['CONFIG', 'GET', 'save'],
      ['CONFIG', 'SET', 'save', '3600 1 300 100 60 10000'], ['CONFIG', 'SET', 'client-query-buffer-limit', '100'],
      ['CONFIG', 'SET', 'maxclients', '0'], ['CONFIG', 'SET', 'notify-keyspace-events', 'Z'], ['CONFIG', 'SET', 'notify-keyspace-events', 'KEA'],
      ['CONFIG', 'GET', 'notify-keyspace-events'], ['CONFIG', 'SET', 'notify-keyspace-events', 'An'], ['CONFIG', 'GET', 'notify-keyspace-events'],
      ['CONFIG', 'SET', 'notify-keyspace-events', 'Ed$'], ['CONFIG', 'GET', 'notify-keyspace-events'], ['CONFIG', 'SET', 'notify-keyspace-events', ''],
      ['CONFIG', 'SET', 'dir', '/tmp'], ['CONFIG', 'SET', 'dbfilename', 'x.rdb'], ['CONFIG', 'SET', 'tcp-backlog', '5'], ['CONFIG', 'SET', 'io-threads', '2'],
      ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1 2'], ['CONFIG', 'SET', 'client-output-buffer-limit', 'foo 1 2 3'],
      ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1mb 2 x'], ['CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 1mb 2 3'],
      ['CONFIG', 'GET', 'client-output-buffer-limit'], ['CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 33554432 8388608 60'],
      ['CONFIG', 'SET', 'lua-time-limit', '100'], ['CONFIG', 'GET', 'busy-reply-threshold'], ['CONFIG', 'GET', 'lua-time-limit'], ['CONFIG', 'SET', 'lua-time-limit', '5000'],
      ['CONFIG', 'SET', 'appendonly', 'YES'], ['CONFIG', 'GET', 'appendonly'], ['CONFIG', 'SET', 'appendonly', 'no'], ['CONFIG', 'GET', 'HZ'],
      ['CONFIG', 'RESETSTAT', 'x'], ['CONFIG', 'REWRITE'], ['CONFIG', 'GET', 'nothing*'], ['CONFIG', 'SET', '\x00bad\n', 'x'],
      ['FLUSHDB', 'x'], ['FLUSHDB', 'async', 'sync'], ['FLUSHALL', 'SYNC'], ['FLUSHALL', 'x'], ['TIME', 'x'], ['DBSIZE', 'x'], ['INFO', 'nosuch'],
      ['INFO', 'foo', 'bar'],
    ];
    // Deterministic CONFIG GET of the parameters both servers share.
    const shared = [
      'maxclients', 'timeout', 'hz', 'proto-max-bulk-len', 'client-query-buffer-limit', 'maxmemory', 'maxmemory-policy', 'save', 'appendonly',
      'appendfsync', 'notify-keyspace-events', 'maxmemory-samples', 'tcp-keepalive', 'protected-mode', 'requirepass', 'lazyfree-lazy-user-del',
      'lazyfree-lazy-user-flush', 'activerehashing', 'client-output-buffer-limit', 'slowlog-log-slower-than', 'slowlog-max-len', 'latency-tracking',
      'busy-reply-threshold', 'lua-time-limit', 'list-max-listpack-size', 'list-max-ziplist-size', 'list-compress-depth', 'hash-max-listpack-entries',
      'hash-max-ziplist-value', 'set-max-intset-entries', 'zset-max-listpack-entries', 'zset-max-listpack-value', 'hll-sparse-max-bytes',
      'stream-node-max-bytes', 'stream-node-max-entries', 'lfu-log-factor', 'lfu-decay-time', 'databases', 'dbfilename', 'replica-read-only',
      'slave-read-only', 'repl-backlog-size', 'io-threads', 'tcp-backlog', 'acllog-max-len', 'oom-score-adj', 'shutdown-timeout',
    ];
    for (const p of shared) fixed.push(['CONFIG', 'GET', p]);
    // Seeded random CONFIG SET/GET over shared parameters with good and bad values.
    const r = rng(77);
    // (timeout and maxclients stay out: random values would close or refuse the test's own clients.)
    const params = ['hz', 'maxmemory', 'appendonly', 'maxmemory-policy', 'slowlog-max-len', 'notify-keyspace-events', 'save', 'nosuch'];
    const vals = ['0', '1', '-1', '10', '100mb', '1gb', 'yes', 'no', 'abc', '', '\x00', 'allkeys-lru', 'KEA', 'g$', '3600 1', '99999999999', '1.5'];
    for (let i = 0; i < 200; i++) {
      const p = pick(r, params);
      fixed.push(r() < 0.7 ? ['CONFIG', 'SET', p, pick(r, vals)] : ['CONFIG', 'GET', p]);
    }
    fixed.push(['CONFIG', 'SET', 'hz', '10', 'maxmemory', '0', 'timeout', '0', 'maxclients', '10000', 'save', '3600 1 300 100 60 10000', 'notify-keyspace-events', '']);
    await s.check('CLIENT, CONFIG, INFO and FLUSH', fixed, {
      // CONFIG GET * order is Redis's hash order; compare as a map.
      normalize: (cmd, reply) => {
        if (String(cmd[0]).toUpperCase() === 'CONFIG' && String(cmd[1]).toUpperCase() === 'GET' && Array.isArray(reply)) {
          const pairs: Reply[] = [];
          for (let i = 0; i < reply.length; i += 2) pairs.push([reply[i], reply[i + 1]]);
          return pairs.sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));
        }
        return reply;
      },
    });
  },
  { workers: [ANY_WORKERS] },
);
