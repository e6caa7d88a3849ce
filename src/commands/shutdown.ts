/**
 * SHUTDOWN: the same orderly stop as SIGTERM, saving first as Redis does
 * (SAVE: always; NOSAVE: never; neither: when save points are set). A failed
 * save cancels the shutdown unless FORCE is given. ABORT has no pending
 * shutdown to cancel (Shardis does not wait for replicas).
 */
import type { CoordOp, Coords } from '../coordination/context';
import { errorReply } from '../resp/replies';
import { ERR_SYNTAX } from '../core/errors';

const shutdown: CoordOp = async (ctx, args) => {
  const opts = args.slice(1).map((a) => a.toLowerCase());
  for (const o of opts) {
    if (!['nosave', 'save', 'now', 'force', 'abort'].includes(o)) return errorReply(ERR_SYNTAX);
  }
  if (opts.includes('save') && opts.includes('nosave')) return errorReply(ERR_SYNTAX);
  if (opts.includes('abort')) {
    if (opts.length > 1) return errorReply(ERR_SYNTAX);
    return errorReply('ERR No shutdown in progress.');
  }
  const mode = opts.includes('save') ? 'save' : opts.includes('nosave') ? 'nosave' : 'default';
  const saved = await ctx.server.shutdownSave(mode);
  if (!saved && !opts.includes('force')) return errorReply('ERR Errors trying to SHUTDOWN. Check logs.');
  // Like Redis, a successful SHUTDOWN never replies: the caller's connection
  // just closes (at once, so the shutdown does not wait out its grace period
  // for a reply that will never come).
  ctx.conn.close('shutdown');
  void ctx.server.close('SHUTDOWN command');
  return new Promise<Buffer>(() => undefined);
};

export const shutdownCoords: Coords = {
  shutdown: shutdown,
};
