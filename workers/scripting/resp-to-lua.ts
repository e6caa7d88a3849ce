/**
 * A command's RESP reply (as the shard wrote it for the script, in the
 * script's protocol: redis.setresp) converted to the Lua values Redis gives
 * scripts, in the tagged format prelude.ts parses. RESP2: integer -> number,
 * bulk -> string, array -> table, null bulk / null array -> false, status ->
 * {ok=...}, error -> {err=...}. RESP3 adds: null -> nil, boolean -> boolean,
 * double -> {double=n}, map -> {map={...}}, set -> {set={m=true}},
 * big number -> {big_number=s}, verbatim -> {verbatim_string={format, string}}.
 */

export function respToTags(buf: Uint8Array, start: number, end: number | undefined, resp: 2 | 3): string {
  const stop = end ?? buf.length;
  // A bulk string alone (the commonest reply) goes as 'B' and its bytes: prelude.ts's host takes it whole.
  if (buf[start] === 36 && buf[start + 1] !== 45) {
    let p = start + 1;
    while (buf[p] !== 13) p++;
    return 'B' + Buffer.from(buf.buffer, buf.byteOffset + p + 2, stop - p - 4).toString('latin1');
  }
  // An integer or a status alone: 'I' / 'S' and the line.
  if (buf[start] === 58 || buf[start] === 43) {
    let p = start + 1;
    while (buf[p] !== 13) p++;
    return (buf[start] === 58 ? 'I' : 'S') + Buffer.from(buf.buffer, buf.byteOffset + start + 1, p - start - 1).toString('latin1');
  }
  const parts: string[] = [];
  const r = new Reader(buf, start, stop, resp, parts);
  r.value();
  return parts.join('');
}

class Reader {
  constructor(
    private readonly b: Uint8Array,
    private p: number,
    private readonly end: number,
    private readonly resp: 2 | 3,
    private readonly out: string[],
  ) {}

  /** The rest of the current line (without CRLF), after the type byte. */
  private line(): string {
    const b = this.b;
    let e = this.p;
    while (e < this.end && b[e] !== 13) e++;
    const s = Buffer.from(b.buffer, b.byteOffset + this.p, e - this.p).toString('latin1');
    this.p = e + 2;
    return s;
  }

  private bytes(n: number): string {
    const s = Buffer.from(this.b.buffer, this.b.byteOffset + this.p, n).toString('latin1');
    this.p += n + 2;
    return s;
  }

  value(): void {
    const t = this.b[this.p++];
    const out = this.out;
    switch (t) {
      case 43 /* + */: {
        const s = this.line();
        out.push(`+${s.length}:`, s);
        return;
      }
      case 45 /* - */: {
        const s = this.line();
        out.push(`-${s.length}:`, s);
        return;
      }
      case 58 /* : */:
        out.push(`:${this.line()};`);
        return;
      case 36 /* $ */: {
        const n = Number(this.line());
        if (n < 0) {
          out.push(this.resp === 3 ? '_' : 'F');
          return;
        }
        const s = this.bytes(n);
        out.push(`$${n}:`, s);
        return;
      }
      case 42 /* * */:
      case 62 /* > */: {
        const n = Number(this.line());
        if (n < 0) {
          out.push(this.resp === 3 ? '_' : 'F');
          return;
        }
        out.push(`*${n};`);
        for (let i = 0; i < n; i++) this.value();
        return;
      }
      case 37 /* % */: {
        const n = Number(this.line());
        out.push(`%${n};`);
        for (let i = 0; i < 2 * n; i++) this.value();
        return;
      }
      case 126 /* ~ */: {
        const n = Number(this.line());
        out.push(`~${n};`);
        for (let i = 0; i < n; i++) this.value();
        return;
      }
      case 95 /* _ */:
        this.line();
        out.push('_');
        return;
      case 35 /* # */:
        out.push(this.line() === 't' ? 'T' : 'F');
        return;
      case 44 /* , */: {
        const s = this.line();
        out.push(`,${s.length}:`, s);
        return;
      }
      case 40 /* ( */: {
        const s = this.line();
        out.push(`(${s.length}:`, s);
        return;
      }
      case 61 /* = */: {
        const n = Number(this.line());
        const s = this.bytes(n);
        out.push(`=${n}:`, s);
        return;
      }
      default:
        this.line();
        out.push('_');
    }
  }
}
