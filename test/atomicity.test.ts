/**
 * Cross-shard atomicity under concurrency (every worker count >= 2 of the
 * matrix): many clients run transactions and multi-key commands whose keys are
 * spread over every shard, while readers take snapshots that must never show
 * half of one. Then 1,000 clients vanish in the middle of MULTI or of a
 * cross-shard command, and everything must still hold, with nothing left locked.
 */
import t, { type Test } from 'tap';
import net from 'node:net';
import { startShardis, MULTI_SHARD_WORKERS, noMultiShard } from './helpers/servers';
import { RespClient, encodeCommand, type Reply, connectResp } from './helpers/resp-client';
import { rng } from './helpers/differential';
import { infoField, infoNumber, shardTotal } from './helpers/info';
import { waitFor } from './helpers/util';
import { keyHashSlot, slotToShard } from '../src/core/routing/slot';

/** How long each concurrent phase runs. */
const PHASE_MS = 1500;
const INITIAL = 1000;

/**
 * Key names for a server with `shards` shards, spread over every shard; as
 * many as with 4 shards (so contention stays alike), or a few more.
 */
class Layout {
  /** At least 16 accounts. */
  readonly accounts: string[];
  /** What the accounts always add up to. */
  readonly total: number;

  constructor(readonly shards: number) {
    this.accounts = this.spreadKeys('acct:', 16);
    this.total = INITIAL * this.accounts.length;
  }

  shardOf(k: string): number {
    return slotToShard(keyHashSlot(Buffer.from(k)), this.shards);
  }

  /** At least `count` keys, as many on every shard, interleaved (shard 0, 1, 2, ..., 0, ...). */
  spreadKeys(prefix: string, count: number): string[] {
    const perShard = Math.ceil(count / this.shards);
    const by: string[][] = Array.from({ length: this.shards }, () => []);
    for (let i = 0; by.some((g) => g.length < perShard); i++) {
      const k = `${prefix}${i}`;
      const g = by[this.shardOf(k)];
      if (g.length < perShard) g.push(k);
    }
    const out: string[] = [];
    for (let i = 0; i < perShard; i++) for (const g of by) out.push(g[i]);
    return out;
  }
}

async function clients(port: number, n: number): Promise<RespClient[]> {
  return Promise.all(Array.from({ length: n }, () => RespClient.connect(port)));
}

/** Runs `body` in a loop on every client until the deadline. */
async function loopUntil(deadline: number, cs: RespClient[], body: (c: RespClient, i: number) => Promise<void>): Promise<void> {
  await Promise.all(
    cs.map(async (c, i) => {
      while (Date.now() < deadline) await body(c, i);
    }),
  );
}

interface TransferStats {
  multiTransfers: number;
  casCommitted: number;
  casAborted: number;
  snapshots: number;
  bad: string[];
}

