/**
 * The Spend view: cost and tokens over time (by hour over a day, by day over a week or a month), the
 * spend grouped by model, provider, account, user or tag, and each account's credits and budgets against
 * their limits. From billing's spend reports; without billing it says so.
 *
 * @module
 */
import type {
  DashboardAccount,
  DashboardSpend,
  DashboardSpendBar,
} from '../../http/dialects/dashboard/dashboard-data.js';
import { getJson } from '../api.js';
import { groupBars, meter, timeBars } from '../charts.js';
import { h, replace } from '../dom.js';
import { count, dollars } from '../format.js';

type EnabledSpend = Extract<DashboardSpend, { enabled: true }>;

const state = { range: '24h', groupBy: 'model' };

function periodLabel(bar: DashboardSpendBar, bucket: 'hour' | 'day'): string {
  const date = new Date(bar.key);
  return bucket === 'hour'
    ? `${String(date.getHours()).padStart(2, '0')}:00`
    : date.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' });
}

function accountsTable(accounts: DashboardAccount[]): HTMLElement {
  return h(
    'table',
    { class: 'grid-table accounts' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'Account'),
        h('th', { class: 'num' }, 'Credits balance'),
        h('th', { class: 'num' }, 'Used in total'),
        h('th', {}, 'Budgets (this period)'),
      ),
    ),
    h(
      'tbody',
      {},
      ...accounts.map((account) =>
        h(
          'tr',
          { 'data-account': account.id },
          h('td', {}, h('strong', {}, account.id)),
          h(
            'td',
            { class: `num ${account.balanceNano !== undefined && account.balanceNano < 0 ? 'bad' : ''}` },
            account.error ? `unavailable (${account.error})` : dollars(account.balanceNano),
          ),
          h('td', { class: 'num' }, dollars(account.totalUsedNano)),
          h(
            'td',
            {},
            account.budgets.length === 0
              ? h('span', { class: 'muted' }, 'no budget')
              : h(
                  'ul',
                  { class: 'budgets' },
                  ...account.budgets.map((budget) => {
                    const limit = budget.hardLimitNano ?? budget.softLimitNano;
                    const text = `${budget.scope}, ${budget.period}: ${dollars(budget.spentNano)}${limit !== undefined ? ` of ${dollars(limit)}` : ''}${budget.hardLimitNano === undefined && budget.softLimitNano !== undefined ? ' (soft)' : ''}`;
                    return h(
                      'li',
                      {},
                      limit !== undefined ? meter(budget.spentNano, limit, text) : null,
                      h('span', {}, text),
                    );
                  }),
                ),
          ),
        ),
      ),
    ),
  );
}

