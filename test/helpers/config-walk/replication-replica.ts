/**
 * Config-walk checks of the replica side's parameters (the replica helper's
 * half of replication.ts): what a replica does with replicaof, masterauth,
 * masteruser, replica-read-only, replica-serve-stale-data, replica-priority,
 * repl-timeout and the replica-announce-* parameters. A replica's behaviour
 * cannot be seen on the walk server (a primary), so these checks set the
 * parameter on a replica of their own: one primary with a password and one
 * replica, started once and shared (`replicaPair`). Format: ./types.ts.
 */
import type { RespClient } from '../resp-client';
import { parseInfo } from '../info';
import { freePort } from '../servers';
import { sleep, waitFor } from '../util';
import type { CheckTable, WalkContext } from './types';
import { IMMUTABLE } from './types';

const PASSWORD = 'walk-replication-pw';

interface Pair {
  /** The primary (requirepass PASSWORD). */
  m: RespClient;
  mPort: number;
  /** Its replica (masterauth PASSWORD), link up. */
  r: RespClient;
}

const pairs = new WeakMap<WalkContext, Promise<Pair>>();

async function replInfo(c: RespClient): Promise<Record<string, string>> {
  return parseInfo((await c.call('INFO', 'replication')) as string).replication ?? {};
}

async function until(what: string, cond: () => Promise<boolean>, ms = 10_000, show?: () => Promise<unknown>): Promise<void> {
  if (!(await waitFor(cond, ms, 100))) throw new Error(`timed out: ${what}${show === undefined ? '' : ` (${JSON.stringify(await show())})`}`);
}

/** The primary's slaveN lines (other replicas of the walk primary may be listed too). */
async function replicaLines(m: RespClient): Promise<string[]> {
  return Object.entries(await replInfo(m)).filter(([k]) => /^slave\d+$/.test(k)).map(([, v]) => v);
}

const linkIs = (c: RespClient, status: 'up' | 'down') => async (): Promise<boolean> => (await replInfo(c)).master_link_status === status;

/** One primary and one replica for the whole walk (stopped with it). */
function replicaPair(w: WalkContext): Promise<Pair> {
  let p = pairs.get(w);
  if (p === undefined) {
    p = (async () => {
      const primary = await w.startServer(['--requirepass', PASSWORD, '--repl-diskless-sync-delay', '0']);
      const replica = await w.startServer(['--masterauth', PASSWORD]);
      const m = await w.connect(primary.port);
      if ((await m.call('AUTH', PASSWORD)) !== 'OK') throw new Error('AUTH on the walk primary failed');
      const r = await w.connect(replica.port);
      if ((await r.call('REPLICAOF', '127.0.0.1', primary.port)) !== 'OK') throw new Error('REPLICAOF failed');
      await until('the walk replica links up', linkIs(r, 'up'));
      return { m, mPort: primary.port, r };
    })();
    pairs.set(w, p);
  }
  return p;
}

/** Makes the replica hand-shake again (the announce and auth parameters are read then). */
async function relink(pair: Pair): Promise<void> {
  await pair.r.call('REPLICAOF', 'NO', 'ONE');
  await pair.r.call('REPLICAOF', '127.0.0.1', pair.mPort);
}

async function setOn(c: RespClient, name: string, value: string): Promise<void> {
  const r = await c.call('CONFIG', 'SET', name, value);
  if (r !== 'OK') throw new Error(`CONFIG SET ${name} ${value} answered ${JSON.stringify(r)}`);
}

