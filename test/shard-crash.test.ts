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
  const writer = async (w: number): Promise<void> => {
    const c = await RespClient.connect(srv.port);
    try {
      for (let i = 0; !stop; i++) {
        const k = (w * 7 + i) % KEYS;
        const r = await c.call('INCR', `n:${k}`);
        if (typeof r === 'number') acked[k]++;
        else if (r !== null && typeof r === 'object' && 'error' in r && /^TRYAGAIN /.test(r.error)) refused++;
        else throw new Error(`unexpected reply ${JSON.stringify(r)}`);
      }
    } finally {
      c.close();
    }
  };
  const writers = Promise.all([0, 1, 2, 3].map(writer));
  await new Promise((r) => setTimeout(r, 300));
  t.equal(await admin.call('DEBUG', 'SHARD-CRASH', 1), 'OK');
  await eventually('the shard restart', async () => /shard_restarts:1/.test((await admin.call('INFO', 'tasks')) as string));
  // Serving again on every shard: a write to each key succeeds.
  await eventually('every key writable again', async () => {
    for (let k = 0; k < KEYS; k++) if (typeof (await admin.call('EXISTS', `n:${k}`)) !== 'number') return false;
    return true;
  });
  await new Promise((r) => setTimeout(r, 300));
  stop = true;
  await writers;
  for (let k = 0; k < KEYS; k++) {
    const v = Number((await admin.call('GET', `n:${k}`)) ?? 0);
    t.equal(v, acked[k], `n:${k}: every acknowledged INCR and nothing refused (${refused} refused in all)`);
  }
  t.same(await admin.call('DEBUG', 'SHARD-CRASH', 99), { error: 'ERR no such shard' });
});
