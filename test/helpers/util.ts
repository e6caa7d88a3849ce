/**
 * Small helpers every suite uses: the error reply shape, and waiting (a fixed
 * pause, or polling until a condition holds, since most server state, such as
 * INFO counters after a socket closes, settles asynchronously).
 */
import type { Reply } from './resp-client';

/** An error reply as the test clients normalize it. */
export const err = (message: string): Reply => ({ error: message });

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `cond` every `everyMs` until it holds or `ms` pass (it is asked once
 * more at the deadline); resolves with whether it held.
 */
export async function waitFor(cond: () => Promise<boolean> | boolean, ms = 5000, everyMs = 25): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() >= end) return false;
    await sleep(everyMs);
  }
}

/** Like waitFor, but throws (naming `what`) when `cond` does not hold in time. */
export async function eventually(what: string, cond: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  if (!(await waitFor(cond, ms))) throw new Error(`timed out waiting for ${what}`);
}
