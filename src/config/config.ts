/**
 * The server's settings: the command line sets them at start, CONFIG GET/SET
 * reads and changes them at run time. Each parameter is one row in a registry
 * (name, kind, default, whether it may change at run time, what to do when it
 * changes), as Redis's config.c keeps them.
 */
import type { FramerLimits } from '../resp/request-framer';
import type { ShardSettings } from '../core/shard-protocol';
import fs from 'node:fs';
import path from 'node:path';
import { NOTIFY, parseNotifyFlags } from '../core/notify';
import { ConfigFileError, rewriteArg, splitArgs, type Directive } from './config-file';

export type ParamKind = 'int' | 'memory' | 'bool' | 'string' | 'enum' | 'special';

export interface ParamSpec {
  name: string;
  aliases?: string[];
  kind: ParamKind;
  default: string;
  /** Allowed values of an enum parameter. */
  values?: readonly string[];
  min?: number;
  max?: number;
  /** false: CONFIG SET refuses it ("can't set immutable config"). */
  mutable: boolean;
  /** true: CONFIG SET refuses it unless protected configs are enabled (dir, dbfilename). */
  protected?: boolean;
  /** Shard setting this parameter feeds, if any. */
  shardSetting?: keyof ShardSettings;
  /**
   * Set when Shardis can only do what the default says: any other value is
   * refused (CONFIG SET, config file and flags) with this reason, rather than
   * accepted and ignored.
   */
  unsupported?: string;
}

export interface ServerValues {
  port: number;
  bind: string;
  databases: number;
  maxclients: number;
  timeout: number;
  workers: number;
  logLevel: string;
}

const LLONG_MAX = 2n ** 63n - 1n;

/** Parameters whose value is several words (`save 3600 1 300 100`): Redis's MULTI_ARG_CONFIG. */
const MULTI_ARG = new Set(['save', 'client-output-buffer-limit', 'latency-tracking-info-percentiles', 'bind', 'replicaof']);

/** loglevel values as pino levels. */
export const PINO_LEVEL: Record<string, string> = { debug: 'debug', verbose: 'debug', notice: 'info', warning: 'warn', nothing: 'silent' };
const INT_RE = /^(0|-?[1-9][0-9]*)$/;

/** Prints a range bound as Redis does (LLONG_MAX exactly, not as a rounded double). */
function formatBound(n: number): string {
  return n >= 2 ** 63 - 1 ? LLONG_MAX.toString() : String(n);
}

/** Parses a memory amount as Redis's memtoull: digits with an optional b/k/kb/m/mb/g/gb unit. */
export function parseMemory(raw: string): bigint | null {
  // memtoull reads nothing from an empty string and reports no error: 0.
  if (raw === '') return 0n;
  const m = /^([0-9]+)(b|k|kb|m|mb|g|gb)?$/i.exec(raw);
  if (m === null) return null;
  const unit = (m[2] ?? 'b').toLowerCase();
  const mul: Record<string, bigint> = { b: 1n, k: 1000n, kb: 1024n, m: 1000000n, mb: 1048576n, g: 1000000000n, gb: 1073741824n };
  const v = BigInt(m[1]) * mul[unit];
  return v > 2n ** 64n - 1n ? null : v;
}

/** Keyspace notification classes in the order Redis prints them. */
const NOTIFY_CLASSES = 'g$lshzxetd';

function normalizeNotify(raw: string): string | null {
  const set = new Set<string>();
  for (const ch of raw) {
    if (ch === 'A') for (const c of NOTIFY_CLASSES) set.add(c);
    else if ('g$lshzxeKEtmdn'.includes(ch)) set.add(ch);
    else return null;
  }
  let out = '';
  // As in Redis, 'n' (new key) is only printed when not all classes are on: "An" reads back as "A".
  if ([...NOTIFY_CLASSES].every((c) => set.has(c))) out = 'A';
  else {
    for (const c of NOTIFY_CLASSES) if (set.has(c)) out += c;
    if (set.has('n')) out += 'n';
  }
  if (set.has('K')) out += 'K';
  if (set.has('E')) out += 'E';
  if (set.has('m')) out += 'm';
  return out;
}

