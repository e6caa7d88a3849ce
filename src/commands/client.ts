/**
 * CLIENT and its subcommands, over the server's registry of live connections
 * (server.connections). All of it runs on the main thread.
 */
import { clientTotalMemory } from '../client-memory';
import type { CoordOp, Coords, ServerContext } from '../coordination/context';
import type { Connection } from '../connection';
import { buildReply, bulkReply, errArg, errorReply, helpReply, integerReply, okReply } from '../resp/replies';
import { ERR_SYNTAX } from '../core/errors';
import type { Acl } from '../acl/acl';
import { parseI64 } from '../core/args/parse';
import type { PauseType } from '../coordination/pause';

export const ERR_CLIENT_NAME = 'ERR Client names cannot contain spaces, newlines or special characters.';

/** Client names and library attributes are printable ASCII without spaces, as Redis requires. */
export function validClientName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/** Per-connection CLIENT modes that Connection itself does not need to know (NO-EVICT, NO-TOUCH). */
export const clientFlags = new WeakMap<Connection, { noEvict: boolean; noTouch: boolean }>();

function modes(c: Connection): { noEvict: boolean; noTouch: boolean } {
  let m = clientFlags.get(c);
  if (m === undefined) {
    m = { noEvict: false, noTouch: false };
    clientFlags.set(c, m);
  }
  return m;
}


/** The kernel descriptor of a socket, when Node exposes it (CLIENT LIST's fd). */
function socketFd(c: Connection): number {
  // `_handle` is Node's internal TCP wrap; it has no public accessor for the fd.
  const handle = (c.socket as unknown as { _handle?: { fd?: number } })._handle;
  return typeof handle?.fd === 'number' ? handle.fd : -1;
}

/** One CLIENT LIST / CLIENT INFO line, fields in Redis 7.2's order. */
export function clientLine(c: Connection, now = Date.now(), callerArgs: readonly string[] | null = null): string {
  const m = clientFlags.get(c);
  // In Redis's order: P (pub/sub) before e/T.
  let flags = c.isMonitor ? 'O' : c.isReplica ? 'S' : '';
  if (c.isMaster) flags += 'M';
  if (c.subscribed) flags += 'P';
  if (c.txn !== null && c.txn.inMulti) flags += 'x';
  if (c.blocked !== null) flags += 'b';
  if (c.tracking !== null) flags += 't';
  if (c.tracking?.brokenRedirect === true) flags += 'R';
  if (c.tracking?.bcast === true) flags += 'B';
  if (m?.noEvict) flags += 'e';
  if (m?.noTouch) flags += 'T';
  // Shardis's own flag (unused by Redis): the client has `.WATCH` subscriptions.
  if (c.resultWatches > 0) flags += 'w';
  if (flags === '') flags = 'N';
  const qbuf = c.queryBufferBytes;
  const omem = c.pendingOutputBytes;
  const oll = c.pendingReplies;
  // argv-mem: the arguments of the command being run, i.e. the caller's own (others have none between commands).
  let argvBytes = 0;
  for (const a of callerArgs ?? []) argvBytes += a.length;
  const argc = callerArgs?.length ?? 0;
  const multi = c.txn !== null && c.txn.inMulti ? c.txn.queuedCount : -1;
  const multiMem = multi > 0 ? (c.txn as NonNullable<Connection['txn']>).queuedArgvBytes : 0;
  const totMem = clientTotalMemory({
    model: c.mem, outputBytes: omem, argvBytes, argc, queued: multi > 0 ? multi : 0, queuedArgvBytes: multiMem,
    channels: c.channels?.size ?? 0, patterns: c.patterns?.size ?? 0,
  });
  const nowS = Math.floor(now / 1000);
  return (
    `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${socketFd(c)} name=${c.name} ` +
    `age=${nowS - Math.floor(c.createdAt / 1000)} idle=${nowS - Math.floor(c.lastInteraction / 1000)} flags=${flags} db=${c.db} ` +
    `sub=${c.channels?.size ?? 0} psub=${c.patterns?.size ?? 0} ssub=${c.shardChannels?.size ?? 0} multi=${multi} qbuf=${qbuf} qbuf-free=${Math.max(0, c.mem.qbAlloc - qbuf)} ` +
    `argv-mem=${argvBytes} multi-mem=${multiMem} rbs=${c.mem.rbs} rbp=${c.mem.rbp} obl=0 oll=${oll} omem=${omem} ` +
    `tot-mem=${totMem} events=${omem > 0 ? 'rw' : 'r'} cmd=${c.lastCommand} user=${c.user.name} redir=${c.tracking === null ? -1 : c.tracking.redirect} resp=${c.proto} ` +
    `lib-name=${c.libName} lib-ver=${c.libVer}\n`
  );
}

