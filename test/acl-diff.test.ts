/**
 * AUTH, HELLO AUTH, requirepass and ACL against redis-server 7.0.15: the
 * same scenario (several connections, each step on one of them) runs on a
 * fresh redis-server and a fresh Shardis, and every reply must be identical.
 * ACL state outlives FLUSHALL, so each scenario gets its own pair of servers.
 * EXEC re-checks queued commands against rules changed since MULTI (Redis 7.0).
 */
import t from 'tap';
import { RespClient, type Reply } from './helpers/resp-client';
import { ANY_WORKERS, MULTI_SHARD_WORKERS, noRedisServer, startRedis, startShardis, type Teardownable } from './helpers/servers';
import { showCmd, type Cmd } from './helpers/differential';

/** One step: which connection (opened on first use) sends which command. */
type Step = readonly [conn: number, cmd: Cmd];

/**
 * Redis 7.0 describes a user's commands as categories (deterministic) then
 * single commands in the order of its command dict, which is seeded at
 * random per process: two redis-servers print them in different orders. The
 * single-command rules of each description are sorted before comparing.
 */
function sortSingleRules(s: string): string {
  if (!/(^|[ (])[+-]@all( |$|\))/.test(s)) return s;
  return s.replace(/([+-]@all(?: [+-]@[a-z]+)*)((?: [+-][^@ )][^ )]*)*)/g, (_m, head: string, singles: string) =>
    head + singles.split(' ').filter((x) => x !== '').sort().map((x) => ' ' + x).join(''));
}

function sortRulesDeep(r: Reply): Reply {
  if (typeof r === 'string') return sortSingleRules(r);
  if (Array.isArray(r)) return r.map(sortRulesDeep);
  return r;
}

/** Replies whose content is random or timing-dependent, reduced to their shape. */
function normalize(cmd: Cmd, r: Reply): Reply {
  const name = String(cmd[0]).toLowerCase();
  const sub = String(cmd[1] ?? '').toLowerCase();
  // Shardis reports its own version and numbers clients its own way.
  if (name === 'hello' && Array.isArray(r)) return r.filter((_, i) => i < 2 || i > 7 || i === 4 || i === 5);
  if (name === 'acl' && (sub === 'list' || sub === 'getuser')) return sortRulesDeep(r);
  // A category's commands come from a dict walk in Redis: a set.
  if (name === 'acl' && sub === 'cat' && cmd.length === 3 && Array.isArray(r)) return [...r].sort();
  if (name === 'acl' && sub === 'genpass' && typeof r === 'string') return `<${r.length} hex chars ${/^[0-9a-f]*$/.test(r)}>`;
  if (name === 'acl' && sub === 'log' && Array.isArray(r)) {
    // age-seconds and client-info (addresses, fds, buffer sizes) differ; the rest must match.
    return r.map((e) => (Array.isArray(e) ? e.filter((_, i) => i < 10) : e));
  }
  return r;
}

async function runScenario(t: Teardownable, workers: number, steps: readonly Step[], serverArgs: string[] = []): Promise<string[]> {
  const shardis = await startShardis(t, { workers, args: serverArgs });
  const redis = await startRedis(t, serverArgs);
  const conns = new Map<number, [RespClient, RespClient]>();
  const problems: string[] = [];
  try {
    for (const [ci, cmd] of steps) {
      let pair = conns.get(ci);
      if (pair === undefined) {
        pair = [await RespClient.connect(shardis.port), await RespClient.connect(redis.port)];
        conns.set(ci, pair);
      }
      const [a, b] = await Promise.all(pair.map((c) => c.call(...(cmd as (string | Buffer | number)[])).catch(() => ({ error: 'connection closed' }))));
      const x = normalize(cmd, a as Reply);
      const y = normalize(cmd, b as Reply);
      if (JSON.stringify(x) !== JSON.stringify(y)) problems.push(`conn ${ci}: ${showCmd(cmd)}\n  shardis: ${JSON.stringify(x)}\n  redis:   ${JSON.stringify(y)}`);
    }
  } finally {
    for (const [a, b] of conns.values()) {
      a.close();
      b.close();
    }
  }
  return problems;
}

