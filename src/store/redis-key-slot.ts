/**
 * The Redis Cluster hash slot of a key: CRC16 (XMODEM) of the key's hash tag (the text between its first `{`
 * and the next `}`, when not empty) or of the whole key, modulo 16 384. Keys of one multi-key command or
 * script must map to one slot on a cluster.
 *
 * @module
 */

const TABLE = (() => {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte += 1) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[byte] = crc;
  }
  return table;
})();

/** The number of hash slots of a Redis Cluster. @example `REDIS_CLUSTER_SLOTS // 16384` */
export const REDIS_CLUSTER_SLOTS = 16_384;

/**
 * The hash slot Redis Cluster assigns a key to (what `CLUSTER KEYSLOT` answers).
 *
 * @example
 * ```ts
 * redisKeySlot('switchyard:m:{acme}:ledger:acme') === redisKeySlot('switchyard:r:{acme}:req_1:0'); // true
 * redisKeySlot('123456789'); // 12739
 * ```
 */
export function redisKeySlot(key: string | Uint8Array): number {
  let bytes = typeof key === 'string' ? Buffer.from(key) : key;
  const open = bytes.indexOf(0x7b);
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) bytes = bytes.subarray(open + 1, close);
  }
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ TABLE[((crc >> 8) ^ byte) & 0xff];
  return crc % REDIS_CLUSTER_SLOTS;
}
