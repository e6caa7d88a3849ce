/**
 * Split and gather: a shard row whose keys span shards and whose row says
 * `sum`, `gather` or `all-ok` (DEL, EXISTS, MGET, MSET, ...) is re-issued per
 * shard with that shard's keys (Router.split), and the replies are combined.
 *
 * Every part is sent in one synchronous step: each shard runs requests in
 * arrival order, so every other command sees all of the parts or none of them
 * (docs/architecture.md, "Transactions and cross-shard atomicity"). That is
 * what makes a split command atomic without the shard lock.
 */
import type { TableEntry } from './context';
import { SPLIT_PART } from '../core/shard-protocol';
import type { ShardSet } from '../shard-clients/shard-set';
import { PendingReply, type ReplySink } from '../shard-clients/shard-client';
import { arrayElements, readInteger } from '../resp/reply-reader';
import { arrayReply, errorReply, integerReply, okReply } from '../resp/replies';
import { coordError } from './calls';

type Combine = 'sum' | 'gather' | 'all-ok';

/** Where the split runs: its connection's db, protocol and id. */
export interface SplitScope {
  db: number;
  proto: 2 | 3;
  connId: number;
}

/** Sends every part of a split command now; `done` gets the combined reply once all have arrived. */
export function runSplit(shards: ShardSet, entry: TableEntry, combine: Combine, args: readonly string[], scope: SplitScope, done: (reply: Buffer) => void): void {
  const parts = shards.router.split(entry.spec, args);
  let keys = 0;
  for (const part of parts) keys += part.order.length;
  const gather = new SplitGather(combine, parts.length, keys, done);
  // The replies are combined by a counting sink rather than promises (this is MSET's hot path).
  parts.forEach((part, i) => {
    shards.clients[part.shard].send(entry.opIndex, scope.db, scope.proto, (scope.connId | SPLIT_PART) >>> 0, part.args, 1, new SplitPart(gather, i, part.order));
  });
}

/** One shard's part of a split command. */
class SplitPart extends PendingReply {
  constructor(
    gather: SplitGather,
    readonly index: number,
    /** Positions, in the whole command's key order, of this part's keys. */
    readonly order: number[],
  ) {
    super(gather);
  }
}

/** Collects the parts of a split command and combines them once all have arrived. */
class SplitGather implements ReplySink {
  private readonly parts: (SplitPart | undefined)[];
  private left: number;

  constructor(
    private readonly combine: Combine,
    count: number,
    /** The command's key count (gather puts each key's element back in its place). */
    private readonly keys: number,
    private readonly done: (reply: Buffer) => void,
  ) {
    this.parts = new Array(count);
    this.left = count;
  }

  deliver(p: PendingReply): void {
    const part = p as SplitPart;
    this.parts[part.index] = part;
    if (--this.left === 0) this.done(this.combined());
  }

  private combined(): Buffer {
    const parts = this.parts as SplitPart[];
    for (const p of parts) {
      if (p.data !== null && p.data[p.start] === 45 /* '-' */) return p.bytes();
    }
    try {
      switch (this.combine) {
        case 'sum': {
          let total = 0;
          for (const p of parts) total += readInteger(p.bytes()) ?? 0;
          return integerReply(total);
        }
        case 'all-ok':
          return okReply();
        case 'gather': {
          const out: Buffer[] = new Array(this.keys);
          for (const p of parts) {
            const elems = arrayElements(p.bytes()) ?? [];
            p.order.forEach((k, j) => (out[k] = elems[j]));
          }
          return arrayReply(out);
        }
      }
    } catch (err) {
      return errorReply(coordError(err));
    }
  }
}
