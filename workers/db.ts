/**
 * One logical database (SELECT n) inside one shard.
 *
 * Layout, chosen for memory and for SCAN/RANDOMKEY:
 * - `index` maps a key to its position i; the key, value and access time sit
 *   at i in fixed-size pages (see PAGE).
 *   Deleting swaps the last entry into the hole, so the arrays stay dense and
 *   RANDOMKEY is O(1).
 * - SCAN walks positions from the top down. A deletion only ever moves the last
 *   entry (already visited) into a hole; an insertion appends above the cursor.
 *   So every key present for the whole scan is returned at least once, which is
 *   Redis's SCAN guarantee, without a cursor structure per key.
 * - `expires` holds deadlines only for keys that have one (like Redis's expires dict).
 * - The access time (seconds, a Uint32Array page per page of keys) backs OBJECT IDLETIME.
 *
 * Keys and string values are latin1 JS strings: binary-safe and one byte per char.
 */
import type { Value } from './value';
import type { StringForm } from '../src/core/shard-protocol';
import { ACCOUNTING_SAMPLES, keyUsage, MemoryAccount } from './structures/memory-usage';
import { OpenIndex } from './structures/dense-index';

/** A new key's LFU counter (Redis's LFU_INIT_VAL): new keys are not evicted before they had a chance. */
export const LFU_INIT_VAL = 5;
import { keyHashSlotOfString, SLOT_COUNT } from '../src/core/routing/slot';

/**
 * Entries live in fixed-size pages rather than one growing array each: a
 * growing array copies itself (1.5x) and leaves the old copy as garbage in the
 * large-object space until the next full GC, which at a million keys was
 * ~30 bytes per key of RSS (docs/performance.md). Pages are allocated once and
 * never copied.
 */
const PAGE_BITS = 12;
const PAGE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE - 1;

/** The keys' index: the keys themselves are in the Db's pages. */
class KeyIndex extends OpenIndex {
  constructor(private readonly db: Db) {
    super();
  }

  protected keyEquals(pos: number, key: string): boolean {
    return this.db.keyAtPosition(pos) === key;
  }
}

/** Collections written in place whose memory estimate may wait (Db.resize): at most this many. */
const UNSETTLED_MAX = 1024;

export class Db {
  /** Key -> position (a typed-array hash table: ~13 B per key against a Map entry's ~30). */
  private readonly index: KeyIndex = new KeyIndex(this);
  private n = 0;
  private keyPages: string[][] = [];
  private valPages: Value[][] = [];
  private atimePages: Uint32Array[] = [];
  /** Each key's accounted size (MEMORY USAGE's estimate when it was last written). */
  private sizePages: Uint32Array[] = [];
  /** Each key's LFU counter (kept up to date only under an LFU maxmemory-policy). */
  private lfuPages: Uint8Array[] = [];
  /** Sum of this db's accounted sizes (also added into the shard's MemoryAccount). */
  bytes = 0;
  /** Deadline in ms since the epoch, only for keys with a TTL. */
  readonly expires = new Map<string, number>();
  /**
   * Exact deadlines of the rare keys whose deadline is beyond 2^53 ms (e.g.
   * PEXPIREAT k 9223372036854775807), which `expires` can only hold rounded.
   * PEXPIRETIME/PTTL must echo them exactly; expiry itself can use the rounded
   * value since such keys never expire in practice.
   */
  private hugeExpires: Map<string, bigint> | null = null;
  /**
   * How Redis holds the strings whose contents alone do not say (see
   * StringForm in src/core/shard-protocol.ts): OBJECT ENCODING and REFCOUNT
   * read it. A new value for the key drops it.
   */
  private stringForms: Map<string, StringForm> | null = null;
  /** Iterator position of the active expiry cycle; survives Map mutation. */
  expireCursor: IterableIterator<[string, number]> | null = null;
  /** Keys removed because their TTL passed (INFO expired_keys). */
  expiredCount = 0;
  /**
   * Keys per hash slot, kept only in cluster mode (db 0): CLUSTER
   * COUNTKEYSINSLOT answers in O(1) and GETKEYSINSLOT skips empty slots.
   */
  slotCounts: Uint32Array | null = null;
  /**
   * The keys of each slot, built by the first CLUSTER GETKEYSINSLOT (a
   * reshard) and kept up to date from then on: moving slot after slot then
   * costs the keys moved, not a walk of the db per slot. Nodes that never
   * give slots away never pay its memory.
   */
  private slotKeys: (Set<string> | undefined)[] | null = null;

