/**
 * Everything that crosses between the main thread and a shard besides client
 * commands: the shard's settings and start-up task, control messages, the
 * events a shard sends unasked, and the shard RPC.
 *
 * The shard RPC is how coordinators (src/coordination/) ask a shard for
 * anything that is not a client command: each operation is a method of
 * `ShardRpc`, a request and a reply of plain typed data. It travels in the
 * same ordered stream as the client commands (a `RPC_OP` entry of the batch,
 * src/core/wire/shard-batch.ts), so an RPC sent after a command runs after it
 * in that shard. The shard side implements every method (workers/rpc/), and
 * the compiler checks that both sides agree on the types.
 */
import type { MessagePort } from 'node:worker_threads';

// ---------------------------------------------------------------------------
// Settings, start-up and control

/** The settings shard code reads; CONFIG SET sends changes to every shard. */
/** The thresholds at which a small collection leaves its packed encoding (CONFIG's names in the comments). */
export interface EncodingLimits {
  /** hash-max-listpack-entries / -value */
  hashMaxListpackEntries: number;
  hashMaxListpackValue: number;
  /** set-max-intset-entries */
  setMaxIntsetEntries: number;
  /** zset-max-listpack-entries / -value */
  zsetMaxListpackEntries: number;
  zsetMaxListpackValue: number;
  /** list-max-listpack-size: > 0 entries per quicklist node, -1..-5 a node size of 4..64 KiB. */
  listMaxListpackSize: number;
  /** list-compress-depth: quicklist nodes kept uncompressed at each end (0: none compressed). */
  listCompressDepth: number;
}

export interface ShardSettings {
  databases: number;
  /** proto-max-bulk-len: the largest string a command may build (APPEND, SETRANGE, ...). */
  protoMaxBulkLen: number;
  /** hz: active expiry cycles per second. */
  hz: number;
  /** active-expire-effort (1-10): how much of each cycle active expiry may spend (workers/expiry.ts). */
  activeExpireEffort: number;
  /** DEBUG SET-ACTIVE-EXPIRE: the active expiry cycle runs (keys still expire when they are looked up). */
  activeExpire: boolean;
  /** maxmemory in bytes (0: none); each shard enforces its share (workers/eviction.ts). */
  maxmemory: number;
  /** maxmemory-policy: what eviction picks, and whether accesses count LFU frequency. */
  maxmemoryPolicy: string;
  /** maxmemory-samples: keys sampled per eviction round. */
  maxmemorySamples: number;
  /** maxmemory-eviction-tenacity (0-100): how many keys one command may evict before it gives up for now. */
  maxmemoryEvictionTenacity: number;
  lfuLogFactor: number;
  lfuDecayTime: number;
  /** notify-keyspace-events as NOTIFY bits (src/core/notify.ts); 0 = off. */
  notifyFlags: number;
  /** stream-node-max-bytes / stream-node-max-entries: when XADD starts a new stream node (and so what `~` trims). */
  streamNodeMaxBytes: number;
  streamNodeMaxEntries: number;
  /** hll-sparse-max-bytes: a sparse HyperLogLog growing past it becomes dense. */
  hllSparseMaxBytes: number;
  /** hash-/zset-max-listpack-*, set-max-intset-entries, list-max-listpack-size: when a collection leaves its packed encoding. */
  encodingLimits: EncodingLimits;
  /** lazyfree-lazy-user-del / -server-del / -expire / -eviction: which deletions free lazily (workers/lazyfree.ts). */
  lazyfree: { userDel: boolean; serverDel: boolean; expire: boolean; eviction: boolean };
  /** tracking-table-max-keys (0: no limit); each shard keeps its share of it (workers/key-signals.ts). */
  trackingTableMaxKeys: number;
  /** Some client tracks in BCAST mode: every written key is reported (`invalidate` event). */
  trackingBcast: boolean;
  /** A replica under replica-read-only: scripts' write calls are refused (-READONLY), as Redis's scriptCall. */
  replicaReadOnly: boolean;
  /**
   * A replica: keys expire only by its master's DELs. Expired keys are hidden
   * from reads but kept, the active cycle is off, and the master's own
   * client (connection `masterConnId`) still sees them (Redis's expireIfNeeded).
   */
  replica: boolean;
  masterConnId: number;
  /**
   * Writes are propagated (a replication backlog exists or the AOF is on):
   * keys deleted by expiry or eviction are reported (`propagate-del` event)
   * so replicas and the AOF delete them too, as Redis propagates a DEL.
   */
  propagateDeletes: boolean;
  /** slowlog-log-slower-than in microseconds (-1 = off): slower commands are reported (`slow` event). */
  slowlogSlowerThan: number;
  /** latency-monitor-threshold in milliseconds (0 = off): slower commands are reported too. */
  latencyMonitorThreshold: number;
  /** cluster-enabled: db 0 counts its keys per hash slot (workers/db.ts). */
  clusterEnabled: boolean;
  /** rdbcompression: LZF-compress long strings in DUMP payloads and RDB files. */
  rdbCompression: boolean;
}

