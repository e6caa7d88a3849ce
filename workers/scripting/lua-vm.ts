/**
 * One Lua 5.1.5 interpreter (the version Redis embeds), compiled to
 * WebAssembly (npm `lua-wasm-bindings`), running synchronously in the calling
 * thread. See docs/architecture.md, "Scripting", for why this engine.
 *
 * The build exports only a handful of C API functions (no lua_pushcclosure,
 * no lua_pushlstring, no lua_pushnumber), so Lua cannot be handed a
 * JavaScript function the usual way. What this module does instead:
 *
 * - The host function. A C function in WebAssembly is an index into the
 *   module's function table, and a Lua C closure keeps that index in its
 *   `f` field. The table is exported and growable, so a JavaScript function
 *   (re-exported by a 32-byte WebAssembly module of our own, to give it the
 *   lua_CFunction type `(i32) -> i32`) is added to the table, and the `f` of
 *   one C closure the sandbox hides anyway (`os.getenv`) is pointed at it.
 *   Calling that closure from Lua is then a plain C call into JavaScript
 *   (~35 ns, as cheap as `string.len`), which reads its arguments straight
 *   from Lua's stack (lua_tolstring: pointer and length, binary-safe) and
 *   pushes its answer with lua_pushstring. lua_pushstring stops at a NUL,
 *   so an answer holding one goes by the second channel below instead.
 * - The byte channel (stdio). The C library's `write`/`read` on stdout/stdin
 *   are WebAssembly imports: this module supplies its own `fd_write` and
 *   `fd_read`, which copy whole buffers in and out of the module's memory.
 *   Lua reads `input` framed with an 8-digit length (prelude.ts read_framed)
 *   and writes answers of the slow, rare calls (compile, function load).
 *
 * Measured here (docs/performance.md): a redis.call went from ~3.5 us over
 * stdio alone to well under 1 us with the host function.
 */
import { readFileSync } from 'node:fs';

type Fn = (...args: number[]) => number;

/** The WebAssembly API (a Node global; the project's lib settings do not declare it). */
interface WasmTable {
  length: number;
  grow(n: number): number;
  set(index: number, fn: unknown): void;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Table: new (...args: never[]) => WasmTable;
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The slice of the Emscripten module this file uses. */
interface GlueModule {
  HEAPU8: Uint8Array;
  asm: Record<string, unknown>;
  _malloc(n: number): number;
  _luaL_newstate(): number;
  _luaL_openlibs(L: number): void;
  _luaL_loadbuffer(L: number, buf: number, len: number, name: number): number;
  _lua_pcall(L: number, nargs: number, nresults: number, errfunc: number): number;
  _lua_call(L: number, nargs: number, nresults: number): void;
  _lua_getfield(L: number, index: number, k: number): void;
  _lua_settop(L: number, index: number): void;
  _lua_gettop(L: number): number;
  _lua_type(L: number, index: number): number;
  _lua_tolstring(L: number, index: number, len: number): number;
  _lua_pushstring(L: number, s: number): void;
}

type GlueFactory = (opts: Record<string, unknown>) => GlueModule;

const LUA_GLOBALSINDEX = -10002;
const LUA_TSTRING = 4;
const LUA_TNUMBER = 3;
const GLUE_PATH = 'lua-wasm-bindings/dist/glue/glue-lua-5.1.5';
let compiled: object | null = null;

/**
 * A WebAssembly module that imports `e.f` with the type `(i32) -> i32` (a
 * lua_CFunction) and exports it as `g`: the table only takes WebAssembly
 * functions, and this gives a JavaScript one that type.
 */
const CFUNCTION_SHIM = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f, // type section: (i32) -> i32
  0x02, 0x07, 0x01, 0x01, 0x65, 0x01, 0x66, 0x00, 0x00, // import "e" "f": function of type 0
  0x07, 0x05, 0x01, 0x01, 0x67, 0x00, 0x00, // export "g": function 0
]);
let shimModule: object | null = null;