  /**
   * Told when a key is removed because its TTL passed (lazily or by the
   * active cycle), with this db's current index: WATCH, blocked waiters and
   * keyspace notifications hear of expiries through it.
   */
  onExpired: ((dbIndex: number, key: string) => void) | null = null;
  /**
   * On a replica (shared by the shard's dbs, ShardState.replicaExpiry): an
   * expired key is hidden from clients' reads but not deleted (its master's
   * DEL will come), and the master's own commands still see it.
   */
  replicaExpiry: { replica: boolean; fromMaster: boolean } | null = null;
  /** Told when `set` creates a key (the `new` keyspace notification, raised where Redis's dbAdd raises it). */
  onAdded: ((dbIndex: number, key: string) => void) | null = null;

  constructor(
    /** Access-time clock, in `ticksPerSecond` units (the shard's is 10 ms ticks, a test's may be seconds). */
    readonly clock: () => number,
    /** This db's SELECT index; SWAPDB updates it. */
    public dbIndex = 0,
    readonly memory: MemoryAccount = new MemoryAccount(),
    readonly ticksPerSecond = 1,
  ) {}

  get size(): number {
    return this.n;
  }

  /** Told of a value replaced by another (lazyfree-lazy-server-del is on: workers/lazyfree.ts), else null. */
  onOverwrite: ((old: Value) => void) | null = null;
  /** Told of a value about to be expired (lazyfree-lazy-expire is on), else null. */
  onExpireFree: ((v: Value) => void) | null = null;

  /** Starts counting keys per hash slot (cluster mode), counting the keys already here. */
  trackSlots(): void {
    if (this.slotCounts !== null) return;
    const counts = new Uint32Array(SLOT_COUNT);
    for (let i = 0; i < this.n; i++) counts[keyHashSlotOfString(this.keyAt(i))]++;
    this.slotCounts = counts;
  }

  private keyAt(i: number): string {
    return this.keyPages[i >>> PAGE_BITS][i & PAGE_MASK];
  }

  private valAt(i: number): Value {
    return this.valPages[i >>> PAGE_BITS][i & PAGE_MASK];
  }

  private touch(i: number): void {
    const p = i >>> PAGE_BITS;
    const o = i & PAGE_MASK;
    // Under LFU the counter decays with the time since the last access, then grows (Redis's updateLFU).
    if (this.memory.lfu) this.lfuPages[p][o] = lfuIncr(this.lfuDecayed(p, o), this.memory.lfuLogFactor);
    this.atimePages[p][o] = this.clock();
  }

  /** The key's LFU counter decayed by the idle periods since its last access (Redis's LFUDecrAndReturn). */
  private lfuDecayed(p: number, o: number): number {
    const counter = this.lfuPages[p][o];
    const decay = this.memory.lfuDecayTime;
    if (decay === 0) return counter;
    const idleMinutes = Math.floor((this.clock() - this.atimePages[p][o]) / (this.ticksPerSecond * 60));
    const periods = Math.floor(idleMinutes / decay);
    return periods >= counter ? 0 : counter - periods;
  }

  /** OBJECT FREQ: the key's decayed LFU counter, or undefined. */
  lfuCounter(key: string): number | undefined {
    const i = this.index.lookup(key);
    return i < 0 ? undefined : this.lfuDecayed(i >>> PAGE_BITS, i & PAGE_MASK);
  }

  /** Access time in clock ticks, for the eviction pool's idle estimate. */
  idleTicks(key: string): number | undefined {
    const i = this.index.lookup(key);
    return i < 0 ? undefined : Math.max(0, this.clock() - this.atimePages[i >>> PAGE_BITS][i & PAGE_MASK]);
  }

