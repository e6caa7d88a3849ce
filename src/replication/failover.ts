/**
 * FAILOVER's state machine (Redis 6.2+'s coordinated failover,
 * failoverCommand / updateFailoverStatus / abortFailover in Redis's
 * replication.c): the primary pauses clients' writes, waits until the target
 * replica (or, without TO, any replica) has acknowledged the whole stream,
 * then becomes a replica of it and sends `PSYNC <replid> <offset> FAILOVER`,
 * which makes the target promote itself and serve the PSYNC. Accepted: the
 * writes are unpaused (they now get -READONLY). Refused, or aborted after
 * the demotion: a primary again under a new replication id.
 *
 *   no-failover ──FAILOVER──► waiting-for-sync ──target acked our offset──► failover-in-progress
 *        ▲                       │  TIMEOUT without FORCE,     (TIMEOUT with FORCE) │
 *        │                       │  FAILOVER ABORT                                  │ PSYNC ... FAILOVER
 *        └───────────────────────┴──────────────────── accepted / refused, ABORT ◄──┘
 *
 * The checks run in the replication cron (every 100 ms while a failover
 * runs, as Redis's) and right after each acknowledgement (Redis checks in
 * beforeSleep). The FAILOVER command's checks and errors are in
 * src/commands/failover.ts; the target's side of the PSYNC is in
 * src/commands/replication.ts; the link's side in replica.ts (FailoverPsync).
 *
 * What a failover owns, and where it ends: the pause (unpaused in `clear`),
 * the faster cron (back to once a second in `clear`), and at most one
 * pending check (`soon`, cleared in `clear`); `close` clears them at shutdown.
 */
import type { Logger } from 'pino';
import type { FailoverHooks, FailoverState, ReplicaClient, Replication } from './primary';
import type { FailoverPsync } from './replica';

export interface FailoverTarget {
  host: string;
  port: number;
}

export interface FailoverDeps {
  readonly log: Logger;
  readonly replication: Replication;
  /**
   * Whether every write dispatched so far is in the stream. A write still
   * waiting for its shard has its place in the feed but not its bytes: the
   * offsets are compared only when there is none (Redis, one thread, has
   * finished every earlier command when FAILOVER runs).
   */
  readonly streamSettled: () => boolean;
  /** Pauses clients' writes (true) until unpaused (false): CLIENT PAUSE WRITE's machinery, under its own purpose. */
  readonly pauseWrites: (on: boolean) => void;
  /** Becomes a replica of the target (REPLICAOF host port); the link's PSYNC asks `inProgress` whether to add FAILOVER. */
  readonly follow: (target: FailoverTarget) => void;
  /** A primary again (REPLICAOF NO ONE): the data stays, a new replication id. */
  readonly promote: () => void;
}

export class Failover implements FailoverHooks, FailoverPsync {
  private current: FailoverState = 'no-failover';
  /** The replica to hand over to: given with TO, or the first one found caught up. */
  private target: FailoverTarget | null = null;
  /** When waiting-for-sync gives up (ms since the epoch), 0 without TIMEOUT. */
  private deadline = 0;
  /** FORCE: at the deadline, fail over anyway instead of aborting. */
  private force = false;
  /** A check after an acknowledgement, at most one pending. */
  private soon: NodeJS.Immediate | null = null;

  constructor(private readonly deps: FailoverDeps) {}

  /** INFO replication's master_failover_state. */
  get state(): FailoverState {
    return this.current;
  }

  /** The replica reachable at host:port (its announced or peer address, case-insensitive, and its listening port), as Redis's findReplica. */
  findReplica(host: string, port: number): ReplicaClient | undefined {
    const h = host.toLowerCase();
    for (const r of this.deps.replication.replicas) if (r.listeningPort === port && r.ip.toLowerCase() === h) return r;
    return undefined;
  }