const OBL_CLASSES = ['normal', 'slave', 'pubsub'] as const;

/** Merges `class hard soft seconds ...` into the current client-output-buffer-limit value. */
function mergeOutputBufferLimits(current: string, raw: string): { value: string } | { error: string } {
  const words = raw.split(/\s+/).filter((w) => w !== '');
  if (words.length % 4 !== 0) return { error: 'Wrong number of arguments in buffer limit configuration.' };
  const cur = current.split(' ');
  const byClass = new Map<string, string[]>();
  for (let i = 0; i < cur.length; i += 4) byClass.set(cur[i], cur.slice(i + 1, i + 4));
  for (let i = 0; i < words.length; i += 4) {
    let cls = words[i].toLowerCase();
    if (cls === 'replica') cls = 'slave';
    if (!(OBL_CLASSES as readonly string[]).includes(cls)) return { error: 'Invalid client class specified in buffer limit configuration.' };
    const hard = parseMemory(words[i + 1]);
    const soft = parseMemory(words[i + 2]);
    const secs = /^[0-9]+$/.test(words[i + 3]) ? words[i + 3] : null;
    if (hard === null || soft === null || secs === null) {
      return { error: 'Error in hard, soft or soft_seconds setting in buffer limit configuration.' };
    }
    byClass.set(cls, [String(hard), String(soft), String(Number(secs))]);
  }
  return { value: OBL_CLASSES.map((c) => `${c} ${(byClass.get(c) ?? ['0', '0', '0']).join(' ')}`).join(' ') };
}

export interface OutputLimit {
  hard: number;
  soft: number;
  seconds: number;
}

function parseOutputLimits(value: string): { normal: OutputLimit; pubsub: OutputLimit; replica: OutputLimit } {
  const w = value.split(' ');
  const get = (cls: string): OutputLimit => {
    const i = w.indexOf(cls);
    return { hard: Number(w[i + 1]), soft: Number(w[i + 2]), seconds: Number(w[i + 3]) };
  };
  return { normal: get('normal'), pubsub: get('pubsub'), replica: get('slave') };
}

export class Config {
  /** client-output-buffer-limit for the classes Shardis has (normal and pubsub). */
  outputLimits: { normal: OutputLimit; pubsub: OutputLimit; replica: OutputLimit };
  /** False when every limit is 0, so queuing a reply skips the check. */
  outputLimitsActive: boolean;

  /** Current values as strings, keyed by canonical name (what CONFIG GET shows). */
  private readonly current = new Map<string, string>();
  private readonly specs = new Map<string, ParamSpec>();
  readonly framerLimits: FramerLimits;
  readonly values: ServerValues;

  constructor(
    readonly registry: readonly ParamSpec[],
    values: ServerValues,
  ) {
    this.values = values;
    for (const p of registry) {
      this.specs.set(p.name, p);
      for (const a of p.aliases ?? []) this.specs.set(a, p);
      this.current.set(p.name, p.default);
    }
    this.current.set('port', String(values.port));
    this.current.set('bind', values.bind);
    this.current.set('databases', String(values.databases));
    this.current.set('maxclients', String(values.maxclients));
    this.current.set('timeout', String(values.timeout));
    this.current.set('loglevel', logLevelToRedis(values.logLevel));
    this.outputLimits = parseOutputLimits(this.current.get('client-output-buffer-limit') as string);
    this.outputLimitsActive = true;
    this.framerLimits = {
      maxBulkLen: this.getNumber('proto-max-bulk-len'),
      maxMultibulkLen: 1024 * 1024,
      maxInlineLen: 64 * 1024,
      maxQueryBuffer: this.getNumber('client-query-buffer-limit'),
    };
  }

