/**
 * Config-walk checks owned by the replication helpers (replicaof, masterauth,
 * masteruser, repl-*, replica-*, min-replicas-* and their slave-* aliases).
 * Format: ./types.ts. Parameters missing here are tap todo until the final merge.
 *
 * Section 1 (replmaster): the primary's parameters, observed through a raw
 * replica connection (SYNC/PSYNC by hand) on the walk server.
 */
import net from 'node:net';
import type { CheckTable, WalkContext } from './types';
import { replicaChecks } from './replication-replica';

/** A replica speaking the protocol by hand: what it receives, and REPLCONF ACK on demand. */
interface RawReplica {
  received(): string;
  ack(offset: number): void;
  closed(): boolean;
  close(): void;
}

async function rawReplica(w: WalkContext, capaEof = true): Promise<RawReplica> {
  const sock = net.connect(w.port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
  let data = '';
  let closed = false;
  sock.on('data', (d: Buffer) => (data += d.toString('latin1')));
  sock.on('close', () => (closed = true));
  sock.on('error', () => undefined);
  w.teardown(() => sock.destroy());
  sock.write(`REPLCONF listening-port 1${capaEof ? ' capa eof capa psync2' : ''}\r\nPSYNC ? -1\r\n`);
  return {
    received: () => data,
    ack: (offset) => sock.write(`REPLCONF ACK ${offset}\r\n`),
    closed: () => closed,
    close: () => sock.destroy(),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

async function replInfo(w: WalkContext, field: string): Promise<string> {
  const text = String(await w.call('INFO', 'replication'));
  return new RegExp(`^${field}:(.*)\\r?$`, 'm').exec(text)?.[1] ?? '';
}

/** A raw replica taken through a full sync and put online (its first ACK). */
async function onlineReplica(w: WalkContext): Promise<RawReplica> {
  await w.set('repl-diskless-sync-delay', '0');
  const r = await rawReplica(w);
  // The diskless transfer ends with the 40-byte mark that follows `$EOF:<mark>`.
  await until('the snapshot', () => {
    const m = /\$EOF:([0-9a-f]{40})\r\n/.exec(r.received());
    return m !== null && r.received().endsWith(m[1]);
  }, 10_000);
  r.ack(0);
  await until('the replica online', async () => /state=online/.test(await replInfo(w, 'slave0')), 5000);
  return r;
}

/** Runs a check that changes other parameters too, putting them back after it. */
function restoring(names: readonly string[], check: (w: WalkContext) => Promise<void>): (w: WalkContext) => Promise<void> {
  return async (w) => {
    const saved = await Promise.all(names.map((n) => w.get(n)));
    try {
      await check(w);
    } finally {
      for (let i = 0; i < names.length; i++) await w.set(names[i], saved[i]);
    }
  };
}

async function noReplicas(w: WalkContext): Promise<void> {
  await until('no replica left', async () => (await replInfo(w, 'connected_slaves')) === '0', 5000);
}

export const checks: CheckTable = {
  // Section 2 (replica): replicaof, masterauth, masteruser, replica-*, repl-timeout (./replication-replica.ts).
  ...replicaChecks,
  // Section 1 (replmaster).
  'repl-diskless-sync': {
    check: restoring(['repl-diskless-sync-delay'], async (w) => {
      await w.set('repl-diskless-sync-delay', '0');
      await w.set('repl-diskless-sync', 'no');
      const r = await rawReplica(w);
      await until('the payload', () => /\+FULLRESYNC [0-9a-f]{40} \d+\r\n\$\d+\r\nREDIS/.test(r.received()), 10_000);
      r.close();
      await noReplicas(w);
    }),
  },
  'repl-diskless-sync-delay': {
    async check(w) {
      await w.set('repl-diskless-sync-delay', '2');
      const r = await rawReplica(w);
      await sleep(700);
      w.ok(!r.received().includes('FULLRESYNC'), 'the full sync waited for the delay');
      await until('the delayed full sync', () => r.received().includes('FULLRESYNC'), 10_000);
      r.close();
      await noReplicas(w);
    },
  },
  'repl-diskless-sync-max-replicas': {
    check: restoring(['repl-diskless-sync-delay'], async (w) => {
      await w.set('repl-diskless-sync-delay', '30');
      await w.set('repl-diskless-sync-max-replicas', '1');
      const r = await rawReplica(w);
      await until('a full sync without waiting out the delay', () => r.received().includes('FULLRESYNC'), 5000);
      r.close();
      await noReplicas(w);
    }),
  },
  'repl-ping-replica-period': {
    check: restoring(['repl-diskless-sync-delay'], async (w) => {
      await w.set('repl-ping-replica-period', '1');
      const r = await onlineReplica(w);
      const at = r.received().length;
      await until('a PING in the stream', () => r.received().slice(at).includes('*1\r\n$4\r\nPING\r\n'), 5000);
      r.close();
      await noReplicas(w);
    }),
  },
  'repl-ping-slave-period': { aliasOf: { name: 'repl-ping-replica-period', value: '3' } },
  'repl-backlog-size': {
    check: restoring(['repl-diskless-sync-delay'], async (w) => {
      await w.set('repl-backlog-size', '16384');
      const r = await onlineReplica(w);
      await w.call('SET', 'walk:backlog', 'x'.repeat(40_000));
      await until('the backlog resized', async () => (await replInfo(w, 'repl_backlog_size')) === '16384', 3000);
      const hist = Number(await replInfo(w, 'repl_backlog_histlen'));
      w.ok(hist > 0 && hist <= 16384, `repl_backlog_histlen ${hist} within the backlog size`);
      await w.call('DEL', 'walk:backlog');
      r.close();
      await noReplicas(w);
    }),
  },
  'repl-backlog-ttl': {
    check: restoring(['repl-diskless-sync-delay'], async (w) => {
      const r = await onlineReplica(w);
      r.close();
      await noReplicas(w);
      w.equal(await replInfo(w, 'repl_backlog_active'), '1', 'the backlog outlives the replica');
      await w.set('repl-backlog-ttl', '1');
      await until('the backlog freed', async () => (await replInfo(w, 'repl_backlog_active')) === '0', 5000);
    }),
  },
  'min-replicas-to-write': {
    async check(w) {
      await w.set('min-replicas-to-write', '1');
      const r = await w.call('SET', 'walk:k', 'v');
      w.equal(r, { error: 'NOREPLICAS Not enough good replicas to write.' }, 'a write without a good replica');
      w.equal(await w.call('GET', 'walk:k'), null, 'reads still served');
    },
  },
  'min-slaves-to-write': { aliasOf: { name: 'min-replicas-to-write', value: '2' } },
  'min-replicas-max-lag': {
    check: restoring(['min-replicas-to-write'], async (w) => {
      await w.set('min-replicas-to-write', '1');
      // A lag of 0 turns the check off, as in Redis (both must be non-zero).
      await w.set('min-replicas-max-lag', '0');
      w.equal(await w.call('SET', 'walk:k', 'v'), 'OK', 'writes with min-replicas-max-lag 0');
      await w.call('DEL', 'walk:k');
    }),
  },
  'min-slaves-max-lag': { aliasOf: { name: 'min-replicas-max-lag', value: '3' } },
};