const AUTH_STEPS: Step[] = [
  [0, ['AUTH', 'x']],
  [0, ['AUTH', 'a', 'b', 'c']],
  [0, ['AUTH', 'nobody', 'x']],
  [0, ['AUTH', 'default', 'anything']],
  [0, ['CONFIG', 'SET', 'requirepass', 'secret']],
  [0, ['ACL', 'WHOAMI']],
  [1, ['PING']],
  [1, ['GET', 'k']],
  [1, ['NOSUCHCMD']],
  [1, ['GET']],
  [1, ['HELLO']],
  [1, ['HELLO', '3']],
  [1, ['HELLO', '3', 'AUTH', 'default', 'wrong']],
  [1, ['HELLO', '4', 'AUTH', 'default', 'secret']],
  [1, ['HELLO', '2', 'AUTH', 'default']],
  [1, ['AUTH', 'wrong']],
  [1, ['AUTH', 'default', 'wrong']],
  [1, ['AUTH', 'secret']],
  [1, ['SET', 'k', 'v']],
  [1, ['GET', 'k']],
  [1, ['ACL', 'WHOAMI']],
  [1, ['RESET']],
  [1, ['GET', 'k']],
  [1, ['HELLO', '2', 'AUTH', 'default', 'secret', 'SETNAME', 'me']],
  [1, ['CLIENT', 'GETNAME']],
  [2, ['MULTI']],
  [2, ['AUTH', 'secret']],
  [2, ['GET', 'k']],
  [0, ['ACL', 'LIST']],
  [0, ['CONFIG', 'GET', 'requirepass']],
  [0, ['CONFIG', 'SET', 'requirepass', '']],
  [0, ['ACL', 'LIST']],
  [3, ['GET', 'k']],
  [3, ['AUTH', 'x']],
  [0, ['ACL', 'LOG', '2']],
  [0, ['ACL', 'LOG', 'RESET']],
  [0, ['ACL', 'LOG']],
];

const SETUSER_STEPS: Step[] = [
  [0, ['ACL', 'SETUSER', 'alice', 'on', '>pw', '~foo*', '%R~bar*', '&ch*', '+@read', '-get', '+client|list']],
  [0, ['ACL', 'LIST']],
  [0, ['ACL', 'GETUSER', 'alice']],
  [0, ['ACL', 'GETUSER', 'default']],
  [0, ['ACL', 'GETUSER', 'nobody']],
  [0, ['ACL', 'SETUSER', 'alice', '+client']],
  [0, ['ACL', 'SETUSER', 'alice', '-client|kill']],
  [0, ['ACL', 'GETUSER', 'alice']],
  [0, ['ACL', 'SETUSER', 'bob']],
  [0, ['ACL', 'SETUSER', 'carol', 'on', 'nopass', '(~x* +get)', '(+set', '~y*)']],
  [0, ['ACL', 'SETUSER', 'dave', 'on', 'nopass', '%RW~a*', '%W~b*', '%R~c*', '~d*', '&x', '+@all', '%R~a*']],
  [0, ['ACL', 'SETUSER', 'dave', 'resetpass']],
  [0, ['ACL', 'SETUSER', 'dave', '>x', '>y', '<x', '#' + 'a'.repeat(64)]],
  [0, ['ACL', 'SETUSER', 'dave', '!' + 'a'.repeat(64)]],
  [0, ['ACL', 'LIST']],
  [0, ['ACL', 'GETUSER', 'carol']],
  [0, ['ACL', 'USERS']],
  // Errors: nothing changes when a rule fails.
  [0, ['ACL', 'SETUSER', 'alice', 'off', '#abc']],
  [0, ['ACL', 'SETUSER', 'alice', 'nosuch']],
  [0, ['ACL', 'SETUSER', 'alice', '+nosuch']],
  [0, ['ACL', 'SETUSER', 'alice', '+@nosuch']],
  [0, ['ACL', 'SETUSER', 'alice', '%X~a']],
  [0, ['ACL', 'SETUSER', 'alice', '%~a']],
  [0, ['ACL', 'SETUSER', 'alice', '(']],
  [0, ['ACL', 'SETUSER', 'alice', '(~a', '+get']],
  [0, ['ACL', 'SETUSER', 'a b']],
  [0, ['ACL', 'SETUSER', 'alice', 'allkeys', '~b']],
  [0, ['ACL', 'SETUSER', 'alice', 'allchannels', '&b']],
  [0, ['ACL', 'SETUSER', 'alice', '+client|list|x']],
  [0, ['ACL', 'SETUSER', 'alice', '-get|x']],
  [0, ['ACL', 'SETUSER', 'alice', '+get|']],
  [0, ['ACL', 'SETUSER', 'alice', '<notthere']],
  [0, ['ACL', 'SETUSER', 'newbie', 'on', '+nosuch']],
  [0, ['ACL', 'LIST']],
  [0, ['ACL', 'SETUSER', 'alice', '+select|0', 'reset']],
  [0, ['ACL', 'SETUSER', 'alice', '+select|0', '+get|x', 'ON', 'skip-sanitize-payload']],
  [0, ['ACL', 'GETUSER', 'alice']],
  [0, ['ACL', 'SETUSER', 'alice', '+@all', '-@all', 'nocommands', 'allcommands', 'resetkeys', 'allkeys', 'resetchannels']],
  [0, ['ACL', 'LIST']],
  [0, ['ACL', 'DELUSER', 'default']],
  [0, ['ACL', 'DELUSER', 'nosuch', 'bob']],
  [0, ['ACL', 'USERS']],
  [0, ['ACL', 'GENPASS']],
  [0, ['ACL', 'GENPASS', '5']],
  [0, ['ACL', 'GENPASS', '0']],
  [0, ['ACL', 'GENPASS', '4097']],
  [0, ['ACL', 'GENPASS', 'x']],
  [0, ['ACL', 'CAT']],
  [0, ['ACL', 'CAT', 'nosuch']],
  [0, ['ACL', 'CAT', 'read']],
  [0, ['ACL', 'CAT', 'dangerous']],
  [0, ['ACL', 'CAT', 'Connection']],
  [0, ['ACL', 'WHOAMI']],
  [0, ['ACL', 'LOAD']],
  [0, ['ACL', 'SAVE']],
  [0, ['ACL', 'NOSUCH']],
];