const CLIENT_TYPES = new Set(['normal', 'master', 'slave', 'replica', 'pubsub']);

/** Redis's getClientType: our primary's link, a replica, a subscriber, or a normal client. */
function typeMatches(c: Connection, type: string): boolean {
  const t = c.isMaster ? 'master' : c.isReplica ? 'slave' : c.subscribed ? 'pubsub' : 'normal';
  return (type === 'replica' ? 'slave' : type) === t;
}

const clientId: CoordOp = (ctx) => integerReply(ctx.conn.id);

const clientGetname: CoordOp = (ctx) => bulkReply(ctx.conn.name === '' ? null : ctx.conn.name, ctx.conn.proto);

const clientSetname: CoordOp = (ctx, args) => {
  const name = args[2];
  if (!validClientName(name)) return errorReply(ERR_CLIENT_NAME);
  ctx.conn.name = name;
  return okReply();
};

const clientSetinfo: CoordOp = (ctx, args) => {
  const attr = args[2];
  const value = args[3];
  const lower = attr.toLowerCase();
  if (lower !== 'lib-name' && lower !== 'lib-ver') return errorReply(`ERR Unrecognized option '${errArg(attr)}'`);
  if (!validClientName(value)) return errorReply(`ERR ${errArg(attr)} cannot contain spaces, newlines or special characters.`);
  if (lower === 'lib-name') ctx.conn.libName = value;
  else ctx.conn.libVer = value;
  return okReply();
};

// A verbatim string in RESP3 (a plain bulk string in RESP2), as Redis sends it.
const clientInfo: CoordOp = (ctx, args) => buildReply(ctx, (w) => w.verbatim(clientLine(ctx.conn, Date.now(), args)));

const clientList: CoordOp = (ctx, args) => {
  let conns = [...ctx.server.connections.values()];
  if (args.length === 4 && args[2].toLowerCase() === 'type') {
    const type = args[3].toLowerCase();
    if (!CLIENT_TYPES.has(type)) return errorReply(`ERR Unknown client type '${errArg(args[3])}'`);
    conns = conns.filter((c) => typeMatches(c, type));
  } else if (args.length >= 4 && args[2].toLowerCase() === 'id') {
    const ids: number[] = [];
    for (let i = 3; i < args.length; i++) {
      const id = parseI64(args[i]);
      if (id === null) return errorReply('ERR Invalid client ID');
      ids.push(Number(id));
    }
    conns = [];
    for (const id of new Set(ids)) {
      const c = ctx.server.connections.get(id);
      if (c !== undefined) conns.push(c);
    }
  } else if (args.length !== 2) {
    return errorReply(ERR_SYNTAX);
  }
  const now = Date.now();
  return buildReply(ctx, (w) => w.verbatim(conns.map((c) => clientLine(c, now, c === ctx.conn ? args : null)).join('')));
};

interface KillFilter {
  id?: number;
  type?: string;
  addr?: string;
  laddr?: string;
  skipme: boolean;
  maxAgeSeconds?: number;
  user?: string;
}

