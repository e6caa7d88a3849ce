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
import { globMatch } from '../../workers/glob';

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

export class PubSubHub {
  private readonly channels = new Map<string, Set<Connection>>();
  private readonly patterns = new Map<string, Set<Connection>>();
  /** Shard channels (SSUBSCRIBE / SPUBLISH): a namespace of their own, never matched by patterns. */
  private readonly shardChannels = new Map<string, Set<Connection>>();
  /** The abort listener of each subscribed connection. */
  private readonly disposers = new Map<Connection, Disposer>();

  constructor(private readonly tasks: TaskCounts) {}

  get channelCount(): number {
    return this.channels.size;
  }

  get patternCount(): number {
    return this.patterns.size;
  }

  /** Subscriptions (channels + patterns) of a connection: the count in confirmations. */
  static count(conn: Connection): number {
    return (conn.channels?.size ?? 0) + (conn.patterns?.size ?? 0);
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

  subscribe(conn: Connection, channel: string): Buffer {
    const own = (conn.channels ??= new Set());
    if (!own.has(channel)) {
      own.add(channel);
      let set = this.channels.get(channel);
      if (set === undefined) this.channels.set(channel, (set = new Set()));
      set.add(conn);
      this.watch(conn);
    }
    return confirmation(conn.proto, 'subscribe', channel, PubSubHub.count(conn));
  }

  psubscribe(conn: Connection, pattern: string): Buffer {
    const own = (conn.patterns ??= new Set());
    if (!own.has(pattern)) {
      own.add(pattern);
      let set = this.patterns.get(pattern);
      if (set === undefined) this.patterns.set(pattern, (set = new Set()));
      set.add(conn);
      this.watch(conn);
    }
    return confirmation(conn.proto, 'psubscribe', pattern, PubSubHub.count(conn));
  }

  private removeChannel(conn: Connection, channel: string): boolean {
    if (conn.channels === null || !conn.channels.delete(channel)) return false;
    const set = this.channels.get(channel);
    if (set !== undefined) {
      set.delete(conn);
      if (set.size === 0) this.channels.delete(channel);
    }
    return true;
  }

  private removePattern(conn: Connection, pattern: string): boolean {
    if (conn.patterns === null || !conn.patterns.delete(pattern)) return false;
    const set = this.patterns.get(pattern);
    if (set !== undefined) {
      set.delete(conn);
      if (set.size === 0) this.patterns.delete(pattern);
    }
    return true;
  }

  /** UNSUBSCRIBE [channel ...]: none named = all; a confirmation per channel (even unknown ones). */
  unsubscribe(conn: Connection, channels: string[] | null): Buffer[] {
    const names = channels ?? [...(conn.channels ?? [])];
    if (names.length === 0) {
      // Nothing to unsubscribe from: Redis still confirms, with a null channel.
      return [confirmation(conn.proto, 'unsubscribe', null, PubSubHub.count(conn))];
    }
    const out: Buffer[] = [];
    for (const ch of names) {
      this.removeChannel(conn, ch);
      out.push(confirmation(conn.proto, 'unsubscribe', ch, PubSubHub.count(conn)));
    }
    this.unwatchIfIdle(conn);
    return out;
  }

  punsubscribe(conn: Connection, patterns: string[] | null): Buffer[] {
    const names = patterns ?? [...(conn.patterns ?? [])];
    if (names.length === 0) {
      return [confirmation(conn.proto, 'punsubscribe', null, PubSubHub.count(conn))];
    }
    const out: Buffer[] = [];
    for (const p of names) {
      this.removePattern(conn, p);
      out.push(confirmation(conn.proto, 'punsubscribe', p, PubSubHub.count(conn)));
    }
    this.unwatchIfIdle(conn);
    return out;
  }

  get shardChannelCount(): number {
    return this.shardChannels.size;
  }

  /** SSUBSCRIBE: the confirmation counts shard channels only, as in Redis. */
  ssubscribe(conn: Connection, channel: string): Buffer {
    const own = (conn.shardChannels ??= new Set());
    if (!own.has(channel)) {
      own.add(channel);
      let set = this.shardChannels.get(channel);
      if (set === undefined) this.shardChannels.set(channel, (set = new Set()));
      set.add(conn);
      this.watch(conn);
    }
    return confirmation(conn.proto, 'ssubscribe', channel, own.size);
  }

  private removeShardChannel(conn: Connection, channel: string): boolean {
    if (conn.shardChannels === null || !conn.shardChannels.delete(channel)) return false;
    const set = this.shardChannels.get(channel);
    if (set !== undefined) {
      set.delete(conn);
      if (set.size === 0) this.shardChannels.delete(channel);
    }
    return true;
  }

  sunsubscribe(conn: Connection, channels: string[] | null): Buffer[] {
    const names = channels ?? [...(conn.shardChannels ?? [])];
    if (names.length === 0) return [confirmation(conn.proto, 'sunsubscribe', null, conn.shardChannels?.size ?? 0)];
    const out: Buffer[] = [];
    for (const ch of names) {
      this.removeShardChannel(conn, ch);
      out.push(confirmation(conn.proto, 'sunsubscribe', ch, conn.shardChannels?.size ?? 0));
    }
    this.unwatchIfIdle(conn);
    return out;
  }

  /** SPUBLISH: `smessage` to the shard channel's subscribers. */
  spublish(channel: string, message: string): number {
    const subs = this.shardChannels.get(channel);
    if (subs === undefined) return 0;
    const tail = `${bulk('smessage')}${bulk(channel)}${bulk(message)}`;
    let r2: Buffer | null = null;
    let r3: Buffer | null = null;
    let receivers = 0;
    for (const c of subs) {
      if (c.proto === 3) c.push((r3 ??= Buffer.from(header(3, 3) + tail, 'latin1')));
      else c.push((r2 ??= Buffer.from(header(2, 3) + tail, 'latin1')));
      receivers++;
    }
    return receivers;
  }

  activeShardChannels(pattern: string | null): string[] {
    const out: string[] = [];
    for (const ch of this.shardChannels.keys()) if (pattern === null || globMatch(pattern, ch)) out.push(ch);
    return out;
  }

  shardNumsub(channel: string): number {
    return this.shardChannels.get(channel)?.size ?? 0;
  }

  /** RESET or the connection's end: every subscription goes, without confirmations. */
  dropConnection(conn: Connection, dispose = true): void {
    if (conn.channels !== null) for (const ch of [...conn.channels]) this.removeChannel(conn, ch);
    if (conn.patterns !== null) for (const p of [...conn.patterns]) this.removePattern(conn, p);
    if (conn.shardChannels !== null) for (const ch of [...conn.shardChannels]) this.removeShardChannel(conn, ch);
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
   * as in Redis). Returns the number of deliveries. A message frame is
   * encoded once per protocol and shared by every receiver.
   */
  publish(channel: string, message: string): number {
    let receivers = 0;
    const subs = this.channels.get(channel);
    if (subs !== undefined) {
      const tail = `${bulk('message')}${bulk(channel)}${bulk(message)}`;
      let r2: Buffer | null = null;
      let r3: Buffer | null = null;
      // A receiver closed for its output limit leaves the set while we walk it: Set iteration allows that.
      for (const c of subs) {
        if (c.proto === 3) c.push((r3 ??= Buffer.from(header(3, 3) + tail, 'latin1')));
        else c.push((r2 ??= Buffer.from(header(2, 3) + tail, 'latin1')));
        receivers++;
      }
    }
    if (this.patterns.size > 0) {
      for (const [pattern, conns] of this.patterns) {
        if (!globMatch(pattern, channel)) continue;
        const tail = `${bulk('pmessage')}${bulk(pattern)}${bulk(channel)}${bulk(message)}`;
        let r2: Buffer | null = null;
        let r3: Buffer | null = null;
        for (const c of conns) {
          if (c.proto === 3) c.push((r3 ??= Buffer.from(header(3, 4) + tail, 'latin1')));
          else c.push((r2 ??= Buffer.from(header(2, 4) + tail, 'latin1')));
          receivers++;
        }
      }
    }
    return receivers;
  }

  /** True when anything could receive a message on this channel (cheap pre-check for keyspace events). */
  hasListeners(): boolean {
    return this.channels.size > 0 || this.patterns.size > 0;
  }

  /** Active channels (with at least one subscriber), optionally matching a glob pattern. */
  activeChannels(pattern: string | null): string[] {
    const out: string[] = [];
    for (const ch of this.channels.keys()) if (pattern === null || globMatch(pattern, ch)) out.push(ch);
    return out;
  }

  numsub(channel: string): number {
    return this.channels.get(channel)?.size ?? 0;
  }
}
