/**
 * Small helpers every suite uses: the error reply shape, and waiting (a fixed
 * pause, or polling until a condition holds, since most server state, such as
 * INFO counters after a socket closes, settles asynchronously).
 */
import net from 'node:net';
import type { Reply } from './resp-client';

/** An error reply as the test clients normalize it. */
export const err = (message: string): Reply => ({ error: message });

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A reply's kind for race tests: an error's first word (MOVED, ASK, CLUSTERDOWN, ...), else the reply as text. */
export function replyKind(r: Reply): string {
  return typeof r === 'object' && r !== null && 'error' in r ? r.error.split(' ')[0] : String(r);
}

/** Holds this thread for `micros` without yielding: puts a chosen gap between two requests sent from here. */
export function spin(micros: number): void {
  const until = process.hrtime.bigint() + BigInt(Math.round(micros * 1000));
  while (process.hrtime.bigint() < until);
}

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

/** Connects to host:port, sends `send`, and returns what came back within `ms`, or the connection error's code. */
export function rawExchange(port: number, host: string, send: string, ms = 500): Promise<{ data: string; closed: boolean; error?: string }> {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    let data = '';
    let closed = false;
    s.on('data', (d: Buffer) => (data += d.toString('latin1')));
    s.on('close', () => {
      closed = true;
      resolve({ data, closed });
    });
    s.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ECONNRESET') resolve({ data, closed: true, error: e.code ?? e.message });
    });
    s.once('connect', () => s.write(send));
    setTimeout(() => {
      s.destroy();
      resolve({ data, closed });
    }, ms);
  });
}

/** Whether a TCP port accepts connections. */
export function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
