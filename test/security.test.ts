/**
 * Security settings that are not plain replies: protected mode, the
 * yes/no/local switches (enable-debug-command, enable-protected-configs),
 * rename-command and users from the configuration file, the aclfile
 * (ACL LOAD / SAVE), and DELUSER ending a user's connections. Replies are
 * the texts redis-server 7.0.15 gives (checked by hand against it; the
 * deterministic ones are compared live in acl-diff.test.ts).
 */
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { RespClient } from './helpers/resp-client';
import { ANY_WORKERS, REDIS_CLI, startShardis } from './helpers/servers';
import { connectIoredis } from './helpers/ioredis';
import { spawnSync } from 'node:child_process';
import { err, rawExchange, waitFor } from './helpers/util';

/** A non-loopback IPv4 address of this host, to connect "from another computer". */
function externalAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

const EXTERNAL = externalAddress();
const noExternal = EXTERNAL === undefined ? 'this host has no non-loopback IPv4 address' : false;

function tmpDir(t: { teardown(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardis-sec-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test('protected mode refuses other hosts while the default user has no password', { skip: noExternal }, async (t) => {
  const srv = await startShardis(t, { workers: ANY_WORKERS, args: ['--bind', '0.0.0.0'] });
  const far = await rawExchange(srv.port, EXTERNAL as string, 'PING\r\n');
  t.match(far.data, /^-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user\./);
  t.ok(far.closed, 'the connection is closed');
  const near = await RespClient.connect(srv.port);
  t.teardown(() => near.close());
  t.equal(await near.call('PING'), 'PONG', 'loopback clients are served');
  // With a password, other hosts may connect (and must authenticate).
  t.equal(await near.call('CONFIG', 'SET', 'requirepass', 'pw'), 'OK');
  const auth = await rawExchange(srv.port, EXTERNAL as string, 'PING\r\nAUTH pw\r\nPING\r\n');
  t.equal(auth.data, '-NOAUTH Authentication required.\r\n+OK\r\n+PONG\r\n');
  // protected-mode no: served without a password too.
  await near.call('CONFIG', 'SET', 'requirepass', '');
  t.equal(await near.call('CONFIG', 'SET', 'protected-mode', 'no'), 'OK');
  t.equal((await rawExchange(srv.port, EXTERNAL as string, 'PING\r\n')).data, '+PONG\r\n');
  t.match(await near.call('INFO', 'stats'), /rejected_connections:1\r\n/);
});

t.test('enable-debug-command and enable-protected-configs: no, yes, local', async (t) => {
  const denied = err(
    'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.',
  );
  const protectedErr = err("ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config");
  const dir = tmpDir(t);
  t.test('defaults: both refused', async (t) => {
    const srv = await startShardis(t, { workers: ANY_WORKERS, args: ['--requirepass', 'pw'] });
    const c = await RespClient.connect(srv.port);
    t.teardown(() => c.close());
    // Refused before authentication, as Redis checks it first.
    t.same(await c.call('DEBUG', 'SLEEP', '0'), denied);
    await c.call('AUTH', 'pw');
    t.same(await c.call('DEBUG', 'SLEEP', '0'), denied);
    t.same(await c.call('CONFIG', 'SET', 'dir', dir), protectedErr);
    t.same(await c.call('CONFIG', 'SET', 'enable-debug-command', 'yes'), err("ERR CONFIG SET failed (possibly related to argument 'enable-debug-command') - can't set immutable config"));
    t.same(await c.call('CONFIG', 'GET', 'enable-debug-command'), ['enable-debug-command', 'no']);
  });
  t.test('yes', async (t) => {
    const srv = await startShardis(t, { workers: ANY_WORKERS, args: ['--enable-debug-command', 'yes', '--enable-protected-configs', 'yes'] });
    const c = await RespClient.connect(srv.port);
    t.teardown(() => c.close());
    t.equal(await c.call('DEBUG', 'SLEEP', '0'), 'OK');
    t.equal(await c.call('CONFIG', 'SET', 'dir', dir), 'OK');
    t.same(await c.call('CONFIG', 'GET', 'dir'), ['dir', dir]);
  });
  t.test('local: loopback clients only', async (t) => {
    const srv = await startShardis(t, {
      workers: ANY_WORKERS,
      args: ['--enable-debug-command', 'local', '--enable-protected-configs', 'local', '--bind', '0.0.0.0', '--requirepass', 'pw'],
    });
    const c = await RespClient.connect(srv.port);
    t.teardown(() => c.close());
    await c.call('AUTH', 'pw');
    t.equal(await c.call('DEBUG', 'SLEEP', '0'), 'OK');
    t.equal(await c.call('CONFIG', 'SET', 'dir', dir), 'OK');
    if (EXTERNAL !== undefined) {
      const far = await RespClient.connect(srv.port, EXTERNAL);
      t.teardown(() => far.close());
      await far.call('AUTH', 'pw');
      t.same(await far.call('DEBUG', 'SLEEP', '0'), denied);
      t.same(await far.call('CONFIG', 'SET', 'dir', dir), protectedErr);
    }
  });
});

t.test('rename-command and users in the configuration file', async (t) => {
  const dir = tmpDir(t);
  const conf = path.join(dir, 'shardis.conf');
  fs.writeFileSync(conf, 'rename-command set myset\nrename-command flushall ""\nuser bob on >bobpw ~b* +@all -@dangerous\nuser default on nopass ~* &* +@all\n');
  const srv = await startShardis(t, { workers: ANY_WORKERS, configFile: conf });
  const c = await RespClient.connect(srv.port);
  t.teardown(() => c.close());
  t.same(await c.call('SET', 'a', '1'), err("ERR unknown command 'SET', with args beginning with: 'a' '1' "));
  t.equal(await c.call('MYSET', 'a', '1'), 'OK');
  t.equal(await c.call('myset', 'b1', '1'), 'OK');
  t.same(await c.call('FLUSHALL'), err("ERR unknown command 'FLUSHALL', with args beginning with: "));
  t.same(await c.call('ACL', 'LIST'), ['user bob on #' + sha256('bobpw') + ' ~b* resetchannels +@all -@dangerous', 'user default on nopass sanitize-payload ~* &* +@all']);
  // ACL rules keep the original names, as in Redis.
  t.same(await c.call('ACL', 'SETUSER', 'x', '+myset'), err("ERR Error in ACL SETUSER modifier '+myset': Unknown command or category name in ACL"));
  t.equal(await c.call('AUTH', 'bob', 'bobpw'), 'OK');
  t.equal(await c.call('GET', 'b1'), '1');
  t.same(await c.call('GET', 'a'), err('NOPERM this user has no permissions to access one of the keys used as arguments'));
});

function sha256(s: string): string {
  return crypto.createHash('sha256').update(s).digest('hex');
}

t.test('bad user and rename-command lines stop the server, as Redis', async (t) => {
  const dir = tmpDir(t);
  const bad1 = path.join(dir, 'bad1.conf');
  fs.writeFileSync(bad1, 'rename-command nosuch foo\n');
  await t.rejects(startShardis(t, { workers: ANY_WORKERS, configFile: bad1 }), /No such command in rename-command/);
  const bad2 = path.join(dir, 'bad2.conf');
  fs.writeFileSync(bad2, 'user bob on +nosuch\n');
  await t.rejects(startShardis(t, { workers: ANY_WORKERS, configFile: bad2 }), /Unknown command or category name in ACL/);
  const bad3 = path.join(dir, 'bad3.conf');
  fs.writeFileSync(bad3, `user bob on\naclfile ${path.join(dir, 'users.acl')}\n`);
  await t.rejects(startShardis(t, { workers: ANY_WORKERS, configFile: bad3 }), /users defined in redis.conf and at the same setting an ACL file/);
});

t.test('aclfile: loaded at start, ACL SAVE and ACL LOAD', async (t) => {
  const dir = tmpDir(t);
  const file = path.join(dir, 'users.acl');
  fs.writeFileSync(file, 'user alice on >apw ~a* +get\nuser default on nopass ~* &* +@all\n');
  const srv = await startShardis(t, { workers: ANY_WORKERS, args: ['--aclfile', file] });
  const c = await RespClient.connect(srv.port);
  t.teardown(() => c.close());
  const alice = await RespClient.connect(srv.port);
  t.teardown(() => alice.close());
  t.same(await c.call('ACL', 'USERS'), ['alice', 'default']);
  t.equal(await alice.call('AUTH', 'alice', 'apw'), 'OK');
  t.equal(await c.call('ACL', 'SETUSER', 'carol', 'on', 'nopass', '+@read', '~*'), 'OK');
  t.equal(await c.call('ACL', 'SAVE'), 'OK');
  const saved = fs.readFileSync(file, 'utf8');
  t.match(saved, /^user alice on #[0-9a-f]{64} ~a\* resetchannels -@all \+get\nuser carol on nopass ~\* resetchannels -@all \+@read/);
  // A broken file changes nothing.
  fs.writeFileSync(file, 'user alice on\nbad line\n');
  const loadErr = (await c.call('ACL', 'LOAD')) as { error: string };
  t.match(loadErr.error, /^ERR .*users\.acl:2 should start with user keyword followed by the username\. WARNING: ACL errors detected, no change to the previously active ACL rules was performed$/);
  t.same(await c.call('ACL', 'USERS'), ['alice', 'carol', 'default']);
  // A good file replaces the users; connections of users that were replaced are closed.
  fs.writeFileSync(file, 'user dave on nopass ~* +@all\n');
  t.equal(await c.call('ACL', 'LOAD'), 'OK');
  t.same(await c.call('ACL', 'USERS'), ['dave', 'default']);
  t.ok(await waitFor(() => alice.isClosed), "alice's connection was closed");
  t.equal(await c.call('PING'), 'PONG', 'the default user keeps its connections');
});

t.test('DELUSER closes the connections of the deleted user, only those', async (t) => {
  const srv = await startShardis(t, { workers: ANY_WORKERS });
  const admin = await RespClient.connect(srv.port);
  t.teardown(() => admin.close());
  await admin.call('ACL', 'SETUSER', 'u1', 'on', 'nopass', '+@all', '~*', '&*');
  await admin.call('ACL', 'SETUSER', 'u2', 'on', 'nopass', '+@all', '~*', '&*');
  const conns = await Promise.all([0, 1, 2, 3].map(() => RespClient.connect(srv.port)));
  t.teardown(() => conns.forEach((c) => c.close()));
  await Promise.all(conns.map((c, i) => c.call('AUTH', i % 2 === 0 ? 'u1' : 'u2', 'x')));
  // One of u1's connections is subscribed, the other blocked: both are torn down.
  await conns[0].call('SUBSCRIBE', 'ch');
  const blocked = conns[2].call('BLPOP', 'nokey', '0').catch((e: Error) => e);
  t.ok(await waitFor(async () => /blocked_clients:1/.test((await admin.call('INFO', 'clients')) as string)));
  t.equal(await admin.call('ACL', 'DELUSER', 'u1'), 1);
  t.ok(await waitFor(() => conns[0].isClosed && conns[2].isClosed), "u1's connections closed");
  t.ok((await blocked) instanceof Error);
  t.equal(await conns[1].call('PING'), 'PONG');
  t.equal(await conns[3].call('ACL', 'WHOAMI'), 'u2');
  t.ok(await waitFor(async () => /blocked_clients:0/.test((await admin.call('INFO', 'clients')) as string)));
  t.match(await admin.call('CLIENT', 'LIST'), /user=u2/);
  t.notMatch(await admin.call('CLIENT', 'LIST'), /user=u1/);
});

t.test('clients authenticate as Redis clients do: ioredis username/password, redis-cli --user/--pass', async (t) => {
  const srv = await startShardis(t, { workers: ANY_WORKERS, args: ['--requirepass', 'toppw'] });
  const admin = await RespClient.connect(srv.port);
  t.teardown(() => admin.close());
  t.equal(await admin.call('AUTH', 'toppw'), 'OK');
  t.equal(await admin.call('ACL', 'SETUSER', 'app', 'on', '>apppw', '~app:*', '+@read', '+@write', '-@dangerous'), 'OK');
  const io = await connectIoredis(t, srv.port, { username: 'app', password: 'apppw' });
  t.equal(await io.set('app:1', 'v'), 'OK');
  t.equal(await io.get('app:1'), 'v');
  await t.rejects(io.get('other'), /NOPERM this user has no permissions to access one of the keys used as arguments/);
  await t.rejects(io.flushall(), /NOPERM this user has no permissions to run the 'flushall' command/);
  const plain = await connectIoredis(t, srv.port, { password: 'toppw' });
  t.equal(await plain.get('app:1'), 'v', 'the default user with requirepass');
  // A wrong password leaves the connection unauthenticated.
  const bad = await connectIoredis(t, srv.port, { password: 'wrong' }).catch((e: Error) => e);
  // ioredis gives up on the connection when AUTH is refused.
  if (bad instanceof Error) t.match(bad.message, /WRONGPASS|Connection is closed/);
  else await t.rejects(bad.get('app:1'), /NOAUTH Authentication required/);
  if (REDIS_CLI !== null) {
    const cli = (args: string[]): string =>
      spawnSync(REDIS_CLI as string, ['-p', String(srv.port), '--no-auth-warning', ...args], { encoding: 'utf8', timeout: 10000 }).stdout.trim();
    t.equal(cli(['--user', 'app', '--pass', 'apppw', 'GET', 'app:1']), 'v');
    t.equal(cli(['-a', 'toppw', 'ACL', 'WHOAMI']), 'default');
    t.match(cli(['GET', 'app:1']), /NOAUTH Authentication required/);
  }
});
