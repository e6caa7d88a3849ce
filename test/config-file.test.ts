/**
 * Configuration as redis-server takes it: a redis.conf-style file as first
 * argument (with include and multi-line save), `--name value` options that
 * override it, Redis's fatal report for a bad directive, and CONFIG REWRITE
 * writing the file back so a restart comes up with the same values. Each case
 * starts redis-server 7.0.15 with the same file and flags and compares.
 */
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { ANY_WORKERS, REDIS_SERVER, SERVER_MAIN, startRedis, startShardis } from './helpers/servers';
import { connectResp } from './helpers/resp-client';

const PARAMS = ['save', 'maxclients', 'timeout', 'hz', 'appendfsync', 'notify-keyspace-events', 'client-output-buffer-limit', 'dbfilename'];

function tmpDir(tt: { teardown(fn: () => unknown): void }): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'shardis-conf-'));
  tt.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

async function configOf(t: { teardown(fn: () => unknown): void }, port: number): Promise<Record<string, unknown>> {
  const c = await connectResp(t, port);
  const out: Record<string, unknown> = {};
  for (const p of PARAMS) out[p] = await c.call('CONFIG', 'GET', p);
  c.close();
  return out;
}

t.test('a config file with include, overridden by --name value, reads as redis-server reads it', { skip: REDIS_SERVER ? false : 'no redis-server' }, async (t) => {
  const dir = tmpDir(t);
  const inc = path.join(dir, 'inc.conf');
  fs.writeFileSync(inc, 'maxclients 77\nnotify-keyspace-events "KEA"\n');
  const conf = path.join(dir, 'main.conf');
  fs.writeFileSync(
    conf,
    `# comment\nsave 900 1\nsave 60 100\ninclude ${inc}\ntimeout 9\nhz 20\nclient-output-buffer-limit pubsub 1mb 512kb 30\ndbfilename 'my dump.rdb'\n`,
  );
  const extra = ['--timeout', '5', '--save', '10 2', '--appendfsync', 'always'];
  const shardis = await startShardis(t, { workers: ANY_WORKERS, configFile: conf, persist: true, args: extra });
  const redis = await startRedis(t, []);
  // startRedis passes --save "": start a second redis-server with the file first, as Shardis was.
  await redis.stop();
  const port = redis.port;
  const r = spawnSync(REDIS_SERVER as string, [conf, '--port', String(port), '--daemonize', 'yes', '--dir', dir, '--pidfile', path.join(dir, 'r.pid'), ...extra]);
  t.equal(r.status, 0);
  t.teardown(() => {
    try {
      process.kill(Number(fs.readFileSync(path.join(dir, 'r.pid'), 'utf8')), 'SIGKILL');
    } catch {
      /* already gone */
    }
  });
  await new Promise((res) => setTimeout(res, 300));
  t.same(await configOf(t, shardis.port), await configOf(t, port));
});

t.test('a bad directive is fatal with Redis\'s report', { skip: REDIS_SERVER ? false : 'no redis-server' }, async (t) => {
  const dir = tmpDir(t);
  const conf = path.join(dir, 'bad.conf');
  for (const [text, flags] of [
    ['port 7000\nfoo bar\n', []],
    ['port 7000\n', ['--maxclients', 'abc']],
    ['port "7000\n', []],
    ['dbfilename a/b.rdb\n', []],
    ['port 7000\n', ['--appenddirname', 'x/y']],
  ] as [string, string[]][]) {
    fs.writeFileSync(conf, text);
    const ours = spawnSync(process.execPath, [SERVER_MAIN, conf, ...flags], { encoding: 'utf8' });
    const theirs = spawnSync(REDIS_SERVER as string, [conf, ...flags], { encoding: 'utf8' });
    t.equal(ours.status, 1);
    t.equal(theirs.status, 1);
    const strip = (s: string): string => s.replace(/\(Redis [0-9.]+\)/, '');
    t.equal(strip(ours.stderr), strip(theirs.stderr), text);
  }
});

t.test('CONFIG REWRITE writes the file back and a restart keeps the values', async (t) => {
  const dir = tmpDir(t);
  const conf = path.join(dir, 'rw.conf');
  fs.writeFileSync(conf, '# keep this comment\nmaxclients 50\nmaxclients 60\nunixsocketperm 700\n'.replace('unixsocketperm 700\n', ''));
  const a = await startShardis(t, { workers: ANY_WORKERS, configFile: conf });
  const c = await connectResp(t, a.port);
  t.same(await c.call('CONFIG', 'SET', 'maxclients', '123', 'hz', '33', 'save', '100 5 200 6'), 'OK');
  t.same(await c.call('CONFIG', 'REWRITE'), 'OK');
  c.close();
  const text = fs.readFileSync(conf, 'utf8');
  t.match(text, /^# keep this comment\nmaxclients 123\n/);
  t.notMatch(text, /maxclients 60/);
  t.match(text, /\nsave 100 5\nsave 200 6\n/);
  await a.stop();
  const b = await startShardis(t, { workers: ANY_WORKERS, configFile: conf, persist: true });
  const d = await connectResp(t, b.port);
  t.same(await d.call('CONFIG', 'GET', 'maxclients'), ['maxclients', '123']);
  t.same(await d.call('CONFIG', 'GET', 'hz'), ['hz', '33']);
  t.same(await d.call('CONFIG', 'GET', 'save'), ['save', '100 5 200 6']);
  d.close();
  // Without a config file there is nothing to rewrite, as in Redis.
  const e = await startShardis(t, { workers: ANY_WORKERS });
  const f = await connectResp(t, e.port);
  t.same(await f.call('CONFIG', 'REWRITE'), { error: 'ERR The server is running without a config file' });
  f.close();
});
