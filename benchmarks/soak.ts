/**
 * Soak: does a long run of connections that come and go leak anything?
 *
 * Runs 100,000 connection lifecycles (by default) against one Shardis server,
 * spread evenly over every teardown path in lib/lifecycles.ts, plus idle
 * timeouts. After each 10,000 it forces a full GC in the server (DEBUG GC: the
 * server runs under node --expose-gc) and prints the server's heap
 * (INFO used_memory_vm_heap: main thread plus every shard thread) and RSS, and the
 * live counters that must stay at their baseline. The verdict compares the
 * heap after 20,000 lifecycles with the heap at the end: growth must stay
 * under 2 MB.
 *
 *   npm run build && node dist/benchmarks/soak.js [--total 100000] [--every 10000] [--workers 4] [--paths eof,rst,...]
 */
import { BenchClient, infoField, startShardis, stop } from './lib/targets';
import { lifecyclePaths, openRaw, cmd, runMixed } from './lib/lifecycles';

interface Options {
  total: number;
  every: number;
  workers: number;
  /** Only these paths (comma-separated names from lib/lifecycles.ts). */
  paths: string[] | null;
}

function parseOptions(argv: string[]): Options {
  const o: Options = { total: 100_000, every: 10_000, workers: 4, paths: null };
  for (let i = 0; i < argv.length; i += 2) {
    const v = Number(argv[i + 1]);
    if (argv[i] === '--total') o.total = v;
    else if (argv[i] === '--every') o.every = v;
    else if (argv[i] === '--workers') o.workers = v;
    else if (argv[i] === '--paths') o.paths = argv[i + 1].split(',');
    else throw new Error(`unknown option ${argv[i]}`);
  }
  return o;
}

const MB = 1024 * 1024;

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const target = await startShardis(o.workers, ['--expose-gc']);
  const admin = await BenchClient.connect(target.port);
  const call = async (...args: string[]): Promise<unknown> => (await admin.pipeline([args]))[0];
  await call('SET', 'big', 'x'.repeat(2000));
  const names = Object.keys(lifecyclePaths).filter((n) => o.paths === null || o.paths.includes(n));
  // One idle client per this many lifecycles waits for the idle timeout.
  const idleEvery = 500;
  await call('CONFIG', 'SET', 'timeout', '1');
  // The idle timeout applies to every connection, the admin's too: keep it busy.
  const keepAlive = setInterval(() => void call('PING'), 250);
  const kill = (id: string): Promise<unknown> => call('CLIENT', 'KILL', 'ID', id);
  console.log(`soak: ${o.total} lifecycles over ${names.length} paths + idle timeouts, --workers ${o.workers}`);
  console.log('lifecycles  heap_MB  rss_MB  clients  read_tasks  signal_listeners  inflight  seconds');
  const heapAt = new Map<number, number>();
  const started = Date.now();
  let done = 0;
  while (done < o.total) {
    const idle = Array.from({ length: Math.max(1, Math.round(o.every / idleEvery)) }, async () => {
      const c = await openRaw(target.port);
      c.socket.write(cmd('PING'));
      await c.closed;
    });
    await runMixed(target.port, kill, names, Math.round(o.every / names.length));
    await Promise.all(idle);
    done += Math.round(o.every / names.length) * names.length + idle.length;
    await call('DEBUG', 'GC');
    const info = String(await call('INFO', 'memory', 'clients', 'tasks'));
    const heap = infoField(info, 'used_memory_vm_heap');
    heapAt.set(done, heap);
    console.log(
      [
        String(done).padStart(10),
        (heap / MB).toFixed(2).padStart(7),
        (infoField(info, 'used_memory_rss') / MB).toFixed(1).padStart(7),
        String(infoField(info, 'connected_clients')).padStart(8),
        String(infoField(info, 'read_tasks')).padStart(11),
        String(infoField(info, 'signal_listeners')).padStart(17),
        String(infoField(info, 'inflight_requests')).padStart(9),
        ((Date.now() - started) / 1000).toFixed(0).padStart(8),
      ].join(' '),
    );
  }
  const points = [...heapAt.entries()];
  const at20k = points.find(([n]) => n >= Math.min(20_000, o.total))?.[1] ?? points[0][1];
  const last = points[points.length - 1][1];
  const growth = last - at20k;
  console.log(`heap growth from ~20,000 to ${done}: ${(growth / MB).toFixed(2)} MB (limit 2 MB): ${growth < 2 * MB ? 'PASS' : 'FAIL'}`);
  clearInterval(keepAlive);
  admin.close();
  await stop(target);
  if (growth >= 2 * MB) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
