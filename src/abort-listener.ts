/**
 * Abort listeners that are counted and always removed.
 *
 * Every piece of per-connection work that must stop when the connection ends
 * (a blocked command's timer, its shard waiters, subscriptions, watches)
 * registers one listener on the connection's signal through `onAbort`, and
 * calls the returned disposer when its work ends some other way. The live
 * count is INFO's `signal_listeners`: after every connection is gone it is
 * back at zero, which is what the teardown tests assert.
 *
 * Subsystems hold one listener per connection (not one per key or channel),
 * so a connection never has more than a handful and Node never warns about
 * too many listeners.
 */
import type { TaskCounts } from './stats';

export type Disposer = () => void;

export function onAbort(signal: AbortSignal, counts: TaskCounts, fn: () => void): Disposer {
  if (signal.aborted) {
    fn();
    return noop;
  }
  let live = true;
  const listener = (): void => {
    if (!live) return;
    live = false;
    counts.signalListeners--;
    fn();
  };
  signal.addEventListener('abort', listener, { once: true });
  counts.signalListeners++;
  return () => {
    if (!live) return;
    live = false;
    signal.removeEventListener('abort', listener);
    counts.signalListeners--;
  };
}

function noop(): void {}
