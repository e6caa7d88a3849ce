/**
 * CLIENT PAUSE (Redis's pauseClients / blockPostponeClient): until the
 * deadline or CLIENT UNPAUSE, commands are held back before they run: every
 * command in ALL mode, in WRITE mode those flagged write or may_replicate
 * (and an EXEC whose queue has one). A held command is re-dispatched when the
 * pause ends, in arrival order; its connection reads nothing more meanwhile,
 * so its later commands keep their order. A connection that closes while
 * held is skipped. Monitors are exempt, as Redis exempts replicas.
 *
 * As in Redis 7.0, pauses have a purpose (pause_purpose): CLIENT PAUSE, and
 * a coordinated FAILOVER (src/replication/failover.ts), which pauses writes
 * until it ends. Each purpose is ended only by its own side (CLIENT UNPAUSE
 * does not end a failover's pause), and what is held is the most
 * restrictive of them. Whenever one ends, the held commands are dispatched
 * again and are held anew if another pause still applies to them.
 */
import type { Connection } from '../connection';

export type PauseType = 'write' | 'all';

/** Who paused: CLIENT PAUSE, or a coordinated failover (no deadline; it unpauses when it ends). */
export type PausePurpose = 'client' | 'failover';

interface Held {
  conn: Connection;
  run: () => void;
}

export class ClientPause {
  /** The pause of each purpose: its type and deadline (ms since the epoch; Infinity: until unpaused). */
  private readonly pauses = new Map<PausePurpose, { type: PauseType; end: number }>();
  /** The most restrictive type of all pauses, null when none. */
  private type: PauseType | null = null;
  private timer: NodeJS.Timeout | null = null;
  private held: Held[] = [];

  get active(): PauseType | null {
    return this.type;
  }

  get heldCount(): number {
    return this.held.length;
  }

  /**
   * Pauses until `end` (ms since the epoch, Infinity for no deadline). For a
   * purpose already paused the type is replaced and the deadline only ever
   * extended (CLIENT PAUSE again, as Redis 7.0.15).
   */
  pause(end: number, type: PauseType, purpose: PausePurpose = 'client'): void {
    const p = this.pauses.get(purpose);
    if (p === undefined) this.pauses.set(purpose, { type, end });
    else {
      p.type = type;
      if (end > p.end) p.end = end;
    }
    this.update();
  }

  /** Ends the pause of `purpose` now; held commands are dispatched again, oldest first (re-held if another pause applies). */
  unpause(purpose: PausePurpose = 'client'): void {
    if (!this.pauses.delete(purpose)) return;
    this.update();
    this.release();
  }

  /** Holds a command until the pause ends; `run` re-dispatches it. */
  hold(conn: Connection, run: () => void): void {
    this.held.push({ conn, run });
  }

  /** The effective type and the timer of the earliest deadline. */
  private update(): void {
    let type: PauseType | null = null;
    let end = Infinity;
    for (const p of this.pauses.values()) {
      if (type !== 'all') type = p.type;
      if (p.end < end) end = p.end;
    }
    this.type = type;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (end === Infinity) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.expire();
    }, Math.max(0, end - Date.now()));
    // A pause alone must not keep the process alive (SHUTDOWN, tests).
    this.timer.unref();
  }

  /** The deadline passed: the pauses whose time is up end. */
  private expire(): void {
    const now = Date.now();
    let ended = false;
    for (const [purpose, p] of this.pauses) {
      if (p.end <= now) {
        this.pauses.delete(purpose);
        ended = true;
      }
    }
    this.update();
    if (ended) this.release();
  }

  private release(): void {
    const held = this.held;
    this.held = [];
    for (const h of held) if (!h.conn.closed) h.run();
  }

  /** Stops the timer (server shutdown) and releases what is held. */
  close(): void {
    this.pauses.clear();
    this.update();
    this.release();
  }
}