  spec(name: string): ParamSpec | undefined {
    return this.specs.get(name.toLowerCase());
  }

  get(name: string): string | undefined {
    // Code asks by canonical name: one Map lookup (aliases and other cases go through the spec).
    const direct = this.current.get(name);
    if (direct !== undefined) return direct;
    const spec = this.spec(name);
    return spec ? this.current.get(spec.name) : undefined;
  }

  /**
   * Parsed numbers, by the name asked, until the next setValidated: some are
   * read per command (the slow log's and latency monitor's thresholds).
   */
  private readonly numbers = new Map<string, number>();

  getNumber(name: string): number {
    let n = this.numbers.get(name);
    if (n === undefined) {
      n = Number(this.get(name));
      this.numbers.set(name, n);
    }
    return n;
  }

  /**
   * Checks a CONFIG SET value and returns the string CONFIG GET will show, or
   * the reason it is refused (Redis's texts).
   */
  validate(spec: ParamSpec, raw: string): { value: string } | { error: string } {
    const r = this.validateKind(spec, raw);
    if (spec.unsupported !== undefined && 'value' in r && r.value !== spec.default) return { error: spec.unsupported };
    return r;
  }

  private validateKind(spec: ParamSpec, raw: string): { value: string } | { error: string } {
    switch (spec.kind) {
      case 'bool': {
        const v = raw.toLowerCase();
        return v === 'yes' || v === 'no' ? { value: v } : { error: "argument must be 'yes' or 'no'" };
      }
      case 'enum': {
        const v = raw.toLowerCase();
        const values = spec.values ?? [];
        return values.includes(v) ? { value: v } : { error: `argument(s) must be one of the following: ${values.join(', ')}` };
      }
      case 'int':
      case 'memory': {
        let n: bigint | null;
        if (spec.kind === 'memory') {
          n = parseMemory(raw);
          if (n === null) return { error: 'argument must be a memory value' };
        } else {
          n = INT_RE.test(raw) && raw.length <= 20 ? BigInt(raw) : null;
          if (n === null || n > LLONG_MAX || n < -LLONG_MAX - 1n) return { error: "argument couldn't be parsed into an integer" };
        }
        const min = spec.min ?? -(2 ** 31);
        const max = spec.max ?? 2 ** 31 - 1;
        const maxBig = max >= 2 ** 63 - 1 ? LLONG_MAX : BigInt(max);
        if (n < BigInt(min) || n > maxBig) {
          return { error: `argument must be between ${formatBound(min)} and ${formatBound(max)} inclusive` };
        }
        // hz is stored clamped into what the server can run, as Redis does.
        if (spec.name === 'hz') n = n < 1n ? 1n : n > 500n ? 500n : n;
        return { value: n.toString() };
      }
      case 'string':
        // Files named inside `dir`, as Redis insists (a path would escape it).
        if ((spec.name === 'dbfilename' || spec.name === 'appendfilename') && raw.includes('/')) return { error: `${spec.name} can't be a path, just a filename` };
        if (spec.name === 'appenddirname' && raw.includes('/')) return { error: "appenddirname can't be a path, just a dirname" };
        return { value: raw };
      case 'special':
        return this.validateSpecial(spec, raw);
    }
  }

