/**
 * ACL: the check every request passes before it is routed (called by the
 * dispatcher only when the connection is not authenticated or its user is
 * not open), and the ACL command's subcommands.
 */
import type { Connection } from '../connection';
import type { CoordOp, Coords, ServerContext, TableEntry } from '../coordination/context';
import { Acl, AclError, type User } from '../acl/acl';
import type { Denial } from '../core/acl/user';
import type { QueuedCommand } from '../coordination/transactions';
import { aclCatalog } from '../core/acl/catalog';
import { ACL_CATEGORIES } from '../core/acl/command-meta';
import { buildReply, bulkReply, errArg, errorReply, helpReply, integerReply, okReply } from '../resp/replies';
import { errWrongArity } from '../core/errors';
import { parseI64 } from '../core/args/parse';
import { clientLine } from './client';

export const ERR_NOAUTH = 'NOAUTH Authentication required.';

/** True when a connection that has not authenticated may not run commands (the default user wants a password or is off). */
export function authRequired(server: ServerContext, conn: Connection): boolean {
  if (conn.authenticated) return false;
  const d = server.acl.defaultUser;
  return !d.nopass || !d.enabled;
}

/**
 * Checks one resolved request for its connection: authentication, then the
 * user's permissions. Returns the error to reply, or null to run it.
 */
export function checkRequest(server: ServerContext, conn: Connection, entry: TableEntry, args: readonly string[]): string | null {
  if (!conn.authenticated) {
    if (authRequired(server, conn)) return entry.spec.flags.includes('no_auth') ? null : ERR_NOAUTH;
  }
  const user = conn.user;
  if (user.open) return null;
  const cmd = aclCatalog.byName.get(entry.fullName);
  if (cmd === undefined) return null;
  const denial = user.check(cmd, args);
  if (denial === null) return null;
  // Redis records the command as the client's last one before rejecting it.
  conn.lastCommand = entry.fullName;
  const context = conn.txn !== null && conn.txn.inMulti ? 'multi' : 'toplevel';
  server.acl.addLog(denial.reason, context, denial.object, user.name, clientLine(conn).trimEnd());
  return Acl.deniedText(denial);
}

/** Why a queued command is no longer allowed, in Redis 7.0's EXEC wording. */
const EXEC_DENIAL_REASON: Record<Denial['reason'], string> = {
  command: 'no permission to execute the command or subcommand',
  key: 'no permission to touch the specified keys',
  channel: 'no permission to access one of the channels used as arguments',
};

/**
 * EXEC checks every queued command against the user's rules again, as Redis
 * 7.0 does: rules changed since MULTI (ACL SETUSER, ACL LOAD) may refuse a
 * command that was allowed when it was queued. Marks each refused command
 * with its error (its place in EXEC's reply) and how to log it (context
 * multi), which EXEC does once its WATCHes have held.
 */
export function recheckQueued(server: ServerContext, conn: Connection, queue: readonly QueuedCommand[]): void {
  const user = conn.user;
  // The default user with every permission: nothing to check (the common case costs one test).
  if (user.open) return;
  for (const q of queue) {
    const cmd = aclCatalog.byName.get(q.entry.fullName);
    if (cmd === undefined) continue;
    const denial = user.check(cmd, q.args);
    if (denial === null) continue;
    q.denied = {
      error:
        'NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. ' +
        `This command is no longer allowed for the following reason: ${EXEC_DENIAL_REASON[denial.reason]}`,
      log: () => server.acl.addLog(denial.reason, 'multi', denial.object, user.name, clientLine(conn).trimEnd()),
    };
  }
}

/** Logs a failed AUTH / HELLO AUTH as Redis does (reason auth, object AUTH). */
export function logAuthFailure(server: ServerContext, conn: Connection, username: string, command: string): void {
  const context = conn.txn !== null && conn.txn.inMulti ? 'multi' : 'toplevel';
  server.acl.addLog('auth', context, command, username, clientLine(conn).trimEnd());
}

/** Makes a connection run as `user`, authenticated (AUTH, HELLO AUTH). */
export function authenticateAs(conn: Connection, user: User): void {
  conn.user = user;
  conn.authenticated = true;
}

