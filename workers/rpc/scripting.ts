/**
 * Shard RPC, the script cache and the function libraries: SCRIPT and FUNCTION
 * management reach every shard's copy.
 */
import { User } from '../../src/core/acl/user';
import { aclCatalog } from '../../src/core/acl/catalog';
import { ReplyError } from '../../src/core/errors';
import { scriptRunner, type ScriptRunner, type ShardOpContext } from '../op-context';

function scripts(ctx: ShardOpContext): ScriptRunner {
  const r = scriptRunner(ctx.shard);
  if (r === undefined) throw new ReplyError('ERR scripting is not available in this shard');
  return r;
}
import type { RpcHandlers } from './handler';

export const scriptingRpc: Pick<
  RpcHandlers,
  'scriptLoad' | 'scriptExists' | 'scriptFlush' | 'functionLoad' | 'functionDelete' | 'functionFlush' | 'functionList' | 'functionRestore' | 'scriptUser'
> = {
  scriptUser: (ctx, { rules }) => {
    if (rules === null) {
      ctx.shard.scriptUsers.delete(ctx.connId);
      return;
    }
    // Only the permissions travel (no name or password): the user as its scripts' calls are checked.
    const user = new User('script', aclCatalog, false);
    user.apply('on', false);
    for (const r of rules) user.apply(r, false);
    ctx.shard.scriptUsers.set(ctx.connId, user);
  },
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
  functionLoad: (ctx, req) => {
    try {
      return scripts(ctx).loadLibrary(req.code, req.replace);
    } catch (err) {
      throw new ReplyError((err as Error).message);
    }
  },
  functionDelete: (ctx, req) => scripts(ctx).deleteLibrary(req.name),
  functionFlush: (ctx) => scripts(ctx).flushFunctions(),
  functionList: (ctx) => scripts(ctx).listLibraries(),
  functionRestore: (ctx, req) => {
    const s = scripts(ctx);
    const before = s.listLibraries();
    try {
      if (req.policy === 'flush') s.flushFunctions();
      for (const code of req.codes) s.loadLibrary(code, req.policy === 'replace');
    } catch (err) {
      // All or nothing: put the libraries back as they were.
      s.flushFunctions();
      for (const lib of before) s.loadLibrary(lib.code, true);
      // RESTORE words a name collision without FUNCTION LOAD's quotes (Redis 7.0.15).
      throw new ReplyError((err as Error).message.replace(/^ERR Library '(.*)' already exists$/, 'ERR Library $1 already exists'));
    }
  },
};
