/**
 * Reply bytes for coordinators (main thread): one reply built in the
 * connection's protocol, and the small fixed ones.
 */
import { ReplyWriter } from '../core/wire/reply-writer';

/** Builds one reply in the connection's protocol. */
export function buildReply(ctx: { conn: { proto: 2 | 3 } }, fill: (w: ReplyWriter) => void): Buffer {
  const w = new ReplyWriter(256);
  w.proto = ctx.conn.proto;
  fill(w);
  return w.take();
}

const OK = Buffer.from('+OK\r\n');
export const okReply = (): Buffer => OK;

export function errorReply(message: string): Buffer {
  const w = new ReplyWriter(message.length + 8);
  w.error(message);
  return w.take();
}

export function integerReply(n: number | bigint): Buffer {
  return Buffer.from(`:${n}\r\n`, 'latin1');
}

export function bulkReply(s: string | null, proto: 2 | 3 = 2): Buffer {
  const w = new ReplyWriter(s === null ? 8 : s.length + 16);
  w.proto = proto;
  w.bulkOrNull(s);
  return w.take();
}

export function simpleReply(s: string): Buffer {
  return Buffer.from(`+${s}\r\n`, 'latin1');
}

/** An array reply of already encoded elements. */
export function arrayReply(items: readonly Buffer[]): Buffer {
  return Buffer.concat([Buffer.from(`*${items.length}\r\n`), ...items]);
}

/**
 * An argument quoted in an error text the way Redis's addReplyErrorFormat
 * shows it: a C string (cut at the first NUL) with newlines made spaces.
 */
export function errArg(s: string): string {
  const nul = s.indexOf('\0');
  return (nul === -1 ? s : s.slice(0, nul)).replace(/[\r\n]/g, ' ');
}

/** A HELP reply: the usage line, then the given lines, as status replies. */
export function helpReply(container: string, lines: readonly string[], helpLine = 'Print this help.'): Buffer {
  const w = new ReplyWriter(1024);
  w.lines([`${container} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`, ...lines, 'HELP', `    ${helpLine}`]);
  return w.take();
}
