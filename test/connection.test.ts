/**
 * Connection commands over TCP: PING, ECHO, SELECT, HELLO, AUTH, RESET, QUIT,
 * CLIENT (registry, KILL), the maxclients and idle timeout limits, and a
 * differential run of their replies and errors against redis-server.
 */
import t from 'tap';
import { startShardis, WORKER_MATRIX, ANY_WORKERS } from './helpers/servers';
import { RespClient, type Reply, connectResp } from './helpers/resp-client';
import { DifferentialSuite, rng, pick, type Cmd } from './helpers/differential';
import { infoField } from './helpers/info';
import { sleep } from './helpers/util';
import net from 'node:net';

/** Sends raw requests one at a time on a plain socket and returns each raw reply (RESP3 is beyond the test client). */
async function rawExchange(port: number, requests: string[], replyEnds: string[]): Promise<string[]> {
  const s = net.connect(port, '127.0.0.1');
  await new Promise((r) => s.once('connect', r));
  let buf = '';
  s.on('data', (d: Buffer) => (buf += d.toString('latin1')));
  const out: string[] = [];
  try {
    for (const [i, req] of requests.entries()) {
      buf = '';
      s.write(req);
      const deadline = Date.now() + 5000;
      while (!buf.endsWith(replyEnds[i]) && Date.now() < deadline) await sleep(5);
      out.push(buf);
    }
  } finally {
    s.destroy();
  }
  return out;
}

for (const workers of WORKER_MATRIX) {
  t.test(`HELLO 3 switches the connection to RESP3 and HELLO 2 back (--workers ${workers})`, async (t) => {
    const srv = await startShardis(t, { workers });
    const [hello3, nil3, map3, info3, hello2, nil2] = await rawExchange(
      srv.port,
      ['HELLO 3\r\n', 'GET nokey\r\n', 'HSET h f v\r\nHGETALL h\r\n', 'CLIENT INFO\r\n', 'HELLO 2\r\n', 'GET nokey\r\n'],
      ['*0\r\n', '\r\n', 'v\r\n', '\n\r\n', '*0\r\n', '\r\n'],
    );
    t.match(info3, /^=\d+\r\ntxt:id=\d+ .* resp=3 /, 'CLIENT INFO is a verbatim string, as Redis sends it in RESP3');
    const declared = Number(/^=(\d+)\r\n/.exec(info3)?.[1]);
    t.equal(declared, info3.length - info3.indexOf('\r\n') - 4, 'its length covers "txt:" and the text');
    t.match(hello3, /^%7\r\n\$6\r\nserver\r\n\$5\r\nredis\r\n/, 'HELLO 3 answers a RESP3 map');
    t.match(hello3, /\$5\r\nproto\r\n:3\r\n/);
    t.equal(nil3, '_\r\n', 'a missing key is the RESP3 null');
    t.equal(map3, ':1\r\n%1\r\n$1\r\nf\r\n$1\r\nv\r\n', 'HGETALL is a RESP3 map');
    t.match(hello2, /^\*14\r\n/, 'HELLO 2 answers a flat array');
    t.equal(nil2, '$-1\r\n', 'back to RESP2 nulls');
  });
}

function asMap(r: Reply): Record<string, Reply> {
  const out: Record<string, Reply> = {};
  const a = r as Reply[];
  for (let i = 0; i < a.length; i += 2) out[a[i] as string] = a[i + 1];
  return out;
}

