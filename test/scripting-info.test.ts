/**
 * INFO memory's scripting fields and MEMORY STATS' lua.caches and
 * functions.caches against redis-server 7.0.15: the same SCRIPT, EVAL and
 * FUNCTION steps on both, and after each the script and function counts and
 * Redis's byte figures for them must be equal (they were hard-coded zeros).
 * The interpreter's own heap differs by engine (one interpreter per shard
 * here): it is checked for what it must be, a count in whole KB that grows
 * once scripts run. Steps stay at four scripts and four functions at most:
 * beyond that a Redis dict grows, and until enough operations have stepped
 * its rehash Redis counts its old and new tables both.
 */
import t from 'tap';
import { MULTI_SHARD_WORKERS, WORKER_MATRIX, noRedisServer, startRedis, startShardis } from './helpers/servers';
import { connectResp, type RespClient } from './helpers/resp-client';
import { info } from './helpers/info';

type Cmd = string[];

/** Redis 7.0.15's scripting lines of INFO memory, in its order. */
const FIELDS = [
  'used_memory_lua', 'used_memory_vm_eval', 'used_memory_lua_human', 'used_memory_scripts_eval', 'number_of_cached_scripts',
  'number_of_functions', 'number_of_libraries', 'used_memory_vm_functions', 'used_memory_vm_total', 'used_memory_vm_total_human',
  'used_memory_functions', 'used_memory_scripts', 'used_memory_scripts_human',
];
/** The ones that describe the caches, not the interpreter: equal on both servers. */
const COMPARED = ['used_memory_scripts_eval', 'number_of_cached_scripts', 'number_of_functions', 'number_of_libraries', 'used_memory_functions'];

const long = (n: number): string => 'x'.repeat(n);
const lib = (name: string, body: string): string => `#!lua name=${name}\n${body}`;

const STEPS: Cmd[] = [
  ['EVAL', 'return 1', '0'],
  ['EVAL', 'return 1', '0'],
  ['SCRIPT', 'LOAD', `return '${long(36)}'`],
  ['SCRIPT', 'LOAD', `return '${long(300)}'`],
  ['EVALSHA', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db', '0'],
  ['SCRIPT', 'LOAD', `return '${long(70000)}'`],
  ['SCRIPT', 'FLUSH'],
  ['EVAL', "return redis.call('set', KEYS[1], 'v')", '1', 'k'],
  // 44 bytes: the last size Redis keeps as an embedded string.
  ['SCRIPT', 'LOAD', `return '${long(35)}'`],
  ['FUNCTION', 'LOAD', lib('a', "redis.register_function('f', function() return 1 end)")],
  ['FUNCTION', 'LOAD', lib('libraryname', "redis.register_function('fffffffffffffffffffffffffffffffffffff', function() return 1 end)\nredis.register_function('g', function() return 2 end)")],
  ['FUNCTION', 'LOAD', lib('c', `redis.register_function{function_name='h', callback=function() return 1 end, description='${long(100)}', flags={'no-writes'}}\n-- ${long(400)}`)],
  ['FUNCTION', 'LOAD', 'REPLACE', lib('a', `redis.register_function('f9', function() return 1 end) -- ${long(40)}`)],
  ['FCALL', 'f9', '0'],
  ['FUNCTION', 'DELETE', 'libraryname'],
  ['FUNCTION', 'FLUSH'],
  ['SCRIPT', 'FLUSH'],
];

async function memoryLines(c: RespClient): Promise<[string, string][]> {
  const text = String(await c.call('INFO', 'memory'));
  return text.split('\r\n').filter((l) => l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]);
}

async function memoryStats(c: RespClient): Promise<Record<string, unknown>> {
  const r = (await c.call('MEMORY', 'STATS')) as unknown[];
  const out: Record<string, unknown> = {};
  for (let i = 0; i < r.length; i += 2) out[String(r[i])] = r[i + 1];
  return out;
}

