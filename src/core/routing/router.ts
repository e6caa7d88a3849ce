/**
 * The one router: where a request runs, decided from its row and its keys.
 * Dispatch, EXEC, WATCH, `.WATCH` and the blocking commands all ask it, so
 * there is one answer to "which shard owns this" in the whole server.
 *
 * Keys are hashed as Redis Cluster does (slot.ts) and slots are split into
 * contiguous ranges, one per shard.
 */
import { keyPositions, pairsIncomplete, type CommandSpec } from '../commands/spec';
import { keyHashSlotOfString, slotToShard } from './slot';

/** `route`: the row runs on the main thread (a coordinator, or a shard row that blocks). */
export const ROUTE_MAIN = -1;
/** `route`: the row's keys live on several shards (see the row's `cross` strategy). */
export const ROUTE_CROSS = -2;

/** One shard's part of a request whose keys span shards. */
export interface ShardPart {
  shard: number;
  /** The command name, then this shard's keys (each with its value for key/value rows), in request order. */
  args: string[];
  /** Positions, in the request's key order, of this part's keys. */
  order: number[];
}

export class Router {
  /**
   * The key positions `route` last computed, and for which arguments: a
   * request it finds spanning shards is split next (MSET's hot path), which
   * then need not find its keys again.
   */
  private lastArgs: readonly string[] | null = null;
  private lastPositions: number[] = [];

  constructor(readonly shards: number) {}

  /** The shard that owns a key. */
  shardOf(key: string): number {
    return this.shards === 1 ? 0 : slotToShard(keyHashSlotOfString(key), this.shards);
  }

  /**
   * Where a request runs: a shard index, ROUTE_MAIN, or ROUTE_CROSS. A shard
   * row without keys runs on shard 0. `mayBlock` is false inside EXEC, where
   * a shard row that would block (XREAD ... BLOCK) runs as its op, which
   * never waits.
   */
  route(spec: CommandSpec, args: readonly string[], mayBlock = true): number {
    if (spec.runs === 'main') return ROUTE_MAIN;
    if (mayBlock && spec.blocksIf !== undefined && spec.blocksIf(args)) return ROUTE_MAIN;
    if (this.shards === 1) return 0;
    if (spec.undeclaredKeys) return ROUTE_CROSS;
    // Key/value pairs one value short (MSET k v k2): the op replies the error, where the first key lives.
    if (pairsIncomplete(spec, args)) return this.shardOf(args[spec.firstKey]);
    // Single-key rows (the common case) skip building a positions array.
    if (spec.firstKey > 0 && spec.firstKey === spec.lastKey && spec.getKeys === undefined) {
      return spec.firstKey < args.length ? this.shardOf(args[spec.firstKey]) : 0;
    }
    const positions = keyPositions(spec, args);
    this.lastArgs = args;
    this.lastPositions = positions;
    const shard = this.shardOfKeys(args, positions);
    if (shard === ROUTE_CROSS || spec.derivedKeys === undefined) return shard;
    // SORT's pattern keys: only its own shard can read them without the cross-shard plan.
    const derived = spec.derivedKeys(args);
    if (derived === null) return ROUTE_CROSS;
    for (const k of derived) if (this.shardOf(k) !== shard) return ROUTE_CROSS;
    return shard;
  }

  /** The one shard owning every key at `positions` (0 for none), or ROUTE_CROSS. */
  shardOfKeys(args: readonly string[], positions: readonly number[]): number {
    if (positions.length === 0) return 0;
    const first = this.shardOf(args[positions[0]]);
    for (let i = 1; i < positions.length; i++) if (this.shardOf(args[positions[i]]) !== first) return ROUTE_CROSS;
    return first;
  }

  /**
   * Splits a request into one part per shard: each key (with the `step - 1`
   * arguments after it: MSET's value) goes to its shard's part, in order.
   * Used for the `sum`/`gather`/`all-ok` rows and for WATCH.
   */
  split(spec: CommandSpec, args: readonly string[]): ShardPart[] {
    const positions = args === this.lastArgs ? this.lastPositions : keyPositions(spec, args);
    this.lastArgs = null;
    const perKey = Math.max(1, spec.step);
    const parts = new Map<number, ShardPart>();
    for (let k = 0; k < positions.length; k++) {
      const pos = positions[k];
      const shard = this.shardOf(args[pos]);
      let part = parts.get(shard);
      if (part === undefined) parts.set(shard, (part = { shard, args: [args[0]], order: [] }));
      for (let j = 0; j < perKey; j++) part.args.push(args[pos + j]);
      part.order.push(k);
    }
    return [...parts.values()];
  }
}
