/**
 * Tests for the network-facing request framer.
 *
 * Every expected reply / error text below marked "redis 7.0" was checked by
 * sending the same raw bytes over a TCP socket to redis-server 7.0.15 (default
 * config, no password) and reading back what it replied, and whether it closed
 * the connection.
 */
import t from 'tap';
import fc from 'fast-check';
import {
  RequestFramer,
  ProtocolError,
  QueryBufferLimitError,
  defaultFramerLimits,
  parseRedisInteger,
  type FramerLimits,
} from '../src/resp/request-framer';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
// The framer hands out arguments as latin1 strings already.
const str = (cmd: string[]): string[] => cmd;

interface Outcome {
  cmds: string[][];
  /** ProtocolError message, or null when the framer is waiting for more input. */
  error: string | null;
  buffered: number;
}

/** Feed the chunks in order, draining commands after each one. */
function run(chunks: Buffer[], limits: FramerLimits = defaultFramerLimits()): Outcome {
  const f = new RequestFramer(limits);
  const cmds: string[][] = [];
  try {
    for (const c of chunks) {
      f.push(c);
      let cmd: string[] | null;
      while ((cmd = f.next()) !== null) cmds.push(str(cmd));
    }
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    return { cmds, error: err.message, buffered: f.bufferedBytes };
  }
  return { cmds, error: null, buffered: f.bufferedBytes };
}

const one = (s: string | Buffer, limits?: FramerLimits): Outcome =>
  run([typeof s === 'string' ? b(s) : s], limits);

function encode(args: Buffer[]): Buffer {
  const parts: Buffer[] = [b(`*${args.length}\r\n`)];
  for (const a of args) parts.push(b(`$${a.length}\r\n`), a, b('\r\n'));
  return Buffer.concat(parts);
}

t.test('redis 7.0: multibulk framing and errors', async (t) => {
  // [input, commands produced, error (null = still waiting, connection open)]
  const cases: Array<[string, string[][], string | null]> = [
    ['*1\r\n$4\r\nPING\r\n', [['PING']], null],
    ['*1\r\n$x\r\n', [], 'Protocol error: invalid bulk length'],
    ['*1\r\n$\r\n', [], 'Protocol error: invalid bulk length'],
    ['*1\r\n$-1\r\n', [], 'Protocol error: invalid bulk length'],
    ['*1\r\n$-5\r\n', [], 'Protocol error: invalid bulk length'],
    ['*1\r\n$999999999999\r\n', [], 'Protocol error: invalid bulk length'],
    ['*1\r\n$536870912\r\n', [], null], // exactly proto-max-bulk-len: accepted, waits
    ['*1\r\n$536870913\r\n', [], 'Protocol error: invalid bulk length'],
    ['*1\r\n$04\r\nPING\r\n', [], 'Protocol error: invalid bulk length'],
    ['*1\r\n$+4\r\nPING\r\n', [], 'Protocol error: invalid bulk length'],
    ['*1\r\n$ 4\r\nPING\r\n', [], 'Protocol error: invalid bulk length'],
    ['*1\r\n$9223372036854775807\r\n', [], 'Protocol error: invalid bulk length'],
    ['*1\r\n$9223372036854775808\r\n', [], 'Protocol error: invalid bulk length'],
    ['*1\r\n%4\r\nPING\r\n', [], "Protocol error: expected '$', got '%'"],
    // The offending byte is printed raw; CR/LF are turned into spaces by the error reply.
    ['*1\r\n\r\n', [], "Protocol error: expected '$', got ' '"],
    ['*1\r\n\n\r\n', [], "Protocol error: expected '$', got ' '"],
    ['*1\r\n\xff4\r\n', [], "Protocol error: expected '$', got '\xff'"],
    ['*abc\r\n', [], 'Protocol error: invalid multibulk length'],
    ['*\r\n', [], 'Protocol error: invalid multibulk length'],
    ['*-0\r\n', [], 'Protocol error: invalid multibulk length'],
    ['*01\r\n$4\r\nPING\r\n', [], 'Protocol error: invalid multibulk length'],
    // Empty and negative counts are skipped silently.
    ['*-1\r\n*1\r\n$4\r\nPING\r\n', [['PING']], null],
    ['*0\r\n*1\r\n$4\r\nPING\r\n', [['PING']], null],
    ['*-9223372036854775808\r\nPING\r\n', [['PING']], null],
    ['*-9223372036854775809\r\nPING\r\n', [], 'Protocol error: invalid multibulk length'],
    ['*9223372036854775807\r\n', [], 'Protocol error: invalid multibulk length'],
    ['*2147483648\r\n', [], 'Protocol error: invalid multibulk length'],
    ['*5000000000\r\n', [], 'Protocol error: invalid multibulk length'],
    // LF alone does not end a header line: the search goes on to the next CR.
    ['*3\n$3\r\nSET\r\n', [], 'Protocol error: invalid multibulk length'],
    ['*1\n', [], null],
    // The byte after a header's CR, and the two bytes after bulk data, are not checked.
    ['*1\rX$4\r\nPING\r\n', [['PING']], null],
    ['*1\r\n$4\rXPING\r\n', [['PING']], null],
    ['*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n', [['PING'], ['PING']], null],
    // Bulk data is binary; NUL inside it is fine.
    ['*1\r\n$4\r\nPI\x00G\r\n', [['PI\x00G']], null],
    // strchr() stops at NUL: a NUL inside a header line means "wait".
    ['*1\x00\r\n', [], null],
    ['*1\r\n$4\x00\r\nPING\r\n', [], null],
    ['*1\r\n$ab\x00\r\nPING\r\n', [], null],
    // Mixed multibulk / inline / empty requests.
    ['*1\r\n$4\r\nPING\r\nPING\r\n*0\r\nPING\r\n', [['PING'], ['PING'], ['PING']], null],
  ];
  for (const [input, cmds, error] of cases) {
    const r = one(input);
    t.same(r.cmds, cmds, `commands for ${JSON.stringify(input)}`);
    t.equal(r.error, error, `error for ${JSON.stringify(input)}`);
  }
});

