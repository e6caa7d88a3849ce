/**
 * INFO replication and ROLE, as Redis 7.0.15 renders them for a primary
 * (connected_slaves, slaveN lines with offset and lag) and for a replica
 * (master_host, master_link_status, offsets; fields from ReplicaLinkView).
 */
import { ReplyWriter } from '../core/wire/reply-writer';
import type { Replication } from './primary';

export type InfoLines = [string, string | number][];

export function replicationInfo(repl: Replication, config: { getNumber(name: string): number; get(name: string): string | undefined }): InfoLines {
  const st = repl.state;
  const out: InfoLines = [['role', st.role]];
  const link = st.link;
  if (link !== null) {
    out.push(
      ['master_host', link.masterHost],
      ['master_port', link.masterPort],
      ['master_link_status', link.linkStatus],
      ['master_last_io_seconds_ago', link.lastIoSecondsAgo()],
      ['master_sync_in_progress', link.syncInProgress ? 1 : 0],
      ['slave_read_repl_offset', link.readOffset],
      ['slave_repl_offset', link.processedOffset],
    );
    if (link.syncInProgress) {
      const total = link.syncTotalBytes;
      const read = link.syncReadBytes;
      out.push(
        ['master_sync_total_bytes', total],
        ['master_sync_read_bytes', read],
        ['master_sync_left_bytes', total - read],
        ['master_sync_perc', (total > 0 ? (read * 100) / total : 0).toFixed(2)],
        ['master_sync_last_io_seconds_ago', link.syncLastIoSecondsAgo()],
      );
    }
    if (link.linkStatus !== 'up') out.push(['master_link_down_since_seconds', link.linkDownSinceSeconds()]);
    out.push(
      ['slave_priority', config.getNumber('replica-priority')],
      ['slave_read_only', config.get('replica-read-only') === 'yes' ? 1 : 0],
      ['replica_announced', config.get('replica-announced') === 'no' ? 0 : 1],
    );
  }
  out.push(['connected_slaves', repl.replicas.size]);
  if (config.getNumber('min-replicas-to-write') > 0 && config.getNumber('min-replicas-max-lag') > 0) {
    out.push(['min_slaves_good_slaves', repl.goodReplicas()]);
  }
  const now = Date.now();
  let i = 0;
  for (const r of repl.replicas) {
    out.push([`slave${i++}`, `ip=${r.ip},port=${r.listeningPort},state=${r.state},offset=${r.ackOffset},lag=${Math.floor((now - r.ackTime) / 1000)}`]);
  }
  const b = st.backlog;
  out.push(
    ['master_failover_state', repl.failover?.state ?? 'no-failover'],
    ['master_replid', st.replid],
    ['master_replid2', st.replid2],
    ['master_repl_offset', st.masterReplOffset],
    ['second_repl_offset', st.secondReplOffset],
    ['repl_backlog_active', b === null ? 0 : 1],
    ['repl_backlog_size', config.getNumber('repl-backlog-size')],
    ['repl_backlog_first_byte_offset', b === null ? 0 : b.firstByteOffset],
    ['repl_backlog_histlen', b === null ? 0 : b.histlen],
  );
  return out;
}

/** ROLE: ["master", offset, [[ip, port, offset], ...]] or ["slave", host, port, state, offset]. */
export function roleReply(repl: Replication, proto: 2 | 3): Buffer {
  const w = new ReplyWriter(256);
  w.proto = proto;
  const st = repl.state;
  const link = st.link;
  if (link !== null) {
    w.array(5);
    w.bulk('slave');
    w.bulk(link.masterHost);
    w.integer(link.masterPort);
    w.bulk(link.roleState);
    // As Redis's roleCommand: the master client's offset, -1 while there is none (not connected yet).
    w.integer(link.linkStatus === 'up' ? link.processedOffset : -1);
    return w.take();
  }
  const online = [...repl.replicas].filter((r) => r.state === 'online');
  w.array(3);
  w.bulk('master');
  w.integer(st.masterReplOffset);
  w.array(online.length);
  for (const r of online) {
    w.array(3);
    w.bulk(r.ip);
    w.bulk(String(r.listeningPort));
    w.bulk(String(r.ackOffset));
  }
  return w.take();
}
