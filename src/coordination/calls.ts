/**
 * Running a coordinator (a main-thread command body): its errors become
 * replies, and its time and outcome go to INFO commandstats. Dispatch and
 * EXEC both run coordinators through here.
 */
import type { CoordContext, CoordOp, TableEntry } from './context';
import { errorReply } from '../resp/replies';

/** The reply text of an error a coordinator threw: a Redis error as it is, anything else is a bug. */
export function coordError(err: unknown): string {
  if (err instanceof Error && err.name === 'ReplyError') return err.message;
  return `ERR internal error: ${err instanceof Error ? err.message : String(err)}`;
}

/** Time and outcome of a coordinator command for INFO commandstats (multi-step ones include their waits). */
export function countCoordCall(entry: TableEntry, started: number, reply: Buffer): void {
  entry.usec += (performance.now() - started) * 1000;
  if (reply.length > 0 && reply[0] === 45 /* '-' */) entry.failedCalls++;
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
    countCoordCall(ctx.entry, started, result);
    return result;
  }
  return result.then(
    (buf) => (countCoordCall(ctx.entry, started, buf), buf),
    (err: unknown) => {
      const buf = errorReply(coordError(err));
      countCoordCall(ctx.entry, started, buf);
      return buf;
    },
  );
}
