/**
 * Shardis from the outside: redis-cli one-shot commands, --pipe mass
 * insertion, commands on stdin; and the shardis-server command line itself
 * (--help, --version, bad flags, SIGTERM).
 */
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { startShardis, noRedisCli, REDIS_CLI, SERVER_MAIN, ANY_WORKERS } from './helpers/servers';
import { encodeCommand } from './helpers/resp-client';

function cli(port: number, args: string[], input?: string | Buffer): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(REDIS_CLI as string, ['-h', '127.0.0.1', '-p', String(port), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.once('error', reject);
    p.once('exit', (code) => resolve({ code, out, err }));
    if (input !== undefined) p.stdin.end(input);
    else p.stdin.end();
  });
}

t.test('redis-cli', { skip: noRedisCli }, async (t) => {
  const srv = await startShardis(t, { workers: ANY_WORKERS });
  const port = srv.port;
  t.same(await cli(port, ['PING']), { code: 0, out: 'PONG\n', err: '' });
  t.equal((await cli(port, ['SET', 'greeting', 'hello world'])).out, 'OK\n');
  t.equal((await cli(port, ['GET', 'greeting'])).out, 'hello world\n');
  t.equal((await cli(port, ['--no-raw', 'GET', 'nosuch'])).out, '(nil)\n');
  t.equal((await cli(port, ['--no-raw', 'DBSIZE'])).out, '(integer) 1\n');
  t.match((await cli(port, ['INFO', 'server'])).out, /redis_version:7\./);
  t.match((await cli(port, ['--no-raw', 'NOSUCH'])).out, /^\(error\) ERR unknown command 'NOSUCH'/);
  t.match((await cli(port, ['CONFIG', 'GET', 'maxmemory-policy'])).out, /^maxmemory-policy\nnoeviction\n$/);

  // Commands on stdin, one per line.
  const stdin = await cli(port, [], 'SET a 1\nINCR a\nGET a\nCLIENT SETNAME cli-user\nCLIENT GETNAME\n');
  t.equal(stdin.code, 0);
  t.equal(stdin.out, 'OK\n2\n2\nOK\ncli-user\n');

  // Mass insertion: 100,000 SETs through --pipe, then DBSIZE agrees.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardis-pipe-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'proto.txt');
  const parts: Buffer[] = [encodeCommand(['FLUSHALL'])];
  for (let i = 0; i < 100_000; i++) parts.push(encodeCommand(['SET', `key:${i}`, `value:${i}\x00\xff`]));
  fs.writeFileSync(file, Buffer.concat(parts));
  const piped = await cli(port, ['--pipe'], fs.readFileSync(file));
  t.equal(piped.code, 0, piped.err);
  t.match(piped.out, /errors: 0, replies: 100001/);
  t.equal((await cli(port, ['DBSIZE'])).out, '100000\n');
  t.equal((await cli(port, ['GET', 'key:99999'])).out, 'value:99999\x00\xff\n');
});

t.test('shardis-server command line', async (t) => {
  const run = (args: string[]): ReturnType<typeof spawnSync> => spawnSync(process.execPath, [SERVER_MAIN, ...args], { encoding: 'utf8', timeout: 10000 });
  const help = run(['--help']);
  t.equal(help.status, 0);
  t.match(help.stdout, /Usage: shardis-server/);
  const version = run(['--version']);
  t.equal(version.status, 0);
  t.match(version.stdout, /^Shardis \d+\.\d+\.\d+/);
  // Unknown parameters are fatal configuration errors, reported as redis-server reports them.
  const bogus = run(['--bogus', 'x']);
  t.equal(bogus.status, 1);
  t.match(bogus.stderr, /FATAL CONFIG FILE ERROR[\s\S]*>>> 'bogus "x"'\nBad directive or wrong number of arguments/);
  const workers = run(['--workers', 'abc']);
  t.equal(workers.status, 2);
  t.match(workers.stderr, /--workers expects an integer/);

  // SIGTERM: a running server (with a client connected) exits 0.
  const srv = await startShardis(t, { workers: ANY_WORKERS });
  const sock = await new Promise<net.Socket>((resolve) => {
    const s = net.connect(srv.port, '127.0.0.1', () => resolve(s));
  });
  sock.on('error', () => undefined);
  t.equal(await srv.stop(), 0, 'exit code 0 after SIGTERM');
  sock.destroy();
});
