/**
 * The host side of the Lua libraries Redis bundles whose work is not plain
 * Lua: cjson (lua-cjson 2.1.0 as Redis configures it), cmsgpack
 * (lua-cmsgpack 0.4.0) and struct (Roberto Ierusalimschy's struct 0.2 on a
 * 64-bit build). `bit` is pure Lua in prelude.ts. Each function takes the
 * call's decoded arguments and answers tagged text for Lua (values.ts);
 * errors are answered as `!` (raised in Lua at the user's line).
 */
import { JSON_NULL, TagWriter, formatG, luaError, type LuaTable, type LuaValue } from './values';

class LibError extends Error {}

export function runLib(name: string, args: LuaValue[]): string {
  try {
    const fn = LIBS[name];
    if (fn === undefined) return luaError(`unknown library function ${name}`);
    return fn(args);
  } catch (err) {
    if (err instanceof LibError) return luaError(err.message);
    throw err;
  }
}

const LIBS: Record<string, (args: LuaValue[]) => string> = {
  'cjson.encode': (a) => new TagWriter().str(jsonEncode(a[0] ?? null, 0)).done(),
  'cjson.decode': (a) => {
    if (typeof a[0] !== 'string' && typeof a[0] !== 'number') throw new LibError("bad argument #1 to 'decode' (string expected, got no value)");
    const w = new TagWriter();
    new JsonDecoder(typeof a[0] === 'number' ? formatG(a[0], 14) : a[0], w).run();
    return w.done();
  },
  // Settings Redis scripts may read; the values are lua-cjson's defaults as Redis builds it.
  'cjson.encode_keep_buffer': () => new TagWriter().bool(true).done(),
  'cjson.encode_max_depth': () => new TagWriter().num(1000).done(),
  'cjson.decode_max_depth': () => new TagWriter().num(1000).done(),
  'cjson.encode_number_precision': () => new TagWriter().num(14).done(),
  'cjson.encode_sparse_array': () => new TagWriter().raw('*3;').bool(false).num(2).num(10).done(),
  'cjson.encode_invalid_numbers': () => new TagWriter().bool(false).done(),
  'cjson.decode_invalid_numbers': () => new TagWriter().bool(true).done(),
  'cmsgpack.pack': (a) => {
    if (a.length === 0) throw new LibError('MessagePack pack needs input.');
    const out: number[] = [];
    for (const v of a) msgpackEncode(v, out, 0);
    return new TagWriter().str(Buffer.from(out).toString('latin1')).done();
  },
  'cmsgpack.unpack': (a) => msgpackUnpack(a, 0, 0, false),
  'cmsgpack.unpack_one': (a) => msgpackUnpack(a, 1, 1, true),
  'cmsgpack.unpack_limit': (a) => msgpackUnpack(a, Number(a[1] ?? 0), 2, true),
  'struct.pack': (a) => new TagWriter().str(structPack(a)).done(),
  'struct.unpack': (a) => structUnpack(a),
  'struct.size': (a) => new TagWriter().num(structSize(a[0])).done(),
};

// ---------------------------------------------------------------------------
// cjson

const ESCAPES: Record<number, string> = { 8: '\\b', 9: '\\t', 10: '\\n', 12: '\\f', 13: '\\r', 34: '\\"', 47: '\\/', 92: '\\\\' };

function jsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const e = ESCAPES[c];
    if (e !== undefined) out += e;
    else if (c < 32 || c === 127) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += s[i];
  }
  return `${out}"`;
}

function jsonNumber(n: number): string {
  if (!Number.isFinite(n)) throw new LibError('Cannot serialise number: must not be NaN or Inf');
  return formatG(n, 14);
}

function typeName(v: LuaValue): string {
  if (v === null) return 'nil';
  if (v === JSON_NULL) return 'userdata';
  if (typeof v === 'object') return 'opaque' in v ? v.opaque : 'table';
  return typeof v;
}

