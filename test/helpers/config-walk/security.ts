/**
 * Config-walk checks owned by security (sec2): every parameter not owned by
 * operations.ts or replication.ts, persistence and tls-* included.
 * Format: ./types.ts. Parameters Shardis cannot honour are refused (CONFIG
 * SET and, checked here for the immutable ones, the command line) with the
 * reason in src/config/params.ts (`unsupported`).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import { RespClient, encodeCommand, type Reply } from '../resp-client';
import { SERVER_MAIN, freePort, type ShardisProcess } from '../servers';
import { portOpen, rawExchange, sleep, waitFor } from '../util';
import { parseInfo } from '../info';
import type { CheckTable, ConfigCheck, WalkContext } from './types';
import { IMMUTABLE } from './types';
import { WALK_TMP, externalAddress, spawnServer, tlsConnect, tlsPing, walkCerts } from './support';

const setFailed = (name: string, why: string): RegExp =>
  new RegExp(`^ERR CONFIG SET failed \\(possibly related to argument '${name}'\\) - ${why.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

/** The reason src/config/params.ts gives for a value Shardis cannot honour (kept in step by hand: the check compares it). */
const REASONS: Record<string, string> = {
  daemonize: 'Shardis does not daemonize: run it under a supervisor (systemd, a container) instead',
  supervised: 'Shardis does not talk to upstart or systemd supervisors',
  'syslog-enabled': 'Shardis does not log to syslog: use logfile or stdout',
  'syslog-ident': 'Shardis does not log to syslog: use logfile or stdout',
  'io-threads': 'Shardis does its network I/O on the main thread: use --workers for shard threads',
  'io-threads-do-reads': 'Shardis does its network I/O on the main thread: use --workers for shard threads',
  'disable-thp': 'Shardis cannot change transparent huge pages for its process',
  'enable-module-command': 'Shardis cannot load modules: there is no MODULE command to enable',
};

/** The start-up values to refuse, by parameter. */
const STARTUP_REFUSALS = new Map<string, string>();
let startupRuns: Map<string, Promise<{ status: number | null; stderr: string }>> | null = null;

/** Starts every refused start-up at once on first use (each is a node process start: in parallel, not one after another). */
function startupRun(name: string): Promise<{ status: number | null; stderr: string }> {
  startupRuns ??= new Map(
    [...STARTUP_REFUSALS].map(([n, v]) => [
      n,
      new Promise((resolve) => {
        const p = spawn(process.execPath, [SERVER_MAIN, '--port', '0', `--${n}`, v], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        p.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => p.kill('SIGKILL'), 20000);
        p.once('exit', (status) => {
          clearTimeout(timer);
          resolve({ status, stderr });
        });
      }),
    ]),
  );
  return startupRuns.get(name) as Promise<{ status: number | null; stderr: string }>;
}

/**
 * An immutable parameter Shardis cannot honour: CONFIG SET says immutable,
 * and a server started with the value exits with Redis's fatal config report
 * naming the reason.
 */
function immutableUnsupported(name: string, value: string): ConfigCheck {
  STARTUP_REFUSALS.set(name, value);
  return {
    refused: { value, error: IMMUTABLE(name), why: `immutable, and refused at start-up: ${REASONS[name]}` },
    async check(w) {
      const r = await startupRun(name);
      w.equal(r.status, 1, `exit status of a server started with --${name} ${value}`);
      w.ok(r.stderr.includes('FATAL CONFIG FILE ERROR') && r.stderr.includes(REASONS[name]), `start-up refusal report for --${name} ${value}: ${r.stderr}`);
    },
  };
}

/** A mutable parameter Shardis cannot honour beyond its default: CONFIG SET refuses other values with the reason. */
function mutableUnsupported(name: string, value: string, reason: string): ConfigCheck {
  return { refused: { value, error: setFailed(name, reason), why: reason } };
}

async function infoOf(w: WalkContext, section: string, c: RespClient = w.admin): Promise<Record<string, string>> {
  const r = await c.call('INFO', section);
  return parseInfo(r as string)[section] ?? {};
}

const errorOf = (r: Reply): string | null => (typeof r === 'object' && r !== null && !Array.isArray(r) ? r.error : null);

/** Files the walk server's start-up arguments name. */
const PIDFILE = path.join(WALK_TMP, 'walk.pid');
const ACLFILE = path.join(WALK_TMP, 'users.acl');
fs.writeFileSync(ACLFILE, 'user default on nopass sanitize-payload ~* &* +@all\nuser walker on nopass ~walk:* resetchannels -@all +get\n');

/** A second server with start-up values the walk server cannot have (bind, a unix socket, no TCP port change...). */
let alt: Promise<{ srv: ShardisProcess; sock: string }> | null = null;
function altServer(w: WalkContext): Promise<{ srv: ShardisProcess; sock: string }> {
  alt ??= (async () => {
    const sock = path.join(WALK_TMP, 'alt.sock');
    const srv = await w.startServer([
      '--port', String(await freePort()), '--bind', '0.0.0.0', '--unixsocket', sock, '--unixsocketperm', '700',
      '--always-show-logo', 'yes', '--set-proc-title', 'no',
    ]);
    return { srv, sock };
  })();
  return alt;
}

/** A Redis Cluster node (one, with half the slots) for the cluster-* parameters. */
let cluster: Promise<{ srv: ShardisProcess; c: RespClient; busPort: number }> | null = null;
function clusterNode(w: WalkContext): Promise<{ srv: ShardisProcess; c: RespClient; busPort: number }> {
  cluster ??= (async () => {
    const busPort = await freePort();
    const dir = fs.mkdtempSync(path.join(WALK_TMP, 'cluster-'));
    const srv = await w.startServer(['--cluster-enabled', 'yes', '--cluster-config-file', 'walk-nodes.conf', '--cluster-port', String(busPort)], { dir });
    const c = await w.connect(srv.port);
    w.equal(await c.call('CLUSTER', 'ADDSLOTSRANGE', '0', '8191'), 'OK', 'CLUSTER ADDSLOTSRANGE 0 8191');
    return { srv, c, busPort };
  })();
  return cluster;
}

/** The TLS listener on the walk server with the base certificates (each TLS check starts from here and ends with tls-port 0). */
async function tlsOn(w: WalkContext, extra: string[] = []): Promise<number> {
  const c = walkCerts();
  const port = await freePort();
  const r = await w.call(
    'CONFIG', 'SET', 'tls-cert-file', c.server.cert, 'tls-key-file', c.server.key, 'tls-key-file-pass', '', 'tls-ca-cert-file', c.ca, 'tls-ca-cert-dir', '',
    'tls-auth-clients', 'yes', 'tls-protocols', '', 'tls-ciphers', '', 'tls-ciphersuites', '', 'tls-prefer-server-ciphers', 'no',
    'tls-dh-params-file', '', 'tls-session-caching', 'yes', 'tls-session-cache-timeout', '300', ...extra, 'tls-port', String(port),
  );
  w.equal(r, 'OK', 'CONFIG SET of the base TLS settings');
  return port;
}

