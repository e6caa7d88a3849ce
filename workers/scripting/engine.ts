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
import { NOTIFY } from '../../src/core/notify';
import { createHash, randomBytes } from 'node:crypto';
import { ReplyWriter } from '../../src/core/wire/reply-writer';
import { keyPositions, pairsIncomplete } from '../../src/core/commands/spec';
import { slotToShard, keyHashSlotOfString } from '../../src/core/routing/slot';
import type { ScriptRunner, ShardOpContext } from '../op-context';
import type { PeerRpc, ShardState } from '../shard-state';
import type { Denial, User } from '../../src/core/acl/user';
import { aclCatalog, type AclCommand } from '../../src/core/acl/catalog';
import type { Db } from '../db';
import { opTable, type OpEntry } from '../ops';
import { runCommand } from '../run-command';
import { LuaVm } from './lua-vm';
import { PRELUDE } from './prelude';
import { decodeValues, TagWriter } from './values';
import { runLib } from './libs';
import { respToTags } from './resp-to-lua';
import { writeTagged, writeLuaNumber } from './lua-to-resp';
import type { PeerCaller } from './peers';
import { untailRedisCalls } from './untail';
import { SCRIPT_ABORTED_REPLY, type KeyValue, type RpcCall, type RpcOutcome, type RpcResult, type ScriptingMemory } from '../../src/core/shard-protocol';
import { sdsBytes, stringObjectBytes } from '../structures/memory-usage';
import { dictTableBytes } from '../../src/core/dict-table';
import { ReplyError } from '../../src/core/errors';

export function sha1hex(s: string): string {
  return createHash('sha1').update(Buffer.from(s, 'latin1')).digest('hex');
}

/** What a script run needs to know while it runs. */
class RunContext implements ShardOpContext {
  resp: 2 | 3 = 2;
  /** The writes made so far, for the AOF (see ShardEvent 'script-effects'). */
  effects: string[][] = [];
  effectReplies: string[] = [];
  readOnly = false;
  wrote = false;
  /** Runs without the shard lock (SCRIPT_UNLOCKED): another shard's key aborts it, or fails after a write. */
  unlocked = false;
  /** The script's name for the main thread (ShardEvent 'script-cross'): its sha, or `f:` and the function. */
  script = '';
  /** It reached another shard's key (reported once); it was aborted for a run under the lock. */
  crossed = false;
  aborted = false;
  /** The abort's token (ShardEvent 'script-cross'), so the main thread knows this reply from any other. */
  token: string | null = null;
  /** Its declared keys' hash slots (two or more shards only): a key outside them is reported (crossed). */
  slots: number[] = [];
  /** The ACL user its calls are checked against (ShardState.scriptUsers), or null: allowed everything. */
  user: User | null = null;
  /** Whether it wrote before the command it is running (that command may be a write). */
  wroteBefore = false;
  /** Other shards for the ops it runs (SORT's pattern keys), through ScriptEngine.scriptPeers. */
  peers: PeerRpc | null = null;
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
    this.unlocked = outer.scriptUnlocked === true;
  }
  notify(cls: number, event: string, key: string, changes = 1): void {
    // A script's writes count as Redis's do, command by command (its save points see them).
    this.shard.opChanged(cls, event, key, this.dbIndex, this.connId, changes);
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
  /** The interpreter's short name for it (prelude.ts `scripts`). */
  id: string;
}

/**
 * What Redis 7.0.15 counts for a cached script and for a function beside
 * their strings and dict tables, and for the function engine before any
 * library (INFO used_memory_scripts_eval and used_memory_functions, MEMORY
 * STATS lua.caches and functions.caches). Read off redis-server for
 * scripts, libraries, names and descriptions of several lengths and counts
 * (test/scripting-info.test.ts compares them): a script is its dict entry,
 * sha and struct plus its body (the command argument's string object); a
 * library its struct and its name's and code's sds; a function its struct
 * and entries plus its name's (and description's) sds; and the script cache and the server-wide function
 * table each their dict's table of pointers (FCALL's lookups step a growing
 * table's rehash in Redis: the figure moves with them).
 */
