/**
 * CONFIG GET/SET/RESETSTAT/REWRITE over the parameter registry
 * (src/config/params.ts). CONFIG SET is all-or-nothing, as in Redis: every
 * name is checked, then every value, and only then is anything applied.
 */
import type { CoordOp, Coords, ServerContext } from '../coordination/context';
import fs from 'node:fs';
import { PINO_LEVEL, type ParamSpec } from '../config/config';
import type { ShardSettings } from '../core/shard-protocol';
import { buildReply, errArg, errorReply, helpReply, okReply } from '../resp/replies';
import { ERR_SYNTAX } from '../core/errors';
import { globMatch } from '../core/glob';
import { protectedActionAllowed } from '../acl/protected';
import { buildTlsOptions } from '../config/tls';

const configGet: CoordOp = (ctx, args) => {
  const config = ctx.server.config;
  const out = new Map<string, string>();
  for (let i = 2; i < args.length; i++) {
    const pattern = args[i];
    if (!/[*?[]/.test(pattern)) {
      // An exact name is replied under the name as asked, like Redis.
      const spec = config.spec(pattern);
      if (spec !== undefined && !out.has(pattern)) out.set(pattern, config.get(pattern) as string);
      continue;
    }
    for (const [name, value] of config.entries()) {
      if (!out.has(name) && globMatch(pattern, name, true)) out.set(name, value);
    }
  }
  return buildReply(ctx, (w) => {
    w.map(out.size);
    for (const [k, v] of out) {
      w.bulk(k);
      w.bulk(v);
    }
  });
};

const setFailed = (name: string, why: string): Buffer => errorReply(`ERR CONFIG SET failed (possibly related to argument '${errArg(name)}') - ${why}`);


/** Side effects on live server state once values are stored. */
function applyToServer(server: ServerContext, specs: readonly ParamSpec[]): void {
  const patch: Partial<ShardSettings> = {};
  let shardChange = false;
  for (const spec of specs) {
    const value = server.config.get(spec.name) as string;
    switch (spec.name) {
      case 'loglevel':
        server.log.level = PINO_LEVEL[value] ?? 'info';
        break;
      case 'requirepass':
        server.acl.setRequirePass(value);
        break;
      case 'acl-pubsub-default':
        server.acl.pubsubDefaultAll = value === 'allchannels';
        break;
      case 'acllog-max-len':
        server.acl.logMaxLen = Number(value);
        if (server.acl.log.length > server.acl.logMaxLen) server.acl.log.length = server.acl.logMaxLen;
        break;
      case 'cluster-node-timeout':
        if (server.cluster !== null) server.cluster.state.nodeTimeout = server.cluster.opts.nodeTimeout = Number(value);
        break;
      case 'cluster-allow-reads-when-down':
        if (server.cluster !== null) server.cluster.opts.allowReadsWhenDown = value === 'yes';
        break;
      case 'cluster-require-full-coverage':
        if (server.cluster !== null) server.cluster.setRequireFullCoverage(value === 'yes');
        break;
      case 'appendonly':
        if (value === 'yes') void server.aof.enableAtRuntime();
        else if (server.aof.enabled) server.aof.disable();
        break;
    }
    if (spec.shardSetting !== undefined) {
      shardChange = true;
      const s = server.config.shardSettings();
      (patch as Record<string, unknown>)[spec.shardSetting as string] = s[spec.shardSetting];
    }
  }
  if (shardChange) server.shards.broadcastSettings(patch);
}

const configSet: CoordOp = (ctx, args) => {
  const config = ctx.server.config;
  // An odd count past the arity minimum is a syntax error in Redis, not an arity one.
  if ((args.length - 2) % 2 !== 0) return errorReply(ERR_SYNTAX);
  const pairs: { name: string; spec: ParamSpec; raw: string }[] = [];
  for (let i = 2; i < args.length; i += 2) {
    const name = args[i];
    const spec = config.spec(name);
    if (spec === undefined) return errorReply(`ERR Unknown option or number of arguments for CONFIG SET - '${errArg(name)}'`);
    if (!spec.mutable) return setFailed(name, "can't set immutable config");
    if (spec.protected && !protectedActionAllowed(config.get('enable-protected-configs'), ctx.conn.socket.remoteAddress)) {
      return setFailed(name, "can't set protected config");
    }
    // Redis 7.0 keeps an alias as its own table entry: a name and its alias in one call are no duplicate (the later wins).
    if (pairs.some((p) => p.name.toLowerCase() === name.toLowerCase())) return setFailed(name, 'duplicate parameter');
    pairs.push({ name, spec, raw: args[i + 1] });
  }
  const values: string[] = [];
  for (const p of pairs) {
    const r = config.validate(p.spec, p.raw);
    if ('error' in r) return setFailed(p.name, r.error);
    values.push(r.value);
  }
  // TLS: the new combination must make a working context before anything changes (Redis's wording).
  const tlsPair = pairs.find((p) => p.spec.name.startsWith('tls-'));
  if (tlsPair !== undefined) {
    const next = new Map(pairs.map((p, i) => [p.spec.name, values[i]]));
    const get = (name: string): string => next.get(name) ?? config.get(name) ?? '';
    if (Number(get('tls-port')) > 0) {
      try {
        buildTlsOptions(get);
      } catch (err) {
        ctx.server.log.warn({ err: (err as Error).message }, 'Failed to configure TLS');
        return setFailed(tlsPair.name, 'Unable to update TLS configuration. Check server logs.');
      }
    }
  }
  const oldTlsPort = config.get('tls-port') as string;
  const oldValues = pairs.map((p) => config.get(p.spec.name) as string);
  pairs.forEach((p, i) => config.setValidated(p.spec, values[i]));
  applyToServer(ctx.server, pairs.map((p) => p.spec));
  const metricsPair = pairs.find((p) => p.spec.name === 'metrics-port');
  if (metricsPair !== undefined) {
    return ctx.server.metrics.listen(config.getNumber('metrics-port'), ctx.server.metricsHost()).then(
      () => okReply(),
      (err: Error) => {
        ctx.server.log.warn({ err: err.message }, 'Failed to serve metrics on this port');
        pairs.forEach((p, i) => config.setValidated(p.spec, oldValues[i]));
        applyToServer(ctx.server, pairs.map((p) => p.spec));
        const old = config.getNumber('metrics-port');
        return (old > 0 ? ctx.server.metrics.listen(old, ctx.server.metricsHost()) : Promise.resolve()).then(
          () => setFailed('metrics-port', 'Unable to listen on this port. Check server logs.'),
          () => setFailed('metrics-port', 'Unable to listen on this port. Check server logs.'),
        );
      },
    );
  }
  const listenPair = pairs.find((p) => p.spec.name === 'bind') ?? pairs.find((p) => p.spec.name === 'port');
  if (listenPair !== undefined) {
    const oldBind = oldValues[pairs.findIndex((p) => p.spec.name === 'bind')] ?? (config.get('bind') as string);
    return ctx.server.relisten(oldBind).then(
      () => okReply(),
      () => {
        // All or nothing, as Redis restores every parameter of the call when an apply step fails.
        pairs.forEach((p, i) => config.setValidated(p.spec, oldValues[i]));
        applyToServer(ctx.server, pairs.map((p) => p.spec));
        return listenPair.spec.name === 'bind'
          ? setFailed('bind', 'Failed to bind to specified addresses.')
          : setFailed('port', 'Unable to listen on this port. Check server logs.');
      },
    );
  }
  if (tlsPair === undefined) return okReply();
  const portChanged = config.get('tls-port') !== oldTlsPort;
  return ctx.server.reloadTls(portChanged).then(
    () => okReply(),
    (err: Error) => {
      ctx.server.log.warn({ err: err.message }, 'Failed to listen on the TLS port');
      const spec = config.spec('tls-port') as ParamSpec;
      config.setValidated(spec, oldTlsPort);
      return setFailed('tls-port', 'Unable to listen on this port. Check server logs.');
    },
  );
};

const configResetstat: CoordOp = async (ctx) => {
  ctx.server.stats.reset();
  // resetServerStats clears it too (the other aof_* and rdb_* figures stay).
  ctx.server.aof.delayedFsyncs = 0;
  for (const e of ctx.server.commands.all()) {
    e.calls = 0;
    e.usec = 0;
    e.rejectedCalls = 0;
    e.failedCalls = 0;
  }
  await ctx.server.shards.broadcast('resetStats', undefined);
  return okReply();
};

/**
 * CONFIG REWRITE: writes the start-up config file back with the current
 * values (Config.rewriteText), through a temporary file and a rename so a
 * failure leaves the old file whole.
 */
const configRewrite: CoordOp = (ctx) => {
  const config = ctx.server.config;
  const file = config.configFile;
  if (file === null) return errorReply('ERR The server is running without a config file');
  try {
    let original = '';
    try {
      original = fs.readFileSync(file, 'latin1');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const tmp = `${file}.tmp-${process.pid}`;
    const fd = fs.openSync(tmp, 'w', 0o644);
    try {
      fs.writeSync(fd, Buffer.from(config.rewriteText(original), 'latin1'));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (err) {
    ctx.server.log.warn({ err }, 'CONFIG REWRITE failed');
    return errorReply(`ERR Rewriting config file: ${(err as Error).message}`);
  }
  return okReply();
};

const CONFIG_HELP = [
  'GET <pattern> [<pattern> ...]',
  '    Return the parameters matching the glob-like patterns, with their values.',
  'SET <directive> <value> [<directive> <value> ...]',
  '    Set each configuration directive to its value (all or none).',
  'RESETSTAT',
  '    Reset the statistics INFO reports.',
  'REWRITE',
  '    Rewrite the configuration file (Shardis has none).',
];

const configHelp: CoordOp = () => helpReply('CONFIG', CONFIG_HELP);

export const configCoords: Coords = {
  'config|get': configGet,
  'config|set': configSet,
  'config|resetstat': configResetstat,
  'config|rewrite': configRewrite,
  'config|help': configHelp,
};