  /** Re-estimates a key whose value changed in place (a collection written by an op). */
  resize(key: string): void {
    if (!this.memory.eager) {
      // No maxmemory: re-estimated at the next cron tick or when INFO asks
      // (MemoryAccount.eager); a burst of distinct keys settles at once, so
      // the set stays small.
      this.unsettled.add(key);
      if (this.unsettled.size >= UNSETTLED_MAX) this.settleSizes();
      return;
    }
    const i = this.index.lookup(key);
    if (i < 0) return;
    const v = this.valAt(i);
    // Strings are immutable: every change went through set/replace, which accounted it.
    if (typeof v === 'string') return;
    this.account(i, key, v);
  }

  /** Keys written in place whose estimate is put off (resize without maxmemory). */
  private unsettled = new Set<string>();

  /** Re-estimates the keys resize put off (before memory.used is read). */
  settleSizes(): void {
    if (this.unsettled.size === 0) return;
    const keys = this.unsettled;
    this.unsettled = new Set();
    for (const key of keys) {
      const i = this.index.lookup(key);
      if (i < 0) continue;
      const v = this.valAt(i);
      if (typeof v !== 'string') this.account(i, key, v);
    }
  }

  private account(i: number, key: string, v: Value): void {
    const p = i >>> PAGE_BITS;
    const o = i & PAGE_MASK;
    const size = Math.min(keyUsage(key, v, ACCOUNTING_SAMPLES), 0xffffffff);
    const delta = size - this.sizePages[p][o];
    this.sizePages[p][o] = size;
    this.bytes += delta;
    this.memory.used += delta;
  }

  /** Up to n keys picked at random (allkeys eviction sampling). */
  sampleKeys(n: number): string[] {
    const out: string[] = [];
    for (let k = 0; k < n && this.n > 0; k++) out.push(this.keyAt(Math.floor(Math.random() * this.n)));
    return out;
  }

  private volatileCursor: IterableIterator<string> | null = null;

  /** Up to n keys with a TTL, walking `expires` round-robin (volatile eviction sampling). */
  sampleVolatileKeys(n: number): string[] {
    const out: string[] = [];
    if (this.expires.size === 0) return out;
    if (this.volatileCursor === null) this.volatileCursor = this.expires.keys();
    for (let tries = 0; out.length < n && tries < n * 2; tries++) {
      const r = this.volatileCursor.next();
      if (r.done === true) {
        this.volatileCursor = this.expires.keys();
        continue;
      }
      out.push(r.value);
    }
    return out;
  }

  /**
   * The key `get` or `peek` last looked up and whether it was live, until
   * `forgetLookup`: a read command's keyspace hit or miss is then known
   * without a second lookup (`foundWhenRead`), and, as Redis counts it, as
   * the lookup found it.
   */
  private lastKey: string | null = null;
  private lastFound = false;
  /**
   * Where that lookup found its key (-1: not found, or positions moved
   * since: a delete or a clear). A write to the key just read (INCR, APPEND,
   * SET over a GET's key) then skips its own lookup; inserts never move positions.
   */
  private lastPos = -1;

  /** Looks up a live key, deleting it first if its deadline has passed. Marks it accessed. */
  get(key: string, now: number): Value | undefined {
    this.lastKey = key;
    this.lastFound = false;
    this.lastPos = -1;
    const i = this.index.lookup(key);
    if (i < 0) return undefined;
    if (this.expires.size !== 0) {
      const at = this.expires.get(key);
      if (at !== undefined && at <= now && this.expiredHere(key)) return undefined;
    }
    this.lastFound = true;
    this.lastPos = i;
    this.touch(i);
    return this.valAt(i);
  }

  /** Like get, but leaves the access time alone (OBJECT IDLETIME, TYPE-free peeks). */
  peek(key: string, now: number): Value | undefined {
    this.lastKey = key;
    this.lastFound = false;
    this.lastPos = -1;
    const i = this.index.lookup(key);
    if (i < 0) return undefined;
    const at = this.expires.size !== 0 ? this.expires.get(key) : undefined;
    if (at !== undefined && at <= now && this.expiredHere(key)) return undefined;
    this.lastFound = true;
    this.lastPos = i;
    return this.valAt(i);
  }

  /** Starts a command: no lookup of it is remembered yet (see lastKey). */
  forgetLookup(): void {
    this.lastKey = null;
    this.lastPos = -1;
  }

