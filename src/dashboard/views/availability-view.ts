/**
 * The Availability view, live: per offering the success rate, p50/p95 latency and time to first token
 * over the health window, the breaker state and the recent failures. It polls `<dashboard>/api/health`
 * every two seconds while shown (and the tab is visible), and keeps the last few minutes of polls to draw
 * each offering's trend.
 *
 * @module
 */
import type { DashboardHealth, DashboardHealthOffering } from '../../http/dialects/dashboard/dashboard-data.js';
import { getJson } from '../api.js';
import { sparkline } from '../charts.js';
import { h, replace } from '../dom.js';
import { ago, clock, duration, percent } from '../format.js';

const POLL_MS = 2_000;
const HISTORY = 90;

interface Point {
  successRate: number | undefined;
  p50: number | undefined;
}

const history = new Map<string, Point[]>();

function keyOf(offering: DashboardHealthOffering): string {
  return `${offering.provider}:${offering.providerModelId}`;
}

function remember(data: DashboardHealth): void {
  for (const offering of data.offerings) {
    const points = history.get(keyOf(offering)) ?? [];
    points.push({ successRate: offering.successRate, p50: offering.latencyMs.p50 });
    if (points.length > HISTORY) points.shift();
    history.set(keyOf(offering), points);
  }
}

function stateBadge(offering: DashboardHealthOffering, now: number): HTMLElement {
  const label =
    offering.state === 'open' && offering.retryAt
      ? `open · probe in ${Math.max(0, Math.ceil((offering.retryAt - now) / 1000))} s`
      : offering.state;
  return h('span', { class: `pill breaker-${offering.state}`, 'data-state': offering.state }, label);
}

function rateCell(offering: DashboardHealthOffering): HTMLElement {
  const rate = offering.successRate;
  const level = rate === undefined ? 'none' : rate >= 0.99 ? 'good' : rate >= 0.9 ? 'warn' : 'bad';
  return h(
    'td',
    { class: `rate ${level}`, 'data-success-rate': rate === undefined ? '' : rate.toFixed(4) },
    h('strong', {}, percent(rate)),
    h('span', { class: 'muted small' }, ` ${offering.successes}/${offering.samples}`),
  );
}

function failuresCell(offering: DashboardHealthOffering, now: number): HTMLElement {
  if (offering.recentFailures.length === 0) return h('td', { class: 'muted' }, 'none');
  const [last] = offering.recentFailures;
  return h(
    'td',
    { class: 'failures' },
    h(
      'details',
      {},
      h(
        'summary',
        {},
        `${offering.recentFailures.length} · last ${last.code ?? 'error'}${last.status ? ` (${last.status})` : ''}, ${ago(last.at, now)}`,
      ),
      h(
        'ul',
        {},
        ...offering.recentFailures.map((failure) =>
          h(
            'li',
            {},
            `${clock(failure.at)} ${failure.code ?? 'error'}${failure.status ? ` ${failure.status}` : ''} after ${duration(failure.latencyMs)}`,
          ),
        ),
      ),
    ),
  );
}

function row(offering: DashboardHealthOffering, now: number): HTMLElement {
  const points = history.get(keyOf(offering)) ?? [];
  return h(
    'tr',
    { 'data-offering': keyOf(offering), class: `state-${offering.state}` },
    h(
      'td',
      {},
      h('strong', {}, offering.provider),
      h('div', { class: 'muted mono' }, offering.providerModelId),
      offering.models.length > 0 ? h('div', { class: 'small' }, offering.models.join(', ')) : null,
    ),
    h('td', {}, stateBadge(offering, now)),
    rateCell(offering),
    h(
      'td',
      {},
      sparkline(
        points.map((point) => point.successRate),
        { min: 0, max: 1, label: `${keyOf(offering)} success rate, last polls`, color: '#009e73' },
      ),
    ),
    h(
      'td',
      { class: 'num' },
      duration(offering.latencyMs.p50),
      h('span', { class: 'muted' }, ' / '),
      duration(offering.latencyMs.p95),
    ),
    h(
      'td',
      {},
      sparkline(
        points.map((point) => point.p50),
        { min: 0, label: `${keyOf(offering)} p50 latency, last polls`, color: '#0072b2' },
      ),
    ),
    h(
      'td',
      { class: 'num' },
      duration(offering.timeToFirstTokenMs.p50),
      h('span', { class: 'muted' }, ' / '),
      duration(offering.timeToFirstTokenMs.p95),
    ),
    failuresCell(offering, now),
  );
}