t.test('multibulk counts: configured limit (Redis 7.0 itself allows up to INT_MAX)', async (t) => {
  // redis 7.0 waits for more input on *1048577 and *2147483647; by the
  // project's specification the count is capped at maxMultibulkLen instead.
  t.equal(one('*1048576\r\n').error, null);
  t.equal(one('*1048577\r\n').error, 'Protocol error: invalid multibulk length');
  t.equal(one('*30000000\r\n').error, 'Protocol error: invalid multibulk length');
  const big = { ...defaultFramerLimits(), maxMultibulkLen: Number.MAX_SAFE_INTEGER };
  t.equal(one('*2147483647\r\n', big).error, null);
  t.equal(one('*2147483648\r\n', big).error, 'Protocol error: invalid multibulk length');
});

t.test('redis 7.0: inline requests and sdssplitargs quoting', async (t) => {
  const Q = 'Protocol error: unbalanced quotes in request';
  const cases: Array<[string, string[][], string | null]> = [
    ['PING\r\n', [['PING']], null],
    ['PING\n', [['PING']], null],
    ['PING\r\r\n', [['PING']], null], // only the last CR is stripped; the other is a separator
    ['\r\n\nPING\r\n', [['PING']], null], // empty lines are skipped
    ['\r\n', [], null],
    ['  \t PING  \r\n', [['PING']], null],
    ['ECHO "a\\nb"\r\n', [['ECHO', 'a\nb']], null],
    ['ECHO "a\\x41\\x4a\\x4Z"\r\n', [['ECHO', 'aAJx4Z']], null],
    ['ECHO "a\\qb\\\\c\\"d"\r\n', [['ECHO', 'aqb\\c"d']], null],
    ["ECHO 'a\\'b\\nc'\r\n", [['ECHO', "a'b\\nc"]], null],
    ['ECHO "ab"c\r\n', [], Q],
    ["ECHO 'ab'c\r\n", [], Q],
    ['ECHO "ab\r\n', [], Q],
    ["ECHO 'ab\r\n", [], Q],
    ['ECHO a"b c"d\r\n', [], Q],
    ['ECHO a"b c" d\r\n', [['ECHO', 'ab c', 'd']], null], // redis: wrong number of arguments for 'echo'
    ['ECHO ""\r\n', [['ECHO', '']], null],
    ["ECHO ''\r\n", [['ECHO', '']], null],
    ['ECHO "a\\"\r\n', [], Q],
    ['ECHO "a\\\r\n', [], Q],
    ['ECHO a\x0bb\r\n', [['ECHO', 'a\x0bb']], null], // \v does not end a token...
    ['\x0bECHO\x0ba\r\n', [['ECHO\x0ba']], null], // ...but is skipped between tokens
    ['ECHO \x0ba\r\n', [['ECHO', 'a']], null],
    ['ECHO "a"\x0b\r\n', [['ECHO', 'a']], null], // and may follow a closing quote
    ['ECHO "a"\x0c\r\n', [['ECHO', 'a']], null],
    ['ECHO a\rb\r\n', [['ECHO', 'a', 'b']], null], // redis: wrong number of arguments for 'echo'
    ['ECHO "a\rb"\r\n', [['ECHO', 'a\rb']], null],
    ['ECHO "a"\r\r\n', [['ECHO', 'a']], null],
    ['ECHO "a"\t\r\n', [['ECHO', 'a']], null],
    ["ECHO 'a\"b'\r\n", [['ECHO', 'a"b']], null],
    ['ECHO "a\'b"\r\n', [['ECHO', "a'b"]], null],
    ["ECHO a'b c'\r\n", [['ECHO', 'ab c']], null],
    ['ECHO "\\x"\r\n', [['ECHO', 'x']], null],
    ['ECHO "\\xg1"\r\n', [['ECHO', 'xg1']], null],
    ['ECHO "\\t\\b\\a\\r"\r\n', [['ECHO', '\t\b\x07\r']], null],
    ['ECHO \xff\xfe\r\n', [['ECHO', '\xff\xfe']], null],
    // A NUL before the newline: strchr() never finds the line end; redis waits.
    ['PI\x00NG\r\nPING\r\n', [], null],
    // The same past the first 64 bytes of a line (the framer scans those one by one).
    [`ECHO ${'a'.repeat(100)}\x00b\r\nPING\r\n`, [], null],
    [`ECHO ${'a'.repeat(100)}\r\nPI\x00NG\r\n`, [['ECHO', 'a'.repeat(100)]], null],
    // Not verified against redis (straight from sdssplitargs): \b \a escapes, uppercase hex.
    ['SET "k\\xFF\\x00" \'\'\n', [['SET', 'k\xff\x00', '']], null],
  ];
  for (const [input, cmds, error] of cases) {
    const r = one(input);
    t.same(r.cmds, cmds, `commands for ${JSON.stringify(input)}`);
    t.equal(r.error, error, `error for ${JSON.stringify(input)}`);
  }
});

