/**
 * The inline shard's reply arena (`--workers 0`, inline-host.ts), with its
 * buffers recycled.
 *
 * The engine writes each turn's replies one after another into the arena and
 * hands them out as views (PendingReply data/start/end), so when the arena
 * fills it moves on to a fresh buffer and leaves the old one to the views.
 * Allocating those buffers cost more than the replies once they were big:
 * LRANGE_600 of 1 KB elements allocates about 620 KB per call, and V8 answers
 * that much external memory with a mark-compact every ~64 MB (every ~100
 * calls), which with a million keys in the heap made each call over ten
 * times slower than redis-server's (docs/performance.md).
 *
 * So each arena buffer has a lease counting the views handed out of it. The
 * connection that writes a view out releases it once the socket is done with
 * it (src/connection.ts); a buffer left behind whose views are all released
 * goes into a pool that later growth takes from. Anyone else who receives a
 * view (a split command's gather, a transaction's reply) never releases it,
 * so that buffer is never reused and the garbage collector frees it as before:
 * a missed release costs only the recycling, never a reply's bytes.
 */
import { ReplyWriter } from '../core/wire/reply-writer';

/** Counts the views of one arena buffer still in use. */
export class ArenaLease {
  views = 0;
  /** The arena has moved past this buffer: it is recycled when its last view is released. */
  retired = false;

  constructor(
    readonly buf: Buffer,
    private readonly arena: ReplyArena,
  ) {}

  /** `n` views of this buffer are no longer read. */
  release(n: number): void {
    this.views -= n;
    if (this.views === 0 && this.retired) this.arena.recycle(this.buf);
  }
}

/** The views a turn handed out: what lease() is given. */
export interface ArenaView {
  data: Buffer | null;
  lease: ArenaLease | null;
}

/** What INFO reports of the arena (tasks section). */
export interface ReplyArenaStats {
  pooledBytes: number;
  reused: number;
  allocated: number;
}

/**
 * The pool may keep as many bytes as the hungriest turn of the last second
 * or two allocated, but never less than POOL_MIN nor more than POOL_MAX.
 */
const POOL_MIN = 4 * 1024 * 1024;
const POOL_MAX = 64 * 1024 * 1024;
/**
 * A pool above POOL_MIN is trimmed by the turns' falling demand; a server
 * with no turns at all (idle right after a burst) trims it after this long.
 */
const IDLE_TRIM_MS = 2000;

export class ReplyArena extends ReplyWriter {
  private current: ArenaLease;
  /** Buffers left behind during the turn, before their views were counted. */
  private retiredThisTurn: ArenaLease[] = [];
  private readonly pool: Buffer[] = [];
  private poolBytes = 0;
  /**
   * Bytes of fresh buffers the turns needed, the most of one turn in this
   * second and in the one before: how much the pool may keep.
   */
  private demandThisTurn = 0;
  private demandThisSecond = 0;
  private demandLastSecond = 0;
  private secondStarted = 0;
  /** Fresh buffers taken from the pool, and allocated: INFO's reply_arena_reused / _allocated. */
  reused = 0;
  allocated = 0;
  /** Armed while the pool holds more than POOL_MIN; `turnsSinceArmed` says whether anything ran meanwhile. */
  private idleTimer: NodeJS.Timeout | null = null;
  private turnsSinceArmed = 0;

  constructor(initialSize: number) {
    super(initialSize);
    this.current = new ArenaLease(this.buf, this);
  }

  protected override allocate(size: number): Buffer {
    this.demandThisTurn += size;
    const pool = this.pool;
    for (let i = pool.length - 1; i >= 0; i--) {
      const b = pool[i];
      // A pooled buffer of up to four times the size fits; a much bigger one is kept for a big reply.
      if (b.length >= size && b.length <= size * 4) {
        pool[i] = pool[pool.length - 1];
        pool.pop();
        this.poolBytes -= b.length;
        this.reused++;
        return b;
      }
    }
    this.allocated++;
    return Buffer.allocUnsafeSlow(size);
  }

  protected override replaced(old: Buffer, handedOut: boolean): void {
    const lease = this.current;
    this.current = new ArenaLease(this.buf, this);
    if (!handedOut) {
      // Only a reply in progress was in it, and that was just copied out.
      this.recycle(old);
      return;
    }
    lease.retired = true;
    this.retiredThisTurn.push(lease);
  }

  /**
   * After a turn's run: gives every reply written into the arena the lease of
   * its buffer. Buffers left behind in the turn are recycled only from here
   * on, once their views are counted.
   */
  lease(views: ArrayLike<ArenaView>, count: number): void {
    const current = this.current;
    const retired = this.retiredThisTurn;
    for (let i = 0; i < count; i++) {
      const v = views[i];
      const data = v.data;
      if (data === null) continue;
      let lease: ArenaLease | null = null;
      if (data === current.buf) lease = current;
      else {
        for (let j = 0; j < retired.length; j++) {
          if (retired[j].buf === data) {
            lease = retired[j];
            break;
          }
        }
      }
      if (lease === null) continue; // not an arena buffer (an RPC, a reply made elsewhere)
      lease.views++;
      v.lease = lease;
    }
    for (const l of retired) if (l.views === 0) this.recycle(l.buf);
    this.retiredThisTurn = [];
    if (this.demandThisTurn > 0 || this.poolBytes > 0) this.endTurn();
  }

  private endTurn(): void {
    if (this.demandThisTurn > this.demandThisSecond) this.demandThisSecond = this.demandThisTurn;
    this.demandThisTurn = 0;
    const now = performance.now();
    if (now - this.secondStarted >= 1000) {
      this.demandLastSecond = this.demandThisSecond;
      this.demandThisSecond = 0;
      this.secondStarted = now;
    }
    // A burst's buffers go back once the turns need less (an idle server's, by the idle trim).
    this.trim(this.poolLimit());
    this.turnsSinceArmed++;
    if (this.poolBytes > POOL_MIN && this.idleTimer === null) this.armIdleTrim();
  }

  private trim(limit: number): void {
    const pool = this.pool;
    while (this.poolBytes > limit) this.poolBytes -= (pool.pop() as Buffer).length;
  }

  private armIdleTrim(): void {
    this.turnsSinceArmed = 0;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.turnsSinceArmed === 0) {
        // No turn since it was armed: no demand either.
        this.demandThisSecond = 0;
        this.demandLastSecond = 0;
        this.trim(POOL_MIN);
      } else if (this.poolBytes > POOL_MIN) this.armIdleTrim();
    }, IDLE_TRIM_MS);
    // It never keeps the process alive.
    this.idleTimer.unref();
  }

  /** Stops the idle trim's timer (the shard set closes). */
  close(): void {
    if (this.idleTimer !== null) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private poolLimit(): number {
    return Math.min(POOL_MAX, Math.max(POOL_MIN, this.demandThisSecond, this.demandLastSecond));
  }

  /** Takes back a buffer nobody reads any more, if the pool has room for it. */
  recycle(buf: Buffer): void {
    if (this.poolBytes + buf.length > this.poolLimit()) return;
    this.pool.push(buf);
    this.poolBytes += buf.length;
  }

  /** Bytes held in the pool: INFO's reply_arena_pooled_bytes. */
  get pooledBytes(): number {
    return this.poolBytes;
  }
}
