/**
 * Raw protocol differential: the same bytes go to Shardis and to a real
 * redis-server on fresh connections; the raw reply bytes must be identical, and
 * so must the close behaviour (both closed or both still open 300 ms later).
 *
 * Each case uses its own keys so that all cases can run at once.
 */
import t from 'tap';
import net from 'node:net';
import { RespClient } from './helpers/resp-client';
import { DifferentialSuite } from './helpers/differential';

const SETTLE_MS = 300;
const PATIENCE_MS = 5000;

interface Outcome {
  reply: string;
  closed: boolean;
}

/**
 * Sends `parts` on a fresh connection and collects what comes back. Without
 * `expect` (the reference server) it waits SETTLE_MS. With the reference's
 * outcome it waits until as many bytes came back and the connection is in
 * the same state (then SETTLE_MS more for anything extra), or at most
 * PATIENCE_MS: a loaded machine delays Shardis's first replies by more than
 * SETTLE_MS, and a fixed wait then reads a correct server as silent.
 */
function exchange(port: number, parts: readonly string[], expect?: Outcome): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    let closed = false;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(limit);
      s.destroy();
      resolve({ reply: data.toString('latin1'), closed });
    };
    const check = (): void => {
      if (expect === undefined || finished) return;
      if (data.length >= expect.reply.length && closed === expect.closed) setTimeout(finish, closed ? 0 : SETTLE_MS);
    };
    const limit = setTimeout(finish, expect === undefined ? SETTLE_MS : PATIENCE_MS);
    s.on('data', (d: Buffer) => {
      data = Buffer.concat([data, d]);
      check();
    });
    s.on('close', () => {
      closed = true;
      check();
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      // A reset after the server closed on us still counts as a close.
      if (e.code === 'ECONNRESET' || e.code === 'EPIPE') closed = true;
      else reject(e);
    });
    s.once('connect', () => {
      s.setNoDelay(true);
      for (const p of parts) s.write(Buffer.from(p, 'latin1'));
      check();
    });
  });
}

const CASES: [string, string[]][] = [
  // Hostile headers and framing errors.
  ['count over 32 bits', ['*5000000000\r\n']],
  ['count not a number', ['*abc\r\n']],
  ['count with plus sign', ['*+1\r\n']],
  ['count with space', ['* 1\r\n']],
  ['count with leading zero', ['*01\r\n$4\r\nPING\r\n']],
  ['negative count then inline', ['*-5\r\nPING\r\n']],
  ['minus one count', ['*-1\r\nPING\r\n']],
  ['huge bulk length', ['*1\r\n$999999999999\r\n']],
  ['bulk over proto-max-bulk-len', ['*1\r\n$536870913\r\n']],
  ['30 digit bulk length', ['*1\r\n$' + '1'.repeat(30) + '\r\n']],
  ['bulk length not a number', ['*1\r\n$abc\r\n']],
  ['null bulk', ['*1\r\n$-1\r\n']],
  ['minus zero bulk', ['*1\r\n$-0\r\n']],
  ['bulk length with leading zero', ['*1\r\n$04\r\nPING\r\n']],
  ['bulk length with plus', ['*1\r\n$+4\r\nPING\r\n']],
  ['negative bulk after a good one', ['*2\r\n$4\r\nECHO\r\n$-5\r\n']],
  ['integer instead of bulk', ['*1\r\n:1\r\n']],
  ['array instead of bulk', ['*1\r\n*1\r\n']],
  ['text instead of bulk', ['*1\r\nfoo\r\n']],
  ['dollar line as inline', ['$999999999999\r\n']],
  ['dollar text as inline', ['$abc\r\n']],
  ['70 KB inline without newline', ['A'.repeat(70 * 1024)]],
  ['70 KB count line', ['*' + '1'.repeat(70 * 1024)]],
  ['70 KB bulk length line', ['*1\r\n$' + '1'.repeat(70 * 1024)]],
  ['75 KB inline line with newline', ['ECHO ' + 'x'.repeat(75 * 1024) + '\r\n']],
  ['100 KB inline line with newline', ['ECHO ' + 'x'.repeat(100 * 1024) + '\r\n']],
  ['60 KB inline line', ['ECHO ' + 'x'.repeat(60 * 1024) + '\r\n']],
  // A line end after more than 64 KB of header line: the count fails to parse.
  ['70 KB count line with CRLF', ['*' + '1'.repeat(70 * 1024) + '\r\n']],
  ['70 KB bulk length line with CRLF', ['*1\r\n$' + '1'.repeat(70 * 1024) + '\r\n']],
  ['error stops the pipeline', ['PING\r\n*1\r\n$-1\r\nSET pd:after x\r\nGET pd:after\r\n']],
  // Inline quoting.
  ['unbalanced double quote', ['SET "a b\r\n']],
  ['unbalanced single quote', ["SET 'a b\r\n"]],
  ['text after closing double quote', ['ECHO "x"y\r\n']],
  ['text after closing single quote', ["ECHO 'x'y\r\n"]],
  ['quote broken by the line end', ['ECHO "a\r\nb"\r\n']],
  ['quoted key and value', [`SET "pd:a b" 'c d'\r\nGET "pd:a b"\r\n*2\r\n$3\r\nGET\r\n$6\r\npd:a b\r\n`]],
  ['hex escapes', ['ECHO "\\x41\\x4a\\xff\\x00!"\r\n']],
  ['bad hex escape', ['ECHO "\\xZZ\\x4"\r\n']],
  ['backslash escapes', ['ECHO "\\n\\r\\t\\b\\a\\\\\\"\\q"\r\n']],
  ['single quote escapes', ["ECHO 'it\\'s \\n \\\\ \\x41'\r\n"]],
  ['unquoted backslashes', ['ECHO \\x41\\n\r\n']],
  ['empty quoted args', [`ECHO ""\r\nECHO ''\r\n`]],
  ['quotes then spaces', ['ECHO "a"   \r\n']],
  ['binary value set inline, read multibulk', ['SET pd:bin "\\x00\\r\\n\\xff"\r\n*2\r\n$3\r\nGET\r\n$6\r\npd:bin\r\n']],
  // Valid but odd forms.
  ['multibulk PING', ['*1\r\n$4\r\nPING\r\n']],
  ['PING with CR CR LF', ['PING\r\r\n']],
  ['spaces around PING, LF only', ['  PING  \n']],
  ['tabs around PING', ['\t PING\t\r\n']],
  ['blank lines', ['\n\n\r\n   \r\n\r\r\r\nPING\n']],
  ['empty multibulk', ['*0\r\n*0\r\nPING\r\n']],
  ['empty command name', ['*1\r\n$0\r\n\r\n']],
  ['bulk not followed by CRLF', ['*1\r\n$4\r\nPINGxx']],
  ['NUL in an inline line', ['PING\x00\r\n']],
  ['unknown inline command', ['NOSUCH a "b c" d\r\n']],
  ['unknown multibulk command with long args', ['*3\r\n$6\r\nNOSUCH\r\n$200\r\n' + 'y'.repeat(200) + '\r\n$1\r\nz\r\n']],
  ['wrong arity inline', ['GET\r\n']],
  ['mixed pipeline', ['*2\r\n$4\r\nECHO\r\n$3\r\nabc\r\nECHO \'x y\'\r\n*1\r\n$4\r\nPING\r\n']],
  ['split inside a bulk', ['*2\r\n$4\r\nECHO\r\n$5\r\nhe', 'llo\r\n']],
  ['split inside CRLF', ['PING\r', '\n*1\r\n$4\r\nPING\r', '\n']],
  ['incomplete request stays open', ['*2\r\n$4\r\nECHO\r\n$10\r\nabc']],
];

