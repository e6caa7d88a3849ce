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
  private argLen = 0;

  add(opIndex: number, db: number, proto: number, connId: number, args: readonly (Buffer | string)[], from: number, pending: PendingReply): void {
    const c = this.count++;
    this.ops[c] = opIndex;
    this.dbs[c] = db;
    this.protos[c] = proto;
    this.connIds[c] = connId;
    this.argStart[c] = this.argLen;
    this.argc[c] = args.length - from;
    this.pendings[c] = pending;
    const argv = this.argv;
    let n = this.argLen;
    for (let i = from; i < args.length; i++) {
      const a = args[i];
      argv[n++] = typeof a === 'string' ? a : a.latin1Slice(0, a.length);
    }
    this.argLen = n;
  }

  /** Forgets the requests (keeping the arrays' room), so nothing they held stays reachable. */
  clear(): void {
    const pendings = this.pendings;
    for (let i = 0; i < this.count; i++) pendings[i] = undefined as unknown as PendingReply;
    const argv = this.argv;
    for (let i = 0; i < this.argLen; i++) argv[i] = '';
    this.count = 0;
    this.argLen = 0;
  }
}
