/**
 * The ordered index of a sorted set: a skiplist ordered by (score, member
 * bytes) whose forward links carry spans, so rank lookups, rank-to-node,
 * insertion and deletion are all O(log n) expected, as in Redis's zskiplist.
 *
 * Members are latin1 JS strings, so `<` on them is byte order (memcmp, then
 * length), the tie-break Redis uses for equal scores.
 *
 * Struct of arrays, not node objects: a node is a *position* 1..length (0 is
 * the header, and NIL as a link). Per node: its score in a Float64Array,
 * its level-0 next and backward links in Int32Arrays (a level-0 span is
 * always 1), and in `up` where its upper levels start in `pool`, one
 * Int32Array of (next, span) pairs shared by the ~25% of nodes that have
 * upper levels (a block per node, after one int holding its level; freed
 * blocks go on a free list per level). The member of position p is item
 * p - 1 of a DenseIndex (structures/dense-index.ts), which also maps a member
 * to its position; positions are dense, so `slot = position - 1` is ZSCAN's
 * cursor and ZRANDMEMBER's pick. Removing a node moves the last one into its
 * position (its neighbours relinked), so a position names a member only until
 * the next removal. Against node objects with per-node level arrays, a boxed
 * score, a Map entry and a slot array (~220 B per member), this is ~45 B plus
 * the member string, none of it traced by the garbage collector but the
 * members array.
 */

import { DenseIndex } from './dense-index';

/** Redis's ZSKIPLIST_MAXLEVEL and ZSKIPLIST_P. */
const MAX_LEVEL = 32;
const P = 0.25;

/** No node: the end of a level, or no predecessor (the header's position). */
export const NIL = 0;

/** Ints of the header's upper levels (1..MAX_LEVEL-1), at the start of the pool. */
const HEADER_INTS = 2 * (MAX_LEVEL - 1);

function randomLevel(): number {
  let level = 1;
  while (level < MAX_LEVEL && Math.random() < P) level++;
  return level;
}

/** A score interval, as ZRANGEBYSCORE's `[(]min [(]max` arguments describe it. */
export interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

/** One end of a lex interval: `-` (below everything), `+` (above everything) or a member bound. */
export interface LexBound {
  /** -1 for `-`, 1 for `+`, 0 for a string bound. */
  inf: -1 | 0 | 1;
  s: string;
  ex: boolean;
}

export interface LexRange {
  min: LexBound;
  max: LexBound;
}

export function scoreGteMin(score: number, r: ScoreRange): boolean {
  return r.minex ? score > r.min : score >= r.min;
}

export function scoreLteMax(score: number, r: ScoreRange): boolean {
  return r.maxex ? score < r.max : score <= r.max;
}

/** Redis's sdscmplex: `-` and `+` compare below/above every string and equal to themselves. */
function cmpLex(a: LexBound | string, b: LexBound): number {
  if (typeof a !== 'string') {
    if (a.inf === b.inf && a.inf !== 0) return 0;
    if (a.inf === -1 || b.inf === 1) return -1;
    if (a.inf === 1 || b.inf === -1) return 1;
    a = a.s;
  } else if (b.inf !== 0) {
    return b.inf === 1 ? -1 : 1;
  }
  return a < b.s ? -1 : a > b.s ? 1 : 0;
}

export function lexGteMin(member: string, r: LexRange): boolean {
  const c = cmpLex(member, r.min);
  return r.min.ex ? c > 0 : c >= 0;
}

export function lexLteMax(member: string, r: LexRange): boolean {
  const c = cmpLex(member, r.max);
  return r.max.ex ? c < 0 : c <= 0;
}

/** Whether a lex range can hold anything at all (min below max). */
export function lexRangeNonEmpty(r: LexRange): boolean {
  const c = cmpLex(r.min, r.max);
  return !(c > 0 || (c === 0 && (r.min.ex || r.max.ex)));
}

export function scoreRangeNonEmpty(r: ScoreRange): boolean {
  return !(r.min > r.max || (r.min === r.max && (r.minex || r.maxex)));
}

// Scratch arrays reused by every operation (one skiplist operation runs at a time per thread).
const update = new Int32Array(MAX_LEVEL);
const rankAt = new Int32Array(MAX_LEVEL);


