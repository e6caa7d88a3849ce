/**
 * The shard side of the shard RPC (src/core/shard-protocol.ts): every method's
 * handler, and how a call is run inside the shard's request stream.
 */
import type { RpcCall, RpcOutcome } from '../../src/core/shard-protocol';
import { ReplyError } from '../../src/core/errors';
import type { ShardOpContext } from '../op-context';
import type { RpcHandlers } from './handler';
import { keyspaceRpc } from './keyspace';
import { transferRpc } from './transfer';
import { serverRpc } from './server';
import { transactionRpc } from './transactions';
import { blockingRpc } from './blocking';
import { resultWatchRpc } from './result-watch';
import { clusterRpc } from './cluster';
import { scriptingRpc } from './scripting';
import { persistenceRpc } from './persistence';

const handlers: RpcHandlers = {
  ...keyspaceRpc,
  ...transferRpc,
  ...serverRpc,
  ...transactionRpc,
  ...blockingRpc,
  ...resultWatchRpc,
  ...scriptingRpc,
  ...persistenceRpc,
  ...clusterRpc,
};

/**
 * RPCs that change whole databases outside a client command's own op: a
 * snapshot in progress (workers/snapshot.ts) is completed first. RPCs that
 * change single keys keep their old values key by key instead, as commands
 * do: `restore`, `delete`, `storeList` and `delKeysInSlots` through
 * Db.delete (every write of theirs deletes the key first), `bpop` where it
 * serves (rpc/blocking.ts), `bundo` below.
 */
const WHOLE_DB = new Set<string>(['flushdb', 'flushall', 'swapdb', 'rdbLoadFile']);

/** Runs one RPC: its result, or the Redis error it threw (anything else is a bug, reported as an internal error). */
export function runRpc(ctx: ShardOpContext, call: RpcCall): RpcOutcome {
  try {
    // `call` pairs a method with its own request type; indexing the handler
    // table by a union method loses that pairing, so the handler is called
    // through a signature that takes the request as it came.
    const snapshot = ctx.shard.snapshot;
    if (snapshot !== null) {
      if (WHOLE_DB.has(call.method)) snapshot.materialize(ctx.now);
      // Puts a popped element back into its key in place.
      else if (call.method === 'bundo') snapshot.preserve(ctx.dbIndex, call.req.key, ctx.now);
    }
    const handler = handlers[call.method] as (ctx: ShardOpContext, req: unknown) => unknown;
    return { ok: true, value: handler(ctx, call.req) };
  } catch (err) {
    if (err instanceof ReplyError) return { ok: false, error: err.message };
    return { ok: false, error: `ERR internal error: ${(err as Error).message}` };
  }
}