  private validateSpecial(spec: ParamSpec, raw: string): { value: string } | { error: string } {
    switch (spec.name) {
      case 'save': {
        const words = raw.split(/\s+/).filter((w) => w !== '');
        if (words.length % 2 !== 0 || words.some((w) => !/^[0-9]+$/.test(w))) return { error: 'Invalid save parameters' };
        return { value: words.map((w) => String(Number(w))).join(' ') };
      }
      case 'notify-keyspace-events': {
        // Redis reads the flags as a C string: a NUL ends them.
        const flags = raw.split('\0')[0];
        const v = normalizeNotify(flags);
        // 'n' does not show with 'A' (CONFIG GET says "AKE" for "KEAn") yet stays on, as in Redis: remember it apart.
        if (v !== null) this.notifyNewFor.set(v, flags.includes('n'));
        return v === null ? { error: "Invalid event class character. Use 'Ag$lshzxeKEtmdn'." } : { value: v };
      }
      case 'client-output-buffer-limit':
        return mergeOutputBufferLimits(this.current.get(spec.name) as string, raw);
      case 'unixsocketperm':
        // Octal, as Redis's createOctalConfig (0 leaves the socket file as created).
        return /^[0-7]{1,4}$/.test(raw) ? { value: String(parseInt(raw, 8).toString(8)) } : { error: 'argument must be an octal number' };
      case 'latency-tracking-info-percentiles': {
        const words = raw.split(/\s+/).filter((w) => w !== '');
        const ok = words.every((w) => /^[0-9]+(\.[0-9]+)?$/.test(w) && Number(w) <= 100);
        return ok ? { value: words.join(' ') } : { error: 'Invalid latency-tracking-info-percentiles parameters' };
      }
      case 'replicaof': {
        // `replicaof <host> <port>` (or `no one`): the master this server follows from start (Server.start).
        const words = raw.split(/\s+/).filter((w) => w !== '');
        if (words.length === 0) return { value: '' };
        if (words.length !== 2) return { error: 'wrong number of arguments' };
        if (words[0].toLowerCase() === 'no' && words[1].toLowerCase() === 'one') return { value: '' };
        return { value: words.join(' ') };
      }
      default:
        return { value: raw };
    }
  }

  /** Whether the `n` (new key) class is on for a normalized notify-keyspace-events value. */
  private readonly notifyNewFor = new Map<string, boolean>();
  private notifyNew = false;

  /** notify-keyspace-events as NOTIFY bits (src/core/notify.ts), `n` included. */
  notifyFlags(): number {
    // Read for every keyspace event on the main thread: parsed once per value.
    const value = this.get('notify-keyspace-events') as string;
    if (value !== this.notifyCache.value || this.notifyNew !== this.notifyCache.withNew) {
      const flags = parseNotifyFlags(value);
      this.notifyCache = { value, withNew: this.notifyNew, flags: flags !== 0 && this.notifyNew ? flags | NOTIFY.new : flags };
    }
    return this.notifyCache.flags;
  }
  private notifyCache = { value: '', withNew: false, flags: 0 };

  /** Stores an already validated and normalized value and applies its side effects. */
  setValidated(spec: ParamSpec, value: string): void {
    this.current.set(spec.name, value);
    this.numbers.clear();
    switch (spec.name) {
      case 'port':
        this.values.port = Number(value);
        break;
      case 'bind':
        this.values.bind = value;
        break;
      case 'databases':
        this.values.databases = Number(value);
        break;
      case 'loglevel':
        this.values.logLevel = PINO_LEVEL[value] ?? 'info';
        break;
      case 'notify-keyspace-events':
        this.notifyNew = this.notifyNewFor.get(value) ?? value.includes('n');
        this.notifyNewFor.clear();
        break;
      case 'proto-max-bulk-len':
        this.framerLimits.maxBulkLen = Number(value);
        break;
      case 'client-query-buffer-limit':
        this.framerLimits.maxQueryBuffer = Number(value);
        break;
      case 'timeout':
        this.values.timeout = Number(value);
        break;
      case 'maxclients':
        this.values.maxclients = Number(value);
        break;
      case 'client-output-buffer-limit': {
        this.outputLimits = parseOutputLimits(value);
        const { normal, pubsub, replica } = this.outputLimits;
        this.outputLimitsActive = normal.hard + normal.soft + pubsub.hard + pubsub.soft + replica.hard + replica.soft > 0;
        break;
      }
    }
  }

  /** Every parameter name (canonical and alias) with its current value, in registry order. */
  entries(): [string, string][] {
    const out: [string, string][] = [];
    for (const p of this.registry) {
      const v = this.current.get(p.name) as string;
      out.push([p.name, v]);
      for (const a of p.aliases ?? []) out.push([a, v]);
    }
    return out;
  }

