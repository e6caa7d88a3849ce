/**
 * Cluster fixtures: nodes with cluster-enabled (Shardis or redis-server), each
 * with an explicit free cluster bus port (the default port + 10000 may be
 * taken or out of range for a random port), and redis-cli --cluster runs.
 */
import { spawn } from 'node:child_process';
import type { Test } from 'tap';
import { Cluster as IoCluster } from 'ioredis';
import { RespClient } from './resp-client';
import { ANY_WORKERS, MULTI_SHARD_WORKERS, freePort, REDIS_CLI, StartRaceError, startRedis, startShardis, type Teardownable } from './servers';

export type NodeKind = 'shardis' | 'redis';

export interface ClusterNodeProc {
  kind: NodeKind;
  port: number;
  stop: () => Promise<unknown>;
}

export const CLUSTER_NODE_TIMEOUT = 2000;

export async function startClusterNode(t: Teardownable, kind: NodeKind, workers: number): Promise<ClusterNodeProc> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startClusterNodeOnce(t, kind, workers);
    } catch (err) {
      // The bus port was free when chosen and taken before the node bound it: again with another.
      const raced = err instanceof StartRaceError || /EADDRINUSE/.test((err as Error).message);
      if (!raced || attempt === 3) throw err;
    }
  }
}

async function startClusterNodeOnce(t: Teardownable, kind: NodeKind, workers: number): Promise<ClusterNodeProc> {
  const busPort = await freePort();
  const args = ['--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-node-timeout', String(CLUSTER_NODE_TIMEOUT)];
  if (kind === 'shardis') {
    const s = await startShardis(t, { workers, args });
    return { kind, port: s.port, stop: s.stop };
  }
  // Diskless sync starts at once (its default 5 s delay only slows replica tests down).
  const r = await startRedis(t, [...args, '--repl-diskless-sync-delay', '0']);
  return { kind, port: r.port, stop: r.stop };
}

export interface CliRun {
  code: number | null;
  output: string;
}

/** Runs redis-cli with arguments (no shell), collecting stdout and stderr; never throws on a non-zero exit. */
export function redisCli(args: readonly string[], timeoutMs = 60_000): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    if (REDIS_CLI === null) return reject(new Error('redis-cli is not installed'));
    const p = spawn(REDIS_CLI, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    p.stdout.on('data', (d: Buffer) => (output += d.toString()));
    p.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.once('error', reject);
    p.once('exit', (code) => {
      clearTimeout(timer);
      // redis-cli colours its report; the escapes are noise in assertions.
      resolve({ code, output: output.replace(/\x1b\[[0-9;]*m/g, '') });
    });
  });
}

export function createCluster(ports: readonly number[], replicas = 0): Promise<CliRun> {
  return redisCli(['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', String(replicas), '--cluster-yes']);
}

export function checkCluster(port: number): Promise<CliRun> {
  return redisCli(['--cluster', 'check', `127.0.0.1:${port}`]);
}

/** What redis-cli --cluster check reports as a problem (it exits 0 for some warnings). */
export function checkProblems(run: CliRun): string[] {
  return run.output.split('\n').filter((l) => /\[(ERR|WARNING)\]/.test(l));
}

/** Several shards per Shardis node when the matrix has them: slots spread over shard threads inside a node. */
export const WORKERS = MULTI_SHARD_WORKERS[0] ?? ANY_WORKERS;

export async function nodesLines(port: number): Promise<string[]> {
  const c = await RespClient.connect(port);
  try {
    return String(await c.call('CLUSTER', 'NODES')).trim().split('\n');
  } finally {
    c.close();
  }
}

export async function clusterField(port: number, field: string): Promise<string> {
  const c = await RespClient.connect(port);
  try {
    const text = String(await c.call('CLUSTER', 'INFO'));
    return new RegExp(`^${field}:(.*)\r$`, 'm').exec(text)?.[1] ?? '';
  } finally {
    c.close();
  }
}

export async function startNodes(t: Test, kinds: readonly NodeKind[]): Promise<ClusterNodeProc[]> {
  const out: ClusterNodeProc[] = [];
  for (const k of kinds) out.push(await startClusterNode(t, k, WORKERS));
  return out;
}

/** Writes and reads keys through an ioredis Cluster client; returns it (closed at teardown). */
export async function ioCluster(t: Test, port: number): Promise<IoCluster> {
  const io = new IoCluster([{ host: '127.0.0.1', port }], { redisOptions: { maxRetriesPerRequest: 3 } });
  t.teardown(() => io.disconnect());
  await new Promise<void>((resolve, reject) => {
    io.once('ready', resolve);
    io.once('error', reject);
  });
  return io;
}

export async function myId(port: number): Promise<string> {
  const c = await RespClient.connect(port);
  try {
    return String(await c.call('CLUSTER', 'MYID'));
  } finally {
    c.close();
  }
}
