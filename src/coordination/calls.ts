/**
 * Running a coordinator (a main-thread command body): its errors become
 * replies, and its time and outcome go to INFO commandstats. Dispatch and
 * EXEC both run coordinators through here.
 */
import type { CoordContext, CoordOp, TableEntry } from './context';
import { errorReply } from '../resp/replies';
import { latencyBucket } from '../core/latency-buckets';
import { slowlogArgs } from '../core/slow-args';

/** The reply text of an error a coordinator threw: a Redis error as it is, anything else is a bug. */
export function coordError(err: unknown): string {
  if (err instanceof Error && err.name === 'ReplyError') return err.message;
  return `ERR internal error: ${err instanceof Error ? err.message : String(err)}`;
}

/**
 * Time and outcome of a coordinator command for INFO commandstats and the
 * latency histograms (multi-step ones include their waits), and for the slow
 * log and latency monitor, which leave out the time a blocking command waited.
 */
export function countCoordCall(ctx: CoordContext, started: number, reply: Buffer, args: readonly string[], waited: boolean): void {
  const entry = ctx.entry;
  const micros = (performance.now() - started) * 1000;
  entry.usec += micros;
  entry.latency[latencyBucket(micros)]++;
  if (reply.length > 0 && reply[0] === 45 /* '-' */) entry.failedCalls++;
  const monitoring = ctx.server.monitoring;
  if (!(waited && entry.spec.flags.includes('blocking')) && micros >= monitoring.reportMicros()) {
    monitoring.commandTimed(ctx.conn, entry.fullName, slowlogArgs(args), micros, Date.now());
  }
}

/** Runs a coordinator: its reply now, or a promise of it that never rejects. */
export function callCoordinator(op: CoordOp, ctx: CoordContext, args: string[]): Buffer | Promise<Buffer> {
  const started = performance.now();
  let result: Buffer | Promise<Buffer>;
  try {
    result = op(ctx, args);
  } catch (err) {
    result = errorReply(coordError(err));
  }
  if (!(result instanceof Promise)) {
    countCoordCall(ctx, started, result, args, false);
    return result;
  }
  return result.then(
    (buf) => (countCoordCall(ctx, started, buf, args, true), buf),
    (err: unknown) => {
      const buf = errorReply(coordError(err));
      countCoordCall(ctx, started, buf, args, true);
      return buf;
    },
  );
}
