/**
 * Every parameter CONFIG GET * lists either has its effect or is refused
 * (issue 13): the walk starts its own server, lists the parameters, and for
 * each one runs the entry of the check table (test/helpers/config-walk/, format
 * in types.ts): a refusal it verifies, a check that sets a non-default value
 * and observes what changed, or an alias it follows to its canonical name.
 * A parameter without an entry fails the walk, except those of owners in
 * TODO_OWNERS (not merged yet), which are tap todo and listed by name.
 */
import t from 'tap';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RespClient, type Reply } from './helpers/resp-client';
import { ANY_WORKERS, startShardis, type ShardisProcess } from './helpers/servers';
import type { CheckTable, ConfigCheck, WalkContext } from './helpers/config-walk/types';
import { checks as security } from './helpers/config-walk/security';
import { checks as operations } from './helpers/config-walk/operations';
import { checks as replication } from './helpers/config-walk/replication';
import { ownerOf, TODO_OWNERS } from './helpers/config-walk/owners';

/** How long one entry may take before the walk calls it hung. */
const CHECK_TIMEOUT_MS = 30_000;

function mergeTables(tables: Record<string, CheckTable>): Map<string, ConfigCheck> {
  const all = new Map<string, ConfigCheck>();
  for (const [owner, table] of Object.entries(tables)) {
    for (const [name, entry] of Object.entries(table)) {
      if (all.has(name)) throw new Error(`config-walk: ${name} has entries in two tables (second: ${owner})`);
      if (entry.refused === undefined && entry.check === undefined && entry.aliasOf === undefined) {
        throw new Error(`config-walk: ${owner}.ts entry ${name} has neither refused, check nor aliasOf`);
      }
      all.set(name, entry);
    }
  }
  return all;
}

class WalkFailure extends Error {}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WalkFailure(`${what}: no answer in ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

t.test('CONFIG GET * parameters: each works or is refused', async (t) => {
  const table = mergeTables({ security, operations, replication });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shardis-walk-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const startArgs = [...table.values()].flatMap((e) => e.startArgs ?? []);
  // One shard thread: shard settings and script timeouts (busy-reply-threshold) cross a thread, as in production.
  const server = await startShardis(t, { workers: 1, dir, args: startArgs });
  const admin = await RespClient.connect(server.port);
  t.teardown(() => admin.close());

  const listed = (await admin.call('CONFIG', 'GET', '*')) as string[];
  const original = new Map<string, string>();
  for (let i = 0; i < listed.length; i += 2) original.set(listed[i], listed[i + 1]);
  t.ok(original.size > 100, `CONFIG GET * lists ${original.size} parameters`);

  const ctx: WalkContext = {
    server,
    port: server.port,
    dir,
    admin,
    call: (...args) => admin.call(...args),
    async set(name, value) {
      const r = await admin.call('CONFIG', 'SET', name, value);
      if (r !== 'OK') throw new WalkFailure(`CONFIG SET ${name} ${JSON.stringify(value)} answered ${JSON.stringify(r)}`);
    },
    async get(name) {
      const r = (await admin.call('CONFIG', 'GET', name)) as string[];
      return r[1];
    },
    async connect(port = server.port) {
      const c = await RespClient.connect(port);
      t.teardown(() => c.close());
      return c;
    },
    startServer: (args, opts = {}): Promise<ShardisProcess> => startShardis(t, { workers: ANY_WORKERS, args, ...opts }),
    teardown: (fn) => t.teardown(fn),
    ok(cond, what) {
      if (!cond) throw new WalkFailure(what);
    },
    equal(actual, expected, what) {
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        throw new WalkFailure(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
      }
    },
  };

  const todo: string[] = [];
  for (const [name, value] of original) {
    const entry = table.get(name);
    const owner = ownerOf(name);
    if (entry === undefined) {
      if (TODO_OWNERS.includes(owner)) {
        todo.push(name);
        t.fail(`${name}: no check entry`, { todo: `owned by ${owner}.ts, not written yet` });
      } else {
        t.fail(`${name}: no check entry in test/helpers/config-walk/${owner}.ts (every CONFIG GET * parameter needs one)`);
      }
      continue;
    }
    await t.test(name, async (t) => {
      try {
        await withTimeout(runEntry(ctx, name, entry), CHECK_TIMEOUT_MS, name);
        t.pass(describe(entry));
      } catch (e) {
        t.fail(`${name}: ${(e as Error).message}`);
      } finally {
        // Put the value back for the entries after this one (immutable ones refuse: nothing changed).
        const now = await ctx.get(name).catch(() => value);
        if (now !== value) await admin.call('CONFIG', 'SET', name, value);
      }
    });
  }
  if (todo.length > 0) t.comment(`todo (no entry yet): ${todo.join(' ')}`);
  t.ok(server.proc.exitCode === null, 'the walk server is still running');
});

function describe(entry: ConfigCheck): string {
  const parts: string[] = [];
  if (entry.aliasOf) parts.push(`alias of ${entry.aliasOf.name}`);
  if (entry.refused) parts.push(`refused: ${entry.refused.why}`);
  if (entry.check) parts.push('its effect was observed');
  return parts.join('; ');
}

async function runEntry(w: WalkContext, name: string, entry: ConfigCheck): Promise<void> {
  if (entry.aliasOf !== undefined) {
    const canonical = entry.aliasOf.name;
    const before = await w.get(canonical);
    await w.set(name, entry.aliasOf.value);
    const after = await w.get(canonical);
    w.ok(after !== before, `CONFIG SET ${name} ${entry.aliasOf.value} left ${canonical} at ${before}`);
    w.equal(await w.get(name), after, `${name} reads as ${canonical}`);
    await w.set(canonical, before);
  }
  if (entry.refused !== undefined) {
    const before = await w.get(name);
    const r: Reply = await w.call('CONFIG', 'SET', name, entry.refused.value);
    const msg = typeof r === 'object' && r !== null && !Array.isArray(r) ? r.error : null;
    w.ok(msg !== null, `CONFIG SET ${name} ${JSON.stringify(entry.refused.value)} was accepted (${JSON.stringify(r)}), expected a refusal`);
    w.ok(entry.refused.error.test(msg as string), `CONFIG SET ${name} refused with ${JSON.stringify(msg)}, expected ${String(entry.refused.error)}`);
    w.equal(await w.get(name), before, `${name} after the refused CONFIG SET`);
  }
  if (entry.check !== undefined) await entry.check(w);
}
