/**
 * DUMP and RESTORE (cluster.c dumpCommand / restoreCommand): a key's value in
 * Redis's payload format (src/core/rdb/file.ts), so payloads move between
 * redis-server and Shardis both ways.
 */
import type { ShardOpContext, ShardOps } from '../op-context';
import type { ReplyWriter } from '../../src/core/wire/reply-writer';
import { ERR_NOT_INTEGER, ERR_SYNTAX, ReplyError } from '../../src/core/errors';
import { parseI64 } from '../../src/core/args/parse';
import { dumpPayload, readDumpPayload, verifyDumpPayload } from '../../src/core/rdb/file';
import { NOTIFY } from '../../src/core/notify';
import { fromRdbValue, toRdbValue } from '../rdb-values';
import type { Value } from '../value';

function opDump(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const v = ctx.db.get(args[1], ctx.now);
  if (v === undefined) {
    w.nullBulk();
    return;
  }
  w.bulk(dumpPayload(toRdbValue(v), { compress: ctx.shard.settings.rdbCompression }).toString('latin1'));
}

function int64Arg(s: string): bigint {
  const v = parseI64(s);
  if (v === null) throw new ReplyError(ERR_NOT_INTEGER);
  return v;
}

function opRestore(ctx: ShardOpContext, args: string[], w: ReplyWriter): void {
  const key = args[1];
  let replace = false;
  let absttl = false;
  let idle = -1n;
  let freq = -1n;
  for (let j = 4; j < args.length; j++) {
    const a = args[j].toLowerCase();
    const additional = args.length - j - 1;
    if (a === 'replace') replace = true;
    else if (a === 'absttl') absttl = true;
    else if (a === 'idletime' && additional >= 1 && freq === -1n) {
      idle = int64Arg(args[++j]);
      if (idle < 0n) throw new ReplyError('ERR Invalid IDLETIME value, must be >= 0');
    } else if (a === 'freq' && additional >= 1 && idle === -1n) {
      freq = int64Arg(args[++j]);
      if (freq < 0n || freq > 255n) throw new ReplyError('ERR Invalid FREQ value, must be >= 0 and <= 255');
    } else throw new ReplyError(ERR_SYNTAX);
  }
  if (!replace && ctx.db.has(key, ctx.now)) throw new ReplyError('BUSYKEY Target key name already exists.');
  let ttl = int64Arg(args[2]);
  if (ttl < 0n) throw new ReplyError('ERR Invalid TTL value, must be >= 0');
  const payload = Buffer.from(args[3], 'latin1');
  if (!verifyDumpPayload(payload)) throw new ReplyError('ERR DUMP payload version or checksum are wrong');
  let value: Value;
  try {
    value = fromRdbValue(readDumpPayload(payload));
  } catch {
    throw new ReplyError('ERR Bad data format');
  }
  const deleted = replace && ctx.db.delete(key);
  if (ttl !== 0n && !absttl) ttl += BigInt(ctx.now);
  if (ttl !== 0n && ttl <= BigInt(ctx.now)) {
    // Already expired: nothing is stored (and a replaced key is gone), as Redis.
    if (deleted) ctx.notify(NOTIFY.generic, 'del', key);
    w.ok();
    return;
  }
  ctx.db.set(key, value);
  if (ttl !== 0n) ctx.db.setExpireExact(key, ttl);
  const lfu = ctx.shard.settings.maxmemoryPolicy.endsWith('-lfu');
  if (lfu && freq >= 0n) (ctx.db.lfuCounters ??= new Map()).set(key, [Number(freq), Math.floor(ctx.now / 1000)]);
  else if (!lfu && idle >= 0n) ctx.db.setIdle(key, Number(idle > 2n ** 31n ? 2n ** 31n : idle));
  ctx.notify(NOTIFY.generic, 'restore', key);
  w.ok();
}

export const dumpOps: ShardOps = {
  dump: opDump,
  restore: opRestore,
};
