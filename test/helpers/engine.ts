/**
 * A shard engine in the test process, for engine-level tests of command
 * families (as Dragonfly's *_family_test run a family without a server): the
 * same ShardEngine and op table a shard runs, fed the same unencoded batch the
 * inline shard gets (src/core/wire/call-batch.ts), with replies parsed by
 * redis-parser. Faster and more direct than a server over TCP; the black-box
 * and differential suites stay the proof of what clients see.
 */
import RedisParser from 'redis-parser';
import { ShardEngine } from '../../workers/engine';
import { opTable } from '../../workers/ops';
import { CallBatch, type ReplySlot } from '../../src/core/wire/call-batch';
import { RPC_OP } from '../../src/core/wire/shard-batch';
import { ReplyWriter } from '../../src/core/wire/reply-writer';
import { defaultShardSettings, type RpcCall, type RpcMethod, type RpcOutcome, type RpcRequest, type RpcResult, type ShardSettings } from '../../src/core/shard-protocol';
import { normalize, type Reply } from './resp-client';

class Slot implements ReplySlot {
  data: Buffer | null = null;
  start = 0;
  end = 0;
  outcome: RpcOutcome | null = null;
}

export class EngineHarness {
  readonly engine: ShardEngine;
  private readonly arena = new ReplyWriter(64 * 1024);
  db = 0;
  proto: 2 | 3 = 2;
  connId = 1;

  constructor(settings: Partial<ShardSettings> = {}) {
    this.engine = new ShardEngine(0, 1, { ...defaultShardSettings(), ...settings });
  }

  /** Runs one client command (any case, subcommands included) and returns its parsed reply. */
  run(...input: (string | number)[]): Reply {
    const args = input.map(String);
    let entry = opTable.lookup(args[0]);
    if (entry?.subcommands !== undefined && args.length > 1) entry = entry.subcommands.get(args[1].toLowerCase());
    if (entry === undefined || entry.opIndex < 0) throw new Error(`${args[0]} is not a shard command`);
    const calls = new CallBatch<Slot>();
    const slot = new Slot();
    calls.addOwned(entry.opIndex, this.db, this.proto, this.connId, args, slot);
    this.engine.runCalls(calls, this.arena);
    return parse((slot.data as Buffer).subarray(slot.start, slot.end));
  }

  /** Calls a shard RPC as a coordinator would. */
  rpc<M extends RpcMethod>(method: M, req: RpcRequest<M>): RpcResult<M> {
    const calls = new CallBatch<Slot>();
    const slot = new Slot();
    calls.addRpc(RPC_OP, this.db, this.proto, this.connId, { method, req } as RpcCall, slot);
    this.engine.runCalls(calls, this.arena);
    const outcome = slot.outcome as RpcOutcome;
    if (!outcome.ok) throw new Error(outcome.error);
    // The outcome of `method` is that method's result: the shard side is typed against ShardRpc.
    return outcome.value as RpcResult<M>;
  }

  close(): void {
    this.engine.stop();
  }
}

/** One RESP reply (a trusted stream: our own engine) as plain values. */
export function parse(bytes: Buffer): Reply {
  let out: Reply = null;
  const parser = new RedisParser({
    returnBuffers: true,
    returnReply: (r: unknown) => (out = normalize(r)),
    returnError: (e: Error) => (out = { error: e.message }),
  });
  parser.execute(bytes);
  return out;
}
