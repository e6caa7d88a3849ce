/**
 * MONITOR (Redis's replicationFeedMonitors): every command a client runs is
 * shown to the connections in monitor mode as one status line,
 * `+<unix seconds>.<micros> [<db> <addr>] "arg" "arg"...`, in the order the
 * main thread dispatches them (so in order per connection, whatever shard
 * runs them). Admin commands and those flagged skip_monitor are not shown.
 * A monitor leaves the feed when it closes (one counted abort listener) or
 * sends RESET; INFO shows the live count.
 */
import type { Connection } from '../connection';
import { onAbort, type Disposer } from '../abort-listener';
import type { TaskCounts } from '../stats';

/** sdscatrepr: a quoted string with C escapes and \xHH for unprintable bytes. */
export function reprArg(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x5c:
        out += '\\\\';
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x07:
        out += '\\a';
        break;
      case 0x08:
        out += '\\b';
        break;
      default:
        out += c >= 0x20 && c <= 0x7e ? s[i] : `\\x${c.toString(16).padStart(2, '0')}`;
    }
  }
  return out + '"';
}

export class MonitorFeed {
  private readonly monitors = new Map<Connection, Disposer>();

  constructor(private readonly tasks: TaskCounts) {}

  get size(): number {
    return this.monitors.size;
  }

  has(conn: Connection): boolean {
    return this.monitors.has(conn);
  }

  add(conn: Connection): void {
    if (this.monitors.has(conn)) return;
    conn.isMonitor = true;
    this.monitors.set(conn, onAbort(conn.signal, this.tasks, () => this.monitors.delete(conn)));
  }

  remove(conn: Connection): void {
    const dispose = this.monitors.get(conn);
    if (dispose === undefined) return;
    dispose();
    this.monitors.delete(conn);
    conn.isMonitor = false;
  }

  /** Shows one command to every monitor. */
  feed(conn: Connection, db: number, args: readonly string[]): void {
    const t = performance.timeOrigin * 1000 + performance.now() * 1000;
    const secs = Math.floor(t / 1e6);
    const micros = Math.floor(t - secs * 1e6);
    let line = `+${secs}.${String(micros).padStart(6, '0')} [${db} ${conn.addr}] `;
    for (let j = 0; j < args.length; j++) line += (j === 0 ? '' : ' ') + reprArg(args[j]);
    const data = Buffer.from(`${line}\r\n`, 'latin1');
    for (const m of this.monitors.keys()) m.push(data);
  }
}
