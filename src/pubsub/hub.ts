/**
 * The pub/sub hub (main thread): which connections listen to which channels
 * and patterns, and delivery of published messages.
 *
 * Subscriptions are connection-owned state: the first subscription of a
 * connection registers ONE counted abort listener (src/abort-listener.ts)
 * that removes it from every channel and pattern when the connection ends,
 * whichever way; the listener is disposed as soon as the connection has no
 * subscriptions left, so INFO `signal_listeners` tracks live subscribers.
 *
 * Channels, patterns and messages are latin1 JS strings (one char = one byte).
 */
import type { Connection } from '../connection';
import type { TaskCounts } from '../stats';
import { onAbort, type Disposer } from '../abort-listener';
import { globMatch } from '../core/glob';

type Kind = 'subscribe' | 'unsubscribe' | 'psubscribe' | 'punsubscribe' | 'ssubscribe' | 'sunsubscribe';

/** One RESP frame header (`*` in RESP2, `>` push in RESP3). */
function header(proto: 2 | 3, n: number): string {
  return `${proto === 3 ? '>' : '*'}${n}\r\n`;
}

function bulk(s: string): string {
  return `$${s.length}\r\n${s}\r\n`;
}

/** A (p)(un)subscribe confirmation: kind, channel (null for "nothing to unsubscribe"), remaining count. */
export function confirmation(proto: 2 | 3, kind: Kind, name: string | null, count: number): Buffer {
  const nameFrame = name === null ? (proto === 3 ? '_\r\n' : '$-1\r\n') : bulk(name);
  return Buffer.from(`${header(proto, 3)}${bulk(kind)}${nameFrame}:${count}\r\n`, 'latin1');
}

/**
 * One namespace of subscriptions (channels, patterns or shard channels): who
 * listens to each name, and each connection's own set of names (a field on
 * Connection, so CLIENT LIST and the RESP2 subscribed mode can read it).
 */
class Namespace {
  readonly subscribers = new Map<string, Set<Connection>>();

  constructor(
    private readonly own: (c: Connection) => Set<string> | null,
    private readonly setOwn: (c: Connection, names: Set<string>) => void,
  ) {}

  names(conn: Connection): string[] {
    return [...(this.own(conn) ?? [])];
  }

  /** Adds a subscription; false if the connection already had it. */
  add(conn: Connection, name: string): boolean {
    let own = this.own(conn);
    if (own === null) this.setOwn(conn, (own = new Set()));
    if (own.has(name)) return false;
    own.add(name);
    let set = this.subscribers.get(name);
    if (set === undefined) this.subscribers.set(name, (set = new Set()));
    set.add(conn);
    return true;
  }

  remove(conn: Connection, name: string): void {
    const own = this.own(conn);
    if (own === null || !own.delete(name)) return;
    const set = this.subscribers.get(name);
    if (set === undefined) return;
    set.delete(conn);
    if (set.size === 0) this.subscribers.delete(name);
  }

  removeAll(conn: Connection): void {
    for (const name of this.names(conn)) this.remove(conn, name);
  }

  /** Names with at least one subscriber, optionally matching a glob pattern. */
  active(pattern: string | null): string[] {
    const out: string[] = [];
    for (const name of this.subscribers.keys()) if (pattern === null || globMatch(pattern, name)) out.push(name);
    return out;
  }

  count(name: string): number {
    return this.subscribers.get(name)?.size ?? 0;
  }
}

/**
 * Pushes one message frame to every connection in `conns`, encoded once per
 * protocol and shared by every receiver. Returns the number of deliveries.
 */
function deliver(conns: Iterable<Connection>, parts: number, tail: string): number {
  let r2: Buffer | null = null;
  let r3: Buffer | null = null;
  let n = 0;
  // A receiver closed for its output limit leaves the set while we walk it: Set iteration allows that.
  for (const c of conns) {
    if (c.proto === 3) c.push((r3 ??= Buffer.from(header(3, parts) + tail, 'latin1')));
    else c.push((r2 ??= Buffer.from(header(2, parts) + tail, 'latin1')));
    n++;
  }
  return n;
}

export class PubSubHub {
  private readonly channels = new Namespace((c) => c.channels, (c, s) => (c.channels = s));
  private readonly patterns = new Namespace((c) => c.patterns, (c, s) => (c.patterns = s));
  /** Shard channels (SSUBSCRIBE / SPUBLISH): a namespace of their own, never matched by patterns. */
  private readonly shardChannels = new Namespace((c) => c.shardChannels, (c, s) => (c.shardChannels = s));
  /** The abort listener of each subscribed connection. */
  private readonly disposers = new Map<Connection, Disposer>();

  constructor(private readonly tasks: TaskCounts) {}

  get channelCount(): number {
    return this.channels.subscribers.size;
  }

  get patternCount(): number {
    return this.patterns.subscribers.size;
  }

  get shardChannelCount(): number {
    return this.shardChannels.subscribers.size;
  }

  /** Subscriptions (channels + patterns) of a connection: the count in confirmations. */
  static count(conn: Connection): number {
    return (conn.channels?.size ?? 0) + (conn.patterns?.size ?? 0);
  }

  /** Shard channel subscriptions: what SSUBSCRIBE/SUNSUBSCRIBE confirmations count, as in Redis. */
  private static shardCount(conn: Connection): number {
    return conn.shardChannels?.size ?? 0;
  }

