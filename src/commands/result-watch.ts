/**
 * `<CMD>.WATCH` and `<CMD>.UNWATCH`, the main side (DiceDB-style result
 * subscriptions; the shard side is workers/rpc/result-watch.ts).
 *
 * They are not rows of the command table: any row that only reads keys of
 * one shard can be watched, so the dispatcher hands every unknown name ending
 * in `.watch` / `.unwatch` here. `GET.WATCH k` replies
 * `[GET, fingerprint, result]` and, after every write that changes the
 * result, the same shape arrives as a push (RESP3 `>3`, RESP2 `*3`).
 * `GET.UNWATCH fingerprint` ends it.
 *
 * The main thread keeps only a count per connection (`resultWatches`, for
 * INFO and CLIENT LIST); the subscriptions live in the shard of the key and
 * end with the connection through `connClosed`, so no abort listener is
 * needed here.
 */
import type { Connection } from '../connection';
import type { ServerContext, TableEntry } from '../coordination/context';
import { keyPositions } from '../core/commands/spec';
import { ROUTE_CROSS } from '../core/routing/router';
import { errorReply, okReply } from '../resp/replies';
import { errUnknownCommand, errWrongArity } from '../core/errors';
import { checkRequest } from './acl';

const WATCH = '.watch';
const UNWATCH = '.unwatch';

/** Read-only rows whose reply is random: every re-run would differ, so every write would push. */
const RANDOM_REPLY = new Set(['srandmember', 'hrandfield', 'zrandmember']);

/** Why a row cannot be watched, or null if it can. */
export function unwatchableReason(entry: TableEntry): string | null {
  const spec = entry.spec;
  if (entry.parent !== undefined || entry.subcommands !== undefined) return 'it has subcommands';
  if (spec.op === undefined || !spec.flags.includes('readonly') || spec.flags.includes('blocking')) {
    return 'only read-only commands on keys can be watched';
  }
  if (spec.firstKey <= 0 || spec.getKeys !== undefined) return 'only read-only commands on keys can be watched';
  if (RANDOM_REPLY.has(spec.name)) return 'its reply is random';
  // Read-only for Redis, but its whole effect is the access time each re-run would set.
  if (spec.name === 'touch') return 'it changes access times';
  return null;
}

/**
 * The fingerprint of a watched command: FNV-1a (32 bits) over the lowercase
 * command name and each argument with its length, so the same command from
 * any client gets the same number. A database other than 0 is mixed in, so a
 * connection can watch the same command in two databases.
 */
export function fingerprint(name: string, args: readonly string[], db: number): number {
  let h = 0x811c9dc5;
  const byte = (b: number): void => {
    h ^= b;
    h = Math.imul(h, 0x01000193);
  };
  for (let i = 0; i < name.length; i++) byte(name.charCodeAt(i) & 0xff);
  for (const a of args) {
    const n = a.length;
    byte(n & 0xff);
    byte((n >>> 8) & 0xff);
    byte((n >>> 16) & 0xff);
    byte(n >>> 24);
    for (let i = 0; i < n; i++) byte(a.charCodeAt(i));
  }
  if (db !== 0) {
    byte(0xff);
    byte(db & 0xff);
  }
  return h >>> 0;
}

/**
 * Handles `args` if its name is `<cmd>.watch` or `<cmd>.unwatch` (the
 * dispatcher calls this only for names that are not in the table). Returns
 * false for any other name.
 */
export function handleResultWatch(server: ServerContext, conn: Connection, args: string[]): boolean {
  const a0 = args[0];
  if (a0.length <= WATCH.length || a0.indexOf('.') < 0) return false;
  const name = a0.toLowerCase();
  const unwatch = name.endsWith(UNWATCH);
  if (!unwatch && !name.endsWith(WATCH)) return false;
  const entry = server.commands.lookup(name.slice(0, name.length - (unwatch ? UNWATCH.length : WATCH.length)));
  server.stats.totalCommands++;
  conn.lastCommand = name;
  if (entry === undefined) {
    conn.reply(errorReply(errUnknownCommand(args)));
  } else if (conn.txn !== null && conn.txn.inMulti) {
    // A subscription cannot be queued: refused like a no_multi command (the
    // dispatcher then fails the transaction with EXECABORT).
    conn.reply(errorReply('ERR Command not allowed inside a transaction'));
  } else if (unwatch) {
    unwatchCommand(server, conn, entry, args);
  } else {
    watchCommand(server, conn, entry, args);
  }
  return true;
}

function watchCommand(server: ServerContext, conn: Connection, entry: TableEntry, args: string[]): void {
  const spec = entry.spec;
  // Watching runs the wrapped command: the user needs the right to run it.
  if (!conn.user.open) {
    const denied = checkRequest(server, conn, entry, [entry.fullName, ...args.slice(1)]);
    if (denied !== null) {
      conn.reply(errorReply(denied));
      return;
    }
  }
  const reason = unwatchableReason(entry);
  if (reason !== null) {
    conn.reply(errorReply(`ERR command '${entry.fullName}' cannot be watched: ${reason}`));
    return;
  }
  const arity = spec.arity;
  if ((arity >= 0 ? args.length !== arity : args.length < -arity) || keyPositions(spec, args).length === 0) {
    conn.reply(errorReply(errWrongArity(`${entry.fullName}${WATCH}`)));
    return;
  }
  const shards = server.shards;
  const shard = shards.router.route(spec, args);
  if (shard === ROUTE_CROSS) {
    conn.reply(errorReply(`ERR the keys of a watched command must all be on one shard (use a {hash tag})`));
    return;
  }
  const fp = fingerprint(spec.name, args.slice(1), conn.db);
  // Before sending: if the connection ends first, `connClosed` still follows the registration.
  conn.shardsWithState.add(shard);
  const slot = conn.reserve();
  shards.call(shard, 'resultWatch', { fp, opIndex: entry.opIndex, args: args.slice(1) }, { db: conn.db, proto: conn.proto, connId: conn.id }).then(
    ({ isNew, message }) => {
      if (isNew) conn.resultWatches++;
      conn.fill(slot, Buffer.from(message, 'latin1'));
    },
    // The command failed when first run (bad arguments, wrong type): its error, nothing subscribed.
    (err: Error) => conn.fill(slot, errorReply(err.message)),
  );
}

function unwatchCommand(server: ServerContext, conn: Connection, entry: TableEntry, args: string[]): void {
  if (args.length !== 2) {
    conn.reply(errorReply(errWrongArity(`${entry.fullName}${UNWATCH}`)));
    return;
  }
  const text = args[1];
  if (!/^[0-9]{1,10}$/.test(text) || Number(text) > 0xffffffff) {
    conn.reply(errorReply('ERR invalid fingerprint'));
    return;
  }
  const shards = [...conn.shardsWithState];
  if (shards.length === 0) {
    conn.reply(okReply());
    return;
  }
  // Whichever shard holds it: each removes its own and says how many (same stream as the WATCH, so after it).
  const slot = conn.reserve();
  const req = { fp: Number(text), name: entry.spec.name };
  const scope = { db: conn.db, proto: conn.proto, connId: conn.id };
  void Promise.all(shards.map((s) => server.shards.call(s, 'resultUnwatch', req, scope))).then((counts) => {
    for (const n of counts) conn.resultWatches -= n;
    conn.fill(slot, okReply());
  });
}