const PERMISSION_STEPS: Step[] = [
  [0, ['ACL', 'SETUSER', 'dave', 'on', '>pw', '%R~a*', '%W~b*', '~c*', '&x', 'resetchannels', '&x', '&p*', '+@all', '-flushall', '-client|kill']],
  [0, ['ACL', 'SETUSER', 'sel', 'on', '>pw', '~k1', '+get', '(~k2 +set)', '(~k3 +get +set)']],
  [0, ['ACL', 'SETUSER', 'off1', 'off', '>pw', '+@all', '~*']],
  [0, ['ACL', 'DRYRUN', 'dave', 'get', 'a']],
  [0, ['ACL', 'DRYRUN', 'dave', 'get', 'b']],
  [0, ['ACL', 'DRYRUN', 'dave', 'set', 'a', '1']],
  [0, ['ACL', 'DRYRUN', 'dave', 'set', 'b', '1']],
  [0, ['ACL', 'DRYRUN', 'dave', 'flushall']],
  [0, ['ACL', 'DRYRUN', 'dave', 'client', 'kill', 'id', '1']],
  [0, ['ACL', 'DRYRUN', 'dave', 'client', 'id']],
  [0, ['ACL', 'DRYRUN', 'dave', 'publish', 'y', 'm']],
  [0, ['ACL', 'DRYRUN', 'dave', 'publish', 'x', 'm']],
  [0, ['ACL', 'DRYRUN', 'dave', 'get']],
  [0, ['ACL', 'DRYRUN', 'dave', 'nosuchcmd']],
  [0, ['ACL', 'DRYRUN', 'nobody', 'get', 'a']],
  [0, ['ACL', 'DRYRUN', 'sel', 'get', 'k1']],
  [0, ['ACL', 'DRYRUN', 'sel', 'set', 'k1', 'v']],
  [0, ['ACL', 'DRYRUN', 'sel', 'set', 'k2', 'v']],
  [0, ['ACL', 'DRYRUN', 'sel', 'get', 'k2']],
  [0, ['ACL', 'DRYRUN', 'sel', 'get', 'k3']],
  [0, ['ACL', 'DRYRUN', 'sel', 'del', 'k1']],
  [1, ['AUTH', 'off1', 'pw']],
  [1, ['AUTH', 'dave', 'wrong']],
  [1, ['AUTH', 'dave', 'pw']],
  [1, ['ACL', 'WHOAMI']],
  [1, ['GET', 'a']],
  [1, ['GET', 'b']],
  [1, ['SET', 'b', '1']],
  [1, ['SET', 'a', '1']],
  [1, ['SET', 'c1', '1']],
  [1, ['MGET', 'a', 'c1']],
  [1, ['MGET', 'a', 'b']],
  [1, ['FLUSHALL']],
  [1, ['PUBLISH', 'y', 'm']],
  [1, ['PUBLISH', 'p1', 'm']],
  [1, ['MULTI']],
  [1, ['GET', 'b']],
  [1, ['GET', 'a']],
  [1, ['EXEC']],
  [2, ['AUTH', 'sel', 'pw']],
  [2, ['SET', 'k2', 'v']],
  [2, ['GET', 'k2']],
  [2, ['GET', 'k1']],
  [2, ['DEL', 'k3']],
  [2, ['SET', 'k1', 'v']],
  [3, ['AUTH', 'dave', 'pw']],
  [3, ['PSUBSCRIBE', 'x*']],
  [3, ['SUBSCRIBE', 'x', 'y']],
  [3, ['SUBSCRIBE', 'x', 'p9']],
  [0, ['ACL', 'LOG', '20']],
  // Deleting a user closes its connections.
  [0, ['ACL', 'DELUSER', 'sel']],
  [2, ['PING']],
];

