/**
 * Exact cost arithmetic: list prices (decimal USD strings per million tokens) × token counts, in
 * integer nano-dollars. No float ever touches money.
 *
 * @module
 */
import type { CostBreakdown } from '../core/events.js';
import type { Pricing } from '../catalog/catalog.js';
import { GatewayError } from '../core/errors.js';

const NANO_PER_DOLLAR = 1_000_000_000n;
const TOKENS_PER_PRICE_UNIT = 1_000_000n;
const parsed = new Map<string, bigint>();

/**
 * Converts a decimal USD string to nano-dollars exactly (as a bigint, up to 9 decimals).
 *
 * @example
 * ```ts
 * dollarsToNano('2.50'); // 2_500_000_000n
 * ```
 */
export function dollarsToNano(dollars: string): bigint {
  const cached = parsed.get(dollars);
  if (cached !== undefined) return cached;
  const match = /^(\d+)(?:\.(\d{1,9}))?$/.exec(dollars.trim());
  if (!match)
    throw new GatewayError('config_invalid', `'${dollars}' is not a decimal USD amount with at most 9 decimals`);
  const value = BigInt(match[1]) * NANO_PER_DOLLAR + BigInt((match[2] ?? '').padEnd(9, '0'));
  parsed.set(dollars, value);
  return value;
}

/**
 * Formats nano-dollars as an exact decimal USD string (no trailing zeros past the cents' first digit).
 *
 * @example
 * ```ts
 * nanoToDollars(12_500); // '0.0000125'
 * ```
 */
