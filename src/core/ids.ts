/**
 * Identifiers: ULIDs (time-ordered, 26 Crockford base-32 characters) for requests and generations.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
let pool = Buffer.alloc(0);
let poolOffset = 0;

function random10(): Buffer {
  if (poolOffset + 10 > pool.length) {
    pool = randomBytes(1000);
    poolOffset = 0;
  }
  const slice = pool.subarray(poolOffset, poolOffset + 10);
  poolOffset += 10;
  return slice;
}

/**
 * A new ULID.
 *
 * @example
 * ```ts
 * createUlid(); // '01JD8X3Z4K5M6N7P8Q9R0S1T2V'
 * ```
 */
export function createUlid(now: number = Date.now()): string {
  let time = '';
  let value = now;
  for (let index = 0; index < 10; index += 1) {
    time = ALPHABET[value % 32] + time;
    value = Math.floor(value / 32);
  }
  const bytes = random10();
  let randomPart = '';
  // 80 random bits → 16 characters of 5 bits.
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      randomPart += ALPHABET[(buffer >> bits) & 31];
    }
    buffer &= (1 << bits) - 1;
  }
  return time + randomPart;
}

/**
 * A generation id: `gen_<ulid>`, the id usage events and reports use.
 *
 * @example
 * ```ts
 * createGenerationId(); // 'gen_01JD8X3Z4K5M6N7P8Q9R0S1T2V'
 * ```
 */
export function createGenerationId(): string {
  return `gen_${createUlid()}`;
}

/**
 * A request id: `req_<ulid>`.
 *
 * @example
 * ```ts
 * createRequestId(); // 'req_01JD8X3Z4K5M6N7P8Q9R0S1T2V'
 * ```
 */
export function createRequestId(): string {
  return `req_${createUlid()}`;
}