/** Where lua_CFunction `f` sits in a Lua 5.1 CClosure on wasm32 (next 4, tt, marked, isC, nupvalues, gclist 4, env 4). */
const CCLOSURE_ISC = 6;
const CCLOSURE_F = 16;

/** Strings pushed straight onto the stack at most (LUA_MINSTACK is 20); more go through the byte channel. */
const MAX_DIRECT_ARGS = 12;

/**
 * A host call from Lua: `op` is its first argument's first byte, `args` the
 * other arguments. The answer is a tagged string (prelude.ts): its first
 * char `B` (a bulk string, the rest is its bytes), `I` (an integer), `S` (a
 * status) or any other value in the tagged format; or null when the handler
 * gave it as bytes (LuaVm.answerBytes). An argument that is not a string
 * (a number: Lua would format it with %.14g, Redis uses %.17g) is answered
 * `?` without calling the handler: prelude.ts converts and calls again.
 */
export type HostHandler = (op: number, args: string[]) => string | null;

export class LuaVm {
  private readonly m: GlueModule;
  private readonly L: number;
  /** Bytes Lua wrote since the last read (one latin1 char per byte). */
  private out: string[] = [];
  /** What Lua's next read_framed gets; its framed bytes once a read started. */
  input: string | null = null;
  private answer: Buffer | null = null;
  private answerPos = 0;
  /** Scratch memory for names, chunks and answers handed to the C API. */
  private scratch = 0;
  private scratchSize = 0;
  /** A 4-byte cell for lua_tolstring's length. */
  private lenCell = 0;
  /** Module memory as a Buffer, made again when memory grows (a new ArrayBuffer). */
  private heapBuf: Buffer = Buffer.alloc(0);
  private heap32: Int32Array = new Int32Array(0);
  private heapF64: Float64Array = new Float64Array(0);
  /** Memory grew since the views were made (the glue's resize import says so). */
  private grown = true;
  /** An answer given as bytes (answerBytes): its kind char code, the bytes' buffer and range. */
  private rawKind = 0;
  private rawBuf: Uint8Array = this.heapBuf;
  private rawStart = 0;
  private rawEnd = 0;
  /** Interned names of the global functions `run` calls, in module memory. */
  private readonly names = new Map<string, number>();

  constructor(private readonly host: HostHandler) {
    // The glue registers process-wide 'uncaughtException'/'unhandledRejection'
    // handlers meant for a standalone program; the server keeps its own.
    const events = ['uncaughtException', 'unhandledRejection'] as const;
    const before = events.map((ev) => process.listeners(ev as 'uncaughtException').slice());
    const factory = require(GLUE_PATH) as GlueFactory; // eslint-disable-line @typescript-eslint/no-require-imports
    this.m = factory({
      print: () => {},
      printErr: () => {},
      instantiateWasm: (info: { a: Record<string, unknown> }, receive: (i: { exports: object }, m: object) => void) => {
        this.wrapImports(info.a);
        if (compiled === null) compiled = new Wasm.Module(readFileSync(require.resolve(`${GLUE_PATH}.wasm`)));
        const instance = new Wasm.Instance(compiled, info);
        receive(instance, compiled);
        return instance.exports;
      },
    });
    events.forEach((ev, i) => {
      // The two events' listener types differ; both are plain functions here.
      const name = ev as 'uncaughtException';
      for (const l of process.listeners(name)) if (!before[i].includes(l)) process.removeListener(name, l);
    });
    this.L = this.m._luaL_newstate();
    this.m._luaL_openlibs(this.L);
    this.lenCell = this.m._malloc(8);
    this.installHostFunction();
  }