export class SkipList {
  private scores: Float64Array;
  private next0: Int32Array;
  private back: Int32Array;
  /** Where position p's level-1 (next, span) pair is in `pool`; 0 when its level is 1 (and for the header). */
  private up: Int32Array;
  private pool: Int32Array;
  /** Ints of `pool` in use (blocks past the header's are allocated from here). */
  private poolTop = HEADER_INTS;
  /** Per level, the `up` value of the first free block of that level (0 = none); a free block's first pair links the next. */
  private freeBlocks = new Int32Array(MAX_LEVEL + 1);
  /** Members at slot = position - 1; member -> slot. */
  private index = new DenseIndex(false);
  /** The last node, or NIL. */
  tail = NIL;
  /** Nodes linked. */
  length = 0;
  private level = 1;

  constructor(capacity = 8) {
    this.scores = new Float64Array(capacity);
    this.next0 = new Int32Array(capacity);
    this.back = new Int32Array(capacity);
    this.up = new Int32Array(capacity);
    this.pool = new Int32Array(HEADER_INTS + 2 * capacity);
  }

  /** The first node, or NIL. */
  get first(): number {
    return this.next0[NIL];
  }

  next(x: number): number {
    return this.next0[x];
  }

  /** The node before x, or NIL when x is the first. */
  prev(x: number): number {
    return this.back[x];
  }

  score(x: number): number {
    return this.scores[x];
  }

  member(x: number): string {
    return this.index.items[x - 1];
  }

  /** The position of `member`, or NIL. */
  find(member: string): number {
    return this.index.find(member) + 1;
  }

  /** Empties the list, keeping its arrays (a pooled list is refilled soon). */
  clear(): void {
    this.index.clear();
    this.next0[NIL] = NIL;
    this.pool.fill(0, 0, HEADER_INTS);
    this.poolTop = HEADER_INTS;
    this.freeBlocks.fill(0);
    this.tail = NIL;
    this.length = 0;
    this.level = 1;
  }

  /** Position x's next link at level i. */
  private nextAt(x: number, i: number): number {
    return i === 0 ? this.next0[x] : this.pool[this.up[x] + 2 * i - 2];
  }

  /** Position x's span at level i (1 at level 0). */
  private spanAt(x: number, i: number): number {
    return i === 0 ? 1 : this.pool[this.up[x] + 2 * i - 1];
  }

  private levelOf(x: number): number {
    const u = this.up[x];
    return u === 0 ? 1 : this.pool[u - 1];
  }

  /** Whether node x sorts before (score, member). */
  private before(x: number, score: number, member: string): boolean {
    const s = this.scores[x];
    return s < score || (s === score && this.index.items[x - 1] < member);
  }

  /** Moves the per-node arrays to `capacity` slots (larger, or smaller but above every position). */
  private resize(capacity: number): void {
    const grown = <T extends Float64Array | Int32Array>(a: T, make: (n: number) => T): T => {
      const b = make(capacity);
      b.set(a.length <= capacity ? a : a.subarray(0, capacity));
      return b;
    };
    this.scores = grown(this.scores, (n) => new Float64Array(n));
    this.next0 = grown(this.next0, (n) => new Int32Array(n));
    this.back = grown(this.back, (n) => new Int32Array(n));
    this.up = grown(this.up, (n) => new Int32Array(n));
  }

  /** A pool block for a node of `level` (> 1); returns its `up` value. */
  private allocBlock(level: number): number {
    let u = this.freeBlocks[level];
    if (u !== 0) {
      this.freeBlocks[level] = this.pool[u];
    } else {
      const size = 2 * level - 1;
      if (this.poolTop + size > this.pool.length) {
        const next = new Int32Array(Math.max(this.pool.length * 2, this.poolTop + size));
        next.set(this.pool);
        this.pool = next;
      }
      u = this.poolTop + 1;
      this.poolTop += size;
    }
    this.pool[u - 1] = level;
    return u;
  }

  private freeBlock(u: number): void {
    const level = this.pool[u - 1];
    this.pool[u] = this.freeBlocks[level];
    this.freeBlocks[level] = u;
  }

  /** Inserts a member that is not present; returns its position. */
  insert(score: number, member: string): number {
    const x = this.index.size + 1;
    if (x >= this.scores.length) this.resize(this.scores.length * 2);
    this.index.add(member, member);
    this.scores[x] = score;
    const level = randomLevel();
    this.up[x] = level > 1 ? this.allocBlock(level) : 0;
    this.link(x);
    return x;
  }