t.test('AUTH, HELLO AUTH and requirepass as Redis', { skip: noRedisServer }, async (t) => {
  const problems = await runScenario(t, ANY_WORKERS, AUTH_STEPS);
  t.same(problems, [], problems.join('\n'));
});

t.test('ACL SETUSER rules, descriptions and errors as Redis', { skip: noRedisServer }, async (t) => {
  const problems = await runScenario(t, ANY_WORKERS, SETUSER_STEPS);
  t.same(problems, [], problems.join('\n'));
});

t.test('ACL permission checks, NOPERM errors, the ACL log and DELUSER as Redis', { skip: noRedisServer }, async (t) => {
  // Keys on several shards: the check runs before routing, whatever the shard count.
  const workers = MULTI_SHARD_WORKERS[0] ?? ANY_WORKERS;
  const problems = await runScenario(t, workers, PERMISSION_STEPS);
  t.same(problems, [], problems.join('\n'));
});

/** Rules changed between MULTI and EXEC: EXEC checks each queued command again (Redis 7.0's execCommand). */
const EXEC_RECHECK_STEPS: Step[] = [
  [0, ['ACL', 'SETUSER', 'u', 'on', 'nopass', '~*', '&*', '+@all']],
  [1, ['AUTH', 'u', 'x']],
  // Keys on several shards (the lock path), a command taken away.
  [1, ['MULTI']],
  [1, ['SET', 'a', '1']],
  [1, ['GET', 'b']],
  [1, ['PUBLISH', 'ch', 'm']],
  [1, ['SET', 'b', '2']],
  [0, ['ACL', 'SETUSER', 'u', '-set']],
  [1, ['EXEC']],
  // One slot (the one-shard path), keys taken away.
  [0, ['ACL', 'SETUSER', 'u', '+set']],
  [1, ['MULTI']],
  [1, ['SET', '{t}a', '1']],
  [1, ['GET', '{t}b']],
  [1, ['INCR', '{t}a']],
  [0, ['ACL', 'SETUSER', 'u', 'resetkeys', '~{t}a']],
  [1, ['EXEC']],
  [1, ['GET', '{t}a']],
  // Channels taken away.
  [0, ['ACL', 'SETUSER', 'u', 'allkeys']],
  [1, ['MULTI']],
  [1, ['PUBLISH', 'ch', 'm']],
  [1, ['SET', 'c', '1']],
  [1, ['SUBSCRIBE', 'x']],
  [0, ['ACL', 'SETUSER', 'u', 'resetchannels']],
  [1, ['EXEC']],
  // Rules widened: nothing refused; a WATCH that fired still wins.
  [0, ['ACL', 'SETUSER', 'u', 'allchannels']],
  [1, ['WATCH', 'w']],
  [1, ['MULTI']],
  [1, ['SET', 'w', '1']],
  [0, ['SET', 'w', 'other']],
  [0, ['ACL', 'SETUSER', 'u', '-set']],
  [1, ['EXEC']],
  [0, ['ACL', 'LOG', '20']],
  // The user deleted between MULTI and EXEC: the connection is closed, nothing runs.
  [0, ['ACL', 'SETUSER', 'u', '+set']],
  [1, ['MULTI']],
  [1, ['SET', 'gone', '1']],
  [0, ['ACL', 'DELUSER', 'u']],
  [1, ['EXEC']],
  [0, ['EXISTS', 'gone']],
];

t.test('EXEC re-checks queued commands against ACL rules changed since MULTI, as Redis', { skip: noRedisServer }, async (t) => {
  const workers = MULTI_SHARD_WORKERS[0] ?? ANY_WORKERS;
  const problems = await runScenario(t, workers, EXEC_RECHECK_STEPS);
  t.same(problems, [], problems.join('\n'));
});

/**
 * A script's calls are checked against its user's permissions, call by call,
 * as Redis checks them (the shard running the script knows the rules:
 * src/coordination/script-user.ts), and redis.acl_check_cmd answers from them;
 * rules changed between scripts, and a connection changing user, take effect
 * at its next script; the ACL LOG has each refusal (context lua). Before,
 * every call of a script ran unchecked.
 */
