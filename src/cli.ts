/**
 * Command-line parsing. Unknown flags and bad values are reported with a
 * clear message and exit code 2 (by main.ts).
 */
import os from 'node:os';
import type { ServerValues } from './config/config';
import { optionsText } from './config/config-file';

export const DEFAULT_WORKERS = defaultWorkers();

/**
 * The default shard thread count, chosen by measurement (README, "Choosing
 * --workers"). On a machine with 2 cores or fewer the clients, the main
 * thread and a shard thread compete for the same cores, and a shard run
 * inline on the main thread (0) measured faster than any thread count at both
 * -P 1 and -P 16. With more cores, one shard thread per core beyond the main
 * thread's (at most 8).
 */
function defaultWorkers(): number {
  const cores = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  return cores <= 2 ? 0 : Math.min(cores - 1, 8);
}

export const USAGE = `Usage: shardis-server [/path/to/shardis.conf] [options]

Every redis.conf parameter can be given in the file (redis.conf syntax, with
include) or on the command line as --name value, e.g. --port 7000
--dir /data --save "3600 1" --appendonly yes; command-line options override
the file. Shardis's own options:
  --workers <n>       shard worker threads (default ${DEFAULT_WORKERS} here: 0 on machines
                      with up to 2 cores, else one per core beyond the main thread's,
                      at most 8). 0 runs a single shard inline on the main thread,
                      which is also the baseline for measuring the thread hop.
  --log-level <lvl>   trace, debug, info, warn, error, fatal or silent (default info;
                      overrides loglevel)
  --help              print this help and exit
  --version           print the version and exit
`;

export class UsageError extends Error {}

export interface RunArgs {
  kind: 'run';
  values: ServerValues;
  /** The configuration file given as first argument, if any. */
  configFile: string | null;
  /** The remaining options as configuration text (see config-file.ts optionsText). */
  options: string;
  /** --log-level given explicitly (it wins over loglevel). */
  logLevelFlag: boolean;
}

export type CliResult = RunArgs | { kind: 'help' } | { kind: 'version' };

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function intArg(flag: string, raw: string | undefined, min: number, max: number): number {
  if (raw === undefined) throw new UsageError(`${flag} needs a value`);
  if (!/^\d+$/.test(raw)) throw new UsageError(`${flag} expects an integer, got '${raw}'`);
  const n = Number(raw);
  if (n < min || n > max) throw new UsageError(`${flag} must be between ${min} and ${max}, got ${n}`);
  return n;
}

/**
 * Splits the command line into Shardis's own flags and the Redis
 * configuration (a file as first argument, then `--name value ...`).
 */
export function parseArgs(argv: readonly string[]): CliResult {
  const values: ServerValues = {
    port: 6379,
    bind: '127.0.0.1',
    databases: 16,
    maxclients: 10000,
    timeout: 0,
    workers: DEFAULT_WORKERS,
    logLevel: 'info',
  };
  let configFile: string | null = null;
  let logLevelFlag = false;
  const rest: string[] = [];
  let i = 0;
  if (argv.length > 0 && !argv[0].startsWith('-')) {
    configFile = argv[0];
    i = 1;
  }
  for (; i < argv.length; i++) {
    const arg = argv[i];
    // Shardis's own flags accept both `--flag value` and `--flag=value`.
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const next = (): string | undefined => (eq === -1 ? argv[++i] : arg.slice(eq + 1));
    switch (flag) {
      case '--help':
      case '-h':
        return { kind: 'help' };
      case '--version':
      case '-v':
        return { kind: 'version' };
      case '--workers':
        values.workers = intArg(flag, next(), 0, 64);
        break;
      case '--log-level': {
        const v = next();
        if (v === undefined || !LOG_LEVELS.includes(v)) {
          throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
        }
        values.logLevel = v;
        logLevelFlag = true;
        break;
      }
      default:
        if (rest.length === 0 && !arg.startsWith('--')) throw new UsageError(`unknown option '${arg}'`);
        rest.push(arg);
    }
  }
  return { kind: 'run', values, configFile, options: optionsText(rest), logLevelFlag };
}