  /** Links node x (not in the list) at the place its score and member give it, keeping its level. */
  private link(x: number): void {
    const score = this.scores[x];
    const member = this.member(x);
    let y = NIL;
    for (let i = this.level - 1; i >= 0; i--) {
      rankAt[i] = i === this.level - 1 ? 0 : rankAt[i + 1];
      let nx = this.nextAt(y, i);
      while (nx !== NIL && this.before(nx, score, member)) {
        rankAt[i] += this.spanAt(y, i);
        y = nx;
        nx = this.nextAt(y, i);
      }
      update[i] = y;
    }
    const level = this.levelOf(x);
    const pool = this.pool;
    const up = this.up;
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rankAt[i] = 0;
        update[i] = NIL;
        pool[2 * i - 1] = this.length;
      }
      this.level = level;
    }
    const u0 = update[0];
    this.next0[x] = this.next0[u0];
    this.next0[u0] = x;
    for (let i = 1; i < level; i++) {
      const ua = up[update[i]] + 2 * i - 2;
      const xa = up[x] + 2 * i - 2;
      pool[xa] = pool[ua];
      pool[ua] = x;
      pool[xa + 1] = pool[ua + 1] - (rankAt[0] - rankAt[i]);
      pool[ua + 1] = rankAt[0] - rankAt[i] + 1;
    }
    for (let i = level; i < this.level; i++) pool[up[update[i]] + 2 * i - 1]++;
    this.back[x] = u0;
    const after = this.next0[x];
    if (after !== NIL) this.back[after] = x;
    else this.tail = x;
    this.length++;
  }

  /** Fills `update` with the predecessors of (score, member) at every level. */
  private findUpdate(score: number, member: string): void {
    let y = NIL;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = this.nextAt(y, i);
      while (nx !== NIL && this.before(nx, score, member)) {
        y = nx;
        nx = this.nextAt(y, i);
      }
      update[i] = y;
    }
  }

  /** Unlinks x, whose predecessors are in `update`. */
  private unlinkWithUpdate(x: number): void {
    const pool = this.pool;
    const up = this.up;
    for (let i = 1; i < this.level; i++) {
      const ua = up[update[i]] + 2 * i - 2;
      if (pool[ua] === x) {
        const xa = up[x] + 2 * i - 2;
        pool[ua + 1] += pool[xa + 1] - 1;
        pool[ua] = pool[xa];
      } else {
        pool[ua + 1] -= 1;
      }
    }
    const before = this.back[x];
    const after = this.next0[x];
    this.next0[before] = after;
    if (after !== NIL) this.back[after] = before;
    else this.tail = before;
    while (this.level > 1 && pool[2 * this.level - 4] === NIL) this.level--;
    this.length--;
  }

  /**
   * Removes node x. The last position's node moves into x's position, so
   * positions held across this call are stale (see `removeAndNext`).
   */
  remove(x: number): void {
    this.findUpdate(this.scores[x], this.member(x));
    this.unlinkWithUpdate(x);
    if (this.up[x] !== 0) this.freeBlock(this.up[x]);
    const last = this.index.size;
    if (x !== last) {
      // Relink the last node's neighbours to its new position.
      const lu = this.up[last];
      if (lu !== 0) {
        this.findUpdate(this.scores[last], this.member(last));
        const level = this.pool[lu - 1];
        for (let i = 1; i < level; i++) this.pool[this.up[update[i]] + 2 * i - 2] = x;
      }
      const before = this.back[last];
      const after = this.next0[last];
      this.next0[before] = x;
      if (after !== NIL) this.back[after] = x;
      else this.tail = x;
      this.scores[x] = this.scores[last];
      this.next0[x] = after;
      this.back[x] = before;
      this.up[x] = lu;
    }
    this.up[last] = 0;
    this.index.removeAt(x - 1);
    // A list that emptied to a quarter gives half its node arrays back (the pool keeps its top).
    const capacity = this.scores.length;
    if (capacity > 64 && last * 4 < capacity) this.resize(capacity / 2);
  }

  /** Removes node x and returns the position of the node that followed it (NIL at the end). */
  removeAndNext(x: number): number {
    const after = this.next0[x];
    const last = this.index.size;
    this.remove(x);
    return after === last ? x : after;
  }

  /** Changes a node's score, moving it in the order only if its place changes (its position stays). */
  updateScore(x: number, score: number): void {
    const member = this.member(x);
    const prev = this.back[x];
    const nx = this.next0[x];
    if ((prev === NIL || this.before(prev, score, member)) && (nx === NIL || !this.before(nx, score, member))) {
      this.scores[x] = score;
      return;
    }
    this.findUpdate(this.scores[x], member);
    this.unlinkWithUpdate(x);
    this.scores[x] = score;
    this.link(x);
  }

  /** 1-based rank of node x. */
  rankOf(x: number): number {
    const score = this.scores[x];
    const member = this.member(x);
    let rank = 0;
    let y = NIL;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = this.nextAt(y, i);
      while (nx !== NIL && (nx === x || this.before(nx, score, member))) {
        rank += this.spanAt(y, i);
        y = nx;
        if (y === x) return rank;
        nx = this.nextAt(y, i);
      }
    }
    return 0;
  }

  /** The node at 1-based `rank`, or NIL. */
  byRank(rank: number): number {
    if (rank < 1 || rank > this.length) return NIL;
    let traversed = 0;
    let y = NIL;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = this.nextAt(y, i);
      while (nx !== NIL && traversed + this.spanAt(y, i) <= rank) {
        traversed += this.spanAt(y, i);
        y = nx;
        nx = this.nextAt(y, i);
      }
      if (traversed === rank) return y;
    }
    return NIL;
  }

  private inScoreRange(r: ScoreRange): boolean {
    if (!scoreRangeNonEmpty(r)) return false;
    return this.length > 0 && scoreGteMin(this.scores[this.tail], r) && scoreLteMax(this.scores[this.first], r);
  }

  firstInScoreRange(r: ScoreRange): number {
    if (!this.inScoreRange(r)) return NIL;
    let y = NIL;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = this.nextAt(y, i);
      while (nx !== NIL && !scoreGteMin(this.scores[nx], r)) {
        y = nx;
        nx = this.nextAt(y, i);
      }
    }
    const found = this.next0[y];
    return found !== NIL && scoreLteMax(this.scores[found], r) ? found : NIL;
  }

  lastInScoreRange(r: ScoreRange): number {
    if (!this.inScoreRange(r)) return NIL;
    let y = NIL;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = this.nextAt(y, i);
      while (nx !== NIL && scoreLteMax(this.scores[nx], r)) {
        y = nx;
        nx = this.nextAt(y, i);
      }
    }
    return y !== NIL && scoreGteMin(this.scores[y], r) ? y : NIL;
  }

  private inLexRange(r: LexRange): boolean {
    if (!lexRangeNonEmpty(r)) return false;
    return this.length > 0 && lexGteMin(this.member(this.tail), r) && lexLteMax(this.member(this.first), r);
  }

  /**
   * The first node of a lex range found by descending the levels, as Redis's
   * skiplist encoding does. (When scores differ, members are not in lex order
   * and the answer depends on the descent; Redis leaves that case undefined.)
   */
  firstInLexRange(r: LexRange): number {
    if (!this.inLexRange(r)) return NIL;
    let y = NIL;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = this.nextAt(y, i);
      while (nx !== NIL && !lexGteMin(this.member(nx), r)) {
        y = nx;
        nx = this.nextAt(y, i);
      }
    }
    const found = this.next0[y];
    return found !== NIL && lexLteMax(this.member(found), r) ? found : NIL;
  }

  lastInLexRange(r: LexRange): number {
    if (!this.inLexRange(r)) return NIL;
    let y = NIL;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = this.nextAt(y, i);
      while (nx !== NIL && lexLteMax(this.member(nx), r)) {
        y = nx;
        nx = this.nextAt(y, i);
      }
    }
    return y !== NIL && lexGteMin(this.member(y), r) ? y : NIL;
  }

  /** Linear versions for the listpack encoding: Redis scans a listpack front to back (or back to front). */
  firstInLexRangeLinear(r: LexRange): number {
    if (!this.inLexRange(r)) return NIL;
    for (let x = this.first; x !== NIL; x = this.next0[x]) {
      const m = this.member(x);
      if (lexGteMin(m, r)) return lexLteMax(m, r) ? x : NIL;
    }
    return NIL;
  }

  lastInLexRangeLinear(r: LexRange): number {
    if (!this.inLexRange(r)) return NIL;
    for (let x = this.tail; x !== NIL; x = this.back[x]) {
      const m = this.member(x);
      if (lexLteMax(m, r)) return lexGteMin(m, r) ? x : NIL;
    }
    return NIL;
  }

  /** A copy with the same positions. */
  clone(): SkipList {
    const c = new SkipList(1);
    c.scores = this.scores.slice();
    c.next0 = this.next0.slice();
    c.back = this.back.slice();
    c.up = this.up.slice();
    c.pool = this.pool.slice();
    c.poolTop = this.poolTop;
    c.freeBlocks = this.freeBlocks.slice();
    c.index = this.index.clone();
    c.tail = this.tail;
    c.length = this.length;
    c.level = this.level;
    return c;
  }
}
