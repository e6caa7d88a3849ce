/**
 * CLIENT TRACKING against redis-server 7.0.15: the same steps from several
 * raw connections on both servers, then every connection's received bytes
 * compared (client ids normalized). Covers RESP3 pushes and the RESP2
 * `__redis__:invalidate` redirect, reads spread over shards (MGET, hashes,
 * sets), writes from other clients and from the reader, NOLOOP, OPTIN and
 * OPTOUT with CLIENT CACHING, BCAST with prefixes, expiry, FLUSHALL, a broken
 * redirect, CLIENT TRACKINGINFO / GETREDIR and the option errors.
 *
 * Steps run one at a time with a pause after each, so every invalidation has
 * arrived before the next step: writes to keys on different shards are
 * reported by each shard as it runs them, and Shardis promises no order
 * between invalidations of one pipelined step that touch several shards.
 */
import t from 'tap';
import net from 'node:net';
import { DifferentialSuite } from './helpers/differential';
import { sleep, waitFor } from './helpers/util';
import { ANY_WORKERS } from './helpers/servers';

const diff = new DifferentialSuite(t);

/** A raw connection that keeps everything it receives. */
class Raw {
  text = '';
  private constructor(readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => (this.text += d.toString('latin1')));
    sock.on('error', () => undefined);
  }
  static async open(port: number): Promise<Raw> {
    const s = net.connect(port, '127.0.0.1');
    await new Promise((r) => s.once('connect', r));
    return new Raw(s);
  }
  async id(): Promise<string> {
    const before = this.text.length;
    this.sock.write('CLIENT ID\r\n');
    await waitFor(() => this.text.length > before && this.text.endsWith('\r\n'));
    const id = /:(\d+)\r\n$/.exec(this.text.slice(before))?.[1] as string;
    this.text = this.text.slice(0, before);
    return id;
  }
}

type Step = [who: string, command: string];

async function run(port: number, steps: (ids: Record<string, string>) => Step[], names: string[]): Promise<Record<string, string>> {
  const conns: Record<string, Raw> = {};
  const ids: Record<string, string> = {};
  for (const n of names) {
    conns[n] = await Raw.open(port);
    ids[n] = await conns[n].id();
  }
  for (const [who, cmd] of steps(ids)) {
    const before = conns[who].text.length;
    conns[who].sock.write(`${cmd}\r\n`);
    // Every step gets a reply: wait for it (a loaded machine may take longer than
    // any fixed pause), then let the invalidations it caused reach the others.
    await waitFor(() => conns[who].text.length > before || conns[who].sock.destroyed);
    await sleep(cmd.startsWith('PEXPIRE') ? 150 : 25);
  }
  await sleep(50);
  const out: Record<string, string> = {};
  for (const n of names) {
    let text = conns[n].text;
    // Client ids differ between servers: name them.
    for (const [m, id] of Object.entries(ids)) text = text.split(`:${id}\r\n`).join(`:<${m}>\r\n`);
    // HELLO's reply carries the server's version and id.
    out[n] = text.replace(/%7\r\n\$6\r\nserver\r\n[\s\S]*?\$7\r\nmodules\r\n\*0\r\n/g, '<hello>');
    conns[n].sock.destroy();
  }
  return out;
}

