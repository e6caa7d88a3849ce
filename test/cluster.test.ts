/**
 * Redis Cluster with real tools: redis-cli --cluster create/check on Shardis
 * nodes and on a cluster mixing Shardis and redis-server 7.0.15 nodes (the
 * bus is Redis's own protocol), an ioredis Cluster client reading and writing
 * through MOVED redirects, failure detection across both kinds of node,
 * PUBLISH over the bus, the CLUSTER commands' replies and errors compared
 * with redis-server, nodes.conf across a restart. Resharding and replica
 * promotion: test/cluster-reshard.test.ts.
 */
import t, { type Test } from 'tap';
import fs from 'node:fs';
import path from 'node:path';
import { ANY_WORKERS, noRedisCli, noRedisServer, startShardisWithPort } from './helpers/servers';
import { Subscriber } from './helpers/subscriber';
import { RespClient, connectResp, type Reply } from './helpers/resp-client';
import { runDifferential, describeMismatches, type Cmd } from './helpers/differential';
import {
  checkCluster, checkProblems, clusterField, createCluster, ioCluster, nodesLines, startClusterNode, startNodes, CLUSTER_NODE_TIMEOUT, WORKERS,
  type ClusterNodeProc,
} from './helpers/cluster';
import { eventually, replyKind, spin } from './helpers/util';

const skip = noRedisCli || noRedisServer;

async function exerciseCluster(t: Test, nodes: readonly ClusterNodeProc[]): Promise<void> {
  const create = await createCluster(nodes.map((n) => n.port));
  t.equal(create.code, 0, 'redis-cli --cluster create exits 0');
  t.match(create.output, /\[OK\] All 16384 slots covered/);
  for (const n of nodes) await eventually(`cluster_state:ok on ${n.port}`, async () => (await clusterField(n.port, 'cluster_state')) === 'ok', 10_000);
  const check = await checkCluster(nodes[0].port);
  t.equal(check.code, 0, 'redis-cli --cluster check exits 0');
  t.same(checkProblems(check), [], 'check reports no error or warning');
  t.match(check.output, /All nodes agree about slots configuration/);

  // Every node sees every other, with the same slot map.
  const maps = await Promise.all(nodes.map(async (n) => (await nodesLines(n.port)).map((l) => l.split(' ').filter((_, i) => i === 0 || i >= 8).join(' ')).sort()));
  for (const m of maps.slice(1)) t.same(m, maps[0], 'CLUSTER NODES agree on ids and slots');

  const io = await ioCluster(t, nodes[0].port);
  const N = 600;
  await Promise.all(Array.from({ length: N }, (_, i) => io.set(`key:${i}`, `v${i}`)));
  const got = await Promise.all(Array.from({ length: N }, (_, i) => io.get(`key:${i}`)));
  t.same(got, Array.from({ length: N }, (_, i) => `v${i}`), 'ioredis Cluster reads back every key');
  t.equal(await io.mset('{tag}a', '1', '{tag}b', '2'), 'OK', 'multi-key command on one hash tag');
  t.same(await io.mget('{tag}a', '{tag}b'), ['1', '2']);

  // Each key lives on the node serving its slot: per-node counts add up.
  let total = 0;
  for (const n of nodes) {
    const c = await connectResp(t, n.port);
    const size = Number(await c.call('DBSIZE'));
    total += size;
    const slotOfKey0 = Number(await c.call('CLUSTER', 'KEYSLOT', 'key:0'));
    const owns = (await nodesLines(n.port)).find((l) => l.includes('myself'))?.split(' ').slice(8) ?? [];
    const mine = owns.some((r) => {
      const [a, b = a] = r.split('-').map(Number);
      return slotOfKey0 >= a && slotOfKey0 <= b;
    });
    t.equal(Number(await c.call('CLUSTER', 'COUNTKEYSINSLOT', slotOfKey0)), mine ? 1 : 0, `COUNTKEYSINSLOT on ${n.kind} ${n.port}`);
    const other = await c.call('GET', 'key:0');
    if (!mine) t.match(other, { error: new RegExp(`^MOVED ${slotOfKey0} 127\\.0\\.0\\.1:\\d+$`) });
  }
  t.equal(total, N + 2, 'every key stored exactly once');
}

t.test('redis-cli --cluster create and check, ioredis Cluster, on 3 Shardis primaries', { skip }, async (t) => {
  const nodes = await startNodes(t, ['shardis', 'shardis', 'shardis']);
  await exerciseCluster(t, nodes);
  // nodes.conf is written as Redis writes it.
  const c = await connectResp(t, nodes[0].port);
  t.equal(await c.call('CLUSTER', 'SAVECONFIG'), 'OK');
  const dir = String(((await c.call('CONFIG', 'GET', 'dir')) as Reply[])[1]);
  const conf = fs.readFileSync(path.join(dir, 'nodes.conf'), 'latin1');
  t.match(conf, /^[0-9a-f]{40} 127\.0\.0\.1:\d+@\d+ myself,master - 0 \d+ \d+ connected \d+-\d+$/m);
  t.match(conf, /\nvars currentEpoch 3 lastVoteEpoch 0\n$/);
  t.equal(conf.split('\n').filter((l) => / master /.test(l) || /myself,master/.test(l)).length, 3);
});

