/**
 * Shard RPC, the script cache: SCRIPT LOAD, EXISTS and FLUSH reach every shard's cache.
 */
import { ReplyError } from '../../src/core/errors';
import { scriptEngine } from '../scripting/engine';
import type { RpcHandlers } from './handler';

export const scriptingRpc: Pick<RpcHandlers, 'scriptLoad' | 'scriptExists' | 'scriptFlush'> = {
  scriptLoad: (ctx, req) => {
    try {
      return scriptEngine(ctx.shard).load(req.body);
    } catch (err) {
      throw new ReplyError((err as Error).message);
    }
  },
  scriptExists: (ctx, req) => {
    const e = scriptEngine(ctx.shard);
    return req.shas.map((s) => e.has(s.toLowerCase()));
  },
  scriptFlush: (ctx) => scriptEngine(ctx.shard).flush(),
};
