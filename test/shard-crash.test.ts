/**
 * A shard thread that dies does not take the server down: it is restarted
 * and its slots restored from the snapshot and the AOF while the other shards
 * keep serving; its clients get -TRYAGAIN meanwhile, never a hang; with
 * appendfsync always every acknowledged write is there afterwards, and
 * nothing that was refused.
 */
import t from 'tap';
import { MULTI_SHARD_WORKERS, noMultiShard, startShardis } from './helpers/servers';
import { RespClient, connectResp } from './helpers/resp-client';
import { eventually } from './helpers/util';

const DBG = ['--enable-debug-command', 'yes'];

t.test('a crashed shard comes back with its data under write load', { skip: noMultiShard }, async (t) => {
  const workers = MULTI_SHARD_WORKERS[MULTI_SHARD_WORKERS.length - 1];
  const srv = await startShardis(t, { workers, args: [...DBG, '--appendonly', 'yes', '--appendfsync', 'always'] });
  const admin = await connectResp(t, srv.port);
  const KEYS = 24;
  const acked = new Array<number>(KEYS).fill(0);
  let refused = 0;
  let stop = false;
  // Between the crash and the restart's end: replies that were answers (other shards served) and refusals.
  let down = false;
  let servedWhileDown = 0;
  let refusedWhileDown = 0;
  // Enough logged data that the restore takes a while: the outage is long enough to be seen from outside.
  const filler: (string | number)[][] = [];
  for (let i = 0; i < 10_000; i++) filler.push(['SET', `fill:${i}`, `v${i}`]);
  for (let i = 0; i < filler.length; i += 5000) await admin.pipeline(filler.slice(i, i + 5000));
  const writer = async (w: number): Promise<void> => {
    const c = await RespClient.connect(srv.port);
    try {
      for (let i = 0; !stop; i++) {
        const k = (w * 7 + i) % KEYS;
        const r = await c.call('INCR', `n:${k}`);
        if (typeof r === 'number') {
          acked[k]++;
          if (down) servedWhileDown++;
        } else if (r !== null && typeof r === 'object' && 'error' in r && /^TRYAGAIN /.test(r.error)) {
          refused++;
          if (down) refusedWhileDown++;
        } else throw new Error(`unexpected reply ${JSON.stringify(r)}`);
      }
    } finally {
      c.close();
    }
  };
  const writers = Promise.all([0, 1, 2, 3].map(writer));
  await new Promise((r) => setTimeout(r, 300));
  down = true;
  // The thread may die before its reply crosses over: the command itself then gets the shard's -TRYAGAIN.
  const crashReply = await admin.call('DEBUG', 'SHARD-CRASH', 1);
  t.ok(crashReply === 'OK' || /^TRYAGAIN /.test((crashReply as { error?: string }).error ?? ''), `DEBUG SHARD-CRASH: ${JSON.stringify(crashReply)}`);
  // Generous: on a loaded machine starting a thread and replaying its log can take seconds.
  await eventually('the shard restart', async () => /shard_restarts:1/.test((await admin.call('INFO', 'tasks')) as string), 30_000);
  // Serving again on every shard: a write to each key succeeds.
  await eventually('every key writable again', async () => {
    for (let k = 0; k < KEYS; k++) if (typeof (await admin.call('EXISTS', `n:${k}`)) !== 'number') return false;
    return true;
  }, 30_000);
  down = false;
  t.ok(refusedWhileDown > 0, `the crashed shard's clients got -TRYAGAIN meanwhile (${refusedWhileDown})`);
  t.ok(servedWhileDown > 0, `the other shards kept serving meanwhile (${servedWhileDown} answers)`);
  t.equal(await admin.call('GET', 'fill:9999'), 'v9999', 'the logged data is back');
  t.equal(await admin.call('DBSIZE'), 10_000 + KEYS, 'every key is back');
  await new Promise((r) => setTimeout(r, 300));
  stop = true;
  await writers;
  for (let k = 0; k < KEYS; k++) {
    const v = Number((await admin.call('GET', `n:${k}`)) ?? 0);
    t.equal(v, acked[k], `n:${k}: every acknowledged INCR and nothing refused (${refused} refused in all)`);
  }
  t.same(await admin.call('DEBUG', 'SHARD-CRASH', 99), { error: 'ERR no such shard' });
});