/** Closes every connection of a user that no longer exists (ACL DELUSER, ACL LOAD). */
export function closeConnectionsOf(server: ServerContext, user: User, caller: unknown): void {
  for (const c of [...server.connections.values()]) {
    if (c.user !== user || c.closed) continue;
    // The caller gets its reply first; every other connection ends now, even one blocked or subscribed.
    if (c === caller) c.closeAfterReplies('killed');
    else c.close('killed');
  }
}

const aclSetuser: CoordOp = (ctx, args) => {
  try {
    ctx.server.acl.setUser(args[2], args.slice(3));
  } catch (err) {
    if (err instanceof AclError) return errorReply(err.message);
    throw err;
  }
  return okReply();
};

const aclGetuser: CoordOp = (ctx, args) => {
  const u = ctx.server.acl.get(args[2]);
  if (u === undefined) return buildReply(ctx, (w) => w.nullBulk());
  return buildReply(ctx, (w) => {
    w.map(6);
    w.bulk('flags');
    const flags = u.flags();
    w.set(flags.length);
    for (const f of flags) w.bulk(f);
    w.bulk('passwords');
    w.array(u.passwords.length);
    for (const p of u.passwords) w.bulk(p);
    w.bulk('commands');
    w.bulk(u.root.describeCommands());
    w.bulk('keys');
    w.bulk(u.root.describeKeys());
    w.bulk('channels');
    w.bulk(u.root.describeChannels());
    w.bulk('selectors');
    w.array(u.selectors.length);
    for (const s of u.selectors) {
      w.map(3);
      w.bulk('commands');
      w.bulk(s.describeCommands());
      w.bulk('keys');
      w.bulk(s.describeKeys());
      w.bulk('channels');
      w.bulk(s.describeChannels());
    }
  });
};

const aclDeluser: CoordOp = (ctx, args) => {
  try {
    return integerReply(ctx.server.acl.delUsers(args.slice(2), ctx.conn));
  } catch (err) {
    if (err instanceof AclError) return errorReply(err.message);
    throw err;
  }
};

const stringArray = (ctx: Parameters<CoordOp>[0], items: readonly string[]): Buffer =>
  buildReply(ctx, (w) => {
    w.array(items.length);
    for (const s of items) w.bulk(s);
  });

const aclList: CoordOp = (ctx) => stringArray(ctx, ctx.server.acl.list());

const aclUsers: CoordOp = (ctx) => stringArray(ctx, ctx.server.acl.sortedUsers().map((u) => u.name));

const aclWhoami: CoordOp = (ctx) => bulkReply(ctx.conn.user.name, ctx.conn.proto);

/** Too many arguments for ACL CAT, GENPASS or LOG: Redis's addReplySubcommandSyntaxError, the subcommand as typed. */
function aclSubcommandSyntax(args: string[]): Buffer {
  return errorReply(`ERR unknown subcommand or wrong number of arguments for '${errArg(args[1])}'. Try ACL HELP.`);
}

const aclCat: CoordOp = (ctx, args) => {
  if (args.length === 2) return stringArray(ctx, ACL_CATEGORIES);
  if (args.length > 3) return aclSubcommandSyntax(args);
  const cat = args[2].toLowerCase();
  if (!aclCatalog.isCategory(cat)) return errorReply(`ERR Unknown category '${errArg(args[2])}'`);
  return stringArray(ctx, aclCatalog.inCategory(cat).map((c) => c.fullName));
};

const aclGenpass: CoordOp = (ctx, args) => {
  let bits = 256;
  if (args.length === 3) {
    const n = parseI64(args[2]);
    if (n === null) return errorReply('ERR value is not an integer or out of range');
    if (n <= 0n || n > 4096n) {
      return errorReply('ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096');
    }
    bits = Number(n);
  } else if (args.length > 3) return aclSubcommandSyntax(args);
  return bulkReply(Acl.genpass(bits), ctx.conn.proto);
};

