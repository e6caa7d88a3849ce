/**
 * A script's result (the tagged format prelude.ts's encode_reply writes)
 * written as the caller's reply, with Redis's Lua -> RESP rules: number ->
 * integer (truncated), string -> bulk, table -> array up to the first nil,
 * {ok=} -> status, {err=} -> error, true -> 1, false -> null (true/false
 * when the script chose RESP3 with redis.setresp), nil -> null; RESP3 tables ({map=}, {set=}, {double=},
 * {big_number=}, {verbatim_string=}) in the caller's protocol.
 */
import type { ReplyWriter } from '../../src/core/wire/reply-writer';

const LLONG_MIN = -9223372036854775808n;

/** A Lua number as Redis replies it: an integer, C's (long long) cast of the double. */
export function writeLuaNumber(w: ReplyWriter, d: number): void {
  // Truncation; out of range (and NaN) gives LLONG_MIN on x86-64.
  if (Number.isSafeInteger(Math.trunc(d))) w.integer(Math.trunc(d));
  else if (Number.isFinite(d) && Math.abs(d) < 2 ** 63) w.integer(BigInt(Math.trunc(d)));
  else w.integer(LLONG_MIN);
}

/** Writes the value at `pos` of `s`; returns the position after it. */
export function writeTagged(w: ReplyWriter, s: string, pos: number, scriptResp: 2 | 3): number {
  const t = s.charCodeAt(pos);
  switch (t) {
    case 36 /* $ */:
    case 43 /* + */:
    case 45 /* - */:
    case 44 /* , */:
    case 40 /* ( */:
    case 61 /* = */: {
      const c = s.indexOf(':', pos + 1);
      const n = Number(s.slice(pos + 1, c));
      const v = s.slice(c + 1, c + 1 + n);
      if (t === 36) w.bulk(v);
      else if (t === 43) w.simple(v.replace(/[\r\n]/g, ' '));
      else if (t === 45) w.error(v);
      else if (t === 44) writeLuaDouble(w, v);
      else if (t === 40) {
        if (w.proto === 3) w.rawString(`(${v}\r\n`);
        else w.bulk(v);
      } else w.verbatim(v.slice(4), v.slice(0, 3));
      return c + 1 + n;
    }
    case 58 /* : */: {
      const c = s.indexOf(';', pos + 1);
      writeLuaNumber(w, Number(s.slice(pos + 1, c)));
      return c + 1;
    }
    case 42 /* * */:
    case 37 /* % */:
    case 126 /* ~ */: {
      const c = s.indexOf(';', pos + 1);
      const n = Number(s.slice(pos + 1, c));
      if (t === 42) w.array(n);
      else if (t === 37) w.map(n);
      else w.set(n);
      let p = c + 1;
      const items = t === 37 ? 2 * n : n;
      for (let i = 0; i < items; i++) p = writeTagged(w, s, p, scriptResp);
      return p;
    }
    // Booleans follow the script's protocol (redis.setresp), not the caller's.
    case 84 /* T */:
      if (scriptResp === 3) w.boolean(true);
      else w.integer(1);
      return pos + 1;
    case 70 /* F */:
      if (scriptResp === 3) w.boolean(false);
      else w.nullBulk();
      return pos + 1;
    default:
      w.nullBulk();
      return pos + 1;
  }
}

/**
 * A {double=...} reply, from Lua's %.17g text: infinities as Redis writes
 * them (`inf`, `-inf`), a NaN as printf printed it (`nan`, `-nan`: Redis
 * formats with %.17g too), anything else through the usual formatting.
 */
function writeLuaDouble(w: ReplyWriter, text: string): void {
  if (text === 'inf' || text === '-inf') w.double(text === 'inf' ? Infinity : -Infinity);
  else if (text === 'nan' || text === '-nan') w.doubleText(text);
  else w.double(Number(text));
}
