/**
 * The Requests view: the request log, newest first, filterable by account, model, provider, status and
 * time; each row opens its attempts (outcome, status, error code, latency, cost) and its fallback chain.
 * It refreshes every three seconds while shown (rows opened stay open).
 *
 * @module
 */
import type { DashboardLogRecord, DashboardLogs } from '../../http/dialects/dashboard/dashboard-data.js';
import { getJson } from '../api.js';
import { h, replace } from '../dom.js';
import { clock, count, dollars, duration } from '../format.js';

const POLL_MS = 3_000;
const SINCE: Array<[string, string, number | undefined]> = [
  ['15m', 'Last 15 minutes', 15 * 60_000],
  ['1h', 'Last hour', 3_600_000],
  ['24h', 'Last 24 hours', 86_400_000],
  ['all', 'Everything kept', undefined],
];
const filters = { account: '', model: '', provider: '', status: '', since: '1h' };
const opened = new Set<string>();
let timer: ReturnType<typeof setTimeout> | undefined;
let generation = 0;
let autoRefresh = true;

function statusPill(record: DashboardLogRecord): HTMLElement {
  const text =
    record.status === 'success'
      ? String(record.httpStatus)
      : `${record.httpStatus} ${record.errorCode ?? record.status}`;
  return h('span', { class: `pill status-${record.status}` }, text);
}

function chain(record: DashboardLogRecord): HTMLElement {
  const steps =
    record.fallbackChain.length > 0
      ? record.fallbackChain
      : record.attempts.map((a) => `${a.provider}:${a.providerModelId}`);
  const list = h('ol', { class: 'chain', 'aria-label': 'Fallback chain' });
  steps.forEach((step, index) => {
    const attempts = record.attempts.filter(
      (attempt) =>
        `${attempt.provider}:${attempt.providerModelId}` === step || `${attempt.provider}:${attempt.model}` === step,
    );
    const succeeded = attempts.some((attempt) => attempt.outcome === 'success');
    if (index > 0) list.append(h('li', { class: 'arrow', 'aria-hidden': 'true' }, '→'));
    list.append(h('li', { class: `step ${succeeded ? 'ok' : 'failed'}`, 'data-step': step }, step));
  });
  return list;
}

function detail(record: DashboardLogRecord): HTMLElement {
  return h(
    'div',
    { class: 'request-detail' },
    h('h4', {}, 'Fallback chain'),
    chain(record),
    h('h4', {}, `Attempts (${record.attempts.length})`),
    h(
      'table',
      { class: 'grid-table attempts' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, '#'),
          h('th', {}, 'Provider'),
          h('th', {}, 'Model'),
          h('th', {}, 'Outcome'),
          h('th', {}, 'Status'),
          h('th', {}, 'Code'),
          h('th', { class: 'num' }, 'Latency'),
          h('th', { class: 'num' }, 'First token'),
          h('th', { class: 'num' }, 'Cost'),
        ),
      ),
      h(
        'tbody',
        {},
        ...record.attempts.map((attempt) =>
          h(
            'tr',
            { class: `outcome-${attempt.outcome}`, 'data-attempt': attempt.attempt },
            h('td', {}, String(attempt.attempt + 1)),
            h('td', {}, attempt.provider),
            h('td', { class: 'mono' }, attempt.providerModelId),
            h(
              'td',
              {},
              h(
                'span',
                { class: `pill status-${attempt.outcome === 'success' ? 'success' : 'error'}` },
                attempt.outcome,
              ),
            ),
            h('td', {}, attempt.status === undefined ? '–' : String(attempt.status)),
            h('td', { class: 'mono' }, attempt.code ?? ''),
            h('td', { class: 'num' }, duration(attempt.latencyMs)),
            h('td', { class: 'num' }, duration(attempt.timeToFirstTokenMs)),
            h('td', { class: 'num' }, dollars(attempt.costNano)),
          ),
        ),
      ),
    ),
    h(
      'dl',
      { class: 'facts' },
      ...[
        ['Generation', record.generationId],
        ['Request id', record.requestId],
        ['Account', [record.account, record.user].filter(Boolean).join(' / ') || '–'],
        ['API key id', record.apiKeyId ?? '–'],
        ['Tags', record.tags.join(', ') || '–'],
        [
          'Tokens',
          `${count(record.tokens.input)} in, ${count(record.tokens.output)} out, ${count(record.tokens.cacheRead)} cache read, ${count(record.tokens.cacheWrite)} cache write, ${count(record.tokens.reasoning)} reasoning${record.estimated ? ' (estimated)' : ''}`,
        ],
        ['Cache', record.cache ?? '–'],
        ['Guardrail', record.guardrail ?? '–'],
      ].flatMap(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]),
    ),
  );
}

