/**
 * A gateway with the dashboard on, over the OpenAI and Anthropic simulators: `createGateway` with billing, an
 * admin key, a gateway key, the test model both simulators serve (OpenAI first, so that an OpenAI failure
 * falls back to Anthropic), served by node:http on a free loopback port. The dashboard tests, the browser test
 * and `npm run screenshots` share it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGateway, type Gateway } from '../../../src/gateway.js';
import type { GatewayConfig } from '../../../src/gateway-config.js';
import { createAnthropicSimulator } from '../../../src/testing/anthropic-simulator.js';
import { createOpenAISimulator } from '../../../src/testing/openai-simulator.js';
import type { Simulator } from '../../../src/testing/simulator-server.js';
import { ANTHROPIC_KEY, OPENAI_KEY, TEST_MODEL } from '../../helpers/router-fixture.js';

export const ADMIN_KEY = 'adm-dashboard-test-0123456789';
export const GATEWAY_KEY = 'gw-dashboard-test-0001';

export interface DashboardGateway {
  origin: string;
  gateway: Gateway;
  openai: Simulator;
  anthropic: Simulator;
  /** Sends one chat completion through the gateway (OpenAI dialect) and returns its status and body. */
  chat(text: string, options?: { user?: string; tags?: string[] }): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

export async function startDashboardGateway(overrides: Partial<GatewayConfig> = {}): Promise<DashboardGateway> {
  const openai = createOpenAISimulator();
  const anthropic = createAnthropicSimulator();
  const [openaiURL, anthropicURL] = await Promise.all([openai.start(), anthropic.start()]);
  const gateway = createGateway({
    providers: {
      openai: { type: 'openai', apiKey: OPENAI_KEY, baseURL: `${openaiURL}/v1` },
      anthropic: { type: 'anthropic', apiKey: ANTHROPIC_KEY, baseURL: anthropicURL },
    },
    catalog: { models: [TEST_MODEL] },
    strategy: { name: 'ordered', providers: ['openai', 'anthropic'] },
    retry: { maxRetries: 0 },
    health: { consecutiveFailuresToOpen: 3, cooldownMs: 60_000 },
    apiKeys: [
      { key: GATEWAY_KEY, id: 'key_web', account: 'team_acme', user: 'alice' },
      { key: 'gw-dashboard-test-0002', id: 'key_batch', account: 'team_labs' },
    ],
    adminKeys: [{ key: ADMIN_KEY, id: 'ops' }],
    billing: {
      freeAllocationNano: 5_000_000_000,
      budgets: [{ accountId: '*', scope: 'account', period: 'month', softLimitNano: 1_000_000, hardLimitNano: 4_000_000_000 }],
    },
    dashboard: true,
    logger: false,
    ...overrides,
  });
  await gateway.ready();
  const server: Server = createServer((request, response) => {
    if (!gateway.handler.handleNode(request, response)) response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    gateway,
    openai,
    anthropic,
    async chat(text, options = {}) {
      const response = await fetch(`${origin}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${GATEWAY_KEY}`,
          'content-type': 'application/json',
          ...(options.tags ? { 'x-gateway-tags': options.tags.join(',') } : {}),
        },
        body: JSON.stringify({ model: 'test/echo', messages: [{ role: 'user', content: text }] }),
      });
      return { status: response.status, body: await response.json() };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.close();
      await Promise.all([openai.close(), anthropic.close()]);
    },
  };
}