const aclDryrun: CoordOp = (ctx, args) => {
  const u = ctx.server.acl.get(args[2]);
  if (u === undefined) return errorReply(`ERR User '${errArg(args[2])}' not found`);
  const cmdArgs = args.slice(3);
  const top = aclCatalog.lookup(cmdArgs[0]);
  if (top === undefined) return errorReply(`ERR Command '${errArg(cmdArgs[0])}' not found`);
  let cmd = top;
  if (top.subcommands.length > 0 && cmdArgs.length >= 2) {
    const sub = aclCatalog.lookup(`${top.fullName}|${cmdArgs[1]}`);
    if (sub !== undefined) cmd = sub;
  }
  const arity = cmd.arity;
  if ((arity > 0 && cmdArgs.length !== arity) || cmdArgs.length < -arity) return errorReply(errWrongArity(cmd.fullName));
  const denial = u.check(cmd, cmdArgs);
  return denial === null ? okReply() : bulkReply(Acl.dryrunText(denial), ctx.conn.proto);
};

const aclLog: CoordOp = (ctx, args) => {
  const acl = ctx.server.acl;
  let count = 10;
  if (args.length === 3) {
    if (args[2].toLowerCase() === 'reset') {
      acl.log = [];
      return okReply();
    }
    const n = parseI64(args[2]);
    if (n === null) return errorReply('ERR value is not an integer or out of range');
    count = n < 0n ? 0 : Number(n > 1000000n ? 1000000n : n);
  } else if (args.length > 3) return aclSubcommandSyntax(args);
  const entries = acl.log.slice(0, count);
  const now = Date.now();
  return buildReply(ctx, (w) => {
    w.array(entries.length);
    for (const e of entries) {
      w.map(7);
      w.bulk('count');
      w.integer(e.count);
      w.bulk('reason');
      w.bulk(e.reason);
      w.bulk('context');
      w.bulk(e.context);
      w.bulk('object');
      w.bulk(e.object);
      w.bulk('username');
      w.bulk(e.username);
      w.bulk('age-seconds');
      w.double((now - e.created) / 1000);
      w.bulk('client-info');
      w.bulk(e.clientInfo);
    }
  });
};

const ERR_NO_ACLFILE =
  'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.';

const aclLoad: CoordOp = (ctx) => {
  const file = ctx.server.config.get('aclfile') ?? '';
  if (file === '') return errorReply(ERR_NO_ACLFILE);
  const err = ctx.server.acl.loadFile(file, ctx.conn);
  return err === null ? okReply() : errorReply(`ERR ${err}`);
};

const aclSave: CoordOp = (ctx) => {
  const file = ctx.server.config.get('aclfile') ?? '';
  if (file === '') return errorReply(ERR_NO_ACLFILE);
  const err = ctx.server.acl.saveFile(file);
  return err === null ? okReply() : errorReply('ERR There was an error trying to save the ACLs. Please check the server logs for more information');
};

const ACL_HELP = [
  'CAT [<category>]',
  '    List all commands that belong to <category>, or all command categories',
  '    when no category is specified.',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Returns whether the user can execute the given command without executing the command.',
  'GETUSER <username>',
  "    Get the user's details.",
  'GENPASS [<bits>]',
  '    Generate a secure 256-bit user password. The optional `bits` argument can',
  '    be used to specify a different size.',
  'LIST',
  '    Show users details in config file format.',
  'LOAD',
  "    Reload users from the ACL file.",
  'LOG [<count> | RESET]',
  '    Show the ACL log entries.',
  'SAVE',
  '    Save the current config to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all the registered usernames.',
  'WHOAMI',
  '    Return the current connection username.',
];

const aclHelp: CoordOp = () => helpReply('ACL', ACL_HELP);

export const aclCoords: Coords = {
  'acl|cat': aclCat,
  'acl|deluser': aclDeluser,
  'acl|dryrun': aclDryrun,
  'acl|genpass': aclGenpass,
  'acl|getuser': aclGetuser,
  'acl|help': aclHelp,
  'acl|list': aclList,
  'acl|load': aclLoad,
  'acl|log': aclLog,
  'acl|save': aclSave,
  'acl|setuser': aclSetuser,
  'acl|users': aclUsers,
  'acl|whoami': aclWhoami,
};
