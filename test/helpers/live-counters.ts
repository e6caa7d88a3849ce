/**
 * The live counts the teardown acceptance watches (connections, their tasks,
 * blocked/watching/pub-sub clients, signal listeners and the other INFO
 * `tasks` fields): after any mix of client lifecycles they must come back to
 * the baseline taken before. Shared by test/teardown.test.ts (TCP, unix
 * socket) and test/tls.test.ts (TLS).
 */
import type { Test } from 'tap';
import type { RespClient } from './resp-client';
import { info, type InfoSections } from './info';
import { waitFor } from './util';

/** INFO tasks fields that count work done, not live state. */
const NOT_LIVE = ['shard_commands_processed', 'lock_acquisitions'];

/** The counters that must return to their baseline (`ignore`: further tasks fields to leave out). */
export function liveCounters(s: InfoSections, ignore: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of ['connected_clients', 'blocked_clients', 'pubsub_clients', 'watching_clients', 'client_read_tasks', 'client_write_tasks']) {
    out[f] = s.clients[f];
  }
  for (const [f, v] of Object.entries(s.tasks)) {
    if (NOT_LIVE.includes(f) || ignore.includes(f)) continue;
    out[f] = v;
  }
  out.pubsub_channels = s.stats.pubsub_channels;
  out.pubsub_patterns = s.stats.pubsub_patterns;
  return out;
}

/** The live counters as `admin` reads them now. */
export async function readLiveCounters(admin: RespClient, ignore: readonly string[] = []): Promise<Record<string, string>> {
  return liveCounters(await info(admin, 'clients', 'stats', 'tasks'), ignore);
}

/** Asserts that the live counters come back to `baseline` within 15 s. */
export async function expectBaseline(t: Test, admin: RespClient, baseline: Record<string, string>, ignore: readonly string[] = []): Promise<void> {
  let now = baseline;
  const settled = await waitFor(async () => {
    now = await readLiveCounters(admin, ignore);
    return JSON.stringify(now) === JSON.stringify(baseline);
  }, 15000);
  t.ok(settled, 'counters settled');
  t.same(now, baseline);
}
