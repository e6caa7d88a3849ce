/**
 * Brings a restarted shard's data back (after its thread crashed): the keys
 * of its slots from the AOF's base (or, without an AOF, from the last RDB
 * snapshot), then the AOF's commands that touch its slots, sent to it
 * directly. Keyless ones that act on every shard (FLUSHALL, FLUSHDB, SWAPDB)
 * act on this one; multi-key ones split across shards (DEL, MSET, ...)
 * replay this shard's part.
 *
 * A command that a coordinator ran across shards (LMOVE, SMOVE, RENAME,
 * SUNIONSTORE ... between shards) needs its other keys as they were then.
 * The plan is made backwards over the log: such a command is replayed when
 * it touches a key we need, and its other keys become needed too (from the
 * base and from the commands before it). Those keys are loaded and replayed
 * here alongside ours, every command then runs on this one shard as a
 * single-shard command would, and the borrowed keys are dropped at the end.
 * Usually they are few; at worst (every key chained to ours) this thread
 * holds the whole dataset for the duration of the restore.
 */
import fs from 'node:fs';
import RedisParser from 'redis-parser';
import type { ServerContext, TableEntry } from './context';
import { keyPositions } from '../core/commands/spec';
import { ROUTE_MAIN } from '../core/routing/router';
import { PendingReply } from '../shard-clients/shard-client';

const BATCH = 1000;

function resolveEntry(server: ServerContext, args: string[]): TableEntry | undefined {
  const entry = server.commands.lookup(args[0]);
  if (entry === undefined || entry.subcommands === undefined || args.length < 2) return entry;
  return entry.subcommands.get(args[1].toLowerCase());
}

/** One command of the log, in the db it ran in. */
interface Logged {
  db: number;
  args: string[];
}

/** The commands of one AOF file (MULTI and EXEC left out, SELECT applied), appended to `out`. */
function readLog(file: string, out: Logged[]): void {
  if (!fs.existsSync(file)) return;
  let db = 0;
  const parser = new RedisParser({
    returnBuffers: true,
    returnReply: (r: unknown) => {
      const args = (r as Buffer[]).map((b) => b.toString('latin1'));
      const name = args[0].toLowerCase();
      if (name === 'select') db = Number(args[1]);
      else if (name !== 'multi' && name !== 'exec') out.push({ db, args });
    },
    returnError: () => undefined,
    returnFatalError: () => undefined,
  });
  parser.execute(fs.readFileSync(file));
}

type Step =
  | { kind: 'op'; db: number; entry: TableEntry; args: string[] }
  | { kind: 'flushall' }
  | { kind: 'flushdb'; db: number }
  | { kind: 'swapdb'; a: number; b: number };

interface ReplayPlan {
  /** In log order. */
  steps: Step[];
  /** Keys of other shards that the steps read: loaded and replayed here, dropped at the end. */
  borrowed: Set<string>;
  /** Commands of ours that cannot run on a shard (coordinators without a shard op). */
  skipped: number;
}

/** Which commands of `log` the restarted `shard` replays, and which other keys they need (see the module comment). */
function planReplay(server: ServerContext, shard: number, log: readonly Logged[]): ReplayPlan {
  const router = server.shards.router;
  const borrowed = new Set<string>();
  const needed = (key: string): boolean => router.shardOf(key) === shard || borrowed.has(key);
  const steps: Step[] = [];
  let skipped = 0;
  for (let i = log.length - 1; i >= 0; i--) {
    const { db, args } = log[i];
    const name = args[0].toLowerCase();
    if (name === 'flushall') steps.push({ kind: 'flushall' });
    else if (name === 'flushdb') steps.push({ kind: 'flushdb', db });
    else if (name === 'swapdb') steps.push({ kind: 'swapdb', a: Number(args[1]), b: Number(args[2]) });
    if (name === 'flushall' || name === 'flushdb' || name === 'swapdb') continue;
    const entry = resolveEntry(server, args);
    if (entry === undefined) continue;
    const positions = keyPositions(entry.spec, args);
    const keys = positions.map((p) => args[p]);
    const target = router.route(entry.spec, args, false);
    if (keys.length === 0) {
      if (target === shard) steps.push({ kind: 'op', db, entry, args });
      continue;
    }
    if (!keys.some(needed)) continue;
    if (target === ROUTE_MAIN || entry.opIndex < 0) {
      skipped++;
      continue;
    }
    if (entry.cross?.kind === 'split') {
      // Each key's part stands alone (DEL, MSET, ...): the parts with keys we need, nothing borrowed.
      const parts = router.split(entry.spec, args).filter((part) => part.order.some((k) => needed(keys[k])));
      for (let j = parts.length - 1; j >= 0; j--) steps.push({ kind: 'op', db, entry, args: parts[j].args });
      continue;
    }
    for (const k of keys) if (router.shardOf(k) !== shard) borrowed.add(k);
    steps.push({ kind: 'op', db, entry, args });
  }
  steps.reverse();
  return { steps, borrowed, skipped };
}

/** Runs the plan's steps on `shard`, in order, a batch of replies at a time. */
async function replaySteps(server: ServerContext, shard: number, steps: readonly Step[]): Promise<void> {
  const client = server.shards.clients[shard];
  let inflight: Promise<unknown>[] = [];
  for (const step of steps) {
    if (step.kind === 'flushall') inflight.push(client.internally(() => client.call('flushall', undefined)));
    else if (step.kind === 'flushdb') inflight.push(client.internally(() => client.call('flushdb', undefined, { db: step.db })));
    else if (step.kind === 'swapdb') inflight.push(client.internally(() => client.call('swapdb', { a: step.a, b: step.b })));
    else {
      const { entry, db, args } = step;
      inflight.push(
        new Promise<void>((resolve) => {
          const p = new PendingReply({ deliver: () => resolve() });
          client.internally(() => client.send(entry.opIndex, db, 2, 0, args, 1, p));
        }),
      );
    }
    if (inflight.length >= BATCH) {
      await Promise.all(inflight);
      inflight = [];
    }
  }
  await Promise.all(inflight);
}

export async function restoreShard(server: ServerContext, shard: number): Promise<void> {
  const log = server.log;
  const aof = server.aof;
  if (!aof.enabled) {
    await server.rdb.load(server.rdb.filePath(), shard);
    return;
  }
  // Everything logged so far reaches the file first (the crashed shard's unanswered writes were never logged).
  aof.flushNow();
  const { base, incrs } = aof.files();
  const logged: Logged[] = [];
  const rdbBase = base !== null && base.endsWith('.rdb');
  for (const f of rdbBase || base === null ? incrs : [base, ...incrs]) readLog(f, logged);
  const plan = planReplay(server, shard, logged);
  if (rdbBase) await server.rdb.load(base, shard, plan.borrowed);
  await replaySteps(server, shard, plan.steps);
  if (plan.borrowed.size > 0) {
    // Every db: a borrowed key may have moved between dbs (MOVE, SWAPDB) on its way.
    const client = server.shards.clients[shard];
    const drops: Promise<unknown>[] = [];
    for (let db = 0; db < server.config.values.databases; db++) {
      for (const key of plan.borrowed) drops.push(client.internally(() => client.call('delete', { key }, { db })));
    }
    await Promise.all(drops);
    log.info({ shard, borrowed: plan.borrowed.size }, 'restarted shard replayed cross-shard commands with keys of other shards');
  }
  if (plan.skipped > 0) log.warn({ shard, skipped: plan.skipped }, 'cross-shard commands could not be replayed into the restarted shard');
}
