/**
 * Replays an AOF's commands through an in-process connection, exactly as a
 * client's would run (SELECT, MULTI/EXEC, cross-shard commands and all): the
 * file's bytes are its input, and its replies are counted (with redis-parser)
 * until every command has answered. The connection is marked `loader`, so it
 * is served while the server is loading and its commands are not logged again.
 */
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import RedisParser from 'redis-parser';
import { Connection, type ConnectionHost } from '../connection';

/** A socket-shaped stream: what the connection reads is the AOF, what it writes goes to `onOutput`. */
class LoaderSocket extends Duplex {
  readonly remoteAddress = 'aof';
  readonly remotePort = 0;
  readonly localAddress = 'aof';
  readonly localPort = 0;

  constructor(private readonly onOutput: (chunk: Buffer) => void) {
    super();
  }

  setNoDelay(): this {
    return this;
  }

  setTimeout(): this {
    return this;
  }

  override _read(): void {
    /* input is pushed by replay */
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.onOutput(chunk);
    cb();
  }
}

/** Runs `commands` commands from `data` on a fresh loader connection; resolves when all have replied. */
export function replayCommands(host: ConnectionHost, register: (conn: Connection) => void, id: number, data: Buffer, commands: number): Promise<void> {
  if (commands === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    let replies = 0;
    let firstError: string | null = null;
    const parser = new RedisParser({
      returnBuffers: true,
      returnReply: () => {
        if (++replies === commands) finish();
      },
      returnError: (err: Error) => {
        // Errors are legitimate in a log (a command that failed inside EXEC's queue shows here); keep the first for the log.
        firstError ??= err.message;
        if (++replies === commands) finish();
      },
      returnFatalError: (err: Error) => reject(err),
    });
    const socket = new LoaderSocket((chunk) => parser.execute(chunk));
    const conn = new Connection(socket as unknown as Socket, host, id);
    conn.loader = true;
    register(conn);
    const finish = (): void => {
      if (firstError !== null) host.log.debug({ firstError }, 'AOF replay saw error replies');
      socket.push(null);
      conn.done.then(() => resolve(), reject);
    };
    socket.push(data);
  });
}