/**
 * Set in a request's connection id when it is one shard's part of a split
 * command (DEL, MGET, MSET ... over several shards): the part's time is not
 * the command's, so the shard does not report it as slow; the main thread
 * times the whole command.
 */
export const SPLIT_PART = 0x80000000;

/**
 * Set in a request's connection id when its client tracks the keys it reads
 * (CLIENT TRACKING, default mode, this read counted by OPTIN/OPTOUT): the
 * shard remembers the command's keys for it.
 */
export const TRACK_READS = 0x40000000;
/**
 * Set in a script's request (EVAL family, FCALL) when it runs in its
 * declared keys' shard without the shard lock (src/coordination/scripts.ts):
 * the script is aborted, unrun, if it reaches another shard's key before it
 * wrote (ShardEvent 'script-cross'), and the main thread runs it again under
 * the lock.
 */
export const SCRIPT_UNLOCKED = 0x20000000;
/**
 * Set in a client's command dispatched on its own (a script too, where one
 * shard runs scripts as plain commands; not a part of EXEC or of a split
 * command, nor a script the script coordinator runs): clients blocked on
 * keys it gives data to are served right after it, in its shard, as Redis
 * serves them after each command. The main thread knows where such a command sits in the
 * propagation feed, so the pops are logged right after it.
 */
export const SERVES_BLOCKED = 0x10000000;
/** The connection id bits of a request's connection id field (the rest are the flags above). */
export const CONN_ID_MASK = 0x0fffffff;

export const defaultShardSettings = (): ShardSettings => ({
  databases: 16,
  protoMaxBulkLen: 512 * 1024 * 1024,
  hz: 10,
  activeExpireEffort: 1,
  activeExpire: true,
  maxmemory: 0,
  maxmemoryPolicy: 'noeviction',
  maxmemorySamples: 5,
  maxmemoryEvictionTenacity: 10,
  lfuLogFactor: 10,
  lfuDecayTime: 1,
  notifyFlags: 0,
  streamNodeMaxBytes: 4096,
  streamNodeMaxEntries: 100,
  hllSparseMaxBytes: 3000,
  encodingLimits: {
    hashMaxListpackEntries: 512,
    hashMaxListpackValue: 64,
    setMaxIntsetEntries: 512,
    zsetMaxListpackEntries: 128,
    zsetMaxListpackValue: 64,
    listMaxListpackSize: -2,
    listCompressDepth: 0,
  },
  lazyfree: { userDel: false, serverDel: false, expire: false, eviction: false },
  trackingTableMaxKeys: 1000000,
  trackingBcast: false,
  replicaReadOnly: false,
  replica: false,
  masterConnId: 0,
  propagateDeletes: false,
  slowlogSlowerThan: 10000,
  latencyMonitorThreshold: 0,
  clusterEnabled: false,
  rdbCompression: true,
});

