/**
 * The dashboard page's entry: the header with its four views (Models, Availability, Spend, Requests),
 * switched by the URL's hash so that each view can be linked to and reloaded.
 *
 * @module
 */
import { dashboardPath } from './api.js';
import { h, replace } from './dom.js';
import { showAvailability, stopAvailability } from './views/availability-view.js';
import { showModels } from './views/models-view.js';
import { showRequests, stopRequests } from './views/requests-view.js';
import { showSpend } from './views/spend-view.js';

const VIEWS = [
  { id: 'models', label: 'Models', show: showModels },
  { id: 'availability', label: 'Availability', show: showAvailability },
  { id: 'spend', label: 'Spend', show: showSpend },
  { id: 'requests', label: 'Requests', show: showRequests },
] as const;

const app = document.getElementById('app') as HTMLElement;
const admin = document.body.dataset.admin ?? '';
const tabs = h('nav', { class: 'tabs', 'aria-label': 'Views' });
const main = h('main', {});
const sections = new Map<string, HTMLElement>();
for (const view of VIEWS) {
  tabs.append(h('a', { href: `#${view.id}`, id: `tab-${view.id}`, 'data-view': view.id }, view.label));
  const section = h('section', {
    id: `view-${view.id}`,
    class: 'view',
    hidden: true,
    'aria-labelledby': `tab-${view.id}`,
  });
  sections.set(view.id, section);
  main.append(section);
}
const signOut = async (): Promise<void> => {
  await fetch(`${dashboardPath()}/logout`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  location.reload();
};
const logout = h(
  'div',
  { class: 'logout' },
  h('span', { class: 'muted' }, `admin: ${admin}`),
  h('button', { type: 'button', onclick: () => void signOut() }, 'Sign out'),
);
replace(app, h('header', { class: 'top' }, h('h1', {}, 'switchyard'), tabs, logout), main);

async function route(): Promise<void> {
  const id = location.hash.slice(1) || 'models';
  const view = VIEWS.find((item) => item.id === id) ?? VIEWS[0];
  stopAvailability();
  stopRequests();
  for (const tab of Array.from(tabs.querySelectorAll('a')))
    tab.classList.toggle('active', tab.dataset.view === view.id);
  for (const [key, section] of sections) section.hidden = key !== view.id;
  const section = sections.get(view.id) as HTMLElement;
  section.setAttribute('aria-busy', 'true');
  try {
    await view.show(section);
  } catch (error) {
    replace(section, h('p', { class: 'error' }, `Could not load: ${(error as Error).message}`));
  } finally {
    section.removeAttribute('aria-busy');
    section.dataset.loaded = 'true';
  }
}

window.addEventListener('hashchange', () => void route());
void route();