  /** Points `os.getenv`'s C closure at `hostCall` (see the header); checks it answers. */
  private installHostFunction(): void {
    const table = Object.values(this.m.asm).find((v) => v instanceof (Wasm.Table as unknown as new () => object)) as WasmTable | undefined;
    if (table === undefined) throw new Error('lua: the WebAssembly module exports no function table');
    if (shimModule === null) shimModule = new Wasm.Module(CFUNCTION_SHIM);
    const shim = new Wasm.Instance(shimModule, { e: { f: (L: number) => this.hostCall(L) } });
    const index = table.length;
    table.grow(1);
    table.set(index, shim.exports.g);
    this.exec('io.write(tostring(os.getenv)) io.flush()', '=host');
    const addr = Number.parseInt(this.takeOutput().split('0x')[1] ?? '', 16);
    const heap = this.m.HEAPU8;
    if (!Number.isInteger(addr) || heap[addr + CCLOSURE_ISC] !== 1) throw new Error('lua: unexpected closure layout');
    new DataView(heap.buffer).setUint32(addr + CCLOSURE_F, index, true);
    this.probing = true;
    this.exec("io.write(os.getenv('?')) io.flush()", '=host');
    if (this.takeOutput() !== 'Bbad') throw new Error('lua: the host function did not answer');
    // Numbers read off the stack (integerArg): the probe's 12345 must come through, else Lua converts them.
    this.exec("io.write(os.getenv('?', 12345)) io.flush()", '=host');
    this.numbersReadable = this.takeOutput() === 'Bhost';
    this.probing = false;
  }

  private probing = false;

  /**
   * Argument i (1-based) of the running C function, a number, as %.17g
   * prints it when it is a safe integer (String gives the same digits);
   * null for any other number. Read from the stack itself: a lua_State's
   * `base` (the function's first argument) is at byte 12 on wasm32, and a
   * TValue is 16 bytes, its double first (checked at start by the probe).
   */
  private integerArg(L: number, i: number): string | null {
    if (!this.numbersReadable) return null;
    this.views();
    const base = this.heap32[(L + 12) >> 2];
    const d = this.heapF64[(base + (i - 1) * 16) >> 3];
    if (!Number.isSafeInteger(d) || Object.is(d, -0)) return null;
    return String(d);
  }

  private numbersReadable = true;

  private views(): void {
    if (!this.grown) return;
    this.grown = false;
    const buf = this.m.HEAPU8.buffer;
    this.heapBuf = Buffer.from(buf);
    this.heap32 = new Int32Array(buf);
    this.heapF64 = new Float64Array(buf);
  }

  /**
   * Answers the current host call with bytes instead of a string (no JS
   * string made): `kind` is 'B', 'I' or 'S' (a char code), the bytes
   * buf[start..end). The handler then returns null.
   */
  answerBytes(kind: number, buf: Uint8Array, start: number, end: number): void {
    this.rawKind = kind;
    this.rawBuf = buf;
    this.rawStart = start;
    this.rawEnd = end;
  }

