/**
 * Differential tests of scripting against a real redis-server 7.0.15: the
 * same EVAL/EVALSHA/SCRIPT commands on both, replies compared byte for byte
 * (RESP2 and RESP3). Covers the Lua -> RESP and RESP -> Lua conversions,
 * Lua 5.1 number formatting and library functions (unpack, table.getn,
 * loadstring), the sandbox's errors, redis.* helpers, cjson, cmsgpack, bit
 * and struct, the read-only variants, binary-safe strings and the script
 * cache. Keys share a hash tag, so every script's keys live on one shard.
 */
import t from 'tap';
import { DifferentialSuite, type Cmd } from './helpers/differential';
import { RawReplyClient } from './helpers/resp3';

const suite = new DifferentialSuite(t);

const ev = (body: string, keys: string[] = [], args: (string | Buffer)[] = []): Cmd => ['EVAL', body, String(keys.length), ...keys, ...args];
const K = ['{s}a', '{s}b', '{s}c'];

const CONVERSIONS: Cmd[] = [
  ev('return 1'), ev('return -7'), ev('return 3.99'), ev('return -3.99'), ev('return 1e30'), ev('return 0/0'),
  ev("return 'x'"), ev("return ''"), ev('return true'), ev('return false'), ev('return nil'),
  ev("return {1, 2, 3.7, 'a', nil, 5}"), ev('return {}'), ev('return {{1, {2, {3}}}, {}}'),
  ev("return {ok='fine'}"), ev("return {err='bad thing'}"), ev("return {err='nospace'}"), ev("return {ok='a\\r\\nb'}"),
  ev("return redis.status_reply('STAT')"), ev("return redis.error_reply('MYERR something')"), ev("return redis.error_reply('x')"),
  ev("return redis.error_reply('-CODE msg')"), ev("local t = redis.error_reply('E1 y') return t.err"),
  ev("return {1, true, false, {ok='in'}, {err='in err'}}"),
  ev("return {double=3.5}"), ev("return {map={a=1}}"), ev("return {set={x=true}}"), ev("return {big_number='123'}"),
  ev('return {double=1/0}'), ev('return {double=-1/0}'), ev('return {double=0/0}'), ev('return {double=-(0/0)}'), ev('return {double=1e300*1e10}'),
];

const RESP_TO_LUA: Cmd[] = [
  ['SET', '{s}a', '10'], ['RPUSH', '{s}b', 'x', 'y', 'z'], ['HSET', '{s}c', 'f', 'v'],
  ev("return redis.call('get', KEYS[1])", K), ev("return redis.call('get', 'nokey{s}')"), ev("return type(redis.call('get', 'nokey{s}'))"),
  ev("return redis.call('incr', KEYS[1])", K), ev("return type(redis.call('incr', KEYS[1]))", K),
  ev("return redis.call('lrange', KEYS[2], 0, -1)", K), ev("return redis.call('hgetall', KEYS[3])", K),
  ev("return redis.call('set', KEYS[1], 'v')", K), ev("local r = redis.call('set', KEYS[1], 'v') return r.ok", K),
  ev("return redis.pcall('incr', KEYS[2])", K), ev("local r = redis.pcall('incr', KEYS[2]) return r.err", K),
  ev("return redis.call('incr', KEYS[2])", K), ev("return redis.call('exists', KEYS[1], KEYS[2], 'zz{s}')", K),
  ev("return redis.call('set', KEYS[1], 3.5)", K), ev("return redis.call('get', KEYS[1])", K), ev("redis.call('set', KEYS[1], 0.1) return redis.call('get', KEYS[1])", K),
  ev("return redis.call('set', KEYS[1], {})", K), ev('return redis.call()'), ev("return redis.call('nosuch')"), ev("return redis.pcall('nosuch')"),
  ev("return redis.call('get')"), ev("return redis.call('blpop', 'x', 0)"), ev("return redis.call('multi')"),
  ev("redis.setresp(3) return redis.call('hgetall', KEYS[3])", K), ev("redis.setresp(3) local r = redis.call('hgetall', KEYS[3]) return r.map.f", K),
  ev("redis.setresp(3) return type(redis.call('get', 'nokey{s}'))"), ev('redis.setresp(4)'),
  ev("return redis.call('ping')"), ev("return redis.call('echo', 'hi')"),
];

