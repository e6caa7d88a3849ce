/**
 * Error replies shared by every command, so the same mistake always gets the
 * same text (texts are Redis 7's). Command code throws `ReplyError`; the
 * engine or dispatcher turns it into a `-...` reply.
 */
export class ReplyError extends Error {
  constructor(message: string) {
    // A client's error, thrown per request on error-heavy traffic (WRONGTYPE,
    // not an integer): no stack trace is captured, which costs more than the
    // command (nothing ever reads a ReplyError's stack; bugs throw other errors).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'ReplyError';
  }
}

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const ERR_SYNTAX = 'ERR syntax error';
export const ERR_NOT_INTEGER = 'ERR value is not an integer or out of range';
export const ERR_NOT_FLOAT = 'ERR value is not a valid float';
export const ERR_OVERFLOW = 'ERR increment or decrement would overflow';
export const ERR_NO_SUCH_KEY = 'ERR no such key';
export const ERR_INDEX_OUT_OF_RANGE = 'ERR index out of range';
export const ERR_DB_INDEX = 'ERR DB index is out of range';
export const ERR_STRING_TOO_LONG = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';
export const ERR_INVALID_CURSOR = 'ERR invalid cursor';
/** numkeys of LMPOP, BLMPOP, ZMPOP, BZMPOP, SINTERCARD, ZUNION... */
export const ERR_NUMKEYS = 'ERR numkeys should be greater than 0';
/** COUNT of the *MPOP commands. */
export const ERR_COUNT_POSITIVE = 'ERR count should be greater than 0';
/** Blocking timeouts (BLPOP & co. in seconds, XREAD BLOCK in milliseconds). */
export const ERR_TIMEOUT_NEGATIVE = 'ERR timeout is negative';

export function errWrongArity(name: string): string {
  return `ERR wrong number of arguments for '${name}' command`;
}

export function errInvalidExpire(name: string): string {
  return `ERR invalid expire time in '${name}' command`;
}

export function errUnknownSubcommand(sub: string, container: string): string {
  return `ERR unknown subcommand '${sub}'. Try ${container.toUpperCase()} HELP.`;
}

/** Redis quotes at most 128 bytes of each argument in this message. */
export function errUnknownCommand(args: readonly string[]): string {
  const name = args[0].slice(0, 128);
  let tail = '';
  for (let i = 1; i < args.length && tail.length < 128; i++) {
    tail += `'${args[i].slice(0, 128 - tail.length)}' `;
  }
  return `ERR unknown command '${name}', with args beginning with: ${tail}`;
}