t.test('a mixed cluster of Shardis and redis-server nodes', { skip }, async (t) => {
  const nodes = await startNodes(t, ['shardis', 'redis', 'shardis', 'redis']);
  await exerciseCluster(t, nodes);
  // INFO's cluster_connections is Redis's estimate (a link each way to every other node it knows): 6 on every node.
  const connections: string[] = [];
  for (const n of nodes) {
    const c = await connectResp(t, n.port);
    connections.push(`${n.kind} ${/cluster_connections:(\d+)/.exec(String(await c.call('INFO', 'clients')))?.[1]}`);
    c.close();
  }
  t.same(connections, ['shardis 6', 'redis 6', 'shardis 6', 'redis 6'], 'cluster_connections as redis-server counts them');

  // A Shardis node stops: every other node suspects it, then a majority marks it failed.
  await nodes[2].stop();
  for (const n of [nodes[0], nodes[1], nodes[3]]) {
    const failed = async (): Promise<boolean> => / master,fail /.test((await nodesLines(n.port)).find((l) => l.includes(`:${nodes[2].port}@`)) ?? '');
    await eventually(`${n.kind} ${n.port} to mark the stopped node as failed`, failed, 8 * CLUSTER_NODE_TIMEOUT);
    t.pass(`${n.kind} ${n.port} marks the stopped node as failed`);
    await eventually(`${n.kind} ${n.port} to report the cluster down`, async () => (await clusterField(n.port, 'cluster_state')) === 'fail', 3000);
  }
  const c = await connectResp(t, nodes[0].port);
  t.same(await c.call('SET', 'key:0', 'x'), { error: 'CLUSTERDOWN The cluster is down' }, 'a Shardis node refuses keys while the cluster is down');
});

t.test('PUBLISH reaches subscribers on every node of the cluster', { skip }, async (t) => {
  const nodes = await startNodes(t, ['shardis', 'redis', 'shardis']);
  const create = await createCluster(nodes.map((n) => n.port));
  t.equal(create.code, 0);
  const subs = await Promise.all(nodes.map((n) => Subscriber.connect(n.port)));
  t.teardown(() => subs.forEach((s) => s.close()));
  for (const s of subs) {
    s.send('SUBSCRIBE', 'news');
    await s.count(1);
  }
  for (const n of nodes) await eventually(`cluster_state:ok on ${n.port}`, async () => (await clusterField(n.port, 'cluster_state')) === 'ok', 10_000);
  for (const from of [0, 1]) {
    const pub = await connectResp(t, nodes[from].port);
    t.equal(await pub.call('PUBLISH', 'news', `hello from ${from}`), 1, 'the count is the local subscribers, as in Redis');
    for (const s of subs) {
      await s.until((r) => JSON.stringify(r) === JSON.stringify(['message', 'news', `hello from ${from}`]));
    }
    t.pass(`a PUBLISH on the ${nodes[from].kind} node reaches all three nodes' subscribers`);
  }
});

