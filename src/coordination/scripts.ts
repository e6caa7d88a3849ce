/**
 * Scripts on a server with two or more shards. A script may reach keys it
 * does not declare (BullMQ builds job keys from a prefix and an id), so it
 * cannot be routed by its keys alone: every EVAL-family command runs under
 * the shard lock, in the shard of its first declared key (shard 0 without
 * keys). Nothing else reaches any shard while it runs, and the keys it
 * touches on other shards are served to it synchronously by those shards
 * (workers/scripting/peers.ts): the script is atomic across shards, as in
 * Redis. With one shard (--workers 0 or 1) scripts never come here: they run
 * in the shard directly, with no lock.
 *
 * The script cache: an EVAL'd body is loaded into every shard's cache the
 * first time (SCRIPT LOAD's broadcast), so a later EVALSHA finds it wherever
 * its keys send it.
 */
import { createHash } from 'node:crypto';
import type { CoordOp, Coords, ServerContext } from './context';
import { evalKeys } from '../core/commands/key-finders';

const loaded = new WeakMap<ServerContext, Set<string>>();

function loadedIn(server: ServerContext): Set<string> {
  let set = loaded.get(server);
  if (set === undefined) loaded.set(server, (set = new Set()));
  return set;
}

/** SCRIPT FLUSH emptied every shard's cache. */
export function forgetScripts(server: ServerContext): void {
  loadedIn(server).clear();
}

const evalAcross: CoordOp = async (ctx, args) => {
  const shards = ctx.server.shards;
  const name = ctx.entry.spec.name;
  if (name === 'eval' || name === 'eval_ro') {
    const sha = createHash('sha1').update(Buffer.from(args[1], 'latin1')).digest('hex');
    const known = loadedIn(ctx.server);
    if (!known.has(sha)) {
      // A body that does not compile is left to the script's shard, which replies the error.
      const ok = await shards.broadcast('scriptLoad', { body: args[1] }).then(() => true, () => false);
      if (ok) known.add(sha);
    }
  }
  const keys = evalKeys(args);
  const home = keys.length === 0 ? 0 : shards.router.shardOf(args[keys[0]]);
  return shards.clients[home].request(ctx.entry.opIndex, ctx.conn.db, ctx.conn.proto, args, 1, ctx.conn.id);
};

export const scriptCoords: Coords = {
  eval: evalAcross,
  evalsha: evalAcross,
  eval_ro: evalAcross,
  evalsha_ro: evalAcross,
  fcall: evalAcross,
  fcall_ro: evalAcross,
};