/** The long-lived piscina task that is one shard thread (workers/shard.ts). */
/**
 * The shard-to-shard links a script uses to reach keys on other shards while
 * it runs (workers/scripting/peers.ts). Only with two or more shard threads.
 */
export interface PeerLinks {
  /** Index j: the port this shard calls shard j on (null for itself). */
  calls: (MessagePort | null)[];
  /** Int32 per shard: shard j sets slot j and wakes this shard when its answer is posted. */
  signal: SharedArrayBuffer;
  /** Ports other shards call this one on, each with the caller's signal buffer. */
  served: { from: number; port: MessagePort; signal: SharedArrayBuffer }[];
  /** Every shard's progress through the main thread's messages (src/core/shard-progress.ts), the same buffer for all. */
  progress: SharedArrayBuffer;
}

/**
 * Shared with the main thread, per shard: a running script's state, read by
 * the main thread for -BUSY and SCRIPT KILL without a message (the shard is
 * busy running the script). Int32 [0] kill request, Int32 [1] the script
 * wrote; Float64 [1] (bytes 8..15) start time in ms, 0 when no script runs;
 * Int32 [4] set when the main thread has answered a script's PUBLISH (ShardEvent
 * `publish`), Int32 [5] its receivers.
 */
export const SCRIPT_CONTROL_BYTES = 24;

export interface ShardTask {
  port: MessagePort;
  peers: PeerLinks | null;
  scriptControl: SharedArrayBuffer;
  shardId: number;
  shardCount: number;
  settings: ShardSettings;
  logLevel: string;
  /** logfile: where the shard's log lines go ('' = stdout). */
  logFile: string;
}

/** Control messages to a worker shard; anything that is an ArrayBuffer is a request batch. */
/**
 * `loadFile`: the RDB file being loaded (shared memory, not copied: every
 * shard reads its own keys from the same bytes), or null once loaded; it
 * goes before the batch whose rdbLoadFile calls read it.
 */
export type ShardControl =
  | { type: 'shutdown' }
  | { type: 'settings'; patch: Partial<ShardSettings> }
  | { type: 'loadFile'; data: SharedArrayBuffer | null }
  /**
   * Shard `peer` was restarted after a crash: `call` is this shard's new port
   * to it (the old one died with it), `served` the port it calls this shard
   * on, with its new signal buffer.
   */
  | { type: 'peerLink'; peer: number; call: MessagePort; served: MessagePort; signal: SharedArrayBuffer };

/** The non-batch messages a worker shard sends: it has started; events for the main thread. */
export type ShardMessage = { type: 'started'; shardId: number } | { type: 'events'; events: ShardEvent[] };

export interface ShardTaskResult {
  shardId: number;
  commands: number;
}

// ---------------------------------------------------------------------------
// Events (a shard tells the main thread without being asked)