t.test('redis 7.0: "too big" limits (PROTO_INLINE_MAX_SIZE = 65536, strictly greater fails)', async (t) => {
  const fill = (n: number, ch = 'a') => Buffer.alloc(n, ch);
  t.equal(one(fill(65536)).error, null);
  t.equal(one(fill(65537)).error, 'Protocol error: too big inline request');
  t.equal(one(Buffer.concat([b('PI\x00NG\r\n'), fill(65529)])).error, null);
  t.equal(
    one(Buffer.concat([b('PI\x00NG\r\n'), fill(65530)])).error,
    'Protocol error: too big inline request',
  );
  t.equal(one(Buffer.concat([b('*1'), fill(65534, '1')])).error, null);
  t.equal(one(Buffer.concat([b('*1'), fill(65535, '1')])).error, 'Protocol error: too big mbulk count string');
  t.equal(one(Buffer.concat([b('*1\x00\r\n'), fill(65533, '1')])).error, 'Protocol error: too big mbulk count string');
  // Still blocked by the NUL when more input (with line ends) arrives later.
  t.same(run([b('*1\x00'), b('\r\n'), b('*1\r\n$4\r\nPING\r\n')]), { cmds: [], error: null, buffered: 19 });
  t.same(run([b('GET a\x00'), b('\n'), b('PING\n')]), { cmds: [], error: null, buffered: 12 });
  // A CR was found (only the byte after it is missing): waits, no "too big" error.
  t.equal(one(Buffer.concat([b('*1'), fill(65534, '1'), b('\r')])).error, null);
  // A CR far away: the line is found, and is not a number.
  t.equal(
    one(Buffer.concat([b('*1'), fill(70000, '1'), b('\r\n')])).error,
    'Protocol error: invalid multibulk length',
  );
  t.equal(one(Buffer.concat([b('*1\r\n$1'), fill(65534, '1')])).error, null);
  t.equal(
    one(Buffer.concat([b('*1\r\n$1'), fill(65535, '1')])).error,
    'Protocol error: too big bulk count string',
  );
  // The same, arriving one small chunk at a time.
  const drip: Buffer[] = [b('*1\r\n$')];
  for (let i = 0; i < 65536; i += 1000) drip.push(fill(1000, '1'));
  t.equal(run(drip).error, 'Protocol error: too big bulk count string');
  const inlineDrip: Buffer[] = [];
  for (let i = 0; i < 66; i++) inlineDrip.push(fill(1000, 'x'));
  t.equal(run(inlineDrip).error, 'Protocol error: too big inline request');
  // Limits are read when needed, so a CONFIG SET after construction applies.
  const limits = defaultFramerLimits();
  const f = new RequestFramer(limits);
  f.push(fill(100));
  t.equal(f.next(), null);
  limits.maxInlineLen = 50;
  t.throws(() => f.next(), new ProtocolError('Protocol error: too big inline request'));
});

