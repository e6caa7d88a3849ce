/**
 * Glob-style matching with Redis's exact rules (KEYS, SCAN MATCH, CONFIG GET,
 * PSUBSCRIBE ...). Strings are latin1 JS strings, so one char is one byte.
 *
 * Rules, including the corner cases clients can observe:
 * - `*` any run of bytes, `?` one byte, `\x` the byte x literally.
 * - `[...]` a set: `^` first negates it, `a-z` is a range (reversed ranges
 *   are swapped), `\x` inside is literal, and a set missing its `]` runs to the
 *   end of the pattern (it still consumes one byte of the subject).
 * - A trailing lone `\` matches a literal backslash.
 * - Once the rest of a pattern after a `*` fails to match at every later
 *   position, earlier `*`s cannot help either: give up at once. Together with
 *   the nesting cap this keeps abusive patterns like `a*a*a*...b` cheap, and the
 *   cap makes deeply nested patterns fail exactly where Redis's do.
 */

const STAR = 42; // *
const QUESTION = 63; // ?
const OPEN = 91; // [
const CLOSE = 93; // ]
const BACKSLASH = 92; // \
const CARET = 94; // ^
const DASH = 45; // -
const MAX_NESTING = 1000;

/** ASCII-only lowercase, like C's tolower in the C locale. */
function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

interface State {
  /** Set once a `*` found no match for the rest of the pattern anywhere after it. */
  giveUp: boolean;
}

function matchFrom(pat: string, p: number, s: string, i: number, nocase: boolean, st: State, nesting: number): boolean {
  if (nesting > MAX_NESTING) return false;
  const plen = pat.length;
  const slen = s.length;
  while (p < plen && i < slen) {
    const pc = pat.charCodeAt(p);
    switch (pc) {
      case STAR: {
        while (p + 1 < plen && pat.charCodeAt(p + 1) === STAR) p++;
        if (p + 1 === plen) return true;
        while (i < slen) {
          if (matchFrom(pat, p + 1, s, i, nocase, st, nesting + 1)) return true;
          if (st.giveUp) return false;
          i++;
        }
        st.giveUp = true;
        return false;
      }
      case QUESTION:
        i++;
        break;
      case OPEN: {
        p++;
        const not = p < plen && pat.charCodeAt(p) === CARET;
        if (not) p++;
        let match = false;
        const c = s.charCodeAt(i);
        for (;;) {
          if (p >= plen) {
            // Unterminated set: stay on the last pattern byte so the step below ends the pattern.
            p--;
            break;
          }
          const x = pat.charCodeAt(p);
          if (x === BACKSLASH && plen - p >= 2) {
            p++;
            if (pat.charCodeAt(p) === c) match = true;
          } else if (x === CLOSE) {
            break;
          } else if (plen - p >= 3 && pat.charCodeAt(p + 1) === DASH) {
            let start = x;
            let end = pat.charCodeAt(p + 2);
            if (start > end) {
              const t = start;
              start = end;
              end = t;
            }
            let cc = c;
            if (nocase) {
              start = lower(start);
              end = lower(end);
              cc = lower(cc);
            }
            p += 2;
            if (cc >= start && cc <= end) match = true;
          } else if (nocase ? lower(x) === lower(c) : x === c) {
            match = true;
          }
          p++;
        }
        if (not) match = !match;
        if (!match) return false;
        i++;
        break;
      }
      default: {
        // `\x` is the byte x; a lone trailing `\` is itself.
        if (pc === BACKSLASH && plen - p >= 2) p++;
        const x = pat.charCodeAt(p);
        const c = s.charCodeAt(i);
        if (nocase ? lower(x) !== lower(c) : x !== c) return false;
        i++;
        break;
      }
    }
    p++;
    if (i === slen) {
      while (p < plen && pat.charCodeAt(p) === STAR) p++;
      break;
    }
  }
  return p >= plen && i === slen;
}

/** Whether `s` matches the glob `pattern` exactly as Redis's stringmatchlen decides. */
export function globMatch(pattern: string, s: string, nocase = false): boolean {
  return matchFrom(pattern, 0, s, 0, nocase, { giveUp: false }, 0);
}
