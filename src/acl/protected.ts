/**
 * Redis's protections for a server reachable from other hosts: protected
 * mode (no password and a connection from another address: refused at
 * accept), and the "yes | no | local" switches of enable-debug-command and
 * enable-protected-configs (local: only from a loopback connection).
 */

/**
 * Whether a remote address is the loopback interface (IPv4 127/8, ::1,
 * IPv4-mapped 127/8). A unix socket client has no remote address and is
 * local, as in Redis's islocalClient.
 */
export function isLoopback(addr: string | undefined): boolean {
  if (addr === undefined) return true;
  const a = addr.startsWith('::ffff:') ? addr.slice(7) : addr;
  return a === '::1' || a.startsWith('127.');
}

/** Redis's allowProtectedAction: a yes/no/local switch for one connection. */
export function protectedActionAllowed(setting: string | undefined, remoteAddress: string | undefined): boolean {
  return setting === 'yes' || (setting === 'local' && isLoopback(remoteAddress));
}

export const PROTECTED_MODE_ERROR =
  "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

export function debugNotAllowedError(command: 'DEBUG' | 'MODULE'): string {
  const option = command === 'DEBUG' ? 'enable-debug-command' : 'enable-module-command';
  return `ERR ${command} command not allowed. If the ${option} option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.`;
}
