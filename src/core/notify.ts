/**
 * Keyspace notification classes (notify-keyspace-events), as bits. The shard
 * gets the parsed flags as a setting and an op calls `ctx.notify(class,
 * event, key)` where Redis calls notifyKeyspaceEvent; the call costs one AND
 * when notifications are off.
 */
export const NOTIFY = {
  /** K: publish to __keyspace@<db>__:<key>. */
  keyspace: 1 << 0,
  /** E: publish to __keyevent@<db>__:<event>. */
  keyevent: 1 << 1,
  generic: 1 << 2, // g
  string: 1 << 3, // $
  list: 1 << 4, // l
  set: 1 << 5, // s
  hash: 1 << 6, // h
  zset: 1 << 7, // z
  expired: 1 << 8, // x
  evicted: 1 << 9, // e
  stream: 1 << 10, // t
  keymiss: 1 << 11, // m
  module: 1 << 12, // d
  new: 1 << 13, // n
} as const;

const BY_CHAR: Record<string, number> = {
  K: NOTIFY.keyspace, E: NOTIFY.keyevent, g: NOTIFY.generic, $: NOTIFY.string, l: NOTIFY.list, s: NOTIFY.set,
  h: NOTIFY.hash, z: NOTIFY.zset, x: NOTIFY.expired, e: NOTIFY.evicted, t: NOTIFY.stream, m: NOTIFY.keymiss,
  d: NOTIFY.module, n: NOTIFY.new,
};

/** 'A': every class except keymiss and new, as in Redis. */
const ALL = NOTIFY.generic | NOTIFY.string | NOTIFY.list | NOTIFY.set | NOTIFY.hash | NOTIFY.zset |
  NOTIFY.expired | NOTIFY.evicted | NOTIFY.stream | NOTIFY.module;

/**
 * The flags of a (validated) notify-keyspace-events value. Without K or E
 * nothing is ever published, so the result is 0 and ops skip all work.
 */
export function parseNotifyFlags(value: string): number {
  let flags = 0;
  for (const ch of value) flags |= ch === 'A' ? ALL : (BY_CHAR[ch] ?? 0);
  if ((flags & (NOTIFY.keyspace | NOTIFY.keyevent)) === 0) return 0;
  return flags;
}