/**
 * Cases where Redis's outcome depends on its read sizes, not on a protocol rule:
 * Redis gives up on a line once more than 64 KB are buffered without its end,
 * and how much it has buffered when it looks depends on its greedy query buffer
 * growth (a 75 KB inline line passes, a 100 KB one is refused). Shardis refuses
 * only when more than 64 KB arrive without the line end, so it accepts the
 * 100 KB line. Compared, but as todo.
 */
const READ_SIZE_DEPENDENT = new Set(['100 KB inline line with newline']);

// Known, documented deviation (src/resp/request-framer.ts): Shardis rejects
// multibulk counts above 1M ("invalid multibulk length", closed) where Redis 7.0
// keeps waiting for the arguments. Not compared: `*30000000\r\n`.

const diff = new DifferentialSuite(t);

diff.test('raw protocol matches redis-server', async (t, s) => {
  const want = await Promise.all(CASES.map(([, parts]) => exchange(s.redis.port, parts)));
  // The reference must really exercise both outcomes.
  t.ok(want.filter((w) => w.closed).length >= 20, 'many cases close the connection in Redis');
  t.ok(want.filter((w) => !w.closed && w.reply.length > 0).length >= 15, 'many cases are answered on an open connection');

  // Warm every shard first: the cases are about bytes, not about the first
  // request to a freshly started shard thread (which can take > 300 ms).
  const warm = await RespClient.connect(s.shardis.port);
  const keys = Array.from({ length: 32 }, (_, i) => `warm:${i}`);
  t.equal(await warm.call('MSET', ...keys.flatMap((k) => [k, 'x'])), 'OK');
  t.equal(await warm.call('DEL', ...keys), keys.length);
  warm.close();
  const got = await Promise.all(CASES.map(([, parts], i) => exchange(s.shardis.port, parts, want[i])));
  CASES.forEach(([name], i) => {
    const opt = READ_SIZE_DEPENDENT.has(name) ? { todo: 'Redis outcome depends on its read sizes' } : {};
    t.equal(got[i].reply, want[i].reply, `${name}: reply bytes`, opt);
    t.equal(got[i].closed, want[i].closed, `${name}: ${want[i].closed ? 'closed' : 'left open'} as in Redis`, opt);
  });
});
