/**
 * Option parsers of particular commands that both threads read: the shard op
 * runs the command, and the main thread reads the same options first when
 * the command needs it (a blocking pop, a COPY across shards, SELECT).
 */
import { ERR_COUNT_POSITIVE, ERR_DB_INDEX, ERR_NOT_INTEGER, ERR_NUMKEYS, ERR_SYNTAX, ReplyError } from '../errors';
import { isOpt, parseI64, positiveArg } from './parse';

/** A DB index argument as Redis's getIntFromObject + selectDb check it. */
export function dbIndexArg(s: string, databases: number): number {
  const n = parseI64(s);
  if (n === null) throw new ReplyError(ERR_NOT_INTEGER);
  if (n > 2147483647n || n < -2147483648n) throw new ReplyError('ERR value is out of range, value must between -2147483648 and 2147483647');
  if (n < 0n || n >= BigInt(databases)) throw new ReplyError(ERR_DB_INDEX);
  return Number(n);
}

export interface CopyOptions {
  /** Destination db, or -1 for the caller's db. */
  db: number;
  replace: boolean;
}

/** Parses COPY's options (args[3..]) with Redis's errors; shared with the cross-shard coordinator. */
export function parseCopyOptions(args: readonly string[], databases: number): CopyOptions {
  const out: CopyOptions = { db: -1, replace: false };
  for (let j = 3; j < args.length; j++) {
    if (isOpt(args[j], 'replace')) out.replace = true;
    else if (isOpt(args[j], 'db') && j + 1 < args.length) out.db = dbIndexArg(args[++j], databases);
    else throw new ReplyError(ERR_SYNTAX);
  }
  return out;
}

/**
 * The `numkeys key [key ...] <A | B> [COUNT count]` part of LMPOP, ZMPOP,
 * BLMPOP and BZMPOP, from `args[at]`, checked in Redis's order (which decides
 * which error wins). `where` is `a` or `b` as given (lowercase).
 */
export function parseMpop(args: readonly string[], at: number, a: string, b: string): { keys: string[]; where: string; count: number } {
  const numkeys = positiveArg(args[at], ERR_NUMKEYS);
  const whereAt = at + 1 + numkeys;
  if (whereAt >= args.length) throw new ReplyError(ERR_SYNTAX);
  let where: string;
  if (isOpt(args[whereAt], a)) where = a;
  else if (isOpt(args[whereAt], b)) where = b;
  else throw new ReplyError(ERR_SYNTAX);
  let count = -1;
  for (let j = whereAt + 1; j < args.length; j++) {
    if (count === -1 && isOpt(args[j], 'count') && j + 1 < args.length) count = positiveArg(args[++j], ERR_COUNT_POSITIVE);
    else throw new ReplyError(ERR_SYNTAX);
  }
  return { keys: args.slice(at + 1, whereAt), where, count: count === -1 ? 1 : count };
}
