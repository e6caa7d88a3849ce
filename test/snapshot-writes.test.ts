/**
 * A BGSAVE is a point-in-time snapshot whatever the writes during it: a
 * seeded random mix of overwrites, deletes, renames and moves (across shards
 * too), expiries, pops that empty keys, copies, writes in another database,
 * and clients blocked on lists served by pushes, runs while the save walks;
 * the file, loaded into a fresh server, must have the DEBUG DIGEST the
 * dataset had when BGSAVE started.
 */
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ANY_WORKERS, MULTI_SHARD_WORKERS, startShardis } from './helpers/servers';
import { connectResp } from './helpers/resp-client';
import { eventually } from './helpers/util';

const DBG = ['--enable-debug-command', 'yes'];

function tmpDir(tt: { teardown(fn: () => unknown): void }): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'shardis-snapw-'));
  tt.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  return d;
}

type Cmd = (string | number)[];

t.test('random writes and blocked clients during a BGSAVE: the file is the dataset as it was at the start', async (t) => {
  const counts = [...new Set([ANY_WORKERS, ...MULTI_SHARD_WORKERS])];
  for (const [n, workers] of counts.entries()) {
    let seed = 7919 * (n + 1);
    const rnd = (k: number): number => (seed = (seed * 1103515245 + 12345) % 2147483648) % k;
    const dir = tmpDir(t);
    const srv = await startShardis(t, { workers, dir, args: DBG });
    const c = await connectResp(t, srv.port);
    const N = 60_000;
    // Every type; k:<i> with i % 6 === 1 are lists (the blocked clients' keys).
    const fill: Cmd[] = [];
    for (let i = 0; i < N; i++) {
      const k = `k:${i}`;
      if (i % 6 === 0) fill.push(['SET', k, `v${i}`]);
      else if (i % 6 === 1) fill.push(['RPUSH', k, 'a', 'b', String(i)]);
      else if (i % 6 === 2) fill.push(['HSET', k, 'f', String(i), 'g', 'x']);
      else if (i % 6 === 3) fill.push(['SADD', k, 'a', String(i)]);
      else if (i % 6 === 4) fill.push(['ZADD', k, 1, 'a', 2, String(i)]);
      else fill.push(['SET', k, `e${i}`, 'EX', 100_000 + i]);
      if (i % 10 === 0) fill.push(['SELECT', 1], ['SET', `d1:${i}`, 'x'], ['SELECT', 0]);
    }
    await c.pipeline(fill);
    const key = (): string => `k:${rnd(N)}`;
    const list = (): string => `k:${1 + 6 * rnd(N / 6)}`;
    const [before, started] = await c.pipeline([['DEBUG', 'DIGEST'], ['BGSAVE']]);
    t.equal(started, 'Background saving started');
    let going = true;
    const blockers = await Promise.all([0, 1, 2].map(() => connectResp(t, srv.port)));
    const blocking = blockers.map(async (b, i) => {
      let served = 0;
      while (going) {
        const r = i === 0 ? await b.call('BLPOP', `empty:${rnd(50)}`, list(), 0.05) : await b.call('BLMOVE', list(), i === 1 ? list() : key(), 'LEFT', 'RIGHT', 0.05);
        if (r !== null) served++;
      }
      return served;
    });
    // Two writers at once: commands on one key (many per turn), and commands
    // on several keys, which cross shards (one at a time, under the shard lock).
    let saving = true;
    const writer = async (w: Awaited<ReturnType<typeof connectResp>>, several: boolean): Promise<number> => {
      let sent = 0;
      while (saving) {
        const batch: Cmd[] = [];
        for (let j = 0; j < (several ? 10 : 100); j++) {
          const k = key();
          const pick = rnd(several ? 6 : 15);
          if (several) {
            if (pick === 0) batch.push(['RENAME', k, `r:${rnd(N)}`]);
            else if (pick === 1) batch.push(['COPY', k, `c:${rnd(N)}`, 'REPLACE']);
            else if (pick === 2) batch.push(['LMOVE', list(), list(), 'LEFT', 'RIGHT']);
            else if (pick === 3) batch.push(['UNLINK', k, key()]);
            else if (pick === 4) batch.push(['SMOVE', k, key(), 'a']);
            else batch.push(['MSET', k, 'm1', key(), 'm2']);
          } else if (pick === 0) batch.push(['SET', k, 'new']);
          else if (pick === 1) batch.push(['DEL', k]);
          else if (pick === 2) batch.push(['PEXPIRE', k, 1]);
          else if (pick === 3) batch.push(['EXPIRE', k, 1]);
          else if (pick === 4) batch.push(['MOVE', k, 1]);
          else if (pick === 5) batch.push(['GET', k]);
          else if (pick === 6) batch.push(['LPOP', k, 5]);
          else if (pick === 7) batch.push(['SPOP', k, 3]);
          else if (pick === 8) batch.push(['GETDEL', k]);
          else if (pick === 9) batch.push(['HDEL', k, 'f', 'g']);
          else if (pick === 10) batch.push(['ZPOPMIN', k, 2]);
          else if (pick === 11) batch.push(['SELECT', 1], ['DEL', `d1:${rnd(N)}`], ['SELECT', 0]);
          else batch.push(['RPUSH', list(), 'pushed', String(j)]);
        }
        await w.pipeline(batch);
        sent += batch.length;
      }
      return sent;
    };
    const writers = [writer(await connectResp(t, srv.port), false), writer(await connectResp(t, srv.port), true)];
    await eventually('the save', async () => /rdb_bgsave_in_progress:0/.test(String(await c.call('INFO', 'persistence'))), 60_000);
    saving = false;
    const writes = (await Promise.all(writers)).join(' and ');
    going = false;
    const served = (await Promise.all(blocking)).reduce((a, b) => a + b, 0);
    t.match(String(await c.call('INFO', 'persistence')), /rdb_last_bgsave_status:ok/);
    t.not(await c.call('DEBUG', 'DIGEST'), before, `--workers ${workers}: ${writes} commands during the save changed the dataset (${served} blocked clients served)`);
    const copy = tmpDir(t);
    fs.copyFileSync(path.join(dir, 'dump.rdb'), path.join(copy, 'dump.rdb'));
    const other = await startShardis(t, { workers, dir: copy, args: DBG });
    const oc = await connectResp(t, other.port);
    t.equal(await oc.call('DEBUG', 'DIGEST'), before, `--workers ${workers}: the file has the start's digest`);
    await other.stop();
    await srv.stop();
  }
});
