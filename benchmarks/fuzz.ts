/**
 * The hostile-input harness at scale (benchmarks/lib/fuzz.ts): by default
 * 1,000,000 inputs against `--workers 4`, printing progress and the figures
 * for docs (inputs, sessions, checked replies, crashes, hangs, wrong
 * replies, max RSS, time).
 *
 *   npm run build && node dist/benchmarks/fuzz.js [--inputs 1000000] [--workers 4]
 *     [--concurrency 50] [--good 4] [--seed N]
 */
import { runFuzz } from './lib/fuzz';
import { startShardis, stop } from './lib/targets';

async function main(): Promise<void> {
  const o = { inputs: 1_000_000, workers: 4, concurrency: 50, good: 4, seed: Date.now() % 100000 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '') as keyof typeof o;
    if (!(k in o)) throw new Error(`unknown option ${argv[i]}`);
    o[k] = Number(argv[i + 1]);
  }
  const target = await startShardis(o.workers);
  let exited: number | null = null;
  target.proc.once('exit', (code) => (exited = code ?? -1));
  console.log(`# fuzz: ${o.inputs} inputs, --workers ${o.workers}, ${o.concurrency} hostile connections at once, ${o.good} checked clients, seed ${o.seed}`);
  let last = 0;
  const r = await runFuzz({
    port: target.port, pid: target.proc.pid as number, inputs: o.inputs, concurrency: o.concurrency, goodClients: o.good, seed: o.seed,
    progress: (sent, rss) => {
      if (sent - last >= 50000) {
        last = sent;
        console.log(`#   ${sent} inputs, RSS ${(rss / 1048576).toFixed(0)} MB`);
      }
    },
  });
  console.log(`inputs            ${r.inputs}`);
  console.log(`sessions          ${r.sessions}`);
  console.log(`checked replies   ${r.goodOps}`);
  console.log(`crashes           ${r.crashed || exited !== null ? 1 : 0}`);
  console.log(`hangs             ${r.hangs}`);
  console.log(`wrong replies     ${r.wrongReplies.length}`);
  for (const w of r.wrongReplies.slice(0, 10)) console.log(`  ${w}`);
  console.log(`max RSS           ${(r.maxRssBytes / 1048576).toFixed(0)} MB`);
  console.log(`time              ${(r.elapsedMs / 1000).toFixed(1)} s (${Math.round(r.inputs / (r.elapsedMs / 1000))} inputs/s)`);
  await stop(target);
  if (r.crashed || exited !== null || r.hangs > 0 || r.wrongReplies.length > 0) process.exitCode = 1;
}

void main();
