/**
 * COMMAND and its subcommands: counts and lists agree with each other,
 * COMMAND INFO matches redis-server for every command both servers have,
 * and COMMAND DOCS (what redis-cli builds its hints from) has Redis's shape.
 */
import t from 'tap';
import { startShardis, ANY_WORKERS } from './helpers/servers';
import { type Reply, connectResp } from './helpers/resp-client';
import { DifferentialSuite, type Cmd } from './helpers/differential';
import { RawReplyClient, parseResp, type Resp3Value } from './helpers/resp3';

function asMap(r: Reply): Record<string, Reply> {
  const out: Record<string, Reply> = {};
  const a = r as Reply[];
  for (let i = 0; i < a.length; i += 2) out[a[i] as string] = a[i + 1];
  return out;
}

t.test('COMMAND, COUNT, LIST, INFO, GETKEYS', async (t) => {
  const srv = await startShardis(t, { workers: ANY_WORKERS });
  const c = await connectResp(t, srv.port);
  const all = (await c.call('COMMAND')) as Reply[][];
  const count = await c.call('COMMAND', 'COUNT');
  t.equal(all.length, count, 'COMMAND lists COUNT commands');
  const list = (await c.call('COMMAND', 'LIST')) as string[];
  const topNames = all.map((e) => e[0] as string).sort();
  t.same(list.filter((n) => !n.includes('|')).sort(), topNames, 'LIST has every top-level command');
  t.ok(list.includes('client|kill') && list.includes('config|get'), 'LIST has subcommands');
  t.notOk(list.some((n) => n.startsWith('__')), 'internal ops are hidden');
  for (const e of all) {
    t.equal(e.length, 10, `${e[0]} info has 10 fields`);
    const arity = e[1] as number;
    t.ok(Number.isInteger(arity) && arity !== 0, `${e[0]} arity`);
  }
  t.same(await c.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'client|s*'), ['client|setname', 'client|setinfo'].filter((n) => list.includes(n)));
  t.same(await c.call('COMMAND', 'LIST', 'FILTERBY', 'MODULE', 'x'), []);
  const conn = (await c.call('COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'connection')) as string[];
  t.ok(conn.includes('ping') && conn.includes('client|id') && !conn.includes('get'));
  t.same(await c.call('COMMAND', 'LIST', 'FILTERBY', 'foo', 'x'), { error: 'ERR syntax error' });
  t.same(await c.call('COMMAND', 'INFO', 'get', 'nosuch'), [(await c.call('COMMAND', 'INFO', 'get') as Reply[])[0], null]);
  t.same(await c.call('COMMAND', 'GETKEYS', 'MSET', 'a', '1', 'b', '2'), ['a', 'b']);
  t.same(await c.call('COMMAND', 'GETKEYS', 'GET', 'k\x00'), ['k\x00']);
  t.same(await c.call('COMMAND', 'GETKEYSANDFLAGS', 'GET', 'k'), [['k', ['RO', 'access']]]);
  t.same(await c.call('COMMAND', 'GETKEYS', 'nosuch', 'a'), { error: 'ERR Invalid command specified' });
  t.same(await c.call('COMMAND', 'GETKEYS', 'GET', 'a', 'b'), { error: 'ERR Invalid number of arguments specified for command' });
  t.same(await c.call('COMMAND', 'GETKEYS', 'PING', 'a'), { error: 'ERR The command has no key arguments' });
  const help = (await c.call('COMMAND', 'HELP')) as string[];
  t.match(help[0], /^COMMAND <subcommand>/);
  const docs = asMap(await c.call('COMMAND', 'DOCS'));
  t.same(Object.keys(docs).sort(), topNames, 'DOCS covers every command');
  for (const [name, d] of Object.entries(docs)) {
    const m = asMap(d);
    t.ok(typeof m.summary === 'string' && (m.summary as string).length > 0, `${name} has a summary`);
    t.match(m.since, /^\d+\.\d+\.\d+$/, `${name} since`);
  }
});

/** Sorts the subcommand part of a parsed COMMAND INFO entry or DOCS map (Redis lists them in hash-table order). */
function sortSubs(v: Resp3Value, docs: boolean): Resp3Value {
  if (!Array.isArray(v)) return v;
  const key = (x: Resp3Value): string => JSON.stringify(x);
  if (!docs) {
    const subs = v[9];
    return Array.isArray(subs) ? [...v.slice(0, 9), [...subs].sort((a, b) => (key(a) < key(b) ? -1 : 1))] : v;
  }
  const out = [...v];
  const i = out.indexOf('subcommands');
  if (i >= 0 && Array.isArray(out[i + 1])) {
    const flat = out[i + 1] as Resp3Value[];
    const pairs: [Resp3Value, Resp3Value][] = [];
    for (let j = 0; j < flat.length; j += 2) pairs.push([flat[j], flat[j + 1]]);
    pairs.sort((a, b) => (key(a[0]) < key(b[0]) ? -1 : 1));
    out[i + 1] = pairs.flat();
  }
  return out;
}

/** A sorted INFO entry or DOCS map without the subcommands Redis 7.0 does not have. */
function withoutSubs(v: Resp3Value, known: ReadonlySet<string>, docs: boolean): Resp3Value {
  if (!Array.isArray(v)) return v;
  if (!docs) {
    const subs = v[9];
    return Array.isArray(subs) ? [...v.slice(0, 9), subs.filter((e) => Array.isArray(e) && known.has(e[0] as string))] : v;
  }
  const out = [...v];
  const i = out.indexOf('subcommands');
  if (i >= 0 && Array.isArray(out[i + 1])) {
    const flat = out[i + 1] as Resp3Value[];
    const kept: Resp3Value[] = [];
    for (let j = 0; j < flat.length; j += 2) if (known.has(flat[j] as string)) kept.push(flat[j], flat[j + 1]);
    out[i + 1] = kept;
  }
  return out;
}

// The command table does not depend on the worker count: one round.
const diff = new DifferentialSuite(t);

diff.test(
  'COMMAND INFO and DOCS are byte for byte redis-server 7.0.15, in RESP2 and RESP3',
  async (t, s) => {
    const a = await connectResp(t, s.shardis.port);
    const b = await connectResp(t, s.redis.port);
    const ours = (await a.call('COMMAND', 'LIST')) as string[];
    const theirs = new Set((await b.call('COMMAND', 'LIST')) as string[]);
    const common = ours.filter((n) => theirs.has(n));
    t.ok(common.length >= 200, `${common.length} commands in common`);
    const containers = new Set(ours.filter((n) => n.includes('|')).map((n) => n.slice(0, n.indexOf('|'))));
    for (const proto of ['2', '3']) {
      const ra = await RawReplyClient.connect(s.shardis.port);
      const rb = await RawReplyClient.connect(s.redis.port);
      t.teardown(() => (ra.close(), rb.close()));
      await ra.call('HELLO', proto);
      await rb.call('HELLO', proto);
      const bad: string[] = [];
      // An unknown name is a null of Redis's addReplyNull: `$-1` in RESP2, not `*-1`.
      for (const unknown of [['INFO', 'nosuch', 'get'], ['DOCS', 'nosuch']]) {
        const x = await ra.call('COMMAND', ...unknown);
        const y = await rb.call('COMMAND', ...unknown);
        if (x !== y) bad.push(`RESP${proto} COMMAND ${unknown.join(' ')}\n  ours:  ${JSON.stringify(x).slice(0, 200)}\n  redis: ${JSON.stringify(y).slice(0, 200)}`);
      }
      for (const name of common) {
        for (const sub of ['INFO', 'DOCS']) {
          const x = await ra.call('COMMAND', sub, name);
          const y = await rb.call('COMMAND', sub, name);
          if (x === y) continue;
          // A container's subcommands come in Redis's hash order and Shardis may lack some (t.same below).
          if (containers.has(name)) {
            const px = sortSubs((parseResp(Buffer.from(x, 'latin1'))?.value as Resp3Value[])[sub === 'INFO' ? 0 : 1], sub === 'DOCS');
            const py = sortSubs((parseResp(Buffer.from(y, 'latin1'))?.value as Resp3Value[])[sub === 'INFO' ? 0 : 1], sub === 'DOCS');
            if (JSON.stringify(px) === JSON.stringify(py) || ours.filter((n) => n.startsWith(`${name}|`)).length < [...theirs].filter((n) => n.startsWith(`${name}|`)).length) continue;
            // Subcommands of a later Redis (CLIENT SETINFO, NO-TOUCH from 7.2) are left out of the comparison.
            if (JSON.stringify(withoutSubs(px, theirs, sub === 'DOCS')) === JSON.stringify(py)) continue;
          }
          bad.push(`RESP${proto} COMMAND ${sub} ${name}\n  ours:  ${JSON.stringify(x).slice(0, 400)}\n  redis: ${JSON.stringify(y).slice(0, 400)}`);
        }
      }
      t.same(bad, [], `RESP${proto}: every command's INFO and DOCS bytes equal`);
    }
  },
  { workers: [ANY_WORKERS] },
);

diff.test(
  'COMMAND GETKEYS and GETKEYSANDFLAGS match redis-server',
  async (t, s) => {
    const forms: string[][] = [
      ['set', 'a', 'b'], ['set', 'a', 'b', 'GET'], ['set', 'a', 'b', 'EX', '10', 'get'], ['get', 'a'], ['mset', 'a', '1', 'b', '2'],
      ['del', 'a', 'b', 'c'], ['rename', 'a', 'b'], ['lmove', 'a', 'b', 'left', 'right'], ['zunionstore', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2'],
      ['zinter', '2', 'a', 'b'], ['zdiff', '3', 'a', 'b', 'c'], ['sintercard', '2', 'a', 'b', 'LIMIT', '1'], ['lmpop', '2', 'a', 'b', 'LEFT'],
      ['blmpop', '0', '2', 'a', 'b', 'LEFT'], ['bzmpop', '0', '1', 'a', 'MIN'], ['zmpop', '1', 'a', 'max'], ['xread', 'COUNT', '2', 'STREAMS', 'a', 'b', '0', '0'],
      ['xreadgroup', 'GROUP', 'g', 'c', 'STREAMS', 'a', '>'], ['sort', 'a', 'BY', 'w_*', 'STORE', 'b'], ['sort', 'a'], ['sort_ro', 'a', 'GET', '#'],
      ['bitfield', 'a', 'GET', 'u8', '0'], ['bitfield', 'a', 'SET', 'u8', '0', '1'], ['bitfield_ro', 'a', 'GET', 'u8', '0'], ['bitop', 'AND', 'd', 'a', 'b'],
      ['copy', 'a', 'b', 'DB', '1'], ['smove', 'a', 'b', 'm'], ['blpop', 'a', 'b', '0'], ['brpoplpush', 'a', 'b', '0'], ['watch', 'a', 'b'],
      ['object', 'encoding', 'a'], ['memory', 'usage', 'a'], ['xadd', 's', '*', 'f', 'v'], ['pfmerge', 'd', 'a', 'b'], ['pfcount', 'a', 'b'],
      ['lcs', 'a', 'b'], ['getex', 'a', 'PERSIST'], ['exists', 'a', 'b'], ['touch', 'a'], ['zrangestore', 'd', 'a', '0', '-1'], ['georadius', 'a', '1', '2', '3', 'm', 'STORE', 'x'],
      ['georadiusbymember', 'a', 'm', '3', 'km', 'STOREDIST', 'x', 'STORE', 'y'], ['geosearchstore', 'd', 's', 'FROMMEMBER', 'm', 'BYRADIUS', '1', 'm'],
      ['spublish', 'c', 'm'], ['ping'], ['client', 'kill', 'x', 'y'], ['zunionstore', 'd', 'x', 'a'], ['zunionstore', 'd', '5', 'a'],
 ['xread', 'STREAMS', 'a'], ['nosuch', 'a'], ['get'], ['get', 'a', 'b'],
    ];
    const script: Cmd[] = forms.flatMap((f) => [['COMMAND', 'GETKEYS', ...f], ['COMMAND', 'GETKEYSANDFLAGS', ...f]]);
    await s.check('GETKEYS', script);
  },
  { workers: [ANY_WORKERS] },
);

diff.test(
  'COMMAND errors match redis-server',
  async (t, s) => {
    const script: Cmd[] = [
      ['COMMAND', 'COUNT', 'x'], ['COMMAND', 'foo'], ['COMMAND', 'LIST', 'x'], ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN'],
      ['COMMAND', 'LIST', 'FILTERBY', 'nope', 'x'], ['COMMAND', 'LIST', 'FILTERBY', 'MODULE', 'm'], ['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'nosuch'],
      ['COMMAND', 'GETKEYS'], ['COMMAND', 'GETKEYS', 'get'], ['COMMAND', 'GETKEYS', 'nosuch', 'a'], ['COMMAND', 'GETKEYS', 'get', 'a', 'b'],
      ['COMMAND', 'GETKEYS', 'set', 'k', 'v'], ['COMMAND', 'GETKEYS', 'mset', 'a', '1', 'b', '2'], ['COMMAND', 'GETKEYS', 'client', 'kill', 'x'],
      ['COMMAND', 'GETKEYS', 'del', 'a', Buffer.from([0, 1, 2])], ['COMMAND', 'GETKEYSANDFLAGS', 'get', 'k'], ['COMMAND', 'INFO', 'nosuch'],
      ['COMMAND', 'DOCS', 'nosuch'], ['COMMAND', 'GETKEYS', 'ping', 'x'], ['COMMAND', 'GETKEYS', 'GET', 'x'],
      // Without cluster mode every CLUSTER subcommand is refused, HELP included.
      ['CLUSTER', 'HELP'], ['CLUSTER', 'INFO'], ['CLUSTER', 'KEYSLOT', 'x'],
    ];
    await s.check('COMMAND errors', script);
  },
  { workers: [ANY_WORKERS] },
);
