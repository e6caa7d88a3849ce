/**
 * The turn's requests for a shard engine that runs on the main thread
 * (`--workers 0`). A worker shard needs the bytes encoded into one
 * transferable batch (shard-batch.ts); an inline one does not, so its
 * requests are kept as they are: each argument becomes the latin1 string the
 * ops read (the engine would decode it into one anyway), and replies are
 * written into a reply arena and handed to the connections as views
 * (workers/engine.ts `runCalls`), with no copy of the request or reply bytes.
 *
 * Arguments are converted when a request is added, not when the batch runs,
 * so a caller may reuse or change its `args` array afterwards, as it may with
 * the encoded batch. A shard RPC stays the object it is (no serialization).
 */
import type { RpcCall, RpcOutcome } from '../shard-protocol';

/**
 * Where a request's reply goes: the engine writes the reply's bytes as
 * `data[start..end)` (a region of its reply arena), or an RPC's outcome
 * (only RPC slots carry that field: command slots, one per request, stay small).
 */
export interface ReplySlot {
  data: Buffer | null;
  start: number;
  end: number;
  outcome?: RpcOutcome | null;
}

/** Requests (or arguments) a CallBatch keeps room for between turns. */
const KEEP_ROOM = 4096;

export class CallBatch<S extends ReplySlot = ReplySlot> {
  count = 0;
  readonly ops: number[] = [];
  readonly dbs: number[] = [];
  readonly protos: number[] = [];
  readonly connIds: number[] = [];
  /** Where each request's arguments start in `argv`, and how many it has. */
  readonly argStart: number[] = [];
  readonly argc: number[] = [];
  readonly pendings: S[] = [];
  readonly argv: string[] = [];
  /**
   * A request's whole argument array, when the dispatcher handed it over
   * (`addOwned`): the engine runs on it directly, name slots overwritten
   * with the canonical names. null when the arguments are in `argv`.
   */
  readonly owned: (string[] | null)[] = [];
  /** The call of an RPC entry (op index RPC_OP), else null. */
  readonly rpcs: (RpcCall | null)[] = [];
  private argLen = 0;

  add(opIndex: number, db: number, proto: number, connId: number, args: readonly string[], from: number, pending: S): void {
    const c = this.push(opIndex, db, proto, connId, pending);
    this.argStart[c] = this.argLen;
    this.argc[c] = args.length - from;
    this.owned[c] = null;
    this.rpcs[c] = null;
    const argv = this.argv;
    let n = this.argLen;
    for (let i = from; i < args.length; i++) argv[n++] = args[i];
    this.argLen = n;
  }

  /**
   * Adds a request whose argument array (name included) nobody else reads or
   * changes any more: it is kept as it is, neither copied nor rebuilt.
   */
  addOwned(opIndex: number, db: number, proto: number, connId: number, args: string[], pending: S): void {
    const c = this.push(opIndex, db, proto, connId, pending);
    this.argStart[c] = 0;
    this.argc[c] = 0;
    this.owned[c] = args;
    this.rpcs[c] = null;
  }

  /** Adds a shard RPC (op index RPC_OP): the call object itself is what the engine runs. */
  addRpc(rpcOp: number, db: number, proto: number, connId: number, call: RpcCall, pending: S): void {
    const c = this.push(rpcOp, db, proto, connId, pending);
    this.argStart[c] = 0;
    this.argc[c] = 0;
    this.owned[c] = null;
    this.rpcs[c] = call;
  }

  /** Appends the fields every request has; returns its index. */
  private push(opIndex: number, db: number, proto: number, connId: number, pending: S): number {
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
      for (const a of [this.ops, this.dbs, this.protos, this.connIds, this.argStart, this.argc, this.pendings, this.argv, this.owned, this.rpcs]) a.length = 0;
      this.count = 0;
      this.argLen = 0;
      return;
    }
    const pendings = this.pendings;
    const owned = this.owned;
    const rpcs = this.rpcs;
    for (let i = 0; i < this.count; i++) {
      pendings[i] = undefined as unknown as S;
      owned[i] = null;
      rpcs[i] = null;
    }
    const argv = this.argv;
    for (let i = 0; i < this.argLen; i++) argv[i] = '';
    this.count = 0;
    this.argLen = 0;
  }
}
