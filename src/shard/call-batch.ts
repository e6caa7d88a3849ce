/**
 * The turn's requests for a shard engine that runs on the main thread
 * (`--workers 0`). A worker shard needs the bytes encoded into one
 * transferable batch (src/shard/batch.ts); an inline one does not, so its
 * requests are kept as they are: each argument becomes the latin1 string the
 * ops read (the engine would decode it into one anyway), and replies are
 * written into a reply arena and handed to the connections as views
 * (workers/engine.ts `runCalls`), with no copy of the request or reply bytes.
 *
 * Arguments are converted when a request is added, not when the batch runs,
 * so a caller may reuse or change its `args` array afterwards, as it may with
 * the encoded batch.
 */
import type { PendingReply } from './shard-client';

/** Requests (or arguments) a CallBatch keeps room for between turns. */
const KEEP_ROOM = 4096;

export class CallBatch {
  count = 0;
  readonly ops: number[] = [];
  readonly dbs: number[] = [];
  readonly protos: number[] = [];
  readonly connIds: number[] = [];
  /** Where each request's arguments start in `argv`, and how many it has. */
  readonly argStart: number[] = [];
  readonly argc: number[] = [];
  readonly pendings: PendingReply[] = [];
  readonly argv: string[] = [];
  /**
   * A request's whole argument array, when the dispatcher handed it over
   * (`addOwned`): the engine runs on it directly, name slots overwritten
   * with the canonical names. null when the arguments are in `argv`.
   */
  readonly owned: (string[] | null)[] = [];
  private argLen = 0;

  add(opIndex: number, db: number, proto: number, connId: number, args: readonly (Buffer | string)[], from: number, pending: PendingReply): void {
    const c = this.push(opIndex, db, proto, connId, pending);
    this.argStart[c] = this.argLen;
    this.argc[c] = args.length - from;
    this.owned[c] = null;
    const argv = this.argv;
    let n = this.argLen;
    for (let i = from; i < args.length; i++) {
      const a = args[i];
      argv[n++] = typeof a === 'string' ? a : a.latin1Slice(0, a.length);
    }
    this.argLen = n;
  }

  /**
   * Adds a request whose argument array (name included) nobody else reads or
   * changes any more: it is kept as it is, neither copied nor rebuilt.
   */
  addOwned(opIndex: number, db: number, proto: number, connId: number, args: string[], pending: PendingReply): void {
    const c = this.push(opIndex, db, proto, connId, pending);
    this.argStart[c] = 0;
    this.argc[c] = 0;
    this.owned[c] = args;
  }

  /** Appends the fields every request has; returns its index. */
  private push(opIndex: number, db: number, proto: number, connId: number, pending: PendingReply): number {
    const c = this.count++;
    this.ops[c] = opIndex;
    this.dbs[c] = db;
    this.protos[c] = proto;
    this.connIds[c] = connId;
    this.pendings[c] = pending;
    return c;
  }

  /**
   * Forgets the requests, so nothing they held stays reachable. The arrays
   * keep their room for the next turn, unless a burst (a client pipelining
   * thousands of commands at once) grew them past KEEP_ROOM: that room is
   * given back rather than held for good.
   */
  clear(): void {
    if (this.count > KEEP_ROOM || this.argLen > KEEP_ROOM) {
      for (const a of [this.ops, this.dbs, this.protos, this.connIds, this.argStart, this.argc, this.pendings, this.argv, this.owned]) a.length = 0;
      this.count = 0;
      this.argLen = 0;
      return;
    }
    const pendings = this.pendings;
    const owned = this.owned;
    for (let i = 0; i < this.count; i++) {
      pendings[i] = undefined as unknown as PendingReply;
      owned[i] = null;
    }
    const argv = this.argv;
    for (let i = 0; i < this.argLen; i++) argv[i] = '';
    this.count = 0;
    this.argLen = 0;
  }
}