export type ShardEvent =
  /** A key that blocked clients wait on was written: the main thread retries them. */
  | { type: 'ready'; db: number; key: string }
  /**
   * The shard served a blocked client itself, right after the command that
   * gave it data (entry `after` of the batch being answered, whose reply
   * follows), as Redis serves blocked clients after each command: `token`
   * names the wait (BpopRequest), `reply` its reply (RESP, latin1), `undo`
   * how to put the data back if the client is gone.
   */
  | { type: 'served'; token: number; after: number; reply: string; undo: UndoRequest | null }
  /** RESP bytes (latin1) to push to a connection (a `.WATCH` result). */
  | { type: 'push'; connId: number; data: string }
  /** The same RESP bytes for several connections (one `.WATCH` result for all its watchers: copied once). */
  | { type: 'push-many'; connIds: number[]; data: string }
  /** A keyspace notification: the main thread publishes it to its channels. */
  | { type: 'keyspace'; db: number; event: string; key: string }
  /**
   * A command that took at least the slow log's or the latency monitor's
   * threshold: `op` its op index, `args` cut as the slow log keeps them
   * (src/core/slow-args.ts), `at` when it ran (ms since the epoch).
   */
  | { type: 'slow'; connId: number; op: number; micros: number; at: number; args: string[] }
  /**
   * A key was written (CLIENT TRACKING): `conns` are the connections that
   * read it since its last write (now forgotten), `by` the writer (0: expiry
   * or a coordinator's write-back). Sent for every write while BCAST is on.
   */
  | { type: 'invalidate'; key: string; by: number; conns: number[] }
  /**
   * The writes a script made (each command and its RESP reply, latin1), sent
   * before the script's reply: the AOF logs them, in MULTI/EXEC, as Redis 7
   * propagates a script's effects.
   */
  | { type: 'script-effects'; connId: number; cmds: string[][]; replies: string[] }
  /**
   * PUBLISH / SPUBLISH from a script: the main thread delivers it; `answer`:
   * the shard's thread waits for the receivers' count (SCRIPT_CONTROL_BYTES).
   */
  | { type: 'publish'; channel: string; message: string; sharded: boolean; answer: boolean }
  /** A script's call refused by its user's ACL rules: the main thread adds it to the ACL LOG (context lua). */
  | { type: 'acl-denied'; connId: number; reason: 'command' | 'key' | 'channel'; object: string }
  /**
   * A script reached a key outside its declared keys' hash slots (`script`:
   * its sha, or `f:` and the function's name), sent before its reply: the
   * main thread runs that script under the shard lock from now on.
   * `aborted` (it ran without the lock, reached another shard and had not
   * written) is a random token, also in the run's error reply
   * (SCRIPT_ABORTED_REPLY): the main thread runs that call again under the
   * lock. Null otherwise.
   */
  | { type: 'script-cross'; connId: number; script: string; aborted: string | null }
  /** A key expired or was evicted while writes are propagated (settings.propagateDeletes): DEL it downstream. */
  | { type: 'propagate-del'; db: number; key: string };

/** The start of an aborted unlocked script's reply; the event's token follows, then `)`. */
export const SCRIPT_ABORTED_REPLY = '-ERR script aborted to run under the shard lock (';

export type KeyspaceEvent = Extract<ShardEvent, { type: 'keyspace' }>;

// ---------------------------------------------------------------------------
// The shard RPC

/** A key's value as it moves between shards: type, serialized contents, deadline. */
export interface DumpedValue {
  /** The value's type tag (`string`, `list`, ...); workers/value.ts reads it back. */
  type: string;
  /** The serialized value, one latin1 char per byte. */
  payload: string;
  /** Deadline in ms since the epoch, or null for no TTL. */
  expireAt: bigint | null;
  /** How Redis holds the string, when its contents alone do not tell (null: they do). */
  form: StringForm | null;
}

/**
 * How Redis holds a string value when its contents alone do not say
 * (otherwise: `int` for a canonical 64-bit integer, shared when 0..9999,
 * else `embstr` up to 44 bytes, else `raw`), for OBJECT ENCODING and
 * REFCOUNT. It follows the value through RENAME, MOVE, SWAPDB and COPY
 * (Redis moves or duplicates the object as it is); a new value drops it.
 * - `raw`: modified in place or built as an sds (APPEND, SETRANGE, SETBIT,
 *   BITFIELD, BITOP, PFADD ...), `raw` whatever its length;
 * - `text`: made from text (INCRBYFLOAT's result), never an `int`: `embstr`
 *   or `raw` by length, even when it reads as an integer;
 * - `private-int`: an `int` of its own (a COPY), never the shared one.
 */
export type StringForm = 'raw' | 'text' | 'private-int';

/** The form of a string COPY makes: Redis duplicates the object, so an integer becomes a private one. */
export function copiedForm(form: StringForm | null, isInteger: boolean): StringForm | null {
  return form === null && isInteger ? 'private-int' : form;
}

/** One key of a cross-shard command: its value before (or after) the command, null when absent. */
export interface KeyValue {
  key: string;
  value: DumpedValue | null;
}

export interface ScanRequest {
  cursor: number;
  count: number;
  pattern: string | null;
  type: string | null;
}

