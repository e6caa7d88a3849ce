/**
 * REPLICAOF / SLAVEOF host port | NO ONE (replicaofCommand in Redis's
 * replication.c): starts following a master, or stops and becomes a master
 * again keeping the data. The link itself is src/replication/replica.ts.
 */
import type { CoordOp, Coords } from '../coordination/context';
import { errorReply, okReply, simpleReply } from '../resp/replies';

const replicaof: CoordOp = (ctx, args) => {
  const server = ctx.server;
  if (server.cluster !== null) return errorReply('ERR REPLICAOF not allowed in cluster mode.');
  // FAILOVER decides whom we follow until it is over (FAILOVER ABORT ends it).
  if (server.failover.state !== 'no-failover') return errorReply('ERR REPLICAOF not allowed while failing over.');
  const [host, portArg] = [args[1], args[2]];
  if (host.toLowerCase() === 'no' && portArg.toLowerCase() === 'one') {
    if (server.replica !== null) {
      server.replicaOfNoOne();
      server.log.info({ client: ctx.conn.id }, 'MASTER MODE enabled (user request)');
    }
    return okReply();
  }
  // As getRangeLongFromObjectOrReply: a decimal integer from 0 to 65535.
  const port = /^-?\d+$/.test(portArg) ? Number(portArg) : NaN;
  if (!Number.isSafeInteger(port) || port < 0 || port > 65535) return errorReply('ERR Invalid master port');
  const link = server.replica;
  if (link !== null && link.masterHost.toLowerCase() === host.toLowerCase() && link.masterPort === port) {
    server.log.info('REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.');
    return simpleReply('OK Already connected to specified master');
  }
  server.replicaOf(host, port);
  server.log.info({ host, port, client: ctx.conn.id }, 'REPLICAOF enabled (user request)');
  return okReply();
};

export const replicaofCoords: Coords = {
  replicaof,
  slaveof: replicaof,
};