diff.test('default mode: RESP3 pushes, RESP2 redirect, NOLOOP, expiry, FLUSHALL', async (t, s) => {
  const names = ['reader', 'writer', 'redir', 'loop'];
  const steps = (ids: Record<string, string>): Step[] => [
    ['redir', 'SUBSCRIBE __redis__:invalidate'],
    ['reader', 'HELLO 3'],
    ['reader', 'CLIENT TRACKING ON'],
    ['reader', 'CLIENT TRACKINGINFO'],
    ['reader', 'CLIENT GETREDIR'],
    ['reader', 'MGET a b c d e f'],
    ['reader', 'HGET h f'],
    ['reader', 'SMEMBERS s'],
    ['reader', 'GET missing'],
    ['writer', 'SET a 1'],
    ['writer', 'SET b 1'],
    ['writer', 'HSET h f v'],
    ['writer', 'SADD s m'],
    ['writer', 'SET a 2'], // a was forgotten at its first write: no second message
    ['writer', 'CLIENT TRACKING ON REDIRECT ' + ids.redir],
    ['writer', 'GET c'],
    ['writer', 'CLIENT GETREDIR'],
    ['reader', 'SET c 1'], // both readers of c hear of it; the reader wrote it itself
    ['loop', 'HELLO 3'],
    ['loop', 'CLIENT TRACKING ON NOLOOP'],
    ['loop', 'GET d'],
    ['loop', 'GET e'],
    ['loop', 'SET d 1'], // its own write: nothing
    ['writer', 'SET e 1'],
    ['reader', 'GET x'],
    ['writer', 'SET x 1'],
    ['reader', 'GET x'],
    ['writer', 'PEXPIRE x 30'], // the expiry deletes it later: invalidated twice (write, expiry)
    ['reader', 'GET f'],
    ['writer', 'FLUSHALL'],
    ['reader', 'CLIENT TRACKING OFF'],
    ['reader', 'CLIENT TRACKINGINFO'],
    ['reader', 'GET y'],
    ['writer', 'SET y 1'],
  ];
  const [ours, theirs] = [await run(s.shardis.port, steps, names), await run(s.redis.port, steps, names)];
  for (const n of names) t.equal(ours[n], theirs[n], n);
});

diff.test('OPTIN, OPTOUT, CLIENT CACHING', async (t, s) => {
  const names = ['a', 'w'];
  const steps = (): Step[] => [
    ['a', 'HELLO 3'],
    ['a', 'CLIENT CACHING YES'],
    ['a', 'CLIENT TRACKING ON OPTIN'],
    ['a', 'CLIENT CACHING NO'],
    ['a', 'GET k1'], // not cached: no CACHING YES before it
    ['a', 'CLIENT CACHING YES'],
    ['a', 'GET k2'],
    ['a', 'GET k3'], // CACHING YES was used up by k2
    ['a', 'CLIENT TRACKINGINFO'],
    ['w', 'MSET k1 1 k2 1 k3 1'],
    ['a', 'CLIENT CACHING YES'],
    ['a', 'MULTI'],
    ['a', 'GET k4'],
    ['a', 'EXEC'],
    ['w', 'SET k4 1'],
    ['a', 'CLIENT TRACKING ON OPTOUT'],
    ['a', 'CLIENT TRACKING OFF'],
    ['a', 'CLIENT TRACKING ON OPTOUT'],
    ['a', 'GET k5'],
    ['a', 'CLIENT CACHING NO'],
    ['a', 'CLIENT TRACKINGINFO'],
    ['a', 'GET k6'],
    ['a', 'GET k7'],
    ['w', 'SET k5 1'],
    ['w', 'SET k6 1'],
    ['w', 'SET k7 1'],
    ['a', 'CLIENT CACHING YES'],
    ['a', 'CLIENT CACHING maybe'],
  ];
  const [ours, theirs] = [await run(s.shardis.port, steps, names), await run(s.redis.port, steps, names)];
  for (const n of names) t.equal(ours[n], theirs[n], n);
});

