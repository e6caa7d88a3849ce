/**
 * RDB files from Redis versions before 7.0 hold ziplists, zipmaps, quicklists
 * of ziplists and sorted sets with text scores. This test writes such a file
 * byte by byte (the encodings as ziplist.c and zipmap.c lay them out), loads
 * it into redis-server 7.0.15 and into Shardis, and compares every value and
 * the DEBUG DIGEST.
 */
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ANY_WORKERS, REDIS_SERVER, startRedis, startShardis } from './helpers/servers';
import { connectResp } from './helpers/resp-client';

const DBG = ['--enable-debug-command', 'yes'];

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/** A ziplist of strings (6-bit lengths) and small integers (0..12 immediate, or int16). */
function ziplist(items: (string | number)[]): Buffer {
  const entries: Buffer[] = [];
  let prev = 0;
  let tail = 10;
  let off = 10;
  for (const it of items) {
    const prevlen = prev < 254 ? Buffer.from([prev]) : Buffer.concat([Buffer.from([254]), u32(prev)]);
    let enc: Buffer;
    if (typeof it === 'number') {
      if (it >= 0 && it <= 12) enc = Buffer.from([0xf1 + it]);
      else {
        enc = Buffer.alloc(3);
        enc[0] = 0xc0;
        enc.writeInt16LE(it, 1);
      }
    } else enc = Buffer.concat([Buffer.from([it.length]), Buffer.from(it, 'latin1')]);
    const e = Buffer.concat([prevlen, enc]);
    entries.push(e);
    tail = off;
    off += e.length;
    prev = e.length;
  }
  const body = Buffer.concat(entries);
  const total = 10 + body.length + 1;
  const head = Buffer.alloc(10);
  head.writeUInt32LE(total, 0);
  head.writeUInt32LE(items.length === 0 ? 10 : tail, 4);
  head.writeUInt16LE(items.length, 8);
  return Buffer.concat([head, body, Buffer.from([0xff])]);
}

function zipmap(pairs: [string, string][]): Buffer {
  const parts: Buffer[] = [Buffer.from([pairs.length])];
  for (const [k, v] of pairs) parts.push(Buffer.from([k.length]), Buffer.from(k, 'latin1'), Buffer.from([v.length, 0]), Buffer.from(v, 'latin1'));
  parts.push(Buffer.from([0xff]));
  return Buffer.concat(parts);
}

/** An RDB string with a 6- or 14-bit length. */
function str(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
  const len = b.length < 64 ? Buffer.from([b.length]) : Buffer.from([0x40 | (b.length >> 8), b.length & 0xff]);
  return Buffer.concat([len, b]);
}

function oldFile(): Buffer {
  const parts: Buffer[] = [Buffer.from('REDIS0009', 'latin1')];
  parts.push(Buffer.from([0xfe, 0]));
  const key = (type: number, name: string, payload: Buffer): void => void parts.push(Buffer.from([type]), str(name), payload);
  key(10, 'l:zip', str(ziplist(['a', 'bb', 7, -300, 'ccc'])));
  key(13, 'h:zip', str(ziplist(['f1', 'v1', 'f2', 2])));
  key(12, 'z:zip', str(ziplist(['m3', '-2', 'm1', '1.5', 'm2', 3])));
  key(9, 'h:zipmap', str(zipmap([['name', 'shardis'], ['n', '42']])));
  key(14, 'l:quick', Buffer.concat([Buffer.from([2]), str(ziplist(['x', 'y'])), str(ziplist([1, 2, 'z']))]));
  // Sorted set with text scores (type 3): 253 nan is refused, 254 +inf, 255 -inf.
  key(3, 'z:text', Buffer.concat([Buffer.from([3]), str('a'), Buffer.from([3]), Buffer.from('2.5'), str('b'), Buffer.from([254]), str('c'), Buffer.from([255])]));
  // Plain list (type 1) and a key with an old-style seconds deadline.
  key(1, 'l:plain', Buffer.concat([Buffer.from([2]), str('p'), str('q')]));
  parts.push(Buffer.from([0xfd]), u32(2000000000));
  key(0, 's:sec', str('with ttl'));
  parts.push(Buffer.from([0xff]), Buffer.alloc(8));
  return Buffer.concat(parts);
}

t.test('ziplist, zipmap, quicklist 1 and text-score files load as redis-server loads them', { skip: REDIS_SERVER ? false : 'no redis-server' }, async (t) => {
  const mk = (): string => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'shardis-oldrdb-'));
    t.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
    fs.writeFileSync(path.join(d, 'dump.rdb'), oldFile());
    return d;
  };
  const redis = await startRedis(t, [...DBG, '--dir', mk()]);
  const srv = await startShardis(t, { workers: ANY_WORKERS, dir: mk(), args: DBG });
  const rc = await connectResp(t, redis.port);
  const sc = await connectResp(t, srv.port);
  t.equal(await rc.call('DBSIZE'), 8, 'redis-server loaded the file');
  t.equal(await sc.call('DEBUG', 'DIGEST'), await rc.call('DEBUG', 'DIGEST'));
  const reads: (string | number)[][] = [
    ['LRANGE', 'l:zip', 0, -1], ['HGETALL', 'h:zip'], ['ZRANGE', 'z:zip', 0, -1, 'WITHSCORES'], ['HGETALL', 'h:zipmap'],
    ['LRANGE', 'l:quick', 0, -1], ['ZRANGE', 'z:text', 0, -1, 'WITHSCORES'], ['LRANGE', 'l:plain', 0, -1], ['PEXPIRETIME', 's:sec'],
    ['OBJECT', 'ENCODING', 'h:zipmap'], ['OBJECT', 'ENCODING', 'z:zip'], ['OBJECT', 'ENCODING', 'l:quick'],
  ];
  for (const r of reads) t.same(await sc.call(...r), await rc.call(...r), r.join(' '));
});