t.test('every split point yields the same commands', async (t) => {
  const pipeline = Buffer.concat([
    encode([b('SET'), b('key:000000000001'), b('xxx')]),
    b('PING\r\n'),
    encode([b('SET'), b('bin'), b('a\r\nb\r\n\x00\xff*$')]),
    encode([b('GET'), b('')]),
    b('*0\r\n'),
    b('ECHO "quo ted\\x41\\n" \'single \\\' q\'\r\n'),
    b('\r\n'),
    b('*-1\r\n'),
    encode([b('MSET'), b('a'), b('1'), b('b'), b(''), b('c'), b('\r\n')]),
    b('ECHO plain\n'),
    encode([b('X'.repeat(300))]),
    b('*1\r\n$4\r\nPING\r\n'),
  ]);
  const expected = [
    ['SET', 'key:000000000001', 'xxx'],
    ['PING'],
    ['SET', 'bin', 'a\r\nb\r\n\x00\xff*$'],
    ['GET', ''],
    ['ECHO', 'quo tedA\n', "single ' q"],
    ['MSET', 'a', '1', 'b', '', 'c', '\r\n'],
    ['ECHO', 'plain'],
    ['X'.repeat(300)],
    ['PING'],
  ];
  const whole = run([pipeline]);
  t.same(whole.cmds, expected);
  t.equal(whole.error, null);
  t.equal(whole.buffered, 0);

  let bad = 0;
  for (let i = 1; i < pipeline.length; i++) {
    const r = run([pipeline.subarray(0, i), pipeline.subarray(i)]);
    if (r.error !== null || JSON.stringify(r.cmds) !== JSON.stringify(expected) || r.buffered !== 0) {
      bad++;
      t.fail(`split at ${i}: ${JSON.stringify(r)}`);
    }
  }
  t.equal(bad, 0, 'all two-chunk splits agree');
  // Three chunks at a sample of split pairs.
  for (let i = 1; i < pipeline.length; i += 7) {
    for (let j = i + 1; j < pipeline.length; j += 11) {
      const r = run([pipeline.subarray(0, i), pipeline.subarray(i, j), pipeline.subarray(j)]);
      if (JSON.stringify(r.cmds) !== JSON.stringify(expected)) t.fail(`split at ${i},${j}`);
    }
  }
  const bytes: Buffer[] = [];
  for (let i = 0; i < pipeline.length; i++) bytes.push(pipeline.subarray(i, i + 1));
  t.same(run(bytes).cmds, expected, 'byte by byte');
  // All bytes pushed as tiny chunks first, then drained (chunk list compaction).
  const f = new RequestFramer(defaultFramerLimits());
  for (const x of bytes) f.push(x);
  t.equal(f.bufferedBytes, pipeline.length);
  const drained: string[][] = [];
  let c: string[] | null;
  while ((c = f.next()) !== null) drained.push(str(c));
  t.same(drained, expected, 'pushed byte by byte, drained at the end');
  t.equal(f.bufferedBytes, 0);
});

t.test('errors are the same at every split point', async (t) => {
  const inputs = [
    '*2\r\n$3\r\nGET\r\n$x\r\n',
    '*2\r\n$3\r\nGET\r\n!1\r\n',
    'PING\r\n*1\r\n$4\r\nPING\r\nECHO "unbalanced\r\n',
    '*1\r\n$-1\r\n',
    '*99999999999999999999\r\n',
  ];
  for (const s of inputs) {
    const input = b(s);
    const ref = run([input]);
    t.not(ref.error, null);
    for (let i = 1; i < input.length; i++) {
      t.same(run([input.subarray(0, i), input.subarray(i)]), { ...ref, buffered: 0 }, `${JSON.stringify(s)} split at ${i}`);
    }
  }
});

