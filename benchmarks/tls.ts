/**
 * TLS throughput: redis-benchmark --tls against redis-server with TLS and
 * Shardis with TLS (certificates made here by openssl), the same tests
 * alternated for `--rounds` rounds, medians and the Shardis/Redis ratio
 * printed. Random keys over a prefilled keyspace, as benchmarks/redis-benchmark.ts.
 *
 *   npm run build && node dist/benchmarks/tls.js [--pipeline 16] [--requests 200000]
 *     [--clients 50] [--rounds 3] [--workers <default>] [--keyspace 100000]
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_WORKERS } from '../src/cli';
import { freePort, median, ROOT, stop, type Target } from './lib/targets';

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
}

function makeCerts(dir: string): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=bench-ca'], dir);
  for (const name of ['server', 'client']) {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name === 'server' ? 'localhost' : 'client'}`], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '2'], dir);
  }
}

/** Waits until a TLS benchmark PING succeeds. */
function waitTls(port: number, tlsArgs: string[]): void {
  for (let i = 0; i < 100; i++) {
    const r = spawnSync('redis-cli', ['-p', String(port), ...tlsArgs, 'PING'], { encoding: 'utf8' });
    if (r.stdout.trim() === 'PONG') return;
    spawnSync('sleep', ['0.1']);
  }
  throw new Error(`TLS port ${port} never answered`);
}

async function main(): Promise<void> {
  const o = { pipeline: 16, requests: 200_000, clients: 50, rounds: 3, workers: DEFAULT_WORKERS, keyspace: 100_000 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '') as keyof typeof o;
    if (!(k in o)) throw new Error(`unknown option ${argv[i]}`);
    o[k] = Number(argv[i + 1]);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-tls-'));
  makeCerts(dir);
  const certArgs = ['--tls-cert-file', path.join(dir, 'server.crt'), '--tls-key-file', path.join(dir, 'server.key'), '--tls-ca-cert-file', path.join(dir, 'ca.crt')];
  const clientTls = ['--tls', '--cacert', path.join(dir, 'ca.crt'), '--cert', path.join(dir, 'client.crt'), '--key', path.join(dir, 'client.key')];
  const targets: (Target & { tlsPort: number })[] = [];
  {
    const port = await freePort();
    const tlsPort = await freePort();
    const proc = spawn('redis-server', ['--port', String(port), '--tls-port', String(tlsPort), '--save', '', '--appendonly', 'no', '--dir', dir, ...certArgs], { stdio: 'ignore' });
    targets.push({ name: 'redis', port, proc, tlsPort });
  }
  {
    const port = await freePort();
    const tlsPort = await freePort();
    const main = path.join(ROOT, 'dist', 'src', 'main.js');
    const proc = spawn(process.execPath, [main, '--port', String(port), '--tls-port', String(tlsPort), '--workers', String(o.workers), '--log-level', 'warn', ...certArgs], { stdio: 'ignore' });
    targets.push({ name: `shardis(w=${o.workers})`, port, proc, tlsPort });
  }
  for (const t of targets) {
    waitTls(t.tlsPort, clientTls);
    spawnSync('redis-benchmark', ['-p', String(t.port), '-c', '20', '-n', String(o.keyspace * 3), '-P', '64', '-d', '3', '-r', String(o.keyspace), '-t', 'set', '-q'], { encoding: 'utf8' });
  }
  const tests = ['set', 'get'];
  const rates = new Map<string, number[]>();
  for (let round = 0; round < o.rounds; round++) {
    for (const t of targets) {
      const r = spawnSync(
        'redis-benchmark',
        ['-p', String(t.tlsPort), ...clientTls, '-c', String(o.clients), '-n', String(o.requests), '-P', String(o.pipeline), '-r', String(o.keyspace), '-d', '3', '-t', tests.join(','), '--csv'],
        { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      );
      for (const line of r.stdout.split('\n')) {
        const m = /^"([^"]+)","([\d.]+)"/.exec(line);
        if (m === null) continue;
        const k = `${t.name} ${m[1]}`;
        rates.set(k, [...(rates.get(k) ?? []), Number(m[2])]);
      }
    }
  }
  console.log(`# TLS, redis-benchmark -P ${o.pipeline} -c ${o.clients} -n ${o.requests}, random keys over ${o.keyspace}, medians of ${o.rounds} rounds`);
  for (const test of ['SET', 'GET']) {
    const redis = median(rates.get(`redis ${test}`) ?? [0]);
    const shardis = median(rates.get(`${targets[1].name} ${test}`) ?? [0]);
    console.log(`${test.padEnd(4)} redis ${Math.round(redis).toString().padStart(8)} req/s   ${targets[1].name} ${Math.round(shardis).toString().padStart(8)} req/s   ratio ${(shardis / redis).toFixed(2)}`);
  }
  for (const t of targets) await stop(t);
  fs.rmSync(dir, { recursive: true, force: true });
}

void main();
