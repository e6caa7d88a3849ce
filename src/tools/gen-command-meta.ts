/**
 * Generates src/core/commands/redis-commands.ts from redis-server 7.0.15's
 * own COMMAND INFO and COMMAND DOCS (RESP3, so sets, maps and status replies
 * keep their types): the reference server is the one source of command
 * metadata. It starts a private redis-server on a unix socket (no TCP port),
 * reads both replies, checks every field has the type the writer in
 * src/commands/introspection.ts will give it, and writes the data module.
 *
 *   node dist/src/tools/gen-command-meta.js [--redis-server PATH]
 *   node dist/src/tools/gen-command-meta.js --check   # exit 1 if the module is out of date
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const OUT = path.resolve(__dirname, '..', '..', '..', 'src', 'core', 'commands', 'redis-commands.ts');

/** A RESP3 value with its wire type kept. */
type R =
  | { t: 'bulk' | 'simple' | 'error'; v: string }
  | { t: 'int'; v: number }
  | { t: 'null' }
  | { t: 'array' | 'set' | 'push'; v: R[] }
  | { t: 'map'; v: [R, R][] };

/** Parses one RESP3 value at `pos`; returns undefined when the buffer ends first. */
function parse(buf: Buffer, pos: number): [R, number] | undefined {
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return undefined;
  const head = buf.toString('latin1', pos + 1, eol);
  const next = eol + 2;
  switch (String.fromCharCode(buf[pos])) {
    case '+':
      return [{ t: 'simple', v: head }, next];
    case '-':
      return [{ t: 'error', v: head }, next];
    case ':':
      return [{ t: 'int', v: Number(head) }, next];
    case '_':
      return [{ t: 'null' }, next];
    case '$': {
      const n = Number(head);
      if (n < 0) return [{ t: 'null' }, next];
      if (buf.length < next + n + 2) return undefined;
      return [{ t: 'bulk', v: buf.toString('latin1', next, next + n) }, next + n + 2];
    }
    case '*':
    case '~':
    case '>': {
      const n = Number(head);
      const out: R[] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const r = parse(buf, p);
        if (r === undefined) return undefined;
        out.push(r[0]);
        p = r[1];
      }
      const t = buf[pos] === 0x2a ? 'array' : buf[pos] === 0x7e ? 'set' : 'push';
      return [{ t, v: out }, p];
    }
    case '%': {
      const n = Number(head);
      const out: [R, R][] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const k = parse(buf, p);
        if (k === undefined) return undefined;
        const v = parse(buf, k[1]);
        if (v === undefined) return undefined;
        out.push([k[0], v[0]]);
        p = v[1];
      }
      return [{ t: 'map', v: out }, p];
    }
    default:
      throw new Error(`unexpected RESP type byte ${buf[pos]}`);
  }
}

/** Sends the commands and returns one parsed reply per command. */
async function query(socketPath: string, commands: string[][]): Promise<R[]> {
  const sock = net.connect(socketPath);
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  const wire = commands.map((c) => `*${c.length}\r\n${c.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`).join('');
  sock.write(wire);
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    sock.on('error', reject);
    sock.on('data', (d: Buffer) => {
      chunks.push(d);
      const buf = Buffer.concat(chunks);
      const out: R[] = [];
      let p = 0;
      while (p < buf.length) {
        const r = parse(buf, p);
        if (r === undefined) return;
        out.push(r[0]);
        p = r[1];
      }
      if (out.length === commands.length) {
        sock.end();
        resolve(out);
      }
    });
  });
}

