/**
 * The least a Node.js server can do per request, as a floor for Shardis's
 * latency: it answers every RESP request with `+PONG` straight from the
 * socket's `data` handler (no framing beyond counting requests, no batching,
 * no event-loop hop), on the same `net` streams Shardis uses. Only PING
 * tests make sense against it. `benchmarks/latency.ts --floor` runs it next
 * to redis-server and Shardis: whatever it measures, no design on these
 * streams can beat.
 *
 *   node dist/benchmarks/floor-server.js <port>
 */
import net from 'node:net';

const PONG = Buffer.from('+PONG\r\n', 'latin1');

/** Requests in a chunk: multibulk headers (`*`) at line starts, else inline lines. */
function countRequests(chunk: Buffer): number {
  let n = 0;
  let lineStart = true;
  let multibulk = 0;
  for (let i = 0; i < chunk.length; i++) {
    const b = chunk[i];
    if (lineStart && b === 42 /* '*' */) multibulk++;
    if (b === 10) {
      n++;
      lineStart = true;
    } else {
      lineStart = false;
    }
  }
  return multibulk > 0 ? multibulk : n;
}

const port = Number(process.argv[2]);
net
  .createServer({ noDelay: true }, (socket) => {
    socket.on('data', (chunk: Buffer) => {
      const n = countRequests(chunk);
      socket.write(n === 1 ? PONG : Buffer.concat(new Array<Buffer>(n).fill(PONG)));
    });
    socket.on('error', () => undefined);
  })
  .listen(port, '127.0.0.1');