  /** FAILOVER [TO host port [FORCE]] [TIMEOUT ms], its checks passed: pause writes and wait for a replica to catch up. */
  start(target: FailoverTarget | null, timeoutMs: number, force: boolean): void {
    this.target = target;
    this.deadline = timeoutMs > 0 ? Date.now() + timeoutMs : 0;
    this.force = force;
    this.current = 'waiting-for-sync';
    if (target !== null) this.deps.log.info({ host: target.host, port: target.port, timeoutMs }, 'FAILOVER requested to a replica');
    else this.deps.log.info({ timeoutMs }, 'FAILOVER requested to any replica');
    this.deps.pauseWrites(true);
    this.deps.replication.setFastCron(true);
    // A replica may be caught up already: as Redis, checked before the next event.
    this.checkSoon();
  }

  /** FAILOVER ABORT, a timeout without FORCE, a refused PSYNC: back to a primary (after a demotion, under a new id), writes unpaused. */
  abort(reason: string): void {
    if (this.state === 'no-failover') return;
    const t = this.target;
    this.deps.log.info({ host: t?.host, port: t?.port, reason }, t === null ? 'FAILOVER to any replica aborted' : 'FAILOVER aborted');
    if (this.state === 'failover-in-progress') this.deps.promote();
    this.clear();
  }

  /** Shutdown: nothing of the failover outlives the server. */
  close(): void {
    if (this.state !== 'no-failover') this.clear();
  }

  // ---- FailoverHooks (the primary side) ----

  cron(): void {
    this.check();
  }

  acked(): void {
    if (this.state === 'waiting-for-sync') this.checkSoon();
  }

  get holdsPings(): boolean {
    return this.state !== 'no-failover' && this.deadline > 0;
  }

  // ---- FailoverPsync (the link to the target) ----

  get inProgress(): boolean {
    return this.state === 'failover-in-progress';
  }

  answered(accepted: boolean, reply: string): void {
    if (this.state !== 'failover-in-progress') return;
    if (!accepted) {
      this.deps.log.warn({ reply }, 'the failover target refused PSYNC FAILOVER');
      this.abort('Failover target rejected psync request');
      return;
    }
    const t = this.target;
    this.deps.log.info({ host: t?.host, port: t?.port }, 'FAILOVER done: the target is the primary now');
    this.clear();
  }

  // ---- the state machine ----

  private checkSoon(): void {
    if (this.soon !== null) return;
    this.soon = setImmediate(() => {
      this.soon = null;
      this.check();
    });
  }

  /** updateFailoverStatus: the deadline, then whether the target (or any replica) acknowledged our whole stream. */
  private check(): void {
    if (this.state !== 'waiting-for-sync') return;
    if (this.deadline > 0 && Date.now() >= this.deadline) {
      if (this.force && this.target !== null) {
        this.deps.log.info({ host: this.target.host, port: this.target.port }, 'FAILOVER time out exceeded, failing over');
        this.handOver(this.target);
      } else this.abort('Replica never caught up before timeout');
      return;
    }
    if (!this.deps.streamSettled()) return;
    const offset = this.deps.replication.state.masterReplOffset;
    const caughtUp = (r: ReplicaClient | undefined): r is ReplicaClient => r !== undefined && r.acked && r.ackOffset === offset;
    let target = this.target;
    if (target === null) {
      for (const r of this.deps.replication.replicas) {
        if (caughtUp(r)) {
          target = { host: r.ip, port: r.listeningPort };
          break;
        }
      }
      if (target === null) return;
      this.target = target;
    } else if (!caughtUp(this.findReplica(target.host, target.port))) return;
    this.deps.log.info({ host: target.host, port: target.port, offset }, 'Failover target is synced, failing over');
    this.handOver(target);
  }

  /**
   * failover-in-progress: our replicas are let go (they come back once it is
   * over, as Redis's replicationSetMaster disconnects them) and we follow the
   * target, whose PSYNC carries FAILOVER.
   */
  private handOver(target: FailoverTarget): void {
    this.current = 'failover-in-progress';
    this.deps.replication.disconnectReplicas('failover: handing over to the target');
    this.deps.follow(target);
  }

  private clear(): void {
    this.current = 'no-failover';
    this.target = null;
    this.deadline = 0;
    this.force = false;
    if (this.soon !== null) clearImmediate(this.soon);
    this.soon = null;
    this.deps.replication.setFastCron(false);
    this.deps.pauseWrites(false);
  }
}
