/**
 * SLOWLOG, LATENCY and MONITOR: the reports of src/monitoring/ (the slow log,
 * the latency monitor, the MONITOR feed), as Redis 7.0 words them.
 */
import type { CoordOp, Coords, ServerContext, TableEntry } from '../coordination/context';
import { LATENCY_BUCKETS, bucketMicros } from '../core/latency-buckets';
import { buildReply, errArg, errorReply, helpReply, integerReply, okReply } from '../resp/replies';
import { parseI64 } from '../core/args/parse';

const ERR_SLOWLOG_COUNT = 'ERR count should be greater than or equal to -1';

const slowlogGet: CoordOp = (ctx, args) => {
  const log = ctx.server.monitoring.slowlog;
  let count = 10;
  if (args.length > 3) return errorReply(`ERR unknown subcommand or wrong number of arguments for '${errArg(args[1])}'. Try SLOWLOG HELP.`);
  if (args.length === 3) {
    const n = parseI64(args[2]);
    if (n === null || n < -1n) return errorReply(ERR_SLOWLOG_COUNT);
    count = n === -1n ? log.length : n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
  }
  const entries = log.newest(count);
  return buildReply(ctx, (w) => {
    w.array(entries.length);
    for (const e of entries) {
      w.array(6);
      w.integer(e.id);
      w.integer(e.time);
      w.integer(e.micros);
      w.array(e.args.length);
      for (const a of e.args) w.bulk(a);
      w.bulk(e.peer);
      w.bulk(e.name);
    }
  });
};

const slowlogLen: CoordOp = (ctx) => integerReply(ctx.server.monitoring.slowlog.length);

const slowlogReset: CoordOp = (ctx) => {
  ctx.server.monitoring.slowlog.reset();
  return okReply();
};

const slowlogHelp: CoordOp = () =>
  helpReply('SLOWLOG', [
    'GET [<count>]',
    '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
    '    Entries are made of:',
    '    id, timestamp, time in microseconds, arguments array, client IP and port,',
    '    client name',
    'LEN',
    '    Return the length of the slowlog.',
    'RESET',
    '    Reset the slowlog.',
  ]);

const latencyLatest: CoordOp = (ctx) =>
  buildReply(ctx, (w) => {
    const events = ctx.server.monitoring.latency.events;
    w.array(events.size);
    for (const [name, ts] of events) {
      const last = ts.latest();
      w.array(4);
      w.bulk(name);
      w.integer(last.time);
      w.integer(last.latency);
      w.integer(ts.max);
    }
  });

const latencyHistory: CoordOp = (ctx, args) =>
  buildReply(ctx, (w) => {
    const ts = ctx.server.monitoring.latency.events.get(args[2]);
    const samples = ts?.history() ?? [];
    w.array(samples.length);
    for (const s of samples) {
      w.array(2);
      w.integer(s.time);
      w.integer(s.latency);
    }
  });

const latencyReset: CoordOp = (ctx, args) => integerReply(ctx.server.monitoring.latency.reset(args.slice(2)));

const latencyGraph: CoordOp = (ctx, args) => {
  const latency = ctx.server.monitoring.latency;
  const ts = latency.events.get(args[2]);
  if (ts === undefined) return errorReply(`ERR No samples available for event '${errArg(args[2])}'`);
  const text = latency.graph(args[2], ts);
  return buildReply(ctx, (w) => w.verbatim(text));
};

const latencyDoctor: CoordOp = (ctx) => {
  const text = ctx.server.monitoring.latency.doctor(ctx.server.config.getNumber('slowlog-log-slower-than'));
  return buildReply(ctx, (w) => w.verbatim(text));
};

interface Histogram {
  name: string;
  calls: number;
  /** [bucket bound in µs, cumulative calls] where the count grows. */
  buckets: [number, number][];
}

/**
 * Every command's latency histogram: coordinators' from their table entries,
 * shard ops' summed over the shards (long pipelines time one call in eight
 * of each command and count it eight times, workers/engine.ts).
 */
export async function commandHistograms(server: ServerContext): Promise<Map<TableEntry, Float64Array>> {
  const out = new Map<TableEntry, Float64Array>();
  for (const e of server.commands.all()) if (e.latency.some((x) => x > 0)) out.set(e, Float64Array.from(e.latency));
  const infos = await server.shards.broadcast('info', { perOp: true });
  for (const info of infos) {
    for (const [op, counts] of info.latency) {
      const e = server.commands.ops[op];
      if (e === undefined) continue;
      const h = out.get(e) ?? new Float64Array(LATENCY_BUCKETS);
      counts.forEach((c, k) => (h[k] += c));
      out.set(e, h);
    }
  }
  return out;
}

function histogramOf(name: string, counts: Float64Array): Histogram {
  const buckets: [number, number][] = [];
  let cumulative = 0;
  counts.forEach((c, k) => {
    if (c <= 0) return;
    cumulative += Math.round(c);
    buckets.push([bucketMicros(k), cumulative]);
  });
  return { name, calls: cumulative, buckets };
}

const latencyHistogram: CoordOp = async (ctx, args) => {
  const all = await commandHistograms(ctx.server);
  const histograms: Histogram[] = [];
  if (args.length === 2) {
    for (const [e, counts] of all) histograms.push(histogramOf(e.fullName, counts));
  } else {
    const byName = new Map([...all].map(([e, c]) => [e.fullName, c]));
    for (const name of args.slice(2)) {
      const counts = byName.get(name.toLowerCase());
      if (counts !== undefined) histograms.push(histogramOf(name.toLowerCase(), counts));
    }
  }
  return buildReply(ctx, (w) => {
    w.map(histograms.length);
    for (const h of histograms) {
      w.bulk(h.name);
      w.map(2);
      w.bulk('calls');
      w.integer(h.calls);
      w.bulk('histogram_usec');
      w.map(h.buckets.length);
      for (const [usec, cumulative] of h.buckets) {
        w.integer(usec);
        w.integer(cumulative);
      }
    }
  });
};

const latencyHelp: CoordOp = () =>
  helpReply('LATENCY', [
    'DOCTOR',
    '    Return a human readable latency analysis report.',
    'GRAPH <event>',
    '    Return an ASCII latency graph for the <event> class.',
    'HISTORY <event>',
    '    Return time-latency samples for the <event> class.',
    'LATEST',
    '    Return the latest latency samples for all events.',
    'RESET [<event> ...]',
    '    Reset latency data of one or more <event> classes.',
    '    (default: reset all data for all event classes)',
    'HISTOGRAM [COMMAND ...]',
    '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
    '    If no commands are specified then all histograms are replied.',
  ]);

/** MONITOR: the connection joins the feed; a second MONITOR gets no reply at all, as in Redis. */
const monitor: CoordOp = (ctx) => {
  if (ctx.inExec === true) return errorReply("ERR MONITOR isn't allowed for DENY BLOCKING client");
  const feed = ctx.server.monitoring.monitors;
  if (feed.has(ctx.conn)) return Buffer.alloc(0);
  feed.add(ctx.conn);
  return okReply();
};

export const monitoringCoords: Coords = {
  'slowlog|get': slowlogGet,
  'slowlog|len': slowlogLen,
  'slowlog|reset': slowlogReset,
  'slowlog|help': slowlogHelp,
  'latency|latest': latencyLatest,
  'latency|history': latencyHistory,
  'latency|reset': latencyReset,
  'latency|graph': latencyGraph,
  'latency|doctor': latencyDoctor,
  'latency|histogram': latencyHistogram,
  'latency|help': latencyHelp,
  monitor: monitor,
};