function rows(record: DashboardLogRecord): HTMLElement[] {
  const isOpen = opened.has(record.generationId);
  const fellBack = record.attempts.length > 1;
  const main = h(
    'tr',
    {
      class: `request-row row-${record.status} ${isOpen ? 'open' : ''}`,
      'data-generation': record.generationId,
      tabindex: 0,
      'aria-expanded': String(isOpen),
    },
    h('td', { class: 'mono' }, clock(record.time)),
    h(
      'td',
      {},
      record.requestedModel,
      record.model && record.model !== record.requestedModel
        ? h('div', { class: 'muted small' }, `→ ${record.model}`)
        : null,
    ),
    h('td', {}, record.provider ?? '–'),
    h('td', {}, statusPill(record)),
    h(
      'td',
      { class: 'num' },
      String(record.attempts.length),
      fellBack ? h('span', { class: 'badge warn' }, 'fallback') : null,
    ),
    h('td', { class: 'num' }, duration(record.latencyMs)),
    h('td', { class: 'num' }, duration(record.timeToFirstTokenMs)),
    h('td', { class: 'num' }, `${count(record.tokens.input)} / ${count(record.tokens.output)}`),
    h('td', { class: 'num' }, dollars(record.costNano)),
    h('td', {}, record.account ?? '–'),
  );
  const extra = h(
    'tr',
    { class: 'detail-row', hidden: !isOpen },
    h('td', { colspan: 10 }, isOpen ? detail(record) : null),
  );
  const toggle = (): void => {
    const nowOpen = !opened.has(record.generationId);
    if (nowOpen) opened.add(record.generationId);
    else opened.delete(record.generationId);
    main.classList.toggle('open', nowOpen);
    main.setAttribute('aria-expanded', String(nowOpen));
    extra.hidden = !nowOpen;
    const cell = extra.firstElementChild as HTMLElement;
    replace(cell, nowOpen ? detail(record) : null);
  };
  main.addEventListener('click', toggle);
  main.addEventListener('keydown', (event) => {
    if ((event as KeyboardEvent).key === 'Enter' || (event as KeyboardEvent).key === ' ') {
      event.preventDefault();
      toggle();
    }
  });
  return [main, extra];
}

function query(cursor?: string): Record<string, string | undefined> {
  const since = SINCE.find(([value]) => value === filters.since)?.[2];
  return {
    account: filters.account,
    model: filters.model,
    provider: filters.provider,
    status: filters.status,
    since: since === undefined ? undefined : String(Date.now() - since),
    limit: '100',
    cursor,
  };
}