/** Transfers with MULTI/DECRBY/INCRBY/EXEC and WATCH check-and-set; readers check every MGET snapshot's sum. */
async function transfers(port: number, L: Layout, seed: number, moverCount = 8): Promise<TransferStats> {
  const ACCOUNTS = L.accounts;
  const st: TransferStats = { multiTransfers: 0, casCommitted: 0, casAborted: 0, snapshots: 0, bad: [] };
  const movers = await clients(port, moverCount);
  const casers = await clients(port, 6);
  const readers = await clients(port, 4);
  const r = rng(seed);
  const pair = (): [string, string] => {
    const a = ACCOUNTS[Math.floor(r() * ACCOUNTS.length)];
    let b = ACCOUNTS[Math.floor(r() * ACCOUNTS.length)];
    if (b === a) b = ACCOUNTS[(ACCOUNTS.indexOf(a) + 1) % ACCOUNTS.length];
    return [a, b];
  };
  const deadline = Date.now() + PHASE_MS;
  await Promise.all([
    loopUntil(deadline, movers, async (c) => {
      const [a, b] = pair();
      const amt = 1 + Math.floor(r() * 50);
      const rs = await c.pipeline([['MULTI'], ['DECRBY', a, amt], ['INCRBY', b, amt], ['EXEC']]);
      const exec = rs[3];
      if (!Array.isArray(exec) || exec.length !== 2) st.bad.push(`EXEC replied ${JSON.stringify(exec)}`);
      else st.multiTransfers++;
    }),
    loopUntil(deadline, casers, async (c) => {
      const [a, b] = pair();
      await c.call('WATCH', a, b);
      const [va, vb] = (await c.call('MGET', a, b)) as string[];
      const amt = 1 + Math.floor(r() * 50);
      const rs = await c.pipeline([['MULTI'], ['SET', a, Number(va) - amt], ['SET', b, Number(vb) + amt], ['EXEC']]);
      if (rs[3] === null) st.casAborted++;
      else st.casCommitted++;
    }),
    loopUntil(deadline, readers, async (c, i) => {
      // Half the readers take MGET snapshots, half MULTI/GET.../EXEC ones.
      let vals: Reply;
      if (i % 2 === 0) vals = await c.call('MGET', ...ACCOUNTS);
      else {
        const rs = await c.pipeline([['MULTI'], ...ACCOUNTS.map((k) => ['GET', k]), ['EXEC']]);
        vals = rs[rs.length - 1];
      }
      const sum = (vals as string[]).reduce((s, v) => s + Number(v), 0);
      st.snapshots++;
      if (sum !== L.total) st.bad.push(`snapshot sums to ${sum}: ${JSON.stringify(vals)}`);
    }),
  ]);
  for (const c of [...movers, ...casers, ...readers]) c.close();
  return st;
}

interface TearStats {
  writes: number;
  reads: number;
  bad: string[];
}

/** Writers MSET 16 keys spread over every shard to one value; readers MGET them. */
async function msetTearing(port: number, L: Layout): Promise<TearStats> {
  const keys = L.spreadKeys('tear:', 16);
  const st: TearStats = { writes: 0, reads: 0, bad: [] };
  const writers = await clients(port, 4);
  const readers = await clients(port, 4);
  const deadline = Date.now() + PHASE_MS;
  let n = 0;
  await Promise.all([
    loopUntil(deadline, writers, async (c, i) => {
      const v = `w${i}-${n++}`;
      await c.call('MSET', ...keys.flatMap((k) => [k, v]));
      st.writes++;
    }),
    loopUntil(deadline, readers, async (c) => {
      const vals = (await c.call('MGET', ...keys)) as (string | null)[];
      st.reads++;
      if (new Set(vals).size !== 1) st.bad.push(`mixed MGET: ${JSON.stringify(vals)}`);
    }),
  ]);
  for (const c of [...writers, ...readers]) c.close();
  return st;
}

/** Each chain moves one value around names on every shard with RENAME; readers see exactly one name holding it. */
async function renameChains(port: number, L: Layout): Promise<TearStats> {
  const chains = [0, 1, 2].map((c) => L.spreadKeys(`chain${c}:`, 8)); // 8 names per chain, on every shard
  const st: TearStats = { writes: 0, reads: 0, bad: [] };
  const setup = await RespClient.connect(port);
  for (let c = 0; c < chains.length; c++) {
    await setup.call('DEL', ...chains[c]);
    await setup.call('SET', chains[c][0], `value${c}`);
  }
  setup.close();
  const writers = await clients(port, chains.length);
  const readers = await clients(port, 4);
  const deadline = Date.now() + PHASE_MS;
  const pos = chains.map(() => 0);
  await Promise.all([
    loopUntil(deadline, writers, async (c, i) => {
      const names = chains[i];
      const next = (pos[i] + 1) % names.length;
      const reply = await c.call('RENAME', names[pos[i]], names[next]);
      if (reply !== 'OK') st.bad.push(`RENAME replied ${JSON.stringify(reply)}`);
      pos[i] = next;
      st.writes++;
    }),
    loopUntil(deadline, readers, async (c, i) => {
      const ch = i % chains.length;
      const vals = (await c.call('MGET', ...chains[ch])) as (string | null)[];
      st.reads++;
      const held = vals.filter((v) => v !== null);
      if (held.length !== 1 || held[0] !== `value${ch}`) st.bad.push(`chain ${ch} snapshot: ${JSON.stringify(vals)}`);
    }),
  ]);
  for (const c of [...writers, ...readers]) c.close();
  return st;
}