export function nanoToDollars(nano: number | bigint): string {
  if (typeof nano === 'number' && Number.isSafeInteger(nano)) {
    // Integer arithmetic on safe integers is exact; BigInt is only needed beyond 2^53.
    const absolute = Math.abs(nano);
    const whole = Math.floor(absolute / 1_000_000_000);
    const fraction = String(absolute - whole * 1_000_000_000)
      .padStart(9, '0')
      .replace(/0+$/, '');
    return `${nano < 0 ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
  }
  const value = BigInt(nano);
  const negative = value < 0n;
  const absolute = negative ? -value : value;
  const whole = absolute / NANO_PER_DOLLAR;
  const fraction = (absolute % NANO_PER_DOLLAR).toString().padStart(9, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/**
 * Cost of `tokens` at a price per million tokens, in nano-dollars, rounded half up to a whole nano-dollar.
 *
 * @example
 * ```ts
 * tokenCost(1_000, '2.50'); // 2_500_000 (0.0025 USD)
 * ```
 */
export function tokenCost(tokens: number, pricePerMillion: string | undefined): number {
  if (!pricePerMillion || tokens <= 0) return 0;
  const whole = Math.round(tokens);
  const price = pricePerMillionNano(pricePerMillion);
  const product = whole * price;
  if (Number.isSafeInteger(product)) {
    // Exact integer arithmetic in doubles: every value below stays under 2^53.
    const numerator = product + HALF_UNIT;
    let quotient = Math.floor(numerator / UNIT);
    if (quotient * UNIT > numerator) quotient -= 1;
    else if ((quotient + 1) * UNIT <= numerator) quotient += 1;
    return quotient;
  }
  const numerator = BigInt(whole) * dollarsToNano(pricePerMillion);
  return Number((numerator + TOKENS_PER_PRICE_UNIT / 2n) / TOKENS_PER_PRICE_UNIT);
}

const UNIT = 1_000_000;
const HALF_UNIT = 500_000;
const pricesAsNumbers = new Map<string, number>();

function pricePerMillionNano(pricePerMillion: string): number {
  let value = pricesAsNumbers.get(pricePerMillion);
  if (value === undefined) {
    const exact = dollarsToNano(pricePerMillion);
    value = exact <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(exact) : Number.POSITIVE_INFINITY;
    pricesAsNumbers.set(pricePerMillion, value);
  }
  return value;
}

/**
 * Token counts to price.
 *
 * @example
 * ```ts
 * const counts: BillableTokens = { noCacheInput: 100, cacheRead: 0, cacheWrite: 0, output: 20 };
 * ```
 */
export interface BillableTokens {
  noCacheInput: number;
  cacheRead: number;
  /** All cache writes, of either lifetime. */
  cacheWrite: number;
  /** Of `cacheWrite`, the tokens written with a 1-hour lifetime (priced at {@link Pricing.cacheWriteOneHour}). */
  cacheWriteOneHour?: number;
  /** All output tokens, reasoning included (vendors bill reasoning as output). */
  output: number;
}

/**
 * The cost of an attempt, split by token kind, at the offering's list price with zero markup.
 * Cache reads and writes fall back to the input price when the offering lists none; 1-hour cache
 * writes to the cache write price. `cost.cacheWrite` is the cost of both lifetimes of writes, each
 * rounded on its own (as two lines of a vendor's invoice are).
 *
 * @example
 * ```ts
 * computeCost({ noCacheInput: 1_000, cacheRead: 0, cacheWrite: 0, output: 500 }, { input: '3', output: '15' });
 * // { input: 3_000_000, output: 7_500_000, cacheRead: 0, cacheWrite: 0, total: 10_500_000 }
 * computeCost({ noCacheInput: 0, cacheRead: 0, cacheWrite: 1_000, cacheWriteOneHour: 400, output: 0 }, { input: '3', output: '15', cacheWrite: '3.75', cacheWriteOneHour: '6' });
 * // cacheWrite: 600 × 3.75 + 400 × 6 per million = 2_250_000 + 2_400_000 = 4_650_000
 * ```
 */
export function computeCost(tokens: BillableTokens, pricing: Pricing): CostBreakdown {
  const input = tokenCost(tokens.noCacheInput, pricing.input);
  const output = tokenCost(tokens.output, pricing.output);
  const cacheRead = tokenCost(tokens.cacheRead, pricing.cacheRead ?? pricing.input);
  const writePrice = pricing.cacheWrite ?? pricing.input;
  const oneHour = Math.min(Math.max(0, tokens.cacheWriteOneHour ?? 0), tokens.cacheWrite);
  const cacheWrite =
    oneHour === 0
      ? tokenCost(tokens.cacheWrite, writePrice)
      : tokenCost(tokens.cacheWrite - oneHour, writePrice) +
        tokenCost(oneHour, pricing.cacheWriteOneHour ?? writePrice);
  return { input, output, cacheRead, cacheWrite, total: input + output + cacheRead + cacheWrite };
}

/**
 * The price of one image for a size and quality (`Pricing.image`): `quality/size`, then `size`, then
 * `quality`, then `default`; undefined when the offering lists no image price.
 *
 * @example
 * ```ts
 * imagePrice({ input: '0', output: '0', image: { default: '0.04', hd: '0.08' } }, '1024x1024', 'hd'); // '0.08'
 * ```
 */
export function imagePrice(
  pricing: Pricing,
  size: string | undefined,
  quality: string | undefined,
): string | undefined {
  const table = pricing.image;
  if (!table) return undefined;
  const keys = [quality && size ? `${quality}/${size}` : undefined, size, quality, 'default'];
  for (const key of keys) if (key !== undefined && Object.hasOwn(table, key)) return table[key];
  return undefined;
}

/**
 * What a request bills beyond tokens: images at a price each, or search units.
 *
 * @example
 * ```ts
 * const units: BillableUnits = { images: 2, imagePrice: '0.04' };
 * ```
 */
export interface BillableUnits {
  images?: number;
  /** The price of each image (see {@link imagePrice}). */
  imagePrice?: string;
  searchUnits?: number;
}

/**
 * A token cost with the units added (images × their price, search units × `Pricing.searchUnit`), exact.
 *
 * @example
 * ```ts
 * withUnitCost(computeCost(tokens, pricing), { images: 2, imagePrice: '0.04' }, pricing).total; // + 80_000_000
 * ```
 */
export function withUnitCost(cost: CostBreakdown, units: BillableUnits | undefined, pricing: Pricing): CostBreakdown {
  if (!units) return cost;
  const result: CostBreakdown = { ...cost };
  if (units.images !== undefined) {
    const images = units.imagePrice ? unitsCost(units.images, units.imagePrice) : 0;
    result.images = images;
    result.total += images;
  }
  if (units.searchUnits !== undefined) {
    const searches = pricing.searchUnit ? unitsCost(units.searchUnits, pricing.searchUnit) : 0;
    result.searchUnits = searches;
    result.total += searches;
  }
  return result;
}

function unitsCost(count: number, price: string): number {
  if (count <= 0) return 0;
  return Number(BigInt(Math.round(count)) * dollarsToNano(price));
}
