/**
 * Bounds for replies whose size a client picks with a count: the random
 * sampling commands repeat elements for a negative count, so
 * `HRANDFIELD k -2147483648` on a one-field hash would build a reply of two
 * billion entries (Redis streams it into an unlimited output buffer until
 * the process dies). Shardis builds a reply whole in the shard, so a count
 * whose reply would pass MAX_RANDOM_REPLY_BYTES is refused before anything
 * is allocated.
 */
import { ReplyError } from '../../src/core/errors';

const MAX_RANDOM_REPLY_BYTES = 512 * 1024 * 1024;

/** Throws when `count` entries of about `entryBytes` each would make a reply past the bound. */
export function checkRandomReplySize(command: string, count: bigint, entryBytes: number): void {
  if (count > 1_000_000n && count * BigInt(Math.ceil(entryBytes) + 8) > BigInt(MAX_RANDOM_REPLY_BYTES)) {
    throw new ReplyError(`ERR the reply would be too large (${command} count)`);
  }
}