/** Array length as lua-cjson finds it: every key a positive integer; -1 otherwise. */
function arrayLength(t: LuaTable): number {
  let max = 0;
  for (const [k] of t.pairs) {
    if (typeof k !== 'number' || k < 1 || Math.floor(k) !== k) return -1;
    if (k > max) max = k;
  }
  // encode_sparse_array defaults: convert off, ratio 2, safe 10.
  if (max > 10 && max > t.pairs.length * 2) throw new LibError('Cannot serialise table: excessively sparse array');
  return max;
}

function jsonEncode(v: LuaValue, depth: number): string {
  if (v === null || v === JSON_NULL) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return jsonNumber(v);
  if (typeof v === 'string') return jsonString(v);
  if ('opaque' in v) throw new LibError(`Cannot serialise ${v.opaque}: type not supported`);
  if (depth + 1 > 1000) throw new LibError(`Cannot serialise, excessive nesting (${depth + 1})`);
  const len = arrayLength(v);
  if (len > 0) {
    const byIndex = new Map<number, LuaValue>();
    for (const [k, x] of v.pairs) byIndex.set(k as number, x);
    const items: string[] = [];
    for (let i = 1; i <= len; i++) items.push(jsonEncode(byIndex.get(i) ?? null, depth + 1));
    return `[${items.join(',')}]`;
  }
  const items: string[] = [];
  for (const [k, x] of v.pairs) {
    let key: string;
    if (typeof k === 'string') key = k;
    else if (typeof k === 'number') key = jsonNumber(k);
    else throw new LibError('Cannot serialise table: table key must be a number or string');
    items.push(`${jsonString(key)}:${jsonEncode(x, depth + 1)}`);
  }
  return `{${items.join(',')}}`;
}

/** A JSON decoder writing Lua values straight into the tagged format, with lua-cjson's error texts. */
class JsonDecoder {
  private p = 0;
  private depth = 0;
  constructor(private readonly s: string, private w: TagWriter) {}

  run(): void {
    this.value(this.token());
    const t = this.token();
    if (t.kind !== 'end') this.fail('the end', t);
  }

  private fail(expected: string, t: { kind: string; at: number }): never {
    const found = t.kind === 'end' ? 'T_END' : t.kind === 'bad' ? 'invalid token' : t.kind;
    throw new LibError(`Expected ${expected} but found ${found} at character ${t.at + 1}`);
  }

  private token(): { kind: string; at: number; value?: string | number } {
    const s = this.s;
    while (this.p < s.length && ' \t\r\n'.includes(s[this.p])) this.p++;
    const at = this.p;
    if (this.p >= s.length) return { kind: 'end', at };
    const c = s[this.p];
    if ('{}[]:,'.includes(c)) {
      this.p++;
      const kinds: Record<string, string> = { '{': 'T_OBJ_BEGIN', '}': 'T_OBJ_END', '[': 'T_ARR_BEGIN', ']': 'T_ARR_END', ':': 'T_COLON', ',': 'T_COMMA' };
      return { kind: kinds[c], at };
    }
    if (c === '"') return { kind: 'T_STRING', at, value: this.string() };
    for (const [word, kind] of [['true', 'T_BOOLEAN'], ['false', 'T_BOOLEAN'], ['null', 'T_NULL']] as const) {
      if (s.startsWith(word, this.p)) {
        this.p += word.length;
        return { kind, at, value: word };
      }
    }
    const m = /^-?(?:0x[0-9a-fA-F]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)/i.exec(s.slice(this.p, this.p + 64));
    if (m !== null) {
      this.p += m[0].length;
      return { kind: 'T_NUMBER', at, value: Number(m[0].replace(/^(-?)inf(inity)?$/i, '$1Infinity')) };
    }
    return { kind: 'bad', at };
  }

