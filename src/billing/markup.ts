/**
 * Reseller markup: an exact decimal fraction applied to a cost in nano-dollars.
 *
 * @module
 */
import { GatewayError } from '../core/errors.js';
import { dollarsToNano, nanoToDollars } from './cost.js';

const ONE = 1_000_000_000n;

/**
 * Parses a markup fraction (`'0.2'` is 20 %), checking it is a non-negative decimal with at most 9
 * decimals; returns it scaled by 1e9.
 *
 * @example
 * ```ts
 * parseMarkup('0.25'); // 250_000_000n
 * ```
 */
export function parseMarkup(markup: string): bigint {
  if (!/^\d+(\.\d{1,9})?$/.test(markup))
    throw new GatewayError('invalid_request', `A markup is a decimal fraction such as '0.2' (20 %), got '${markup}'`, {
      param: 'markup',
    });
  return dollarsToNano(markup);
}

/**
 * A cost with a markup added, rounded half up to a whole nano-dollar (exact: BigInt arithmetic).
 *
 * @example
 * ```ts
 * withMarkup(12_345, '0.2'); // 14_814
 * withMarkup(12_345, undefined); // 12_345
 * ```
 */
export function withMarkup(costNano: number, markup: string | undefined): number {
  if (markup === undefined || costNano === 0) return costNano;
  const scaled = BigInt(costNano) * (ONE + parseMarkup(markup));
  return Number((scaled + ONE / 2n) / ONE);
}

/**
 * Nano-dollars as a USD number, for the wire shapes that want a JSON number (`total_cost`): derived
 * from the exact decimal string, so it is the closest double to the exact amount.
 *
 * @example
 * ```ts
 * nanoToUsdNumber(12_500); // 0.0000125
 * ```
 */
export function nanoToUsdNumber(nano: number): number {
  return Number(nanoToDollars(nano));
}
