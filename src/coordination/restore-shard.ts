/**
 * Brings a restarted shard's data back (after its thread crashed): the keys
 * of its slots from the AOF's base (or, without an AOF, from the last RDB
 * snapshot), then the AOF's commands that touch its slots, sent to it
 * directly. Commands of other shards are skipped; keyless ones that act on
 * every shard (FLUSHALL, FLUSHDB, SWAPDB) act on this one; multi-key ones
 * split across shards (DEL, MSET, ...) replay this shard's part.
 */
import fs from 'node:fs';
import RedisParser from 'redis-parser';
import type { Logger } from 'pino';
import type { ServerContext, TableEntry } from './context';
import { ROUTE_CROSS, ROUTE_MAIN } from '../core/routing/router';
import { PendingReply } from '../shard-clients/shard-client';

const BATCH = 1000;

function resolveEntry(server: ServerContext, args: string[]): TableEntry | undefined {
  const entry = server.commands.lookup(args[0]);
  if (entry === undefined || entry.subcommands === undefined || args.length < 2) return entry;
  return entry.subcommands.get(args[1].toLowerCase());
}

/** Replays the commands of one AOF file that concern `shard`; returns how many it could not replay. */
async function replayPart(server: ServerContext, shard: number, file: string, log: Logger): Promise<number> {
  if (!fs.existsSync(file)) return 0;
  const shards = server.shards;
  const client = shards.clients[shard];
  const cmds: string[][] = [];
  const parser = new RedisParser({
    returnBuffers: true,
    returnReply: (r: unknown) => cmds.push((r as Buffer[]).map((b) => b.toString('latin1'))),
    returnError: () => undefined,
    returnFatalError: () => undefined,
  });
  parser.execute(fs.readFileSync(file));
  let db = 0;
  let skipped = 0;
  let inflight: Promise<unknown>[] = [];
  const send = (entry: TableEntry, args: string[]): void => {
    inflight.push(
      new Promise<void>((resolve) => {
        const p = new PendingReply({ deliver: () => resolve() });
        client.internally(() => client.send(entry.opIndex, db, 2, 0, args, entry.parent === undefined ? 1 : 2, p));
      }),
    );
  };
  for (const args of cmds) {
    const name = args[0].toLowerCase();
    if (name === 'select') {
      db = Number(args[1]);
      continue;
    }
    if (name === 'multi' || name === 'exec') continue;
    if (name === 'flushall') {
      inflight.push(client.internally(() => client.call('flushall', undefined)));
      continue;
    }
    if (name === 'flushdb') {
      inflight.push(client.internally(() => client.call('flushdb', undefined, { db })));
      continue;
    }
    if (name === 'swapdb') {
      inflight.push(client.internally(() => client.call('swapdb', { a: Number(args[1]), b: Number(args[2]) })));
      continue;
    }
    const entry = resolveEntry(server, args);
    if (entry === undefined) continue;
    const target = shards.router.route(entry.spec, args, false);
    if (target === shard) send(entry, args);
    else if (target === ROUTE_CROSS && entry.cross?.kind === 'split') {
      for (const part of shards.router.split(entry.spec, args)) if (part.shard === shard) send(entry, part.args);
    } else if (target === ROUTE_CROSS || target === ROUTE_MAIN) {
      // A cross-shard command run by a coordinator: not replayable on one shard.
      if (shards.router.split(entry.spec, args).some((p) => p.shard === shard)) skipped++;
    }
    if (inflight.length >= BATCH) {
      await Promise.all(inflight);
      inflight = [];
    }
  }
  await Promise.all(inflight);
  if (skipped > 0) log.warn({ shard, skipped, file }, 'cross-shard commands could not be replayed into the restarted shard');
  return skipped;
}

export async function restoreShard(server: ServerContext, shard: number): Promise<void> {
  const log = server.log;
  const aof = server.aof;
  if (aof.enabled) {
    // Everything logged so far reaches the file first (the crashed shard's unanswered writes were never logged).
    aof.flushNow();
    const { base, incrs } = aof.files();
    if (base !== null && base.endsWith('.rdb')) await server.rdb.load(base, shard);
    else if (base !== null) await replayPart(server, shard, base, log);
    for (const f of incrs) await replayPart(server, shard, f, log);
  } else {
    await server.rdb.load(server.rdb.filePath(), shard);
  }
}
