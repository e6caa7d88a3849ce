/**
 * The generated Redis 7.0.15 command metadata (src/core/commands/redis-commands.ts):
 * it is what the reference server reports today (the generator's --check), and
 * every row of the command table agrees with it on arity, flags and key positions.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, noRedisServer } from './helpers/servers';
import { commandTable } from '../src/commands/table';
import { redisMeta, redisCommands } from '../src/core/commands/redis-meta';

t.test('redis-commands.ts is what redis-server 7.0.15 reports', { skip: noRedisServer }, async (t) => {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'src', 'tools', 'gen-command-meta.js'), '--check'], { encoding: 'utf8', timeout: 60_000 });
  t.equal(r.status, 0, `${r.stdout}${r.stderr}`);
});

t.test('rows agree with Redis on arity, flags and key positions', async (t) => {
  const diffs: string[] = [];
  let known = 0;
  for (const e of commandTable.all()) {
    const m = redisMeta(e.fullName);
    if (m === undefined) continue;
    known++;
    const s = e.spec;
    const ours = [...s.flags].sort().join();
    // movablekeys is derived from the key finders.
    const theirs = m.flags.filter((f) => f !== 'movablekeys').sort().join();
    if (s.arity !== m.arity) diffs.push(`${e.fullName} arity ${s.arity} vs ${m.arity}`);
    if (ours !== theirs) diffs.push(`${e.fullName} flags ${ours} vs ${theirs}`);
    if (!s.getKeys && [s.firstKey, s.lastKey, s.step].join() !== m.keys.join()) diffs.push(`${e.fullName} keys ${[s.firstKey, s.lastKey, s.step]} vs ${m.keys}`);
  }
  t.ok(known > 200, `${known} rows have Redis metadata`);
  t.same(diffs, []);
  t.ok(Object.keys(redisCommands).length >= 360, 'every Redis 7.0.15 command and subcommand is in the data');
  t.same(redisMeta('get')?.acl, ['read', 'string', 'fast']);
  t.equal(redisMeta('nosuch'), undefined);
});