export const replicaChecks: CheckTable = {
  replicaof: {
    refused: { value: '127.0.0.1 1', error: IMMUTABLE('replicaof'), why: 'immutable, as in Redis (REPLICAOF changes the master at run time); the check starts a server with --replicaof' },
    check: async (w) => {
      const pair = await replicaPair(w);
      const s = await w.startServer(['--replicaof', '127.0.0.1', String(pair.mPort), '--masterauth', PASSWORD]);
      const c = await w.connect(s.port);
      w.equal(await c.call('CONFIG', 'GET', 'replicaof'), ['replicaof', `127.0.0.1 ${pair.mPort}`], 'CONFIG GET replicaof');
      await until('a server started with --replicaof links up', linkIs(c, 'up'));
      await pair.m.call('SET', 'walk:replicaof', 'streamed');
      await until('the write reaches it', async () => (await c.call('GET', 'walk:replicaof')) === 'streamed');
    },
  },
  slaveof: { refused: { value: '127.0.0.1 1', error: IMMUTABLE('slaveof'), why: 'the old name of replicaof (immutable)' } },
  masterauth: {
    check: async (w) => {
      const pair = await replicaPair(w);
      await setOn(pair.r, 'masterauth', 'wrong-password');
      await relink(pair);
      await sleep(1500);
      w.equal((await replInfo(pair.r)).master_link_status, 'down', 'the link with a wrong masterauth');
      await setOn(pair.r, 'masterauth', PASSWORD);
      await until('the link with the right masterauth', linkIs(pair.r, 'up'));
    },
  },
  masteruser: {
    check: async (w) => {
      const pair = await replicaPair(w);
      await pair.m.call('ACL', 'SETUSER', 'walkrepl', 'on', '>walkrepl-pw', '+@all', '~*');
      try {
        await setOn(pair.r, 'masteruser', 'walkrepl');
        await relink(pair);
        await sleep(1500);
        w.equal((await replInfo(pair.r)).master_link_status, 'down', "masteruser walkrepl with the default user's password");
        await setOn(pair.r, 'masterauth', 'walkrepl-pw');
        await until('the link as masteruser walkrepl', linkIs(pair.r, 'up'));
        const clients = (await pair.m.call('CLIENT', 'LIST', 'TYPE', 'replica')) as string;
        w.ok(clients.includes('user=walkrepl'), `the primary sees its replica as walkrepl: ${clients}`);
      } finally {
        await setOn(pair.r, 'masteruser', '');
        await setOn(pair.r, 'masterauth', PASSWORD);
        await relink(pair);
        await until('the link back as the default user', linkIs(pair.r, 'up'));
        await pair.m.call('ACL', 'DELUSER', 'walkrepl');
      }
    },
  },
  'replica-read-only': {
    check: async (w) => {
      const { r } = await replicaPair(w);
      w.equal(await r.call('SET', 'walk:ro', '1'), { error: "READONLY You can't write against a read only replica." }, 'a write on a read-only replica');
      await setOn(r, 'replica-read-only', 'no');
      w.equal(await r.call('SET', 'walk:ro', '1'), 'OK', 'a write on a writable replica');
      await r.call('DEL', 'walk:ro');
      await setOn(r, 'replica-read-only', 'yes');
    },
  },
  'slave-read-only': { aliasOf: { name: 'replica-read-only', value: 'no' } },
  'replica-serve-stale-data': {
    check: async (w) => {
      const pair = await replicaPair(w);
      const dead = await freePort();
      await pair.r.call('REPLICAOF', '127.0.0.1', dead);
      try {
        w.equal(await pair.r.call('GET', 'walk:stale'), null, 'a read while the link is down, stale data served');
        await setOn(pair.r, 'replica-serve-stale-data', 'no');
        w.equal(await pair.r.call('GET', 'walk:stale'), { error: "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'." }, 'a read while the link is down');
      } finally {
        await setOn(pair.r, 'replica-serve-stale-data', 'yes');
        await pair.r.call('REPLICAOF', '127.0.0.1', pair.mPort);
        await until('the link back up', linkIs(pair.r, 'up'));
      }
    },
  },
  'slave-serve-stale-data': { aliasOf: { name: 'replica-serve-stale-data', value: 'no' } },
  'replica-priority': {
    check: async (w) => {
      const { r } = await replicaPair(w);
      await setOn(r, 'replica-priority', '7');
      w.equal((await replInfo(r)).slave_priority, '7', 'INFO slave_priority (what Sentinel reads)');
      await setOn(r, 'replica-priority', '100');
    },
  },
  'slave-priority': { aliasOf: { name: 'replica-priority', value: '7' } },
  'replica-announced': {
    check: async (w) => {
      const { r } = await replicaPair(w);
      await setOn(r, 'replica-announced', 'no');
      w.equal((await replInfo(r)).replica_announced, '0', 'INFO replica_announced');
      await setOn(r, 'replica-announced', 'yes');
    },
  },
  'replica-announce-ip': {
    check: async (w) => {
      const pair = await replicaPair(w);
      await setOn(pair.r, 'replica-announce-ip', '10.11.12.13');
      try {
        await relink(pair);
        await until('the primary lists the announced address', async () => (await replicaLines(pair.m)).some((l) => l.startsWith('ip=10.11.12.13,')), 10_000, () => replicaLines(pair.m));
      } finally {
        await setOn(pair.r, 'replica-announce-ip', '');
        await relink(pair);
        await until('the link back up', linkIs(pair.r, 'up'));
      }
    },
  },
  'slave-announce-ip': { aliasOf: { name: 'replica-announce-ip', value: '10.11.12.14' } },
  'replica-announce-port': {
    check: async (w) => {
      const pair = await replicaPair(w);
      await setOn(pair.r, 'replica-announce-port', '4321');
      try {
        await relink(pair);
        await until('the primary lists the announced port', async () => (await replicaLines(pair.m)).some((l) => l.includes(',port=4321,')), 10_000, () => replicaLines(pair.m));
      } finally {
        await setOn(pair.r, 'replica-announce-port', '0');
        await relink(pair);
        await until('the link back up', linkIs(pair.r, 'up'));
      }
    },
  },
  'slave-announce-port': { aliasOf: { name: 'replica-announce-port', value: '4322' } },
  'repl-timeout': {
    check: async (w) => {
      const { r } = await replicaPair(w);
      // The primary pings every repl-ping-replica-period (10 s): a replica waiting 1 s for data drops the link.
      await setOn(r, 'repl-timeout', '1');
      try {
        await until('the link dropped by repl-timeout', linkIs(r, 'down'), 8000);
      } finally {
        await setOn(r, 'repl-timeout', '60');
        await until('the link back up', linkIs(r, 'up'));
      }
    },
  },
};
