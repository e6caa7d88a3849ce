/**
 * An ioredis client for a test: connected before it is returned (failing
 * loudly rather than retrying), and disconnected when the test ends.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Teardownable } from './servers';

export async function connectIoredis(t: Teardownable, port: number, options: RedisOptions = {}): Promise<Redis> {
  const io = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, ...options });
  t.teardown(() => io.disconnect());
  await io.connect();
  return io;
}
