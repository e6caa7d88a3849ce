/**
 * Shard RPC, `.WATCH` result subscriptions: the shard side (the main side is
 * src/commands/result-watch.ts).
 *
 * `GET.WATCH k` registers a 'result' listener on `k` in this shard. After
 * every signal on the key (a write, an expiry, FLUSHDB, SWAPDB) the watched
 * command is run again into a scratch writer and, when its reply bytes
 * differ from the last ones, a 'push' event with the whole
 * `[NAME, fingerprint, result]` message goes to the outbox. The shard never
 * waits for a subscriber: a slow one only grows its own output queue on the
 * main thread, where client-output-buffer-limit closes it.
 *
 * Subscriptions of the same command (same db, protocol and arguments) from
 * several connections share one `ResultGroup`, so the command runs once per
 * signal however many clients watch it. Groups are reachable only through
 * their members' listener registrations in `KeySignals`: when the last member
 * is dropped (UNWATCH, `connClosed`) the group is garbage.
 */
import { ReplyWriter } from '../../src/core/wire/reply-writer';
import { ReplyError } from '../../src/core/errors';
import { keyPositions } from '../../src/core/commands/spec';
import type { ShardOpContext } from '../op-context';
import type { ShardState } from '../shard-state';
import type { KeyListener, KeySignals } from '../key-signals';
import { OPS, type OpEntry } from '../ops';
import type { RpcHandlers } from './handler';

/**
 * Scratch writers by nesting depth: re-running a command can expire a key
 * lazily, which signals, which may re-run another group while the first
 * one's writer is still in use.
 */
const scratch: ReplyWriter[] = [];
let depth = 0;

class ResultGroup {
  /** The reply of the last run (RESP bytes as latin1), compared to decide whether to push. */
  last = '';
  /** Bumped whenever `last` changes; each member remembers the version it was sent. */
  version = 0;
  /** `KeySignals.seq` of the signal this group last ran for (one run per signal for all members). */
  private seenSignal = -1;
  private running = false;
  private dirty = false;
  private pushData: string | null = null;
  readonly keys: string[];
  /** `$<n>\r\nNAME\r\n:<fp>\r\n`: the part of every message before the result. */
  private readonly head: string;

  constructor(
    readonly id: string,
    readonly shard: ShardState,
    readonly dbIndex: number,
    readonly proto: 2 | 3,
    readonly op: OpEntry,
    readonly args: readonly string[],
    readonly fp: number,
  ) {
    this.keys = keyPositions(op.spec, args).map((i) => args[i]);
    const name = op.commandName.toUpperCase();
    this.head = `$${name.length}\r\n${name}\r\n:${fp}\r\n`;
  }

  get signals(): KeySignals {
    return this.shard.signals;
  }

  /**
   * Runs the command against the current data. Not a client command: no
   * opStats, and readonly ops neither signal nor change anything that
   * matters (the access time they set is that of a key just written).
   */
  run(): string {
    const w = (scratch[depth] ??= new ReplyWriter(1024));
    depth++;
    try {
      w.reset();
      w.proto = this.proto;
      const ctx: ShardOpContext = {
        shard: this.shard,
        db: this.shard.db(this.dbIndex),
        dbIndex: this.dbIndex,
        connId: 0,
        proto: this.proto,
        now: Date.now(),
        // A re-run is not a client command: it raises no notifications (keymiss included).
        notify: noNotify,
      };
      try {
        this.op.run(ctx, this.args.slice(), w, this.op.variant);
      } catch (err) {
        w.reset();
        w.error(err instanceof ReplyError ? err.message : `ERR internal error: ${(err as Error).message}`);
      }
      const out = w.buf.latin1Slice(0, w.len);
      // Do not keep a huge result's buffer around in the scratch writer.
      if (w.buf.length > 1024 * 1024) scratch[depth - 1] = new ReplyWriter(1024);
      return out;
    } finally {
      depth--;
    }
  }

  /** Re-runs the command; true if its result changed. */
  refresh(): boolean {
    if (this.running) {
      // A signal while running (a lazy expiry inside the op): run again after.
      this.dirty = true;
      return false;
    }
    this.running = true;
    let changed = false;
    try {
      for (let i = 0; i < 4; i++) {
        this.dirty = false;
        const r = this.run();
        if (r !== this.last) {
          this.last = r;
          this.version++;
          this.pushData = null;
          changed = true;
        }
        if (!this.dirty) break;
      }
    } finally {
      this.running = false;
    }
    return changed;
  }

