/**
 * The reply writer's hand-written number and short-string encoding must give
 * exactly the bytes of the plain String()/latin1 encoding, for every value.
 */
import t from 'tap';
import fc from 'fast-check';
import { ReplyWriter } from '../src/core/wire/reply-writer';

const out = (w: ReplyWriter): string => w.buf.latin1Slice(0, w.len);

t.test('integer replies equal String(n) for safe integers, edges and non-numbers', async (t) => {
  const edges = [0, -0, 1, -1, 9, 10, 99, 100, 1e15, -1e15, 999999999999999, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER];
  const w = new ReplyWriter(8);
  let expected = '';
  for (const n of edges) {
    w.integer(n);
    expected += `:${String(n)}\r\n`;
  }
  w.integer(2n ** 63n - 1n);
  w.integer('123');
  expected += ':9223372036854775807\r\n:123\r\n';
  t.equal(out(w), expected);
  fc.assert(
    fc.property(fc.maxSafeInteger(), (n) => {
      const v = new ReplyWriter(4);
      v.integer(n);
      return out(v) === `:${String(n)}\r\n`;
    }),
    { seed: 6, numRuns: 2000 },
  );
});

t.test('bulk replies of every length around the short-string cut and with every byte value', async (t) => {
  const w = new ReplyWriter(4);
  let expected = '';
  for (let n = 0; n <= 70; n++) {
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode((i * 37 + n) & 0xff);
    w.bulk(s);
    expected += `$${n}\r\n${s}\r\n`;
  }
  w.bulkBytes(Buffer.from([0, 255, 13, 10]));
  expected += '$4\r\n\x00\xff\r\n\r\n';
  w.ok();
  expected += '+OK\r\n';
  t.equal(out(w), expected);
});
