/**
 * What a coordinator command (main thread) can reach: the connection it serves,
 * the server, and its own row. Helpers here build reply bytes.
 */
import { ReplyWriter } from '../resp/reply-writer';
import type { Connection } from '../connection';
import type { Server } from '../server';
import type { CommandSpec } from './spec';

export interface CoordContext {
  readonly conn: Connection;
  readonly server: Server;
  readonly spec: CommandSpec;
  /** Set when the command runs inside EXEC (blocking commands then do not block). */
  readonly inExec?: boolean;
}

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

/** Sends an internal op to every shard (in the connection's db) and collects the replies in shard order. */
export function broadcast(ctx: CoordContext, opIndex: number, args: readonly (Buffer | string)[] = [], db = ctx.conn.db): Promise<Buffer[]> {
  const all = ['', ...args];
  return Promise.all(ctx.server.shards.clients.map((c) => c.request(opIndex, db, ctx.conn.proto, all, 1)));
}
