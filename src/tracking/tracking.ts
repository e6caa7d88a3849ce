/**
 * CLIENT TRACKING, the server side of client-side caching (Redis's
 * tracking.c). Shards keep the table of which connection read which key
 * (workers/key-signals.ts) and report every write to a tracked key, or to
 * any key while a BCAST client exists, as an `invalidate` event; here the
 * events become invalidation messages:
 * - RESP3 clients get `>2 invalidate [keys]` pushes on their own connection;
 * - with REDIRECT the messages go to the other connection: a RESP3 one gets
 *   the push, a RESP2 one subscribed to anything gets a `__redis__:invalidate`
 *   pub/sub message; a redirect to a closed connection is reported to the
 *   tracking client (`tracking-redir-broken`);
 * - BCAST clients hear of every key under their prefixes, one message per
 *   prefix per event-loop turn (Redis sends them before sleeping);
 * - NOLOOP spares a client its own writes; FLUSHDB/FLUSHALL send a null.
 * A tracking connection's state goes with it (one counted abort listener).
 */
import type { ClientTracking, Connection } from '../connection';
import { onAbort, type Disposer } from '../abort-listener';
import type { TaskCounts } from '../stats';
import { ReplyWriter } from '../core/wire/reply-writer';

export const TRACKING_CHANNEL = '__redis__:invalidate';

interface PrefixState {
  clients: Set<Connection>;
  /** Keys written under this prefix since the last flush, with their writers (for NOLOOP). */
  keys: Map<string, Set<number>>;
}

/** Whether the keys `conn` reads now are tracked: default mode, OPTIN after CACHING YES, OPTOUT unless CACHING NO. */
export function tracksReads(conn: Connection): boolean {
  const t = conn.tracking;
  if (t === null || t.bcast) return false;
  return !((t.optin && !t.caching) || (t.optout && t.caching));
}

export class Tracking {
  private readonly clients = new Map<Connection, Disposer>();
  private readonly prefixes = new Map<string, PrefixState>();
  private flushScheduled = false;
  /** Tells the shards whether every write must be reported (some client is in BCAST mode). */
  onBcastChange: ((on: boolean) => void) | null = null;

  constructor(
    private readonly tasks: TaskCounts,
    private readonly lookup: (id: number) => Connection | undefined,
  ) {}

  get clientCount(): number {
    return this.clients.size;
  }

  get prefixCount(): number {
    return this.prefixes.size;
  }

  /** CLIENT TRACKING ON with checked options (Redis's enableTracking). */
  enable(conn: Connection, redirect: number, opts: { bcast: boolean; optin: boolean; optout: boolean; noloop: boolean }, prefixes: string[]): void {
    const prev = conn.tracking;
    const t: ClientTracking = {
      redirect,
      bcast: opts.bcast,
      optin: opts.optin,
      optout: opts.optout,
      noloop: opts.noloop,
      caching: prev?.caching ?? false,
      brokenRedirect: false,
      prefixes: prev?.prefixes ?? [],
    };
    conn.tracking = t;
    if (!this.clients.has(conn)) this.clients.set(conn, onAbort(conn.signal, this.tasks, () => this.forget(conn)));
    if (opts.bcast) {
      const add = prefixes.length === 0 ? [''] : prefixes;
      const hadBcast = this.prefixes.size > 0;
      for (const p of add) {
        let st = this.prefixes.get(p);
        if (st === undefined) this.prefixes.set(p, (st = { clients: new Set(), keys: new Map() }));
        st.clients.add(conn);
        if (!t.prefixes.includes(p)) t.prefixes.push(p);
      }
      t.prefixes.sort();
      if (!hadBcast) this.onBcastChange?.(true);
    }
  }

  /** CLIENT TRACKING OFF (Redis's disableTracking). */
  disable(conn: Connection): void {
    const dispose = this.clients.get(conn);
    if (dispose !== undefined) dispose();
    this.forget(conn);
  }

  private forget(conn: Connection): void {
    this.clients.delete(conn);
    const t = conn.tracking;
    conn.tracking = null;
    if (t === null || !t.bcast) return;
    for (const p of t.prefixes) {
      const st = this.prefixes.get(p);
      if (st === undefined) continue;
      st.clients.delete(conn);
      if (st.clients.size === 0) this.prefixes.delete(p);
    }
    if (this.prefixes.size === 0) this.onBcastChange?.(false);
  }

