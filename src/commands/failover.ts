/**
 * FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT milliseconds] (Redis
 * 6.2+'s failoverCommand): the arguments and the checks, in Redis's order
 * and with its texts; the failover itself runs in the background
 * (src/replication/failover.ts) and the command answers +OK at once.
 */
import type { CoordOp, Coords } from '../coordination/context';
import { errorReply, okReply } from '../resp/replies';
import { parseI64 } from '../core/args/parse';
import { ERR_SYNTAX } from '../core/errors';

const ERR_NOT_INTEGER = 'ERR value is not an integer or out of range';

const failover: CoordOp = (ctx, args) => {
  const server = ctx.server;
  const fo = server.failover;
  if (server.cluster !== null) return errorReply('ERR FAILOVER not allowed in cluster mode. Use CLUSTER FAILOVER command instead.');
  // ABORT only alone.
  if (args.length === 2 && args[1].toLowerCase() === 'abort') {
    if (fo.state === 'no-failover') return errorReply('ERR No failover in progress.');
    fo.abort('Failover manually aborted');
    return okReply();
  }
  let timeout = 0n;
  let force = false;
  let host: string | null = null;
  let port = 0n;
  // Each option once; an integer is checked where it is read, before anything else is.
  for (let j = 1; j < args.length; j++) {
    const opt = args[j].toLowerCase();
    if (opt === 'timeout' && j + 1 < args.length && timeout === 0n) {
      const n = parseI64(args[j + 1]);
      if (n === null) return errorReply(ERR_NOT_INTEGER);
      if (n <= 0n) return errorReply('ERR FAILOVER timeout must be greater than 0');
      timeout = n;
      j++;
    } else if (opt === 'to' && j + 2 < args.length && host === null) {
      const n = parseI64(args[j + 2]);
      if (n === null) return errorReply(ERR_NOT_INTEGER);
      port = n;
      host = args[j + 1];
      j += 2;
    } else if (opt === 'force' && !force) {
      force = true;
    } else {
      return errorReply(ERR_SYNTAX);
    }
  }
  if (fo.state !== 'no-failover') return errorReply('ERR FAILOVER already in progress.');
  if (server.replica !== null) return errorReply('ERR FAILOVER is not valid when server is a replica.');
  if (server.replication.replicas.size === 0) return errorReply('ERR FAILOVER requires connected replicas.');
  if (force && (timeout === 0n || host === null)) return errorReply('ERR FAILOVER with force option requires both a timeout and target HOST and IP.');
  let target: { host: string; port: number } | null = null;
  if (host !== null) {
    // A port beyond 0..65535 matches no replica.
    const r = port >= 0n && port <= 65535n ? fo.findReplica(host, Number(port)) : undefined;
    if (r === undefined) return errorReply('ERR FAILOVER target HOST and PORT is not a replica.');
    if (r.state !== 'online') return errorReply('ERR FAILOVER target replica is not online.');
    target = { host, port: Number(port) };
  }
  // Past 2^53 ms the deadline is never reached anyway.
  fo.start(target, Number(timeout > BigInt(Number.MAX_SAFE_INTEGER) ? BigInt(Number.MAX_SAFE_INTEGER) : timeout), force);
  return okReply();
};

export const failoverCoords: Coords = {
  failover,
};
