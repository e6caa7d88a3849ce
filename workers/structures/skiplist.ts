/**
 * The ordered index of a sorted set: a skiplist ordered by (score, member
 * bytes) whose forward links carry spans, so rank lookups, rank-to-node,
 * insertion and deletion are all O(log n) expected, as in Redis's zskiplist.
 *
 * Members are latin1 JS strings, so `<` on them is byte order (memcmp, then
 * length), the tie-break Redis uses for equal scores. Nodes are plain objects
 * with per-node arrays for their levels (no closures); a node keeps its
 * identity when its score changes (it is unlinked and relinked), so the
 * member -> node map never needs rewriting.
 */

/** Redis's ZSKIPLIST_MAXLEVEL and ZSKIPLIST_P. */
const MAX_LEVEL = 32;
const P = 0.25;

export class SkipNode {
  backward: SkipNode | null = null;
  readonly next: (SkipNode | null)[];
  readonly span: number[];
  /** Position in the owning set's dense slot array (ZSCAN cursor order); -1 for the header. */
  slot = -1;

  constructor(
    public member: string,
    public score: number,
    level: number,
  ) {
    this.next = new Array<SkipNode | null>(level).fill(null);
    this.span = new Array<number>(level).fill(0);
  }
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

function randomLevel(): number {
  let level = 1;
  while (level < MAX_LEVEL && Math.random() < P) level++;
  return level;
}

/** Whether (score, member) sorts before node x. */
function before(x: SkipNode, score: number, member: string): boolean {
  return x.score < score || (x.score === score && x.member < member);
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
const update: SkipNode[] = new Array<SkipNode>(MAX_LEVEL);
const rankAt: number[] = new Array<number>(MAX_LEVEL).fill(0);

export class SkipList {
  readonly header = new SkipNode('', 0, MAX_LEVEL);
  tail: SkipNode | null = null;
  length = 0;
  private level = 1;

  get first(): SkipNode | null {
    return this.header.next[0];
  }

  /** Inserts a new node (the member must not be present). */
  insert(score: number, member: string): SkipNode {
    const node = new SkipNode(member, score, randomLevel());
    this.link(node);
    return node;
  }

  /** Links `node` (not in the list) at the place its score and member give it, keeping its level. */
  private link(node: SkipNode): void {
    const score = node.score;
    const member = node.member;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      rankAt[i] = i === this.level - 1 ? 0 : rankAt[i + 1];
      let nx = x.next[i];
      while (nx !== null && before(nx, score, member)) {
        rankAt[i] += x.span[i];
        x = nx;
        nx = x.next[i];
      }
      update[i] = x;
    }
    const level = node.next.length;
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rankAt[i] = 0;
        update[i] = this.header;
        this.header.span[i] = this.length;
      }
      this.level = level;
    }
    for (let i = 0; i < level; i++) {
      const u = update[i];
      node.next[i] = u.next[i];
      u.next[i] = node;
      node.span[i] = u.span[i] - (rankAt[0] - rankAt[i]);
      u.span[i] = rankAt[0] - rankAt[i] + 1;
    }
    for (let i = level; i < this.level; i++) update[i].span[i]++;
    node.backward = update[0] === this.header ? null : update[0];
    const after = node.next[0];
    if (after !== null) after.backward = node;
    else this.tail = node;
    this.length++;
  }

  /** Fills `update` with the predecessors of `node` at every level. */
  private findUpdate(score: number, member: string): void {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = x.next[i];
      while (nx !== null && before(nx, score, member)) {
        x = nx;
        nx = x.next[i];
      }
      update[i] = x;
    }
  }

  /** Unlinks `x`, whose predecessors are in `update`. */
  private unlinkWithUpdate(x: SkipNode): void {
    for (let i = 0; i < this.level; i++) {
      const u = update[i];
      if (u.next[i] === x) {
        u.span[i] += x.span[i] - 1;
        u.next[i] = x.next[i];
      } else {
        u.span[i] -= 1;
      }
    }
    const after = x.next[0];
    if (after !== null) after.backward = x.backward;
    else this.tail = x.backward;
    while (this.level > 1 && this.header.next[this.level - 1] === null) this.level--;
    this.length--;
    x.backward = null;
    x.next.fill(null);
    x.span.fill(0);
  }

  /** Removes `node` from the list. */
  remove(node: SkipNode): void {
    this.findUpdate(node.score, node.member);
    this.unlinkWithUpdate(node);
  }

  /** Changes a node's score, moving it only if its position changes. */
  updateScore(node: SkipNode, score: number): void {
    const prev = node.backward;
    const nx = node.next[0];
    if ((prev === null || before(prev, score, node.member)) && (nx === null || !before(nx, score, node.member))) {
      node.score = score;
      return;
    }
    this.remove(node);
    node.score = score;
    this.link(node);
  }

  /** 1-based rank of (score, member), which must be present. */
  rankOf(node: SkipNode): number {
    const score = node.score;
    const member = node.member;
    let rank = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = x.next[i];
      while (nx !== null && (before(nx, score, member) || nx === node)) {
        rank += x.span[i];
        x = nx;
        if (x === node) return rank;
        nx = x.next[i];
      }
    }
    return 0;
  }

  /** The node at 1-based `rank`, or null. */
  byRank(rank: number): SkipNode | null {
    if (rank < 1 || rank > this.length) return null;
    let traversed = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = x.next[i];
      while (nx !== null && traversed + x.span[i] <= rank) {
        traversed += x.span[i];
        x = nx;
        nx = x.next[i];
      }
      if (traversed === rank) return x;
    }
    return null;
  }

  private inScoreRange(r: ScoreRange): boolean {
    if (!scoreRangeNonEmpty(r)) return false;
    const tail = this.tail;
    const first = this.header.next[0];
    return tail !== null && first !== null && scoreGteMin(tail.score, r) && scoreLteMax(first.score, r);
  }

  firstInScoreRange(r: ScoreRange): SkipNode | null {
    if (!this.inScoreRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = x.next[i];
      while (nx !== null && !scoreGteMin(nx.score, r)) {
        x = nx;
        nx = x.next[i];
      }
    }
    const found = x.next[0];
    return found !== null && scoreLteMax(found.score, r) ? found : null;
  }

  lastInScoreRange(r: ScoreRange): SkipNode | null {
    if (!this.inScoreRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = x.next[i];
      while (nx !== null && scoreLteMax(nx.score, r)) {
        x = nx;
        nx = x.next[i];
      }
    }
    return x !== this.header && scoreGteMin(x.score, r) ? x : null;
  }

  private inLexRange(r: LexRange): boolean {
    if (!lexRangeNonEmpty(r)) return false;
    const tail = this.tail;
    const first = this.header.next[0];
    return tail !== null && first !== null && lexGteMin(tail.member, r) && lexLteMax(first.member, r);
  }

  /**
   * The first node of a lex range found by descending the levels, as Redis's
   * skiplist encoding does. (When scores differ, members are not in lex order
   * and the answer depends on the descent; Redis leaves that case undefined.)
   */
  firstInLexRange(r: LexRange): SkipNode | null {
    if (!this.inLexRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = x.next[i];
      while (nx !== null && !lexGteMin(nx.member, r)) {
        x = nx;
        nx = x.next[i];
      }
    }
    const found = x.next[0];
    return found !== null && lexLteMax(found.member, r) ? found : null;
  }

  lastInLexRange(r: LexRange): SkipNode | null {
    if (!this.inLexRange(r)) return null;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let nx = x.next[i];
      while (nx !== null && lexLteMax(nx.member, r)) {
        x = nx;
        nx = x.next[i];
      }
    }
    return x !== this.header && lexGteMin(x.member, r) ? x : null;
  }

  /** Linear versions for the listpack encoding: Redis scans a listpack front to back (or back to front). */
  firstInLexRangeLinear(r: LexRange): SkipNode | null {
    if (!this.inLexRange(r)) return null;
    for (let x = this.header.next[0]; x !== null; x = x.next[0]) {
      if (lexGteMin(x.member, r)) return lexLteMax(x.member, r) ? x : null;
    }
    return null;
  }

  lastInLexRangeLinear(r: LexRange): SkipNode | null {
    if (!this.inLexRange(r)) return null;
    for (let x = this.tail; x !== null; x = x.backward) {
      if (lexLteMax(x.member, r)) return lexGteMin(x.member, r) ? x : null;
    }
    return null;
  }
}
