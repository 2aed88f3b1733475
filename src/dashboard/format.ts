/**
 * How the dashboard writes numbers: dollars from integer nano-dollars, prices, token counts, durations.
 *
 * @module
 */

/**
 * Nano-dollars as dollars, with the precision small amounts need.
 *
 * @example
 * ```ts
 * dollars(2_500_000_000); // '$2.50'
 * dollars(4_998_100_000); // '$4.9981'
 * dollars(12_345); // '$0.0000123'
 * ```
 */
export function dollars(nano: number | undefined): string {
  if (nano === undefined) return '–';
  if (nano === 0) return '$0';
  const sign = nano < 0 ? '-' : '';
  const value = Math.abs(nano) / 1e9;
  if (value >= 100) return `${sign}$${value.toLocaleString('en-US', { maximumFractionDigits: 0 })}`;
  if (value >= 0.01) return `${sign}$${value.toFixed(4).replace(/(\.\d\d\d*?)0+$/, '$1')}`;
  return `${sign}$${value.toPrecision(3).replace(/0+$/, '')}`;
}

/**
 * A price per million tokens (a decimal string) as `$3.00`, or a dash.
 *
 * @example
 * ```ts
 * price('0.3'); // '$0.30'
 * ```
 */
export function price(value: string | undefined): string {
  if (value === undefined) return '–';
  const [whole, fraction = ''] = value.split('.');
  return `$${whole}.${fraction.padEnd(2, '0')}`;
}

/**
 * A count, shortened (`12.3k`, `4.1M`).
 *
 * @example
 * ```ts
 * count(12_345); // '12.3k'
 * ```
 */
export function count(value: number | undefined): string {
  if (value === undefined) return '–';
  if (Math.abs(value) >= 1e6) return `${(value / 1e6).toFixed(1).replace(/\.0$/, '')}M`;
  if (Math.abs(value) >= 1e4) return `${(value / 1e3).toFixed(1).replace(/\.0$/, '')}k`;
  return value.toLocaleString('en-US');
}

/**
 * Milliseconds as `840 ms` or `2.4 s`.
 *
 * @example
 * ```ts
 * duration(2_400); // '2.4 s'
 * ```
 */
export function duration(ms: number | undefined): string {
  if (ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/**
 * A share as a percentage.
 *
 * @example
 * ```ts
 * percent(0.984); // '98.4%'
 * ```
 */
export function percent(share: number | undefined): string {
  if (share === undefined) return '–';
  const value = share * 100;
  return `${value === 100 || value === 0 ? value.toFixed(0) : value.toFixed(1)}%`;
}

/**
 * How long ago an epoch time was (`12 s ago`).
 *
 * @example
 * ```ts
 * ago(Date.now() - 90_000); // '2 min ago'
 * ```
 */
export function ago(time: number, now = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - time) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86_400)} d ago`;
}

/**
 * A time of day (or a date and time when not today).
 *
 * @example
 * ```ts
 * clock(Date.now()); // '14:03:12'
 * ```
 */
export function clock(time: number): string {
  const date = new Date(time);
  const today = new Date().toDateString() === date.toDateString();
  const hms = date.toLocaleTimeString('en-GB', { hour12: false });
  return today ? hms : `${date.toISOString().slice(0, 10)} ${hms}`;
}