for (const workers of WORKER_MATRIX) {
  t.test(`connection commands with --workers ${workers}`, async (t) => {
    const srv = await startShardis(t, { workers });
    const c = await connectResp(t, srv.port);

    t.equal(await c.call('PING'), 'PONG');
    t.equal(await c.call('PING', 'hi\x00\xff'), 'hi\x00\xff', 'PING echoes binary');
    t.equal(await c.call('ECHO', ''), '');

    // SELECT really changes the database keys live in.
    t.equal(await c.call('SET', 'k', 'db0'), 'OK');
    t.equal(await c.call('SELECT', '15'), 'OK');
    t.equal(await c.call('GET', 'k'), null);
    t.equal(await c.call('SET', 'k', 'db15'), 'OK');
    t.equal(await c.call('SELECT', '0'), 'OK');
    t.equal(await c.call('GET', 'k'), 'db0');

    // HELLO
    const id = await c.call('CLIENT', 'ID');
    const hello = asMap(await c.call('HELLO'));
    t.equal(hello.server, 'redis');
    t.match(hello.version, /^7\.\d+\.\d+$/);
    t.equal(hello.proto, 2);
    t.equal(hello.id, id);
    t.equal(hello.mode, 'standalone');
    t.equal(hello.role, 'master');
    t.same(hello.modules, []);
    t.same(await c.call('HELLO', '4'), { error: 'NOPROTO unsupported protocol version' });
    const named = asMap(await c.call('HELLO', '2', 'AUTH', 'default', 'anything', 'SETNAME', 'conn-a'));
    t.equal(named.proto, 2);
    t.equal(await c.call('CLIENT', 'GETNAME'), 'conn-a');
    t.same(await c.call('HELLO', '2', 'AUTH', 'bob', 'pw', 'SETNAME', 'other'), { error: 'WRONGPASS invalid username-password pair or user is disabled.' });
    t.equal(await c.call('CLIENT', 'GETNAME'), 'conn-a', 'a failed HELLO sets nothing');

    // RESET: db 0, no name.
    t.equal(await c.call('SELECT', '3'), 'OK');
    t.equal(await c.call('RESET'), 'RESET');
    t.equal(await c.call('CLIENT', 'GETNAME'), null);
    t.equal(await c.call('GET', 'k'), 'db0', 'RESET selects db 0');

    // QUIT replies OK and the server closes the connection.
    const q = await RespClient.connect(srv.port);
    t.equal(await q.call('QUIT'), 'OK');
    await q.closed;
    t.ok(q.isClosed);
  });
}

