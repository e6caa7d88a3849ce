/**
 * A seeded dataset of every type and encoding Redis 7.0 writes, as commands:
 * strings (int, embstr, raw, LZF-compressible, binary, empty), lists
 * (listpack, multi-node quicklist), sets (intset, hashtable), hashes and
 * sorted sets (listpack and hashtable/skiplist, incl. inf and fractional
 * scores), streams (field sets that match the master entry or not, deleted
 * entries, consumer groups with pending entries, an empty stream with a
 * group), TTLs, and several databases. `n` scales the collection sizes.
 */
import { rng } from './differential';

export type Command = (string | number)[];

export function everyShapeDataset(seed: number, n = 100): Command[] {
  const r = rng(seed);
  const bytes = (len: number): string => {
    let s = '';
    for (let i = 0; i < len; i++) s += String.fromCharCode(Math.floor(r() * 256));
    return s;
  };
  const cmds: Command[] = [];
  const select = (db: number): void => void cmds.push(['SELECT', db]);
  // Strings.
  cmds.push(['SET', 's:int', '123'], ['SET', 's:neg', '-32769'], ['SET', 's:big', '9999999999'], ['SET', 's:huge', '-9223372036854775808']);
  cmds.push(['SET', 's:embstr', 'hello world'], ['SET', 's:raw', bytes(120)], ['SET', 's:comp', 'abcdefgh'.repeat(40)]);
  cmds.push(['SET', 's:empty', ''], ['SET', 's:lead0', '007'], ['SET', 's:float', '3.14']);
  // The edges of the RDB integer string encodings (8, 16 and 32 bits) and texts that only look like integers; some as keys.
  const edges = ['0', '-0', '127', '128', '-128', '-129', '32767', '32768', '-32768', '2147483647', '2147483648', '-2147483648', '-2147483649', '+1', ' 1', '1 ', '00', '-', '12345678901'];
  edges.forEach((v, i) => cmds.push(['SET', `s:edge:${i}`, v], ['SET', v, `edge key ${i}`]));
  for (let i = 0; i < n; i++) cmds.push(['SET', `str:${i}`, r() < 0.5 ? String(Math.floor(r() * 1e6)) : bytes(1 + Math.floor(r() * 60))]);
  // Lists.
  cmds.push(['RPUSH', 'l:small', 'a', '1', '-5', '300', '70000', '99999999999', 'x'.repeat(70)]);
  const big: (string | number)[] = ['RPUSH', 'l:big'];
  for (let i = 0; i < n * 6; i++) big.push(r() < 0.3 ? String(i) : bytes(Math.floor(r() * 90)));
  cmds.push(big);
  cmds.push(['LPUSH', 'l:comp', 'z'.repeat(300), 'y'.repeat(300)]);
  // Sets.
  cmds.push(['SADD', 's:iset', '1', '2', '3', '-70000', '5000000000']);
  const ibig: (string | number)[] = ['SADD', 's:ibig'];
  for (let i = 0; i < 600; i++) ibig.push(i * 7);
  cmds.push(ibig);
  const sstr: (string | number)[] = ['SADD', 's:str'];
  for (let i = 0; i < n; i++) sstr.push(`m${i}:${bytes(3)}`);
  cmds.push(sstr);
  // Hashes.
  cmds.push(['HSET', 'h:small', 'f1', 'v1', 'n', '42', 'neg', '-1', 'e', '']);
  const hbig: (string | number)[] = ['HSET', 'h:big'];
  for (let i = 0; i < 600; i++) hbig.push(`field:${i}`, r() < 0.5 ? String(i) : bytes(10));
  cmds.push(hbig);
  cmds.push(['HSET', 'h:longval', 'a', 'b', 'long', 'v'.repeat(100)]);
  // Sorted sets.
  cmds.push(['ZADD', 'z:small', '1', 'a', '2.5', 'b', '-3', 'c', '1e20', 'd', 'inf', 'e', '-inf', 'f', '0.1', 'g', '123456789012', 'h']);
  const zbig: (string | number)[] = ['ZADD', 'z:big'];
  for (let i = 0; i < 200; i++) zbig.push(String(Math.floor(r() * 1000) / 7), `member:${i}`);
  cmds.push(zbig);
  cmds.push(['ZADD', 'z:longmember', '1', 'm'.repeat(80), '2', 'short']);
  // Streams.
  for (let i = 1; i <= n * 2; i++) {
    const fields = i % 5 === 0 ? ['other', bytes(4), 'x', String(i)] : ['temp', String(i % 40), 'hum', bytes(3)];
    cmds.push(['XADD', 'x:s', `${1000 + i}-${i % 3}`, ...fields]);
  }
  cmds.push(['XDEL', 'x:s', '1003-0', '1010-1']);
  cmds.push(['XGROUP', 'CREATE', 'x:s', 'g1', '0'], ['XGROUP', 'CREATE', 'x:s', 'g2', '$']);
  cmds.push(['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '7', 'STREAMS', 'x:s', '>']);
  cmds.push(['XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', '3', 'STREAMS', 'x:s', '>']);
  cmds.push(['XACK', 'x:s', 'g1', '1002-2']);
  cmds.push(['XGROUP', 'CREATECONSUMER', 'x:s', 'g2', 'idle']);
  cmds.push(['XGROUP', 'CREATE', 'x:empty', 'g', '$', 'MKSTREAM']);
  cmds.push(['XADD', 'x:trim', '1-1', 'a', '1'], ['XADD', 'x:trim', '2-1', 'a', '2'], ['XDEL', 'x:trim', '2-1']);
  // TTLs.
  for (let i = 0; i < n; i += 7) cmds.push(['PEXPIREAT', `str:${i}`, 4102444800000 + i]);
  cmds.push(['PEXPIREAT', 'h:small', 4102444800123]);
  // Other databases.
  select(3);
  cmds.push(['SET', 'db3:a', '1'], ['RPUSH', 'db3:l', 'x'], ['PEXPIREAT', 'db3:a', 4102444800000]);
  select(15);
  cmds.push(['HSET', 'db15:h', 'k', 'v']);
  select(0);
  return cmds;
}
