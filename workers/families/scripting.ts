/**
 * Scripting shard ops: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO (one op, the row's
 * variant says which), FCALL and FCALL_RO. The script runs here, synchronously, against this
 * shard's data (workers/scripting/engine.ts, reached through `scriptRunner`).
 */
import { scriptRunner, type ShardOp, type ShardOpContext, type ShardOps } from '../op-context';
import { parseI64 } from '../../src/core/args/parse';
import { ERR_NOT_INTEGER } from '../../src/core/errors';

/** numkeys as Redis checks it; null when the error was written. A short plain count skips the 64-bit parse (BigInt). */
function numkeys(s: string, argc: number, w: Parameters<ShardOp>[2]): number | null {
  let n: number;
  if (s.length <= 6 && /^(0|[1-9][0-9]*)$/.test(s)) n = Number(s);
  else {
    const big = parseI64(s);
    if (big === null) return (w.error(ERR_NOT_INTEGER), null);
    n = big < 0n ? -1 : big > BigInt(argc) ? argc : Number(big);
  }
  if (n < 0) return (w.error("ERR Number of keys can't be negative"), null);
  if (n > argc - 3) return (w.error("ERR Number of keys can't be greater than number of args"), null);
  return n;
}

/**
 * Every script call that reaches a shard reports its writes ('script-effects',
 * empty when it wrote nothing), so the main thread pairs each script's reply
 * with its own effects even when several scripts of a pipeline ran in one batch.
 */
function reportingEffects(ctx: ShardOpContext, run: () => void): void {
  const outbox = ctx.shard.signals.outbox;
  const before = outbox.length;
  try {
    run();
  } finally {
    let reported = false;
    for (let i = before; i < outbox.length; i++) {
      const ev = outbox[i];
      // An unlocked run aborted to run again under the lock answers nothing: its rerun reports.
      if (ev.type === 'script-effects' || (ev.type === 'script-cross' && ev.aborted !== null)) reported = true;
    }
    if (!reported) outbox.push({ type: 'script-effects', connId: ctx.connId, cmds: [], replies: [] });
  }
}

const opEval: ShardOp<{ sha: boolean; ro: boolean }> = (ctx, args, w, v) => reportingEffects(ctx, () => evalBody(ctx, args, w, v));

const evalBody: ShardOp<{ sha: boolean; ro: boolean }> = (ctx, args, w, v) => {
  // A sha that cannot match is refused before numkeys is read, as Redis's EVALSHA does.
  if (v.sha && args[1].length !== 40) return w.error('NOSCRIPT No matching script. Please use EVAL.');
  if (numkeys(args[2], args.length, w) === null) return;
  const scripts = scriptRunner(ctx.shard);
  if (scripts === undefined) return w.error('ERR scripting is not available in this shard');
  scripts.eval(ctx, args, w, v.sha, v.ro);
};

const opFcall: ShardOp<{ ro: boolean }> = (ctx, args, w, v) => reportingEffects(ctx, () => fcallBody(ctx, args, w, v));

const fcallBody: ShardOp<{ ro: boolean }> = (ctx, args, w, v) => {
  const scripts = scriptRunner(ctx.shard);
  if (scripts === undefined) return w.error('ERR scripting is not available in this shard');
  // The function is looked up before numkeys is read, as Redis's FCALL does.
  if (!scripts.hasFunction(args[1])) return w.error('ERR Function not found');
  if (numkeys(args[2], args.length, w) === null) return;
  scripts.fcall(ctx, args, w, v.ro);
};

export const scriptingOps: ShardOps = { eval: opEval, fcall: opFcall };
