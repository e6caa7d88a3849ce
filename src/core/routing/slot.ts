/**
 * Redis Cluster key hashing: CRC16 (XMODEM: poly 0x1021, init 0) of the key, or
 * of its `{hash tag}` when the key has a non-empty one, modulo 16384 slots.
 * Keys sharing a hash tag land in the same slot and so on the same shard.
 */
export const SLOT_COUNT = 16384;

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    table[i] = crc;
  }
  return table;
})();

export function crc16(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ bytes[i]) & 0xff];
  }
  return crc;
}

/** The hash slot of a key given as raw bytes. */
export function keyHashSlot(key: Uint8Array): number {
  const len = key.length;
  let open = -1;
  for (let i = 0; i < len; i++) {
    if (key[i] === 0x7b /* { */) {
      open = i;
      break;
    }
  }
  if (open !== -1) {
    for (let j = open + 1; j < len; j++) {
      if (key[j] === 0x7d /* } */) {
        // An empty tag `{}` does not count: the whole key is hashed.
        if (j > open + 1) return crc16(key, open + 1, j) & (SLOT_COUNT - 1);
        break;
      }
    }
  }
  return crc16(key, 0, len) & (SLOT_COUNT - 1);
}

/** The hash slot of the key held in bytes[start, end), without making a string or a view of it (an RDB load routes every key). */
export function keyHashSlotOfRange(bytes: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    if (bytes[i] !== 0x7b /* { */) continue;
    for (let j = i + 1; j < end; j++) {
      if (bytes[j] !== 0x7d /* } */) continue;
      // An empty tag `{}` does not count: the whole key is hashed.
      if (j > i + 1) return crc16(bytes, i + 1, j) & (SLOT_COUNT - 1);
      break;
    }
    break;
  }
  return crc16(bytes, start, end) & (SLOT_COUNT - 1);
}

/** CRC16 of chars start..end of a latin1 string (one char per byte). */
function crc16OfString(s: string, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ s.charCodeAt(i)) & 0xff];
  }
  return crc;
}

/**
 * The hash slot of a key held as a latin1 string (as the request framer and
 * the shards hold keys): the same slot as `keyHashSlot` of its bytes, with no
 * Buffer made for it.
 */
export function keyHashSlotOfString(key: string): number {
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    // An empty tag `{}` does not count: the whole key is hashed.
    if (close > open + 1) return crc16OfString(key, open + 1, close) & (SLOT_COUNT - 1);
  }
  return crc16OfString(key, 0, key.length) & (SLOT_COUNT - 1);
}

/**
 * Slots are split into contiguous ranges, one per shard, like a cluster's
 * nodes: shard i owns slots [i*16384/n, (i+1)*16384/n).
 */
export function slotToShard(slot: number, shardCount: number): number {
  return Math.floor((slot * shardCount) / SLOT_COUNT);
}