  /** The position of `key`: the last lookup's when it was this key's, else a lookup. */
  private knownPosition(key: string): number {
    const i = this.lastPos;
    return i >= 0 && key === this.lastKey ? i : this.index.lookup(key);
  }

  /**
   * Whether `key` was live when the current command read it: the remembered
   * lookup when it was the last one made (the common one-key read), else the
   * key's presence now.
   */
  foundWhenRead(key: string): boolean {
    return key === this.lastKey ? this.lastFound : this.contains(key);
  }

  /** Whether the current command's last lookup found its key; undefined when it made none. */
  get lastLookupFound(): boolean | undefined {
    return this.lastKey === null ? undefined : this.lastFound;
  }

  /**
   * A key past its deadline: deleted here and reported absent (a master), or,
   * on a replica, kept and absent to clients but present to the master's own
   * commands. Returns whether the caller should treat the key as absent.
   */
  private expiredHere(key: string): boolean {
    const r = this.replicaExpiry;
    if (r !== null && r.replica) return !r.fromMaster;
    this.expireKey(key);
    return true;
  }

  /** Whether the key has an entry, expired or not (Redis's dictFind on the main dict). */
  contains(key: string): boolean {
    return this.index.lookup(key) >= 0;
  }

  has(key: string, now: number): boolean {
    return this.peek(key, now) !== undefined;
  }

  /**
   * Whether `key` is there and not past its deadline, without a lookup's
   * effects: nothing deleted, no access marked, the last lookup kept (a
   * write's read lookups, counted before it runs: run-command.ts).
   */
  isLive(key: string, now: number): boolean {
    if (!this.contains(key)) return false;
    const at = this.getExpire(key);
    return at === undefined || at > now;
  }

  /** Seconds since the key was last accessed, or undefined. */
  idleSeconds(key: string): number | undefined {
    const i = this.index.lookup(key);
    return i < 0 ? undefined : Math.floor(Math.max(0, this.clock() - this.atimePages[i >>> PAGE_BITS][i & PAGE_MASK]) / this.ticksPerSecond);
  }

  /** Makes a key look idle for `seconds` (RESTORE ... IDLETIME). */
  setIdle(key: string, seconds: number): void {
    const i = this.index.lookup(key);
    if (i >= 0) this.atimePages[i >>> PAGE_BITS][i & PAGE_MASK] = Math.max(0, this.clock() - seconds * this.ticksPerSecond);
  }

  /** Sets a key's LFU counter, as of now (RESTORE ... FREQ). */
  setLfu(key: string, counter: number): void {
    const i = this.index.lookup(key);
    if (i < 0) return;
    this.lfuPages[i >>> PAGE_BITS][i & PAGE_MASK] = Math.max(0, Math.min(255, counter));
    this.atimePages[i >>> PAGE_BITS][i & PAGE_MASK] = this.clock();
  }

  /** Stores a value; the key's TTL is left as it was (callers decide, as SET/KEEPTTL do). */
  set(key: string, val: Value): void {
    if (this.stringForms !== null) this.stringForms.delete(key);
    const i = this.knownPosition(key);
    if (i >= 0) {
      if (this.onOverwrite !== null) {
        const old = this.valAt(i);
        if (old !== val) this.onOverwrite(old);
      }
      this.valPages[i >>> PAGE_BITS][i & PAGE_MASK] = val;
      this.touch(i);
      this.account(i, key, val);
      return;
    }
    this.index.insert(key);
    this.append(key, val);
    this.onAdded?.(this.dbIndex, key);
  }

  /**
   * Adds a key read from a file (an RDB load): set's work without its lookup
   * (one index probe per key instead of two: a load is mostly inserts)
   * and without the `new` notification, as Redis's dbAddRDBLoad. False, and
   * nothing changed, when the key is already here (a file holding it twice).
   */
  load(key: string, val: Value): boolean {
    if (!this.index.insertIfAbsent(key)) return false;
    this.append(key, val);
    return true;
  }