export interface ScanPage {
  /** The shard-local cursor to go on from, 0 when this shard is done. */
  next: number;
  /** Entries looked at: the coordinator spends what is left of COUNT on the next shard. */
  visited: number;
  keys: string[];
}

/** A command queued in MULTI, as the shard runs it: op index and the arguments after the name. */
export interface QueuedOp {
  opIndex: number;
  args: string[];
}

/**
 * One attempt of a blocking command on the keys of one shard (the main thread
 * owns the waiters, src/coordination/blocking/). Modes:
 *   0  retry after a 'ready': nothing registered; a key of the wrong type is
 *      skipped (the client keeps waiting, as Redis 7.0 does)
 *   1  first attempt: type errors are replied, serve if possible, else register
 *   2  first attempt behind other blocked clients: validate and register, but
 *      never take data (the clients already waiting are served first)
 *   3  validation only (the first step of a cross-shard stream read)
 * `cmd` is the command (blpop, brpop, blmpop, bzpopmin, bzpopmax, bzmpop,
 * blmove, xread, xreadgroup) or a step of a cross-shard move (peek,
 * destcheck, popone).
 */
export interface BpopRequest {
  mode: 0 | 1 | 2 | 3;
  cmd: string;
  params: string[];
  keys: string[];
  /** Stream reads: the ID per key. */
  ids: string[];
  /**
   * The wait's id (main thread), 0 for none (a single try inside EXEC). A
   * retry (mode 0) with a token serves only while the wait is still
   * registered here: the shard may have served it already ('served').
   */
  token?: number;
  /**
   * Registering (modes 1, 2): the shard may serve this wait itself, right
   * after a command that gives it data. Only for a wait whose keys are all
   * on this shard (a move too when its destination is here): a wait over
   * several shards is served by the main thread, which can take it from
   * each shard exactly once.
   */
  here?: boolean;
}

export type BpopResult =
  | {
      served: true;
      /** The client's reply (RESP, latin1). */
      reply: string;
      /** How to put the data back (`bundo`) if the client is gone when the reply arrives. */
      undo: UndoRequest | null;
      /** Stream reads: which of the sent keys were served, and each one's part of the reply. */
      streams: { index: number; part: string }[];
    }
  | { served: false; /** Stream reads: the IDs with `$` resolved. */ ids: string[] };

export interface UndoRequest {
  kind: 'lpush' | 'rpush' | 'zadd';
  key: string;
  /** Elements (pushed back one at a time), or score/member pairs. */
  items: string[];
}

/**
 * A shard's snapshot in progress (workers/snapshot.ts): INFO persistence's
 * current_cow_* (its copies on write are Shardis's copy-on-write memory) and
 * current_save_keys_*.
 */
export interface SnapshotProgress {
  /** Entries copied on write, not yet pulled by the main thread. */
  copiedBytes: number;
  /** The most those copies held at once during this snapshot. */
  peakCopiedBytes: number;
  /** Keys of the snapshot's start written so far (walked, or copied on write). */
  keysWritten: number;
  keysTotal: number;
}

