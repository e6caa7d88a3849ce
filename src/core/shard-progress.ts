/**
 * How far each worker shard has got through what the main thread sent it,
 * in shared memory, so a script's call to another shard can wait for it.
 *
 * A script under the shard lock reaches keys of other shards on the peer
 * channels (workers/scripting/peers.ts), not on the main thread's ports. A
 * worker's event loop gives no order between messages of different ports,
 * and in one flush the main thread may post the script's batch to its shard
 * before it posts the batch with an earlier command (or a snapshot's start)
 * to the shard the script then calls. Without a wait that shard could run
 * the script's call first: a SET dispatched before the script would win over
 * the script's write, and a replica's snapshot could hold a script's effect
 * that the stream after it also carries.
 *
 * Two Int32 counters per shard: messages the main thread has committed to
 * it (a batch counts when it is opened, since it is posted later in the
 * flush; a control message when posted) and messages the shard has handled.
 * A caller waits until handled has reached sent as it reads it: that covers
 * everything sent before the script, and at most a little more.
 */
export class ShardProgress {
  private readonly counts: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer) {
    this.counts = new Int32Array(buffer);
  }

  static create(shards: number): ShardProgress {
    return new ShardProgress(new SharedArrayBuffer(8 * shards));
  }

  /** Main thread: one more message will reach shard `i` (posted now, or at the end of this turn's flush). */
  sent(i: number): void {
    Atomics.add(this.counts, 2 * i, 1);
  }

  /** Shard `i`: it handled one message from the main thread. */
  handled(i: number): void {
    Atomics.add(this.counts, 2 * i + 1, 1);
    Atomics.notify(this.counts, 2 * i + 1);
  }

  /** Main thread: shard `i` starts afresh (a thread restarted after a crash). */
  reset(i: number): void {
    Atomics.store(this.counts, 2 * i, 0);
    Atomics.store(this.counts, 2 * i + 1, 0);
  }

  /**
   * Another shard's thread: blocks until shard `i` has handled every message
   * the main thread had sent it when this was called. False if `deadline`
   * (ms since the epoch) passes first.
   */
  waitCaughtUp(i: number, deadline: number): boolean {
    const sent = Atomics.load(this.counts, 2 * i);
    for (;;) {
      const handled = Atomics.load(this.counts, 2 * i + 1);
      // Compared as a difference: the counters may wrap.
      if (((handled - sent) | 0) >= 0) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      Atomics.wait(this.counts, 2 * i + 1, handled, Math.min(left, 1000));
    }
  }
}