  /** The configuration file the server was started with (absolute), for CONFIG REWRITE. */
  configFile: string | null = null;

  /**
   * Directives that are not parameters (e.g. `user`, `rename-command`): their
   * owners register a handler that takes the arguments and returns an error
   * text, or null when accepted. Several lines of one directive each call it.
   */
  private readonly directiveHandlers = new Map<string, (args: string[]) => string | null>();

  registerDirective(name: string, handler: (args: string[]) => string | null): void {
    this.directiveHandlers.set(name.toLowerCase(), handler);
  }

  /**
   * Applies start-up directives (the config file, then the command line) in
   * order, as Redis's loadServerConfigFromString: immutable parameters may be
   * set here, an unknown name or a bad value is fatal (ConfigFileError).
   */
  loadDirectives(dirs: readonly Directive[]): void {
    let saveLoaded = false;
    for (const d of dirs) {
      const handler = this.directiveHandlers.get(d.name);
      if (handler !== undefined) {
        const err = handler(d.args);
        if (err !== null) throw new ConfigFileError(d.lineNo, d.line, err);
        continue;
      }
      const spec = this.spec(d.name);
      if (spec === undefined || d.args.length === 0) throw new ConfigFileError(d.lineNo, d.line, 'Bad directive or wrong number of arguments');
      if (!MULTI_ARG.has(spec.name) && d.args.length !== 1) throw new ConfigFileError(d.lineNo, d.line, 'wrong number of arguments');
      let raw = d.args.join(' ');
      // Several `save` lines add up; the first one replaces the default, `save ""` clears.
      if (spec.name === 'save') {
        if (raw.trim() === '') saveLoaded = true;
        else if (saveLoaded && d.afterInclude !== true) raw = `${this.current.get('save') as string} ${raw}`.trim();
        saveLoaded = true;
      }
      if (spec.name === 'dir') {
        const abs = path.resolve(raw);
        let ok = false;
        try {
          ok = fs.statSync(abs).isDirectory();
        } catch {
          ok = false;
        }
        if (!ok) throw new ConfigFileError(d.lineNo, d.line, `No such file or directory`);
        raw = abs;
      }
      const r = this.validate(spec, raw);
      if ('error' in r) throw new ConfigFileError(d.lineNo, d.line, r.error);
      this.setValidated(spec, r.value);
    }
  }

  /**
   * CONFIG REWRITE: the config file with each directive Shardis knows set to
   * its current value (the first line of a name is replaced, later ones
   * dropped), comments and unknown lines kept, and the parameters that differ
   * from their defaults and were not in the file appended, as Redis does.
   */
  rewriteText(original: string): string {
    const lines = original === '' ? [] : original.replace(/\n$/, '').split('\n');
    const seen = new Set<string>();
    const out: string[] = [];
    const render = (spec: ParamSpec): string[] => {
      const v = this.current.get(spec.name) as string;
      if (spec.name === 'save') {
        if (v === '') return ['save ""'];
        const w = v.split(' ');
        const res: string[] = [];
        for (let i = 0; i + 1 < w.length; i += 2) res.push(`save ${w[i]} ${w[i + 1]}`);
        return res;
      }
      if (MULTI_ARG.has(spec.name)) return [`${spec.name} ${v.split(' ').map(rewriteArg).join(' ')}`];
      return [`${spec.name} ${rewriteArg(v)}`];
    };
    const marker = '# Generated by CONFIG REWRITE';
    for (const line of lines) {
      if (line === marker) continue;
      const args = splitArgs(line.trim());
      const spec = args && args.length > 0 && !line.trim().startsWith('#') ? this.spec(args[0]) : undefined;
      if (spec === undefined) {
        out.push(line);
        continue;
      }
      if (seen.has(spec.name)) continue;
      seen.add(spec.name);
      out.push(...render(spec));
    }
    const extra: string[] = [];
    for (const spec of this.registry) {
      if (seen.has(spec.name) || this.current.get(spec.name) === this.defaultOf(spec)) continue;
      extra.push(...render(spec));
    }
    if (extra.length > 0) {
      while (out.length > 0 && out[out.length - 1] === '') out.pop();
      out.push(marker, ...extra);
    }
    return out.join('\n') + '\n';
  }