  /** The host function's body: arguments off Lua's stack, the handler's answer pushed as (kind, payload). */
  private hostCall(L: number): number {
    const m = this.m;
    const n = m._lua_gettop(L);
    const cell = this.lenCell;
    this.views();
    const p0 = m._lua_tolstring(L, 1, cell);
    const op = p0 === 0 ? 0 : this.heapBuf[p0];
    if (n < 2 && (op === 67 /* C */ || op === 80 /* P */)) return this.answerName(L, '?');
    const args: string[] = new Array(n - 1);
    for (let i = 2; i <= n; i++) {
      const type = m._lua_type(L, i);
      if (type !== LUA_TSTRING) {
        // An integer number as Redis's %.17g prints it; anything else is converted in Lua ('?').
        const s = type === LUA_TNUMBER ? this.integerArg(L, i) : null;
        if (s === null) return this.answerName(L, '?');
        args[i - 2] = s;
        continue;
      }
      const p = m._lua_tolstring(L, i, cell);
      // A pushed string can make Lua's allocator grow memory.
      this.views();
      args[i - 2] = p === 0 ? '' : this.heapBuf.latin1Slice(p, p + this.heap32[cell >> 2]);
    }
    let answer: string | null;
    if (this.probing) answer = args[0] === '12345' ? 'Bhost' : 'Bbad';
    else {
      try {
        answer = this.host(op, args);
      } catch (err) {
        const msg = `ERR ${(err as Error).message}`;
        answer = `-${msg.length}:${msg}`;
      }
    }
    m._lua_settop(L, 0);
    if (answer === null) {
      const kind = this.rawKind;
      this.pushName(L, kind === 66 ? 'B' : kind === 73 ? 'I' : 'S');
      this.pushRaw(L, this.rawBuf, this.rawStart, this.rawEnd);
      this.rawBuf = this.heapBuf;
      return 2;
    }
    const kind = answer.charCodeAt(0);
    if (kind === 66 /* B */ || kind === 73 /* I */ || kind === 83 /* S */ || kind === 65 /* A: abort, prelude.ts */) {
      this.pushName(L, kind === 66 ? 'B' : kind === 73 ? 'I' : kind === 83 ? 'S' : 'A');
      this.pushBytes(L, answer, 1);
    } else {
      this.pushName(L, 'T');
      this.pushBytes(L, answer, 0);
    }
    return 2;
  }

  private answerName(L: number, s: string): number {
    this.m._lua_settop(L, 0);
    this.pushName(L, s);
    return 1;
  }

  /** Pushes bytes buf[start..end) as a Lua string (as pushBytes does a JS string). */
  private pushRaw(L: number, buf: Uint8Array, start: number, end: number): void {
    const len = end - start;
    let nul = false;
    if (len < 64) {
      for (let i = start; i < end; i++) if (buf[i] === 0) nul = true;
    } else nul = buf.subarray(start, end).indexOf(0) !== -1;
    if (nul) {
      this.pushBytes(L, Buffer.from(buf.buffer, buf.byteOffset + start, len).toString('latin1'), 0);
      return;
    }
    const p = this.reserve(len + 1);
    this.views();
    const heap = this.heapBuf;
    if (len < 64) for (let i = 0; i < len; i++) heap[p + i] = buf[start + i];
    else heap.set(buf.subarray(start, end), p);
    heap[p + len] = 0;
    this.m._lua_pushstring(L, p);
  }

  /** A short constant string (interned in module memory once). */
  private pushName(L: number, s: string): void {
    this.m._lua_pushstring(L, this.name(s));
  }

  private name(s: string): number {
    let p = this.names.get(s);
    if (p === undefined) {
      p = this.m._malloc(s.length + 1);
      this.views();
      this.heapBuf.latin1Write(s, p, s.length);
      this.heapBuf[p + s.length] = 0;
      this.names.set(s, p);
    }
    return p;
  }

  /**
   * Pushes s[from..] as a Lua string. One with a NUL byte cannot go through
   * lua_pushstring: Lua reads it from the byte channel (`__readin`). Only
   * inside a host call or a protected call (lua_call may raise).
   */
  private pushBytes(L: number, s: string, from: number): void {
    const m = this.m;
    if (s.indexOf('\0', from) !== -1) {
      this.input = from === 0 ? s : s.slice(from);
      m._lua_getfield(L, LUA_GLOBALSINDEX, this.name('__readin'));
      m._lua_call(L, 0, 1);
      return;
    }
    const len = s.length - from;
    const p = this.reserve(len + 1);
    this.views();
    writeLatin1(this.heapBuf, s, from, p);
    this.heapBuf[p + len] = 0;
    m._lua_pushstring(L, p);
  }

  /** Scratch memory of at least `n` bytes (reused between calls). */
  private reserve(n: number): number {
    if (n > this.scratchSize) {
      this.scratchSize = Math.max(256, n * 2);
      this.scratch = this.m._malloc(this.scratchSize);
    }
    return this.scratch;
  }

