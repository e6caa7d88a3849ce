/**
 * A shard's scripting engine: its script cache (sha1 -> body, compiled in
 * the shard's Lua interpreter), running EVAL-family scripts synchronously
 * inside the shard, and serving the script's host calls: redis.call/pcall
 * run the shard's own ops through runCommand (so writes signal their keys,
 * waking blocked clients and invalidating WATCH, and raise notifications),
 * and their RESP replies are converted to Lua values; the script's result
 * is converted back to the caller's protocol. Mirrors Redis's eval.c and
 * script_lua.c.
 */
import { createHash } from 'node:crypto';
import { ReplyWriter } from '../../src/core/wire/reply-writer';
import { keyPositions } from '../../src/core/commands/spec';
import { slotToShard, keyHashSlotOfString } from '../../src/core/routing/slot';
import type { ScriptRunner, ShardOpContext } from '../op-context';
import type { ShardState } from '../shard-state';
import type { Db } from '../db';
import { opTable, type OpEntry } from '../ops';
import { runCommand } from '../run-command';
import { LuaVm } from './lua-vm';
import { PRELUDE } from './prelude';
import { decodeValues, TagWriter } from './values';
import { runLib } from './libs';
import { respToTags } from './resp-to-lua';
import { writeTagged } from './lua-to-resp';

export function sha1hex(s: string): string {
  return createHash('sha1').update(Buffer.from(s, 'latin1')).digest('hex');
}

/** What a script run needs to know while it runs. */
class RunContext implements ShardOpContext {
  resp: 2 | 3 = 2;
  readOnly = false;
  started = 0;
  wrote = false;
  db!: Db;
  dbIndex = 0;
  connId = 0;
  proto: 2 | 3 = 2;
  now = 0;
  constructor(readonly shard: ShardState, private readonly outer: ShardOpContext) {
    this.db = outer.db;
    this.dbIndex = outer.dbIndex;
    this.connId = outer.connId;
    this.now = outer.now;
  }
  notify(cls: number, event: string, key: string): void {
    if ((this.shard.settings.notifyFlags & cls) !== 0) this.shard.notify(cls, event, key, this.dbIndex);
  }
}

/** A script's flags from its shebang line (`#!lua flags=...`). */
export interface ScriptFlags {
  noWrites: boolean;
  /** The shebang was present (Redis then applies the flags' rules, e.g. no writes without `no-writes` ... only when declared). */
  shebang: boolean;
}

interface CachedScript {
  body: string;
  flags: ScriptFlags;
}

const SHEBANG_FLAGS = new Set(['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys']);

/** Parses a shebang line: the flags, and the body Lua compiles (the shebang line emptied, so line numbers hold). */
export function parseShebang(body: string): { flags: ScriptFlags; code: string } | { error: string } {
  if (!body.startsWith('#!')) return { flags: { noWrites: false, shebang: false }, code: body };
  const nl = body.indexOf('\n');
  const line = nl === -1 ? body.slice(2) : body.slice(2, nl);
  const parts = line.split(' ').filter((p) => p !== '');
  if (parts[0] !== 'lua') return { error: `ERR Could not find engine '${parts[0] ?? ''}'` };
  const flags: ScriptFlags = { noWrites: false, shebang: true };
  for (const p of parts.slice(1)) {
    if (!p.startsWith('flags=')) return { error: `ERR Unknown lua shebang option: ${p}` };
    for (const f of p.slice(6).split(',')) {
      if (f === '') continue;
      if (!SHEBANG_FLAGS.has(f)) return { error: `ERR Unexpected flag in script shebang: ${f}` };
      if (f === 'no-writes') flags.noWrites = true;
    }
  }
  return { flags, code: nl === -1 ? '' : body.slice(nl) };
}

export class ScriptEngine implements ScriptRunner {
  private vm: LuaVm | null = null;
  private readonly scripts = new Map<string, CachedScript>();
  /** The run in progress (host calls need it); null between scripts. */
  private run: RunContext | null = null;
  private readonly callWriter = new ReplyWriter(4096);
  /** Written by the main thread (SCRIPT KILL) and read by the busy hook: 1 = kill the running script. */
  killFlag: Int32Array | null = null;
  /** Set while a script runs (for -BUSY on the main thread): the start time in ms, 0 when idle. */
  busyClock: Float64Array | null = null;

