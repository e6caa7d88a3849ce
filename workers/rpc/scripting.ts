/**
 * Shard RPC, the script cache: SCRIPT LOAD, EXISTS and FLUSH reach every shard's cache.
 */
import { ReplyError } from '../../src/core/errors';
import { scriptRunner, type ScriptRunner, type ShardOpContext } from '../op-context';

function scripts(ctx: ShardOpContext): ScriptRunner {
  const r = scriptRunner(ctx.shard);
  if (r === undefined) throw new ReplyError('ERR scripting is not available in this shard');
  return r;
}
import type { RpcHandlers } from './handler';

export const scriptingRpc: Pick<RpcHandlers, 'scriptLoad' | 'scriptExists' | 'scriptFlush'> = {
  scriptLoad: (ctx, req) => {
    try {
      return scripts(ctx).load(req.body);
    } catch (err) {
      throw new ReplyError((err as Error).message);
    }
  },
  scriptExists: (ctx, req) => {
    const e = scripts(ctx);
    return req.shas.map((s) => e.has(s.toLowerCase()));
  },
  scriptFlush: (ctx) => scripts(ctx).flush(),
};