  private string(): string {
    const s = this.s;
    let out = '';
    const start = this.p;
    this.p++;
    for (;;) {
      if (this.p >= s.length) throw new LibError(`Expected value but found invalid token at character ${start + 1}`);
      const c = s[this.p++];
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = s[this.p++];
      const simple: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', '/': '/' };
      if (e in simple) out += simple[e];
      else if (e === 'u') {
        let cp = parseInt(s.slice(this.p, this.p + 4), 16);
        this.p += 4;
        if (cp >= 0xd800 && cp <= 0xdbff && s.startsWith('\\u', this.p)) {
          const lo = parseInt(s.slice(this.p + 2, this.p + 6), 16);
          if (lo >= 0xdc00 && lo <= 0xdfff) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            this.p += 6;
          }
        }
        out += Buffer.from(String.fromCodePoint(cp), 'utf8').toString('latin1');
      } else throw new LibError(`Expected value but found invalid escape code at character ${start + 1}`);
    }
  }

  private value(t: { kind: string; at: number; value?: string | number }): void {
    const w = this.w;
    switch (t.kind) {
      case 'T_STRING':
        w.str(t.value as string);
        return;
      case 'T_NUMBER':
        w.num(t.value as number);
        return;
      case 'T_BOOLEAN':
        w.bool(t.value === 'true');
        return;
      case 'T_NULL':
        w.jsonNull();
        return;
      case 'T_OBJ_BEGIN':
        return this.object();
      case 'T_ARR_BEGIN':
        return this.array();
      default:
        this.fail('value', t);
    }
  }

  private nest(at: number): void {
    if (++this.depth > 1000) throw new LibError(`Found too many nested data structures (${this.depth}) at character ${at + 1}`);
  }

  private array(): void {
    this.nest(this.p);
    // Elements are written after the header, whose count is known only at the end.
    const sub = new TagWriter();
    const outer = this.w;
    this.w = sub;
    let n = 0;
    let t = this.token();
    if (t.kind !== 'T_ARR_END') {
      for (;;) {
        this.value(t);
        n++;
        t = this.token();
        if (t.kind === 'T_ARR_END') break;
        if (t.kind !== 'T_COMMA') this.fail('comma or array end', t);
        t = this.token();
      }
    }
    this.w = outer;
    outer.array(n).raw(sub.done());
    this.depth--;
  }

  private object(): void {
    this.nest(this.p);
    const sub = new TagWriter();
    const outer = this.w;
    this.w = sub;
    let n = 0;
    let t = this.token();
    if (t.kind !== 'T_OBJ_END') {
      for (;;) {
        if (t.kind !== 'T_STRING') this.fail('object key string', t);
        sub.str(t.value as string);
        t = this.token();
        if (t.kind !== 'T_COLON') this.fail('colon', t);
        this.value(this.token());
        n++;
        t = this.token();
        if (t.kind === 'T_OBJ_END') break;
        if (t.kind !== 'T_COMMA') this.fail('comma or object end', t);
        t = this.token();
      }
    }
    this.w = outer;
    outer.table(n).raw(sub.done());
    this.depth--;
  }
}

// ---------------------------------------------------------------------------
// cmsgpack

function isInteger(n: number): boolean {
  return Number.isFinite(n) && Math.floor(n) === n && Math.abs(n) < 2 ** 63;
}

function pushUint(out: number[], n: number | bigint, bytes: number): void {
  let v = BigInt.asUintN(bytes * 8, BigInt(n));
  const tmp: number[] = [];
  for (let i = 0; i < bytes; i++) {
    tmp.push(Number(v & 0xffn));
    v >>= 8n;
  }
  for (let i = bytes - 1; i >= 0; i--) out.push(tmp[i]);
}

