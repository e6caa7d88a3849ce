/**
 * A short run of the hostile-input harness (benchmarks/lib/fuzz.ts) against
 * `--workers 4`: mutated frames, random command sequences, header bombs,
 * drips, unread replies and abrupt closes over many connections, with
 * well-behaved clients checking their replies beside them. The server must
 * not crash or hang, must answer the well-behaved clients correctly, and its
 * RSS must stay bounded. benchmarks/fuzz.ts runs the same for 1,000,000 inputs.
 */
import t from 'tap';
import { startShardis } from './helpers/servers';
import { runFuzz } from '../benchmarks/lib/fuzz';

const INPUTS = Number(process.env.SHARDIS_FUZZ_INPUTS ?? 15000);
const SEED = Number(process.env.SHARDIS_FUZZ_SEED ?? Date.now() % 100000);

t.test(`hostile input (${INPUTS} inputs, seed ${SEED}) against --workers 4`, async (t) => {
  const srv = await startShardis(t, { workers: 4 });
  const r = await runFuzz({ port: srv.port, pid: srv.proc.pid as number, inputs: INPUTS, concurrency: 40, goodClients: 4, seed: SEED });
  t.comment(`${r.inputs} inputs in ${r.sessions} sessions, ${r.goodOps} checked replies, max RSS ${(r.maxRssBytes / 1048576).toFixed(0)} MB, ${r.elapsedMs} ms`);
  t.notOk(r.crashed, 'the server is alive and answers afterwards');
  t.equal(srv.proc.exitCode, null, 'the server process did not exit');
  t.equal(r.hangs, 0, 'no well-behaved request hung');
  t.same(r.wrongReplies.slice(0, 10), [], 'every well-behaved reply was right');
  t.ok(r.goodOps > 0, 'the well-behaved clients made progress');
  t.ok(r.maxRssBytes < 1024 * 1048576, `RSS stayed bounded (${(r.maxRssBytes / 1048576).toFixed(0)} MB)`);
  t.notMatch(srv.output(), /FATAL|Fatal|heap out of memory/, 'no fatal error in the log');
});