function fail(what: string, r: R): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(r).slice(0, 300)}`);
}

function str(r: R, type: 'bulk' | 'simple' = 'bulk'): string {
  if (r.t !== type) fail(`${type} reply`, r);
  return r.v;
}

function int(r: R): number {
  if (r.t !== 'int') fail('integer', r);
  return r.v;
}

function list(r: R, type: 'array' | 'set'): R[] {
  if (r.t !== type) fail(type, r);
  return r.v;
}

function entries(r: R): [string, R][] {
  if (r.t !== 'map') fail('map', r);
  return r.v.map(([k, v]) => [str(k), v]);
}

function statusSet(r: R): string[] {
  return list(r, 'set').map((x) => str(x, 'simple'));
}

function keySpec(r: R): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const search = (m: R): Record<string, unknown> => {
    const e = Object.fromEntries(entries(m));
    const spec: Record<string, unknown> = { type: str(e.type) };
    for (const [k, v] of entries(e.spec)) spec[k] = v.t === 'int' ? v.v : str(v);
    return spec;
  };
  for (const [k, v] of entries(r)) {
    if (k === 'notes') out.notes = str(v);
    else if (k === 'flags') out.flags = statusSet(v);
    else if (k === 'begin_search') out.begin = search(v);
    else if (k === 'find_keys') out.find = search(v);
    else fail(`key spec field ${k}`, v);
  }
  // The writer emits notes, flags, begin_search, find_keys in that order: check Redis does too.
  const order = entries(r).map(([k]) => k).filter((k) => k !== 'notes');
  if (order.join() !== 'flags,begin_search,find_keys') fail('key spec field order', r);
  return out;
}

function arg(r: R): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries(r)) {
    if (k === 'flags') out.flags = statusSet(v);
    else if (k === 'key_spec_index') out.key_spec_index = int(v);
    else if (k === 'arguments') out.arguments = list(v, 'array').map(arg);
    else out[k] = str(v);
  }
  return out;
}

interface Meta {
  arity: number;
  flags: string[];
  keys: [number, number, number];
  acl: string[];
  tips: string[];
  keySpecs: Record<string, unknown>[];
  docs: Record<string, unknown>;
  subcommands?: string[];
}

function collectInfo(r: R, into: Map<string, Omit<Meta, 'docs'>>): void {
  const f = list(r, 'array');
  if (f.length !== 10) fail('COMMAND INFO entry', r);
  const name = str(f[0]);
  // Redis writes the subcommands as an array, or an empty *set* when there are none.
  const subs = f[9].t === 'set' && f[9].v.length === 0 ? [] : list(f[9], 'array');
  into.set(name, {
    arity: int(f[1]),
    flags: statusSet(f[2]),
    keys: [int(f[3]), int(f[4]), int(f[5])],
    acl: statusSet(f[6]).map((c) => c.replace(/^@/, '')),
    tips: list(f[7], 'set').map((x) => str(x)),
    keySpecs: list(f[8], 'set').map(keySpec),
    ...(subs.length > 0 ? { subcommands: subs.map((s) => str(list(s, 'array')[0])).sort() } : {}),
  });
  for (const s of subs) collectInfo(s, into);
}

function collectDocs(name: string, r: R, into: Map<string, Record<string, unknown>>): void {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries(r)) {
    if (k === 'doc_flags') out.doc_flags = statusSet(v);
    else if (k === 'history') out.history = list(v, 'set').map((h) => list(h, 'array').map((x) => str(x)));
    else if (k === 'arguments') out.arguments = list(v, 'array').map(arg);
    else if (k === 'subcommands') for (const [sub, doc] of entries(v)) collectDocs(sub, doc, into);
    else out[k] = str(v);
  }
  into.set(name, out);
}

async function readReference(redisServer: string): Promise<Map<string, Meta>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardis-meta-'));
  const socketPath = path.join(dir, 'redis.sock');
  const child = spawn(redisServer, ['--port', '0', '--unixsocket', socketPath, '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: 'ignore',
  });
  try {
    for (let i = 0; i < 100 && !fs.existsSync(socketPath); i++) await new Promise((r) => setTimeout(r, 50));
    const [hello, info, docs] = await query(socketPath, [['HELLO', '3'], ['COMMAND', 'INFO'], ['COMMAND', 'DOCS']]);
    const version = entries(hello).find(([k]) => k === 'version');
    if (version === undefined || str(version[1]) !== '7.0.15') throw new Error(`the reference must be redis-server 7.0.15, not ${JSON.stringify(version)}`);
    const infos = new Map<string, Omit<Meta, 'docs'>>();
    for (const e of list(info, 'array')) collectInfo(e, infos);
    const docMap = new Map<string, Record<string, unknown>>();
    for (const [name, doc] of entries(docs)) collectDocs(name, doc, docMap);
    const out = new Map<string, Meta>();
    for (const name of [...infos.keys()].sort()) {
      const doc = docMap.get(name);
      if (doc === undefined) throw new Error(`COMMAND DOCS has no ${name}`);
      out.set(name, { ...(infos.get(name) as Omit<Meta, 'docs'>), docs: doc });
    }
    return out;
  } finally {
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes a value as a compact TypeScript literal (JSON with unquoted simple keys). */
function literal(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(literal).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    const parts = Object.entries(v as Record<string, unknown>).map(([k, x]) => `${/^[a-z_][a-z0-9_]*$/i.test(k) ? k : JSON.stringify(k)}: ${literal(x)}`);
    return `{ ${parts.join(', ')} }`;
  }
  return JSON.stringify(v);
}

function render(meta: Map<string, Meta>): string {
  const lines = [
    '/**',
    ' * GENERATED by src/tools/gen-command-meta.ts from redis-server 7.0.15\'s COMMAND INFO and',
    ' * COMMAND DOCS. Do not edit: rerun the generator. Read it through redis-meta.ts.',
    ' */',
    "import type { RedisCommandMeta } from './redis-meta-types';",
    '',
    'export const REDIS_COMMANDS: Readonly<Record<string, RedisCommandMeta>> = {',
  ];
  for (const [name, m] of meta) {
    lines.push(`  ${JSON.stringify(name)}: ${literal(m)},`);
  }
  lines.push('};', '');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--redis-server');
  const redisServer = at >= 0 ? argv[at + 1] : 'redis-server';
  const text = render(await readReference(redisServer));
  if (argv.includes('--check')) {
    const same = fs.existsSync(OUT) && fs.readFileSync(OUT, 'utf8') === text;
    process.stdout.write(same ? 'redis-commands.ts is up to date\n' : 'redis-commands.ts is out of date: rerun the generator\n');
    process.exitCode = same ? 0 : 1;
    return;
  }
  fs.writeFileSync(OUT, text);
  process.stdout.write(`wrote ${path.relative(process.cwd(), OUT)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
