/**
 * The check table format of test/config-walk.test.ts: for every parameter
 * CONFIG GET * lists, one entry saying how the parameter proves it is not
 * accepted-and-ignored. Entries live in one file per owner (security.ts,
 * operations.ts, replication.ts), each exporting a `checks` record.
 *
 * An entry has at least one of:
 * - `refused`: CONFIG SET name value must answer an error matching `error`
 *   (the walk sends it and checks). `why` says why Shardis cannot do it, or
 *   that it is immutable and what `check` proves at start-up instead.
 * - `check`: sets a valid non-default value (CONFIG SET, or `startArgs` on
 *   the command line for immutable parameters) and observes a behaviour that
 *   changed: a reply, an encoding, a refused connection, a file written, an
 *   INFO field. It throws (w.ok / w.equal, or any Error) when nothing changed.
 * - `aliasOf`: an old name (slave-*, *-ziplist-*): CONFIG SET alias value
 *   must show under the canonical name; the canonical name's entry checks
 *   the behaviour.
 */
import type { RespClient, Reply } from '../resp-client';
import type { ShardisProcess, Teardownable } from '../servers';

export interface WalkContext {
  /** The walk's server: started with every entry's startArgs, --workers ANY_WORKERS. */
  server: ShardisProcess;
  port: number;
  /** The server's --dir (a fresh temporary directory). */
  dir: string;
  /**
   * A connection opened before any check ran: it stays authenticated when a
   * check sets requirepass. After each check the walk restores the
   * parameter's value through it, so a check need not (but must undo any
   * other state it leaves behind, e.g. users or keys that matter).
   */
  admin: RespClient;
  /** admin.call */
  call(...args: (string | number | Buffer)[]): Promise<Reply>;
  /** CONFIG SET through admin; throws unless OK. */
  set(name: string, value: string): Promise<void>;
  /** CONFIG GET name through admin. */
  get(name: string): Promise<string>;
  /** A new plain connection to the walk server, closed when the walk ends. */
  connect(port?: number): Promise<RespClient>;
  /** Starts another server (for what cannot be seen on the walk server), stopped when the walk ends. */
  startServer(args: string[], opts?: { dir?: string; configFile?: string }): Promise<ShardisProcess>;
  /** Registers cleanup to run when the walk ends. */
  teardown: Teardownable['teardown'];
  /** Throws `what` unless cond holds. */
  ok(cond: unknown, what: string): void;
  /** Throws unless actual deep-equals expected (JSON comparison), naming `what`. */
  equal(actual: unknown, expected: unknown, what: string): void;
}

export interface ConfigCheck {
  refused?: { value: string; error: RegExp; why: string };
  check?: (w: WalkContext) => Promise<void>;
  /** Added to the walk server's command line (immutable parameters). */
  startArgs?: string[];
  /** The canonical name this one is an alias of, and a valid non-default value to set through the alias. */
  aliasOf?: { name: string; value: string };
}

export type CheckTable = Record<string, ConfigCheck>;

/** The error CONFIG SET gives an immutable parameter (Redis 7.0.15's wording). */
export const IMMUTABLE = (name: string): RegExp =>
  new RegExp(`^ERR CONFIG SET failed \\(possibly related to argument '${name}'\\) - can't set immutable config$`);
