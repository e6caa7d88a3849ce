/**
 * Tools the config-walk checks share: raw exchanges from another address,
 * certificates made by openssl (once per walk), TLS connections, and a
 * server started by hand for what startShardis cannot watch (a logfile
 * instead of stdout, signals).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { SERVER_MAIN, freePort, which } from '../servers';
import { waitFor } from '../util';

/** A temporary directory for this walk's start-up files (pidfile, aclfile, certificates), removed at exit. */
export const WALK_TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'shardis-walkcfg-'));
process.once('exit', () => fs.rmSync(WALK_TMP, { recursive: true, force: true }));

/** A non-loopback IPv4 address of this host, to connect "from another computer". */
export function externalAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

export const OPENSSL = which('openssl');

export interface WalkCerts {
  dir: string;
  ca: string;
  /** A second CA, and a client certificate only it signed. */
  ca2: string;
  /** A directory holding ca2 only (tls-ca-cert-dir). */
  ca2Dir: string;
  server: { cert: string; key: string };
  /** Another server certificate (CN "other"). */
  other: { cert: string; key: string };
  /** server's key encrypted with the passphrase "walkpass". */
  encryptedKey: string;
  client: { cert: string; key: string };
  client2: { cert: string; key: string };
  dhparams: string;
}

function openssl(args: string[], cwd: string): void {
  if (OPENSSL === null) throw new Error('openssl is not installed');
  const r = spawnSync(OPENSSL, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr}`);
}

let certs: WalkCerts | null = null;

/** The walk's certificates, made on first use. */
export function walkCerts(): WalkCerts {
  if (certs !== null) return certs;
  const dir = path.join(WALK_TMP, 'certs');
  fs.mkdirSync(dir);
  const ca = (name: string, cn: string): void =>
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${cn}`], dir);
  const leaf = (name: string, cn: string, signer: string): void => {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${signer}.crt`, '-CAkey', `${signer}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2'], dir);
  };
  ca('ca', 'Walk CA');
  ca('ca2', 'Walk CA 2');
  leaf('server', 'localhost', 'ca');
  leaf('other', 'other', 'ca');
  leaf('client', 'client', 'ca');
  leaf('client2', 'client2', 'ca2');
  openssl(['rsa', '-in', 'server.key', '-aes256', '-passout', 'pass:walkpass', '-out', 'server-enc.key'], dir);
  openssl(['genpkey', '-genparam', '-algorithm', 'DH', '-pkeyopt', 'dh_param:ffdhe2048', '-out', 'dh.pem'], dir);
  fs.mkdirSync(path.join(dir, 'ca2dir'));
  fs.copyFileSync(path.join(dir, 'ca2.crt'), path.join(dir, 'ca2dir', 'ca2.pem'));
  const p = (f: string): string => path.join(dir, f);
  certs = {
    dir, ca: p('ca.crt'), ca2: p('ca2.crt'), ca2Dir: p('ca2dir'),
    server: { cert: p('server.crt'), key: p('server.key') }, other: { cert: p('other.crt'), key: p('other.key') },
    encryptedKey: p('server-enc.key'), client: { cert: p('client.crt'), key: p('client.key') }, client2: { cert: p('client2.crt'), key: p('client2.key') },
    dhparams: p('dh.pem'),
  };
  return certs;
}

/** Opens a TLS connection; resolves with the socket once the handshake is done, or with the error. */
export function tlsConnect(port: number, opts: tls.ConnectionOptions): Promise<tls.TLSSocket | Error> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ...opts });
    s.once('secureConnect', () => resolve(s));
    s.once('error', (e) => resolve(e));
  });
}

/** PING over a TLS socket, then closes it: '+PONG\r\n', or what else happened. */
export function tlsPing(s: tls.TLSSocket | Error): Promise<string> {
  if (s instanceof Error) return Promise.resolve(`error: ${s.message}`);
  return new Promise((resolve) => {
    let data = '';
    const done = (r: string): void => {
      s.destroy();
      resolve(r);
    };
    s.on('data', (d: Buffer) => {
      data += d.toString();
      if (data.endsWith('\r\n')) done(data);
    });
    s.once('error', (e) => done(`error: ${e.message}`));
    s.once('close', () => done(data === '' ? 'closed' : data));
    s.write('PING\r\n');
  });
}

/** A server started by hand (no readiness on stdout): stopped by PID when the walk ends. */
export interface HandServer {
  proc: ChildProcess;
  port: number;
  dir: string;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts the built server with `args` on a free port and a fresh dir; ready when `ready(output so far)` says so. */
export async function spawnServer(teardown: (fn: () => unknown) => void, args: string[], ready: (output: string) => boolean): Promise<HandServer> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(WALK_TMP, 'srv-'));
  const proc = spawn(process.execPath, [SERVER_MAIN, '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'no', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  teardown(async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  });
  if (!(await waitFor(() => ready(out), 15000, 50))) throw new Error(`hand-started server not ready:\n${out}`);
  return { proc, port, dir, output: () => out, exited };
}

