/**
 * A helper thread that computes an RDB file's CRC-64 while the shards read
 * the file (src/persistence/rdb.ts load): with an inline shard the main
 * thread is busy storing keys, so the checksum (about a tenth of a load's
 * work) would otherwise add to it. The file is shared memory: nothing is copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Crc64 } from '../core/rdb/crc64';

const { data, end } = workerData as { data: SharedArrayBuffer; end: number };
parentPort?.postMessage(new Crc64().update(new Uint8Array(data), 0, end).bytesLE());
