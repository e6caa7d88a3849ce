/**
 * XREAD and XREADGROUP options, parsed with Redis's errors in its order. The
 * shard reads requests with them (workers/families/streams.ts) and the main
 * thread reads a blocking request's options before it waits
 * (src/coordination/blocking/).
 */
import { ERR_SYNTAX, ERR_TIMEOUT_NEGATIVE, ReplyError } from '../errors';
import { cString, intArg, parseI64 } from './parse';

const ERR_UNBALANCED = "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.";
const ERR_GROUP_OPT = 'ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.';
const ERR_NOACK_OPT = 'ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.';
const ERR_MISSING_GROUP = 'ERR Missing GROUP option for XREADGROUP';
const ERR_TIMEOUT_INT = 'ERR timeout is not an integer or out of range';

/** An option word compared as Redis's strcasecmp on C strings does. */
function opt(arg: string, word: string): boolean {
  const s = cString(arg);
  return s.length === word.length && s.toLowerCase() === word;
}

/** The parsed options of an XREAD/XREADGROUP request (blocking reads them on the main thread too). */
export interface XreadArgs {
  isGroup: boolean;
  count: number;
  /** BLOCK milliseconds, or -1 without BLOCK. */
  blockMs: number;
  streamsArg: number;
  streamsCount: number;
  noack: boolean;
  groupName: string | null;
  consumerName: string;
}

/**
 * Parses XREAD [COUNT n] [BLOCK ms] STREAMS key... id... and XREADGROUP GROUP g c
 * [COUNT n] [BLOCK ms] [NOACK] STREAMS key... id..., with Redis's errors in its order.
 * Redis 7.0 adds no range check to BLOCK: a huge timeout simply never fires.
 */
export function parseXreadArgs(args: readonly string[]): XreadArgs {
  const isGroup = args[0] === 'xreadgroup';
  const r: XreadArgs = { isGroup, count: 0, blockMs: -1, streamsArg: 0, streamsCount: 0, noack: false, groupName: null, consumerName: '' };
  for (let i = 1; i < args.length; i++) {
    const more = args.length - i - 1;
    const a = args[i];
    if (opt(a, 'block') && more > 0) {
      i++;
      const t = parseI64(args[i]);
      if (t === null) throw new ReplyError(ERR_TIMEOUT_INT);
      if (t < 0n) throw new ReplyError(ERR_TIMEOUT_NEGATIVE);
      r.blockMs = t > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(t);
    } else if (opt(a, 'count') && more > 0) {
      i++;
      r.count = intArg(args[i]);
      if (r.count < 0) r.count = 0;
    } else if (opt(a, 'streams') && more > 0) {
      r.streamsArg = i + 1;
      r.streamsCount = args.length - r.streamsArg;
      if (r.streamsCount % 2 !== 0) throw new ReplyError(ERR_UNBALANCED);
      r.streamsCount /= 2;
      break;
    } else if (opt(a, 'group') && more >= 2) {
      if (!isGroup) throw new ReplyError(ERR_GROUP_OPT);
      r.groupName = args[i + 1];
      r.consumerName = args[i + 2];
      i += 2;
    } else if (opt(a, 'noack')) {
      if (!isGroup) throw new ReplyError(ERR_NOACK_OPT);
      r.noack = true;
    } else throw new ReplyError(ERR_SYNTAX);
  }
  if (r.streamsArg === 0) throw new ReplyError(ERR_SYNTAX);
  if (isGroup && r.groupName === null) throw new ReplyError(ERR_MISSING_GROUP);
  return r;
}