const SCRIPT_FIXED_BYTES = 88;
const FUNCTIONS_BASE_BYTES = 200;
const LIBRARY_FIXED_BYTES = 32;
const FUNCTION_FIXED_BYTES = 80;

const SHEBANG_FLAGS = new Set(['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys']);

/** Parses a shebang line: the flags, and the body Lua compiles (the shebang line emptied, so line numbers hold). */
export function parseShebang(body: string): { flags: ScriptFlags; code: string } | { error: string } {
  if (!body.startsWith('#!')) return { flags: { noWrites: false, shebang: false }, code: body };
  const nl = body.indexOf('\n');
  // Redis splits the whole line, "#!" included: "#!lua" must be its first word.
  const line = nl === -1 ? body : body.slice(0, nl);
  const parts = line.split(/[ \t\r\v\f]+/).filter((p) => p !== '');
  if (parts[0] !== '#!lua') return { error: `ERR Unexpected engine in script shebang: ${parts[0]}` };
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
  /** Shared with the main thread (SCRIPT_CONTROL_BYTES in shard-protocol.ts): [0] kill request, [1] the script wrote. */
  private control: Int32Array | null = null;
  /** Shared with the main thread: the running script's start time in ms, 0 when none runs (-BUSY). */
  private busyClock: Float64Array | null = null;
  /** Calls to other shards (two or more shard threads), else null. */
  peers: PeerCaller | null = null;
  /** Runs a shard RPC in this shard (installed by the host: the RPC handlers sit above this layer). */
  localRpc: ((ctx: ShardOpContext, call: RpcCall) => RpcOutcome) | null = null;

  /** Shares the running script's state with the main thread (worker shards). */
  shareControl(sab: SharedArrayBuffer): void {
    this.control = new Int32Array(sab, 0, 2);
    this.busyClock = new Float64Array(sab, 8, 1);
  }

  constructor(private readonly shard: ShardState) {}

  get size(): number {
    return this.scripts.size;
  }

  private lua(): LuaVm {
    if (this.vm === null) {
      this.vm = new LuaVm((op, args) => this.host(op, args));
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
    vm.input = untailRedisCalls(parsed.code);
    const id = String(++this.nextId);
    vm.run('__compile', [sha, id], []);
    const out = vm.takeOutput();
    if (out[0] !== 'K') throw new Error(`ERR Error compiling script (new function): ${out.slice(1)}`);
    this.scripts.set(sha, { body, flags: parsed.flags, id });
    return sha;
  }

  private nextId = 0;

  /** See ScriptRunner.lastAborted. */
  lastAborted = false;

  /**
   * EVAL / EVALSHA / EVAL_RO / EVALSHA_RO: args are [name, script|sha, numkeys, keys..., argv...].
   * Writes the reply (the script's result or its error) at `w`.
   */
  eval(ctx: ShardOpContext, args: string[], w: ReplyWriter, bySha: boolean, readOnly: boolean): void {
    // Busy from the start: the first script also creates the interpreter and compiles (tens of ms under load).
    if (this.busyClock === null) return this.evalScript(ctx, args, w, bySha, readOnly);
    this.busyClock[0] = Date.now();
    try {
      this.evalScript(ctx, args, w, bySha, readOnly);
    } finally {
      this.busyClock[0] = 0;
    }
  }

  private evalScript(ctx: ShardOpContext, args: string[], w: ReplyWriter, bySha: boolean, readOnly: boolean): void {
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
    // A script with a shebang declares whether it writes: on a read-only replica one that may is refused before it runs.
    if (script.flags.shebang && !script.flags.noWrites && !readOnly && this.shard.settings.replicaReadOnly) return w.error("READONLY You can't write against a read only replica.");
    this.execute(ctx, args, w, readOnly || script.flags.noWrites, '__run', script.id, sha);
  }

  /** Runs a script or function (`entry` `__run`/`__fcall` of prelude.ts) with args' keys and arguments. */
  private execute(ctx: ShardOpContext, args: string[], w: ReplyWriter, readOnly: boolean, entry: string, target: string, script: string): void {
    const run = new RunContext(this.shard, ctx);
    if (this.peers !== null) run.peers = this.scriptPeers;
    if (this.shard.scriptUsers.size !== 0) run.user = this.shard.scriptUsers.get(ctx.connId) ?? null;
    this.lastAborted = false;
    run.readOnly = readOnly;
    run.script = script;
    if (this.shard.shardCount > 1) {
      const nk = Number(args[2]);
      for (let i = 3; i < 3 + nk; i++) run.slots.push(keyHashSlotOfString(args[i]));
    }

    const vm = this.lua();
    this.run = run;
    if (this.control !== null) {
      Atomics.store(this.control, 0, 0);
      Atomics.store(this.control, 1, 0);
    }
    let kind: number;
    try {
      // KEYS then ARGV: the arguments after numkeys (checked by the op).
      kind = vm.run(entry, [target, args[2]], args.slice(3));
    } catch (err) {
      this.run = null;
      return w.error(`ERR Error running script ${target}: ${(err as Error).message}`);
    } finally {
      this.run = null;
      if (this.control !== null) Atomics.store(this.control, 0, 0);
    }
    // Before the reply (events go first): the main thread learns the script's reach, then reruns it under the lock if aborted.
    if (run.aborted) run.token = randomBytes(12).toString('hex');
    this.lastAborted = run.aborted;
    if (run.crossed) this.shard.signals.outbox.push({ type: 'script-cross', connId: run.connId, script: run.script, aborted: run.token });
    if (run.effects.length > 0) {
      // Before the reply (events go first): the AOF logs what the script wrote.
      this.shard.signals.outbox.push({ type: 'script-effects', connId: run.connId, cmds: run.effects, replies: run.effectReplies });
    }
    // prelude.ts finish: the result's kind and value.
    // Aborted for a run under the lock: the main thread drops this reply (it had the 'script-cross' event first).
    if (run.aborted) w.rawString(`${SCRIPT_ABORTED_REPLY}${run.token})\r\n`);
    else if (kind === 98 /* b */) w.bulkBytes(vm.resultBytes());
    else if (kind === 110 /* n */) writeLuaNumber(w, Number(vm.resultString()));
    else if (kind === 111 /* o */) writeTagged(w, vm.resultString(), 0, run.resp);
    else if (kind === 101 /* e */) w.error(vm.resultString());
    else w.nullBulk();
  }

  // -------------------------------------------------------------------------
  // Functions (FUNCTION LOAD / FCALL)

  private readonly libraries = new Map<string, LibraryInfo>();
  private readonly functions = new Map<string, { library: string; info: FunctionInfo }>();

  /** FUNCTION LOAD: registers a library (replacing one of the same name with `replace`); its name, or throws the Redis error. */
  loadLibrary(code: string, replace: boolean): string {
    const meta = parseLibraryShebang(code);
    const name = meta.name;
    const old = this.libraries.get(name);
    if (old !== undefined && !replace) throw new Error(`ERR Library '${name}' already exists`);
    const vm = this.lua();
    vm.takeOutput();
    // The shebang line is emptied, not removed: error line numbers count it.
    const nl = code.indexOf('\n');
    vm.input = untailRedisCalls(nl === -1 ? '' : code.slice(nl));
    vm.call('__load', name);
    const out = vm.takeOutput();
    if (out[0] !== 'K') throw new Error(`ERR ${out.slice(1)}`);
    const fns = parseRegistrations(out.slice(1));
    if (fns.length === 0) throw new Error('ERR No functions registered');
    const seen = new Set<string>();
    for (const f of fns) {
      if (!/^[A-Za-z0-9_]+$/.test(f.name)) throw new Error('ERR Function names can only contain letters, numbers, or underscores(_) and must be at least one character long');
      if (seen.has(f.name)) throw new Error('ERR Function already exists in the library');
      seen.add(f.name);
      const owner = this.functions.get(f.name);
      if (owner !== undefined && owner.library !== name) throw new Error(`ERR Function ${f.name} already exists`);
    }
    if (old !== undefined) for (const f of old.functions) this.functions.delete(f.name);
    vm.call('__commit', name);
    const lib: LibraryInfo = { name, code, functions: fns };
    this.libraries.set(name, lib);
    for (const f of fns) this.functions.set(f.name, { library: name, info: f });
    return name;
  }

  deleteLibrary(name: string): boolean {
    const lib = this.libraries.get(name);
    if (lib === undefined) return false;
    for (const f of lib.functions) this.functions.delete(f.name);
    this.libraries.delete(name);
    this.lua().call('__drop', name);
    return true;
  }

  flushFunctions(): void {
    this.libraries.clear();
    this.functions.clear();
    if (this.vm !== null) this.vm.call('__drop', '*');
  }

  /** INFO memory's figures for this shard's scripts, interpreter and functions. */
  memoryInfo(): ScriptingMemory {
    const scripts: [string, number][] = [];
    for (const [sha, s] of this.scripts) scripts.push([sha, SCRIPT_FIXED_BYTES + stringObjectBytes(s.body)]);
    let functions = 0;
    let functionBytes = FUNCTIONS_BASE_BYTES + dictTableBytes(this.functions.size);
    for (const lib of this.libraries.values()) {
      functionBytes += LIBRARY_FIXED_BYTES + sdsBytes(lib.name, true) + sdsBytes(lib.code, true);
      for (const f of lib.functions) {
        functions++;
        functionBytes += FUNCTION_FIXED_BYTES + sdsBytes(f.name, true) + (f.description === null ? 0 : sdsBytes(f.description, true));
      }
    }
    // No interpreter yet (none is made until the first script or library): nothing to count.
    const vmBytes = this.vm === null ? 0 : this.vm.memoryBytes();
    return { scripts, vmBytes, libraries: this.libraries.size, functions, functionBytes };
  }

  listLibraries(): LibraryInfo[] {
    return [...this.libraries.values()];
  }

  hasFunction(name: string): boolean {
    return this.functions.has(name);
  }

  /** FCALL / FCALL_RO: args are [name, function, numkeys, keys..., args...]. */
  fcall(ctx: ShardOpContext, args: string[], w: ReplyWriter, readOnly: boolean): void {
    const fn = this.functions.get(args[1]);
    if (fn === undefined) return w.error('ERR Function not found');
    const noWrites = fn.info.flags.includes('no-writes');
    if (readOnly && !noWrites) return w.error('ERR Can not execute a script with write flag using *_ro command.');
    if (!noWrites && this.shard.settings.replicaReadOnly) return w.error("READONLY You can't write against a read only replica.");
    if (this.busyClock !== null) this.busyClock[0] = Date.now();
    try {
      this.execute(ctx, args, w, readOnly || noWrites, '__fcall', `${fn.library}.${args[1]}`, `f:${args[1]}`);
    } finally {
      if (this.busyClock !== null) this.busyClock[0] = 0;
    }
  }

  /** A host call from Lua (prelude.ts `hostfn`): `op` its first argument's first byte. */
  private host(op: number, args: string[]): string | null {
    switch (op) {
      case 67 /* C */:
      case 80 /* P */:
        return this.command(args);
      case 83 /* S */:
        return 'B' + sha1hex(args[0]);
      case 76 /* L */:
        return '_';
      case 82 /* R */:
        if (this.run !== null) this.run.resp = args[0] === '3' ? 3 : 2;
        return '_';
      case 65 /* A */:
        return this.aclCheck(args);
      case 72 /* H */:
        return this.control !== null && Atomics.load(this.control, 0) === 1 ? 'Bkill' : 'B';
      case 88 /* X */:
        return runLib(args[0], decodeValues(args[1]));
      default:
        return '_';
    }
  }

  /** redis.acl_check_cmd: whether the script's user may run the command with these arguments. */
  private aclCheck(args: string[]): string {
    const cmd = aclCommandOf(args);
    if (cmd === undefined) return errorTag('ERR Invalid command passed to redis.acl_check_cmd()');
    const user = this.run?.user ?? null;
    return new TagWriter().bool(user === null || user.check(cmd, args) === null).done();
  }

  /** redis.call / redis.pcall: one command, run as the shard runs a client's; a write is kept for the AOF. */
  private command(args: string[]): string | null {
    const run = this.run;
    if (run !== null && run.aborted) return 'A';
    this.effectArgs = null;
    let answer: string | null;
    try {
      answer = this.runScriptCommand(args);
    } catch (err) {
      if (err instanceof ReplyError) return errorTag(err.message);
      if (err !== ABORT) throw err;
      // prelude.ts: 'A' ends the script at once (no pcall catches it).
      return 'A';
    }
    const copy = this.effectArgs;
    if (run !== null && copy !== null && this.lastWrote) {
      this.lastWrote = false;
      if (answer === null || answer[0] !== '-') {
        run.effects.push(copy);
        run.effectReplies.push(this.lastReply);
      }
    }
    return answer;
  }

  /** A write's arguments as called (copied before runScriptCommand renames them in place), for the effects. */
  private effectArgs: string[] | null = null;

  /** Whether the last command run was a write, and its reply as RESP (latin1), for `command`. */
  private lastWrote = false;
  private lastReply = '';

  private runScriptCommand(args: string[]): string | null {
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
    if (noScript(entry)) return errorTag('ERR This Redis command is not allowed from script');
    if (run.user !== null) {
      const denied = scriptAclDenial(run.user, entry, args);
      if (denied !== null) {
        this.shard.signals.outbox.push({ type: 'acl-denied', connId: run.connId, reason: denied.reason, object: denied.object });
        return errorTag(SCRIPT_ACL_ERRORS[denied.reason]);
      }
    }
    // Redis refuses a stream read that would block before it reads (blocking list and zset pops just do not wait).
    if (spec.blocksIf !== undefined && (entry.commandName === 'xread' || entry.commandName === 'xreadgroup') && spec.blocksIf(args)) {
      return errorTag(`ERR ${args[0]} command is not allowed with BLOCK option from scripts`);
    }
    if (run.readOnly && entry.writes) return errorTag('ERR Write commands are not allowed from read-only scripts.');
    // A read-only replica takes writes only from its master, whose stream carries scripts' effects, not scripts.
    if (entry.writes && this.shard.settings.replicaReadOnly) return errorTag("READONLY You can't write against a read only replica.");
    if (entry.opIndex < 0) {
      this.effectArgs = args.slice();
      return this.mainCommand(entry, args, run);
    }
    if (entry.writes) this.effectArgs = args.slice();
    const shard = this.shard;
    args[0] = entry.commandName;
    let target = shard.id;
    // MSET one value short runs here: its op replies the arity error without touching a key.
    if (shard.shardCount > 1 && !pairsIncomplete(spec, args)) {
      const positions = keyPositions(spec, args);
      for (let i = 0; i < positions.length; i++) {
        const slot = keyHashSlotOfString(args[positions[i]]);
        if (!run.crossed && !run.slots.includes(slot)) run.crossed = true;
        const owner = slotToShard(slot, shard.shardCount);
        if (i === 0) target = owner;
        else if (owner !== target) {
          // Before the write is noted: an unlocked script that has not written yet is aborted, not failed.
          this.reachOut(run);
          if (entry.writes) this.noteWrite(run);
          return this.splitCommand(entry, args, positions, run);
        }
      }
    }
    if (target !== shard.id) this.reachOut(run);
    run.wroteBefore = run.wrote;
    if (entry.writes) this.noteWrite(run);
    if (target !== shard.id) {
      const reply = this.runOn(target, entry, args, run);
      if (entry.writes) this.noteEffect(reply.toString('latin1'));
      return respToTags(reply, 0, undefined, run.resp);
    }
    const w = this.callWriter;
    w.reset();
    w.proto = run.resp;
    run.proto = run.resp;
    runCommand(run, entry.opIndex, args, w);
    // The op reached another shard (scriptPeers) without the lock, before any write: run it again under the lock.
    if (run.aborted) throw ABORT;
    if (entry.writes) this.noteEffect(w.buf.latin1Slice(0, w.len));
    return this.reply(w.buf, w.len, run.resp);
  }

  /**
   * A reply in the ReplyWriter's buffer for Lua: a bulk string, integer or
   * status alone goes to the interpreter as its bytes (no JS string), others
   * in the tagged format.
   */
  private reply(buf: Buffer, len: number, resp: 2 | 3): string | null {
    const t = buf[0];
    if ((t === 36 && buf[1] !== 45) || t === 58 || t === 43) {
      let p = 1;
      while (buf[p] !== 13) p++;
      if (t === 36) this.vm?.answerBytes(66 /* B */, buf, p + 2, len - 2);
      else this.vm?.answerBytes(t === 58 ? 73 /* I */ : 83 /* S */, buf, 1, p);
      return null;
    }
    return respToTags(buf, 0, len, resp);
  }

  /** Runs a command on this shard or, through its peer link, another; the RESP reply. */
  private runOn(target: number, entry: OpEntry, args: string[], run: RunContext): Buffer {
    if (target !== this.shard.id) {
      this.reachOut(run);
      if (this.peers === null) throw new Error('no link to other shards');
      return Buffer.from(this.peers.command(target, { kind: 'cmd', op: entry.opIndex, db: run.dbIndex, resp: run.resp, connId: run.connId, args }), 'latin1');
    }
    const w = this.callWriter;
    w.reset();
    w.proto = run.resp;
    run.proto = run.resp;
    runCommand(run, entry.opIndex, args, w);
    return Buffer.from(w.buf.subarray(0, w.len));
  }

  /**
   * A command whose keys are on several shards. DEL/EXISTS/TOUCH/UNLINK
   * (sum), MGET (gather) and MSET (all-ok) run per shard and combine, as the
   * main thread's split does; other multi-key commands need their keys on
   * one shard.
   */
  private splitCommand(entry: OpEntry, args: string[], positions: number[], run: RunContext): string {
    const cross = entry.spec.cross;
    if (cross !== 'sum' && cross !== 'gather' && cross !== 'all-ok') return this.scratchCommand(entry, args, positions, run);
    const per = Math.max(1, entry.spec.step);
    const parts = new Map<number, { args: string[]; order: number[] }>();
    positions.forEach((p, k) => {
      const owner = slotToShard(keyHashSlotOfString(args[p]), this.shard.shardCount);
      let part = parts.get(owner);
      if (part === undefined) parts.set(owner, (part = { args: [args[0]], order: [] }));
      for (let j = 0; j < per; j++) part.args.push(args[p + j]);
      part.order.push(k);
    });
    const w = new ReplyWriter(256);
    w.proto = run.resp;
    if (cross === 'sum') {
      let sum = 0;
      for (const [owner, part] of parts) {
        const reply = this.runOn(owner, entry, part.args, run);
        if (reply[0] !== 58) return respToTags(reply, 0, undefined, run.resp);
        sum += Number(reply.toString('latin1', 1, reply.indexOf(13)));
      }
      w.integer(sum);
    } else if (cross === 'all-ok') {
      for (const [owner, part] of parts) {
        const reply = this.runOn(owner, entry, part.args, run);
        if (reply[0] !== 43) return respToTags(reply, 0, undefined, run.resp);
      }
      w.ok();
    } else {
      const items: Buffer[] = new Array(positions.length);
      for (const [owner, part] of parts) {
        const reply = this.runOn(owner, entry, part.args, run);
        if (reply[0] !== 42) return respToTags(reply, 0, undefined, run.resp);
        const elems = splitFlatArray(reply);
        part.order.forEach((k, i) => (items[k] = elems[i]));
      }
      w.array(items.length);
      for (const it of items) w.raw(it);
    }
    if (entry.writes) this.noteEffect(w.buf.latin1Slice(0, w.len));
    return respToTags(w.buf, 0, w.len, run.resp);
  }

  /** Runs a shard RPC here (through the host's handlers) or in another shard. */
  private rpcOn<M extends RpcCall['method']>(target: number, run: RunContext, call: Extract<RpcCall, { method: M }>): RpcResult<M> {
    let outcome: RpcOutcome;
    if (target === this.shard.id) {
      if (this.localRpc === null) throw new Error('no local RPC handler');
      outcome = this.localRpc(run, call);
    } else {
      this.reachOut(run);
      if (this.peers === null) throw new Error('no link to other shards');
      outcome = this.peers.rpc(target, { kind: 'rpc', db: run.dbIndex, resp: run.resp, connId: run.connId, call });
    }
    if (!outcome.ok) throw new ReplyError(outcome.error);
    return outcome.value as RpcResult<M>;
  }

  /**
   * Any other command whose keys span shards (RPOPLPUSH, SMOVE, ZUNIONSTORE,
   * RENAME, ...): as the scratch executor does it (src/coordination/scratch.ts),
   * synchronously: the keys' values are brought here, the row's own op runs
   * on a scratch copy, the keys that changed are written back to their
   * shards (which signals their listeners) and the op's notifications raised.
   */
  private scratchCommand(entry: OpEntry, args: string[], positions: number[], run: RunContext): string {
    const count = this.shard.shardCount;
    const ownerOf = (key: string): number => slotToShard(keyHashSlotOfString(key), count);
    try {
      const keys: KeyValue[] = [];
      const seen = new Set<string>();
      for (const p of positions) {
        const key = args[p];
        if (seen.has(key)) continue;
        seen.add(key);
        keys.push({ key, value: this.rpcOn(ownerOf(key), run, { method: 'dump', req: { key } }) });
      }
      const result = this.rpcOn(this.shard.id, run, { method: 'scratch', req: { opIndex: entry.opIndex, args, keys } });
      for (const { key, value } of result.changed) {
        if (value === null) this.rpcOn(ownerOf(key), run, { method: 'delete', req: { key } });
        else this.rpcOn(ownerOf(key), run, { method: 'restore', req: { key, value, mode: 'replace' } });
      }
      for (const ev of result.events) this.shard.signals.outbox.push(ev);
      if (entry.writes) this.noteEffect(result.reply);
      const reply = Buffer.from(result.reply, 'latin1');
      return respToTags(reply, 0, reply.length, run.resp);
    } catch (err) {
      return errorTag(err instanceof ReplyError ? err.message : `ERR ${(err as Error).message}`);
    }
  }

  /**
   * Other shards' keys read by an op the script runs (SORT's BY/GET pattern
   * keys, workers/families/sort.ts): reaching out like any other call there.
   */
  private readonly scriptPeers: PeerRpc = {
    rpc: (target, req) => {
      const run = this.run as RunContext;
      try {
        // A SORT is a write command but only its STORE writes, after its reads: what counts is what came before it.
        this.reachOut(run, run.wroteBefore);
      } catch (err) {
        // Inside an op, whose errors become its reply: the run is marked aborted, and runOn aborts it after the op.
        throw err === ABORT ? new ReplyError('ERR script aborted') : err;
      }
      if (this.peers === null) throw new Error('no link to other shards');
      return this.peers.rpc(target, req);
    },
  };

  /**
   * The script is about to reach another shard. The main thread hears of it
   * after the script (ShardEvent 'script-cross': it runs this script under
   * the shard lock from now on). Without the lock the call cannot go on
   * atomically: before any write the script is aborted (ABORT) and run again
   * under the lock; after one it fails with an error, as any script error
   * leaves earlier writes in Redis.
   */
  private reachOut(run: RunContext, wrote = run.wrote): void {
    run.crossed = true;
    if (!run.unlocked) return;
    if (!wrote) {
      run.aborted = true;
      throw ABORT;
    }
    throw new ReplyError('ERR this script reached a key of another shard after it wrote, running without the shard lock (so far it had kept to its declared keys\' slots); it takes the lock from its next run on');
  }

  private noteEffect(reply: string): void {
    this.lastWrote = true;
    this.lastReply = reply;
  }

  /** A write: SCRIPT KILL can no longer stop the script (-UNKILLABLE). */
  private noteWrite(run: RunContext): void {
    if (run.wrote) return;
    run.wrote = true;
    if (this.control !== null) Atomics.store(this.control, 1, 1);
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
        this.noteEffect('+OK\r\n');
        break;
      }
      case 'publish':
      case 'spublish':
        if (this.shard.publish === null) return errorTag(`ERR '${entry.fullName}' is not supported inside scripts by this server`);
        w.integer(this.shard.publish(args[1], args[2], entry.fullName === 'spublish'));
        break;
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

const noScriptRows = new WeakMap<OpEntry, boolean>();
/** The row is `noscript` (looked up once per row: this is on every redis.call). */
function noScript(entry: OpEntry): boolean {
  let v = noScriptRows.get(entry);
  if (v === undefined) noScriptRows.set(entry, (v = entry.spec.flags.includes('noscript')));
  return v;
}

/** Thrown from a host call to end an unlocked script that reached another shard (reachOut). */
const ABORT = new Error('script aborted');

/** The elements of a flat RESP array reply (bulk strings, nulls, integers), each as its bytes. */
function splitFlatArray(b: Buffer): Buffer[] {
  let p = b.indexOf(13) + 2;
  const n = Number(b.toString('latin1', 1, p - 2));
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) {
    const lineEnd = b.indexOf(13, p);
    let end = lineEnd + 2;
    if (b[p] === 36) {
      const len = Number(b.toString('latin1', p + 1, lineEnd));
      if (len >= 0) end += len + 2;
    }
    out.push(b.subarray(p, end));
    p = end;
  }
  return out;
}

export interface FunctionInfo {
  name: string;
  flags: string[];
  description: string | null;
}

export interface LibraryInfo {
  name: string;
  code: string;
  functions: FunctionInfo[];
}

/** The `#!lua name=<lib>` line a library starts with (Redis 7.0's texts for what is wrong with it). */
function parseLibraryShebang(code: string): { name: string } {
  if (!code.startsWith('#!')) throw new Error('ERR Missing library metadata');
  const nl = code.indexOf('\n');
  const parts = (nl === -1 ? code.slice(2) : code.slice(2, nl)).split(' ').filter((p) => p !== '');
  if (parts[0] !== 'lua') throw new Error(`ERR Engine '${parts[0] ?? ''}' not found`);
  let name: string | undefined;
  for (const p of parts.slice(1)) {
    if (p.startsWith('name=')) name = p.slice(5);
    else throw new Error(`ERR Invalid metadata value given: ${p}`);
  }
  if (name === undefined) throw new Error('ERR Library name was not given');
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new Error('ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long');
  return { name };
}

/** __load's answer: per function `<len>:<name><len>:<flags>` then `<len>:<description>` or `-`. */
function parseRegistrations(s: string): FunctionInfo[] {
  const out: FunctionInfo[] = [];
  let p = 0;
  const field = (): string => {
    const c = s.indexOf(':', p);
    const n = Number(s.slice(p, c));
    const v = s.slice(c + 1, c + 1 + n);
    p = c + 1 + n;
    return v;
  };
  while (p < s.length) {
    const name = field();
    const flags = field();
    let description: string | null = null;
    if (s[p] === '-') p++;
    else description = field();
    out.push({ name, flags: flags === '' ? [] : flags.split(','), description });
  }
  return out;
}

function errorTag(msg: string): string {
  return `-${msg.length}:${msg}`;
}

/** The command (or subcommand) of a script's call as the ACL knows it. */
function aclCommandOf(args: readonly string[]): AclCommand | undefined {
  const top = aclCatalog.lookup(args[0]);
  if (top === undefined || top.subcommands.length === 0 || args.length < 2) return top;
  return aclCatalog.lookup(`${top.fullName}|${args[1]}`);
}

/** Redis's errors for a script's call its user may not make (the client's own request was allowed; the script reaches further). */
const SCRIPT_ACL_ERRORS: Record<Denial['reason'], string> = {
  command: "ERR The user executing the script can't run this command or subcommand",
  key: "ERR The user executing the script can't access at least one of the keys mentioned in the command arguments",
  channel: "ERR The user executing the script can't publish to the channel mentioned in the command",
};

/** Why the script's user may not make this call, or null. */
function scriptAclDenial(user: User, entry: OpEntry, args: readonly string[]): Denial | null {
  const cmd = aclCatalog.lookup(entry.fullName);
  return cmd === undefined ? null : user.check(cmd, args);
}
