/**
 * Config-walk checks owned by the operations helper (listpack thresholds,
 * active-expire-effort, lazyfree-*, tracking-table-max-keys, slowlog-*,
 * latency-*, stream-node-*, hll-sparse-max-bytes, timeout, metrics-port).
 * Format: ./types.ts. The differential tests (shard-settings-diff, core-diff,
 * tracking-diff, expire-effort, metrics) compare the same effects with
 * redis-server in detail; these only show each parameter is not ignored.
 */
import http from 'node:http';
import type { CheckTable, WalkContext } from './types';
import type { RespClient } from '../resp-client';
import { freePort } from '../servers';
import { Subscriber } from '../subscriber';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** OBJECT ENCODING of a key `build` creates, with `name` set to `value` (the walk restores it). */
async function encodingWith(w: WalkContext, name: string, value: string, key: string, build: (string | number)[][]): Promise<string> {
  await w.set(name, value);
  await w.call('DEL', key);
  for (const cmd of build) await w.call(...cmd);
  const enc = String(await w.call('OBJECT', 'ENCODING', key));
  await w.call('DEL', key);
  return enc;
}

async function lazyfreed(c: RespClient): Promise<number> {
  const m = /lazyfreed_objects:(\d+)/.exec(String(await c.call('INFO', 'memory')));
  return m === null ? -1 : Number(m[1]);
}

const bigSet = (key: string): string[] => ['SADD', key, ...Array.from({ length: 200 }, (_, i) => `m${i}`)];

/** lazyfreed_objects moves by one when `act` deletes a big set with `name` yes, and not with it no. */
async function lazyCheck(w: WalkContext, name: string, act: (key: string) => Promise<void>): Promise<void> {
  const key = `walk:${name}`;
  for (const [value, expect] of [['no', 0], ['yes', 1]] as const) {
    await w.set(name, value);
    await w.call(...bigSet(key));
    const before = await lazyfreed(w.admin);
    await act(key);
    w.equal((await lazyfreed(w.admin)) - before, expect, `lazyfreed_objects after deleting a 200-member set with ${name} ${value}`);
    await w.call('DEL', key);
  }
}

function scrape(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    }).on('error', reject);
  });
}

async function slowlogLen(w: WalkContext): Promise<number> {
  return Number(await w.call('SLOWLOG', 'LEN'));
}