t.test('hostile lengths cost nothing until the bytes arrive', async (t) => {
  const measure = (fn: () => void): number => {
    globalThis.gc?.();
    const before = process.memoryUsage();
    fn();
    const after = process.memoryUsage();
    return after.arrayBuffers - before.arrayBuffers + (after.heapUsed - before.heapUsed);
  };
  const LIMIT = 10 * 1024 * 1024;
  let err: unknown;
  t.ok(
    measure(() => {
      err = one('*5000000000\r\n').error;
    }) < LIMIT,
  );
  t.equal(err, 'Protocol error: invalid multibulk length');
  t.ok(
    measure(() => {
      err = one('*30000000\r\n').error;
    }) < LIMIT,
  );
  t.equal(err, 'Protocol error: invalid multibulk length');
  t.equal(one('*1\r\n$999999999999\r\n').error, 'Protocol error: invalid bulk length');
  t.equal(one('*1\r\n$abc\r\n').error, 'Protocol error: invalid bulk length');
  t.equal(one('*1\r\n$-5\r\n').error, 'Protocol error: invalid bulk length');

  // Accepted but hostile announcements: the framer waits and holds only what was sent.
  const unlimited = { ...defaultFramerLimits(), maxMultibulkLen: 2147483647 };
  const f = new RequestFramer(unlimited);
  t.ok(
    measure(() => {
      f.push(b('*2147483647\r\n$3\r\nSET\r\n'));
      t.equal(f.next(), null);
    }) < LIMIT,
  );
  t.equal(f.bufferedBytes, 22);
  const g = new RequestFramer(defaultFramerLimits());
  t.ok(
    measure(() => {
      g.push(b('*1\r\n$500000000\r\n'));
      t.equal(g.next(), null);
      g.push(Buffer.alloc(1000, 'z'));
      t.equal(g.next(), null);
    }) < LIMIT,
  );
  t.equal(g.bufferedBytes, 16 + 1000);
});

t.test('query buffer limit', async (t) => {
  const limits = { ...defaultFramerLimits(), maxQueryBuffer: 1000 };
  // An incomplete bulk growing past the limit.
  let r = run([b('*1\r\n$5000\r\n'), Buffer.alloc(900, 'a'), Buffer.alloc(200, 'a')], limits);
  t.equal(r.error, 'Protocol error: query buffer limit reached');
  t.equal(r.buffered, 0, 'a dead framer holds nothing');
  // Already-parsed arguments of the incomplete command count too.
  const arg = b('$10\r\n0123456789\r\n');
  r = run([b('*1000\r\n'), ...Array<Buffer>(100).fill(arg)], limits);
  t.equal(r.error, 'Protocol error: query buffer limit reached');
  // Complete commands never count, however many arrive at once.
  const ping = encode([b('PING')]);
  r = run([Buffer.concat(Array<Buffer>(1000).fill(ping))], limits);
  t.equal(r.error, null);
  t.equal(r.cmds.length, 1000);
  // Exactly at the limit is still fine (Redis: sdslen(querybuf) > limit).
  r = run([Buffer.concat([b('*1\r\n$5000\r\n'), Buffer.alloc(1000 - 11, 'a')])], limits);
  t.equal(r.error, null);
  t.equal(r.buffered, 1000);
  // A distinct class, so the server can close silently like Redis does.
  const f = new RequestFramer(limits);
  f.push(Buffer.alloc(1001, 'a'));
  t.throws(() => f.next(), QueryBufferLimitError);
});

t.test('a dead framer stays dead', async (t) => {
  const f = new RequestFramer(defaultFramerLimits());
  f.push(b('PING\r\n*x\r\nPING\r\n'));
  t.same(str(f.next()!), ['PING']);
  t.throws(() => f.next(), { message: 'Protocol error: invalid multibulk length' });
  f.push(b('PING\r\n'));
  t.throws(() => f.next(), { message: 'Protocol error: invalid multibulk length' });
  t.equal(f.bufferedBytes, 0);
  t.ok(new ProtocolError('x') instanceof Error);
});

t.test('bufferedBytes', async (t) => {
  const f = new RequestFramer(defaultFramerLimits());
  const chunk = b('*2\r\n$3\r\nGET\r\n$5\r\nhello\r\n*1\r\n$4\r\nPI');
  f.push(chunk);
  t.equal(f.bufferedBytes, chunk.length);
  const cmd = f.next()!;
  t.same(str(cmd), ['GET', 'hello']);
  t.equal(f.next(), null);
  t.equal(f.bufferedBytes, 10);
  f.push(b('NG\r'));
  t.equal(f.next(), null);
  t.equal(f.bufferedBytes, 13);
  f.push(b('\n'));
  t.same(str(f.next()!), ['PING']);
  t.equal(f.bufferedBytes, 0);
  t.equal(f.next(), null);
  f.push(Buffer.alloc(0));
  t.equal(f.next(), null);
});

