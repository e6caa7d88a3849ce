/**
 * The server's settings: the command line sets them at start, CONFIG GET/SET
 * reads and changes them at run time. Each parameter is one row in a registry
 * (name, kind, default, whether it may change at run time, what to do when it
 * changes), as Redis's config.c keeps them.
 */
import type { FramerLimits } from './resp/request-framer';
import type { ShardSettings } from '../workers/shard-state';

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
  /** Shard setting this parameter feeds, if any. */
  shardSetting?: keyof ShardSettings;
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

export class Config {
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
    this.current.set('loglevel', values.logLevel === 'info' ? 'notice' : values.logLevel);
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
    const spec = this.spec(name);
    return spec ? this.current.get(spec.name) : undefined;
  }

  getNumber(name: string): number {
    return Number(this.get(name));
  }

  /** Stores an already validated and normalized value and applies its side effects. */
  setValidated(spec: ParamSpec, value: string): void {
    this.current.set(spec.name, value);
    switch (spec.name) {
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
    }
  }

  /** Every canonical parameter with its current value, in registry order. */
  entries(): [string, string][] {
    return this.registry.map((p) => [p.name, this.current.get(p.name) as string]);
  }

  /** The shard-side settings derived from the current values. */
  shardSettings(): ShardSettings {
    return {
      databases: this.values.databases,
      protoMaxBulkLen: this.getNumber('proto-max-bulk-len'),
      hz: this.getNumber('hz'),
      maxmemoryPolicy: this.get('maxmemory-policy') as string,
    };
  }
}