const SCRIPT_ACL_STEPS: Step[] = [
  [0, ['ACL', 'SETUSER', 'u', 'on', '>p', '~k*', '&ch*', '+@all', '-flushall']],
  [0, ['SET', 'other', 'secret']],
  [0, ['FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function('getit', function(keys, args) return redis.call('get', args[1]) end)"]],
  [0, ['SCRIPT', 'LOAD', "return redis.call('get', ARGV[1])"]],
  [1, ['AUTH', 'u', 'p']],
  // The connection's first script inside MULTI (one shard: EXEC's single-shard path).
  [1, ['MULTI']],
  [1, ['EVAL', "return redis.call('get', 'other')", '0']],
  [1, ['EXEC']],
  [1, ['EVAL', "return redis.call('get', 'other')", '0']],
  [1, ['EVAL', "return redis.call('get', 'k1')", '0']],
  [1, ['EVAL', "return redis.pcall('get', 'other')", '0']],
  [1, ['EVAL', "local r = redis.pcall('get', 'other') return r['err']", '0']],
  [1, ['EVAL', "return redis.call('flushall')", '0']],
  [1, ['EVAL', "return redis.call('publish', 'zz', 'm')", '0']],
  [1, ['EVAL', "return redis.call('set', KEYS[1], 'v')", '1', 'k1']],
  [1, ['EVAL', "redis.call('set', 'k{a}', '1') redis.call('set', 'k{b}', '2') return redis.call('get', 'other{a}')", '0']],
  [1, ['EVALSHA', '9769d4f2aac8a14015734fe7006aaf1532343e9c', '0', 'other']],
  [1, ['EVAL', "return redis.call('get', ARGV[1])", '0', 'other']],
  [1, ['FCALL', 'getit', '0', 'other']],
  [1, ['FCALL', 'getit', '0', 'k1']],
  [1, ['EVAL', "return redis.acl_check_cmd('get', 'other')", '0']],
  [1, ['EVAL', "return redis.acl_check_cmd('set', 'k2', 'x')", '0']],
  [1, ['EVAL', "return redis.acl_check_cmd('flushall')", '0']],
  [1, ['EVAL', "return redis.acl_check_cmd('nosuch')", '0']],
  [1, ['EVAL', "return redis.acl_check_cmd('client', 'nosuch')", '0']],
  [1, ['EVAL', "return redis.acl_check_cmd('client')", '0']],
  [1, ['MULTI']],
  [1, ['EVAL', "return redis.call('get', 'other')", '0']],
  [1, ['EVAL', "return redis.call('get', 'k1')", '0']],
  [1, ['EXEC']],
  // Rules changed between scripts: the next script sees them.
  [0, ['ACL', 'SETUSER', 'u', '~other']],
  [1, ['EVAL', "return redis.call('get', 'other')", '0']],
  [0, ['ACL', 'SETUSER', 'u', 'resetkeys', '~k*', '(~other +get)']],
  [1, ['EVAL', "return redis.call('get', 'other')", '0']],
  [1, ['EVAL', "return redis.call('set', 'other', 'x')", '0']],
  // Another user on the same connection, and back.
  [1, ['AUTH', 'default', 'x']],
  [1, ['EVAL', "return redis.call('get', 'other')", '0']],
  [1, ['AUTH', 'u', 'p']],
  [1, ['EVAL', "return redis.call('set', 'other', 'x')", '0']],
  [0, ['GET', 'other']],
  // Refused calls are logged with context lua (grouped as Redis groups repeats).
  [0, ['ACL', 'LOG', '20']],
];

for (const workers of new Set([ANY_WORKERS, MULTI_SHARD_WORKERS[0] ?? ANY_WORKERS])) {
  t.test(`a script's calls are checked against its user's ACL rules, as Redis (--workers ${workers})`, { skip: noRedisServer }, async (t) => {
    const problems = await runScenario(t, workers, SCRIPT_ACL_STEPS);
    t.same(problems, [], problems.join('\n'));
  });
}

t.test('ACL CAT, GENPASS and LOG with too many arguments: the subcommand error echoes the subcommand as typed', { skip: noRedisServer }, async (t) => {
  const steps: Step[] = [];
  for (const sub of ['CAT', 'cat', 'Cat', 'GENPASS', 'GenPass', 'LOG', 'lOg']) steps.push([0, ['ACL', sub, '1', '2']]);
  const problems = await runScenario(t, ANY_WORKERS, steps);
  t.same(problems, [], problems.join('\n'));
});