  constructor(private readonly shard: ShardState) {}

  get size(): number {
    return this.scripts.size;
  }

  private lua(): LuaVm {
    if (this.vm === null) {
      this.vm = new LuaVm((req) => this.host(req));
      this.vm.exec(PRELUDE);
    }
    return this.vm;
  }

  has(sha: string): boolean {
    return this.scripts.has(sha);
  }

  /** SCRIPT FLUSH. */
  flush(): void {
    this.scripts.clear();
    if (this.vm !== null) this.vm.call('__forget', '*');
  }

  /** Compiles and caches `body`; returns its sha, or throws the Redis error text. */
  load(body: string): string {
    const sha = sha1hex(body);
    if (this.scripts.has(sha)) return sha;
    const parsed = parseShebang(body);
    if ('error' in parsed) throw new Error(parsed.error);
    const vm = this.lua();
    vm.takeOutput();
    this.pendingInput = parsed.code;
    vm.call('__compile', sha);
    const out = vm.takeOutput();
    if (out[0] !== 'K') throw new Error(`ERR Error compiling script (new function): ${out.slice(1)}`);
    this.scripts.set(sha, { body, flags: parsed.flags });
    return sha;
  }

  /** Input for the next host read that is not a host call (a body, KEYS/ARGV). */
  private pendingInput: string | null = null;

  /**
   * EVAL / EVALSHA / EVAL_RO / EVALSHA_RO: args are [name, script|sha, numkeys, keys..., argv...].
   * Writes the reply (the script's result or its error) at `w`.
   */
  eval(ctx: ShardOpContext, args: string[], w: ReplyWriter, bySha: boolean, readOnly: boolean): void {
    let sha: string;
    if (bySha) {
      sha = args[1].toLowerCase();
      if (!this.scripts.has(sha)) return w.error('NOSCRIPT No matching script. Please use EVAL.');
    } else {
      try {
        sha = this.load(args[1]);
      } catch (err) {
        return w.error((err as Error).message);
      }
    }
    const script = this.scripts.get(sha) as CachedScript;
    const numkeys = Number(args[2]);
    const keys = args.slice(3, 3 + numkeys);
    const argv = args.slice(3 + numkeys);
    const run = new RunContext(this.shard, ctx);
    run.readOnly = readOnly || script.flags.noWrites;
    run.started = Date.now();
    const tw = new TagWriter().array(2).array(keys.length);
    for (const k of keys) tw.str(k);
    tw.array(argv.length);
    for (const a of argv) tw.str(a);
    const vm = this.lua();
    vm.takeOutput();
    this.pendingInput = tw.done();
    this.run = run;
    if (this.busyClock !== null) this.busyClock[0] = run.started;
    try {
      vm.call('__run', sha);
    } catch (err) {
      this.run = null;
      return w.error(`ERR Error running script ${sha}: ${(err as Error).message}`);
    } finally {
      this.run = null;
      if (this.busyClock !== null) this.busyClock[0] = 0;
      if (this.killFlag !== null) Atomics.store(this.killFlag, 0, 0);
    }
    const out = vm.takeOutput();
    if (out[0] === 'R') writeTagged(w, out, 1, run.resp);
    else w.error(out.slice(1));
  }

  /** A host call from Lua (prelude.ts `host`), or a read of pending input. */
  private host(req: string): string {
    if (req.length === 0) {
      const input = this.pendingInput ?? '';
      this.pendingInput = null;
      return input;
    }
    const op = req[0];
    const args = parseRequest(req);
    switch (op) {
      case 'C':
      case 'P':
        return this.command(args);
      case 'S':
        return new TagWriter().str(sha1hex(args[0])).done();
      case 'L':
        return '_';
      case 'R':
        if (this.run !== null) this.run.resp = args[0] === '3' ? 3 : 2;
        return '_';
      case 'A':
        return new TagWriter().bool(true).done();
      case 'H':
        return this.killFlag !== null && Atomics.load(this.killFlag, 0) === 1 ? new TagWriter().str('kill').done() : '_';
      case 'X':
        return runLib(args[0], decodeValues(args[1]));
      default:
        return '_';
    }
  }