/** What one shard reports for INFO. */
export interface ShardInfo {
  shard: number;
  commands: number;
  batches: number;
  busyMicros: number;
  expiredKeys: number;
  /** Time in active expiry cycles, and the cycles cut short by their time budget. */
  expireCycleMicros: number;
  expireTimeCapReached: number;
  /** Time spent over maxmemory: finished stretches, and the current one (0 when under). */
  evictionExceededMicros: number;
  evictionExceededNowMicros: number;
  /** Keys removed to stay under maxmemory. */
  evictedKeys: number;
  /** The snapshot being written (BGSAVE, AOF rewrite, full sync) or the last one's final figures; null before any. */
  snapshot: SnapshotProgress | null;
  /** Values freed lazily, as Redis's lazyfreed_objects counts them (workers/lazyfree.ts). */
  lazyfreed: number;
  /** Keys read by read commands that were there / were not (INFO keyspace_hits / keyspace_misses). */
  keyspaceHits: number;
  keyspaceMisses: number;
  /** CLIENT TRACKING's table here: keys, and (key, client) pairs (INFO tracking_total_keys / _items). */
  trackedKeys: number;
  trackedItems: number;
  /** The shard's accounted dataset bytes (sum of MEMORY USAGE estimates). */
  usedMemory: number;
  /** This thread's event-loop use since it started (performance.eventLoopUtilization). */
  eventLoopUtilization: number;
  /** This thread's V8 heap (each worker thread has its own isolate). */
  heapUsed: number;
  heapTotal: number;
  /** [db index, keys, keys with a TTL, sum of sampled remaining TTLs (ms), sampled count]. */
  dbs: [number, number, number, number, number][];
  /** [op index, microseconds spent, failed calls] for every op that ran. */
  ops: [number, number, number][];
  /** [op index, calls per latency bucket] (bucket k: up to 1024·2^k ns, see src/core/latency-buckets.ts) for every op timed. */
  latency: [number, number[]][];
  /** Writes applied (Redis's dirty counter, this shard's part). */
  dirty: number;
  /** Live connection-owned listeners on keys, by kind (see workers/key-signals.ts). */
  listeners: { block: number; watch: number; result: number };
  /** Connections whose scripts' ACL rules this shard holds (`scriptUser`), dropped with the connection. */
  scriptUsers: number;
  /** This shard's scripting engine, for INFO memory and MEMORY STATS. */
  scripting: ScriptingMemory;
}

/**
 * A shard's script cache, interpreter and function libraries, in the bytes
 * Redis 7.0 would report for them (its allocations for the same scripts).
 */
export interface ScriptingMemory {
  /** Cached scripts (EVAL, SCRIPT LOAD): [sha, bytes without the cache's dict table]. A script EVALed in one shard is cached there only. */
  scripts: [string, number][];
  /** The Lua interpreter's heap (Lua's own count, in whole KB, as Redis reports it); 0 before the first script. */
  vmBytes: number;
  /** Function libraries, the same in every shard. */
  libraries: number;
  functions: number;
  functionBytes: number;
}

/**
 * The shard RPC. Every request also carries the db, protocol and connection
 * id of its batch entry: methods act in that db, write client replies in that
 * protocol, and register listeners for that connection.
 */
export interface FunctionLibrary {
  name: string;
  code: string;
  functions: { name: string; flags: string[]; description: string | null }[];
}

