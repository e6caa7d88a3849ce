/**
 * Scripts on a server with two or more shards. A script may reach keys it
 * does not declare (BullMQ builds job keys from a prefix and an id), so it
 * cannot be routed by its keys alone. Two paths:
 * - runScriptUnlocked: a script known to keep to its declared keys' hash
 *   slots, called with its declared keys on one shard, runs in that shard
 *   like any command, without the lock (an abort sends it to the other path);
 * - evalAcross (under the shard lock, taken by dispatch): in the shard of its
 *   first declared key (shard 0 without keys); nothing else reaches any shard
 *   while it runs, and the keys it touches on other shards are served to it
 *   synchronously by those shards (workers/scripting/peers.ts): atomic across
 *   shards, as in Redis. Every script's first run takes this path, which
 *   learns whether it kept to its slots (ShardEvent 'script-cross').
 * With one shard (--workers 0 or 1) scripts never come here: they run in the
 * shard directly.
 *
 * The script cache: an EVAL'd body is loaded into every shard's cache the
 * first time (SCRIPT LOAD's broadcast), so a later EVALSHA finds it wherever
 * its keys send it.
 */
import { createHash } from 'node:crypto';
import type { CoordContext, CoordOp, Coords, ServerContext } from './context';
import { callCoordinator } from './calls';
import { sendScriptUser } from './script-user';
import { evalKeys } from '../core/commands/key-finders';
import { SCRIPT_ABORTED_REPLY, SCRIPT_UNLOCKED } from '../core/shard-protocol';

const ABORTED = Buffer.from(SCRIPT_ABORTED_REPLY, 'latin1');

/** What the main thread knows of the scripts it routes (per server). */
interface ScriptRouting {
  /** Shas whose body every shard has compiled (SCRIPT LOAD's broadcast). */
  loaded: Set<string>;
  /** Scripts (sha, or `f:` and a function's name) that ran under the lock touching only their declared keys' slots. */
  contained: Set<string>;
  /** Scripts that reached a key outside their declared keys' slots: always under the lock. */
  reaching: Set<string>;
  /** Connections whose script just reported 'script-cross' (the event comes before the reply). */
  crossed: Set<number>;
  /** Tokens of unlocked runs aborted, unrun, to run again under the lock (their replies carry them). */
  aborted: Set<string>;
}

const routing = new WeakMap<ServerContext, ScriptRouting>();

function routingOf(server: ServerContext): ScriptRouting {
  let r = routing.get(server);
  if (r === undefined) {
    const state: ScriptRouting = { loaded: new Set(), contained: new Set(), reaching: new Set(), crossed: new Set(), aborted: new Set() };
    routing.set(server, (r = state));
    server.shardEvents['script-cross'] = (_shard, ev) => {
      state.reaching.add(ev.script);
      state.contained.delete(ev.script);
      if (ev.aborted !== null) state.aborted.add(ev.aborted);
      else state.crossed.add(ev.connId);
    };
  }
  return r;
}

/** SCRIPT FLUSH emptied every shard's cache. */
export function forgetScripts(server: ServerContext): void {
  const r = routingOf(server);
  r.loaded.clear();
  r.contained.clear();
  r.reaching.clear();
}

/** The name shards report a script by (workers/scripting/engine.ts RunContext.script). */
function scriptName(name: string, args: readonly string[]): string {
  if (name === 'fcall' || name === 'fcall_ro') return `f:${args[1]}`;
  if (name === 'eval' || name === 'eval_ro') return createHash('sha1').update(Buffer.from(args[1], 'latin1')).digest('hex');
  return args[1].toLowerCase();
}

const evalAcross: CoordOp = async (ctx, args) => {
  const shards = ctx.server.shards;
  const name = ctx.entry.spec.name;
  const r = routingOf(ctx.server);
  const script = scriptName(name, args);
  if (name === 'eval' || name === 'eval_ro') {
    if (!r.loaded.has(script)) {
      // A body that does not compile is left to the script's shard, which replies the error.
      const ok = await shards.broadcast('scriptLoad', { body: args[1] }).then(() => true, () => false);
      if (ok) r.loaded.add(script);
    }
  }
  const keys = evalKeys(args);
  const home = keys.length === 0 ? 0 : shards.router.shardOf(args[keys[0]]);
  const connId = ctx.conn.id;
  r.crossed.delete(connId);
  sendScriptUser(shards, ctx.conn, home);
  const reply = await shards.clients[home].request(ctx.entry.opIndex, ctx.conn.db, ctx.conn.proto, args, 1, connId);
  // Learnt: it stayed within its declared keys' slots this time (no 'script-cross' before the reply).
  if (!r.crossed.delete(connId) && !r.reaching.has(script)) r.contained.add(script);
  return reply;
};

/**
 * A script whose declared keys are all on one shard, and which has so far
 * only touched keys in its declared keys' slots (BullMQ with a hash-tagged
 * queue name: job keys share the tag), runs in that shard like any command:
 * no shard lock, other shards and other connections go on. If it does reach
 * another shard after all, the shard aborts it before that call when it has
 * not written yet, and it runs again here under the lock, its reply in its
 * place; when it has written, that call fails with an error (its earlier
 * writes stay, as with any failing script in Redis). Either way the script
 * takes the lock from then on. The connection waits for the reply before
 * its next request (the returned promise), so a rerun keeps its place in the
 * connection's order. (Without that wait a connection's pipelined scripts
 * shared a batch: 38k vs 14k req/s for redis-benchmark -P 16 at load ~12,
 * but BullMQ with a hash-tagged queue ran at 144-361 jobs/s against 592-632
 * with it, and requests pipelined after an aborted script could run before
 * its rerun: docs/performance.md section 7.)
 * Returns false when the script must take the locked path (evalAcross).
 */
export function runScriptUnlocked(ctx: CoordContext, args: string[], locked: (slot: ReturnType<CoordContext['conn']['reserve']>) => Promise<void>): Promise<void> | false {
  const { server, conn, entry } = ctx;
  const keys = evalKeys(args);
  if (keys.length === 0) return false;
  const r = routingOf(server);
  const script = scriptName(entry.spec.name, args);
  if (!r.contained.has(script)) return false;
  const shards = server.shards;
  const home = shards.router.shardOf(args[keys[0]]);
  for (let i = 1; i < keys.length; i++) if (shards.router.shardOf(args[keys[i]]) !== home) return false;
  const slot = conn.reserve();
  const run: CoordOp = () => {
    sendScriptUser(shards, conn, home);
    return shards.clients[home].request(entry.opIndex, conn.db, conn.proto, args, 1, (conn.id | SCRIPT_UNLOCKED) >>> 0);
  };
  return Promise.resolve(callCoordinator(run, ctx, args)).then((reply) => {
    r.crossed.delete(conn.id);
    if (reply.length > ABORTED.length && reply.latin1Slice(0, ABORTED.length) === SCRIPT_ABORTED_REPLY) {
      const token = reply.latin1Slice(ABORTED.length, reply.indexOf(41 /* ) */, ABORTED.length));
      if (r.aborted.delete(token)) return locked(slot);
    }
    conn.fill(slot, reply);
  });
}

export const scriptCoords: Coords = {
  eval: evalAcross,
  evalsha: evalAcross,
  eval_ro: evalAcross,
  evalsha_ro: evalAcross,
  fcall: evalAcross,
  fcall_ro: evalAcross,
};
