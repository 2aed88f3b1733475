/**
 * A gateway with the dashboard on, over the OpenAI and Anthropic simulators: `createGateway` with billing, an
 * admin key, a gateway key, the test model both simulators serve (OpenAI first, so that an OpenAI failure
 * falls back to Anthropic), served by node:http on a free loopback port. The dashboard tests, the browser test
 * and `npm run screenshots` share it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBilling, type Billing, type BillingOptions } from '../../../src/billing/billing.js';
import { createGatewayHandler, type GatewayHandler } from '../../../src/http/gateway-handler.js';
import type { GatewayHandlerConfig } from '../../../src/http/http-types.js';
import { Router } from '../../../src/router/router.js';
import { ordered } from '../../../src/strategies/ordered.js';
import type { RouterConfig } from '../../../src/router/router-types.js';
import { createAnthropicSimulator } from '../../../src/testing/anthropic-simulator.js';
import { createOpenAISimulator } from '../../../src/testing/openai-simulator.js';
import type { Simulator } from '../../../src/testing/simulator-server.js';
import { ANTHROPIC_KEY, OPENAI_KEY, TEST_MODEL } from '../../helpers/router-fixture.js';

export const ADMIN_KEY = 'adm-dashboard-test-0123456789';
export const GATEWAY_KEY = 'gw-dashboard-test-0001';

export interface DashboardGateway {
  origin: string;
  router: Router;
  billing: Billing | undefined;
  handler: GatewayHandler;
  openai: Simulator;
  anthropic: Simulator;
  /** Sends one chat completion through the gateway (OpenAI dialect) and returns its status and body. */
  chat(
    text: string,
    options?: { user?: string; tags?: string[]; temperature?: number },
  ): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

export interface DashboardGatewayOptions {
  router?: Partial<RouterConfig>;
  handler?: Partial<GatewayHandlerConfig>;
  /** Billing options, or false for none. */
  billing?: BillingOptions | false;
}

/**
 * Starts the simulators, the router (with the request log and billing) and the handler with the dashboard on.
 * Wired by hand (billing's hook in the router, its endpoints in the handler), as `createGateway` does.
 */
export async function startDashboardGateway(options: DashboardGatewayOptions = {}): Promise<DashboardGateway> {
  const openai = createOpenAISimulator();
  const anthropic = createAnthropicSimulator();
  const [openaiURL, anthropicURL] = await Promise.all([openai.start(), anthropic.start()]);
  const billing =
    options.billing === false
      ? undefined
      : createBilling({
          freeAllocationNano: 5_000_000_000,
          budgets: [
            {
              accountId: '*',
              scope: 'account',
              period: 'month',
              softLimitNano: 1_000_000,
              hardLimitNano: 4_000_000_000,
            },
          ],
          ...options.billing,
        });
  const router = new Router({
    providers: {
      openai: { type: 'openai', apiKey: OPENAI_KEY, baseURL: `${openaiURL}/v1` },
      anthropic: { type: 'anthropic', apiKey: ANTHROPIC_KEY, baseURL: anthropicURL },
    },
    catalog: { models: [TEST_MODEL] },
    strategy: ordered(['openai', 'anthropic']),
    retry: { maxRetries: 0 },
    health: { consecutiveFailuresToOpen: 3, cooldownMs: 60_000 },
    requestLog: { size: 1_000 },
    hooks: billing ? [billing.hook] : [],
    ...options.router,
  });
  billing?.attach(router);
  const handler = createGatewayHandler({
    router,
    apiKeys: [
      { key: GATEWAY_KEY, id: 'key_web', account: 'team_acme', user: 'alice' },
      { key: 'gw-dashboard-test-0002', id: 'key_batch', account: 'team_labs' },
    ],
    adminKeys: [{ key: ADMIN_KEY, id: 'ops' }],
    ...(billing ? { billing } : {}),
    dashboard: true,
    logger: false,
    ...options.handler,
  });
  await router.ready();
  const server: Server = createServer((request, response) => {
    if (!handler.handleNode(request, response)) response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    router,
    billing,
    handler,
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
        body: JSON.stringify({
          model: 'test/echo',
          messages: [{ role: 'user', content: text }],
          ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
        }),
      });
      return { status: response.status, body: await response.json() };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await handler.close();
      await router.close();
      await billing?.flush();
      await billing?.close();
      await Promise.all([openai.close(), anthropic.close()]);
    },
  };
}
