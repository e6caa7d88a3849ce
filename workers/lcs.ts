/**
 * LCS (longest common subsequence) of two strings, with Redis 7's options and
 * replies. Pure: the shard op (both keys on one shard) and the cross-shard
 * coordinator (values fetched from two shards) both call `lcsReply`, so the
 * algorithm and its reply shape live in one place.
 */
import type { ReplyWriter } from '../src/core/wire/reply-writer';
import { ERR_NOT_INTEGER, ERR_SYNTAX, ReplyError } from '../src/core/errors';
import { parseI64 } from '../src/core/args/parse';

export const ERR_LCS_WRONGTYPE = 'ERR The specified keys must contain string values';

/**
 * Parses LCS options (`opts` are the arguments after the two keys) and writes
 * the reply for strings `a` and `b`. `maxTransient` is proto-max-bulk-len: the
 * DP table may not need more bytes than that, as in Redis.
 */
export function lcsReply(a: string, b: string, opts: readonly string[], maxTransient: number, w: ReplyWriter): void {
  let getLen = false;
  let getIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0n;
  for (let i = 0; i < opts.length; i++) {
    const o = opts[i].toLowerCase();
    if (o === 'idx') getIdx = true;
    else if (o === 'len') getLen = true;
    else if (o === 'withmatchlen') withMatchLen = true;
    else if (o === 'minmatchlen' && i + 1 < opts.length) {
      const n = parseI64(opts[++i]);
      if (n === null) throw new ReplyError(ERR_NOT_INTEGER);
      minMatchLen = n < 0n ? 0n : n;
    } else throw new ReplyError(ERR_SYNTAX);
  }
  if (getIdx && getLen) throw new ReplyError('ERR If you want both the length and indexes, please just use IDX.');

  const alen = a.length;
  const blen = b.length;
  const cells = (alen + 1) * (blen + 1);
  if (cells * 4 > maxTransient) throw new ReplyError('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
  const stride = blen + 1;
  // table[i*stride + j] = LCS length of a[0..i) and b[0..j)
  const table = new Uint32Array(cells);
  for (let i = 1; i <= alen; i++) {
    const ca = a.charCodeAt(i - 1);
    const row = i * stride;
    const prev = row - stride;
    for (let j = 1; j <= blen; j++) {
      if (ca === b.charCodeAt(j - 1)) table[row + j] = table[prev + j - 1] + 1;
      else {
        const up = table[prev + j];
        const left = table[row + j - 1];
        table[row + j] = up > left ? up : left;
      }
    }
  }
  const total = table[alen * stride + blen];

  if (getLen) {
    w.integer(total);
    return;
  }

  // Walk back from the end, collecting the subsequence (built backwards) and,
  // for IDX, the maximal runs that are contiguous in both strings.
  const out: string[] = new Array(total);
  let pos = total;
  const ranges: number[][] = [];
  let aStart = -1; // -1: no run open
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let i = alen;
  let j = blen;
  const emit = (): void => {
    const len = aEnd - aStart + 1;
    if (minMatchLen === 0n || BigInt(len) >= minMatchLen) {
      ranges.push(withMatchLen ? [aStart, aEnd, bStart, bEnd, len] : [aStart, aEnd, bStart, bEnd]);
    }
    aStart = -1;
  };
  while (i > 0 && j > 0) {
    let close = false;
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      out[--pos] = a[i - 1];
      if (aStart === -1) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        close = true;
      }
      if (aStart === 0 || bStart === 0) close = true;
      i--;
      j--;
    } else {
      if (table[(i - 1) * stride + j] > table[i * stride + j - 1]) i--;
      else j--;
      if (aStart !== -1) close = true;
    }
    if (close && getIdx) emit();
    else if (close) aStart = -1;
  }

  if (!getIdx) {
    w.bulk(out.join(''));
    return;
  }
  w.map(2);
  w.bulk('matches');
  w.array(ranges.length);
  for (const r of ranges) {
    w.array(withMatchLen ? 3 : 2);
    w.array(2);
    w.integer(r[0]);
    w.integer(r[1]);
    w.array(2);
    w.integer(r[2]);
    w.integer(r[3]);
    if (withMatchLen) w.integer(r[4]);
  }
  w.bulk('len');
  w.integer(total);
}