export interface ShardRpc {
  /** Keys in the db. */
  dbsize(req: void): number;
  /** Cluster mode: keys of db 0 in a hash slot (CLUSTER COUNTKEYSINSLOT). */
  countKeysInSlot(req: { slot: number }): number;
  /** Cluster mode: up to `count` keys of db 0 in a hash slot (CLUSTER GETKEYSINSLOT). */
  getKeysInSlot(req: { slot: number; count: number }): string[];
  /** Cluster mode: deletes the keys of db 0 in these slots (a slot this node lost); how many went. */
  delKeysInSlots(req: { slots: number[] }): number;
  /** How many of these keys exist (a migrating slot: ASK for the missing ones). */
  countExisting(req: { keys: string[] }): number;
  /** `lazy`: ASYNC, or lazyfree-lazy-user-flush (every key counts in lazyfreed_objects). */
  flushdb(req: { lazy: boolean } | undefined): void;
  flushall(req: { lazy: boolean } | undefined): void;
  /** Live keys matching a glob pattern. */
  keys(req: { pattern: string }): string[];
  scan(req: ScanRequest): ScanPage;
  randomkey(req: void): string | null;
  /** Swaps two dbs (indexes checked by the coordinator). */
  swapdb(req: { a: number; b: number }): void;
  /**
   * DEBUG POPULATE: `prefix:<j>` for j below `count`, those of this shard
   * that are absent, set to `value:<j>` (cut or NUL-padded to `size` bytes
   * when size > 0).
   */
  populate(req: { count: number; prefix: string; size: number }): void;
  /**
   * A key's value and deadline, or null when absent. `read`: the command
   * looks the key up as a read (COPY's source): a keyspace hit or miss, and
   * `keymiss`.
   */
  dump(req: { key: string; read?: boolean }): DumpedValue | null;
  /**
   * Stores a dumped value (`nx`: only if the key does not exist); true if
   * stored. A coordinator's write-back: listeners are signalled, no keyspace
   * notification is raised (the coordinator raises the command's own).
   */
  /** Stores a dumped value (`change`: a command's own write, COPY's, which counts for the dirty counter; a write-back does not). */
  restore(req: { key: string; value: DumpedValue; mode: 'replace' | 'nx'; change?: boolean }): boolean;
  /** Removes a key without a notification (a coordinator's write-back); true if it existed. */
  delete(req: { key: string }): boolean;
  /**
   * Runs a client command whose keys span shards on a scratch copy of them
   * (src/coordination/scratch.ts): the keys' values go in, the reply, the
   * changed keys and the notifications the op raised come out.
   */
  scratch(req: { opIndex: number; args: string[]; keys: KeyValue[] }): { reply: string; changed: KeyValue[]; events: KeyspaceEvent[] };
  /**
   * SORT / SORT_RO computed on the sorted key's shard under the shard lock
   * (the cross-shard plan): pattern keys on other shards are read from them
   * (`patternValues`, a peer call). Nothing is stored: the elements (null
   * where a GET found nothing) and the STORE destination, if any.
   */
  sortResult(req: { args: string[]; readonly: boolean }): { out: (string | null)[]; storekey: string | null };
  /** SORT's pattern reads on this shard, each `[key, hash field or null]`: the string value or field, or null. */
  patternValues(req: { reads: [key: string, field: string | null][] }): (string | null)[];
  /** Stores a SORT result as a list (empty: deletes the key), silently; whether the key existed before. */
  storeList(req: { key: string; items: string[] }): boolean;
  /**
   * The ACL permissions a connection's scripts run with here (`rules`: its
   * user's root selector rules, then each selector in parentheses), or null
   * for a user allowed everything. Sent before a script whenever they changed
   * (src/coordination/script-user.ts).
   */
  scriptUser(req: { rules: string[] | null }): void;
  /** The connection ended: drop every listener it left here; how many. */
  connClosed(req: void): number;
  /** `perOp`: with `ops` and `latency` (commandstats, latencystats); without, they are empty and INFO costs a fraction. */
  info(req: { perOp: boolean }): ShardInfo;
  resetStats(req: void): void;
  /** A full collection in this shard's isolate (DEBUG GC); a no-op without --expose-gc. */
  gc(req: void): void;
  /** WATCH: the connection watches keys of the db. */
  watch(req: { keys: string[] }): void;
  /** Whether a watched key of the connection changed here; drops its watches either way. */
  watchCheck(req: void): boolean;
  unwatch(req: void): void;
  /** EXEC on one shard: the watch check and every queued command in one step; the EXEC reply (RESP). */
  exec(req: { commands: QueuedOp[] }): string;
  bpop(req: BpopRequest): BpopResult;
  /** The connection stopped waiting: drop its 'block' listeners here; how many. */
  bunblock(req: void): number;
  /** Puts back what a gone client was served; how many elements went back. */
  bundo(req: UndoRequest): number;
  /** `<CMD>.WATCH`: subscribes the connection to the op's result; the first message (RESP). */
  resultWatch(req: { fp: number; opIndex: number; args: string[] }): { isNew: boolean; message: string };
  /** `<CMD>.UNWATCH`: ends the connection's subscriptions with that fingerprint and command; how many. */
  resultUnwatch(req: { fp: number; name: string }): number;
  /** SCRIPT LOAD: compiles and caches a script body; its sha1 (a compile error is thrown as the Redis error). */
  scriptLoad(req: { body: string }): string;
  /** SCRIPT EXISTS: per sha1, whether this shard's cache has it. */
  scriptExists(req: { shas: string[] }): boolean[];
  /** SCRIPT FLUSH. */
  scriptFlush(req: void): void;
  /** FUNCTION LOAD [REPLACE]; the library name (errors thrown as the Redis error). */
  functionLoad(req: { code: string; replace: boolean }): string;
  /** FUNCTION DELETE; false if there is no such library. */
  functionDelete(req: { name: string }): boolean;
  functionFlush(req: void): void;
  /** FUNCTION LIST / DUMP / STATS: every library with its code and functions. */
  functionList(req: void): FunctionLibrary[];
  /**
   * FUNCTION RESTORE: loads libraries by policy ('flush' empties first,
   * 'append' fails on a name that exists, 'replace' replaces); all or nothing.
   */
  functionRestore(req: { codes: string[]; policy: 'flush' | 'append' | 'replace' }): void;
  /**
   * This shard's part of an RDB file: per non-empty database, its key and
   * TTL counts and its key entries already in RDB form (src/core/rdb/file.ts
   * writeKeyEntry), taken in one step so the part is a point-in-time snapshot.
   */
  rdbSave(req: { compress: boolean }): RdbShardPart;
  /** Starts a point-in-time snapshot (workers/snapshot.ts); per db with keys: [db, keys, keys with a TTL]. */
  snapshotStart(req: { compress: boolean }): [number, number, number][];
  /**
   * The snapshot's next entries of one db: about maxBytes of them, or fewer
   * when writing them took maxMicros (requests waiting for the shard wait at
   * most about that long); done when that db is all written.
   */
  snapshotChunk(req: { db: number; maxBytes: number; maxMicros: number }): { data: Uint8Array; done: boolean };
  /** Ends the snapshot (also after a failed save); its last figures, or null when none ran. */
  snapshotEnd(req: void): SnapshotProgress | null;
  /** DEBUG SHARD-CRASH: the shard thread dies of an uncaught exception right after replying (tests of crash recovery). */
  crash(req: void): void;
  /** Writes applied since the shard started (Redis's dirty counter, this shard's part). */
  dirty(req: void): number;
  /**
   * Reads the next step (about maxBytes) of the RDB file the shard was given
   * (ShardControl loadFile) and stores the keys of its own slots, skipping
   * others; `from` is where the previous step stopped. `read`: keys of its
   * slots read, `loaded`: stored (keys past their deadline are not);
   * `libraries`: FUNCTION2 records seen; `done` at EOF (`pos` then just past
   * it, for the caller's checksum check).
   */
  /** `alsoKeep`: keys of other shards' slots to load too (a restarted shard's borrowed keys). */
  rdbLoadFile(req: { from: { pos: number; db: number }; maxBytes: number; databases: number; alsoKeep?: string[] }): {
    pos: number;
    db: number;
    done: boolean;
    read: number;
    loaded: number;
    libraries: string[];
  };
  /**
   * DEBUG DIGEST: per database (every one, empty ones as null), the XOR of
   * its keys' digests in hex; DEBUG DIGEST-VALUE (keys given): each key's
   * value digest in the request's db.
   */
  digest(req: { keys: string[] | null }): (string | null)[];
}

/** One shard's part of an RDB file (see ShardRpc.rdbSave). */
export interface RdbShardPart {
  dbs: { db: number; size: number; expires: number; data: Uint8Array }[];
}

export type RpcMethod = keyof ShardRpc;
export type RpcRequest<M extends RpcMethod> = Parameters<ShardRpc[M]>[0];
export type RpcResult<M extends RpcMethod> = ReturnType<ShardRpc[M]>;

/** One RPC as it travels: the method and its request. */
export type RpcCall = { [M in RpcMethod]: { method: M; req: RpcRequest<M> } }[RpcMethod];

/** What an RPC came back with: its result, or the error (a Redis error text) it threw. */
export type RpcOutcome = { ok: true; value: unknown } | { ok: false; error: string };
