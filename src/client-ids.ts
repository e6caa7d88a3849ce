/**
 * Client ids (CLIENT ID, CLIENT LIST, CLIENT KILL ID ...). Every request a
 * connection sends a shard carries its id in the bits of CONN_ID_MASK, the
 * rest of that field being flags (src/core/shard-protocol.ts), so an id must
 * fit those bits: after 2^28 - 1 connections the ids start again at 1,
 * skipping the ids of connections still open. Redis's ids never repeat; here
 * an id repeats only after 268 million connections, and never while its
 * first holder is connected. Without the wrap, a server accepting 1,000
 * connections a second would after three days send ids whose high bits read
 * as flags (a plain command as a script's unlocked run, and so on).
 */
import { CONN_ID_MASK } from './core/shard-protocol';

export class ClientIds {
  private next = 1;

  constructor(private readonly inUse: (id: number) => boolean) {}

  take(): number {
    for (;;) {
      const id = this.next;
      this.next = id >= CONN_ID_MASK ? 1 : id + 1;
      if (!this.inUse(id)) return id;
    }
  }

  /** For tests: the id the next take() starts from. */
  startAt(id: number): void {
    this.next = id;
  }
}
