/**
 * How a save to disk (BGSAVE, an AOF rewrite, a disk-based full sync) shares
 * the thread that writes its slices with the server's clients: it works in
 * bursts of slices and rests between them, so that thread is idle much of
 * the time.
 *
 * An inline shard's slices run on the serving thread, and there a burst also
 * ends at the first slice boundary after the thread has dispatched client
 * commands. Traced GET by GET during a 1M-key BGSAVE (one client, requests
 * one at a time; docs/performance.md section 8, "Eighth look"): most of the
 * slow GETs were slow after the server had written the reply, when the
 * thread went on with slices right after writing it (57% of the slow ones
 * against 23% of the others), whichever cores the client and the thread were
 * pinned to. Ending the burst there took the GET p99 during a BGSAVE of 1M
 * keys (benchmarks/persistence.ts) from 1.44-2.29x of the idle one (five
 * runs, median 2.14x) to about 1-1.3x on the same machine, at the cost of a
 * longer save while clients are busy: ~6 s under that one client instead of
 * ~1-1.2 s (the serving thread gives the save a slice or two per rest), and
 * ~1.5x as long under 50 clients at full speed; MIN_SHARE bounds that.
 * Without clients a save runs in bursts of BURST_MS, as before.
 *
 * A worker shard's slices run on its own thread (the serving thread only
 * writes the file): its bursts are timed only.
 */

/** A burst of slices lasts at most this long. */
const BURST_MS = 1;
/**
 * Rest after a burst. Resting 2 ms in 3 gave the lowest GET p99 for a BGSAVE
 * that takes about as long as redis-server's forked one (docs/performance.md
 * section 8: 1 in 2 and 2 in 8 were no better, 1 in 5 took 1.7x as long for
 * no gain). After a burst ended by client commands, 1 ms instead of 2 halved
 * the save's length under one client but gave back most of the p99 gain
 * (2.06x and 2.22x of idle against 0.97x and 1.31x).
 */
const REST_MS = 2;
/**
 * The share of the serving thread a save gets however busy clients keep it:
 * while its bursts have had less than this of the time since it started,
 * a burst does not end at client commands. Without it, a client sending
 * requests back to back left a save ~5% of the thread (1M keys of 100-byte
 * values took 57 s to BGSAVE, redis-server's forked child 2.2 s). 10% is a
 * compromise: the old pacing's 33% (slices after replies included) gave the
 * ~2x p99, slices timed to 11% of the thread gave 1.27x and 1.66x, and the
 * host was too noisy when this was added to tell 10% from none (1.11x and
 * 0.69x against 1.11x and 0.99x; 16-byte values: 4.1-7.6 s against 6.1-7.3 s).
 */
const MIN_SHARE = 0.1;

export class SavePacer {
  private readonly startedAt = performance.now();
  private busyMs = 0;
  private burstStart = performance.now();
  private commandsAtStart: number;

  /**
   * `commands`: a count that grows with every client command the server
   * dispatches (INFO's total_commands_processed); `inline`: the slices run
   * on the serving thread.
   */
  constructor(
    private readonly commands: () => number,
    private readonly inline: boolean,
  ) {
    this.commandsAtStart = commands();
  }

  /** Called between slices: rests when the burst is over. */
  async between(): Promise<void> {
    const now = performance.now();
    const burst = now - this.burstStart;
    // Compared for inequality: CONFIG RESETSTAT may set the count back to 0.
    const clientsServed = this.inline && this.commands() !== this.commandsAtStart;
    const behind = this.busyMs + burst < MIN_SHARE * (now - this.startedAt);
    if (burst < BURST_MS && !(clientsServed && !behind)) return;
    // A burst's wall time, client work between its slices included: the share is of the thread's time.
    this.busyMs += burst;
    await new Promise((res) => setTimeout(res, REST_MS));
    this.burstStart = performance.now();
    this.commandsAtStart = this.commands();
  }
}
