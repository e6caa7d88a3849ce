/**
 * Command-line parsing. Unknown flags and bad values are reported with a
 * clear message and exit code 2 (by main.ts).
 */
import os from 'node:os';
import type { ServerValues } from './config/config';

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

export const USAGE = `Usage: shardis-server [options]

Options:
  --port <n>          TCP port to listen on (default 6379; 0 picks a free port)
  --bind <addr>       address to listen on (default 127.0.0.1)
  --workers <n>       shard worker threads (default ${DEFAULT_WORKERS} here: 0 on machines
                      with up to 2 cores, else one per core beyond the main thread's,
                      at most 8). 0 runs a single shard inline on the main thread,
                      which is also the baseline for measuring the thread hop.
  --databases <n>     number of databases for SELECT (default 16)
  --maxclients <n>    maximum simultaneous clients (default 10000)
  --timeout <s>       close clients idle for this many seconds (default 0: never)
  --log-level <lvl>   trace, debug, info, warn, error, fatal or silent (default info)
  --help              print this help and exit
  --version           print the version and exit
`;

export class UsageError extends Error {}

export type CliResult = { kind: 'run'; values: ServerValues } | { kind: 'help' } | { kind: 'version' };

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function intArg(flag: string, raw: string | undefined, min: number, max: number): number {
  if (raw === undefined) throw new UsageError(`${flag} needs a value`);
  if (!/^\d+$/.test(raw)) throw new UsageError(`${flag} expects an integer, got '${raw}'`);
  const n = Number(raw);
  if (n < min || n > max) throw new UsageError(`${flag} must be between ${min} and ${max}, got ${n}`);
  return n;
}

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
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    // Accept both `--flag value` and `--flag=value`.
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
      case '--port':
        values.port = intArg(flag, next(), 0, 65535);
        break;
      case '--bind': {
        const v = next();
        if (!v) throw new UsageError('--bind needs an address');
        values.bind = v;
        break;
      }
      case '--workers':
        values.workers = intArg(flag, next(), 0, 64);
        break;
      case '--databases':
        values.databases = intArg(flag, next(), 1, 256);
        break;
      case '--maxclients':
        values.maxclients = intArg(flag, next(), 1, 1_000_000);
        break;
      case '--timeout':
        values.timeout = intArg(flag, next(), 0, 365 * 24 * 3600);
        break;
      case '--log-level': {
        const v = next();
        if (v === undefined || !LOG_LEVELS.includes(v)) {
          throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
        }
        values.logLevel = v;
        break;
      }
      default:
        throw new UsageError(`unknown option '${arg}'`);
    }
  }
  return { kind: 'run', values };
}