function toolbar(reload: () => void): HTMLElement {
  const text = (name: 'account' | 'model' | 'provider', label: string): HTMLInputElement => {
    const input = h('input', {
      id: `filter-${name}`,
      type: 'search',
      placeholder: label,
      'aria-label': label,
      value: filters[name],
    });
    input.addEventListener('change', () => {
      filters[name] = input.value.trim();
      reload();
    });
    return input;
  };
  const select = (name: 'status' | 'since', options: Array<[string, string]>): HTMLSelectElement => {
    const element = h('select', { id: `filter-${name}`, 'aria-label': name });
    for (const [value, label] of options)
      element.append(h('option', { value, selected: filters[name] === value }, label));
    element.addEventListener('change', () => {
      filters[name] = element.value;
      reload();
    });
    return element;
  };
  const auto = h('input', { id: 'auto-refresh', type: 'checkbox', checked: autoRefresh });
  auto.addEventListener('change', () => {
    autoRefresh = auto.checked;
    reload();
  });
  return h(
    'form',
    {
      class: 'toolbar',
      onsubmit: (event: Event) => {
        event.preventDefault();
        reload();
      },
    },
    text('account', 'Account'),
    text('model', 'Model'),
    text('provider', 'Provider'),
    select('status', [
      ['', 'Any status'],
      ['success', 'Succeeded'],
      ['error', 'Failed'],
      ['aborted', 'Aborted'],
    ]),
    select(
      'since',
      SINCE.map(([value, label]) => [value, label]),
    ),
    h('label', {}, auto, ' Live'),
  );
}

/**
 * Shows the Requests view and keeps it updated (while "Live" is on) until {@link stopRequests}.
 *
 * @example
 * ```ts
 * await showRequests(document.querySelector('#view-requests')!);
 * ```
 */
export async function showRequests(root: HTMLElement): Promise<void> {
  stopRequests();
  const mine = generation;
  const reload = (): void => void showRequests(root);
  const bar = toolbar(reload);
  const body = h('tbody', {});
  const more = h('div', { class: 'more' });
  const table = h(
    'table',
    { class: 'grid-table requests' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'Time'),
        h('th', {}, 'Model'),
        h('th', {}, 'Provider'),
        h('th', {}, 'Status'),
        h('th', { class: 'num' }, 'Attempts'),
        h('th', { class: 'num' }, 'Latency'),
        h('th', { class: 'num' }, 'First token'),
        h('th', { class: 'num' }, 'Tokens in / out'),
        h('th', { class: 'num' }, 'Cost'),
        h('th', {}, 'Account'),
      ),
    ),
    body,
  );
  const load = async (cursor?: string): Promise<DashboardLogs> => getJson<DashboardLogs>('logs', query(cursor));
  const fill = (page: Extract<DashboardLogs, { enabled: true }>, append: boolean): void => {
    if (!append) body.replaceChildren();
    for (const record of page.records) body.append(...rows(record));
    if (!append && page.records.length === 0)
      body.append(h('tr', {}, h('td', { colspan: 10, class: 'empty' }, 'No requests match.')));
    replace(
      more,
      page.nextCursor
        ? h(
            'button',
            {
              type: 'button',
              onclick: async () => {
                const next = await load(page.nextCursor);
                if (next.enabled) fill(next, true);
              },
            },
            'Load more',
          )
        : null,
    );
  };
  const first = await load();
  if (mine !== generation) return;
  if (!first.enabled) {
    replace(
      root,
      h(
        'div',
        { class: 'notice', id: 'logs-off' },
        h('strong', {}, 'The request log is not configured on this gateway. '),
        'Set ',
        h('code', {}, 'requestLog'),
        ' in the gateway config to see every request here, with its attempts and fallback chain.',
      ),
    );
    return;
  }
  replace(root, bar, table, more);
  fill(first, false);
  const poll = async (): Promise<void> => {
    if (mine !== generation) return;
    try {
      if (document.visibilityState !== 'hidden') {
        const page = await load();
        if (mine !== generation) return;
        if (page.enabled) fill(page, false);
      }
    } catch {
      // The next poll tries again.
    }
    if (mine === generation && autoRefresh) timer = setTimeout(() => void poll(), POLL_MS);
  };
  if (autoRefresh) timer = setTimeout(() => void poll(), POLL_MS);
}

/**
 * Stops refreshing (another view is shown).
 *
 * @example
 * ```ts
 * stopRequests();
 * ```
 */
export function stopRequests(): void {
  generation += 1;
  if (timer) clearTimeout(timer);
  timer = undefined;
}