  /** Stores a new key at the next position (its index entry is already made: insert is called first). */
  private append(key: string, val: Value): void {
    const n = this.n++;
    const p = n >>> PAGE_BITS;
    if (p === this.keyPages.length) {
      // new Array(PAGE) reserves the whole page at once (holey, never grows).
      this.keyPages.push(new Array<string>(PAGE));
      this.valPages.push(new Array<Value>(PAGE));
      this.atimePages.push(new Uint32Array(PAGE));
      if (this.marks !== null) this.marks.push(new Uint8Array(PAGE));
      this.sizePages.push(new Uint32Array(PAGE));
      this.lfuPages.push(new Uint8Array(PAGE));
    }
    // A key created during a snapshot is not part of it.
    if (this.marks !== null) this.marks[p][n & PAGE_MASK] = 1;
    if (this.slotCounts !== null) {
      const slot = keyHashSlotOfString(key);
      this.slotCounts[slot]++;
      if (this.slotKeys !== null) (this.slotKeys[slot] ??= new Set()).add(key);
    }
    this.keyPages[p][n & PAGE_MASK] = key;
    this.valPages[p][n & PAGE_MASK] = val;
    this.sizePages[p][n & PAGE_MASK] = 0;
    this.lfuPages[p][n & PAGE_MASK] = LFU_INIT_VAL;
    this.atimePages[p][n & PAGE_MASK] = this.clock();
    this.account(n, key, val);
  }

  /** Replaces the value of an existing key without touching its TTL or access time. */
  replace(key: string, val: Value): void {
    if (this.stringForms !== null) this.stringForms.delete(key);
    const i = this.knownPosition(key);
    if (i >= 0) {
      this.valPages[i >>> PAGE_BITS][i & PAGE_MASK] = val;
      this.account(i, key, val);
    }
  }

  /** Removes a key and its TTL. Returns whether it existed (expired keys count as absent). */
  delete(key: string): boolean {
    const i = this.knownPosition(key);
    if (i < 0) return false;
    // A snapshot in progress writes what it has not written yet before it
    // leaves its place, while the index still finds it there: the deleted
    // entry (an expiry or an eviction, which nobody preserved), and the last
    // entry when it moves into the walked part, where the walk never looks.
    if (this.marks !== null) {
      const last = this.n - 1;
      if (!this.isMarked(i)) this.onUnwrittenLeaves?.(key);
      if (i !== last && i < this.snapCursor && !this.isMarked(last)) this.onUnwrittenLeaves?.(this.keyAt(last));
    }
    // The last position moves into this one: no remembered position holds from here.
    this.lastPos = -1;
    // The last position's key is indexed at i from here on; the pages follow below.
    this.index.remove(i);
    if (this.slotCounts !== null) {
      const slot = keyHashSlotOfString(key);
      this.slotCounts[slot]--;
      if (this.slotKeys !== null) this.slotKeys[slot]?.delete(key);
    }
    if (this.stringForms !== null) this.stringForms.delete(key);
    if (this.expires.size !== 0) {
      this.expires.delete(key);
      if (this.hugeExpires !== null) this.hugeExpires.delete(key);
    }
    const last = --this.n;
    const lp = last >>> PAGE_BITS;
    const lo = last & PAGE_MASK;
    const size = this.sizePages[i >>> PAGE_BITS][i & PAGE_MASK];
    this.bytes -= size;
    this.memory.used -= size;
    if (i !== last) {
      const movedKey = this.keyPages[lp][lo];
      const ip = i >>> PAGE_BITS;
      const io = i & PAGE_MASK;
      if (this.marks !== null) this.marks[ip][io] = this.marks[lp][lo];
      this.keyPages[ip][io] = movedKey;
      this.valPages[ip][io] = this.valPages[lp][lo];
      this.atimePages[ip][io] = this.atimePages[lp][lo];
      this.sizePages[ip][io] = this.sizePages[lp][lo];
      this.lfuPages[ip][io] = this.lfuPages[lp][lo];
    }
    // Drop the references so deleted keys and values can be collected.
    (this.keyPages[lp] as (string | undefined)[])[lo] = undefined;
    (this.valPages[lp] as (Value | undefined)[])[lo] = undefined;
    // Free a page once the one below it is empty too (one spare page avoids
    // allocate/free churn when the size hovers around a page boundary).
    if (lo === 0 && this.keyPages.length - 1 > lp) {
      this.keyPages.pop();
      this.valPages.pop();
      this.atimePages.pop();
      this.marks?.pop();
      this.sizePages.pop();
      this.lfuPages.pop();
    }
    return true;
  }