const LUA51: Cmd[] = [
  ev('return tostring(10/2)'), ev('return tostring(1e15) .. tostring(2^53) .. tostring(0.1) .. tostring(-0)'), ev("return 10/3 .. ''"),
  ev("return string.format('%d %5.2f %s %q', 3.7, 2.345, 'x', 'a\\nb')"), ev('return unpack({1, 2, 3})'), ev('return table.getn({1, 2, 3})'),
  ev("return loadstring('return 1 + 1')()"), ev("return loadstring('\\27Lua')"), ev('return math.floor(2.5) + math.fmod(7, 3)'),
  ev('return #KEYS + #ARGV', K, ['x', 'y']), ev('return ARGV', [], ['a', Buffer.from([0, 1, 255, 128]), '']),
  ev("return string.len(ARGV[1]) .. ':' .. string.byte(ARGV[1], 3)", [], [Buffer.from([0, 200, 255])]),
  ev('x = 1'), ev('return undefined_var'), ev('string.foo = 1'), ev('redis.call = nil'), ev("return type(os) .. type(io)"), ev('print(1)'),
  ev("error('boom')"), ev("error({err='MY boom'})"), ev('error()'), ev('local a = nil; return a.b'), ev('syntax error here'), ev('return ...'),
  ev("local ok, e = pcall(function() error({err='E x'}) end) return e.err"),
  ev("local ok, e = pcall(redis.call, 'nosuch') return e.err"),
  ev("return redis.sha1hex('') .. ' ' .. redis.sha1hex('abc')"), ev('return redis.REDIS_VERSION'), ev('return redis.REDIS_VERSION_NUM'),
  ev('return redis.replicate_commands()'), ev('redis.set_repl(redis.REPL_ALL) return 1'), ev("redis.log(redis.LOG_WARNING, 'hello') return 1"),
  ev('return redis.LOG_NOTICE + redis.REPL_AOF'),
];

const LIBRARIES: Cmd[] = [
  ev("return cjson.encode({1, 2, {a=1.5, b='x/y'}, cjson.null, true})"), ev('return cjson.encode({[1]=1, [5]=2})'), ev('return cjson.encode({[1]=1, [50]=2})'),
  ev('return cjson.encode({})'), ev('return cjson.encode(1e15) .. cjson.encode(0.1) .. cjson.encode(123456789012345678)'),
  ev("return cjson.encode('\\1\\127\\200\\t\"')"), ev("return cjson.decode('[1,null,3]')[3]"), ev("return type(cjson.decode('null'))"),
  ev('return cjson.encode(cjson.decode(\'{"a":[1,2,{"b":null}],"c":"\\\\u00e9"}\'))'), ev('return cjson.encode(function() end)'),
  ev("return cjson.decode('{')"), ev("return cjson.decode('[1,2')"), ev("return cjson.decode('[1] x')"), ev("return cjson.decode('3.25') * 2"),
  ev("return cjson.decode('{\"k\":12345678901}').k"),
  ev("return cmsgpack.pack({1, 2, 'x', {a=1}})"), ev("return cmsgpack.pack(1, -1, 300, -300, 70000, 5000000000, -5000000000, 1.5, 0.1, true, false)"),
  ev("return cmsgpack.pack(string.rep('x', 40), string.rep('y', 300))"), ev("return {cmsgpack.unpack(cmsgpack.pack(1, 'two', {3, 4}))}"),
  ev("local t = cmsgpack.unpack(cmsgpack.pack({a={b={1,2}}})) return t.a.b[2]"),
  ev('return {bit.band(0xff, 0x0f), bit.bor(1, 2, 4), bit.bxor(5, 3), bit.bnot(0), bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-256, 4)}'),
  ev('return {bit.tobit(0xffffffff), bit.tobit(2^40 + 5), bit.rol(0x12345678, 8), bit.ror(0x12345678, 8), bit.bswap(0x12345678)}'),
  ev("return bit.tohex(255) .. ' ' .. bit.tohex(-1, 4) .. ' ' .. bit.tohex(255, -2)"),
  ev("return struct.pack('>i4', 1234)"), ev("return struct.pack('<hHbB', -2, 65535, -1, 255)"),
  ev("return {struct.unpack('>i4', struct.pack('>i4', -5))}"), ev("return struct.size('>i4hd')"),
  ev("return {struct.unpack('c3', 'abcdef')}"),
];

