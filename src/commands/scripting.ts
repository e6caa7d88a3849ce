/**
 * SCRIPT LOAD / EXISTS / FLUSH / KILL / HELP: the script cache lives in each
 * shard (a script runs where its keys are), so LOAD compiles in every shard,
 * EXISTS asks every shard (a script EVAL cached in one shard exists), FLUSH
 * empties them all.
 */
import type { CoordOp, Coords } from '../coordination/context';
import { forgetScripts } from '../coordination/scripts';
import { arrayReply, errorReply, helpReply, integerReply, okReply, bulkReply } from '../resp/replies';

const SCRIPT_HELP = [
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
];

const scriptLoad: CoordOp = async (ctx, args) => {
  try {
    const shas = await ctx.server.shards.broadcast('scriptLoad', { body: args[2] });
    return bulkReply(shas[0], ctx.conn.proto);
  } catch (err) {
    return errorReply((err as Error).message);
  }
};

const scriptExists: CoordOp = async (ctx, args) => {
  const perShard = await ctx.server.shards.broadcast('scriptExists', { shas: args.slice(2) });
  return arrayReply(args.slice(2).map((_, i) => integerReply(perShard.some((r) => r[i]) ? 1 : 0)));
};

const scriptFlush: CoordOp = async (ctx, args) => {
  if (args.length > 3) return errorReply('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
  if (args.length === 3) {
    const mode = args[2].toLowerCase();
    if (mode !== 'sync' && mode !== 'async') return errorReply('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
  }
  await ctx.server.shards.broadcast('scriptFlush', undefined);
  forgetScripts(ctx.server);
  return okReply();
};

/**
 * SCRIPT KILL and FUNCTION KILL: asks the running script or function to stop
 * (its busy hook raises an error); one that wrote cannot be stopped.
 */
export const killBusyScript: CoordOp = (ctx) => {
  const shards = ctx.server.shards;
  const busy = shards.busyScript(0);
  if (busy < 0) return errorReply('NOTBUSY No scripts in execution right now.');
  if (!shards.killScript(busy)) {
    return errorReply('UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.');
  }
  return okReply();
};

/**
 * SCRIPT DEBUG: NO (the mode every script runs in here) is accepted; YES and
 * SYNC are refused. Redis's Lua debugger stops a script at each step and
 * waits for the client's next debugger command; here a script runs to its
 * end inside its shard's thread (on the main thread itself with --workers
 * 0), which cannot stop mid-script to read from the client (README,
 * "Scripting").
 */
const scriptDebug: CoordOp = (_ctx, args) => {
  const mode = args[2].toLowerCase();
  if (mode === 'no') return okReply();
  if (mode !== 'yes' && mode !== 'sync') return errorReply('ERR Use SCRIPT DEBUG YES/SYNC/NO');
  return errorReply('ERR SCRIPT DEBUG YES/SYNC is not supported by this server: it has no Lua debugger (a script runs to its end in its shard, which cannot stop mid-script for debugger commands). SCRIPT DEBUG NO is accepted.');
};

const scriptHelp: CoordOp = () => helpReply('SCRIPT', SCRIPT_HELP, 'Prints this help.');

export const scriptingCoords: Coords = {
  'script|load': scriptLoad,
  'script|exists': scriptExists,
  'script|flush': scriptFlush,
  'script|kill': killBusyScript,
  'script|debug': scriptDebug,
  'script|help': scriptHelp,
};
