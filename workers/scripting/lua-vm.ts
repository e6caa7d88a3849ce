/**
 * One Lua 5.1.5 interpreter (the version Redis embeds), compiled to
 * WebAssembly (npm `lua-wasm-bindings`), running synchronously in the calling
 * thread. See docs/architecture.md, "Scripting", for why this engine.
 *
 * The build exports only a handful of C API functions (no lua_pushcclosure,
 * no lua_pushlstring), so Lua cannot call JavaScript the usual way. It can
 * call its own C library, though, and the C library's `write`/`read` on
 * stdout/stdin are WebAssembly imports: this module supplies its own
 * `fd_write` and `fd_read`, which copy whole buffers in and out of the
 * module's memory. A host call from Lua is `io.write(...)` + `io.flush()`
 * (one write of the buffered request) followed by reads of the answer: the
 * first read runs the host handler and returns its answer framed with an
 * 8-digit length, which Lua reads exactly (usually in one host read, into
 * stdin's buffer). Every byte crosses as it is: strings are binary-safe.
 */
import { readFileSync } from 'node:fs';

type Fn = (...args: number[]) => number;

/** The WebAssembly API (a Node global; the project's lib settings do not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}
const Wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The slice of the Emscripten module this file uses. */
interface GlueModule {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _luaL_newstate(): number;
  _luaL_openlibs(L: number): void;
  _luaL_loadbuffer(L: number, buf: number, len: number, name: number): number;
  _lua_pcall(L: number, nargs: number, nresults: number, errfunc: number): number;
  _lua_getfield(L: number, index: number, k: number): void;
  _lua_settop(L: number, index: number): void;
  _lua_tolstring(L: number, index: number, len: number): number;
  _lua_pushstring(L: number, s: number): void;
}

type GlueFactory = (opts: Record<string, unknown>) => GlueModule;

const LUA_GLOBALSINDEX = -10002;
const GLUE_PATH = 'lua-wasm-bindings/dist/glue/glue-lua-5.1.5';
let compiled: object | null = null;

/** The host side of a Lua → JS call: gets the request bytes, answers bytes (latin1 strings). */
export type HostHandler = (request: string) => string;

export class LuaVm {
  private readonly m: GlueModule;
  private readonly L: number;
  /** Bytes Lua wrote since the last read (one latin1 char per byte). */
  private out: string[] = [];
  /** The framed answer being read, and how far; null when the next read starts a new call. */
  private answer: Buffer | null = null;
  private answerPos = 0;
  /** Scratch memory for names and chunks handed to the C API. */
  private scratch = 0;
  private scratchSize = 0;

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
  }

  /** Replaces the module's fd_write/fd_read imports with whole-buffer copies for stdout/stdin. */
  private wrapImports(imports: Record<string, unknown>): void {
    for (const [name, value] of Object.entries(imports)) {
      if (typeof value !== 'function') continue;
      const original = value as Fn;
      if (original.name === '_fd_write') imports[name] = (fd: number, iov: number, iovcnt: number, pnum: number) => (fd === 1 ? this.fdWrite(iov, iovcnt, pnum) : original(fd, iov, iovcnt, pnum));
      else if (original.name === '_fd_read') imports[name] = (fd: number, iov: number, iovcnt: number, pnum: number) => (fd === 0 ? this.fdRead(iov, iovcnt, pnum) : original(fd, iov, iovcnt, pnum));
    }
  }

  /** A DataView of module memory, made again only when memory grows (a new buffer). */
  private viewCache: DataView | null = null;
  private view(): DataView {
    const buf = this.m.HEAPU8.buffer;
    if (this.viewCache === null || this.viewCache.buffer !== buf) this.viewCache = new DataView(buf);
    return this.viewCache;
  }

  private fdWrite(iov: number, iovcnt: number, pnum: number): number {
    const heap = this.m.HEAPU8;
    const view = this.view();
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
      const request = this.takeOutput();
      const body = this.host(request);
      // Framed: 8 ASCII digits of length, then the bytes (prelude.ts read_framed).
      this.answer = Buffer.from(String(body.length).padStart(8, '0') + body, 'latin1');
      this.answerPos = 0;
    }
    const heap = this.m.HEAPU8;
    const view = this.view();
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
    // Lua reads exactly the framed length, so an answer used up is done: the next read is a new call.
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

  /** A NUL-terminated copy of `bytes` in module memory (reused between calls). */
  private cstr(bytes: Buffer): number {
    if (bytes.length + 1 > this.scratchSize) {
      this.scratchSize = Math.max(256, (bytes.length + 1) * 2);
      this.scratch = this.m._malloc(this.scratchSize);
    }
    this.m.HEAPU8.set(bytes, this.scratch);
    this.m.HEAPU8[this.scratch + bytes.length] = 0;
    return this.scratch;
  }

  /** Runs a chunk of trusted (prelude) code; throws with Lua's message on error. */
  exec(code: string, name = '=prelude'): void {
    const src = Buffer.from(code, 'latin1');
    // The chunk name goes after the code in the scratch area.
    const nameBytes = Buffer.from(name, 'latin1');
    const all = Buffer.concat([src, Buffer.from([0]), nameBytes]);
    const p = this.cstr(all);
    let rc = this.m._luaL_loadbuffer(this.L, p, src.length, p + src.length + 1);
    if (rc === 0) rc = this.m._lua_pcall(this.L, 0, 0, 0);
    if (rc !== 0) {
      const msg = this.topString();
      this.m._lua_settop(this.L, 0);
      throw new Error(`lua: ${msg}`);
    }
  }

  /**
   * Calls global function `fn` with one ASCII argument and no results. Any
   * answer comes back through io.write (takeOutput). Throws on a Lua error
   * that escaped the function.
   */
  call(fn: string, arg: string): void {
    const p = this.cstr(Buffer.from(`${fn}\0${arg}`, 'latin1'));
    this.m._lua_getfield(this.L, LUA_GLOBALSINDEX, p);
    this.m._lua_pushstring(this.L, p + fn.length + 1);
    const rc = this.m._lua_pcall(this.L, 1, 0, 0);
    if (rc !== 0) {
      const msg = this.topString();
      this.m._lua_settop(this.L, 0);
      this.answer = null;
      throw new Error(msg);
    }
  }

  private topString(): string {
    const lenPtr = this.cstr(Buffer.alloc(4));
    const p = this.m._lua_tolstring(this.L, -1, lenPtr);
    if (p === 0) return '(error object is not a string)';
    const len = new DataView(this.m.HEAPU8.buffer).getUint32(lenPtr, true);
    return Buffer.from(this.m.HEAPU8.buffer, p, len).toString('latin1');
  }
}
