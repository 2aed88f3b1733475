/**
 * The dashboard's charts, in plain SVG (and HTML for horizontal bars): stacked bars over time, bars by
 * group, sparklines. No charting library: these three shapes are a few dozen lines each, need no network
 * and add nothing to download. Every mark carries a `<title>` (a tooltip, and text for screen readers).
 *
 * @module
 */
import { h, svg } from './dom.js';

/** The palette, colour-blind safe (Okabe–Ito). @example `PALETTE[0]; // '#0072b2'` */
export const PALETTE = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#999999'];

/**
 * One bar of a time chart: its label under the axis, its stacked values, its tooltip.
 *
 * @example
 * ```ts
 * const bar: TimeBar = { label: '14:00', values: [120, 40], title: '14:00: 120 input, 40 output' };
 * ```
 */
export interface TimeBar {
  label: string;
  values: number[];
  title: string;
}

/**
 * Stacked vertical bars over time, with a y-axis scale and a legend.
 *
 * @example
 * ```ts
 * container.append(timeBars(bars, { series: ['input', 'output'], format: count, label: 'Tokens by hour' }));
 * ```
 */
export function timeBars(
  bars: TimeBar[],
  options: { series: string[]; format: (value: number) => string; label: string },
): HTMLElement {
  const width = 720;
  const height = 200;
  const left = 64;
  const bottom = 22;
  const top = 8;
  const plotWidth = width - left - 8;
  const plotHeight = height - bottom - top;
  const max = Math.max(0, ...bars.map((bar) => bar.values.reduce((sum, value) => sum + value, 0)));
  const chart = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    class: 'chart',
    role: 'img',
    'aria-label': options.label,
  });
  for (const fraction of [0, 0.5, 1]) {
    const y = top + plotHeight - fraction * plotHeight;
    chart.append(
      svg('line', { x1: left, x2: width - 8, y1: y, y2: y, class: 'grid' }),
      svg(
        'text',
        { x: left - 6, y: y + 4, 'text-anchor': 'end', class: 'axis' },
        max === 0 ? '0' : options.format(max * fraction),
      ),
    );
  }
  const slot = plotWidth / Math.max(1, bars.length);
  const barWidth = Math.max(2, slot * 0.72);
  const every = Math.ceil(bars.length / 12);
  bars.forEach((bar, index) => {
    const x = left + index * slot + (slot - barWidth) / 2;
    let y = top + plotHeight;
    const group = svg('g', { class: 'bar' }, svg('title', {}, bar.title));
    bar.values.forEach((value, series) => {
      if (value <= 0 || max === 0) return;
      const barHeight = (value / max) * plotHeight;
      y -= barHeight;
      group.append(
        svg('rect', { x, y, width: barWidth, height: Math.max(1, barHeight), fill: PALETTE[series % PALETTE.length] }),
      );
    });
    // An invisible full-height target, so that empty periods show their tooltip too.
    group.append(svg('rect', { x, y: top, width: barWidth, height: plotHeight, fill: 'transparent' }));
    chart.append(group);
    if (index % every === 0)
      chart.append(
        svg('text', { x: x + barWidth / 2, y: height - 6, 'text-anchor': 'middle', class: 'axis' }, bar.label),
      );
  });
  const legend =
    options.series.length > 1
      ? h(
          'div',
          { class: 'legend' },
          ...options.series.map((name, index) =>
            h('span', {}, h('i', { style: `background:${PALETTE[index % PALETTE.length]}` }), name),
          ),
        )
      : null;
  return h('figure', { class: 'chart-box' }, h('figcaption', {}, options.label), chart, legend);
}

/**
 * Horizontal bars by group, largest first, each with its value written beside it.
 *
 * @example
 * ```ts
 * groupBars([{ label: 'openai/gpt-4o', value: 2_500_000, title: '3 requests' }], { format: dollars, label: 'Cost by model' });
 * ```
 */
export function groupBars(
  items: Array<{ label: string; value: number; title?: string }>,
  options: { format: (value: number) => string; label: string },
): HTMLElement {
  const max = Math.max(0, ...items.map((item) => item.value));
  return h(
    'figure',
    { class: 'chart-box' },
    h('figcaption', {}, options.label),
    items.length === 0
      ? h('p', { class: 'muted' }, 'Nothing in this range.')
      : h(
          'div',
          { class: 'hbars', role: 'list' },
          ...items.map((item, index) =>
            h(
              'div',
              { class: 'hbar', role: 'listitem', title: item.title ?? '' },
              h('span', { class: 'hbar-label' }, item.label),
              h(
                'span',
                { class: 'hbar-track' },
                h('span', {
                  class: 'hbar-fill',
                  style: `width:${max === 0 ? 0 : Math.max(0.5, (item.value / max) * 100)}%;background:${PALETTE[index % PALETTE.length]}`,
                }),
              ),
              h('span', { class: 'hbar-value' }, options.format(item.value)),
            ),
          ),
        ),
  );
}

/**
 * A sparkline of recent values (undefined values leave gaps).
 *
 * @example
 * ```ts
 * sparkline([0.9, 1, 1, 0.5], { min: 0, max: 1, label: 'success rate' });
 * ```
 */
export function sparkline(
  values: Array<number | undefined>,
  options: { min?: number; max?: number; label: string; color?: string },
): SVGElement {
  const width = 120;
  const height = 28;
  const known = values.filter((value): value is number => value !== undefined);
  const min = options.min ?? Math.min(...known, 0);
  const max = options.max ?? Math.max(...known, 1);
  const span = max - min || 1;
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const line = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    class: 'sparkline',
    role: 'img',
    'aria-label': options.label,
  });
  let path = '';
  values.forEach((value, index) => {
    if (value === undefined) return;
    const x = index * step;
    const y = height - 2 - ((value - min) / span) * (height - 4);
    const previous = index > 0 ? values[index - 1] : undefined;
    path += `${previous === undefined ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)} `;
  });
  if (path)
    line.append(svg('path', { d: path, fill: 'none', stroke: options.color ?? PALETTE[0], 'stroke-width': 1.6 }));
  line.append(svg('title', {}, options.label));
  return line;
}

/**
 * A progress bar of a value against a limit (a budget), red past 100 %.
 *
 * @example
 * ```ts
 * meter(8e9, 10e9, '$8.00 of $10.00');
 * ```
 */
export function meter(value: number, limit: number, title: string): HTMLElement {
  const share = limit > 0 ? value / limit : 0;
  const level = share >= 1 ? 'over' : share >= 0.8 ? 'near' : 'ok';
  return h(
    'span',
    {
      class: `meter ${level}`,
      title,
      role: 'meter',
      'aria-valuenow': Math.round(share * 100),
      'aria-valuemin': 0,
      'aria-valuemax': 100,
    },
    h('span', { style: `width:${Math.min(100, share * 100)}%` }),
  );
}