async function tlsOff(w: WalkContext): Promise<void> {
  await w.set('tls-port', '0');
}

/** Client options with the walk CA and the client certificate signed by it. */
function clientTls(): { ca: Buffer; cert: Buffer; key: Buffer } {
  const c = walkCerts();
  return { ca: fs.readFileSync(c.ca), cert: fs.readFileSync(c.client.cert), key: fs.readFileSync(c.client.key) };
}

/** A TLS check: the listener is on for `run` and off afterwards, whatever happens. */
function tlsCheck(run: (w: WalkContext, port: number) => Promise<void>): ConfigCheck {
  return {
    async check(w) {
      const port = await tlsOn(w);
      try {
        await run(w, port);
      } finally {
        await tlsOff(w);
      }
    },
  };
}

/** The cipher a TLS 1.2 client offering `ciphers` ends up with ('error: ...' when the handshake fails). */
async function cipher12(port: number, ciphers?: string): Promise<string> {
  const s = await tlsConnect(port, { ...clientTls(), maxVersion: 'TLSv1.2', ...(ciphers !== undefined ? { ciphers } : {}) });
  if (s instanceof Error) return `error: ${s.message}`;
  const name = s.getCipher().name;
  s.destroy();
  return name;
}

/** Whether a second TLS 1.2 connection resumes the first one's session, after `waitMs`. */
async function resumes(port: number, waitMs = 0): Promise<boolean> {
  const first = await tlsConnect(port, { ...clientTls(), maxVersion: 'TLSv1.2' });
  if (first instanceof Error) throw first;
  const session = first.getSession();
  first.destroy();
  if (waitMs > 0) await sleep(waitMs);
  const second = await tlsConnect(port, { ...clientTls(), maxVersion: 'TLSv1.2', session });
  if (second instanceof Error) throw second;
  const reused = second.isSessionReused();
  second.destroy();
  return reused;
}

/** Keys that hold `bytes` each, for eviction checks, in db `db` of a fresh connection. */
async function fill(c: RespClient, prefix: string, n: number, bytes: number, ttl?: (i: number) => number): Promise<void> {
  const cmds: string[][] = [];
  for (let i = 0; i < n; i++) {
    cmds.push(ttl === undefined ? ['SET', `${prefix}${i}`, 'x'.repeat(bytes)] : ['SET', `${prefix}${i}`, 'x'.repeat(bytes), 'EX', String(ttl(i))]);
  }
  await c.pipeline(cmds);
}

async function usedMemory(c: RespClient): Promise<number> {
  return Number(parseInfo((await c.call('INFO', 'memory')) as string).memory.used_memory);
}

async function evictedKeys(c: RespClient): Promise<number> {
  return Number(parseInfo((await c.call('INFO', 'stats')) as string).stats.evicted_keys);
}

/** A connection to a fresh database (db 9 of the walk server, emptied), for checks that fill memory. */
async function scratch(w: WalkContext): Promise<RespClient> {
  const c = await w.connect();
  await c.call('SELECT', '9');
  await c.call('FLUSHDB');
  return c;
}

/** The AOF directory and its files on the walk server (appenddirname and appendfilename are set at start). */
const AOF_DIR = 'walk-aof';
const AOF_NAME = 'walk.aof';

async function aofOn(w: WalkContext): Promise<void> {
  await w.set('appendonly', 'yes');
  w.ok(
    await waitFor(async () => (await infoOf(w, 'persistence')).aof_rewrite_in_progress === '0' && fs.existsSync(path.join(w.dir, AOF_DIR)), 10000),
    'the AOF was created',
  );
}

/** Stops a hand-started server with `signal` and waits for it. */
async function signalAndWait(w: WalkContext, proc: import('node:child_process').ChildProcess, exited: Promise<number | null>, signal: NodeJS.Signals): Promise<number | null> {
  proc.kill(signal);
  const code = await Promise.race([exited, sleep(15000).then(() => 'timeout' as const)]);
  w.ok(code !== 'timeout', `the server exits after ${signal}`);
  return code as number | null;
}

/** shutdown-on-sigint / shutdown-on-sigterm: `save` makes a server without save points write dump.rdb on the signal. */
function shutdownOn(name: string, signal: NodeJS.Signals): ConfigCheck {
  return {
    async check(w) {
      const s = await spawnServer(w.teardown, [], (out) => out.includes('Shardis ready'));
      const c = await w.connect(s.port);
      await c.call('SET', 'k', 'v');
      await c.call('CONFIG', 'SET', name, 'save');
      c.close();
      await signalAndWait(w, s.proc, s.exited, signal);
      w.ok(fs.existsSync(path.join(s.dir, 'dump.rdb')), `dump.rdb written on ${signal} with ${name} save (and no save points)`);
    },
  };
}