  /** The first key was signalled for some member: run once per signal, then tell every member behind. */
  onSignal(): void {
    const seq = this.signals.seq;
    if (seq === this.seenSignal) return;
    this.seenSignal = seq;
    this.refresh();
    this.notify(null);
  }

  /** Queues the current result for every member that has not been sent it yet. */
  notify(except: ResultMember | null): void {
    const members = this.signals.listeners(this.dbIndex, this.keys[0]);
    if (members === undefined) return;
    const connIds: number[] = [];
    for (const l of members) {
      if (!(l instanceof ResultMember) || l.group !== this || l === except || l.seen === this.version) continue;
      l.seen = this.version;
      connIds.push(l.connId);
    }
    if (connIds.length === 0) return;
    this.pushData ??= (this.proto === 3 ? '>3\r\n' : '*3\r\n') + this.head + this.last;
    // Many watchers of one result: the bytes cross to the main thread once.
    this.signals.outbox.push(
      connIds.length === 1 ? { type: 'push', connId: connIds[0], data: this.pushData } : { type: 'push-many', connIds, data: this.pushData },
    );
  }

  /** The message as a command reply (an array in both protocols: clients match it to their request). */
  replyMessage(): string {
    return '*3\r\n' + this.head + this.last;
  }
}

/** One connection's subscription; registered on every key of the command. */
class ResultMember implements KeyListener {
  readonly kind = 'result' as const;
  seen = -1;
  constructor(
    readonly connId: number,
    readonly group: ResultGroup,
  ) {}

  modified(): void {
    this.group.onSignal();
  }
}

/** Identity of a group: same db, protocol and exact arguments. */
function groupId(dbIndex: number, proto: number, args: readonly string[]): string {
  let s = `${dbIndex}:${proto}`;
  for (const a of args) s += `:${a.length}:${a}`;
  return s;
}

export const resultWatchRpc: Pick<RpcHandlers, 'resultWatch' | 'resultUnwatch'> = {
  /**
   * Subscribes the calling connection to the op's result; the message the
   * client gets as its reply. A command that fails now (bad arguments, wrong
   * type) throws its error and nothing is subscribed.
   */
  resultWatch: (ctx, { fp, opIndex, args }) => {
    const op = OPS[opIndex];
    const cmdArgs = [op.commandName, ...args];
    const signals = ctx.shard.signals;
    const id = groupId(ctx.dbIndex, ctx.proto, cmdArgs);
    const firstKey = cmdArgs[op.spec.firstKey];
    let group: ResultGroup | undefined;
    let member: ResultMember | undefined;
    for (const l of signals.listeners(ctx.dbIndex, firstKey) ?? []) {
      if (!(l instanceof ResultMember) || l.group.id !== id) continue;
      group = l.group;
      if (l.connId === ctx.connId) member = l;
    }
    const fresh = group === undefined;
    group ??= new ResultGroup(id, ctx.shard, ctx.dbIndex, ctx.proto, op, cmdArgs, fp);
    // Normally unchanged; differs for results that move without a write (TTL).
    if (group.refresh() && !fresh) group.notify(member ?? null);
    if (group.last.charCodeAt(0) === 45 /* '-' */ && member === undefined) {
      throw new ReplyError(group.last.slice(1, group.last.length - 2));
    }
    const isNew = member === undefined;
    if (member === undefined) {
      member = new ResultMember(ctx.connId, group);
      for (const k of group.keys) signals.add(ctx.dbIndex, k, member);
    }
    member.seen = group.version;
    return { isNew, message: group.replyMessage() };
  },

  /** Ends the calling connection's subscriptions with that fingerprint and command. */
  resultUnwatch: (ctx, { fp, name }) => {
    const removed = new Set<ResultMember>();
    ctx.shard.signals.removeWhere(ctx.connId, (r) => {
      const l = r.listener;
      if (!(l instanceof ResultMember) || l.group.fp !== fp || l.group.op.commandName !== name) return false;
      removed.add(l);
      return true;
    });
    return removed.size;
  },
};

function noNotify(): void {}