function msgpackEncode(v: LuaValue, out: number[], depth: number): void {
  if (v === null || v === JSON_NULL || (typeof v === 'object' && 'opaque' in v)) {
    out.push(0xc0);
    return;
  }
  if (typeof v === 'boolean') {
    out.push(v ? 0xc3 : 0xc2);
    return;
  }
  if (typeof v === 'number') {
    if (isInteger(v)) {
      if (v >= 0) {
        if (v < 128) out.push(v);
        else if (v < 256) out.push(0xcc, v);
        else if (v < 65536) (out.push(0xcd), pushUint(out, v, 2));
        else if (v < 2 ** 32) (out.push(0xce), pushUint(out, v, 4));
        else (out.push(0xcf), pushUint(out, BigInt(v), 8));
      } else if (v >= -32) out.push(v & 0xff);
      else if (v >= -128) out.push(0xd0, v & 0xff);
      else if (v >= -32768) (out.push(0xd1), pushUint(out, v, 2));
      else if (v >= -(2 ** 31)) (out.push(0xd2), pushUint(out, v, 4));
      else (out.push(0xd3), pushUint(out, BigInt(v), 8));
      return;
    }
    const f32 = Math.fround(v);
    const b = Buffer.alloc(8);
    if (f32 === v || Number.isNaN(v)) {
      b.writeFloatBE(v, 0);
      out.push(0xca, ...b.subarray(0, 4));
    } else {
      b.writeDoubleBE(v, 0);
      out.push(0xcb, ...b);
    }
    return;
  }
  if (typeof v === 'string') {
    const n = v.length;
    if (n < 32) out.push(0xa0 | n);
    else if (n < 256) out.push(0xd9, n);
    else if (n < 65536) (out.push(0xda), pushUint(out, n, 2));
    else (out.push(0xdb), pushUint(out, n, 4));
    for (let i = 0; i < n; i++) out.push(v.charCodeAt(i));
    return;
  }
  // A table: an array when its keys are exactly 1..n, a map otherwise; nesting past 16 encodes nil.
  if (depth >= 16) {
    out.push(0xc0);
    return;
  }
  const n = v.pairs.length;
  let isArray = true;
  const byIndex = new Map<number, LuaValue>();
  for (const [k, x] of v.pairs) {
    if (typeof k !== 'number' || !isInteger(k) || k < 1 || k > n) {
      isArray = false;
      break;
    }
    byIndex.set(k, x);
  }
  if (isArray) {
    if (n < 16) out.push(0x90 | n);
    else if (n < 65536) (out.push(0xdc), pushUint(out, n, 2));
    else (out.push(0xdd), pushUint(out, n, 4));
    for (let i = 1; i <= n; i++) msgpackEncode(byIndex.get(i) ?? null, out, depth + 1);
    return;
  }
  if (n < 16) out.push(0x80 | n);
  else if (n < 65536) (out.push(0xde), pushUint(out, n, 2));
  else (out.push(0xdf), pushUint(out, n, 4));
  for (const [k, x] of v.pairs) {
    msgpackEncode(k, out, depth + 1);
    msgpackEncode(x, out, depth + 1);
  }
}

class MsgpackReader {
  p: number;
  constructor(private readonly b: Buffer, start: number, private readonly w: TagWriter) {
    this.p = start;
  }
  private need(n: number): void {
    if (this.p + n > this.b.length) throw new LibError('Missing bytes in input.');
  }
  private uint(n: number): number {
    this.need(n);
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + this.b[this.p + i];
    this.p += n;
    return v;
  }
  private str(n: number): void {
    this.need(n);
    this.w.str(this.b.subarray(this.p, this.p + n).toString('latin1'));
    this.p += n;
  }
  private arr(n: number): void {
    this.w.array(n);
    for (let i = 0; i < n; i++) this.one();
  }
  private map(n: number): void {
    this.w.table(n);
    for (let i = 0; i < 2 * n; i++) this.one();
  }
  one(): void {
    this.need(1);
    const b = this.b;
    const c = b[this.p++];
    const w = this.w;
    if (c < 0x80) w.num(c);
    else if (c >= 0xe0) w.num(c - 256);
    else if ((c & 0xe0) === 0xa0) this.str(c & 0x1f);
    else if ((c & 0xf0) === 0x90) this.arr(c & 0x0f);
    else if ((c & 0xf0) === 0x80) this.map(c & 0x0f);
    else {
      switch (c) {
        case 0xc0: w.nil(); break;
        case 0xc2: w.bool(false); break;
        case 0xc3: w.bool(true); break;
        case 0xcc: w.num(this.uint(1)); break;
        case 0xcd: w.num(this.uint(2)); break;
        case 0xce: w.num(this.uint(4)); break;
        case 0xcf: this.need(8); w.num(Number(b.readBigUInt64BE(this.p))); this.p += 8; break;
        case 0xd0: this.need(1); w.num(b.readInt8(this.p)); this.p += 1; break;
        case 0xd1: this.need(2); w.num(b.readInt16BE(this.p)); this.p += 2; break;
        case 0xd2: this.need(4); w.num(b.readInt32BE(this.p)); this.p += 4; break;
        case 0xd3: this.need(8); w.num(Number(b.readBigInt64BE(this.p))); this.p += 8; break;
        case 0xca: this.need(4); w.num(b.readFloatBE(this.p)); this.p += 4; break;
        case 0xcb: this.need(8); w.num(b.readDoubleBE(this.p)); this.p += 8; break;
        case 0xd9: case 0xc4: this.str(this.uint(1)); break;
        case 0xda: case 0xc5: this.str(this.uint(2)); break;
        case 0xdb: case 0xc6: this.str(this.uint(4)); break;
        case 0xdc: this.arr(this.uint(2)); break;
        case 0xdd: this.arr(this.uint(4)); break;
        case 0xde: this.map(this.uint(2)); break;
        case 0xdf: this.map(this.uint(4)); break;
        default: throw new LibError('Bad data format in input.');
      }
    }
  }
}

