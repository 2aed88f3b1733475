/**
 * The checksums the built-in detectors validate their candidates with: Luhn (payment cards), ISO 13616
 * mod-97 with the per-country lengths of the SWIFT IBAN registry (IBANs), and GitHub's CRC32 token
 * checksum.
 *
 * @module
 */
import { crc32 } from 'node:zlib';

/**
 * Whether a string of digits passes the Luhn check (ISO/IEC 7812-1).
 *
 * @example
 * ```ts
 * luhnValid('4111111111111111'); // true
 * luhnValid('4111111111111112'); // false
 * ```
 */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index -= 1) {
    let digit = digits.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return false;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * IBAN length per country code, from the SWIFT IBAN registry.
 *
 * @example
 * ```ts
 * IBAN_LENGTHS.DE; // 22
 * ```
 */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HN: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

/**
 * Whether a compact IBAN (no spaces, upper case) has its country's length and passes mod-97 (ISO 13616).
 *
 * @example
 * ```ts
 * ibanValid('DE89370400440532013000'); // true
 * ibanValid('DE89370400440532013001'); // false
 * ```
 */
export function ibanValid(iban: string): boolean {
  const length = IBAN_LENGTHS[iban.slice(0, 2)];
  if (length === undefined || iban.length !== length) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (let index = 0; index < rearranged.length; index += 1) {
    const code = rearranged.charCodeAt(index);
    if (code >= 48 && code <= 57) remainder = (remainder * 10 + (code - 48)) % 97;
    else if (code >= 65 && code <= 90) remainder = (remainder * 100 + (code - 55)) % 97;
    else return false;
  }
  return remainder === 1;
}

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * Whether a classic GitHub token (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_` + 36 characters) carries a valid
 * checksum: its last six characters are the CRC32 of the 30 before them, in base 62, zero-padded.
 *
 * @example
 * ```ts
 * githubTokenChecksumValid('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'); // true
 * ```
 */
export function githubTokenChecksumValid(token: string): boolean {
  if (token.length !== 40) return false;
  let value = crc32(token.slice(4, 34));
  let encoded = '';
  while (value > 0) {
    encoded = BASE62[value % 62] + encoded;
    value = Math.floor(value / 62);
  }
  return encoded.padStart(6, '0') === token.slice(34);
}
