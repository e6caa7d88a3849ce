/**
 * CRC-64/Jones as Redis computes it (crc64.c: reflected, polynomial
 * 0xad93d23594c935a9, initial value 0, no final xor), for DUMP payloads.
 * crc64('123456789') = 0xe9c6d914c4b8d9ca.
 */
const TABLE: bigint[] = (() => {
  const poly = 0x95ac9329ac4bc9b5n; // 0xad93d23594c935a9 bit-reversed
  const t: bigint[] = [];
  for (let i = 0n; i < 256n; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ poly : c >> 1n;
    t.push(c);
  }
  return t;
})();

export function crc64(data: Uint8Array, crc = 0n): bigint {
  for (let i = 0; i < data.length; i++) crc = TABLE[Number((crc ^ BigInt(data[i])) & 0xffn)] ^ (crc >> 8n);
  return crc;
}
