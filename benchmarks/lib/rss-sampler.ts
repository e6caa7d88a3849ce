/**
 * Peak RSS of a server's process tree (redis-server's BGSAVE child included),
 * sampled every 10 ms in a process of its own: reading /proc for a dozen
 * threads takes ~0.4 ms, and done in the process that times GETs it held
 * ~4% of their replies that long, which was most of a p99.
 */
import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

const INTERVAL_MS = 10;

/** One process's RSS in bytes (0 once it has gone). */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m === null ? 0 : Number(m[1]) * 1024;
  } catch {
    return 0;
  }
}

/** RSS of a process and its children, read from /proc without starting a process. */
export function treeRss(pid: number): number {
  let total = rssOf(pid);
  let children = '';
  try {
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) children += ' ' + fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
  } catch {
    // The process exited between the reads.
  }
  for (const child of children.split(' ')) if (child.trim() !== '') total += rssOf(Number(child));
  return total;
}

/** A sampling child process; `stop` returns the peak it saw. */
export class RssSampler {
  private constructor(private readonly child: ChildProcess) {}

  static async start(pid: number): Promise<RssSampler> {
    const child = fork(__filename, [String(pid)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`RSS sampler exited (${code})`)));
    });
    return new RssSampler(child);
  }

  stop(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.child.once('message', (peak) => resolve(Number(peak)));
      this.child.once('exit', (code) => reject(new Error(`RSS sampler exited (${code})`)));
      this.child.send('stop');
    });
  }
}

if (require.main === module) {
  const pid = Number(process.argv[2]);
  let peak = treeRss(pid);
  const timer = setInterval(() => (peak = Math.max(peak, treeRss(pid))), INTERVAL_MS);
  process.on('message', () => {
    clearInterval(timer);
    peak = Math.max(peak, treeRss(pid));
    (process.send as (m: unknown, cb: () => void) => void)(peak, () => process.exit(0));
  });
  (process.send as (m: unknown) => void)('ready');
}