/** Elements move between two sets on different shards with SMOVE; each is in exactly one set in every snapshot. */
async function smoves(port: number, L: Layout): Promise<TearStats> {
  const [a, b] = L.spreadKeys('set:', L.shards); // set:… on shard 0 and shard 1
  const elems = ['e0', 'e1', 'e2', 'e3'];
  const st: TearStats = { writes: 0, reads: 0, bad: [] };
  const setup = await RespClient.connect(port);
  await setup.call('DEL', a, b);
  await setup.call('SADD', a, ...elems);
  setup.close();
  const movers = await clients(port, 4);
  const readers = await clients(port, 4);
  const deadline = Date.now() + PHASE_MS;
  await Promise.all([
    loopUntil(deadline, movers, async (c, i) => {
      const e = elems[i % elems.length];
      const [from, to] = st.writes % 2 === 0 ? [a, b] : [b, a];
      const reply = await c.call('SMOVE', from, to, e);
      if (reply !== 0 && reply !== 1) st.bad.push(`SMOVE replied ${JSON.stringify(reply)}`);
      st.writes++;
    }),
    loopUntil(deadline, readers, async (c, i) => {
      // Half the readers ask per element (SISMEMBER), half per set (SMISMEMBER).
      const rs = i % 2 === 0
        ? await c.pipeline([['MULTI'], ...elems.flatMap((e) => [['SISMEMBER', a, e], ['SISMEMBER', b, e]]), ['EXEC']])
        : await c.pipeline([['MULTI'], ['SMISMEMBER', a, ...elems], ['SMISMEMBER', b, ...elems], ['EXEC']]);
      const exec = rs[rs.length - 1] as Reply[];
      const inA = i % 2 === 0 ? elems.map((_, j) => exec[2 * j] as number) : (exec[0] as number[]);
      const inB = i % 2 === 0 ? elems.map((_, j) => exec[2 * j + 1] as number) : (exec[1] as number[]);
      st.reads++;
      elems.forEach((e, j) => {
        if (inA[j] + inB[j] !== 1) st.bad.push(`${e}: in A ${inA[j]}, in B ${inB[j]}`);
      });
    }),
  ]);
  for (const c of [...movers, ...readers]) c.close();
  return st;
}

/**
 * `n` raw clients each write a partial transaction, a whole cross-shard
 * transaction, or a cross-shard command, and are destroyed right after
 * writing, without reading anything.
 */
async function vanishingClients(port: number, L: Layout, n: number, seed: number): Promise<void> {
  const r = rng(seed);
  const ACCOUNTS = L.accounts;
  const chainless = L.spreadKeys('gone:', 8);
  const work = (i: number): Buffer => {
    const [a, b] = [ACCOUNTS[Math.floor(r() * ACCOUNTS.length)], ACCOUNTS[Math.floor(r() * ACCOUNTS.length)]];
    const cmds: (string | number)[][] = [];
    switch (i % 5) {
      case 0: // in the middle of MULTI: nothing may apply
        cmds.push(['WATCH', a, b], ['MULTI'], ['DECRBY', a, 7]);
        break;
      case 1: // a whole transfer (all or nothing, either is fine)
        cmds.push(['MULTI'], ['DECRBY', a, 3], ['INCRBY', b, 3], ['EXEC']);
        break;
      case 2: // cross-shard commands pending
        cmds.push(['MSETNX', chainless[0], 'x', chainless[1], 'y'], ['RENAME', chainless[0], chainless[3]], ['SUNIONSTORE', chainless[5], chainless[2], chainless[4]]);
        break;
      case 3: // watches on every shard, then a cross-shard EXEC
        cmds.push(['WATCH', ...ACCOUNTS], ['MULTI'], ['GET', a], ['COPY', chainless[6], chainless[7]], ['EXEC']);
        break;
      default: // many queued commands, then gone before EXEC
        cmds.push(['MULTI'], ...ACCOUNTS.map((k) => ['INCRBY', k, 1]));
    }
    return Buffer.concat(cmds.map((c) => encodeCommand(c)));
  };
  const batch = 100;
  for (let start = 0; start < n; start += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, n - start) }, (_, j) =>
        new Promise<void>((resolve) => {
          const s = net.connect(port, '127.0.0.1', () => {
            s.write(work(start + j));
            s.destroy();
            resolve();
          });
          s.on('error', () => resolve());
        }),
      ),
    );
  }
}

