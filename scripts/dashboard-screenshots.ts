/**
 * `npm run screenshots`: screenshots of each dashboard view into docs/ (dashboard-models.png,
 * dashboard-availability.png, dashboard-spend.png, dashboard-requests.png), taken in headless Chromium
 * (CHROMIUM_PATH, default /usr/bin/chromium) against a gateway over the simulators, after some traffic:
 * several users and tags, a few failures that fall back, one breaker opened.
 *
 *   npm run screenshots
 *
 * @module
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../test/http/dashboard/browser.js';
import { ADMIN_KEY, startDashboardGateway } from '../test/http/dashboard/dashboard-fixture.js';

const docs = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs');
const fixture = await startDashboardGateway();
const browser = await launchChromium();
try {
  const words = [
    'summarise this ticket',
    'draft a reply',
    'classify the intent',
    'translate to French',
    'extract the dates',
  ];
  for (let index = 0; index < 24; index += 1) {
    if (index % 7 === 3) fixture.openai.script({ type: 'status', status: index % 2 ? 503 : 429 });
    await fixture.chat(`${words[index % words.length]} ${'and more context '.repeat(index % 6)}`, {
      tags: [index % 3 === 0 ? 'checkout' : index % 3 === 1 ? 'support' : 'search'],
    });
  }
  // The OpenAI offering goes down: requests fall back to Anthropic and OpenAI's breaker opens.
  fixture.openai.configure({ faultRate: 1, fault: { type: 'status', status: 503 } });
  for (let index = 0; index < 4; index += 1) await fixture.chat(`during the outage ${index}`, { tags: ['support'] });

  const page = await browser.newPage({ viewport: { width: 1360, height: 860 }, deviceScaleFactor: 1 });
  await page.goto(`${fixture.origin}/dashboard`);
  await page.fill('#key', ADMIN_KEY);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-model="test/echo"]');
  await page.fill('#model-search', 'gpt-4o');
  await page.waitForSelector('[data-model="test/echo"]');
  await page.screenshot({ path: join(docs, 'dashboard-models.png') });

  await page.click('#tab-availability');
  await page.waitForSelector('tr[data-offering="openai:gpt-4o-mini"] [data-state="open"]');
  // A few polls, so that the trend lines have a shape.
  for (let polls = 0; polls < 3; polls += 1) {
    await fixture.chat(`after the outage ${polls}`);
    const before = await page.textContent('#availability-updated');
    await page.waitForFunction((text) => document.querySelector('#availability-updated')?.textContent !== text, before);
  }
  await page.screenshot({ path: join(docs, 'dashboard-availability.png') });

  await page.click('#tab-spend');
  await page.waitForSelector('figure:has-text("Cost by hour") svg .bar');
  await page.selectOption('#spend-groupBy', 'tag');
  await page.waitForSelector('.hbar:has-text("checkout")');
  await page.screenshot({ path: join(docs, 'dashboard-spend.png'), fullPage: true });

  await page.click('#tab-requests');
  const row = await page.waitForSelector('tr.request-row:has(.badge.warn)');
  await row.click();
  await page.waitForSelector('.chain .step.failed');
  await page.screenshot({ path: join(docs, 'dashboard-requests.png') });
  console.log(`screenshots written to ${docs}`);
} finally {
  await browser.close();
  await fixture.close();
}