  /** A parameter's default as CONFIG REWRITE compares it (dir: the start-up directory). */
  private defaultOf(spec: ParamSpec): string {
    return spec.default;
  }

  /** The shard-side settings derived from the current values. */
  shardSettings(): ShardSettings {
    return {
      databases: this.values.databases,
      protoMaxBulkLen: this.getNumber('proto-max-bulk-len'),
      hz: this.getNumber('hz'),
      activeExpireEffort: this.getNumber('active-expire-effort'),
      activeExpire: true, // DEBUG SET-ACTIVE-EXPIRE (src/commands/server.ts), not a parameter
      maxmemory: this.getNumber('maxmemory'),
      maxmemoryPolicy: this.get('maxmemory-policy') as string,
      maxmemorySamples: this.getNumber('maxmemory-samples'),
      maxmemoryEvictionTenacity: this.getNumber('maxmemory-eviction-tenacity'),
      lfuLogFactor: this.getNumber('lfu-log-factor'),
      lfuDecayTime: this.getNumber('lfu-decay-time'),
      rdbCompression: this.get('rdbcompression') === 'yes',
      notifyFlags: this.notifyFlags(),
      streamNodeMaxBytes: this.getNumber('stream-node-max-bytes'),
      streamNodeMaxEntries: this.getNumber('stream-node-max-entries'),
      hllSparseMaxBytes: this.getNumber('hll-sparse-max-bytes'),
      encodingLimits: {
        hashMaxListpackEntries: this.getNumber('hash-max-listpack-entries'),
        hashMaxListpackValue: this.getNumber('hash-max-listpack-value'),
        setMaxIntsetEntries: this.getNumber('set-max-intset-entries'),
        zsetMaxListpackEntries: this.getNumber('zset-max-listpack-entries'),
        zsetMaxListpackValue: this.getNumber('zset-max-listpack-value'),
        listMaxListpackSize: this.getNumber('list-max-listpack-size'),
        listCompressDepth: this.getNumber('list-compress-depth'),
      },
      lazyfree: {
        userDel: this.get('lazyfree-lazy-user-del') === 'yes',
        serverDel: this.get('lazyfree-lazy-server-del') === 'yes',
        expire: this.get('lazyfree-lazy-expire') === 'yes',
        eviction: this.get('lazyfree-lazy-eviction') === 'yes',
      },
      trackingTableMaxKeys: this.getNumber('tracking-table-max-keys'),
      trackingBcast: false, // set by CLIENT TRACKING ... BCAST (src/tracking/), not a parameter
      // A replica (replicaof set, src/server.ts replicaOf) under replica-read-only.
      replicaReadOnly: this.get('replica-read-only') === 'yes' && (this.get('replicaof') ?? '') !== '',
      replica: (this.get('replicaof') ?? '') !== '', // src/server.ts replicaOf
      masterConnId: 0, // set by the replica link when its master's client exists (src/replication/replica.ts)
      propagateDeletes: false, // set while writes are propagated (src/replication/primary.ts), not a parameter
      slowlogSlowerThan: this.getNumber('slowlog-log-slower-than'),
      latencyMonitorThreshold: this.getNumber('latency-monitor-threshold'),
      clusterEnabled: this.get('cluster-enabled') === 'yes',
    };
  }
}

/** pino level names as Redis's loglevel values. */
function logLevelToRedis(level: string): string {
  switch (level) {
    case 'trace':
    case 'debug':
      return 'debug';
    case 'info':
      return 'notice';
    case 'silent':
      return 'nothing';
    default:
      return 'warning';
  }
}
