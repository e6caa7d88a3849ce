/**
 * The global shard lock: how a multi-step command that spans shards (a
 * cross-shard RENAME, the scratch executor, an EXEC that needs several shards
 * in turn) takes effect as one step.
 *
 * Every request reaches the shards through the main thread, and each shard
 * runs its requests in the order the main thread sent them. A command that
 * sends all of its parts in one synchronous step (MSET or MGET split over
 * shards) is therefore already ordered the same way on every shard relative to
 * every other such command: no one sees half of it. Only commands that need
 * several round trips (read here, then write there) can be seen half done.
 * Such a command takes this lock; while it is held, the dispatcher queues every
 * other request (and every retry of a blocked command) instead of sending it,
 * in arrival order, and the holder talks to the shards directly.
 *
 * There is one lock and a holder never waits for anything but shard replies,
 * which always come, so there is no deadlock; waiters are served strictly
 * first come, first served, so nothing starves. A holder whose connection dies
 * finishes its steps anyway (they are bounded) and releases the lock in a
 * `finally`; queued requests of a dead connection are skipped.
 */

type Waiter = { kind: 'run'; fn: () => void } | { kind: 'lock'; grant: (release: () => void) => void };

export class ShardLock {
  private holder = false;
  private readonly queue: Waiter[] = [];
  /** Times the lock was taken, and requests that had to wait (INFO). */
  acquisitions = 0;
  deferred = 0;

  get held(): boolean {
    return this.holder;
  }

  get waiting(): number {
    return this.queue.length;
  }

  /** Runs `fn` now if the lock is free, else once every earlier waiter has had its turn. */
  whenFree(fn: () => void): void {
    if (!this.holder) {
      fn();
      return;
    }
    this.deferred++;
    this.queue.push({ kind: 'run', fn });
  }

  /** Takes the lock; resolves with the function that releases it (call it exactly once). */
  acquire(): Promise<() => void> {
    if (!this.holder) {
      this.holder = true;
      this.acquisitions++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((grant) => this.queue.push({ kind: 'lock', grant }));
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holder = false;
      this.drain();
    };
  }

  /** Serves waiters in order until one of them takes the lock. */
  private drain(): void {
    while (!this.holder && this.queue.length > 0) {
      const w = this.queue.shift() as Waiter;
      if (w.kind === 'run') {
        // A deferred request may itself take the lock (synchronously, in
        // acquire), which stops the loop: later waiters keep their places.
        w.fn();
      } else {
        this.holder = true;
        this.acquisitions++;
        w.grant(this.releaser());
      }
    }
  }
}