export const checks: CheckTable = {
  // port and bind work at runtime as in Redis 7.0: port is checked on a server of its own, so the walk server stays put.
  port: {
    async check(w) {
      const other = await w.startServer([]);
      const c = await w.connect(other.port);
      const next = await freePort();
      w.equal(await c.call('CONFIG', 'SET', 'port', String(next)), 'OK', 'CONFIG SET port');
      const d = await w.connect(next);
      w.equal(await d.call('PING'), 'PONG', 'a client connects on the new port');
    },
  },
  bind: {
    async check(w) {
      const ext = externalAddress();
      w.ok(ext !== undefined, 'this host needs a non-loopback IPv4 address to see bind');
      const far = await rawExchange(w.port, ext as string, 'PING\r\n');
      w.ok(far.error === 'ECONNREFUSED', `the walk server (bind 127.0.0.1) refuses ${ext}: ${JSON.stringify(far)}`);
      const { srv } = await altServer(w);
      const near = await rawExchange(srv.port, ext as string, 'PING\r\n');
      w.ok(near.data.startsWith('-DENIED'), `a server with --bind 0.0.0.0 answers ${ext} (protected mode): ${JSON.stringify(near)}`);
    },
  },
  databases: {
    refused: { value: '32', error: IMMUTABLE('databases'), why: 'immutable; the walk server starts with --databases 20' },
    startArgs: ['--databases', '20'],
    async check(w) {
      const c = await w.connect();
      w.equal(await c.call('SELECT', '19'), 'OK', 'SELECT 19 with databases 20');
      w.equal(await c.call('SELECT', '20'), { error: 'ERR DB index is out of range' }, 'SELECT 20 with databases 20');
    },
  },
  maxclients: {
    async check(w) {
      const n = Number((await infoOf(w, 'clients')).connected_clients);
      await w.set('maxclients', String(n));
      const r = await rawExchange(w.port, '127.0.0.1', 'PING\r\n');
      w.equal(r.data, '-ERR max number of clients reached\r\n', `a client past maxclients ${n}`);
    },
  },
  loglevel: {
    async check(w) {
      await w.set('loglevel', 'debug');
      const c = await w.connect();
      await c.call('PING');
      c.close();
      w.ok(await waitFor(() => w.server.output().includes('"msg":"connection closed"'), 3000), 'loglevel debug logs connection closes');
    },
  },
  hz: {
    async check(w) {
      await w.set('hz', '100');
      const s = await infoOf(w, 'server');
      w.equal([s.hz, s.configured_hz], ['100', '100'], 'INFO server hz, configured_hz');
    },
  },
  'proto-max-bulk-len': {
    async check(w) {
      await w.set('proto-max-bulk-len', '1mb');
      const r = await rawExchange(w.port, '127.0.0.1', `*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${1024 * 1024 + 1}\r\n`);
      w.equal(r.data, '-ERR Protocol error: invalid bulk length\r\n', 'a bulk one byte over proto-max-bulk-len 1mb');
    },
  },
  'client-query-buffer-limit': {
    async check(w) {
      await w.set('client-query-buffer-limit', '1mb');
      const before = Number((await infoOf(w, 'stats')).client_query_buffer_limit_disconnections ?? '0');
      const r = await rawExchange(w.port, '127.0.0.1', `*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${4 * 1024 * 1024}\r\n${'x'.repeat(2 * 1024 * 1024)}`, 2000);
      w.ok(r.closed, `a client with 2 MB unparsed past client-query-buffer-limit 1mb is closed (${JSON.stringify(r.data.slice(0, 80))}, before ${before})`);
    },
  },
  maxmemory: {
    async check(w) {
      // Shardis's used_memory is what the keyspace holds (plus client buffers): hold something first.
      await w.call('SET', 'walk:maxmemory', 'x'.repeat(1000));
      await w.set('maxmemory', '1');
      const r = await w.call('SET', 'walk:maxmemory2', 'x');
      await w.call('DEL', 'walk:maxmemory');
      w.equal(r, { error: "OOM command not allowed when used memory > 'maxmemory'." }, 'SET under maxmemory 1 (noeviction)');
    },
  },
  'maxmemory-policy': {
    async check(w) {
      const c = await scratch(w);
      await fill(c, 'p', 10, 1000);
      const evicted = await evictedKeys(c);
      await w.set('maxmemory-policy', 'allkeys-random');
      await w.set('maxmemory', String(await usedMemory(c) - 3000));
      try {
        w.equal(await c.call('SET', 'new', 'x'), 'OK', 'SET over maxmemory under allkeys-random (evicts instead of -OOM)');
        w.ok((await evictedKeys(c)) > evicted, 'evicted_keys grew');
      } finally {
        await w.set('maxmemory', '0');
        await c.call('FLUSHDB');
      }
    },
  },
  'notify-keyspace-events': {
    async check(w) {
      await w.set('notify-keyspace-events', 'E$');
      const sub = await w.connect();
      await sub.call('SUBSCRIBE', '__keyevent@0__:set');
      const msg = sub.sendRaw(Buffer.alloc(0), 1);
      await w.call('SET', 'walk:notified', '1');
      w.equal(await Promise.race([msg, sleep(3000).then(() => 'nothing')]), [['message', '__keyevent@0__:set', 'walk:notified']], 'the keyevent message');
    },
  },
  'tls-port': tlsCheck(async (w, port) => {
    w.equal(await tlsPing(await tlsConnect(port, clientTls())), '+PONG\r\n', `PING over TLS on tls-port ${port}`);
  }),
  'tls-cert-file': tlsCheck(async (w, port) => {
    const c = walkCerts();
    // The certificate and its key change together (alone, the pair would not match: refused, as below).
    await w.call('CONFIG', 'SET', 'tls-cert-file', c.other.cert, 'tls-key-file', c.other.key);
    const s = await tlsConnect(port, { ...clientTls(), servername: 'other' });
    w.equal(s instanceof Error ? s.message : s.getPeerCertificate().subject.CN, 'other', 'the certificate served after CONFIG SET tls-cert-file');
    if (!(s instanceof Error)) s.destroy();
  }),
  'tls-key-file': tlsCheck(async (w) => {
    const c = walkCerts();
    const r = await w.call('CONFIG', 'SET', 'tls-key-file', c.other.key);
    w.equal(errorOf(r), "ERR CONFIG SET failed (possibly related to argument 'tls-key-file') - Unable to update TLS configuration. Check server logs.", 'a key that does not match the certificate is read and refused');
    await w.call('CONFIG', 'SET', 'tls-cert-file', c.other.cert, 'tls-key-file', c.other.key);
    w.equal(await w.get('tls-key-file'), c.other.key, 'the matching key is taken');
  }),
  'tls-key-file-pass': tlsCheck(async (w, port) => {
    const c = walkCerts();
    const wrong = await w.call('CONFIG', 'SET', 'tls-key-file', c.encryptedKey);
    w.ok(errorOf(wrong) !== null, 'an encrypted key without its passphrase is refused');
    w.equal(await w.call('CONFIG', 'SET', 'tls-key-file', c.encryptedKey, 'tls-key-file-pass', 'walkpass'), 'OK', 'with tls-key-file-pass it is taken');
    w.equal(await tlsPing(await tlsConnect(port, clientTls())), '+PONG\r\n', 'served with the decrypted key');
  }),
  'tls-ca-cert-file': tlsCheck(async (w, port) => {
    const c = walkCerts();
    const as2 = { ca: fs.readFileSync(c.ca), cert: fs.readFileSync(c.client2.cert), key: fs.readFileSync(c.client2.key) };
    w.ok(!(await tlsPing(await tlsConnect(port, as2))).includes('PONG'), 'a client certificate of another CA is refused');
    await w.set('tls-ca-cert-file', c.ca2);
    w.equal(await tlsPing(await tlsConnect(port, as2)), '+PONG\r\n', 'accepted once tls-ca-cert-file names its CA');
  }),
  'tls-ca-cert-dir': tlsCheck(async (w, port) => {
    const c = walkCerts();
    const as2 = { ca: fs.readFileSync(c.ca), cert: fs.readFileSync(c.client2.cert), key: fs.readFileSync(c.client2.key) };
    w.ok(!(await tlsPing(await tlsConnect(port, as2))).includes('PONG'), 'a client certificate of another CA is refused');
    await w.set('tls-ca-cert-dir', c.ca2Dir);
    w.equal(await tlsPing(await tlsConnect(port, as2)), '+PONG\r\n', 'accepted once tls-ca-cert-dir holds its CA');
  }),
  'tls-auth-clients': tlsCheck(async (w, port) => {
    const ca = fs.readFileSync(walkCerts().ca);
    w.ok(!(await tlsPing(await tlsConnect(port, { ca }))).includes('PONG'), 'yes: a client without a certificate is refused');
    await w.set('tls-auth-clients', 'no');
    w.equal(await tlsPing(await tlsConnect(port, { ca })), '+PONG\r\n', 'no: served without a certificate');
  }),
  'tls-protocols': tlsCheck(async (w, port) => {
    w.equal(await tlsPing(await tlsConnect(port, { ...clientTls(), maxVersion: 'TLSv1.2' })), '+PONG\r\n', 'a TLSv1.2 client by default');
    await w.set('tls-protocols', 'TLSv1.3');
    w.ok((await tlsConnect(port, { ...clientTls(), maxVersion: 'TLSv1.2' })) instanceof Error, 'a TLSv1.2 client under tls-protocols TLSv1.3');
  }),
  'tls-ciphers': tlsCheck(async (w, port) => {
    const before = await cipher12(port);
    await w.set('tls-ciphers', 'ECDHE-RSA-CHACHA20-POLY1305');
    const after = await cipher12(port);
    w.ok(before !== 'ECDHE-RSA-CHACHA20-POLY1305' && after === 'ECDHE-RSA-CHACHA20-POLY1305', `TLS 1.2 cipher before ${before}, after ${after}`);
  }),
  'tls-ciphersuites': tlsCheck(async (w, port) => {
    const name = async (): Promise<string> => {
      const s = await tlsConnect(port, clientTls());
      if (s instanceof Error) return `error: ${s.message}`;
      const n = s.getCipher().name;
      s.destroy();
      return n;
    };
    const before = await name();
    await w.set('tls-ciphersuites', 'TLS_CHACHA20_POLY1305_SHA256');
    const after = await name();
    w.ok(before !== 'TLS_CHACHA20_POLY1305_SHA256' && after === 'TLS_CHACHA20_POLY1305_SHA256', `TLS 1.3 suite before ${before}, after ${after}`);
  }),
  'tls-prefer-server-ciphers': tlsCheck(async (w, port) => {
    await w.set('tls-ciphers', 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384');
    const offer = 'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256';
    const before = await cipher12(port, offer);
    await w.set('tls-prefer-server-ciphers', 'yes');
    const after = await cipher12(port, offer);
    w.equal([before, after], ['ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES128-GCM-SHA256'], "the client's order, then the server's");
  }),
  'tls-dh-params-file': tlsCheck(async (w, port) => {
    const before = await cipher12(port, 'DHE-RSA-AES128-GCM-SHA256');
    await w.set('tls-dh-params-file', walkCerts().dhparams);
    const after = await cipher12(port, 'DHE-RSA-AES128-GCM-SHA256');
    w.ok(before.startsWith('error') && after === 'DHE-RSA-AES128-GCM-SHA256', `a DHE-only client before (${before}) and after (${after}) the DH parameters`);
  }),
  'tls-session-caching': tlsCheck(async (w, port) => {
    w.ok(await resumes(port), 'a session is resumed by default');
    await w.set('tls-session-caching', 'no');
    w.ok(!(await resumes(port)), 'no session is resumed with tls-session-caching no');
  }),
  'tls-session-cache-timeout': tlsCheck(async (w, port) => {
    await w.set('tls-session-cache-timeout', '1');
    w.ok(!(await resumes(port, 2100)), 'a session 2 s old is not resumed with tls-session-cache-timeout 1');
    w.ok(await resumes(port), 'a fresh one is');
  }),
  'maxmemory-samples': {
    async check(w) {
      // With as many samples as volatile keys, volatile-ttl evicts exactly the nearest expiries first.
      const c = await scratch(w);
      await fill(c, 'v', 40, 500, (i) => 10000 + ((i * 17) % 40) * 100);
      await w.set('maxmemory-samples', '64');
      await w.set('maxmemory-policy', 'volatile-ttl');
      await w.set('maxmemory', String(await usedMemory(c) - 5000));
      try {
        await c.call('SET', 'trigger', 'x');
        const left = (await c.pipeline(Array.from({ length: 40 }, (_, i) => ['TTL', `v${i}`]))) as number[];
        const gone = left.map((t, i) => [t, 10000 + ((i * 17) % 40) * 100] as const).filter(([t]) => t === -2).map(([, ttl]) => ttl).sort((a, b) => a - b);
        const kept = left.map((t, i) => [t, 10000 + ((i * 17) % 40) * 100] as const).filter(([t]) => t !== -2).map(([, ttl]) => ttl);
        w.ok(gone.length > 0, 'keys were evicted');
        w.ok(kept.every((ttl) => ttl > gone[gone.length - 1]), `the evicted keys are the nearest expiries (evicted TTLs ${gone.join(',')})`);
      } finally {
        await w.set('maxmemory', '0');
        await w.set('maxmemory-policy', 'noeviction');
        await c.call('FLUSHDB');
      }
    },
  },
  'maxmemory-eviction-tenacity': {
    async check(w) {
      // Tenacity 0: one command evicts a bounded batch (16 keys), the rest is left for later commands.
      const c = await scratch(w);
      await fill(c, 't', 200, 100);
      await w.set('maxmemory-eviction-tenacity', '0');
      await w.set('maxmemory-policy', 'allkeys-random');
      const before = await evictedKeys(c);
      await w.set('maxmemory', '1');
      try {
        await c.call('SET', 'trigger', 'x');
        w.equal((await evictedKeys(c)) - before, 16, 'keys evicted by one command at tenacity 0');
      } finally {
        await w.set('maxmemory', '0');
        await w.set('maxmemory-policy', 'noeviction');
        await c.call('FLUSHDB');
      }
    },
  },
  'maxmemory-clients': {
    async check(w) {
      const before = Number((await infoOf(w, 'stats')).evicted_clients);
      await w.set('maxmemory-clients', '1mb');
      const r = await rawExchange(w.port, '127.0.0.1', `*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${4 * 1024 * 1024}\r\n${'x'.repeat(1536 * 1024)}`, 2000);
      w.ok(r.closed, 'a client holding 1.5 MB of query buffer is evicted under maxmemory-clients 1mb');
      w.ok(Number((await infoOf(w, 'stats')).evicted_clients) > before, 'evicted_clients grew');
    },
  },
  'lfu-log-factor': {
    async check(w) {
      // Factor 0: every access counts (Redis's LFULogIncr with p = 1), so 100 reads lift the counter from 5 to 105.
      await w.set('maxmemory-policy', 'allkeys-lfu');
      await w.set('lfu-log-factor', '0');
      try {
        await w.call('SET', 'walk:lfu', 'v');
        await w.admin.pipeline(Array.from({ length: 100 }, () => ['GET', 'walk:lfu']));
        w.equal(await w.call('OBJECT', 'FREQ', 'walk:lfu'), 105, 'OBJECT FREQ after 100 reads at lfu-log-factor 0');
      } finally {
        await w.set('maxmemory-policy', 'noeviction');
      }
    },
  },
  'lfu-decay-time': {
    async check(w) {
      // A key last touched 10 hours ago (RESTORE IDLETIME under LRU): under LFU its counter has decayed to 0 at the default
      // decay time of one minute, and is still the new key's 5 with lfu-decay-time 0 (never decays).
      await w.call('SET', 'walk:lfu-src', 'v');
      const payload = (await w.call('DUMP', 'walk:lfu-src')) as string;
      await w.set('maxmemory-policy', 'allkeys-lru');
      try {
        await w.call('RESTORE', 'walk:idle', '0', Buffer.from(payload, 'latin1'), 'REPLACE', 'IDLETIME', '36000');
        await w.set('maxmemory-policy', 'allkeys-lfu');
        const decayed = await w.call('OBJECT', 'FREQ', 'walk:idle');
        await w.set('lfu-decay-time', '0');
        const kept = await w.call('OBJECT', 'FREQ', 'walk:idle');
        w.ok(decayed === 0 && typeof kept === 'number' && kept > 0, `OBJECT FREQ of a 10-hour idle key: ${JSON.stringify(decayed)} at decay 1, ${JSON.stringify(kept)} at decay 0`);
      } finally {
        await w.set('maxmemory-policy', 'noeviction');
      }
    },
  },
  'tcp-keepalive': {
    async check(w) {
      // ss shows the keepalive timer of the server's side of a connection: about tcp-keepalive seconds.
      await w.set('tcp-keepalive', '7');
      const c = await w.connect();
      await c.call('PING');
      const r = spawnSync('ss', ['-tnoH', 'state', 'established', `( sport = :${w.port} )`], { encoding: 'utf8' });
      const timers = [...r.stdout.matchAll(/timer:\(keepalive,([\d.]+)(ms|sec|min)/g)].map((m) => Number(m[1]) * (m[2] === 'ms' ? 0.001 : m[2] === 'min' ? 60 : 1));
      w.ok(timers.some((s) => s > 0 && s <= 7), `a keepalive timer of at most 7 s on the new connection (ss: ${r.stdout.trim()})`);
    },
  },
  'tcp-backlog': {
    refused: { value: '100', error: IMMUTABLE('tcp-backlog'), why: 'immutable; the walk server starts with --tcp-backlog 37' },
    startArgs: ['--tcp-backlog', '37'],
    async check(w) {
      const r = spawnSync('ss', ['-ltnH', `( sport = :${w.port} )`], { encoding: 'utf8' });
      w.equal(r.stdout.trim().split(/\s+/)[2], '37', `the listening socket's backlog (ss: ${r.stdout.trim()})`);
    },
  },
  'protected-mode': {
    async check(w) {
      const { srv } = await altServer(w);
      const ext = externalAddress() as string;
      w.ok((await rawExchange(srv.port, ext, 'PING\r\n')).data.startsWith('-DENIED'), 'protected mode refuses another host');
      const c = await w.connect(srv.port);
      await c.call('CONFIG', 'SET', 'protected-mode', 'no');
      const r = await rawExchange(srv.port, ext, 'PING\r\n');
      await c.call('CONFIG', 'SET', 'protected-mode', 'yes');
      w.equal(r.data, '+PONG\r\n', 'protected-mode no serves another host');
    },
  },
  requirepass: {
    async check(w) {
      await w.set('requirepass', 'walk-pw');
      const c = await w.connect();
      w.equal(await c.call('PING'), { error: 'NOAUTH Authentication required.' }, 'PING before AUTH');
      w.equal(await c.call('AUTH', 'walk-pw'), 'OK', 'AUTH with the new password');
      w.equal(await c.call('PING'), 'PONG', 'PING after AUTH');
    },
  },
  save: {
    async check(w) {
      const file = path.join(w.dir, 'dump.rdb');
      fs.rmSync(file, { force: true });
      await w.set('save', '1 1');
      await w.call('SET', 'walk:save', '1');
      w.ok(await waitFor(() => fs.existsSync(file), 5000), 'dump.rdb written by the save point "1 1"');
    },
  },
  appendonly: {
    async check(w) {
      await aofOn(w);
      const files = fs.readdirSync(path.join(w.dir, AOF_DIR));
      w.ok(files.some((f) => f === `${AOF_NAME}.manifest`), `the AOF manifest in ${AOF_DIR}: ${files.join(' ')}`);
      await w.set('appendonly', 'no');
    },
  },
  appendfsync: {
    async check(w) {
      await aofOn(w);
      try {
        await w.set('appendfsync', 'always');
        const before = Number((await infoOf(w, 'persistence')).aof_fsyncs);
        for (let i = 0; i < 5; i++) await w.call('SET', 'walk:fsync', String(i));
        const after = Number((await infoOf(w, 'persistence')).aof_fsyncs);
        w.ok(after - before >= 5, `appendfsync always: ${after - before} fsyncs for 5 writes`);
      } finally {
        await w.set('appendonly', 'no');
      }
    },
  },
  appendfilename: {
    refused: { value: 'other.aof', error: IMMUTABLE('appendfilename'), why: 'immutable; the walk server starts with --appendfilename walk.aof' },
    startArgs: ['--appendfilename', AOF_NAME],
    async check(w) {
      await aofOn(w);
      const files = fs.readdirSync(path.join(w.dir, AOF_DIR));
      await w.set('appendonly', 'no');
      w.ok(files.some((f) => f.startsWith(`${AOF_NAME}.`) && f.endsWith('.base.rdb')), `files named after appendfilename: ${files.join(' ')}`);
    },
  },
  appenddirname: {
    refused: { value: 'otherdir', error: IMMUTABLE('appenddirname'), why: 'immutable; the walk server starts with --appenddirname walk-aof' },
    startArgs: ['--appenddirname', AOF_DIR],
    async check(w) {
      await aofOn(w);
      await w.set('appendonly', 'no');
      w.ok(fs.statSync(path.join(w.dir, AOF_DIR)).isDirectory(), 'the AOF directory is named by appenddirname');
    },
  },
  'no-appendfsync-on-rewrite': mutableUnsupported('no-appendfsync-on-rewrite', 'yes', 'Shardis rewrites the AOF without a child process: fsync is never held back during a rewrite'),
  'auto-aof-rewrite-percentage': {
    async check(w) {
      await aofOn(w);
      try {
        const before = Number((await infoOf(w, 'persistence')).aof_rewrites);
        await w.set('auto-aof-rewrite-min-size', '0');
        await w.set('auto-aof-rewrite-percentage', '1');
        await w.admin.pipeline(Array.from({ length: 200 }, (_, i) => ['SET', `walk:grow${i}`, 'x'.repeat(100)]));
        w.ok(await waitFor(async () => Number((await infoOf(w, 'persistence')).aof_rewrites) > before, 5000), 'an automatic rewrite after 1% growth');
      } finally {
        await w.set('auto-aof-rewrite-min-size', '64mb');
        await w.set('appendonly', 'no');
      }
    },
  },
  'auto-aof-rewrite-min-size': {
    async check(w) {
      await aofOn(w);
      try {
        const before = Number((await infoOf(w, 'persistence')).aof_rewrites);
        await w.set('auto-aof-rewrite-min-size', '1kb');
        await w.admin.pipeline(Array.from({ length: 200 }, (_, i) => ['SET', `walk:grow${i}`, 'x'.repeat(100)]));
        w.ok(await waitFor(async () => Number((await infoOf(w, 'persistence')).aof_rewrites) > before, 5000), 'an automatic rewrite once the AOF passes 1kb (and doubled)');
      } finally {
        await w.set('appendonly', 'no');
      }
    },
  },
  'aof-load-truncated': {
    async check(w) {
      // A server whose AOF ends in a cut command: it starts (truncating) by default, and refuses to with aof-load-truncated no.
      const s = await spawnServer(w.teardown, ['--appendonly', 'yes'], (out) => out.includes('Shardis ready'));
      const c = await w.connect(s.port);
      await c.call('SET', 'k', 'v');
      c.close();
      await signalAndWait(w, s.proc, s.exited, 'SIGTERM');
      const dir = path.join(s.dir, 'appendonlydir');
      const incr = fs.readdirSync(dir).find((f) => f.endsWith('.incr.aof')) as string;
      fs.appendFileSync(path.join(dir, incr), '*3\r\n$3\r\nSET\r\n$1\r\nx');
      const r = spawnSync(process.execPath, [SERVER_MAIN, '--port', '0', '--dir', s.dir, '--appendonly', 'yes', '--aof-load-truncated', 'no', '--save', ''], {
        encoding: 'utf8', timeout: 15000,
      });
      w.ok(r.status !== 0 && r.status !== null, `a truncated AOF with aof-load-truncated no stops the start (status ${r.status}): ${r.stdout.slice(-300)}`);
    },
  },
  'aof-use-rdb-preamble': mutableUnsupported('aof-use-rdb-preamble', 'no', "Shardis's AOF base file is always an RDB snapshot (the preamble)"),
  'aof-timestamp-enabled': mutableUnsupported('aof-timestamp-enabled', 'yes', 'Shardis does not write timestamp annotations in the AOF'),
  'aof-rewrite-incremental-fsync': mutableUnsupported('aof-rewrite-incremental-fsync', 'no', 'Shardis always fsyncs the rewritten AOF every 4 MB as it writes it'),
  dir: {
    async check(w) {
      const other = fs.mkdtempSync(path.join(WALK_TMP, 'dir-'));
      await w.set('dir', other);
      await w.call('SAVE');
      await w.set('dir', w.dir);
      w.ok(fs.existsSync(path.join(other, 'dump.rdb')), 'SAVE writes into the new dir');
    },
  },
  dbfilename: {
    async check(w) {
      await w.set('dbfilename', 'walk.rdb');
      await w.call('SAVE');
      w.ok(fs.existsSync(path.join(w.dir, 'walk.rdb')), 'SAVE writes the new dbfilename');
    },
  },
  rdbcompression: {
    async check(w) {
      const size = async (): Promise<number> => {
        await w.call('SAVE');
        return fs.statSync(path.join(w.dir, 'dump.rdb')).size;
      };
      await w.call('SET', 'walk:compressible', 'a'.repeat(100000));
      const compressed = await size();
      await w.set('rdbcompression', 'no');
      const plain = await size();
      await w.call('DEL', 'walk:compressible');
      w.ok(plain > compressed + 90000, `dump.rdb of 100 kB of 'a': ${compressed} bytes compressed, ${plain} with rdbcompression no`);
    },
  },
  rdbchecksum: {
    async check(w) {
      await w.set('rdbchecksum', 'no');
      await w.call('SAVE');
      const data = fs.readFileSync(path.join(w.dir, 'dump.rdb'));
      w.equal(data.subarray(data.length - 8).toString('hex'), '0000000000000000', 'the checksum of dump.rdb with rdbchecksum no');
    },
  },
  'rdb-save-incremental-fsync': mutableUnsupported('rdb-save-incremental-fsync', 'no', 'Shardis always fsyncs the RDB file every 4 MB as it writes it'),
  'rdb-del-sync-files': mutableUnsupported('rdb-del-sync-files', 'yes', 'Shardis writes no RDB files for replication to delete'),
  'stop-writes-on-bgsave-error': {
    async check(w) {
      // A background save that fails (its dir is gone) stops writes with -MISCONF; with no it does not.
      const gone = fs.mkdtempSync(path.join(WALK_TMP, 'gone-'));
      await w.set('save', '3600 1');
      await w.set('dir', gone);
      fs.rmSync(gone, { recursive: true });
      await w.call('BGSAVE');
      try {
        w.ok(await waitFor(async () => (await infoOf(w, 'persistence')).rdb_last_bgsave_status === 'err', 5000), 'the background save failed');
        const refused = await w.call('SET', 'walk:misconf', '1');
        w.ok(/^MISCONF/.test(errorOf(refused) ?? ''), `a write after the failed save: ${JSON.stringify(refused)}`);
        await w.set('stop-writes-on-bgsave-error', 'no');
        w.equal(await w.call('SET', 'walk:misconf', '1'), 'OK', 'served with stop-writes-on-bgsave-error no');
      } finally {
        await w.set('dir', w.dir);
        await w.call('SAVE');
        await w.set('save', '');
      }
    },
  },
  activerehashing: mutableUnsupported('activerehashing', 'no', "Shardis's hash tables (V8 Maps) always rehash as they grow; this cannot be turned off"),
  activedefrag: mutableUnsupported(
    'activedefrag',
    'yes',
    'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution',
  ),
  'dynamic-hz': mutableUnsupported('dynamic-hz', 'no', 'Shardis keeps hz as configured; dynamic-hz cannot be turned off'),
  'client-output-buffer-limit': {
    async check(w) {
      // A client that reads nothing while its replies pile up past the normal class's hard limit is closed.
      await w.set('client-output-buffer-limit', 'normal 1mb 0 0');
      await w.call('SET', 'walk:big', 'x'.repeat(512 * 1024));
      const before = Number((await infoOf(w, 'stats')).client_output_buffer_limit_disconnections ?? '0');
      const s = net.connect(w.port, '127.0.0.1');
      s.pause();
      await new Promise((r) => s.once('connect', r));
      const closed = new Promise<boolean>((r) => s.once('close', () => r(true)));
      s.on('error', () => undefined);
      s.write(Buffer.concat(Array.from({ length: 40 }, () => encodeCommand(['GET', 'walk:big']))));
      // The server closes it; once paused reading resumes, the socket sees the end.
      await sleep(500);
      s.resume();
      w.ok(await Promise.race([closed, sleep(5000).then(() => false)]), `the non-reading client was closed (before: ${before})`);
      await w.call('DEL', 'walk:big');
    },
  },
  'busy-reply-threshold': {
    async check(w) {
      await w.set('busy-reply-threshold', '100');
      const busy = w.admin.call('EVAL', 'local t = redis.call("TIME") local s = t[1] * 1000000 + t[2] repeat t = redis.call("TIME") until t[1] * 1000000 + t[2] - s > 1000000', '0');
      await sleep(400);
      const c = await w.connect();
      const r = await c.call('GET', 'walk:x');
      await busy;
      w.ok(/^BUSY /.test(errorOf(r) ?? ''), `a command during a 1 s script past busy-reply-threshold 100: ${JSON.stringify(r)}`);
    },
  },
  'lua-time-limit': { aliasOf: { name: 'busy-reply-threshold', value: '250' } },
  'acl-pubsub-default': {
    async check(w) {
      await w.set('acl-pubsub-default', 'allchannels');
      await w.call('ACL', 'SETUSER', 'walk-pub', 'on', 'nopass', '+@all', '~*');
      const c = await w.connect();
      await c.call('AUTH', 'walk-pub', 'x');
      const r = await c.call('PUBLISH', 'walk-ch', 'm');
      await w.call('ACL', 'DELUSER', 'walk-pub');
      w.equal(r, 0, 'a new user may PUBLISH under acl-pubsub-default allchannels');
    },
  },
  'acllog-max-len': {
    async check(w) {
      await w.call('ACL', 'LOG', 'RESET');
      await w.set('acllog-max-len', '1');
      const c = await w.connect();
      await c.call('AUTH', 'nobody1', 'x');
      await c.call('AUTH', 'nobody2', 'x');
      const log = (await w.call('ACL', 'LOG')) as Reply[];
      w.equal(log.length, 1, 'ACL LOG entries after two failures with acllog-max-len 1');
    },
  },
  aclfile: {
    refused: { value: '/tmp/other.acl', error: IMMUTABLE('aclfile'), why: 'immutable; the walk server starts with --aclfile' },
    startArgs: ['--aclfile', ACLFILE],
    async check(w) {
      const users = (await w.call('ACL', 'USERS')) as string[];
      w.ok(users.includes('walker'), `the aclfile's users are loaded: ${users.join(' ')}`);
      w.equal(await w.call('ACL', 'LOAD'), 'OK', 'ACL LOAD reads the aclfile');
    },
  },
  daemonize: immutableUnsupported('daemonize', 'yes'),
  supervised: immutableUnsupported('supervised', 'systemd'),
  pidfile: {
    refused: { value: '/tmp/other.pid', error: IMMUTABLE('pidfile'), why: 'immutable; the walk server starts with --pidfile' },
    startArgs: ['--pidfile', PIDFILE],
    async check(w) {
      w.equal(fs.readFileSync(PIDFILE, 'utf8'), `${w.server.proc.pid}\n`, 'the pidfile holds the server process id');
    },
  },
  logfile: {
    refused: { value: '/tmp/other.log', error: IMMUTABLE('logfile'), why: 'immutable; a server started with --logfile logs there' },
    async check(w) {
      const file = path.join(WALK_TMP, 'walk.log');
      const read = (): string => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
      const s = await spawnServer(w.teardown, ['--logfile', file, '--workers', '1', '--log-level', 'debug'], () => read().includes('Shardis ready'));
      w.ok(!s.output().includes('Shardis ready'), 'nothing on stdout');
      w.ok(read().includes('"shard":0'), 'the shard thread logs to the file too');
    },
  },
  'syslog-enabled': immutableUnsupported('syslog-enabled', 'yes'),
  'syslog-ident': immutableUnsupported('syslog-ident', 'walk'),
  unixsocket: {
    refused: { value: '/tmp/other.sock', error: IMMUTABLE('unixsocket'), why: 'immutable; a server started with --unixsocket listens there' },
    async check(w) {
      const { sock } = await altServer(w);
      const c = await RespClient.connect(sock);
      try {
        w.equal(await c.call('PING'), 'PONG', 'PING over the unix socket');
        w.ok(((await c.call('CLIENT', 'INFO')) as string).includes(`addr=${sock}:0`), 'CLIENT INFO shows the socket path as the address');
      } finally {
        c.close();
      }
    },
  },
  unixsocketperm: {
    refused: { value: '755', error: IMMUTABLE('unixsocketperm'), why: 'immutable; a server started with --unixsocketperm 700 sets it' },
    async check(w) {
      const { sock } = await altServer(w);
      w.equal((fs.statSync(sock).mode & 0o777).toString(8), '700', 'the socket file mode');
    },
  },
  'io-threads': immutableUnsupported('io-threads', '4'),
  'io-threads-do-reads': immutableUnsupported('io-threads-do-reads', 'yes'),
  'cluster-enabled': {
    refused: { value: 'yes', error: IMMUTABLE('cluster-enabled'), why: 'immutable; a server started with --cluster-enabled yes is a cluster node' },
    async check(w) {
      w.equal(await w.call('CLUSTER', 'MYID').then(errorOf), 'ERR This instance has cluster support disabled', 'CLUSTER on the walk server');
      const { c } = await clusterNode(w);
      w.ok(/cluster_state:/.test((await c.call('CLUSTER', 'INFO')) as string), 'CLUSTER INFO on a cluster-enabled server');
    },
  },
  'cluster-config-file': {
    refused: { value: 'other.conf', error: IMMUTABLE('cluster-config-file'), why: 'immutable; the cluster node starts with --cluster-config-file walk-nodes.conf' },
    async check(w) {
      const { srv, c } = await clusterNode(w);
      void srv;
      const dir = (await c.call('CONFIG', 'GET', 'dir')) as string[];
      w.ok(fs.existsSync(path.join(dir[1], 'walk-nodes.conf')), 'walk-nodes.conf written in dir');
    },
  },
  'cluster-node-timeout': {
    async check(w) {
      // A handshake with an address nobody answers is dropped after the node timeout (Redis: at least 1 s).
      const { c } = await clusterNode(w);
      await c.call('CONFIG', 'SET', 'cluster-node-timeout', '1000');
      try {
        const silent = net.createServer(() => undefined);
        await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
        const port = (silent.address() as net.AddressInfo).port;
        w.teardown(() => silent.close());
        await c.call('CLUSTER', 'MEET', '127.0.0.1', String(port), String(port));
        const count = async (): Promise<number> => ((await c.call('CLUSTER', 'NODES')) as string).trim().split('\n').length;
        w.equal(await count(), 2, 'the handshake node is listed');
        w.ok(await waitFor(async () => (await count()) === 1, 4000), 'the handshake is dropped within a few seconds at cluster-node-timeout 1000');
      } finally {
        await c.call('CONFIG', 'SET', 'cluster-node-timeout', '15000');
      }
    },
  },
  'cluster-port': {
    refused: { value: '17000', error: IMMUTABLE('cluster-port'), why: 'immutable; the cluster node starts with --cluster-port' },
    async check(w) {
      const { c, busPort } = await clusterNode(w);
      w.ok(((await c.call('CLUSTER', 'NODES')) as string).includes(`@${busPort} myself`), 'CLUSTER NODES shows the bus port');
      w.ok(await portOpen(busPort), 'the bus port listens');
    },
  },
  'cluster-require-full-coverage': {
    async check(w) {
      const { c } = await clusterNode(w);
      const state = async (): Promise<string> => (/cluster_state:(\w+)/.exec((await c.call('CLUSTER', 'INFO')) as string) ?? [])[1] ?? '';
      w.equal(await state(), 'fail', 'half the slots: fail by default');
      await c.call('CONFIG', 'SET', 'cluster-require-full-coverage', 'no');
      const ok = await waitFor(async () => (await state()) === 'ok', 3000);
      await c.call('CONFIG', 'SET', 'cluster-require-full-coverage', 'yes');
      w.ok(ok, 'ok with cluster-require-full-coverage no');
    },
  },
  'cluster-allow-reads-when-down': {
    async check(w) {
      const { c } = await clusterNode(w);
      // "a" hashes to slot 15495 (not served), "b" to 3300 (served): the cluster is down, reads of served slots refused...
      const before = await c.call('GET', 'b');
      await c.call('CONFIG', 'SET', 'cluster-allow-reads-when-down', 'yes');
      const after = await c.call('GET', 'b');
      const write = await c.call('SET', 'b', '1');
      await c.call('CONFIG', 'SET', 'cluster-allow-reads-when-down', 'no');
      w.ok(/^CLUSTERDOWN/.test(errorOf(before) ?? ''), `GET while down: ${JSON.stringify(before)}`);
      w.equal(after, null, 'GET while down with cluster-allow-reads-when-down yes');
      w.ok(/^CLUSTERDOWN/.test(errorOf(write) ?? ''), `SET while down stays refused: ${JSON.stringify(write)}`);
    },
  },
  'oom-score-adj': mutableUnsupported('oom-score-adj', 'yes', 'Shardis does not set oom_score_adj'),
  'crash-log-enabled': {
    async check(w) {
      const crash = async (enabled: string): Promise<string> => {
        const s = await spawnServer(w.teardown, ['--enable-debug-command', 'yes'], (out) => out.includes('Shardis ready'));
        const c = await w.connect(s.port);
        await c.call('CONFIG', 'SET', 'crash-log-enabled', enabled);
        c.write(encodeCommand(['DEBUG', 'PANIC']));
        await Promise.race([s.exited, sleep(10000)]);
        return s.output();
      };
      const withLog = await crash('yes');
      const without = await crash('no');
      w.ok(withLog.includes('BUG REPORT') && withLog.includes('DEBUG PANIC'), 'crash report after DEBUG PANIC by default');
      w.ok(!without.includes('BUG REPORT') && without.includes('crashed'), 'no crash report with crash-log-enabled no');
    },
  },
  'jemalloc-bg-thread': mutableUnsupported('jemalloc-bg-thread', 'no', 'Shardis does not use jemalloc'),
  'enable-debug-command': {
    refused: { value: 'no', error: IMMUTABLE('enable-debug-command'), why: 'immutable; the walk server starts with --enable-debug-command yes' },
    startArgs: ['--enable-debug-command', 'yes'],
    async check(w) {
      w.equal(await w.call('DEBUG', 'SLEEP', '0'), 'OK', 'DEBUG with enable-debug-command yes');
      const { srv } = await altServer(w);
      const c = await w.connect(srv.port);
      w.ok(/^ERR DEBUG command not allowed/.test(errorOf(await c.call('DEBUG', 'SLEEP', '0')) ?? ''), 'DEBUG refused by default');
    },
  },
  'enable-protected-configs': {
    refused: { value: 'no', error: IMMUTABLE('enable-protected-configs'), why: 'immutable; the walk server starts with --enable-protected-configs yes' },
    startArgs: ['--enable-protected-configs', 'yes'],
    async check(w) {
      await w.set('dbfilename', 'dump.rdb');
      const { srv } = await altServer(w);
      const c = await w.connect(srv.port);
      const r = await c.call('CONFIG', 'SET', 'dbfilename', 'x.rdb');
      w.equal(errorOf(r), "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config", 'protected config by default');
    },
  },
  'enable-module-command': immutableUnsupported('enable-module-command', 'yes'),
  'shutdown-on-sigint': shutdownOn('shutdown-on-sigint', 'SIGINT'),
  'shutdown-on-sigterm': shutdownOn('shutdown-on-sigterm', 'SIGTERM'),
  'shutdown-timeout': mutableUnsupported('shutdown-timeout', '20', 'Shardis has no replicas to wait for at shutdown'),
  'always-show-logo': {
    refused: { value: 'yes', error: IMMUTABLE('always-show-logo'), why: 'immutable; a server started with --always-show-logo yes shows it' },
    async check(w) {
      const { srv } = await altServer(w);
      w.ok(srv.output().includes('Shardis, speaking the Redis protocol'), 'the logo in the log of a server started with --always-show-logo yes');
      w.ok(!w.server.output().includes('Shardis, speaking the Redis protocol'), 'not by default');
    },
  },
  'set-proc-title': {
    refused: { value: 'no', error: IMMUTABLE('set-proc-title'), why: 'immutable; a server started with --set-proc-title no keeps the node command line' },
    async check(w) {
      const title = (pid: number | undefined): string => fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      const { srv } = await altServer(w);
      w.ok(title(w.server.proc.pid).startsWith('shardis-server 127.0.0.1:'), `the process title by default: ${title(w.server.proc.pid)}`);
      w.ok(title(srv.proc.pid).includes('main.js'), `the command line with --set-proc-title no: ${title(srv.proc.pid)}`);
    },
  },
  'disable-thp': immutableUnsupported('disable-thp', 'no'),
};
