/**
 * The Models view: the catalog, searchable; per model every offering's prices per million tokens side by
 * side (the cheapest marked, with a bar of its input + output price), context window and capabilities.
 *
 * @module
 */
import type {
  DashboardModel,
  DashboardModels,
  DashboardOffering,
} from '../../http/dialects/dashboard/dashboard-data.js';
import { getJson } from '../api.js';
import { h, replace } from '../dom.js';
import { count, price } from '../format.js';

const PRICE_COLUMNS = [
  ['input', 'Input'],
  ['output', 'Output'],
  ['cacheRead', 'Cache read'],
  ['cacheWrite', 'Cache write'],
] as const;

function numeric(value: string | undefined): number {
  return value === undefined ? Number.POSITIVE_INFINITY : Number(value);
}

function offeringRow(model: DashboardModel, offering: DashboardOffering, maxBlended: number): HTMLElement {
  const lowest = (column: (typeof PRICE_COLUMNS)[number][0]): boolean => {
    const values = model.offerings.map((item) => numeric(item.pricing[column])).filter(Number.isFinite);
    // Marked only among two or more different prices.
    return new Set(values).size > 1 && numeric(offering.pricing[column]) === Math.min(...values);
  };
  const blended = Number(offering.pricing.input) + Number(offering.pricing.output);
  return h(
    'tr',
    {
      class: `${offering.cheapest ? 'cheapest' : ''} ${offering.configured ? '' : 'unconfigured'}`.trim(),
      'data-provider': offering.provider,
    },
    h(
      'td',
      {},
      h('strong', {}, offering.provider),
      offering.cheapest ? h('span', { class: 'badge good' }, 'cheapest') : null,
      offering.configured ? null : h('span', { class: 'badge muted' }, 'not configured'),
      h('div', { class: 'muted mono' }, offering.providerModelId),
    ),
    ...PRICE_COLUMNS.map(([column]) =>
      h('td', { class: `num ${lowest(column) ? 'lowest' : ''}` }, price(offering.pricing[column])),
    ),
    h(
      'td',
      { class: 'price-bar', title: `$${blended} per million input + output tokens` },
      h('span', { style: `width:${maxBlended > 0 ? (blended / maxBlended) * 100 : 0}%` }),
    ),
    h('td', { class: 'num' }, count(offering.contextWindow)),
    h('td', {}, ...offering.capabilities.map((name) => h('span', { class: 'chip' }, name))),
  );
}

function modelCard(model: DashboardModel): HTMLElement {
  const maxBlended = Math.max(
    ...model.offerings.map((offering) => Number(offering.pricing.input) + Number(offering.pricing.output)),
  );
  return h(
    'section',
    { class: 'card model-card', 'data-model': model.id },
    h(
      'header',
      {},
      h('h3', {}, model.id),
      model.name ? h('span', { class: 'muted' }, model.name) : null,
      h('span', { class: 'badge' }, model.type),
      model.released ? h('span', { class: 'muted small' }, `released ${model.released}`) : null,
    ),
    h(
      'table',
      { class: 'grid-table prices' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'Provider'),
          ...PRICE_COLUMNS.map(([, label]) => h('th', { class: 'num' }, label)),
          h('th', {}, 'Input + output'),
          h('th', { class: 'num' }, 'Context'),
          h('th', {}, 'Capabilities'),
        ),
      ),
      h('tbody', {}, ...model.offerings.map((offering) => offeringRow(model, offering, maxBlended))),
    ),
  );
}

/**
 * Renders the Models view into `root` (once; searching filters what is already there).
 *
 * @example
 * ```ts
 * await showModels(document.querySelector('#view-models')!);
 * ```
 */
export async function showModels(root: HTMLElement): Promise<void> {
  const data = await getJson<DashboardModels>('models');
  const anyConfigured = data.models.some((model) => model.offerings.some((offering) => offering.configured));
  const search = h('input', {
    id: 'model-search',
    type: 'search',
    placeholder: 'Search models and providers…',
    'aria-label': 'Search models',
  });
  const onlyConfigured = h('input', { id: 'only-configured', type: 'checkbox', checked: anyConfigured });
  const summary = h('span', { class: 'muted', id: 'model-count' });
  const list = h('div', { class: 'model-list' });
  const cards = data.models.map((model) => ({ model, card: modelCard(model) }));
  const apply = (): void => {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const { model, card } of cards) {
      const text = [model.id, model.name ?? '', ...model.offerings.flatMap((o) => [o.provider, o.providerModelId])]
        .join(' ')
        .toLowerCase();
      const visible =
        words.every((word) => text.includes(word)) &&
        (!onlyConfigured.checked || model.offerings.some((offering) => offering.configured));
      card.hidden = !visible;
      if (visible) shown += 1;
    }
    summary.textContent = `${shown} of ${cards.length} models · prices in USD per million tokens`;
  };
  search.addEventListener('input', apply);
  onlyConfigured.addEventListener('change', apply);
  replace(
    root,
    h(
      'div',
      { class: 'toolbar' },
      search,
      h('label', {}, onlyConfigured, ` Only providers configured here (${data.providers.join(', ') || 'none'})`),
      summary,
    ),
    list,
  );
  for (const { card } of cards) list.append(card);
  apply();
}