function render(root: HTMLElement, spend: EnabledSpend, reload: () => void): void {
  const select = (name: 'range' | 'groupBy', options: Array<[string, string]>): HTMLSelectElement => {
    const element = h('select', { id: `spend-${name}`, 'aria-label': name === 'range' ? 'Range' : 'Group by' });
    for (const [value, label] of options)
      element.append(h('option', { value, selected: state[name] === value }, label));
    element.addEventListener('change', () => {
      state[name] = element.value;
      reload();
    });
    return element;
  };
  const totalCost = spend.series.reduce((sum, bar) => sum + bar.costNano, 0);
  const totalRequests = spend.series.reduce((sum, bar) => sum + bar.requests, 0);
  const totalTokens = spend.series.reduce((sum, bar) => sum + bar.tokens.input + bar.tokens.output, 0);
  const cacheHits = spend.series.reduce((sum, bar) => sum + bar.cacheHits, 0);
  const cacheSaved = spend.series.reduce((sum, bar) => sum + bar.cacheSavedNano, 0);
  const per = spend.bucket === 'hour' ? 'hour' : 'day';
  replace(
    root,
    h(
      'div',
      { class: 'toolbar' },
      h(
        'label',
        {},
        'Range ',
        select('range', [
          ['24h', 'Last 24 hours'],
          ['7d', 'Last 7 days'],
          ['30d', 'Last 30 days'],
        ]),
      ),
      h(
        'label',
        {},
        'Group by ',
        select('groupBy', [
          ['model', 'Model'],
          ['provider', 'Provider'],
          ['account', 'Account'],
          ['user', 'User'],
          ['tag', 'Tag'],
        ]),
      ),
    ),
    h(
      'div',
      { class: 'tiles' },
      h('div', { class: 'tile' }, h('span', {}, 'Cost'), h('strong', { id: 'spend-total' }, dollars(totalCost))),
      h('div', { class: 'tile' }, h('span', {}, 'Requests'), h('strong', {}, count(totalRequests))),
      h('div', { class: 'tile' }, h('span', {}, 'Tokens in + out'), h('strong', {}, count(totalTokens))),
      h(
        'div',
        { class: 'tile', title: `${count(cacheHits)} requests answered by the cache` },
        h('span', {}, 'Saved by cache'),
        h('strong', { id: 'cache-saved' }, dollars(cacheSaved)),
        h('span', { class: 'muted small' }, ` ${count(cacheHits)} hits`),
      ),
    ),
    h(
      'div',
      { class: 'chart-grid' },
      timeBars(
        spend.series.map((bar) => ({
          label: periodLabel(bar, spend.bucket),
          values: [bar.costNano],
          title: `${periodLabel(bar, spend.bucket)}: ${dollars(bar.costNano)}, ${bar.requests} requests`,
        })),
        { series: ['cost'], format: (value) => dollars(Math.round(value)), label: `Cost by ${per}` },
      ),
      timeBars(
        spend.series.map((bar) => ({
          label: periodLabel(bar, spend.bucket),
          values: [bar.tokens.input, bar.tokens.output, bar.tokens.cacheRead, bar.tokens.cacheWrite],
          title: `${periodLabel(bar, spend.bucket)}: ${count(bar.tokens.input)} input, ${count(bar.tokens.output)} output, ${count(bar.tokens.cacheRead)} cache read, ${count(bar.tokens.cacheWrite)} cache write`,
        })),
        {
          series: ['input', 'output', 'cache read', 'cache write'],
          format: (value) => count(Math.round(value)),
          label: `Tokens by ${per}`,
        },
      ),
      groupBars(
        spend.groups.map((group) => ({
          label: group.key,
          value: group.costNano,
          title: `${group.requests} requests, ${count(group.tokens.input)} input and ${count(group.tokens.output)} output tokens`,
        })),
        { format: dollars, label: `Cost by ${spend.groupBy}` },
      ),
      groupBars(
        spend.groups.map((group) => ({ label: group.key, value: group.tokens.input + group.tokens.output })),
        { format: count, label: `Tokens by ${spend.groupBy}` },
      ),
    ),
    h('h3', {}, 'Credits and budgets'),
    spend.accounts.length === 0 ? h('p', { class: 'muted' }, 'No accounts yet.') : accountsTable(spend.accounts),
  );
}

/**
 * Shows the Spend view.
 *
 * @example
 * ```ts
 * await showSpend(document.querySelector('#view-spend')!);
 * ```
 */
export async function showSpend(root: HTMLElement): Promise<void> {
  const spend = await getJson<DashboardSpend>('spend', state);
  if (!spend.enabled) {
    replace(
      root,
      h(
        'div',
        { class: 'notice', id: 'billing-off' },
        h('strong', {}, 'Billing is not configured on this gateway. '),
        'Set ',
        h('code', {}, 'billing'),
        ' in the gateway config (for example ',
        h('code', {}, 'billing: { freeAllocationNano: 1_000_000_000 }'),
        ') to see cost and tokens over time, credits and budgets here.',
      ),
    );
    return;
  }
  render(root, spend, () => void showSpend(root));
}