async function resetAccounts(port: number, L: Layout): Promise<void> {
  const c = await RespClient.connect(port);
  await c.call('MSET', ...L.accounts.flatMap((k) => [k, INITIAL]));
  c.close();
}

function checkTransfers(t: Test, L: Layout, st: TransferStats, label: string): void {
  t.same(st.bad.slice(0, 5), [], `${label}: every EXEC ran and every snapshot summed to ${L.total}`);
  if (st.multiTransfers + st.casCommitted + st.casAborted > 0) {
    // With MULTI movers about, most check-and-sets lose the race; some must win.
    t.ok(st.multiTransfers > 50 || st.casCommitted > 50, `${label}: MULTI transfers ran (${st.multiTransfers})`);
    t.ok(st.casCommitted > 0, `${label}: WATCH transfers committed (${st.casCommitted}, ${st.casAborted} retried)`);
  }
  t.ok(st.snapshots > 20, `${label}: snapshots taken (${st.snapshots})`);
}

function checkTear(t: Test, st: TearStats, label: string): void {
  t.same(st.bad.slice(0, 5), [], `${label}: no reader saw half of a write`);
  t.ok(st.writes > 20 && st.reads > 20, `${label}: ${st.writes} writes, ${st.reads} reads`);
}

t.test('cross-shard atomicity', { skip: noMultiShard }, async (t) => {
  for (const workers of MULTI_SHARD_WORKERS) {
    await t.test(`--workers ${workers}`, async (t) => {
      const L = new Layout(workers);
      const srv = await startShardis(t, { workers });
      const port = srv.port;
      const info = await connectResp(t, port);
      t.same(new Set(L.accounts.map((k) => L.shardOf(k))).size, workers, 'accounts live on every shard');
      const msetLabel = `MSET of ${L.spreadKeys('tear:', 16).length} keys`;

      await resetAccounts(port, L);
      checkTransfers(t, L, await transfers(port, L, 1), 'transfers');
      const cas = await transfers(port, L, 5, 0);
      checkTransfers(t, L, cas, 'WATCH check-and-set alone');
      t.ok(cas.casCommitted > 20, `WATCH check-and-set alone mostly commits (${cas.casCommitted}, ${cas.casAborted} retried)`);
      checkTear(t, await msetTearing(port, L), msetLabel);
      checkTear(t, await renameChains(port, L), 'RENAME chains');
      checkTear(t, await smoves(port, L), 'SMOVE between shards');

      // 1,000 clients vanish mid-transaction or mid-command, while transfers run.
      await resetAccounts(port, L);
      const [during] = await Promise.all([transfers(port, L, 2), vanishingClients(port, L, 1000, 3)]);
      checkTransfers(t, L, during, 'transfers during 1,000 disconnects');
      const total = ((await info.call('MGET', ...L.accounts)) as string[]).reduce((s, v) => s + Number(v), 0);
      t.equal(total, L.total, 'no half transaction of a vanished client applied');

      // And everything still works afterwards.
      checkTransfers(t, L, await transfers(port, L, 4), 'transfers after the disconnects');
      checkTear(t, await msetTearing(port, L), `${msetLabel} after the disconnects`);
      checkTear(t, await renameChains(port, L), 'RENAME chains after the disconnects');
      checkTear(t, await smoves(port, L), 'SMOVE after the disconnects');

      let clientsLeft = 0;
      await waitFor(async () => (clientsLeft = await infoNumber(info, 'clients', 'connected_clients')) === 1, 5000, 50);
      t.equal(clientsLeft, 1, 'every vanished client is gone');
      t.equal(await infoField(info, 'tasks', 'lock_held'), '0', 'lock_held:0');
      t.equal(await infoField(info, 'tasks', 'lock_waiting'), '0', 'lock_waiting:0');
      t.equal(await shardTotal(info, 'watched_keys'), 0, 'no WATCH left in any shard');
    });
  }
});
