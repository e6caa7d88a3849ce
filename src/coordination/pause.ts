/**
 * CLIENT PAUSE (Redis's pauseClients / blockPostponeClient): until the
 * deadline or CLIENT UNPAUSE, commands are held back before they run: every
 * command in ALL mode, in WRITE mode those flagged write or may_replicate
 * (and an EXEC whose queue has one). A held command is re-dispatched when the
 * pause ends, in arrival order; its connection reads nothing more meanwhile,
 * so its later commands keep their order. A connection that closes while
 * held is skipped. Monitors are exempt, as Redis exempts replicas.
 */
import type { Connection } from '../connection';

export type PauseType = 'write' | 'all';

interface Held {
  conn: Connection;
  run: () => void;
}

export class ClientPause {
  private type: PauseType | null = null;
  private end = 0;
  private timer: NodeJS.Timeout | null = null;
  private held: Held[] = [];

  get active(): PauseType | null {
    return this.type;
  }

  get heldCount(): number {
    return this.held.length;
  }

  /** Pauses until `end` (ms since the epoch): the type is replaced, the deadline only ever extended. */
  pause(end: number, type: PauseType): void {
    this.type = type;
    if (end > this.end) this.end = end;
    this.arm();
  }

  /** Ends the pause now and lets every held command run, oldest first. */
  unpause(): void {
    this.type = null;
    this.end = 0;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    const held = this.held;
    this.held = [];
    for (const h of held) if (!h.conn.closed) h.run();
  }

  /** Holds a command until the pause ends; `run` re-dispatches it. */
  hold(conn: Connection, run: () => void): void {
    this.held.push({ conn, run });
  }

  private arm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    const wait = Math.max(0, this.end - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.unpause();
    }, wait);
    // A pause alone must not keep the process alive (SHUTDOWN, tests).
    this.timer.unref();
  }

  /** Stops the timer (server shutdown) and releases what is held. */
  close(): void {
    this.unpause();
  }
}