t.test('a big bulk spread over many chunks', async (t) => {
  const value = Buffer.alloc(3 * 1024 * 1024);
  for (let i = 0; i < value.length; i++) value[i] = (i * 7 + 3) & 0xff;
  const wire = encode([b('SET'), b('k'), value]);
  const f = new RequestFramer(defaultFramerLimits());
  let got: string[] | null = null;
  for (let i = 0; i < wire.length; i += 65536) {
    f.push(wire.subarray(i, i + 65536));
    const c = f.next();
    if (c) got = c;
  }
  t.ok(got);
  t.equal(got!.length, 3);
  t.ok(Buffer.from(got![2]!, 'latin1').equals(value));
  t.equal(f.bufferedBytes, 0);
});

t.test('parseRedisInteger follows string2ll', async (t) => {
  const p = (s: string) => parseRedisInteger(b(s), 0, s.length);
  t.equal(p('0'), 0);
  t.equal(p('123'), 123);
  t.equal(p('-123'), -123);
  t.equal(p('9223372036854775807'), 9223372036854775807);
  t.equal(p('-9223372036854775808'), -9223372036854775808);
  for (const bad of ['', '-', '-0', '00', '01', '+1', ' 1', '1 ', '1a', '9223372036854775808', '-9223372036854775809', '123456789012345678901']) {
    t.ok(Number.isNaN(p(bad)), JSON.stringify(bad));
  }
});

t.test('property: random binary commands, randomly chunked, round-trip exactly', async (t) => {
  const arg = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
  const cmd = fc.array(arg, { minLength: 1, maxLength: 8 });
  fc.assert(
    fc.property(fc.array(cmd, { minLength: 1, maxLength: 12 }), fc.array(fc.nat(), { maxLength: 20 }), (cmds, cuts) => {
      const wire = Buffer.concat(cmds.map(encode));
      const points = [...new Set(cuts.map((c) => c % (wire.length + 1)))].sort((x, y) => x - y);
      const chunks: Buffer[] = [];
      let prev = 0;
      for (const p of points) {
        chunks.push(wire.subarray(prev, p));
        prev = p;
      }
      chunks.push(wire.subarray(prev));
      const f = new RequestFramer(defaultFramerLimits());
      const out: string[][] = [];
      for (const c of chunks) {
        f.push(c);
        let got: string[] | null;
        while ((got = f.next()) !== null) out.push(got);
      }
      if (f.bufferedBytes !== 0 || out.length !== cmds.length) return false;
      return out.every((o, i) => o.length === cmds[i]!.length && o.every((a, j) => Buffer.from(a, 'latin1').equals(cmds[i]![j]!)));
    }),
    { numRuns: 500 },
  );
  t.pass('round-trips');
});

t.test('property: inline quoting round-trips through sdssplitargs', async (t) => {
  // Quote each argument as redis-cli would (double quotes, \xHH for non-printables).
  const quote = (a: Buffer): string => {
    let s = '"';
    for (const c of a) {
      if (c === 34 || c === 92) s += '\\' + String.fromCharCode(c);
      else if (c >= 32 && c < 127) s += String.fromCharCode(c);
      else s += '\\x' + c.toString(16).padStart(2, '0');
    }
    return s + '"';
  };
  const arg = fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a));
  fc.assert(
    fc.property(fc.array(arg, { minLength: 1, maxLength: 6 }), fc.constantFrom(' ', '\t', '  '), (args, sep) => {
      const line = b(args.map(quote).join(sep) + '\r\n');
      const r = run([line]);
      return r.error === null && JSON.stringify(r.cmds) === JSON.stringify([args.map((a) => a.toString('latin1'))]);
    }),
    { numRuns: 300 },
  );
  t.pass('round-trips');
});

t.test('pipeline throughput sanity', async (t) => {
  const cmd = b('*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000001\r\n$3\r\nxxx\r\n');
  const chunk = Buffer.concat(Array<Buffer>(2000).fill(cmd));
  const f = new RequestFramer(defaultFramerLimits());
  const start = process.hrtime.bigint();
  let n = 0;
  for (let i = 0; i < 50; i++) {
    f.push(chunk);
    while (f.next() !== null) n++;
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  t.equal(n, 100000);
  t.ok(ms < 2000, `100k commands framed in ${ms.toFixed(1)} ms`);
});
