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
import { keysOnDifferentShards, shardOf } from './helpers/shards';

const DBG = ['--enable-debug-command', 'yes'];

t.test('a crashed shard comes back with its data under write load', { skip: noMultiShard }, async (t) => {
  const workers = MULTI_SHARD_WORKERS[MULTI_SHARD_WORKERS.length - 1];
  const srv = await startShardis(t, { workers, args: [...DBG, '--appendonly', 'yes', '--appendfsync', 'always'] });
  srv.proc.once('exit', (code) => {
    if (code !== 0) t.comment(`server exited with ${code}:\n${srv.output().slice(-3000)}`);
  });
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

t.test('a crashed shard gets back the effects of cross-shard commands logged since the last rewrite', { skip: noMultiShard }, async (t) => {
  // LMOVE, SMOVE, RENAME and SUNIONSTORE between shards run through a
  // coordinator: the AOF holds the command, which no single shard can run
  // on its own keys alone. The restart replays them with the other keys they
  // read (from the AOF too), then keeps only its own slots.
  const workers = MULTI_SHARD_WORKERS[MULTI_SHARD_WORKERS.length - 1];
  const srv = await startShardis(t, { workers, args: [...DBG, '--appendonly', 'yes', '--appendfsync', 'always'] });
  const c = await connectResp(t, srv.port);
  const lists = keysOnDifferentShards('cl:', workers, workers);
  const sets = keysOnDifferentShards('cs:', workers, workers);
  for (const l of lists) await c.call('RPUSH', l, ...Array.from({ length: 30 }, (_, j) => `${l}:${j}`));
  for (const s of sets) await c.call('SADD', s, ...Array.from({ length: 30 }, (_, j) => `${s}:${j}`));
  // The starting values go into the AOF's base (an RDB): the borrowed keys are read from there too.
  t.equal(await c.call('BGREWRITEAOF'), 'Background append only file rewriting started');
  await eventually('the rewrite', async () => /aof_rewrite_in_progress:0[\s\S]*aof_rewrites:1/.test((await c.call('INFO', 'persistence')) as string), 20_000);
  // Chains across shards: a value read on one shard is written on another, and read from there again later.
  const cmds: (string | number)[][] = [];
  for (let i = 0; i < 200; i++) {
    const a = i % workers;
    const b = (i * 3 + 1) % workers === a ? (a + 1) % workers : (i * 3 + 1) % workers;
    cmds.push(['LMOVE', lists[a], lists[b], i % 2 === 0 ? 'LEFT' : 'RIGHT', 'RIGHT']);
    cmds.push(['SMOVE', sets[a], sets[b], `${sets[i % workers]}:${i % 30}`]);
  }
  cmds.push(['SUNIONSTORE', 'cu:all', ...sets], ['RENAME', lists[0], 'cl:renamed'], ['LPUSH', 'cl:renamed', 'after-rename']);
  await c.pipeline(cmds);
  const names = [...lists, 'cl:renamed', ...sets, 'cu:all'];
  const dump = async (): Promise<unknown[]> =>
    Promise.all(names.map(async (k) => {
      const type = await c.call('TYPE', k);
      if (type === 'list') return c.call('LRANGE', k, 0, -1);
      if (type === 'set') return ((await c.call('SMEMBERS', k)) as string[]).sort();
      return type;
    }));
  const before = await dump();
  const digest = await c.call('DEBUG', 'DIGEST');
  for (let shard = 0; shard < workers; shard++) {
    const crashReply = await c.call('DEBUG', 'SHARD-CRASH', shard);
    t.ok(crashReply === 'OK' || /^TRYAGAIN /.test((crashReply as { error?: string }).error ?? ''), `DEBUG SHARD-CRASH ${shard}`);
    await eventually(`shard ${shard} restarted`, async () => new RegExp(`shard_restarts:${shard + 1}\\b`).test((await c.call('INFO', 'tasks')) as string), 30_000);
    await eventually(`shard ${shard} serving`, async () => typeof (await c.call('DBSIZE')) === 'number', 30_000);
  }
  t.same(await dump(), before, 'every list and set as before the crashes');
  t.equal(await c.call('DEBUG', 'DIGEST'), digest, 'DEBUG DIGEST unchanged');
});

t.test('a restarted shard gets new peer links: cross-shard scripts reach it, and its scripts reach the others', { skip: noMultiShard }, async (t) => {
  const workers = MULTI_SHARD_WORKERS[MULTI_SHARD_WORKERS.length - 1];
  const srv = await startShardis(t, { workers, args: DBG });
  // If the server dies, its last log lines say why.
  srv.proc.once('exit', (code) => {
    if (code !== 0) t.comment(`server exited with ${code}:\n${srv.output().slice(-3000)}`);
  });
  const c = await connectResp(t, srv.port);
  const onCrashed = keyOnShard('crashed:', 1, workers);
  const elsewhere = keyOnShard('other:', 2, workers);
  const script = "redis.call('INCR', KEYS[1]); redis.call('INCR', KEYS[2]); return redis.call('MGET', KEYS[1], KEYS[2])";
  t.same(await c.call('EVAL', script, 2, onCrashed, elsewhere), ['1', '1'], 'before the crash');
  await c.call('DEBUG', 'SHARD-CRASH', 1);
  await eventually('the shard restart', async () => /shard_restarts:1/.test((await c.call('INFO', 'tasks')) as string), 30_000);
  await eventually('the shard serving again', async () => typeof (await c.call('EXISTS', onCrashed)) === 'number', 30_000);
  // Either key first: a script starting on the restarted shard, and one starting on another shard.
  t.same(await c.call('EVAL', script, 2, onCrashed, elsewhere), ['1', '2'], 'from the restarted shard (its INCR was not logged: no AOF)');
  t.same(await c.call('EVAL', script, 2, elsewhere, onCrashed), ['3', '2'], 'into the restarted shard');
});

/** The first key name `${prefix}N` that shard `shard` of `n` owns. */
function keyOnShard(prefix: string, shard: number, n: number): string {
  for (let i = 0; ; i++) if (shardOf(`${prefix}${i}`, n) === shard) return `${prefix}${i}`;
}
