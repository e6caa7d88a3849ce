/**
 * The shape of the shard side of the shard RPC (src/core/shard-protocol.ts):
 * one handler per method, with the method's own request and result types.
 */
import type { RpcMethod, RpcRequest, RpcResult } from '../../src/core/shard-protocol';
import type { ShardOpContext } from '../op-context';

export type RpcHandlers = { [M in RpcMethod]: (ctx: ShardOpContext, req: RpcRequest<M>) => RpcResult<M> };
