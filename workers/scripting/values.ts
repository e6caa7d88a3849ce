/**
 * Lua values as the host sees them, and the tagged text format that carries
 * them between the interpreter and the host (format: prelude.ts). Strings
 * are latin1 JS strings (one char per byte).
 */

/** cjson.null (a userdata in Lua). */
export const JSON_NULL: unique symbol = Symbol('cjson.null');
/** A Lua table: its key/value pairs in Lua's iteration order. */
export interface LuaTable {
  readonly pairs: [LuaValue, LuaValue][];
}
/** A value Lua has no host form for (functions, coroutines): its type name. */
export interface Opaque {
  readonly opaque: string;
}
export type LuaValue = string | number | boolean | null | typeof JSON_NULL | LuaTable | Opaque;

/** Decodes one generic value (encode_any's format) at `pos`; returns it and the position after it. */
export function decodeValue(s: string, pos: number): [LuaValue, number] {
  const t = s.charCodeAt(pos);
  switch (t) {
    case 36 /* $ */:
    case 63 /* ? */: {
      const c = s.indexOf(':', pos + 1);
      const n = Number(s.slice(pos + 1, c));
      const v = s.slice(c + 1, c + 1 + n);
      return [t === 36 ? v : { opaque: v }, c + 1 + n];
    }
    case 58 /* : */: {
      const c = s.indexOf(';', pos + 1);
      return [Number(s.slice(pos + 1, c)), c + 1];
    }
    case 123 /* { */: {
      const c = s.indexOf(';', pos + 1);
      const n = Number(s.slice(pos + 1, c));
      let p = c + 1;
      const pairs: [LuaValue, LuaValue][] = [];
      for (let i = 0; i < n; i++) {
        const [k, p1] = decodeValue(s, p);
        const [v, p2] = decodeValue(s, p1);
        pairs.push([k, v]);
        p = p2;
      }
      return [{ pairs }, p];
    }
    case 84 /* T */:
      return [true, pos + 1];
    case 70 /* F */:
      return [false, pos + 1];
    case 78 /* N */:
      return [JSON_NULL, pos + 1];
    default:
      return [null, pos + 1];
  }
}

/** Decodes every value of a packed argument list. */
export function decodeValues(s: string): LuaValue[] {
  const out: LuaValue[] = [];
  let p = 0;
  while (p < s.length) {
    const [v, next] = decodeValue(s, p);
    out.push(v);
    p = next;
  }
  return out;
}

/** Builds the tagged text for values going to Lua. */
export class TagWriter {
  private parts: string[] = [];
  str(s: string): this {
    this.parts.push(`$${s.length}:`, s);
    return this;
  }
  num(n: number): this {
    this.parts.push(`:${Number.isNaN(n) ? 'nan' : n === Infinity ? 'inf' : n === -Infinity ? '-inf' : String(n)};`);
    return this;
  }
  bool(b: boolean): this {
    this.parts.push(b ? 'T' : 'F');
    return this;
  }
  nil(): this {
    this.parts.push('_');
    return this;
  }
  jsonNull(): this {
    this.parts.push('N');
    return this;
  }
  /** An array header: `n` values follow. */
  array(n: number): this {
    this.parts.push(`*${n};`);
    return this;
  }
  /** A generic table header: `n` key/value pairs follow. */
  table(n: number): this {
    this.parts.push(`{${n};`);
    return this;
  }
  raw(s: string): this {
    this.parts.push(s);
    return this;
  }
  done(): string {
    return this.parts.join('');
  }
}

/** A host error raised in Lua at the user's line (the `!` tag). */
export function luaError(msg: string): string {
  return `!${msg.length}:${msg}`;
}

/** C's printf `%.<prec>g`. */
export function formatG(n: number, prec: number): string {
  if (Number.isNaN(n)) return n > 0 ? 'nan' : '-nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const exp = Math.floor(Math.log10(Math.abs(n)));
  let e = Number(n.toExponential(prec - 1).split('e')[1]);
  if (Number.isNaN(e)) e = exp;
  if (e < -4 || e >= prec) {
    const [m, ex] = n.toExponential(prec - 1).split('e');
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m;
    const ev = Number(ex);
    return `${mant}e${ev < 0 ? '-' : '+'}${String(Math.abs(ev)).padStart(2, '0')}`;
  }
  const f = n.toFixed(Math.max(0, prec - 1 - e));
  return f.includes('.') ? f.replace(/0+$/, '').replace(/\.$/, '') : f;
}
