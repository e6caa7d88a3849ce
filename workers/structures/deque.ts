/**
 * A double-ended queue on a ring buffer: O(1) access by index and at both
 * ends, where an array's `unshift` and `shift` move every element (V8 left-
 * trims only small arrays in place). The list's sealed nodes live in one, so
 * LPUSH and LPOP on a long list of big values do not cost O(nodes).
 */
export class Deque<T> {
  private ring: (T | undefined)[];
  private mask: number;
  private head = 0;
  private n = 0;

  constructor(capacity = 8) {
    let c = 8;
    while (c < capacity) c *= 2;
    this.ring = new Array<T | undefined>(c);
    this.mask = c - 1;
  }

  get length(): number {
    return this.n;
  }

  /** The element at 0 <= k < length. */
  at(k: number): T {
    return this.ring[(this.head + k) & this.mask] as T;
  }

  set(k: number, v: T): void {
    this.ring[(this.head + k) & this.mask] = v;
  }

  push(v: T): void {
    if (this.n === this.ring.length) this.grow();
    this.ring[(this.head + this.n) & this.mask] = v;
    this.n++;
  }

  unshift(v: T): void {
    if (this.n === this.ring.length) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.ring[this.head] = v;
    this.n++;
  }

  pop(): T | undefined {
    if (this.n === 0) return undefined;
    this.n--;
    const i = (this.head + this.n) & this.mask;
    const v = this.ring[i];
    this.ring[i] = undefined;
    return v;
  }

  shift(): T | undefined {
    if (this.n === 0) return undefined;
    const v = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.n--;
    return v;
  }

  /** Inserts v so that it becomes the element at 0 <= k <= length (moves the shorter side). */
  insert(k: number, v: T): void {
    if (k >= this.n) return this.push(v);
    if (k === 0) return this.unshift(v);
    if (this.n === this.ring.length) this.grow();
    if (k < this.n >>> 1) {
      this.head = (this.head - 1) & this.mask;
      for (let i = 0; i < k; i++) this.set(i, this.at(i + 1));
    } else {
      for (let i = this.n; i > k; i--) this.ring[(this.head + i) & this.mask] = this.ring[(this.head + i - 1) & this.mask];
    }
    this.n++;
    this.set(k, v);
  }

  /** Removes the element at 0 <= k < length (moves the shorter side). */
  remove(k: number): void {
    if (k < this.n >>> 1) {
      for (let i = k; i > 0; i--) this.set(i, this.at(i - 1));
      this.shift();
    } else {
      for (let i = k; i < this.n - 1; i++) this.set(i, this.at(i + 1));
      this.pop();
    }
  }

  clear(): void {
    this.ring = new Array<T | undefined>(8);
    this.mask = 7;
    this.head = 0;
    this.n = 0;
  }

  private grow(): void {
    const next = new Array<T | undefined>(this.ring.length * 2);
    for (let i = 0; i < this.n; i++) next[i] = this.at(i);
    this.ring = next;
    this.mask = next.length - 1;
    this.head = 0;
  }
}
