/**
 * DEBUG DIGEST as Redis computes it (debug.c xorObjectDigest): per key, the
 * key is mixed into a zeroed 20-byte digest, then the type, then the value
 * (strings and list elements mixed in order; set members XORed; zset and hash
 * elements digested on their own and XORed; stream IDs and fields mixed in
 * order), then "!!expire!!" XORed for keys with a TTL. mix = xor with SHA1 of
 * the data, then SHA1 of the result; xor = xor with SHA1 of the data. The
 * per-key digests of a database are XORed, so each shard computes its part
 * and the main thread combines them (src/commands/persistence.ts).
 */
import { createHash } from 'node:crypto';
import { ListValue } from './structures/list';
import { SetValue } from './structures/set';
import { ZSetValue } from './structures/zset';
import { NIL } from './structures/skiplist';
import { HashValue } from './structures/hash';
import { StreamValue } from './structures/stream';
import { ID_MAX } from './structures/stream-id';
import { formatDouble } from '../src/core/wire/reply-writer';
import type { Value } from './value';

const sha1 = (data: Buffer | string): Buffer => createHash('sha1').update(typeof data === 'string' ? Buffer.from(data, 'latin1') : data).digest();

export function xorDigest(d: Buffer, data: Buffer | string): void {
  const h = sha1(data);
  for (let i = 0; i < 20; i++) d[i] ^= h[i];
}

export function mixDigest(d: Buffer, data: Buffer | string): void {
  xorDigest(d, data);
  sha1(d).copy(d);
}

const TYPE_IDS: Record<string, number> = { string: 0, list: 1, set: 2, zset: 3, hash: 4, stream: 6 };

/** xorObjectDigest: the value's (and TTL's) contribution, XORed into `d`. */
export function valueDigest(d: Buffer, v: Value, hasTtl: boolean): void {
  const type = Buffer.alloc(4);
  type.writeUInt32BE(TYPE_IDS[typeof v === 'string' ? 'string' : v.type]);
  mixDigest(d, type);
  if (typeof v === 'string') mixDigest(d, v);
  else if (v instanceof ListValue) for (const e of v.toArray()) mixDigest(d, e);
  else if (v instanceof SetValue) for (const m of v.ordered()) xorDigest(d, m);
  else if (v instanceof ZSetValue) {
    const zsl = v.zsl;
    for (let x = zsl.first; x !== NIL; x = zsl.next(x)) {
      const e = Buffer.alloc(20);
      mixDigest(e, zsl.member(x));
      mixDigest(e, formatDouble(zsl.score(x)));
      xorDigest(d, e);
    }
  } else if (v instanceof HashValue) {
    v.forEach((f, val) => {
      const e = Buffer.alloc(20);
      mixDigest(e, f);
      mixDigest(e, val);
      xorDigest(d, e);
    });
  } else if (v instanceof StreamValue) {
    v.range(0n, ID_MAX, false, 0, (id, fields) => {
      mixDigest(d, `${id >> 64n}.${id & 0xffffffffffffffffn}`);
      for (const f of fields) mixDigest(d, f);
    });
  }
  if (hasTtl) xorDigest(d, '!!expire!!');
}

/** A key's digest (the key mixed first), as computeDatasetDigest makes it. */
export function keyDigest(key: string, v: Value, hasTtl: boolean): Buffer {
  const d = Buffer.alloc(20);
  mixDigest(d, key);
  valueDigest(d, v, hasTtl);
  return d;
}