const SCRIPT_CACHE: Cmd[] = [
  ['SCRIPT', 'LOAD', 'return 42'], ['EVALSHA', '1fa00e76656cc152ad327c13fe365858fd7be306', '0'],
  ['EVALSHA', '1FA00E76656CC152AD327C13FE365858FD7BE306', '0'], ['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '0'],
  ['SCRIPT', 'EXISTS', '1fa00e76656cc152ad327c13fe365858fd7be306', 'ffffffffffffffffffffffffffffffffffffffff'],
  ['SCRIPT', 'LOAD', 'return +'], ['SCRIPT', 'FLUSH', 'foo'], ['SCRIPT', 'KILL'], ['SCRIPT', 'EXISTS'], ['SCRIPT', 'DEBUG'], ['SCRIPT', 'DEBUG', 'no', 'yes'], ['SCRIPT', 'HELP'],
  ['SCRIPT', 'FLUSH'], ['EVALSHA', '1fa00e76656cc152ad327c13fe365858fd7be306', '0'], ['SCRIPT', 'FLUSH', 'ASYNC'],
  ['EVAL', 'return 1', '-1'], ['EVAL', 'return 1', 'x'], ['EVAL', 'return 1', '2', 'a'], ['EVAL', 'return 1'],
  ['EVAL_RO', "return redis.call('get', KEYS[1])", '1', '{s}a'], ['EVAL_RO', "return redis.call('set', KEYS[1], 'x')", '1', '{s}a'],
  ['EVAL', "#!lua flags=no-writes\nreturn redis.call('set', KEYS[1], 'x')", '1', '{s}a'],
  ['EVAL', "#!lua flags=no-writes,allow-oom\nreturn redis.call('get', KEYS[1])", '1', '{s}a'],
  ['EVAL', '#!lua flags=bogus\nreturn 1', '0'], ['EVAL', '#!lua\nreturn 1', '0'],
  ['SCRIPT', 'LOAD', "return redis.call('get', KEYS[1])"], ['EVALSHA_RO', 'c0f4b6bc3ae8f6b2e5a7b0ac8a5bfbd6d5a9efba', '1', '{s}a'],
  ['EVAL', '#!nolua\nreturn 1', '0'], ['EVAL', '#!\nreturn 1', '0'], ['EVAL', '#! lua\nreturn 1', '0'], ['EVAL', '#!lua\treturn\nreturn 1', '0'],
  // register_function's argument errors, positional and named (a number is a name).
  ...[
    "redis.register_function(1, function() end)", "redis.register_function{function_name=1, callback=function() end}",
    "redis.register_function(true, function() end)", "redis.register_function('f1', 'notfunc')", "redis.register_function('a-b', 'x')",
    "redis.register_function(1.5, function() end)", "redis.register_function{function_name=true, callback=function() end}",
  ].flatMap((code): Cmd[] => [['FUNCTION', 'FLUSH'], ['FUNCTION', 'LOAD', `#!lua name=rf\n${code}`]]),
  ['FUNCTION', 'FLUSH'],
  // What is checked first: a sha that cannot match, a missing function, then numkeys.
  ['EVALSHA', 'nosuchsha', 'abc'], ['EVALSHA', 'nosuchsha', '-1'], ['EVALSHA_RO', 'nosuchsha', '1.5'], ['EVALSHA', 'nosuchsha', '5', 'a'],
  ['EVALSHA', '0123456789012345678901234567890123456789', 'abc'], ['FCALL', 'nofunc', 'abc'], ['FCALL_RO', 'nofunc', '-1'],
  // A stream read that would block is refused in a script (named as the script wrote it); one without BLOCK runs.
  ['XADD', '{s}x', '1-1', 'f', 'v'], ['XGROUP', 'CREATE', '{s}x', 'g', '0'],
  ev("return redis.call('xread', 'block', '0', 'streams', KEYS[1], '$')", ['{s}x']), ev("return redis.call('XREAD', 'BLOCK', '10', 'streams', KEYS[1], '0')", ['{s}x']),
  ev("return redis.call('xreadgroup', 'group', 'g', 'c', 'block', '0', 'streams', KEYS[1], '>')", ['{s}x']),
  ev("return redis.call('xread', 'count', '1', 'streams', KEYS[1], '0')", ['{s}x']),
];

const LIB1 = "#!lua name=lib1\nredis.register_function('f1', function(keys, args) return {keys[1], args[1], #keys, #args} end)";
const LIB2 = "#!lua name=lib2\nredis.register_function{function_name='g', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads'}";
const LIB3 = "#!lua name=lib3\nredis.register_function('w', function(keys, args) return redis.call('set', keys[1], args[1]) end)";

const FUNCTIONS: Cmd[] = [
  ['FUNCTION', 'LOAD', LIB1], ['FUNCTION', 'LOAD', LIB1], ['FUNCTION', 'LOAD', 'REPLACE', LIB1], ['FUNCTION', 'LOAD', LIB2], ['FUNCTION', 'LOAD', LIB3],
  ['FCALL', 'f1', '2', '{s}a', '{s}b', 'x'], ['FCALL', 'g', '1', '{s}a'], ['FCALL_RO', 'g', '1', '{s}a'], ['FCALL', 'w', '1', '{s}a', 'v'],
  ['FCALL_RO', 'w', '1', '{s}a', 'v'], ['FCALL', 'g', '1', '{s}a'], ['FCALL', 'nosuch', '0'], ['FCALL', 'f1', '-1'], ['FCALL', 'f1', '5', 'a'],
  ['FUNCTION', 'LIST', 'LIBRARYNAME', 'lib2'], ['FUNCTION', 'LIST', 'WITHCODE', 'LIBRARYNAME', 'lib1'],
  ['FUNCTION', 'LIST', 'LIBRARYNAME'], ['FUNCTION', 'LIST', 'WITHCODE', 'WITHCODE'], ['FUNCTION', 'LIST', 'foo'],
  ['FUNCTION', 'STATS'], ['FUNCTION', 'KILL'], ['FUNCTION', 'DELETE', 'lib3'], ['FUNCTION', 'DELETE', 'lib3'], ['FCALL', 'w', '1', '{s}a', 'v'],
  ['FUNCTION', 'LOAD', 'return 1'], ['FUNCTION', 'LOAD', '#!lua\nreturn 1'], ['FUNCTION', 'LOAD', '#!lua name=x foo=bar\nreturn 1'],
  ['FUNCTION', 'LOAD', '#!lua name=x\nlocal a = 1'], ['FUNCTION', 'LOAD', '#!lua name=x\nsyntax err'],
  ['FUNCTION', 'LOAD', "#!lua name=x\nredis.call('set', 'a', 'b')"], ['FUNCTION', 'LOAD', "#!lua name=x\nredis.register_function('f1', function() end)"],
  ['FUNCTION', 'LOAD', "#!lua name=x\nredis.register_function('a', function() end, 'extra')"],
  ['FUNCTION', 'LOAD', "#!lua name=x\nredis.register_function{function_name='a', callback=function() end, flags={'bogus'}}"],
  ['FUNCTION', 'LOAD', "#!lua name=x\nredis.register_function('bad-name', function() end)"],
  ['FUNCTION', 'LOAD', "#!lua name=x\nredis.register_function('y', function() return undefined_thing end)"], ['FCALL', 'y', '0'],
  ['FUNCTION', 'RESTORE', 'garbage'], ['FUNCTION', 'RESTORE', 'garbage', 'BOGUS'], ['FUNCTION', 'FLUSH', 'BOGUS'],
  ['FUNCTION', 'FLUSH'], ['FUNCTION', 'LIST'], ['FCALL', 'f1', '0'], ['FUNCTION', 'STATS'],
];

suite.test('scripting replies match redis-server (RESP2)', async (_t, round) => {
  await round.check('conversions', CONVERSIONS);
  await round.check('resp to lua', RESP_TO_LUA);
  await round.check('lua 5.1', LUA51);
  await round.check('libraries', LIBRARIES);
  await round.check('script cache', SCRIPT_CACHE);
  await round.check('functions', FUNCTIONS);
});

/** Runs commands after HELLO 3 on one server; each reply's raw bytes. */
async function rawResp3(port: number, cmds: readonly Cmd[]): Promise<string[]> {
  const c = await RawReplyClient.connect(port);
  try {
    await c.call('FLUSHALL');
    await c.call('HELLO', '3');
    const out: string[] = [];
    for (const cmd of cmds) out.push(await c.call(...cmd.map((a) => (typeof a === 'number' ? String(a) : a))));
    return out;
  } finally {
    c.close();
  }
}

suite.test('scripting replies match redis-server byte for byte (RESP3)', async (t, round) => {
  const cmds = [...CONVERSIONS, ...RESP_TO_LUA, ...LUA51, ...LIBRARIES, ...SCRIPT_CACHE, ...FUNCTIONS];
  const [a, b] = await Promise.all([rawResp3(round.shardis.port, cmds), rawResp3(round.redis.port, cmds)]);
  const diffs = cmds.map((c, i) => (a[i] === b[i] ? null : `${JSON.stringify(c)}\n  shardis ${JSON.stringify(a[i])}\n  redis   ${JSON.stringify(b[i])}`)).filter((d) => d !== null);
  t.same(diffs, [], `${diffs.length} of ${cmds.length} replies differ`);
});

suite.test('FUNCTION DUMP payloads restore across redis-server and Shardis', async (t, round) => {
  const a = await RawReplyClient.connect(round.shardis.port);
  const b = await RawReplyClient.connect(round.redis.port);
  t.teardown(() => {
    a.close();
    b.close();
  });
  const bulk = (raw: string): string => raw.slice(raw.indexOf('\r\n') + 2, -2);
  for (const c of [a, b]) await c.call('FUNCTION', 'FLUSH');
  // Long enough for redis-server to LZF-compress the code.
  const lib = `#!lua name=moved\n${"local pad = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'\n".repeat(5)}redis.register_function('moved', function() return 'here' end)`;
  await b.call('FUNCTION', 'LOAD', lib);
  const fromRedis = bulk(await b.call('FUNCTION', 'DUMP'));
  t.equal(await a.call('FUNCTION', 'RESTORE', Buffer.from(fromRedis, 'latin1')), '+OK\r\n', 'Shardis restores redis-server\'s payload');
  t.equal(await a.call('FCALL', 'moved', '0'), '$4\r\nhere\r\n');
  const fromShardis = bulk(await a.call('FUNCTION', 'DUMP'));
  await b.call('FUNCTION', 'FLUSH');
  t.equal(await b.call('FUNCTION', 'RESTORE', Buffer.from(fromShardis, 'latin1')), '+OK\r\n', 'redis-server restores Shardis\'s payload');
  t.equal(await b.call('FUNCTION', 'RESTORE', Buffer.from(fromShardis, 'latin1')), await a.call('FUNCTION', 'RESTORE', Buffer.from(fromShardis, 'latin1')), 'APPEND over the same library fails alike');
  t.equal(await a.call('FUNCTION', 'RESTORE', Buffer.from(fromShardis, 'latin1'), 'REPLACE'), '+OK\r\n');
  for (const c of [a, b]) await c.call('FUNCTION', 'FLUSH');
});
