/**
 * A shard's values as plain RDB data (src/core/rdb/object.ts) and back: the
 * only place that knows both the shard's data structures and the RDB model.
 * Encodings follow what the structure reports (OBJECT ENCODING), so a value
 * is written as Redis would write the same value; loading rebuilds through
 * the structures' own inserts, which convert encodings as Redis's loader does.
 */
import type { RdbStream, RdbValue, RdbWriteOptions } from '../src/core/rdb/object';
import type { ByteSink } from '../src/core/rdb/bytes';
import { writeKeyEntry, writeStringKeyEntry } from '../src/core/rdb/file';
import type { Value } from './value';
import { ListValue } from './structures/list';
import { SetValue } from './structures/set';
import { ZSetValue } from './structures/zset';
import { NIL } from './structures/skiplist';
import { HashValue } from './structures/hash';
import { ConsumerGroup, SortedIds, StreamValue, type Consumer, type Nack } from './structures/stream';
import { ID_MAX } from './structures/stream-id';

/**
 * One key of this shard as an RDB entry (SAVE, a snapshot's slices).
 * Strings, most keys, go without the entry and value objects
 * (writeStringKeyEntry): per-key garbage became scavenges that clients
 * waited behind during a BGSAVE.
 */
export function writeShardKey(out: ByteSink, key: string, value: Value, expireAt: number, opts: RdbWriteOptions): void {
  if (typeof value === 'string') writeStringKeyEntry(out, key, value, expireAt, opts);
  else writeKeyEntry(out, { key, value: toRdbValue(value), expireAt }, opts);
}

export function toRdbValue(v: Value): RdbValue {
  if (typeof v === 'string') return { type: 'string', value: v };
  if (v instanceof ListValue) return { type: 'list', items: v.toArray() };
  if (v instanceof SetValue) return { type: 'set', members: [...v.ordered()], intset: v.encoding() === 'intset' };
  if (v instanceof HashValue) {
    const entries: string[] = [];
    v.forEach((f, val) => entries.push(f, val));
    return { type: 'hash', entries, listpack: v.isListpack };
  }
  if (v instanceof ZSetValue) {
    const entries: [string, number][] = [];
    const zsl = v.zsl;
    for (let x = zsl.first; x !== NIL; x = zsl.next(x)) entries.push([zsl.member(x), zsl.score(x)]);
    return { type: 'zset', entries, listpack: v.listpack };
  }
  if (v instanceof StreamValue) return { type: 'stream', stream: streamToRdb(v) };
  throw new Error(`no RDB form for ${v.type}`);
}

function streamToRdb(s: StreamValue): RdbStream {
  const entries: RdbStream['entries'] = [];
  s.range(0n, ID_MAX, false, 0, (id, fields) => entries.push({ id, fields }));
  const groups: RdbStream['groups'] = [];
  for (const g of s.groups.values()) {
    groups.push({
      name: g.name,
      lastId: g.lastId,
      entriesRead: g.entriesRead,
      pel: g.pelOrder.a.map((id) => {
        const n = g.pel.get(id) as Nack;
        return { id, deliveryTime: n.deliveryTime, deliveryCount: BigInt(n.deliveryCount), consumer: n.consumer.name };
      }),
      consumers: [...g.consumers.values()].map((c) => ({ name: c.name, seenTime: c.seenTime })),
    });
  }
  return { entries, length: s.length, lastId: s.lastId, firstId: s.firstId, maxDeletedId: s.maxDeletedId, entriesAdded: s.entriesAdded, groups };
}

export function fromRdbValue(r: RdbValue): Value {
  switch (r.type) {
    case 'string':
      return r.value;
    case 'list':
      return ListValue.fromArray(r.items);
    case 'set': {
      const s = new SetValue();
      for (const m of r.members) s.add(m);
      return s;
    }
    case 'hash': {
      const h = new HashValue();
      for (let i = 0; i < r.entries.length; i += 2) h.set(r.entries[i], r.entries[i + 1]);
      return h;
    }
    case 'zset': {
      const z = new ZSetValue();
      // Loaded scores are stored ones: no re-encoding on the way in (as clone()).
      z.listpack = false;
      for (const [m, score] of r.entries) if (z.score(m) === undefined) z.insert(m, score);
      z.settleEncoding();
      z.compact();
      return z;
    }
    case 'stream':
      return streamFromRdb(r.stream);
  }
}

function streamFromRdb(r: RdbStream): StreamValue {
  const s = new StreamValue();
  for (const e of r.entries) s.append(e.id, e.fields);
  s.lastId = r.lastId;
  s.firstId = r.firstId;
  s.maxDeletedId = r.maxDeletedId;
  s.entriesAdded = r.entriesAdded;
  for (const rg of r.groups) {
    const g = new ConsumerGroup(rg.name, rg.lastId, rg.entriesRead);
    for (const c of rg.consumers) g.consumers.set(c.name, { name: c.name, seenTime: c.seenTime, pending: new SortedIds() });
    for (const p of rg.pel) {
      const consumer = g.consumers.get(p.consumer) as Consumer;
      const deliveryCount = p.deliveryCount > BigInt(Number.MAX_SAFE_INTEGER) ? p.deliveryCount : Number(p.deliveryCount);
      g.pel.set(p.id, { consumer, deliveryTime: p.deliveryTime, deliveryCount });
      g.pelOrder.a.push(p.id);
      consumer.pending.a.push(p.id);
    }
    s.groups.set(g.name, g);
  }
  return s;
}