diff.test('BCAST with prefixes, errors, broken redirect', async (t, s) => {
  const names = ['b', 'w', 'gone', 'e'];
  const steps = (ids: Record<string, string>): Step[] => [
    ['b', 'HELLO 3'],
    ['b', 'CLIENT TRACKING ON BCAST PREFIX user: PREFIX item:'],
    ['b', 'CLIENT TRACKINGINFO'],
    ['w', 'SET user:1 a'],
    ['w', 'SET other 1'],
    ['w', 'MSET item:{x}1 a item:{x}2 b'], // one shard: one message (across shards each shard's part comes apart)
    ['b', 'SET user:2 x'], // no NOLOOP: its own write too
    ['b', 'CLIENT TRACKING ON BCAST PREFIX us'],
    ['b', 'CLIENT TRACKING ON BCAST PREFIX a PREFIX ab'],
    ['b', 'CLIENT TRACKING ON BCAST PREFIX zz NOLOOP'],
    ['b', 'CLIENT TRACKINGINFO'],
    ['b', 'SET zz1 1'],
    ['w', 'SET zz2 1'],
    ['b', 'CLIENT TRACKING ON'],
    ['b', 'CLIENT TRACKING OFF'],
    ['b', 'CLIENT TRACKING ON BCAST'],
    ['w', 'DEL anything'],
    ['w', 'SET anything 1'],
    ['e', 'CLIENT TRACKING ON PREFIX x'],
    ['e', 'CLIENT TRACKING ON BCAST OPTIN'],
    ['e', 'CLIENT TRACKING ON OPTIN OPTOUT'],
    ['e', 'CLIENT TRACKING ON REDIRECT 999999'],
    ['e', 'CLIENT TRACKING ON REDIRECT x'],
    ['e', `CLIENT TRACKING ON REDIRECT ${ids.w} REDIRECT ${ids.w}`],
    ['e', 'CLIENT TRACKING ON FOO'],
    ['e', 'CLIENT TRACKING MAYBE'],
    ['e', 'CLIENT TRACKING ON OPTIN'],
    ['e', 'CLIENT TRACKING ON OPTOUT'],
    ['e', 'CLIENT TRACKING ON BCAST'],
    ['e', 'CLIENT CACHING YES'],
    ['e', 'CLIENT TRACKING OFF'],
    ['e', 'CLIENT CACHING YES'],
    ['e', 'HELLO 3'],
    ['e', `CLIENT TRACKING ON REDIRECT ${ids.gone}`],
    ['e', 'GET r1'],
    ['gone', 'QUIT'],
    ['w', 'SET r1 1'],
    ['e', 'CLIENT TRACKINGINFO'],
  ];
  const [ours, theirs] = [await run(s.shardis.port, steps, names), await run(s.redis.port, steps, names)];
  for (const n of names) t.equal(ours[n], theirs[n], n);
});

/**
 * tracking-table-max-keys: past the limit, keys leave the table and their
 * trackers get invalidations for them. Redis picks the keys at random, so
 * the counts are compared: invalidations received, tracking_total_keys.
 * One shard (each shard keeps its share of the limit).
 */
diff.test('tracking-table-max-keys evicts tracked keys with invalidations', async (t, s) => {
  const names = ['reader', 'admin'];
  const steps = (): Step[] => [
    ['admin', 'CONFIG SET tracking-table-max-keys 5'],
    ['reader', 'HELLO 3'],
    ['reader', 'CLIENT TRACKING ON'],
    ...Array.from({ length: 10 }, (_, i): Step => ['reader', `GET k${i}`]),
    ['reader', 'PING'],
    ['admin', 'INFO stats'],
    ['admin', 'CONFIG SET tracking-table-max-keys 2'],
    ['reader', 'PING'],
    ['admin', 'INFO stats'],
    ['admin', 'CONFIG SET tracking-table-max-keys 1000000'],
  ];
  const summary = (r: Record<string, string>): unknown => ({
    invalidations: r.reader.split('>2\r\n$10\r\ninvalidate\r\n').length - 1,
    trackedKeys: [...r.admin.matchAll(/tracking_total_keys:(\d+)/g)].map((m) => Number(m[1])),
  });
  const [ours, theirs] = [summary(await run(s.shardis.port, steps, names)), summary(await run(s.redis.port, steps, names))];
  t.same(ours, theirs, `as redis-server: ${JSON.stringify(theirs)}`);
}, { workers: [ANY_WORKERS] });
