/**
 * Access to keys holding a data type other than string, with Redis's WRONGTYPE
 * rule, for the family modules.
 */
import type { ShardOpContext } from '../op-context';
import { ReplyError, WRONGTYPE } from '../../src/core/errors';
import type { TypedValue } from '../value';
import { NOTIFY } from '../../src/core/notify';

/** The value at `key` if it is of `type`, undefined if absent; WRONGTYPE otherwise. Marks it accessed. */
export function getTyped<T extends TypedValue>(ctx: ShardOpContext, key: string, type: TypedValue['type']): T | undefined {
  const v = ctx.db.get(key, ctx.now);
  if (v === undefined) return undefined;
  if (typeof v === 'string' || v.type !== type) throw new ReplyError(WRONGTYPE);
  return v as T;
}

/** Like getTyped, creating (and storing) an empty value with `make` when the key is absent. */
export function getOrCreate<T extends TypedValue>(ctx: ShardOpContext, key: string, type: TypedValue['type'], make: () => T): T {
  const found = getTyped<T>(ctx, key, type);
  if (found !== undefined) return found;
  const created = make();
  ctx.db.set(key, created);
  return created;
}

/**
 * Redis never keeps an empty aggregate: removes the key once its value has no
 * elements, with the `del` notification (callers notify their own event first).
 */
export function deleteIfEmpty(ctx: ShardOpContext, key: string, v: TypedValue): void {
  // Counted by the removals that emptied it, not again (Redis's dirty counter).
  if (v.size() === 0 && ctx.db.delete(key)) ctx.notify(NOTIFY.generic, 'del', key, 0);
}