t.test('CLUSTER commands on one node: replies and errors as redis-server 7.0.15', { skip }, async (t) => {
  const shardis = await startClusterNode(t, 'shardis', WORKERS);
  const redis = await startClusterNode(t, 'redis', 0);
  const script: Cmd[] = [
    ['CLUSTER', 'KEYSLOT', 'foo'], ['CLUSTER', 'KEYSLOT', '{user1000}.following'], ['CLUSTER', 'KEYSLOT', ''],
    ['CLUSTER', 'COUNTKEYSINSLOT', '-1'], ['CLUSTER', 'COUNTKEYSINSLOT', 'abc'], ['CLUSTER', 'COUNTKEYSINSLOT', '16384'],
    ['CLUSTER', 'GETKEYSINSLOT', '1', '-1'], ['CLUSTER', 'GETKEYSINSLOT', '1', 'x'], ['CLUSTER', 'GETKEYSINSLOT', '20000', '1'],
    ['CLUSTER', 'ADDSLOTS', '99999'], ['CLUSTER', 'ADDSLOTS', 'abc'], ['CLUSTER', 'ADDSLOTS', '1', '1'],
    ['CLUSTER', 'ADDSLOTSRANGE', '10', '5'], ['CLUSTER', 'ADDSLOTSRANGE', '1', '2', '3'],
    ['CLUSTER', 'ADDSLOTS', '0', '1', '2'], ['CLUSTER', 'ADDSLOTS', '1'], ['CLUSTER', 'ADDSLOTSRANGE', '100', '200', '300', '400'],
    ['CLUSTER', 'DELSLOTS', '5000'], ['CLUSTER', 'DELSLOTSRANGE', '100', '150'], ['CLUSTER', 'DELSLOTSRANGE', '100', '101'],
    ['CLUSTER', 'COUNTKEYSINSLOT', '0'], ['CLUSTER', 'GETKEYSINSLOT', '0', '10'],
    ['CLUSTER', 'MEET', '1.2.3', '55'], ['CLUSTER', 'MEET', '127.0.0.1', 'abc'], ['CLUSTER', 'MEET', '127.0.0.1', '70000'],
    ['CLUSTER', 'MEET', '127.0.0.1', '1', 'x'],
    ['CLUSTER', 'FORGET', 'abc'], ['CLUSTER', 'REPLICATE', 'abc'], ['CLUSTER', 'REPLICAS', 'abc'], ['CLUSTER', 'SLAVES', 'abc'],
    ['CLUSTER', 'COUNT-FAILURE-REPORTS', 'abc'],
    ['CLUSTER', 'SETSLOT', '99999', 'STABLE'], ['CLUSTER', 'SETSLOT', '1', 'foo'], ['CLUSTER', 'SETSLOT', '1', 'NODE', 'abc'],
    ['CLUSTER', 'SETSLOT', '5000', 'MIGRATING', 'abc'], ['CLUSTER', 'SETSLOT', '1', 'MIGRATING', 'abc'], ['CLUSTER', 'SETSLOT', '1', 'IMPORTING', 'abc'],
    ['CLUSTER', 'SETSLOT', '1', 'STABLE'], ['CLUSTER', 'SETSLOT', '1', 'STABLE', 'x'],
    ['CLUSTER', 'FAILOVER'], ['CLUSTER', 'FAILOVER', 'foo'], ['CLUSTER', 'RESET', 'foo'],
    ['CLUSTER', 'SET-CONFIG-EPOCH', '-1'], ['CLUSTER', 'SET-CONFIG-EPOCH', 'abc'], ['CLUSTER', 'SET-CONFIG-EPOCH', '7'],
    ['CLUSTER', 'SET-CONFIG-EPOCH', '8'], ['CLUSTER', 'BUMPEPOCH'], ['CLUSTER', 'BUMPEPOCH'],
    ['CLUSTER', 'KEYSLOT'], ['CLUSTER', 'FOO'], ['CLUSTER', 'HELP'], ['CLUSTER', 'SAVECONFIG'], ['CLUSTER', 'LINKS'],
    ['READONLY'], ['READWRITE'], ['ASKING'], ['SELECT', '1'], ['SELECT', '0'],
    // The cluster is down (not every slot is served): keys get -CLUSTERDOWN or "not served".
    ['SET', 'foo', 'bar'], ['GET', '{a}x'], ['MSET', 'a', '1', 'b', '2'], ['MGET', '{t}1', '{t}2'], ['PING'],
    ['CLUSTER', 'FLUSHSLOTS'], ['CLUSTER', 'ADDSLOTSRANGE', '0', '16383'],
  ];
  const mismatches = await runDifferential(shardis.port, redis.port, script);
  t.equal(mismatches.length, 0, describeMismatches(mismatches));

  // Once every slot is served (the state settles in the cron), keys are served locally.
  const s = await connectResp(t, shardis.port);
  for (const port of [shardis.port, redis.port]) await eventually('cluster_state:ok', async () => (await clusterField(port, 'cluster_state')) === 'ok', 5000);
  // Every slot is here now: transactions are checked as a whole at EXEC, reads and writes are served.
  const served = await runDifferential(shardis.port, redis.port, [
    ['MULTI'], ['SET', '{a}1', 'x'], ['SET', '{b}1', 'y'], ['EXEC'], ['EXISTS', '{a}1'],
    ['MULTI'], ['SET', '{a}1', 'x'], ['GET', '{a}2'], ['EXEC'],
    ['MULTI'], ['MSET', '{a}1', 'x', '{b}1', 'y'], ['EXEC'],
    ['SET', 'k', 'v'], ['GET', 'k'], ['CLUSTER', 'COUNTKEYSINSLOT', '7629'], ['CLUSTER', 'GETKEYSINSLOT', '7629', '10'],
    ['MGET', 'k', '{k}'], ['SELECT', '0'], ['READONLY'], ['GET', 'k'], ['READWRITE'],
    ['MOVE', 'k', '1'], ['MOVE', 'k', 'x'], ['COPY', 'k', '{k}x', 'DB', '1'], ['COPY', 'k', '{k}x', 'DB', 'x'], ['COPY', 'k', '{k}x', 'DB', '0'],
    ['SWAPDB', '0', '1'], ['SWAPDB', '0', 'x'],
  ]);
  t.equal(served.length, 0, describeMismatches(served));
  t.equal(await s.call('SET', 'foo', 'bar'), 'OK');
  t.match(await s.call('MSET', 'a', '1', 'b', '2'), { error: "CROSSSLOT Keys in request don't hash to the same slot" });
  t.equal(await s.call('CLUSTER', 'COUNTKEYSINSLOT', 12182), 1);
  t.same(await s.call('CLUSTER', 'GETKEYSINSLOT', 12182, 5), ['foo']);
  const info = String(await s.call('CLUSTER', 'INFO'));
  t.match(info, /^cluster_state:ok\r\ncluster_slots_assigned:16384\r\ncluster_slots_ok:16384\r\ncluster_slots_pfail:0\r\ncluster_slots_fail:0\r\ncluster_known_nodes:1\r\ncluster_size:1\r\n/);
  const slots = (await s.call('CLUSTER', 'SLOTS')) as Reply[];
  t.same(slots, [[0, 16383, ['', shardis.port, await s.call('CLUSTER', 'MYID'), []]]], 'CLUSTER SLOTS (a node alone does not know its address yet, as in Redis)');
});

