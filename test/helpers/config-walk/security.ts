/**
 * Config-walk checks owned by security (sec2): every parameter not owned by
 * operations.ts or replication.ts, persistence and tls-* included.
 * Format: ./types.ts.
 */
import type { CheckTable } from './types';
import { IMMUTABLE } from './types';
import { freePort } from '../servers';

export const checks: CheckTable = {
  // port and bind work at runtime as in Redis 7.0 (ops2): checked on a server of their own, so the walk server stays put.
  port: {
    async check(w) {
      const other = await w.startServer([]);
      const c = await w.connect(other.port);
      const next = await freePort();
      w.equal(await c.call('CONFIG', 'SET', 'port', String(next)), 'OK', 'CONFIG SET port');
      const d = await w.connect(next);
      w.equal(await d.call('PING'), 'PONG', 'a client connects on the new port');
    },
  },
  requirepass: {
    async check(w) {
      await w.set('requirepass', 'walk-pw');
      const c = await w.connect();
      w.equal(await c.call('PING'), { error: 'NOAUTH Authentication required.' }, 'PING before AUTH');
      w.equal(await c.call('AUTH', 'walk-pw'), 'OK', 'AUTH with the new password');
      w.equal(await c.call('PING'), 'PONG', 'PING after AUTH');
    },
  },
  maxmemory: {
    async check(w) {
      // Shardis's used_memory is what the keyspace holds (plus client buffers): hold something first.
      await w.call('SET', 'walk:maxmemory', 'x'.repeat(1000));
      await w.set('maxmemory', '1');
      const r = await w.call('SET', 'walk:maxmemory2', 'x');
      await w.call('DEL', 'walk:maxmemory');
      w.equal(r, { error: "OOM command not allowed when used memory > 'maxmemory'." }, 'SET under maxmemory 1 (noeviction)');
    },
  },
};