  /** redis.call / redis.pcall: one command, run as the shard runs a client's. */
  private command(args: string[]): string {
    const run = this.run;
    if (run === null) return errorTag('ERR redis.call outside a script');
    let entry: OpEntry | undefined = opTable.lookup(args[0]);
    if (entry !== undefined && entry.subcommands !== undefined) {
      entry = args.length > 1 ? entry.subcommands.get(args[1].toLowerCase()) : undefined;
      if (entry === undefined) return errorTag('ERR Unknown Redis command called from script');
    }
    if (entry === undefined) return errorTag('ERR Unknown Redis command called from script');
    const spec = entry.spec;
    if (spec.arity > 0 ? args.length !== spec.arity : args.length < -spec.arity) {
      return errorTag('ERR Wrong number of args calling Redis command from script');
    }
    if (spec.flags.includes('noscript')) return errorTag('ERR This Redis command is not allowed from script');
    if (spec.flags.includes('write') && run.readOnly) return errorTag('ERR Write commands are not allowed from read-only scripts.');
    if (entry.opIndex < 0) return this.mainCommand(entry, args, run);
    const shard = this.shard;
    if (shard.shardCount > 1) {
      for (const p of keyPositions(spec, args)) {
        if (slotToShard(keyHashSlotOfString(args[p]), shard.shardCount) !== shard.id) {
          return errorTag(`ERR Script attempted to access key '${args[p]}' that lives on another shard than the script's keys (use a {hash tag})`);
        }
      }
    }
    args[0] = entry.commandName;
    if (entry.subcommandName !== undefined) args[1] = entry.subcommandName;
    const w = this.callWriter;
    w.reset();
    w.proto = run.resp;
    run.proto = run.resp;
    runCommand(run, entry.opIndex, args, w);
    if (entry.writes) run.wrote = true;
    return respToTags(w.buf, 0, w.len, run.resp);
  }

  /** Main-thread rows a script may call that a shard can answer itself. */
  private mainCommand(entry: OpEntry, args: string[], run: RunContext): string {
    const w = this.callWriter;
    w.reset();
    w.proto = run.resp;
    switch (entry.fullName) {
      case 'ping':
        if (args.length > 2) return errorTag("ERR wrong number of arguments for 'ping' command");
        if (args.length === 2) w.bulk(args[1]);
        else w.simple('PONG');
        break;
      case 'echo':
        w.bulk(args[1]);
        break;
      case 'time': {
        const us = BigInt(Date.now()) * 1000n + BigInt(Math.floor((performance.now() % 1) * 1000));
        w.array(2);
        w.bulk(String(us / 1000000n));
        w.bulk(String(us % 1000000n));
        break;
      }
      case 'select': {
        const n = Number(args[1]);
        if (!/^-?\d+$/.test(args[1])) return errorTag('ERR value is not an integer or out of range');
        if (n < 0 || n >= this.shard.settings.databases) return errorTag('ERR DB index is out of range');
        run.dbIndex = n;
        run.db = this.shard.db(n);
        w.ok();
        break;
      }
      case 'dbsize':
        if (this.shard.shardCount > 1) return errorTag('ERR DBSIZE inside a script needs a single-shard server (--workers 0 or 1)');
        w.integer(run.db.size);
        break;
      default:
        return errorTag(`ERR '${entry.fullName}' is not supported inside scripts by this server`);
    }
    return respToTags(w.buf, 0, w.len, run.resp);
  }
}

function errorTag(msg: string): string {
  return `-${msg.length}:${msg}`;
}

/** Splits a host request (op char, count ';', then `<len>:<bytes>` per argument). */
function parseRequest(req: string): string[] {
  const semi = req.indexOf(';', 1);
  const n = Number(req.slice(1, semi));
  const out: string[] = new Array(n);
  let p = semi + 1;
  for (let i = 0; i < n; i++) {
    const c = req.indexOf(':', p);
    const len = Number(req.slice(p, c));
    out[i] = req.slice(c + 1, c + 1 + len);
    p = c + 1 + len;
  }
  return out;
}