t.test('nodes.conf survives a restart: same id, slots and epoch', { skip }, async (t) => {
  const node = await startClusterNode(t, 'shardis', ANY_WORKERS);
  const c = await RespClient.connect(node.port);
  const id = await c.call('CLUSTER', 'MYID');
  await c.call('CLUSTER', 'ADDSLOTSRANGE', '0', '99');
  await c.call('CLUSTER', 'SET-CONFIG-EPOCH', '5');
  const dir = String(((await c.call('CONFIG', 'GET', 'dir')) as Reply[])[1]);
  c.close();
  await node.stop();
  const { srv: again } = await startShardisWithPort(t, { workers: ANY_WORKERS, dir }, (port) => ['--cluster-enabled', 'yes', '--cluster-port', String(port)]);
  const c2 = await connectResp(t, again.port);
  t.equal(await c2.call('CLUSTER', 'MYID'), id);
  const line = (await nodesLines(again.port))[0];
  t.match(line, new RegExp(`^${id} :${again.port}@\\d+ myself,master - 0 0 5 connected 0-99$`));
});

t.test('CLUSTER FLUSHSLOTS and a write at once: ordered one way or the other, never a key left in slots the node gave up', { skip }, async (t) => {
  // FLUSHSLOTS (like RESET) asks the shards whether the db is empty and then
  // drops the node's slots; a write in between would leave a key that no slot
  // of the node serves.
  // A node that had no slots waits about cluster-node-timeout before it reports ok again (Redis's rejoin
  // delay, 500 ms at least): a short timeout keeps the rounds short.
  const { srv: node } = await startShardisWithPort(t, { workers: WORKERS }, (port) => ['--cluster-enabled', 'yes', '--cluster-port', String(port), '--cluster-node-timeout', '500']);
  const admin = await connectResp(t, node.port);
  const writer = await connectResp(t, node.port);
  const flusher = await connectResp(t, node.port);
  const inconsistent: string[] = [];
  const outcomes = new Set<string>();
  for (let round = 0; round < 36; round++) {
    t.equal(await admin.call('CLUSTER', 'ADDSLOTSRANGE', 0, 16383), 'OK');
    await eventually('cluster_state:ok', async () => (await clusterField(node.port, 'cluster_state')) === 'ok', 10_000);
    const flushing = flusher.call('CLUSTER', 'FLUSHSLOTS');
    spin((round % 12) * 30);
    const set = await writer.call('SET', `fs:${round}`, 'v');
    const flushed = await flushing;
    const setKind = replyKind(set);
    const flushKind = typeof flushed === 'object' && flushed !== null && 'error' in flushed ? 'refused' : String(flushed);
    outcomes.add(`${flushKind}/${setKind}`);
    const keys = Number(await admin.call('DBSIZE'));
    if (flushKind === 'OK' ? keys !== 0 || setKind === 'OK' : keys !== 1 || setKind !== 'OK') inconsistent.push(`round ${round}: FLUSHSLOTS ${flushKind}, SET ${setKind}, ${keys} keys`);
    // Back to an empty node without slots for the next round.
    await admin.call('FLUSHALL');
    if (flushKind !== 'OK') t.equal(await admin.call('CLUSTER', 'FLUSHSLOTS'), 'OK');
  }
  t.same(inconsistent, [], `FLUSHSLOTS and a write are ordered (${[...outcomes].join(', ')})`);
});