t.test('CLIENT commands', async (t) => {
  const srv = await startShardis(t, { workers: ANY_WORKERS });
  const a = await connectResp(t, srv.port);
  const b = await connectResp(t, srv.port);
  const idA = (await a.call('CLIENT', 'ID')) as number;
  const idB = (await b.call('CLIENT', 'ID')) as number;
  t.ok(idB > idA, 'ids grow');
  t.equal(await a.call('CLIENT', 'GETNAME'), null);
  t.equal(await a.call('CLIENT', 'SETNAME', 'alpha'), 'OK');
  t.equal(await a.call('CLIENT', 'GETNAME'), 'alpha');
  t.same(await a.call('CLIENT', 'SETNAME', 'a b'), { error: 'ERR Client names cannot contain spaces, newlines or special characters.' });
  t.equal(await a.call('CLIENT', 'SETINFO', 'LIB-NAME', 'mylib'), 'OK');
  t.equal(await a.call('CLIENT', 'SETINFO', 'lib-ver', '1.2.3'), 'OK');
  t.same(await a.call('CLIENT', 'SETINFO', 'foo', 'x'), { error: "ERR Unrecognized option 'foo'" });
  t.same(await a.call('CLIENT', 'SETINFO', 'lib-name', 'a b'), { error: 'ERR lib-name cannot contain spaces, newlines or special characters.' });
  t.equal(await a.call('CLIENT', 'NO-EVICT', 'on'), 'OK');
  t.equal(await a.call('CLIENT', 'NO-TOUCH', 'ON'), 'OK');
  t.same(await a.call('CLIENT', 'NO-TOUCH', 'maybe'), { error: 'ERR syntax error' });
  await a.call('SELECT', '2');

  const line = (await a.call('CLIENT', 'INFO')) as string;
  t.ok(line.endsWith('\n'));
  const fields = Object.fromEntries(line.trim().split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  t.same(Object.keys(fields), [
    'id', 'addr', 'laddr', 'fd', 'name', 'age', 'idle', 'flags', 'db', 'sub', 'psub', 'ssub', 'multi', 'qbuf', 'qbuf-free', 'argv-mem',
    'multi-mem', 'rbs', 'rbp', 'obl', 'oll', 'omem', 'tot-mem', 'events', 'cmd', 'user', 'redir', 'resp', 'lib-name', 'lib-ver',
  ]);
  t.equal(fields.id, String(idA));
  t.equal(fields.name, 'alpha');
  t.equal(fields.db, '2');
  t.equal(fields.flags, 'eT');
  t.equal(fields.cmd, 'client|info');
  t.equal(fields['lib-name'], 'mylib');
  t.equal(fields['lib-ver'], '1.2.3');
  t.equal(fields.laddr, `127.0.0.1:${srv.port}`);

  const list = (await b.call('CLIENT', 'LIST')) as string;
  t.equal(list.split('\n').filter(Boolean).length, 2);
  t.match(list, new RegExp(`^id=${idA} .* name=alpha `, 'm'));
  t.equal(((await b.call('CLIENT', 'LIST', 'ID', String(idB), '999999')) as string).split('\n').filter(Boolean).length, 1);
  t.equal(((await b.call('CLIENT', 'LIST', 'TYPE', 'normal')) as string).split('\n').filter(Boolean).length, 2);
  t.equal(await b.call('CLIENT', 'LIST', 'TYPE', 'pubsub'), '');
  const help = (await b.call('CLIENT', 'HELP')) as string[];
  t.match(help[0], /^CLIENT <subcommand>/);

  // CLIENT KILL really closes the target; the killer gets its reply.
  const addrA = /addr=(\S+)/.exec(line)?.[1] as string;
  t.equal(await b.call('CLIENT', 'KILL', addrA), 'OK');
  await a.closed;
  t.ok(a.isClosed, 'killed client saw its socket close');
  t.same(await b.call('CLIENT', 'KILL', addrA), { error: 'ERR No such client' });
  const c = await RespClient.connect(srv.port);
  const d = await RespClient.connect(srv.port);
  const idC = (await c.call('CLIENT', 'ID')) as number;
  t.equal(await b.call('CLIENT', 'KILL', 'ID', String(idC)), 1);
  await c.closed;
  t.equal(await b.call('CLIENT', 'KILL', 'ID', String(idC)), 0);
  // SKIPME yes (default) spares the caller; MAXAGE filters by age.
  t.equal(await b.call('CLIENT', 'KILL', 'MAXAGE', '1000'), 0);
  t.equal(await b.call('CLIENT', 'KILL', 'TYPE', 'normal'), 1, 'only d');
  await d.closed;
  t.equal(await b.call('PING'), 'PONG');
  // Killing yourself: the reply still arrives, then the connection closes.
  t.equal(await b.call('CLIENT', 'KILL', 'ID', String(idB), 'SKIPME', 'no'), 1);
  await b.closed;
  const e = await connectResp(t, srv.port);
  t.match(await e.call('CLIENT', 'LIST'), /^id=\d+ [^\n]*\n$/, 'only the new client is left');
});

t.test('maxclients and timeout', async (t) => {
  const srv = await startShardis(t, { workers: ANY_WORKERS, args: ['--maxclients', '3', '--timeout', '1'] });
  const cs = await Promise.all([0, 1, 2].map(() => RespClient.connect(srv.port)));
  for (const c of cs) t.equal(await c.call('PING'), 'PONG');
  const extra = await RespClient.connect(srv.port);
  await extra.closed;
  t.match(extra.raw.toString(), /^-ERR max number of clients reached\r\n/);
  // Idle clients are closed after --timeout seconds; a busy one survives.
  const busy = cs[0];
  const deadline = Date.now() + 1600;
  while (Date.now() < deadline) {
    t.equal(await busy.call('PING'), 'PONG');
    await sleep(200);
  }
  await Promise.all([cs[1].closed, cs[2].closed]);
  t.ok(cs[1].isClosed && cs[2].isClosed, 'idle clients closed');
  t.notOk(busy.isClosed, 'busy client kept');
  t.equal(await infoField(busy, 'stats', 'rejected_connections'), '1');
  // CONFIG SET timeout 0 stops closing idle clients, including existing ones.
  t.equal(await busy.call('CONFIG', 'SET', 'timeout', '0', 'maxclients', '5'), 'OK');
  await sleep(1300);
  t.notOk(busy.isClosed);
  t.same(await busy.call('CONFIG', 'GET', 'maxclients', 'timeout'), ['maxclients', '5', 'timeout', '0']);
  busy.close();
});

new DifferentialSuite(t).test(
  'connection replies and errors match redis-server',
  async (t, s) => {
    const fixed: Cmd[] = [
      ['PING'], ['PING', 'a'], ['PING', 'a', 'b'], ['ECHO'], ['ECHO', 'x', 'y'], ['ECHO', Buffer.from([0, 255, 13, 10])],
      ['SELECT'], ['SELECT', '16'], ['SELECT', '-1'], ['SELECT', 'x'], ['SELECT', '1.5'], ['SELECT', ' 1'], ['SELECT', '00001'],
      ['SELECT', '-0'], ['SELECT', '99999999999'], ['SELECT', '9223372036854775808'], ['SELECT', ''], ['SELECT', '15'], ['SELECT', '0'],
      ['AUTH'], ['AUTH', 'pw'], ['AUTH', 'user', 'pw'], ['AUTH', 'default', 'pw'], ['AUTH', 'a', 'b', 'c'],
      ['HELLO', 'abc'], ['HELLO', '1'], ['HELLO', '4'], ['HELLO', '-1'], ['HELLO', '2.0'], ['HELLO', '2', 'foo'],
      ['HELLO', '2', 'AUTH', 'a'], ['HELLO', '2', 'SETNAME'], ['HELLO', '2', 'SETNAME', 'a b'], ['HELLO', '2', 'SETNAME', 'a\nb'],
      ['HELLO', '2', 'AUTH', 'x', 'y'], ['HELLO', '2', 'SETNAME', 'a b', 'AUTH', 'x', 'y'], ['HELLO', '2', 'AUTH', 'x', 'y', 'SETNAME', 'a b'],
      ['RESET', 'x'],
    ];
    // Seeded random sequences over the same commands, including binary and edge values.
    const r = rng(1234);
    const values = ['0', '1', '15', '16', '-1', 'abc', '', '\x00', '\xff\xfe', '2147483648', '007', '1e3', ' 2', 'default'];
    const gen: Cmd[] = [];
    for (let i = 0; i < 300; i++) {
      const kind = pick(r, ['PING', 'ECHO', 'SELECT', 'AUTH', 'HELLO'] as const);
      const n = Math.floor(r() * 4);
      const args = Array.from({ length: n }, () => pick(r, values));
      if (kind === 'HELLO' && args.length > 0) args[0] = pick(r, ['2', 'x', '1', '0', '2']);
      gen.push([kind, ...args]);
    }
    await s.check('connection commands', [...fixed, ...gen], {
      // HELLO's map carries the server version and the client id, which differ by nature.
      normalize: (cmd, reply) => {
        if (String(cmd[0]).toUpperCase() === 'HELLO' && Array.isArray(reply)) {
          const m = asMap(reply);
          return ['proto', m.proto, 'mode', m.mode, 'role', m.role, 'modules', m.modules];
        }
        return reply;
      },
    });
  },
  { workers: [ANY_WORKERS] },
);
