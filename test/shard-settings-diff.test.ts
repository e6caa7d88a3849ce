/**
 * Settings that shape data structures reach the shards with Redis's effect:
 * stream-node-max-entries / -bytes decide where XADD starts a stream node and
 * so what `~` trimming (MAXLEN/MINID, with and without LIMIT) removes;
 * hll-sparse-max-bytes decides when a HyperLogLog turns dense (its bytes).
 */
import t from 'tap';
import { DifferentialSuite, type Cmd } from './helpers/differential';

const diff = new DifferentialSuite(t);

function streamScript(entries: string, bytes: string): Cmd[] {
  const script: Cmd[] = [['CONFIG', 'SET', 'stream-node-max-entries', entries], ['CONFIG', 'SET', 'stream-node-max-bytes', bytes]];
  for (let i = 1; i <= 120; i++) {
    const big = i % 7 === 0 ? 'v'.repeat(60) : 'v';
    script.push(['XADD', 's', `${i}-0`, 'f', big]);
    if (i % 10 === 0) script.push(['XADD', 's', 'MAXLEN', '~', '37', `${i}-1`, 'g', 'x'], ['XLEN', 's']);
  }
  script.push(
    ['XTRIM', 's', 'MAXLEN', '~', '5', 'LIMIT', '10'], ['XLEN', 's'],
    ['XTRIM', 's', 'MINID', '~', '90', 'LIMIT', '1'], ['XLEN', 's'],
    ['XTRIM', 's', 'MINID', '~', '100'], ['XLEN', 's'],
    ['XTRIM', 's', 'MAXLEN', '~', '0'], ['XLEN', 's'], ['XRANGE', 's', '-', '+', 'COUNT', '3'],
    ['DEL', 's'],
  );
  return script;
}

diff.test('stream node sizes decide ~ trimming', async (t, s) => {
  for (const [entries, bytes] of [['100', '4096'], ['10', '4096'], ['7', '200'], ['0', '300'], ['3', '0']]) {
    await s.check(`stream-node-max-entries ${entries}, stream-node-max-bytes ${bytes}`, streamScript(entries, bytes));
  }
  await s.check('defaults back', [['CONFIG', 'SET', 'stream-node-max-entries', '100'], ['CONFIG', 'SET', 'stream-node-max-bytes', '4096']]);
});

diff.test('hll-sparse-max-bytes decides when a HyperLogLog turns dense', async (t, s) => {
  const script: Cmd[] = [];
  for (const limit of ['3000', '60', '0']) {
    script.push(['CONFIG', 'SET', 'hll-sparse-max-bytes', limit], ['DEL', 'h']);
    for (let i = 0; i < 40; i++) script.push(['PFADD', 'h', `e${i * 7919}`], ['STRLEN', 'h']);
    script.push(['GET', 'h'], ['PFCOUNT', 'h']);
  }
  script.push(['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000']);
  await s.check('hll-sparse-max-bytes', script);
});

diff.test('OBJECT ENCODING says raw for strings modified in place, as Redis', async (t, s) => {
  const script: Cmd[] = [
    ['SET', 'e', 'hello'], ['SET', 'r', 'x'.repeat(50)], ['SET', 'i', '123'], ['SET', 'a', 'hi'], ['APPEND', 'a', 'x'], ['APPEND', 'new', 'hi'],
    ['SETRANGE', 'b', '0', 'x'], ['SET', 'c', 'abc'], ['SETRANGE', 'c', '1', 'z'], ['INCRBYFLOAT', 'f', '1.5'], ['SETBIT', 's1', '3', '1'],
    ['SET', 's2', 'a'], ['SETBIT', 's2', '1', '1'], ['PFADD', 'h', 'a'], ['BITFIELD', 'bf', 'SET', 'u8', '0', '1'], ['SET', 'n', '12'],
    ['APPEND', 'n', '3'], ['INCR', 'i'], ['SET', 'a', 'fresh'],
  ];
  for (const k of ['e', 'r', 'i', 'a', 'new', 'b', 'c', 'f', 's1', 's2', 'h', 'bf', 'n']) script.push(['OBJECT', 'ENCODING', k]);
  await s.check('encodings', script);
});