/**
 * cmsgpack.unpack (every value), unpack_one / unpack_limit (at most `limit`
 * values from an offset, answered after the next offset, -1 at the end).
 * Answers `*<n+1>;` with the count first (prelude.ts `multi`).
 */
function msgpackUnpack(a: LuaValue[], limit: number, offsetArg: number, withOffset: boolean): string {
  if (typeof a[0] !== 'string') throw new LibError('MessagePack decoding needs a string as input.');
  const buf = Buffer.from(a[0], 'latin1');
  const start = withOffset ? Number(a[offsetArg] ?? 0) : 0;
  if (start < 0 || start > buf.length) throw new LibError('Start offset greater than input length.');
  const body = new TagWriter();
  const r = new MsgpackReader(buf, start, body);
  let n = 0;
  while (r.p < buf.length && (limit <= 0 || n < limit)) {
    r.one();
    n++;
  }
  const out = new TagWriter();
  if (withOffset) {
    out.array(n + 2).num(n + 1).num(r.p >= buf.length ? -1 : r.p);
  } else out.array(n + 1).num(n);
  return out.raw(body.done()).done();
}

// ---------------------------------------------------------------------------
// struct (little-endian by default on x86-64; long and size_t are 8 bytes)

interface StructItem {
  code: string;
  size: number;
}

function* structFormat(fmt: string): Generator<StructItem | { endian: 'little' | 'big' } | { align: number }> {
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i];
    let num = '';
    while (i + 1 < fmt.length && fmt[i + 1] >= '0' && fmt[i + 1] <= '9') num += fmt[++i];
    const n = num === '' ? -1 : Number(num);
    switch (c) {
      case ' ': break;
      case '<': case '=': yield { endian: 'little' }; break;
      case '>': yield { endian: 'big' }; break;
      case '!': yield { align: n === -1 ? 8 : n }; break;
      case 'b': case 'B': case 'x': yield { code: c, size: 1 }; break;
      case 'h': case 'H': yield { code: c, size: 2 }; break;
      case 'l': case 'L': case 'T': yield { code: c, size: 8 }; break;
      case 'i': case 'I': yield { code: c, size: n === -1 ? 4 : n }; break;
      case 'f': yield { code: c, size: 4 }; break;
      case 'd': yield { code: c, size: 8 }; break;
      case 'c': yield { code: c, size: n === -1 ? 1 : n }; break;
      case 's': yield { code: c, size: 0 }; break;
      default: throw new LibError(`invalid format option '${c}'`);
    }
  }
}

function structSize(fmt: LuaValue): number {
  if (typeof fmt !== 'string') throw new LibError("bad argument #1 to 'size' (string expected)");
  let total = 0;
  for (const it of structFormat(fmt)) {
    if ('code' in it) {
      if (it.code === 's' || (it.code === 'c' && it.size === 0)) throw new LibError('options \'c0\' - \'s\' have undefined sizes');
      total += it.size;
    }
  }
  return total;
}