function parseKillFilters(args: string[], acl: Acl): KillFilter | string {
  const f: KillFilter = { skipme: true };
  if ((args.length - 2) % 2 !== 0) return ERR_SYNTAX;
  for (let i = 2; i < args.length; i += 2) {
    const opt = args[i].toLowerCase();
    const raw = args[i + 1];
    switch (opt) {
      case 'id': {
        const id = parseI64(raw);
        if (id === null || id <= 0n) return 'ERR client-id should be greater than 0';
        f.id = Number(id);
        break;
      }
      case 'type': {
        const type = raw.toLowerCase();
        if (!CLIENT_TYPES.has(type)) return `ERR Unknown client type '${errArg(raw)}'`;
        f.type = type;
        break;
      }
      case 'addr':
        f.addr = raw;
        break;
      case 'laddr':
        f.laddr = raw;
        break;
      case 'user':
        if (acl.get(raw) === undefined) return `ERR No such user '${errArg(raw)}'`;
        f.user = raw;
        break;
      case 'skipme': {
        const v = raw.toLowerCase();
        if (v === 'yes') f.skipme = true;
        else if (v === 'no') f.skipme = false;
        else return ERR_SYNTAX;
        break;
      }
      case 'maxage': {
        const age = parseI64(raw);
        if (age === null) return ERR_SYNTAX;
        f.maxAgeSeconds = Number(age);
        break;
      }
      default:
        return ERR_SYNTAX;
    }
  }
  return f;
}

/** Closes a connection; the caller's own connection first gets its reply. */
function kill(server: ServerContext, self: Connection, target: Connection): void {
  if (target === self) target.closeAfterReplies('killed');
  else target.close('killed');
  server.log.debug({ client: target.id, by: self.id }, 'client killed');
}

const clientKill: CoordOp = (ctx, args) => {
  const server = ctx.server;
  if (args.length === 3) {
    // Old form CLIENT KILL addr:port: exactly one client, which may be the caller itself.
    const addr = args[2];
    for (const c of server.connections.values()) {
      if (c.addr === addr && !c.closed) {
        kill(server, ctx.conn, c);
        return okReply();
      }
    }
    return errorReply('ERR No such client');
  }
  const f = parseKillFilters(args, server.acl);
  if (typeof f === 'string') return errorReply(f);
  const now = Date.now();
  let killed = 0;
  for (const c of [...server.connections.values()]) {
    if (c.closed) continue;
    if (f.id !== undefined && c.id !== f.id) continue;
    if (f.type !== undefined && !typeMatches(c, f.type)) continue;
    if (f.addr !== undefined && c.addr !== f.addr) continue;
    if (f.laddr !== undefined && c.laddr !== f.laddr) continue;
    if (f.user !== undefined && c.user.name !== f.user) continue;
    if (f.maxAgeSeconds !== undefined && (now - c.createdAt) / 1000 < f.maxAgeSeconds) continue;
    if (f.skipme && c === ctx.conn) continue;
    kill(server, ctx.conn, c);
    killed++;
  }
  return integerReply(killed);
};

function onOff(name: 'noEvict' | 'noTouch'): CoordOp {
  return (ctx, args) => {
    const v = args[2].toLowerCase();
    if (v !== 'on' && v !== 'off') return errorReply(ERR_SYNTAX);
    modes(ctx.conn)[name] = v === 'on';
    return okReply();
  };
}

const CLIENT_HELP = [
  'GETNAME',
  '    Return the name of this connection.',
  'ID',
  '    Return the id of this connection.',
  'INFO',
  '    Return information about this connection.',
  'KILL <ip:port>',
  '    Close the connection coming from <ip:port>.',
  'KILL <option> <value> [<option> <value> [...]]',
  '    Close every connection matching all the filters:',
  '    * ID <client-id>',
  '    * ADDR <ip:port>        connections from this address',
  '    * LADDR <ip:port>       connections to this local address',
  '    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)',
  '    * USER <username>',
  '    * MAXAGE <seconds>      connections older than this',
  '    * SKIPME (YES|NO)       spare this connection (default yes)',
  'LIST [TYPE (NORMAL|MASTER|REPLICA|PUBSUB)] [ID <client-id> ...]',
  '    Return information about the connections.',
  'NO-EVICT (ON|OFF)',
  '    Exempt this connection from client eviction.',
  'NO-TOUCH (ON|OFF)',
  "    Do not let this connection's commands change keys' access times.",
  'CACHING (YES|NO)',
  '    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.',
  'GETREDIR',
  '    Return the client ID we are redirecting to when tracking is enabled.',
  'PAUSE <timeout> [WRITE|ALL]',
  '    Suspend all, or just write, clients for <timeout> milliseconds.',
  'REPLY (ON|OFF|SKIP)',
  '    Control the replies sent to the current connection.',
  'SETINFO (LIB-NAME|LIB-VER) <value>',
  '    Record the client library name or version of this connection.',
  'SETNAME <name>',
  '    Name this connection.',
  'UNBLOCK <clientid> [TIMEOUT|ERROR]',
  '    End the wait of a client blocked in a blocking command (a timeout reply by default, or an error).',
  'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]',
  '         [OPTIN] [OPTOUT] [NOLOOP]',
  '    Control server assisted client side caching.',
  'TRACKINGINFO',
  '    Report tracking status for the current connection.',
  'UNPAUSE',
  '    Stop the current client pause, resuming traffic.',
];

