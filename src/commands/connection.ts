/**
 * Connection commands: they run on the main thread and touch only the
 * connection's own state.
 */
import type { CoordOp, Coords } from '../coordination/context';
import { buildReply, bulkReply, errArg, errorReply, okReply, simpleReply } from '../resp/replies';
import { ERR_DB_INDEX, ERR_NOT_INTEGER, ERR_SYNTAX } from '../core/errors';
import { parseI64 } from '../core/args/parse';
import { REDIS_VERSION } from '../version';
import { discardTransaction } from './transactions';
import { clientFlags, validClientName, ERR_CLIENT_NAME } from './client';
import { authenticateAs, logAuthFailure } from './acl';

const PONG = simpleReply('PONG');
const RESET = simpleReply('RESET');


const ERR_AUTH_NO_PASSWORD =
  'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?';
const ERR_WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';
const ERR_NOPROTO = 'NOPROTO unsupported protocol version';

const ping: CoordOp = (ctx, args) => {
  if (args.length > 2) return errorReply("ERR wrong number of arguments for 'ping' command");
  // A subscribed RESP2 connection gets PING's answer in the shape of a message, as in Redis.
  if (ctx.conn.proto === 2 && ctx.conn.subscribed) {
    const msg = args.length === 2 ? args[1] : '';
    return Buffer.from(`*2\r\n$4\r\npong\r\n$${msg.length}\r\n${msg}\r\n`, 'latin1');
  }
  return args.length === 2 ? bulkReply(args[1], ctx.conn.proto) : PONG;
};

const echo: CoordOp = (ctx, args) => bulkReply(args[1], ctx.conn.proto);

const quit: CoordOp = (ctx) => {
  ctx.conn.closeAfterReplies('quit');
  return okReply();
};

const select: CoordOp = (ctx, args) => {
  // Redis reads the index as a C int: strict 64-bit integer syntax, then the int range (its wording).
  const n = parseI64(args[1]);
  if (n === null) return errorReply(ERR_NOT_INTEGER);
  if (n > 2147483647n || n < -2147483648n) return errorReply('ERR value is out of range, value must between -2147483648 and 2147483647');
  // A cluster serves db 0 only.
  if (ctx.server.cluster !== null && n !== 0n) return errorReply('ERR SELECT is not allowed in cluster mode');
  if (n < 0n || n >= BigInt(ctx.server.config.values.databases)) return errorReply(ERR_DB_INDEX);
  ctx.conn.db = Number(n);
  return okReply();
};

/** Authenticates the connection as `user` with `pass`; false (and an ACL log entry) when the pair is wrong or the user is off. */
function tryAuth(ctx: Parameters<CoordOp>[0], command: string, user: string, pass: string): boolean {
  const u = ctx.server.acl.authenticate(user, pass);
  if (u === undefined) {
    logAuthFailure(ctx.server, ctx.conn, user, command);
    return false;
  }
  authenticateAs(ctx.conn, u);
  return true;
}

const auth: CoordOp = (ctx, args) => {
  if (args.length > 3) return errorReply(ERR_SYNTAX);
  if (args.length === 2) {
    // The old one-argument form: an error when the default user has no password to check.
    if (ctx.server.acl.defaultUser.nopass) return errorReply(ERR_AUTH_NO_PASSWORD);
    return tryAuth(ctx, args[0], 'default', args[1]) ? okReply() : errorReply(ERR_WRONGPASS);
  }
  return tryAuth(ctx, args[0], args[1], args[2]) ? okReply() : errorReply(ERR_WRONGPASS);
};

const ERR_HELLO_NOAUTH =
  'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time';

const hello: CoordOp = (ctx, args) => {
  let proto = ctx.conn.proto;
  let i = 1;
  if (args.length >= 2) {
    const v = parseI64(args[1]);
    if (v === null) return errorReply('ERR Protocol version is not an integer or out of range');
    if (v !== 2n && v !== 3n) return errorReply(ERR_NOPROTO);
    proto = v === 3n ? 3 : 2;
    i = 2;
  }
  let name: string | undefined;
  for (; i < args.length; i++) {
    const opt = args[i];
    const more = args.length - i - 1;
    const lower = opt.toLowerCase();
    if (lower === 'auth' && more >= 2) {
      // Checked as soon as it is read, like Redis: an earlier bad SETNAME wins, a later one loses.
      if (!tryAuth(ctx, args[0], args[i + 1], args[i + 2])) return errorReply(ERR_WRONGPASS);
      i += 2;
    } else if (lower === 'setname' && more >= 1) {
      name = args[i + 1];
      if (!validClientName(name)) return errorReply(ERR_CLIENT_NAME);
      i += 1;
    } else {
      return errorReply(`ERR Syntax error in HELLO option '${errArg(opt)}'`);
    }
  }
  if (!ctx.conn.authenticated) return errorReply(ERR_HELLO_NOAUTH);
  if (name !== undefined) ctx.conn.name = name;
  ctx.conn.proto = proto;
  return buildReply(ctx, (w) => {
    w.map(7);
    w.bulk('server');
    w.bulk('redis');
    w.bulk('version');
    w.bulk(REDIS_VERSION);
    w.bulk('proto');
    w.integer(proto);
    w.bulk('id');
    w.integer(ctx.conn.id);
    w.bulk('mode');
    w.bulk('standalone');
    w.bulk('role');
    w.bulk(ctx.server.replica !== null ? 'replica' : 'master');
    w.bulk('modules');
    w.array(0);
  });
};

/** RESET: back to a fresh connection's state (db 0, RESP2, no name). */
const reset: CoordOp = (ctx) => {
  const c = ctx.conn;
  c.db = 0;
  c.proto = 2;
  c.name = '';
  clientFlags.delete(c);
  // Back to the default user, authenticated only if it needs no password.
  const d = ctx.server.acl.defaultUser;
  c.user = d;
  c.authenticated = d.nopass && d.enabled;
  ctx.server.pubsub.dropConnection(c);
  ctx.server.monitoring.monitors.remove(c); // RESET leaves monitor mode
  discardTransaction(ctx); // RESET also ends MULTI and forgets WATCHed keys
  return RESET;
};

export const connectionCoords: Coords = {
  ping: ping,
  echo: echo,
  quit: quit,
  select: select,
  auth: auth,
  hello: hello,
  reset: reset,
};