function structPack(a: LuaValue[]): string {
  const fmt = a[0];
  if (typeof fmt !== 'string') throw new LibError("bad argument #1 to 'pack' (string expected)");
  let little = true;
  const out: Buffer[] = [];
  let arg = 1;
  for (const it of structFormat(fmt)) {
    if ('endian' in it) {
      little = it.endian === 'little';
      continue;
    }
    if (!('code' in it)) continue;
    const v = a[arg];
    switch (it.code) {
      case 'x': out.push(Buffer.alloc(1)); break;
      case 'f': case 'd': {
        arg++;
        const b = Buffer.alloc(it.size);
        if (it.size === 4) little ? b.writeFloatLE(Number(v), 0) : b.writeFloatBE(Number(v), 0);
        else little ? b.writeDoubleLE(Number(v), 0) : b.writeDoubleBE(Number(v), 0);
        out.push(b);
        break;
      }
      case 'c': case 's': {
        arg++;
        if (typeof v !== 'string') throw new LibError(`bad argument #${arg} to 'pack' (string expected)`);
        if (it.code === 's') out.push(Buffer.from(v + '\0', 'latin1'));
        else {
          const size = it.size === 0 ? v.length : it.size;
          const b = Buffer.alloc(size);
          b.write(v.slice(0, size), 'latin1');
          out.push(b);
        }
        break;
      }
      default: {
        arg++;
        if (typeof v !== 'number') throw new LibError(`bad argument #${arg} to 'pack' (number expected)`);
        const b = Buffer.alloc(it.size);
        let x = BigInt.asUintN(it.size * 8, BigInt(Math.trunc(v)));
        for (let i = 0; i < it.size; i++) {
          b[little ? i : it.size - 1 - i] = Number(x & 0xffn);
          x >>= 8n;
        }
        out.push(b);
      }
    }
  }
  return Buffer.concat(out).toString('latin1');
}

function structUnpack(a: LuaValue[]): string {
  const fmt = a[0];
  const data = a[1];
  if (typeof fmt !== 'string') throw new LibError("bad argument #1 to 'unpack' (string expected)");
  if (typeof data !== 'string') throw new LibError("bad argument #2 to 'unpack' (string expected)");
  const b = Buffer.from(data, 'latin1');
  let pos = typeof a[2] === 'number' ? a[2] - 1 : 0;
  let little = true;
  const vals = new TagWriter();
  let n = 0;
  let lastInt = 0;
  for (const it of structFormat(fmt)) {
    if ('endian' in it) {
      little = it.endian === 'little';
      continue;
    }
    if (!('code' in it)) continue;
    const need = (k: number): void => {
      if (pos + k > b.length) throw new LibError("bad argument #2 to 'unpack' (data string too short)");
    };
    switch (it.code) {
      case 'x': pos += 1; break;
      case 'f': need(4); vals.num(little ? b.readFloatLE(pos) : b.readFloatBE(pos)); pos += 4; n++; break;
      case 'd': need(8); vals.num(little ? b.readDoubleLE(pos) : b.readDoubleBE(pos)); pos += 8; n++; break;
      case 's': {
        const end = b.indexOf(0, pos);
        if (end < 0) throw new LibError("bad argument #2 to 'unpack' (unfinished string in data)");
        vals.str(b.subarray(pos, end).toString('latin1'));
        pos = end + 1;
        n++;
        break;
      }
      case 'c': {
        const size = it.size === 0 ? lastInt : it.size;
        need(size);
        vals.str(b.subarray(pos, pos + size).toString('latin1'));
        pos += size;
        n++;
        break;
      }
      default: {
        need(it.size);
        let x = 0n;
        for (let i = 0; i < it.size; i++) x = (x << 8n) | BigInt(b[little ? pos + it.size - 1 - i : pos + i]);
        const signed = it.code === 'b' || it.code === 'h' || it.code === 'l' || it.code === 'i';
        const val = Number(signed ? BigInt.asIntN(it.size * 8, x) : x);
        vals.num(val);
        lastInt = val;
        pos += it.size;
        n++;
      }
    }
  }
  vals.num(pos + 1);
  n++;
  return new TagWriter().array(n + 1).num(n).raw(vals.done()).done();
}