/** CLIENT UNBLOCK client-id [TIMEOUT | ERROR]: the reason is checked before the id, as in Redis. */
const clientUnblock: CoordOp = (ctx, args) => {
  if (args.length > 4) return errorReply(`ERR unknown subcommand or wrong number of arguments for '${errArg(args[1])}'. Try CLIENT HELP.`);
  let how: 'timeout' | 'error' = 'timeout';
  if (args.length === 4) {
    const reason = args[3].toLowerCase();
    if (reason === 'error') how = 'error';
    else if (reason !== 'timeout') return errorReply('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
  }
  const id = parseI64(args[2]);
  if (id === null) return errorReply('ERR value is not an integer or out of range');
  const target = ctx.server.connections.get(Number(id));
  return integerReply(target?.blocked?.unblock(how) === true ? 1 : 0);
};

const clientHelp: CoordOp = () => helpReply('CLIENT', CLIENT_HELP);

/** CLIENT PAUSE timeout [WRITE | ALL] (milliseconds). */
const clientPause: CoordOp = (ctx, args) => {
  if (args.length > 4) return errorReply(`ERR unknown subcommand or wrong number of arguments for '${errArg(args[1])}'. Try CLIENT HELP.`);
  const ms = parseI64(args[2]);
  if (ms === null) return errorReply('ERR timeout is not an integer or out of range');
  if (ms < 0n) return errorReply('ERR timeout is negative');
  let type: PauseType = 'all';
  if (args.length === 4) {
    const mode = args[3].toLowerCase();
    if (mode === 'write') type = 'write';
    else if (mode !== 'all') return errorReply('ERR CLIENT PAUSE mode must be WRITE or ALL');
  }
  const end = Date.now() + Number(ms > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : ms);
  ctx.server.pause.pause(end, type);
  return okReply();
};

const clientUnpause: CoordOp = (ctx) => {
  ctx.server.pause.unpause();
  return okReply();
};

const NO_REPLY = Buffer.alloc(0);

/** CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP], checks in Redis's order. */
const clientTracking: CoordOp = (ctx, args) => {
  const c = ctx.conn;
  let redirect = 0;
  const opts = { bcast: false, optin: false, optout: false, noloop: false };
  const prefixes: string[] = [];
  for (let j = 3; j < args.length; j++) {
    const more = args.length - 1 - j;
    const o = args[j].toLowerCase();
    if (o === 'redirect' && more > 0) {
      j++;
      if (redirect !== 0) return errorReply('ERR A client can only redirect to a single other client');
      const id = parseI64(args[j]);
      if (id === null) return errorReply('ERR value is not an integer or out of range');
      redirect = Number(id);
      if (ctx.server.connections.get(redirect) === undefined) return errorReply('ERR The client ID you want redirect to does not exist');
    } else if (o === 'bcast') opts.bcast = true;
    else if (o === 'optin') opts.optin = true;
    else if (o === 'optout') opts.optout = true;
    else if (o === 'noloop') opts.noloop = true;
    else if (o === 'prefix' && more > 0) prefixes.push(args[++j]);
    else return errorReply(ERR_SYNTAX);
  }
  const mode = args[2].toLowerCase();
  const tracking = ctx.server.tracking;
  if (mode === 'on') {
    const t = c.tracking;
    if (!opts.bcast && prefixes.length > 0) return errorReply('ERR PREFIX option requires BCAST mode to be enabled');
    if (t !== null && t.bcast !== opts.bcast) {
      return errorReply("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.");
    }
    if (opts.bcast && (opts.optin || opts.optout)) return errorReply('ERR OPTIN and OPTOUT are not compatible with BCAST');
    if (opts.optin && opts.optout) return errorReply("ERR You can't specify both OPTIN mode and OPTOUT mode");
    if (t !== null && ((opts.optin && t.optout) || (opts.optout && t.optin))) {
      return errorReply("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.");
    }
    if (opts.bcast) {
      const clash = tracking.collision(c, prefixes);
      if (clash !== null) return errorReply(clash);
    }
    tracking.enable(c, redirect, opts, prefixes);
  } else if (mode === 'off') {
    tracking.disable(c);
  } else {
    return errorReply(ERR_SYNTAX);
  }
  return okReply();
};

const clientCaching: CoordOp = (ctx, args) => {
  const t = ctx.conn.tracking;
  if (t === null) return errorReply('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
  const opt = args[2].toLowerCase();
  if (opt === 'yes') {
    if (!t.optin) return errorReply('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
  } else if (opt === 'no') {
    if (!t.optout) return errorReply('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
  } else return errorReply(ERR_SYNTAX);
  t.caching = true;
  return okReply();
};

const clientGetredir: CoordOp = (ctx) => integerReply(ctx.conn.tracking === null ? -1 : ctx.conn.tracking.redirect);

const clientTrackinginfo: CoordOp = (ctx) =>
  buildReply(ctx, (w) => {
    const t = ctx.conn.tracking;
    const flags = [t === null ? 'off' : 'on'];
    if (t !== null) {
      if (t.bcast) flags.push('bcast');
      if (t.optin) flags.push('optin', ...(t.caching ? ['caching-yes'] : []));
      if (t.optout) flags.push('optout', ...(t.caching ? ['caching-no'] : []));
      if (t.noloop) flags.push('noloop');
      if (t.brokenRedirect) flags.push('broken_redirect');
    }
    w.map(3);
    w.bulk('flags');
    w.set(flags.length);
    for (const f of flags) w.bulk(f);
    w.bulk('redirect');
    w.integer(t === null ? -1 : t.redirect);
    w.bulk('prefixes');
    const prefixes = t?.prefixes ?? [];
    w.array(prefixes.length);
    for (const p of prefixes) w.bulk(p);
  });

/** CLIENT REPLY ON | OFF | SKIP: OFF and SKIP themselves get no reply, ON answers +OK. */
const clientReply: CoordOp = (ctx, args) => {
  const c = ctx.conn;
  switch (args[2].toLowerCase()) {
    case 'on':
      c.replyOff = false;
      c.skipNextReply = false;
      c.droppingReplies = false; // this reply is written
      return okReply();
    case 'off':
      c.replyOff = true;
      return NO_REPLY;
    case 'skip':
      if (!c.replyOff) c.skipNextReply = true;
      return NO_REPLY;
    default:
      return errorReply(ERR_SYNTAX);
  }
};

export const clientCoords: Coords = {
  'client|id': clientId,
  'client|getname': clientGetname,
  'client|setname': clientSetname,
  'client|setinfo': clientSetinfo,
  'client|info': clientInfo,
  'client|list': clientList,
  'client|kill': clientKill,
  'client|no-evict': onOff('noEvict'),
  'client|no-touch': onOff('noTouch'),
  'client|unblock': clientUnblock,
  'client|help': clientHelp,
  'client|pause': clientPause,
  'client|unpause': clientUnpause,
  'client|reply': clientReply,
  'client|tracking': clientTracking,
  'client|caching': clientCaching,
  'client|getredir': clientGetredir,
  'client|trackinginfo': clientTrackinginfo,
};
