/**
 * MIGRATE (Redis's migrateCommand): DUMP each key with its remaining TTL,
 * send RESTORE (RESTORE-ASKING in cluster mode) to the target over a cached
 * connection, and delete the keys the target took (unless COPY). The whole
 * exchange runs under the shard lock, so no other command sees a key both
 * here and there, as Redis blocks while it migrates. RESTORE-ASKING runs
 * RESTORE's own op on the key's shard.
 *
 * DUMP and RESTORE are the persistence family's rows (Redis's payload
 * format); this file looks them up by name and refuses MIGRATE without them.
 */
import { acquireShardLock, type CoordContext, type CoordOp, type Coords, type TableEntry } from '../coordination/context';
import { errorReply, okReply, simpleReply } from '../resp/replies';
import { ERR_NOT_INTEGER, ERR_SYNTAX, ReplyError } from '../core/errors';
import { parseI64 } from '../core/args/parse';
import { readBulk, readInteger, isError } from '../resp/reply-reader';
import { encodeCommand, MigrateIoError } from '../cluster/migrate-sockets';

function rowOrThrow(ctx: CoordContext, name: string): TableEntry {
  const e = ctx.server.commands.lookup(name);
  if (e === undefined || e.opIndex < 0) throw new ReplyError(`ERR ${name.toUpperCase()} is not available in this build, so MIGRATE cannot move keys`);
  return e;
}

/** Runs a shard row for one key on its shard and returns the raw reply. */
function onShard(ctx: CoordContext, entry: TableEntry, args: string[]): Promise<Buffer> {
  const shards = ctx.server.shards;
  const shard = shards.router.shardOf(args[1]);
  return shards.clients[shard].request(entry.opIndex, ctx.conn.db, 2, args, 1);
}

interface MigrateArgs {
  host: string;
  port: string;
  keys: string[];
  db: number;
  timeout: number;
  copy: boolean;
  replace: boolean;
  auth: string[] | null;
}

function parseMigrate(args: readonly string[]): MigrateArgs {
  let copy = false;
  let replace = false;
  let auth: string[] | null = null;
  let keys: string[] | null = null;
  for (let j = 6; j < args.length; j++) {
    const opt = args[j].toLowerCase();
    const more = args.length - j - 1;
    if (opt === 'copy') copy = true;
    else if (opt === 'replace') replace = true;
    else if (opt === 'auth') {
      if (more < 1) throw new ReplyError(ERR_SYNTAX);
      auth = ['AUTH', args[++j]];
    } else if (opt === 'auth2') {
      if (more < 2) throw new ReplyError(ERR_SYNTAX);
      auth = ['AUTH', args[j + 1], args[j + 2]];
      j += 2;
    } else if (opt === 'keys') {
      if (args[3] !== '') throw new ReplyError('ERR When using MIGRATE KEYS option, the key argument must be set to the empty string');
      keys = args.slice(j + 1);
      break;
    } else {
      throw new ReplyError(ERR_SYNTAX);
    }
  }
  const timeout = parseI64(args[5]);
  const db = parseI64(args[4]);
  if (timeout === null || db === null || timeout > 2147483647n || db > 2147483647n || db < -2147483648n) throw new ReplyError(ERR_NOT_INTEGER);
  return {
    host: args[1],
    port: args[2],
    keys: keys ?? [args[3]],
    db: Number(db),
    timeout: timeout <= 0n ? 1000 : Number(timeout),
    copy,
    replace,
    auth,
  };
}

const migrate: CoordOp = async (ctx, args) => {
  const m = parseMigrate(args);
  const dump = rowOrThrow(ctx, 'dump');
  const pttl = rowOrThrow(ctx, 'pttl');
  const del = rowOrThrow(ctx, 'del');
  const release = await acquireShardLock(ctx);
  try {
    // The keys that exist, with their payloads and remaining TTLs.
    const found: { key: string; payload: string; ttl: number }[] = [];
    for (const key of m.keys) {
      const payload = readBulk(await onShard(ctx, dump, ['dump', key]));
      if (payload === null) continue;
      const ttl = readInteger(await onShard(ctx, pttl, ['pttl', key])) ?? -1;
      found.push({ key, payload, ttl: ttl > 0 ? ttl : 0 });
    }
    if (found.length === 0) return simpleReply('NOKEY');
    const port = Number(m.port);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new MigrateIoError('writing');
    const conn = await ctx.server.migrateSockets.get(m.host, port, m.timeout);
    const cmds: string[][] = [];
    if (m.auth !== null) cmds.push(m.auth);
    const select = conn.lastDb !== m.db;
    if (select) cmds.push(['SELECT', String(m.db)]);
    const restore = ctx.server.cluster !== null ? 'RESTORE-ASKING' : 'RESTORE';
    for (const f of found) {
      const c = [restore, f.key, String(f.ttl), f.payload];
      if (m.replace) c.push('REPLACE');
      cmds.push(c);
    }
    const phase = { reading: false };
    const replies = await conn.exchange(Buffer.concat(cmds.map(encodeCommand)), cmds.length, m.timeout, phase);
    let i = 0;
    if (m.auth !== null) {
      const r = replies[i++];
      if (!r.ok) return errorReply(`ERR Target instance replied with error: ${r.error}`);
    }
    if (select) {
      const r = replies[i++];
      if (!r.ok) {
        conn.lastDb = -1;
        return errorReply(`ERR Target instance replied with error: ${r.error}`);
      }
      conn.lastDb = m.db;
    }
    let targetError: string | null = null;
    const left: string[] = [];
    for (const f of found) {
      const r = replies[i++];
      if (!r.ok) {
        targetError = r.error;
        continue;
      }
      if (!m.copy) {
        const out = await onShard(ctx, del, ['del', f.key]);
        if (isError(out)) ctx.server.log.warn({ key: f.key }, 'MIGRATE could not delete a migrated key');
        else left.push(f.key);
      }
    }
    if (targetError !== null) {
      // The error reply propagates nothing (persistence/aof-commands.ts), but
      // the keys the target took before it refused one are gone here: their
      // DEL goes to the AOF and the replicas now, in this command's place
      // (no other command runs while MIGRATE holds the lock). Not inside
      // EXEC: the queue's later writes are logged with the EXEC, and this DEL
      // would follow them.
      const feed = ctx.server.feed;
      if (left.length > 0 && feed.active && !ctx.conn.loader && ctx.inExec !== true) feed.appendNow(ctx.conn.db, [['DEL', ...left]], !ctx.conn.isMaster);
      return errorReply(`ERR Target instance replied with error: ${targetError}`);
    }
    return okReply();
  } catch (err) {
    if (err instanceof MigrateIoError) return errorReply(`IOERR error or timeout ${err.message} to target instance`);
    throw err;
  } finally {
    release();
  }
};

/** RESTORE that an importing node serves without ASKING (the redirect check knows it by name). */
const restoreAsking: CoordOp = async (ctx, args) => {
  const restore = rowOrThrow(ctx, 'restore');
  return onShard(ctx, restore, ['restore', ...args.slice(1)]);
};

export const migrateCoords: Coords = {
  migrate,
  'restore-asking': restoreAsking,
};
