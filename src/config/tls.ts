/**
 * TLS settings as Node's tls.createServer options, built from the tls-*
 * parameters the way Redis builds its SSL_CTX: certificate and key (with an
 * optional passphrase), the CA that client certificates must chain to
 * (tls-ca-cert-file and every certificate in tls-ca-cert-dir),
 * tls-auth-clients (yes: a client certificate is required, optional: checked
 * when given, no: not asked for), tls-protocols, tls-ciphers (TLS 1.2) and
 * tls-ciphersuites (TLS 1.3), tls-prefer-server-ciphers, DH parameters and
 * the session cache timeout. Reading the files here means a bad setting is
 * found before it replaces a working one (CONFIG SET, certificate reload).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';

/** The tls-* parameters Shardis implements (every one of them has an effect). */
export const TLS_PARAMS = [
  'tls-cert-file', 'tls-key-file', 'tls-key-file-pass', 'tls-ca-cert-file', 'tls-ca-cert-dir', 'tls-auth-clients', 'tls-protocols',
  'tls-ciphers', 'tls-ciphersuites', 'tls-prefer-server-ciphers', 'tls-dh-params-file', 'tls-session-caching', 'tls-session-cache-timeout',
] as const;

const PROTOCOLS: Readonly<Record<string, tls.SecureVersion>> = { 'tlsv1.2': 'TLSv1.2', 'tlsv1.3': 'TLSv1.3', 'tlsv1.1': 'TLSv1.1', tlsv1: 'TLSv1' };
const ORDER: readonly tls.SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

export class TlsConfigError extends Error {}

/** Every regular file of a CA directory, read as PEM (OpenSSL's CApath holds one certificate per file). */
function readCaDir(dir: string): Buffer[] {
  return fs
    .readdirSync(dir)
    .map((f) => path.join(dir, f))
    .filter((f) => fs.statSync(f).isFile())
    .map((f) => fs.readFileSync(f))
    .filter((b) => b.includes('-----BEGIN CERTIFICATE-----'));
}

/**
 * The server options for the given parameter values; throws TlsConfigError
 * with the reason when a file cannot be read or the combination is invalid.
 */
export function buildTlsOptions(get: (name: string) => string): tls.TlsOptions {
  const certFile = get('tls-cert-file');
  const keyFile = get('tls-key-file');
  if (certFile === '' || keyFile === '') throw new TlsConfigError('tls-cert-file and tls-key-file are required for TLS');
  const opts: tls.TlsOptions = {};
  try {
    opts.cert = fs.readFileSync(certFile);
    opts.key = fs.readFileSync(keyFile);
    const pass = get('tls-key-file-pass');
    if (pass !== '') opts.passphrase = pass;
    const ca: Buffer[] = [];
    if (get('tls-ca-cert-file') !== '') ca.push(fs.readFileSync(get('tls-ca-cert-file')));
    if (get('tls-ca-cert-dir') !== '') ca.push(...readCaDir(get('tls-ca-cert-dir')));
    if (ca.length > 0) opts.ca = ca;
    if (get('tls-dh-params-file') !== '') opts.dhparam = fs.readFileSync(get('tls-dh-params-file'));
  } catch (err) {
    throw new TlsConfigError((err as Error).message);
  }
  const auth = get('tls-auth-clients');
  if (auth !== 'no' && opts.ca === undefined) throw new TlsConfigError('Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-auth-clients is enabled');
  opts.requestCert = auth !== 'no';
  opts.rejectUnauthorized = auth === 'yes';
  const protocols = get('tls-protocols').trim();
  if (protocols !== '') {
    const versions: tls.SecureVersion[] = [];
    for (const p of protocols.split(/\s+/)) {
      const v = PROTOCOLS[p.toLowerCase()];
      if (v === undefined) throw new TlsConfigError(`Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.`);
      versions.push(v);
    }
    versions.sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
    opts.minVersion = versions[0];
    opts.maxVersion = versions[versions.length - 1];
  } else {
    // Redis's default: TLSv1.2 and TLSv1.3.
    opts.minVersion = 'TLSv1.2';
    opts.maxVersion = 'TLSv1.3';
  }
  const ciphers = [get('tls-ciphersuites'), get('tls-ciphers')].filter((c) => c !== '').join(':');
  if (ciphers !== '') opts.ciphers = ciphers;
  opts.honorCipherOrder = get('tls-prefer-server-ciphers') === 'yes';
  if (get('tls-session-caching') === 'no') {
    // No resumption at all: no server-side cache and no session tickets (Node issues tickets by default).
    opts.sessionTimeout = 0;
    opts.secureOptions = crypto.constants.SSL_OP_NO_TICKET;
  } else opts.sessionTimeout = Number(get('tls-session-cache-timeout'));
  try {
    // Builds the context now so that a bad key, certificate or cipher list is reported here.
    tls.createSecureContext(opts);
  } catch (err) {
    throw new TlsConfigError((err as Error).message);
  }
  return opts;
}
