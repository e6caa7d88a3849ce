/**
 * Moving one key's value between shards: dump it (type tag, serialized
 * payload, deadline) from the shard that owns it, restore it on the shard that
 * owns another key, or delete it. Used by the cross-shard coordinators of
 * RENAME/COPY and by the generic scratch executor.
 */
import type { CoordContext } from '../coord-context';
import { CommandTable } from '../table';
import { arrayElements, isError, readBulk, readInteger } from '../../resp/reply-reader';
import { ReplyError } from '../../resp/errors';

export interface DumpedValue {
  tag: string;
  /** The serialized value, one latin1 char per byte. */
  payload: string;
  /** Deadline in ms since the epoch (exact decimal), or '' for no TTL. */
  deadline: string;
  /** '1' when the value is a private copy rather than a shared small integer (OBJECT REFCOUNT). */
  priv: string;
}

type Key = Buffer | string;

function shardClient(ctx: CoordContext, key: Key) {
  const shards = ctx.server.shards;
  return shards.clients[shards.shardOfKey(typeof key === 'string' ? Buffer.from(key, 'latin1') : key)];
}

function failOnError(reply: Buffer): Buffer {
  if (isError(reply)) throw new ReplyError(reply.latin1Slice(1, reply.length - 2));
  return reply;
}

/** The key's value in database `db`, or null when it does not exist. */
export async function dumpKey(ctx: CoordContext, key: Key, db: number): Promise<DumpedValue | null> {
  const reply = failOnError(await shardClient(ctx, key).request(CommandTable.internalOp('__dump'), db, 2, ['', key], 1));
  const parts = arrayElements(reply);
  if (parts === null || parts.length < 4) return null; // *-1: no such key
  const [tag, payload, deadline, priv] = parts.map((p) => readBulk(p) ?? '');
  return { tag, payload, deadline, priv };
}

/** Stores a dumped value; mode `nx` keeps an existing key. Resolves with whether it stored. */
export async function restoreKey(ctx: CoordContext, key: Key, db: number, v: DumpedValue, mode: 'replace' | 'nx'): Promise<boolean> {
  const reply = failOnError(
    await shardClient(ctx, key).request(CommandTable.internalOp('__restore'), db, 2, ['', key, v.tag, v.payload, v.deadline, mode, v.priv], 1),
  );
  return readInteger(reply) === 1;
}

export async function deleteKey(ctx: CoordContext, key: Key, db: number): Promise<void> {
  // Not DEL: that would publish a `del` notification the command itself never raises.
  failOnError(await shardClient(ctx, key).request(CommandTable.internalOp('__delete'), db, 2, ['', key], 1));
}