  /** Replaces the module's fd_write/fd_read imports with whole-buffer copies for stdout/stdin. */
  private wrapImports(imports: Record<string, unknown>): void {
    for (const [name, value] of Object.entries(imports)) {
      if (typeof value !== 'function') continue;
      const original = value as Fn;
      if (original.name === '_emscripten_resize_heap') {
        imports[name] = (size: number) => {
          this.grown = true;
          return original(size);
        };
      } else if (original.name === '_fd_write') imports[name] = (fd: number, iov: number, iovcnt: number, pnum: number) => (fd === 1 ? this.fdWrite(iov, iovcnt, pnum) : original(fd, iov, iovcnt, pnum));
      else if (original.name === '_fd_read') imports[name] = (fd: number, iov: number, iovcnt: number, pnum: number) => (fd === 0 ? this.fdRead(iov, iovcnt, pnum) : original(fd, iov, iovcnt, pnum));
    }
  }

  private fdWrite(iov: number, iovcnt: number, pnum: number): number {
    const heap = this.m.HEAPU8;
    const view = new DataView(heap.buffer);
    let total = 0;
    for (let i = 0; i < iovcnt; i++) {
      const ptr = view.getUint32(iov + i * 8, true);
      const len = view.getUint32(iov + i * 8 + 4, true);
      if (len > 0) this.out.push(Buffer.from(heap.buffer, ptr, len).toString('latin1'));
      total += len;
    }
    view.setUint32(pnum, total, true);
    return 0;
  }

  private fdRead(iov: number, iovcnt: number, pnum: number): number {
    if (this.answer === null) {
      const body = this.input ?? '';
      this.input = null;
      // Framed: 8 ASCII digits of length, then the bytes (prelude.ts read_framed).
      this.answer = Buffer.from(String(body.length).padStart(8, '0') + body, 'latin1');
      this.answerPos = 0;
    }
    const heap = this.m.HEAPU8;
    const view = new DataView(heap.buffer);
    let total = 0;
    const answer = this.answer;
    for (let i = 0; i < iovcnt && this.answerPos < answer.length; i++) {
      const ptr = view.getUint32(iov + i * 8, true);
      const len = view.getUint32(iov + i * 8 + 4, true);
      const n = Math.min(len, answer.length - this.answerPos);
      heap.set(answer.subarray(this.answerPos, this.answerPos + n), ptr);
      this.answerPos += n;
      total += n;
    }
    // Lua reads exactly the framed length, so an answer used up is done: the next read is a new one.
    if (this.answerPos >= answer.length) this.answer = null;
    view.setUint32(pnum, total, true);
    return 0;
  }

  /** Everything Lua wrote since the last call, as one latin1 string. */
  takeOutput(): string {
    const s = this.out.length === 1 ? this.out[0] : this.out.join('');
    this.out = [];
    return s;
  }

  /** Runs a chunk of trusted (prelude) code; throws with Lua's message on error. */
  exec(code: string, name = '=prelude'): void {
    const src = Buffer.from(code, 'latin1');
    const nameBytes = Buffer.from(name, 'latin1');
    const p = this.reserve(src.length + nameBytes.length + 1);
    this.views();
    this.heapBuf.set(src, p);
    this.heapBuf.set(nameBytes, p + src.length);
    this.heapBuf[p + src.length + nameBytes.length] = 0;
    let rc = this.m._luaL_loadbuffer(this.L, p, src.length, p + src.length);
    if (rc === 0) rc = this.m._lua_pcall(this.L, 0, 0, 0);
    if (rc !== 0) this.fail();
  }

