/**
 * Rewrites `return redis.call(...)`, `return redis.pcall(...)` and `return
 * redis.acl_check_cmd(...)` in a script's source to `return (redis.call(...))`. In Redis these are C
 * functions, so such a return keeps the script's frame and an error shows
 * the script's line; here they are Lua functions, and a tail call would drop
 * that frame. The parentheses make it an ordinary call (both return one
 * value, so nothing else changes); no line moves. Strings and comments are
 * skipped, so only code is touched.
 */

const CALL = /^return(\s+)redis\.(?:p?call|acl_check_cmd)\s*\(/;

export function untailRedisCalls(src: string): string {
  if (!src.includes('redis.') || !src.includes('return')) return src;
  let out = '';
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    // Comments.
    if (c === '-' && src[i + 1] === '-') {
      const long = /^--\[(=*)\[/.exec(src.slice(i, i + 64));
      const end = long ? src.indexOf(`]${long[1]}]`, i + long[0].length) : src.indexOf('\n', i);
      const stop = end === -1 ? n : long ? end + long[1].length + 2 : end;
      out += src.slice(i, stop);
      i = stop;
      continue;
    }
    // Strings.
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < n && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
      out += src.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '[') {
      const long = /^\[(=*)\[/.exec(src.slice(i, i + 64));
      if (long) {
        const end = src.indexOf(`]${long[1]}]`, i + long[0].length);
        const stop = end === -1 ? n : end + long[1].length + 2;
        out += src.slice(i, stop);
        i = stop;
        continue;
      }
    }
    if (c === 'r' && (i === 0 || !/[A-Za-z0-9_.]/.test(src[i - 1]))) {
      const m = CALL.exec(src.slice(i, i + 40));
      if (m) {
        const open = i + m[0].length - 1;
        const close = matchParen(src, open);
        if (close !== -1) {
          out += `return${m[1]}(${src.slice(i + 6 + m[1].length, close + 1)})`;
          i = close + 1;
          continue;
        }
      }
    }
    out += c;
    i++;
  }
  return out;
}

/** The index of the parenthesis closing the one at `open`, skipping strings and comments; -1 if none. */
function matchParen(src: string, open: number): number {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < src.length && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
      i = j;
    } else if (c === '[' && /^\[(=*)\[/.test(src.slice(i, i + 64))) {
      const long = /^\[(=*)\[/.exec(src.slice(i, i + 64)) as RegExpExecArray;
      const end = src.indexOf(`]${long[1]}]`, i + long[0].length);
      if (end === -1) return -1;
      i = end + long[1].length + 1;
    } else if (c === '-' && src[i + 1] === '-') {
      return -1; // a comment inside the call: leave this one alone
    } else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return i;
  }
  return -1;
}
