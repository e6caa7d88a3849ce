/**
 * Server-wide counters for INFO: connections, commands, errors, and the live
 * counts of per-connection tasks (the proof that teardown is complete).
 */
export interface TaskCounts {
  readTasks: number;
  writeTasks: number;
  /** Abort listeners registered on connection signals and not yet removed. */
  signalListeners: number;
}

export class ServerStats {
  readonly startedAt = Date.now();
  totalConnections = 0;
  rejectedConnections = 0;
  totalCommands = 0;
  netInputBytes = 0;
  netOutputBytes = 0;
  /** The part of those that is replication: read from our primary (its snapshot and stream), written to our replicas. */
  netReplInputBytes = 0;
  netReplOutputBytes = 0;
  totalErrorReplies = 0;
  /** Error replies to our primary, a replica or the AOF loader (INFO unexpected_error_replies). */
  unexpectedErrorReplies = 0;
  /** Socket reads and writes (INFO total_reads_processed / total_writes_processed). */
  readsProcessed = 0;
  writesProcessed = 0;
  /** Reply buffer resizes of the clients cron's model (src/client-memory.ts). */
  replyBufferShrinks = 0;
  replyBufferExpands = 0;
  /** Clients closed for passing client-output-buffer-limit (INFO client_output_buffer_limit_disconnections). */
  outputLimitDisconnections = 0;
  /** Clients closed to keep their buffers under maxmemory-clients. */
  evictedClients = 0;
  /** Connections closed, by why (Connection.closeReason): the metrics' teardowns by cause. */
  readonly closedBy = new Map<string, number>();
  /** Error replies by their first word (ERR, WRONGTYPE, ...), for INFO errorstats. */
  readonly errorCodes = new Map<string, number>();

  countError(reply: Buffer): void {
    this.totalErrorReplies++;
    let end = 1;
    while (end < reply.length && end < 64 && reply[end] !== 32 && reply[end] !== 13) end++;
    const code = reply.latin1Slice(1, end);
    this.errorCodes.set(code, (this.errorCodes.get(code) ?? 0) + 1);
  }

  reset(): void {
    this.totalConnections = 0;
    this.rejectedConnections = 0;
    this.totalCommands = 0;
    this.netInputBytes = 0;
    this.netOutputBytes = 0;
    this.netReplInputBytes = 0;
    this.netReplOutputBytes = 0;
    this.totalErrorReplies = 0;
    this.unexpectedErrorReplies = 0;
    this.readsProcessed = 0;
    this.writesProcessed = 0;
    this.replyBufferShrinks = 0;
    this.replyBufferExpands = 0;
    this.outputLimitDisconnections = 0;
    this.evictedClients = 0;
    this.errorCodes.clear();
  }
}
