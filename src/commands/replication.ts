/**
 * Replication commands on the primary side: SYNC, PSYNC (and the target's
 * side of FAILOVER), REPLCONF, WAIT and ROLE (src/replication/primary.ts does the work; src/replication/info.ts
 * renders ROLE and INFO replication).
 */
import type { CoordOp, Coords } from '../coordination/context';
import { errorReply, integerReply } from '../resp/replies';
import { roleReply } from '../replication/info';

const EMPTY = Buffer.alloc(0);

/** A line the replication module answered ('+OK', '-ERR ...') as a reply; null or '' as no reply. */
function lineReply(line: string | null): Buffer {
  if (line === null || line === '') return EMPTY;
  return Buffer.from(`${line}\r\n`, 'latin1');
}

/**
 * PSYNC replid offset [FAILOVER]. With FAILOVER (sent by a primary whose
 * FAILOVER chose us, src/replication/failover.ts) a replica sharing that
 * history (our replid is our primary's) promotes itself, as REPLICAOF NO
 * ONE, and then serves the PSYNC: the old primary continues from us.
 */
const psync: CoordOp = (ctx, args) => {
  const server = ctx.server;
  if (!ctx.conn.isReplica && args.length > 3 && args[3].toLowerCase() === 'failover') {
    server.log.warn({ replid: args[1], client: ctx.conn.id }, 'Failover request received');
    if (server.replica === null) return errorReply("ERR PSYNC FAILOVER can't be sent to a master.");
    if (args[1].toLowerCase() !== server.replication.state.replid.toLowerCase()) return errorReply('ERR PSYNC FAILOVER replid must match my replid.');
    server.replicaOfNoOne();
    server.log.info({ client: ctx.conn.id, addr: ctx.conn.socket.remoteAddress, port: ctx.conn.socket.remotePort }, 'MASTER MODE enabled (failover request)');
  }
  return lineReply(server.replication.sync(ctx.conn, { replid: args[1], offset: args[2] }));
};

const sync: CoordOp = (ctx) => lineReply(ctx.server.replication.sync(ctx.conn, null));

const replconf: CoordOp = (ctx, args) => lineReply(ctx.server.replication.replconf(ctx.conn, args));

const ERR_TIMEOUT = 'ERR timeout is not an integer or out of range';

const wait: CoordOp = async (ctx, args) => {
  const repl = ctx.server.replication;
  if (repl.state.link !== null) {
    return errorReply(
      'ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.',
    );
  }
  if (!/^-?[0-9]{1,18}$/.test(args[1])) return errorReply('ERR value is not an integer or out of range');
  const need = Number(args[1]);
  if (!/^-?[0-9]{1,18}$/.test(args[2])) return errorReply(ERR_TIMEOUT);
  const timeout = Number(args[2]);
  if (timeout < 0) return errorReply('ERR timeout is negative');
  // Inside MULTI (or a script) WAIT cannot block: it answers with what is acknowledged now.
  const n = await repl.wait(ctx.conn, need, timeout, ctx.conn.signal, ctx.inExec !== true);
  return typeof n === 'string' ? errorReply(n) : integerReply(n);
};

const role: CoordOp = (ctx) => roleReply(ctx.server.replication, ctx.conn.proto);

export const replicationCoords: Coords = {
  psync,
  sync,
  replconf,
  wait,
  role,
};