  /** Deletes a key a server-side write replaces (RENAME's or COPY REPLACE's destination: Redis's dbDelete, lazyfree-lazy-server-del). */
  deleteReplaced(key: string): boolean {
    if (this.onOverwrite !== null) {
      const i = this.index.lookup(key);
      if (i >= 0) this.onOverwrite(this.valAt(i));
    }
    return this.delete(key);
  }

  expireKey(key: string): void {
    if (this.onExpireFree !== null) {
      const i = this.index.lookup(key);
      if (i >= 0) this.onExpireFree(this.valAt(i));
    }
    if (!this.delete(key)) return;
    this.expiredCount++;
    this.onExpired?.(this.dbIndex, key);
  }

  getExpire(key: string): number | undefined {
    return this.expires.size === 0 ? undefined : this.expires.get(key);
  }

  setExpire(key: string, at: number): void {
    this.expires.set(key, at);
    if (this.hugeExpires !== null) this.hugeExpires.delete(key);
  }

  /** Sets a deadline given as an exact 64-bit value (EXPIRE family, RENAME/COPY/MOVE). */
  setExpireExact(key: string, at: bigint): void {
    const n = Number(at);
    this.setExpire(key, n);
    if (!Number.isSafeInteger(n)) (this.hugeExpires ??= new Map()).set(key, at);
  }

  /** The deadline as an exact 64-bit value, or undefined when the key has no TTL. */
  getExpireExact(key: string): bigint | undefined {
    const at = this.getExpire(key);
    if (at === undefined) return undefined;
    return this.hugeExpires?.get(key) ?? BigInt(at);
  }

  /** How Redis holds the key's string, or null when its contents say (see stringForms). */
  stringForm(key: string): StringForm | null {
    return this.stringForms?.get(key) ?? null;
  }

  /** Sets how Redis holds the key's string (after storing the value: a new value drops it). */
  setStringForm(key: string, form: StringForm | null): void {
    if (form !== null) (this.stringForms ??= new Map()).set(key, form);
    else if (this.stringForms !== null) this.stringForms.delete(key);
  }

  /** Marks a key's string as modified in place or built as an sds: `raw` whatever its length. */
  markRaw(key: string): void {
    this.setStringForm(key, 'raw');
  }

  /** Removes the TTL; returns whether there was one. */
  persist(key: string): boolean {
    if (this.expires.size === 0) return false;
    if (this.hugeExpires !== null) this.hugeExpires.delete(key);
    return this.expires.delete(key);
  }

  clear(): void {
    this.lastPos = -1;
    this.memory.used -= this.bytes;
    this.bytes = 0;
    this.unsettled.clear();
    this.sizePages = [];
    this.lfuPages = [];
    this.volatileCursor = null;
    this.index.clearIndex();
    this.n = 0;
    this.keyPages = [];
    this.valPages = [];
    this.atimePages = [];
    if (this.marks !== null) this.marks = [];
    this.expires.clear();
    this.hugeExpires = null;
    this.stringForms = null;
    this.expireCursor = null;
    this.slotCounts?.fill(0);
    this.slotKeys = null;
  }

  /** Up to `count` live keys of a hash slot (cluster mode), from the slot index (built on first use). */
  keysInSlot(slot: number, count: number, now: number): string[] {
    const out: string[] = [];
    if (this.slotCounts === null || this.slotCounts[slot] === 0 || count <= 0) return out;
    if (this.slotKeys === null) {
      const index: (Set<string> | undefined)[] = new Array(SLOT_COUNT);
      for (let i = 0; i < this.n; i++) {
        const key = this.keyAt(i);
        (index[keyHashSlotOfString(key)] ??= new Set()).add(key);
      }
      this.slotKeys = index;
    }
    const keys = this.slotKeys[slot];
    if (keys === undefined) return out;
    // A copy: lazily expiring a key while walking would change the set under the iterator.
    for (const key of [...keys]) {
      if (out.length >= count) break;
      if (this.peek(key, now) !== undefined) out.push(key);
    }
    return out;
  }