export const checks: CheckTable = {
  'hash-max-listpack-entries': {
    async check(w) {
      w.equal(await encodingWith(w, 'hash-max-listpack-entries', '1', 'walk:h', [['HSET', 'walk:h', 'a', '1', 'b', '2']]), 'hashtable', 'a 2-field hash with the limit at 1');
    },
  },
  'hash-max-listpack-value': {
    async check(w) {
      w.equal(await encodingWith(w, 'hash-max-listpack-value', '1', 'walk:h', [['HSET', 'walk:h', 'a', '12']]), 'hashtable', 'a 2-byte value with the limit at 1');
    },
  },
  'hash-max-ziplist-entries': { aliasOf: { name: 'hash-max-listpack-entries', value: '7' } },
  'hash-max-ziplist-value': { aliasOf: { name: 'hash-max-listpack-value', value: '7' } },
  'set-max-intset-entries': {
    async check(w) {
      w.equal(await encodingWith(w, 'set-max-intset-entries', '1', 'walk:s', [['SADD', 'walk:s', '1', '2']]), 'hashtable', 'a 2-integer set with the limit at 1');
    },
  },
  'zset-max-listpack-entries': {
    async check(w) {
      w.equal(await encodingWith(w, 'zset-max-listpack-entries', '1', 'walk:z', [['ZADD', 'walk:z', '1', 'a', '2', 'b']]), 'skiplist', 'a 2-member zset with the limit at 1');
    },
  },
  'zset-max-listpack-value': {
    async check(w) {
      w.equal(await encodingWith(w, 'zset-max-listpack-value', '1', 'walk:z', [['ZADD', 'walk:z', '1', 'ab']]), 'skiplist', 'a 2-byte member with the limit at 1');
    },
  },
  'zset-max-ziplist-entries': { aliasOf: { name: 'zset-max-listpack-entries', value: '7' } },
  'zset-max-ziplist-value': { aliasOf: { name: 'zset-max-listpack-value', value: '7' } },
  'list-max-listpack-size': {
    async check(w) {
      const usage = async (): Promise<number> => {
        await w.call('DEL', 'walk:l');
        await w.call('RPUSH', 'walk:l', ...Array.from({ length: 50 }, (_, i) => `e${i}`));
        const n = Number(await w.call('MEMORY', 'USAGE', 'walk:l', 'SAMPLES', '0'));
        await w.call('DEL', 'walk:l');
        return n;
      };
      const packed = await usage();
      await w.set('list-max-listpack-size', '1');
      const oneEach = await usage();
      w.ok(oneEach > packed * 2, `MEMORY USAGE of 50 elements: ${oneEach} with one per node, ${packed} with -2`);
    },
  },
  'list-max-ziplist-size': { aliasOf: { name: 'list-max-listpack-size', value: '5' } },
  'active-expire-effort': {
    async check(w) {
      // One cycle a second (hz 1) over 3150 TTL keys, every 21st expired: effort 1 stops
      // after its first thousand mostly-live keys per cycle, effort 10 goes on while any expire.
      const reclaimed = async (effort: string): Promise<number> => {
        await w.set('active-expire-effort', effort);
        const c = await w.connect();
        await c.call('SELECT', '7');
        await c.call('FLUSHDB');
        await c.pipeline(Array.from({ length: 3150 }, (_, i) => ['SET', `e${i}`, 'v', 'PX', i % 21 === 0 ? '50' : '100000']));
        const before = /expired_keys:(\d+)/.exec(String(await c.call('INFO', 'stats')))?.[1];
        await sleep(1250);
        const after = /expired_keys:(\d+)/.exec(String(await c.call('INFO', 'stats')))?.[1];
        await c.call('FLUSHDB');
        return Number(after) - Number(before);
      };
      const hz = await w.get('hz');
      await w.set('hz', '1');
      try {
        const high = await reclaimed('10');
        const low = await reclaimed('1');
        w.ok(high === 150 && low < 150, `expired keys reclaimed in about one cycle: ${high} at effort 10, ${low} at effort 1 (of 150)`);
      } finally {
        await w.set('hz', hz);
      }
    },
  },
  'lazyfree-lazy-user-del': {
    async check(w) {
      await lazyCheck(w, 'lazyfree-lazy-user-del', async (k) => void (await w.call('DEL', k)));
    },
  },
  'lazyfree-lazy-server-del': {
    async check(w) {
      await lazyCheck(w, 'lazyfree-lazy-server-del', async (k) => void (await w.call('SET', k, 'x')));
    },
  },
  'lazyfree-lazy-expire': {
    async check(w) {
      await lazyCheck(w, 'lazyfree-lazy-expire', async (k) => {
        await w.call('PEXPIRE', k, '1');
        await sleep(20);
        await w.call('EXISTS', k);
      });
    },
  },
  'lazyfree-lazy-eviction': {
    async check(w) {
      const policy = await w.get('maxmemory-policy');
      try {
        await w.set('maxmemory-policy', 'allkeys-random');
        await lazyCheck(w, 'lazyfree-lazy-eviction', async (k) => {
          await w.set('maxmemory', '1');
          await w.call('SET', `${k}:trigger`, 'x'); // evicts what it can, the big set included
          await w.set('maxmemory', '0');
          w.equal(await w.call('EXISTS', k), 0, 'the big set was evicted');
        });
      } finally {
        await w.set('maxmemory', '0');
        await w.set('maxmemory-policy', policy);
      }
    },
  },
  'lazyfree-lazy-user-flush': {
    async check(w) {
      const c = await w.connect();
      await c.call('SELECT', '8');
      for (const [value, expect] of [['no', 0], ['yes', 3]] as const) {
        await w.set('lazyfree-lazy-user-flush', value);
        await c.call('MSET', 'a', '1', 'b', '2', 'c', '3');
        const before = await lazyfreed(c);
        await c.call('FLUSHDB');
        w.equal((await lazyfreed(c)) - before, expect, `FLUSHDB of 3 keys with lazyfree-lazy-user-flush ${value} (ASYNC frees lazily)`);
      }
    },
  },
  'tracking-table-max-keys': {
    async check(w) {
      await w.set('tracking-table-max-keys', '2');
      const sub = await Subscriber.connect(w.port);
      w.teardown(() => sub.close());
      sub.send('CLIENT', 'ID');
      sub.send('SUBSCRIBE', '__redis__:invalidate');
      await sub.count(2);
      const reader = await w.connect();
      w.equal(await reader.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(sub.frames[0])), 'OK', 'tracking on');
      for (let i = 0; i < 5; i++) await reader.call('GET', `walk:t${i}`);
      await reader.call('PING');
      await sleep(50);
      const keys = /tracking_total_keys:(\d+)/.exec(String(await w.call('INFO', 'stats')))?.[1];
      w.equal(keys, '2', 'tracking_total_keys with the table limited to 2');
      const messages = sub.frames.filter((f) => Array.isArray(f) && f[0] === 'message').length;
      w.equal(messages, 3, 'invalidations for the 3 keys that left the table');
    },
  },
  'slowlog-log-slower-than': {
    async check(w) {
      await w.call('SLOWLOG', 'RESET');
      await w.call('PING');
      const none = await slowlogLen(w);
      await w.set('slowlog-log-slower-than', '0');
      await w.call('PING');
      w.ok(none === 0 && (await slowlogLen(w)) >= 1, 'every command is logged with the threshold at 0');
      await w.call('SLOWLOG', 'RESET');
    },
  },
  'slowlog-max-len': {
    async check(w) {
      const slower = await w.get('slowlog-log-slower-than');
      await w.set('slowlog-max-len', '2');
      await w.set('slowlog-log-slower-than', '0');
      for (let i = 0; i < 5; i++) await w.call('PING');
      w.equal(await slowlogLen(w), 2, 'SLOWLOG LEN with slowlog-max-len 2');
      await w.set('slowlog-log-slower-than', slower);
      await w.call('SLOWLOG', 'RESET');
    },
  },
  'latency-monitor-threshold': {
    async check(w) {
      await w.call('LATENCY', 'RESET');
      await w.set('latency-monitor-threshold', '1');
      // A script that keeps the shard busy for some milliseconds: a 'command' latency event.
      await w.call('EVAL', 'local i = 0 while i < 3000000 do i = i + 1 end return i', '0');
      const latest = (await w.call('LATENCY', 'LATEST')) as unknown[];
      w.ok(Array.isArray(latest) && latest.length >= 1, `LATENCY LATEST has an event: ${JSON.stringify(latest)}`);
      await w.call('LATENCY', 'RESET');
    },
  },
  'latency-tracking': {
    async check(w) {
      await w.call('PING');
      const on = String(await w.call('INFO', 'latencystats'));
      await w.set('latency-tracking', 'no');
      const off = String(await w.call('INFO', 'latencystats'));
      w.ok(/latency_percentiles_usec_ping:/.test(on) && !/latency_percentiles_usec_/.test(off), 'INFO latencystats empties with latency-tracking no');
    },
  },
  'latency-tracking-info-percentiles': {
    async check(w) {
      await w.set('latency-tracking-info-percentiles', '42');
      await w.call('PING');
      w.ok(/latency_percentiles_usec_ping:p42=[\d.]+\r?\n/.test(String(await w.call('INFO', 'latencystats'))), 'INFO latencystats shows p42 only');
    },
  },
  'stream-node-max-entries': {
    async check(w) {
      await w.set('stream-node-max-entries', '2');
      await w.call('DEL', 'walk:x');
      for (let i = 1; i <= 6; i++) await w.call('XADD', 'walk:x', `${i}-0`, 'f', 'v');
      w.equal(await w.call('XTRIM', 'walk:x', 'MAXLEN', '~', '1'), 4, 'XTRIM ~ removes whole 2-entry nodes');
      await w.call('DEL', 'walk:x');
    },
  },
  'stream-node-max-bytes': {
    async check(w) {
      await w.set('stream-node-max-bytes', '1');
      await w.call('DEL', 'walk:x');
      for (let i = 1; i <= 6; i++) await w.call('XADD', 'walk:x', `${i}-0`, 'f', 'v');
      w.equal(await w.call('XTRIM', 'walk:x', 'MAXLEN', '~', '1'), 5, 'XTRIM ~ removes one-entry nodes');
      await w.call('DEL', 'walk:x');
    },
  },
  'hll-sparse-max-bytes': {
    async check(w) {
      await w.set('hll-sparse-max-bytes', '0');
      await w.call('DEL', 'walk:hll');
      await w.call('PFADD', 'walk:hll', 'a');
      w.equal(await w.call('STRLEN', 'walk:hll'), 12304, 'a dense HyperLogLog from the first element');
      await w.call('DEL', 'walk:hll');
    },
  },
  timeout: {
    async check(w) {
      await w.set('timeout', '1');
      const c = await w.connect();
      await c.call('PING');
      // The admin connection stays busy so that only the idle one is closed.
      for (let i = 0; i < 6; i++) {
        await sleep(500);
        await w.call('PING');
      }
      w.ok(c.isClosed, 'an idle client closed after 3 s under timeout 1');
    },
  },
  'metrics-port': {
    async check(w) {
      const port = await freePort();
      await w.set('metrics-port', String(port));
      w.equal(await scrape(port), 200, '/metrics served on the port set');
      await w.set('metrics-port', '0');
      let refused = false;
      await scrape(port).catch(() => (refused = true));
      w.ok(refused, 'not served with metrics-port 0');
    },
  },
  'list-compress-depth': {
    async check(w) {
      const usage = async (): Promise<number> => {
        await w.call('DEL', 'walk:l');
        await w.call('RPUSH', 'walk:l', ...Array.from({ length: 2000 }, (_, i) => `element-${i % 10}`));
        const n = Number(await w.call('MEMORY', 'USAGE', 'walk:l', 'SAMPLES', '0'));
        await w.call('DEL', 'walk:l');
        return n;
      };
      const plain = await usage();
      await w.set('list-compress-depth', '1');
      const compressed = await usage();
      w.ok(compressed < plain, `MEMORY USAGE of a compressible list: ${compressed} with interior nodes compressed, ${plain} without`);
    },
  },
};