  /**
   * Calls global function `fn` with string arguments `head` then
   * `items.length` and `items` (prelude.ts `keys_argv`: up to
   * MAX_DIRECT_ARGS strings without NUL go on the stack, others through the
   * byte channel). Its two results stay on the stack until the next call:
   * the first's first byte is returned (0 if it is not a string), the
   * second is read with resultString / resultBytes. Throws on a Lua error
   * that escaped the function.
   */
  run(fn: string, head: readonly string[], items: readonly string[]): number {
    const L = this.L;
    const m = this.m;
    m._lua_settop(L, 0);
    m._lua_getfield(L, LUA_GLOBALSINDEX, this.name(fn));
    for (const h of head) this.pushPlain(h);
    let direct = items.length <= MAX_DIRECT_ARGS;
    for (let i = 0; direct && i < items.length; i++) if (items[i].indexOf('\0') !== -1) direct = false;
    this.pushPlain(String(items.length));
    if (direct) for (const s of items) this.pushPlain(s);
    else this.input = encodeList(items);
    const rc = m._lua_pcall(L, head.length + 1 + (direct ? items.length : 0), 2, 0);
    if (rc !== 0) this.fail();
    const p = m._lua_type(L, 1) === LUA_TSTRING ? m._lua_tolstring(L, 1, this.lenCell) : 0;
    this.views();
    return p === 0 ? 0 : this.heapBuf[p];
  }

  /** The second result of the last run, as a latin1 string. */
  resultString(): string {
    if (this.m._lua_type(this.L, 2) !== LUA_TSTRING) return '';
    const p = this.m._lua_tolstring(this.L, 2, this.lenCell);
    this.views();
    return this.heapBuf.latin1Slice(p, p + this.heap32[this.lenCell >> 2]);
  }

  /** The second result of the last run, as a view of module memory: use it before anything else runs Lua. */
  resultBytes(): Buffer {
    if (this.m._lua_type(this.L, 2) !== LUA_TSTRING) return this.heapBuf.subarray(0, 0);
    const p = this.m._lua_tolstring(this.L, 2, this.lenCell);
    this.views();
    return this.heapBuf.subarray(p, p + this.heap32[this.lenCell >> 2]);
  }

  /** Bytes the interpreter's heap holds (prelude.ts `__memory`). */
  memoryBytes(): number {
    this.run('__memory', [], []);
    return Number(this.resultString());
  }

  /** Calls global function `fn` with one argument (no NUL) and no results; answers come through takeOutput. */
  call(fn: string, arg: string): void {
    this.run(fn, [arg], []);
  }

  /** Pushes a string known to hold no NUL (names, counts, and checked items). */
  private pushPlain(s: string): void {
    const p = this.reserve(s.length + 1);
    this.views();
    writeLatin1(this.heapBuf, s, 0, p);
    this.heapBuf[p + s.length] = 0;
    this.m._lua_pushstring(this.L, p);
  }

  private fail(): never {
    const msg = this.topString();
    this.m._lua_settop(this.L, 0);
    this.answer = null;
    this.input = null;
    throw new Error(msg);
  }

  private topString(): string {
    const p = this.m._lua_tolstring(this.L, -1, this.lenCell);
    if (p === 0) return '(error object is not a string)';
    this.views();
    return this.heapBuf.latin1Slice(p, p + this.heap32[this.lenCell >> 2]);
  }
}

/**
 * Writes s[from..] at heap[at..] as latin1. Short strings byte by byte:
 * Buffer#latin1Write's native call costs more than the copy below ~64 bytes.
 */
function writeLatin1(heap: Buffer, s: string, from: number, at: number): void {
  const len = s.length - from;
  if (len < 64) {
    for (let i = 0; i < len; i++) heap[at + i] = s.charCodeAt(from + i);
  } else heap.latin1Write(from === 0 ? s : s.slice(from), at, len);
}

/** A list for prelude.ts's read_list: a 4-byte big-endian count, then per string its 4-byte length and bytes. */
export function encodeList(items: readonly string[]): string {
  let out = be32(items.length);
  for (const s of items) out += be32(s.length) + s;
  return out;
}

function be32(n: number): string {
  return String.fromCharCode((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
}