  /** A uniformly random live key, or undefined when empty. */
  randomKey(now: number): string | undefined {
    // Bounded retries: in a db full of expired keys we expire some per try.
    for (let tries = 0; tries < 100 && this.n > 0; tries++) {
      const key = this.keyAt(Math.floor(Math.random() * this.n));
      if (this.peek(key, now) !== undefined) return key;
    }
    return this.n > 0 ? this.keyAt(this.n - 1) : undefined;
  }

  /**
   * One SCAN step. `cursor` 0 starts; otherwise it is (position + 1) of the
   * next entry to visit. Visits about `count` entries downward and returns the
   * next cursor (0 when done). Expired keys are skipped (and reclaimed).
   */
  scan(cursor: number, count: number, now: number, visit: (key: string, val: Value) => void): number {
    let pos = cursor === 0 ? this.n - 1 : Math.min(cursor - 1, this.n - 1);
    let budget = Math.max(1, count);
    while (pos >= 0 && budget > 0) {
      const key = this.keyAt(pos);
      const val = this.peek(key, now);
      if (val !== undefined) visit(key, val);
      pos--;
      budget--;
    }
    return pos < 0 ? 0 : pos + 1;
  }

  // ---- snapshot marks (workers/snapshot.ts) ----
  /**
   * While a snapshot is written: one byte per position, 1 = already written
   * (or created after the snapshot started, so not part of it). Moved along
   * with the entry on delete, like the access time.
   */
  private marks: Uint8Array[] | null = null;
  /** Positions below this have been walked by the snapshot. */
  snapCursor = 0;
  /**
   * Told, with the entry still in place, before a delete takes away an
   * unwritten entry or moves one below the cursor (it swaps the last entry
   * into its hole): the snapshot writes it first.
   */
  private onUnwrittenLeaves: ((key: string) => void) | null = null;

  beginMarks(onUnwrittenLeaves: (key: string) => void): void {
    this.marks = this.keyPages.map(() => new Uint8Array(PAGE));
    this.snapCursor = 0;
    this.onUnwrittenLeaves = onUnwrittenLeaves;
  }

  endMarks(): void {
    this.marks = null;
    this.onUnwrittenLeaves = null;
  }

  get marking(): boolean {
    return this.marks !== null;
  }

  isMarked(i: number): boolean {
    return (this.marks as Uint8Array[])[i >>> PAGE_BITS][i & PAGE_MASK] === 1;
  }

  mark(i: number): void {
    (this.marks as Uint8Array[])[i >>> PAGE_BITS][i & PAGE_MASK] = 1;
  }

  positionOf(key: string): number | undefined {
    const i = this.index.lookup(key);
    return i < 0 ? undefined : i;
  }

  keyAtPosition(i: number): string {
    return this.keyAt(i);
  }

  valueAtPosition(i: number): Value {
    return this.valAt(i);
  }

  /** All live keys (KEYS); the callback filters. */
  forEach(now: number, visit: (key: string, val: Value) => void): void {
    // Iterate a snapshot of positions from the top so lazy expiry during the
    // walk (which swaps entries) cannot skip anything.
    for (let pos = this.n - 1; pos >= 0; pos--) {
      if (pos >= this.n) continue;
      const key = this.keyAt(pos);
      // peek's expiry check without its index lookup (the position is known): a
      // lookup per key was most of a SAVE's time at a million keys.
      if (this.expires.size !== 0) {
        const at = this.expires.get(key);
        if (at !== undefined && at <= now) {
          // A replica keeps it for its master's DEL (skipped, not deleted).
          if (this.replicaExpiry === null || !this.replicaExpiry.replica) this.expireKey(key);
          continue;
        }
      }
      visit(key, this.valAt(pos));
    }
  }
}

/** Redis's LFULogIncr: the counter grows with probability 1 / ((counter - LFU_INIT_VAL) * factor + 1). */
function lfuIncr(counter: number, factor: number): number {
  if (counter === 255) return 255;
  const base = counter - LFU_INIT_VAL;
  const p = 1 / ((base < 0 ? 0 : base) * factor + 1);
  return Math.random() < p ? counter + 1 : counter;
}