t.test('INFO memory and MEMORY STATS count scripts and functions as redis-server does', { skip: noRedisServer }, async (t) => {
  const redis = await startRedis(t);
  const rc = await connectResp(t, redis.port);
  for (const workers of [WORKER_MATRIX[0], WORKER_MATRIX[WORKER_MATRIX.length - 1]]) {
    const s = await startShardis(t, { workers });
    const sc = await connectResp(t, s.port);
    await rc.call('SCRIPT', 'FLUSH');
    await rc.call('FUNCTION', 'FLUSH');
    const wrong: string[] = [];
    const check = async (after: string): Promise<void> => {
      const r = new Map(await memoryLines(rc));
      const lines = await memoryLines(sc);
      const m = new Map(lines);
      for (const f of COMPARED) if (r.get(f) !== m.get(f)) wrong.push(`after ${after}: ${f} ${m.get(f)} (redis-server ${r.get(f)})`);
      // used_memory_scripts is the two caches' sum on both; its _human form as Redis prints it.
      if (Number(m.get('used_memory_scripts')) !== Number(m.get('used_memory_scripts_eval')) + Number(m.get('used_memory_functions'))) wrong.push(`after ${after}: used_memory_scripts is not the sum`);
      if (r.get('used_memory_scripts') === m.get('used_memory_scripts') && r.get('used_memory_scripts_human') !== m.get('used_memory_scripts_human')) wrong.push(`after ${after}: used_memory_scripts_human ${m.get('used_memory_scripts_human')} (redis-server ${r.get('used_memory_scripts_human')})`);
      const order = lines.map(([k]) => k).filter((k) => FIELDS.includes(k));
      if (order.join() !== FIELDS.join()) wrong.push(`after ${after}: fields ${order.join()}`);
      const vm = Number(m.get('used_memory_vm_eval'));
      if (m.get('used_memory_lua') !== String(vm) || vm % 1024 !== 0) wrong.push(`after ${after}: used_memory_lua ${m.get('used_memory_lua')}, vm_eval ${vm}`);
      if (Number(m.get('used_memory_vm_total')) !== vm + Number(m.get('used_memory_vm_functions'))) wrong.push(`after ${after}: used_memory_vm_total is not the sum`);
      const [rs, ms] = [await memoryStats(rc), await memoryStats(sc)];
      for (const f of ['lua.caches', 'functions.caches']) if (rs[f] !== ms[f]) wrong.push(`after ${after}: MEMORY STATS ${f} ${String(ms[f])} (redis-server ${String(rs[f])})`);
    };
    await check('start');
    for (const cmd of STEPS) {
      const [a, b] = [await rc.call(...cmd), await sc.call(...cmd)];
      t.same(b, a, `workers ${workers}: ${cmd.join(' ').slice(0, 60)} answers as redis-server`);
      await check(cmd.join(' ').slice(0, 50));
    }
    t.same(wrong, [], `workers ${workers}: scripting memory figures as redis-server's after every step`);
    // The interpreter's heap: nothing before the first script, then Lua's count (tens of KB at least).
    const fresh = await startShardis(t, { workers });
    const fc = await connectResp(t, fresh.port);
    const before = (await info(fc, 'memory')).memory;
    t.equal(before.used_memory_lua, '0', `workers ${workers}: no interpreter before the first script`);
    await fc.call('EVAL', 'return 1', '0');
    const after = (await info(fc, 'memory')).memory;
    t.ok(Number(after.used_memory_lua) >= 16 * 1024, `workers ${workers}: used_memory_lua ${after.used_memory_lua} once a script ran`);
    t.match(after.used_memory_lua_human, /^\d+\.\d\d[KMG]$/, 'used_memory_lua_human as Redis prints it');
  }
});

t.test('a script EVALed on two shards is one cached script', { skip: noRedisServer || (MULTI_SHARD_WORKERS.length === 0 ? 'no multi-shard worker count in SHARDIS_TEST_WORKERS' : false) }, async (t) => {
  const redis = await startRedis(t);
  const rc = await connectResp(t, redis.port);
  const s = await startShardis(t, { workers: MULTI_SHARD_WORKERS[0] });
  const sc = await connectResp(t, s.port);
  // Keys on different shards: the body is compiled and cached in each shard it ran in.
  for (const key of ['a', 'b', 'c', 'd', 'e', 'f']) for (const c of [rc, sc]) await c.call('EVAL', 'return KEYS[1]', '1', key);
  for (const c of [rc, sc]) await c.call('SCRIPT', 'LOAD', 'return 2');
  const [r, m] = [(await info(rc, 'memory')).memory, (await info(sc, 'memory')).memory];
  t.equal(m.number_of_cached_scripts, r.number_of_cached_scripts, 'number_of_cached_scripts');
  t.equal(m.used_memory_scripts_eval, r.used_memory_scripts_eval, 'used_memory_scripts_eval');
  t.ok(Number(m.used_memory_lua) > 0, `the interpreters' heaps are counted (${m.used_memory_lua} bytes)`);
});
