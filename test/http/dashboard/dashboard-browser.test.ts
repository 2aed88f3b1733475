import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { responseCache } from '../../../src/middleware/cache/response-cache.js';
import { waitFor } from '../../helpers/wait-for.js';
import { CHROMIUM_SKIP, launchChromium } from './browser.js';
import { ADMIN_KEY, type DashboardGateway, startDashboardGateway } from './dashboard-fixture.js';

const name = `the dashboard in a real browser (Chromium)${CHROMIUM_SKIP ? ` (skipped: ${CHROMIUM_SKIP})` : ''}`;

describe(name, { skip: Boolean(CHROMIUM_SKIP) }, () => {
  let fixture: DashboardGateway;
  let browser: Browser;
  let page: Page;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    // The cache answers only requests at temperature 0, so the other tests' requests all go upstream.
    const cache = responseCache({ when: (run) => run.request.temperature === 0 });
    fixture = await startDashboardGateway({ router: { middleware: [cache] } });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (message) => {
      // The login page is answered 401 on purpose: Chromium logs that status as a console error.
      if (message.type() === 'error' && !/status of 401/.test(message.text())) consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await fixture?.close();
  });

  it('signs in with the admin key and shows the catalog price comparison, the cheapest marked', async () => {
    const response = await page.goto(`${fixture.origin}/dashboard`);
    assert.equal(response?.status(), 401);
    await page.fill('#key', 'gw-dashboard-test-0001');
    await page.click('button[type=submit]');
    await page.waitForSelector('#login-error:has-text("Not an admin key")');
    await page.fill('#key', ADMIN_KEY);
    await page.click('button[type=submit]');
    const card = await page.waitForSelector('[data-model="test/echo"]');
    const cheapest = await card.waitForSelector('tr.cheapest[data-provider="openai"]');
    assert.match((await cheapest.textContent()) ?? '', /\$0\.15.*\$0\.60/);
    const anthropic = await card.waitForSelector('tr[data-provider="anthropic"]:not(.cheapest)');
    assert.match((await anthropic.textContent()) ?? '', /\$3\.00.*\$15\.00.*\$0\.30.*\$3\.75/);
    await page.fill('#model-search', 'haiku');
    await page.waitForSelector('[data-model="test/echo"]', { state: 'hidden' });
    await page.fill('#model-search', '');
    await page.waitForSelector('[data-model="test/echo"]', { state: 'visible' });
  });

  it('shows a request that was just sent, and its fallback chain', async () => {
    fixture.openai.script({ type: 'status', status: 503 });
    assert.equal((await fixture.chat('fall back, please')).status, 200);
    const { records } = await fixture.router.logs!.query({ limit: 1 });
    const id = records[0].generationId;
    await page.click('#tab-requests');
    const row = await page.waitForSelector(`tr.request-row[data-generation="${id}"]`);
    assert.match((await row.textContent()) ?? '', /fallback/);
    await row.click();
    await page.waitForSelector('.chain .step.failed[data-step^="openai:"]');
    await page.waitForSelector('.chain .step.ok[data-step^="anthropic:"]');
    await page.waitForSelector('.attempts tr.outcome-error:has-text("provider_overloaded")');
    // Sent after the view opened: it appears by itself.
    assert.equal((await fixture.chat('one more')).status, 200);
    const { records: latest } = await fixture.router.logs!.query({ limit: 1 });
    await page.waitForSelector(`tr.request-row[data-generation="${latest[0].generationId}"]`);
  });

  it('updates the availability view by itself when a simulator starts failing', async () => {
    await page.click('#tab-availability');
    const offering = 'tr[data-offering="openai:gpt-4o-mini"]';
    await page.waitForSelector(`${offering} [data-state="closed"]`);
    await page.evaluate(() => {
      (window as unknown as { marker: number }).marker = 1;
    });
    fixture.openai.configure({ faultRate: 1, fault: { type: 'status', status: 503 } });
    for (let index = 0; index < 3; index += 1) assert.equal((await fixture.chat(`failing ${index}`)).status, 200);
    await page.waitForSelector(`${offering} [data-state="open"]`);
    await page.waitForSelector('#open-breakers:has-text("1")');
    await page.waitForSelector(`${offering} .failures summary:has-text("provider_overloaded (503)")`);
    assert.equal(await page.evaluate(() => (window as unknown as { marker?: number }).marker), 1, 'no reload');
    fixture.openai.configure({ faultRate: 0 });
  });

  it('shows spend charts from billing, and what the cache saved', async () => {
    for (let index = 0; index < 2; index += 1)
      assert.equal((await fixture.chat('the same question', { temperature: 0 })).status, 200);
    // The hit's record is written in the background: the view shows it once it is there.
    const range = { from: Date.now() - 3_600_000, to: Date.now() + 60_000, groupBy: 'model' as const };
    await waitFor(async () => {
      const { rows } = await fixture.billing!.getReport({ id: 'team_acme' }, range);
      return rows.some((row) => row.cacheHitCount > 0);
    });
    await page.click('#tab-spend');
    await page.waitForSelector('#cache-saved');
    assert.match((await page.textContent('.tile:has(#cache-saved)')) ?? '', /Saved by cache\s*\$0\.\d+\s*1 hits/);
    await page.waitForSelector('figure:has-text("Cost by hour") svg .bar');
    await page.waitForSelector('.hbar:has-text("test/echo")');
    await page.waitForSelector('tr[data-account="team_acme"] .meter');
  });

  it('logged no console errors', () => {
    assert.deepEqual(consoleErrors, []);
  });
});
