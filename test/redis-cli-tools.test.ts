/**
 * redis-cli's own tools against Shardis, next to redis-server with the same
 * data: --bigkeys and --scan give the same answers, --memkeys, --stat,
 * --latency, --latency-history and monitor run and report what they should.
 * Tools that run until stopped are line-buffered with stdbuf and stopped by
 * their own timer.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { startShardis, startRedis, noRedisCli, noRedisServer, REDIS_CLI, ANY_WORKERS, which } from './helpers/servers';
import { RespClient, connectResp } from './helpers/resp-client';

const STDBUF = which('stdbuf');

function cli(port: number, args: string[], stopAfterMs = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    const cmd = stopAfterMs > 0 && STDBUF !== null ? STDBUF : (REDIS_CLI as string);
    const full = ['-h', '127.0.0.1', '-p', String(port), ...args];
    const p = spawn(cmd, cmd === STDBUF ? ['-oL', REDIS_CLI as string, ...full] : full, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
    p.stderr.on('data', (d: Buffer) => (out += d.toString('latin1')));
    p.once('error', reject);
    const timer = stopAfterMs > 0 ? setTimeout(() => p.kill('SIGINT'), stopAfterMs) : null;
    p.once('exit', () => {
      if (timer !== null) clearTimeout(timer);
      resolve(out);
    });
  });
}

async function fill(port: number): Promise<void> {
  const c = await RespClient.connect(port);
  await c.pipeline([
    ['FLUSHALL'], ['SET', 'small', 'x'], ['SET', 'big', 'y'.repeat(500)], ['RPUSH', 'list', '1', '2', '3', '4'], ['SADD', 'set', 'a', 'b'],
    ['HSET', 'hash', 'f1', 'v', 'f2', 'v', 'f3', 'v'], ['ZADD', 'zset', '1', 'a'], ['XADD', 'stream', '1-1', 'f', 'v'], ['SET', 'k1', '1'], ['SET', 'k2', '2'],
  ]);
  c.close();
}

t.test('redis-cli tools', { skip: noRedisCli || noRedisServer }, async (t) => {
  const srv = await startShardis(t, { workers: ANY_WORKERS });
  const ref = await startRedis(t);
  await fill(srv.port);
  await fill(ref.port);

  const biggest = (out: string): string[] => out.split('\n').filter((l) => /^Biggest|keys with/.test(l)).sort();
  t.same(biggest(await cli(srv.port, ['--bigkeys'])), biggest(await cli(ref.port, ['--bigkeys'])), '--bigkeys');

  const scan = async (port: number): Promise<string[]> => (await cli(port, ['--scan', '--pattern', 'k?'])).split('\n').filter((l) => l !== '').sort();
  t.same(await scan(srv.port), await scan(ref.port), '--scan --pattern');

  const memkeys = await cli(srv.port, ['--memkeys']);
  t.match(memkeys, /Sampled 9 keys in the keyspace!/, '--memkeys samples every key');
  t.match(memkeys, /Biggest string found '?"?big/, '--memkeys finds the biggest string');

  const stat = await cli(srv.port, ['--stat', '-i', '0.3'], 1200);
  t.match(stat, /keys\s+mem\s+clients\s+blocked\s+requests\s+connections/, '--stat header');
  t.match(stat, /\n9\s+\S+\s+\d+\s+0\s+\d+/, '--stat shows the 9 keys');

  t.match(await cli(srv.port, ['--latency', '--raw']), /^\d+ \d+ \d+\.\d+ \d+\n$/, '--latency (one sample line in raw mode)');
  const history = await cli(srv.port, ['--latency-history', '-i', '0.4'], 1500);
  t.ok(history.split('\n').filter((l) => /^\d+ \d+ \d+\.\d+ \d+$/.test(l)).length >= 2, '--latency-history prints a line per interval');

  // monitor: the feed shows another client's commands.
  const monitor = cli(srv.port, ['monitor'], 1200);
  await new Promise((r) => setTimeout(r, 400));
  const c = await connectResp(t, srv.port);
  await c.call('SET', 'watched', 'v');
  t.match(await monitor, /OK\n\d+\.\d{6} \[0 [^\]]+\] "SET" "watched" "v"/, 'monitor');
});