  private watch(conn: Connection): void {
    if (this.disposers.has(conn)) return;
    this.disposers.set(conn, onAbort(conn.signal, this.tasks, () => this.dropConnection(conn, false)));
  }

  /** Disposes the abort listener once a connection has nothing left. */
  private unwatchIfIdle(conn: Connection): void {
    if (conn.subscribed) return;
    conn.channels = null;
    conn.patterns = null;
    conn.shardChannels = null;
    const d = this.disposers.get(conn);
    if (d === undefined) return;
    this.disposers.delete(conn);
    d();
  }

  private add(ns: Namespace, kind: Kind, conn: Connection, name: string, count: (c: Connection) => number): Buffer {
    if (ns.add(conn, name)) this.watch(conn);
    return confirmation(conn.proto, kind, name, count(conn));
  }

  /** (P|S)UNSUBSCRIBE [name ...]: none named = all; a confirmation per name (even unknown ones). */
  private remove(ns: Namespace, kind: Kind, conn: Connection, names: string[] | null, count: (c: Connection) => number): Buffer[] {
    const list = names ?? ns.names(conn);
    // Nothing to unsubscribe from: Redis still confirms, with a null name.
    if (list.length === 0) return [confirmation(conn.proto, kind, null, count(conn))];
    const out: Buffer[] = [];
    for (const name of list) {
      ns.remove(conn, name);
      out.push(confirmation(conn.proto, kind, name, count(conn)));
    }
    this.unwatchIfIdle(conn);
    return out;
  }

  subscribe(conn: Connection, channel: string): Buffer {
    return this.add(this.channels, 'subscribe', conn, channel, PubSubHub.count);
  }

  psubscribe(conn: Connection, pattern: string): Buffer {
    return this.add(this.patterns, 'psubscribe', conn, pattern, PubSubHub.count);
  }

  ssubscribe(conn: Connection, channel: string): Buffer {
    return this.add(this.shardChannels, 'ssubscribe', conn, channel, PubSubHub.shardCount);
  }

  unsubscribe(conn: Connection, channels: string[] | null): Buffer[] {
    return this.remove(this.channels, 'unsubscribe', conn, channels, PubSubHub.count);
  }

  punsubscribe(conn: Connection, patterns: string[] | null): Buffer[] {
    return this.remove(this.patterns, 'punsubscribe', conn, patterns, PubSubHub.count);
  }

  sunsubscribe(conn: Connection, channels: string[] | null): Buffer[] {
    return this.remove(this.shardChannels, 'sunsubscribe', conn, channels, PubSubHub.shardCount);
  }

  /** RESET or the connection's end: every subscription goes, without confirmations. */
  dropConnection(conn: Connection, dispose = true): void {
    this.channels.removeAll(conn);
    this.patterns.removeAll(conn);
    this.shardChannels.removeAll(conn);
    conn.channels = null;
    conn.patterns = null;
    conn.shardChannels = null;
    const d = this.disposers.get(conn);
    this.disposers.delete(conn);
    if (dispose) d?.();
  }

  /**
   * PUBLISH: channel subscribers first, then pattern subscribers (a connection
   * subscribed both ways, or by several patterns, gets one message per match,
   * as in Redis). Returns the number of deliveries.
   */
  publish(channel: string, message: string): number {
    let receivers = 0;
    const subs = this.channels.subscribers.get(channel);
    if (subs !== undefined) receivers += deliver(subs, 3, `${bulk('message')}${bulk(channel)}${bulk(message)}`);
    for (const [pattern, conns] of this.patterns.subscribers) {
      if (!globMatch(pattern, channel)) continue;
      receivers += deliver(conns, 4, `${bulk('pmessage')}${bulk(pattern)}${bulk(channel)}${bulk(message)}`);
    }
    return receivers;
  }

  /** How many deliveries a PUBLISH (sharded: SPUBLISH) would make now (a script's PUBLISH on an inline shard). */
  receivers(channel: string, sharded: boolean): number {
    if (sharded) return this.shardChannels.subscribers.get(channel)?.size ?? 0;
    let n = this.channels.subscribers.get(channel)?.size ?? 0;
    for (const [pattern, conns] of this.patterns.subscribers) if (globMatch(pattern, channel)) n += conns.size;
    return n;
  }

  /** SPUBLISH: `smessage` to the shard channel's subscribers. */
  spublish(channel: string, message: string): number {
    const subs = this.shardChannels.subscribers.get(channel);
    return subs === undefined ? 0 : deliver(subs, 3, `${bulk('smessage')}${bulk(channel)}${bulk(message)}`);
  }

  /** True when anything could receive a message on this channel (cheap pre-check for keyspace events). */
  hasListeners(): boolean {
    return this.channels.subscribers.size > 0 || this.patterns.subscribers.size > 0;
  }

  /** Active channels (with at least one subscriber), optionally matching a glob pattern. */
  activeChannels(pattern: string | null): string[] {
    return this.channels.active(pattern);
  }

  activeShardChannels(pattern: string | null): string[] {
    return this.shardChannels.active(pattern);
  }

  numsub(channel: string): number {
    return this.channels.count(channel);
  }

  shardNumsub(channel: string): number {
    return this.shardChannels.count(channel);
  }
}