function tiles(data: DashboardHealth): HTMLElement {
  const samples = data.offerings.reduce((sum, offering) => sum + offering.samples, 0);
  const successes = data.offerings.reduce((sum, offering) => sum + offering.successes, 0);
  const open = data.offerings.filter((offering) => offering.state !== 'closed').length;
  return h(
    'div',
    { class: 'tiles' },
    h('div', { class: 'tile' }, h('span', {}, 'Offerings seen'), h('strong', {}, String(data.offerings.length))),
    h(
      'div',
      { class: `tile ${open > 0 ? 'bad' : ''}`, id: 'open-breakers' },
      h('span', {}, 'Breakers not closed'),
      h('strong', {}, String(open)),
    ),
    h(
      'div',
      { class: 'tile' },
      h('span', {}, 'Success rate'),
      h('strong', {}, percent(samples === 0 ? undefined : successes / samples)),
    ),
    h('div', { class: 'tile' }, h('span', {}, 'Attempts in window'), h('strong', {}, String(samples))),
  );
}

function render(root: HTMLElement, data: DashboardHealth): void {
  const window = data.windowMs ? `the last ${Math.round(data.windowMs / 60_000)} min` : 'the health window';
  replace(
    root,
    h(
      'div',
      { class: 'toolbar' },
      h('span', { class: 'live-dot', 'aria-hidden': 'true' }),
      h('span', { id: 'availability-updated' }, `Live · updated ${clock(data.now)} · statistics over ${window}`),
    ),
    tiles(data),
    data.offerings.length === 0
      ? h('p', { class: 'empty' }, 'No attempts yet: offerings appear here after their first request.')
      : h(
          'table',
          { class: 'grid-table availability' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', {}, 'Offering'),
              h('th', {}, 'Breaker'),
              h('th', {}, 'Success'),
              h('th', {}, 'Trend'),
              h('th', { class: 'num' }, 'Latency p50 / p95'),
              h('th', {}, 'Trend'),
              h('th', { class: 'num' }, 'First token p50 / p95'),
              h('th', {}, 'Recent failures'),
            ),
          ),
          h('tbody', {}, ...data.offerings.map((offering) => row(offering, data.now))),
        ),
  );
}

let timer: ReturnType<typeof setTimeout> | undefined;
/** Bumped when the view starts or stops, so a poll still in flight from before neither renders nor reschedules. */
let generation = 0;

/**
 * Shows the Availability view and keeps it updated until {@link stopAvailability}.
 *
 * @example
 * ```ts
 * await showAvailability(document.querySelector('#view-availability')!);
 * ```
 */
export async function showAvailability(root: HTMLElement): Promise<void> {
  stopAvailability();
  const mine = generation;
  const poll = async (): Promise<void> => {
    try {
      if (document.visibilityState !== 'hidden') {
        const data = await getJson<DashboardHealth>('health');
        if (mine !== generation) return;
        remember(data);
        render(root, data);
      }
    } catch (error) {
      if (mine !== generation) return;
      root.querySelector('.error')?.remove();
      root.prepend(h('p', { class: 'error' }, `Could not update: ${(error as Error).message}`));
    }
    if (mine !== generation) return;
    timer = setTimeout(() => void poll(), POLL_MS);
  };
  await poll();
}

/**
 * Stops polling (another view is shown).
 *
 * @example
 * ```ts
 * stopAvailability();
 * ```
 */
export function stopAvailability(): void {
  generation += 1;
  if (timer) clearTimeout(timer);
  timer = undefined;
}
