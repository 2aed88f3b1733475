/**
 * A router over real providers (openai, anthropic) pointed at their simulators, with one test model
 * that both serve, for router tests.
 */
import { Router } from '../../src/router/router.js';
import type { RouterConfig } from '../../src/router/router-types.js';
import { createAnthropicSimulator } from '../../src/testing/anthropic-simulator.js';
import { createOpenAISimulator } from '../../src/testing/openai-simulator.js';
import type { Simulator } from '../../src/testing/simulator-server.js';
import type { UsageEvent } from '../../src/core/events.js';
import { seededRandom } from './candidates.js';

export const OPENAI_KEY = 'sk-test-openai-0123456789abcdef';
export const ANTHROPIC_KEY = 'sk-ant-test-0123456789abcdef';

export interface RouterFixture {
  openai: Simulator;
  anthropic: Simulator;
  router: Router;
  usage: UsageEvent[];
  build(config?: Partial<RouterConfig>): Router;
  reset(): void;
  close(): Promise<void>;
}

/** Catalog model `test/echo`, served by both simulators at different prices. */
export const TEST_MODEL = {
  id: 'test/echo',
  name: 'Echo',
  capabilities: { tools: true, images: true, json: true },
  offerings: [
    {
      provider: 'openai',
      providerModelId: 'gpt-4o-mini',
      pricing: { input: '0.15', output: '0.60', cacheRead: '0.075' },
    },
    {
      provider: 'anthropic',
      providerModelId: 'claude-sonnet-4-20250514',
      pricing: { input: '3', output: '15', cacheRead: '0.30', cacheWrite: '3.75' },
    },
  ],
};

export async function startRouterFixture(config: Partial<RouterConfig> = {}): Promise<RouterFixture> {
  const openai = createOpenAISimulator();
  const anthropic = createAnthropicSimulator();
  const [openaiURL, anthropicURL] = await Promise.all([openai.start(), anthropic.start()]);
  const usage: UsageEvent[] = [];
  const build = (overrides: Partial<RouterConfig> = {}): Router => {
    const router = new Router({
      providers: {
        openai: { type: 'openai', apiKey: OPENAI_KEY, baseURL: `${openaiURL}/v1` },
        anthropic: { type: 'anthropic', apiKey: ANTHROPIC_KEY, baseURL: anthropicURL },
      },
      catalog: { models: [TEST_MODEL] },
      retry: { maxRetries: 0, initialDelayMs: 10, maxDelayMs: 50 },
      attemptTimeoutMs: 30_000, // a bound, not a race: tests of timeouts set their own
      random: seededRandom(11),
      ...config,
      ...overrides,
    });
    router.on('usage', (event) => {
      usage.push(event);
    });
    return router;
  };
  const fixture: RouterFixture = {
    openai,
    anthropic,
    router: build(),
    usage,
    build,
    reset() {
      openai.reset();
      anthropic.reset();
      usage.length = 0;
      fixture.router = build();
    },
    async close() {
      await Promise.all([openai.close(), anthropic.close()]);
    },
  };
  return fixture;
}
