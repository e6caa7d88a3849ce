/**
 * The TCP listeners for `port` and `bind`, as Redis 7.0's listenToPort: one
 * listening socket per bind address; `*` is every IPv4 address, `::*` every
 * IPv6 one; an address with a leading `-` is optional (skipped when the
 * machine does not have it). Used at start-up and again by CONFIG SET port /
 * bind, which close the old listeners first and reopen them if the new ones
 * cannot be opened (Redis's changeListenPort / changeBindAddr). `backlog` is
 * tcp-backlog.
 */
import net from 'node:net';

/** Errors that an optional (`-`) address may meet and be skipped for. */
const SKIPPABLE = new Set(['EADDRNOTAVAIL', 'EAFNOSUPPORT', 'EPROTONOSUPPORT', 'ESOCKTNOSUPPORT', 'EINVAL']);

export interface BindAddress {
  host: string;
  optional: boolean;
  ipv6Only: boolean;
}

/** The bind setting as listen addresses. */
export function parseBind(bind: string): BindAddress[] {
  return bind
    .split(' ')
    .filter((a) => a !== '')
    .map((a) => {
      const optional = a.startsWith('-');
      const name = optional ? a.slice(1) : a;
      if (name === '*') return { host: '0.0.0.0', optional, ipv6Only: false };
      if (name === '::*') return { host: '::', optional, ipv6Only: true };
      return { host: name, optional, ipv6Only: false };
    });
}

function listenOne(addr: BindAddress, port: number, backlog: number, onSocket: (socket: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ noDelay: true }, onSocket);
    server.once('error', reject);
    server.listen({ port, host: addr.host, ipv6Only: addr.ipv6Only, backlog }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/**
 * Opens one listener per address on `port` (0: a free port, chosen by the
 * first address and used by the others). All or none: on a failure the
 * listeners already opened are closed and the error is thrown.
 */
export async function openListeners(port: number, bind: string, backlog: number, onSocket: (socket: net.Socket) => void): Promise<net.Server[]> {
  const out: net.Server[] = [];
  try {
    for (const addr of parseBind(bind)) {
      try {
        out.push(await listenOne(addr, port, backlog, onSocket));
        if (port === 0) port = (out[0].address() as net.AddressInfo).port;
      } catch (err) {
        if (addr.optional && SKIPPABLE.has((err as NodeJS.ErrnoException).code ?? '')) continue;
        throw err;
      }
    }
    if (out.length === 0) throw new Error(`no address of "${bind}" could be bound`);
    return out;
  } catch (err) {
    for (const s of out) s.close();
    throw err;
  }
}

/** The port the listeners are bound to, or undefined without one. */
export function boundPort(listeners: readonly net.Server[]): number | undefined {
  const addr = listeners[0]?.address();
  return addr !== null && typeof addr === 'object' ? addr.port : undefined;
}