  /** The prefixes of `prefixes` that overlap the client's or each other (Redis's checkPrefixCollisionsOrReply). */
  collision(conn: Connection, prefixes: readonly string[]): string | null {
    const overlaps = (a: string, b: string): boolean => a.startsWith(b) || b.startsWith(a);
    for (let i = 0; i < prefixes.length; i++) {
      for (const existing of conn.tracking?.prefixes ?? []) {
        if (overlaps(existing, prefixes[i])) {
          return `ERR Prefix '${prefixes[i]}' overlaps with an existing prefix '${existing}'. Prefixes for a single client must not overlap.`;
        }
      }
      for (let j = i + 1; j < prefixes.length; j++) {
        if (overlaps(prefixes[i], prefixes[j])) {
          return `ERR Prefix '${prefixes[i]}' overlaps with another provided prefix '${prefixes[j]}'. Prefixes for a single client must not overlap.`;
        }
      }
    }
    return null;
  }

  /** A shard reports a written key: its readers hear of it, BCAST prefixes collect it. */
  invalidated(key: string, by: number, conns: readonly number[]): void {
    for (const id of conns) {
      const c = this.lookup(id);
      const t = c?.tracking;
      if (c === undefined || t === null || t === undefined || t.bcast) continue;
      if (t.noloop && by === id) continue;
      this.send(c, [key]);
    }
    // by -1: a key left a full tracking table (tracking-table-max-keys), not a write: BCAST clients do not hear of it.
    if (this.prefixes.size === 0 || by < 0) return;
    for (const [p, st] of this.prefixes) {
      if (!key.startsWith(p)) continue;
      let writers = st.keys.get(key);
      if (writers === undefined) st.keys.set(key, (writers = new Set()));
      writers.add(by);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flushBcast);
      }
    }
  }

  /** One message per prefix per BCAST client with the keys written under it (NOLOOP: not the client's own). */
  private readonly flushBcast = (): void => {
    this.flushScheduled = false;
    for (const st of this.prefixes.values()) {
      if (st.keys.size === 0) continue;
      const written = st.keys;
      st.keys = new Map();
      for (const c of st.clients) {
        const t = c.tracking;
        if (t === null) continue;
        const keys: string[] = [];
        for (const [k, writers] of written) if (!(t.noloop && writers.size === 1 && writers.has(c.id))) keys.push(k);
        // Redis keeps them in a radix tree: sent in byte order.
        keys.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
        if (keys.length > 0) this.send(c, keys);
      }
    }
  };

  /** FLUSHDB / FLUSHALL: every tracking client is told to drop everything (a null invalidation). */
  flushed(): void {
    for (const c of this.clients.keys()) this.send(c, null);
  }

  /** Sends an invalidation (keys, or null for "everything") as Redis's sendTrackingMessage does. */
  private send(conn: Connection, keys: readonly string[] | null): void {
    const t = conn.tracking as ClientTracking;
    let target = conn;
    let redirected = false;
    if (t.redirect !== 0) {
      const r = this.lookup(t.redirect);
      if (r === undefined) {
        t.brokenRedirect = true;
        if (conn.proto === 3) {
          const w = new ReplyWriter(64);
          w.proto = 3;
          w.push(2);
          w.bulk('tracking-redir-broken');
          w.integer(t.redirect);
          conn.push(w.take());
        }
        return;
      }
      target = r;
      redirected = true;
    }
    const w = new ReplyWriter(64);
    w.proto = target.proto;
    if (target.proto === 3) {
      w.push(2);
      w.bulk('invalidate');
    } else if (redirected && target.subscribed) {
      w.push(3);
      w.bulk('message');
      w.bulk(TRACKING_CHANNEL);
    } else {
      // RESP2 without a subscribed redirect target: there is no way to tell it.
      return;
    }
    if (keys === null) w.nullBulk();
    else {
      w.array(keys.length);
      for (const k of keys) w.bulk(k);
    }
    target.push(w.take());
  }
}
