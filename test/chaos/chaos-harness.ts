/**
 * The chaos run: three real providers over their simulators, two of them injecting faults (5xx, 429,
 * hangs, connection resets, malformed bodies, streams dropped midway), and a bounded number of requests,
 * half streamed, half through the router in-process and half over HTTP with the openai SDK. It counts
 * what the simulators served against what the router billed, checks every cost to the nano-dollar, and
 * reports success rate, sockets left open and memory.
 *
 * Used by `test/chaos/chaos.test.ts` (a short run inside `npm test`) and `npm run chaos` (the long one).
 *
 * @module
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import type { UsageEvent } from '../../src/core/events.js';
import { createGatewayHandler } from '../../src/http/gateway-handler.js';
import { Router } from '../../src/router/router.js';
import { createAnthropicSimulator } from '../../src/testing/anthropic-simulator.js';
import { createMistralSimulator } from '../../src/testing/mistral-simulator.js';
import { createOpenAISimulator } from '../../src/testing/openai-simulator.js';
import type { Simulator, SimulatorFault } from '../../src/testing/simulator-server.js';
import { seededRandom } from '../helpers/candidates.js';

/** Options of one chaos run. */
export interface ChaosOptions {
  /** Requests in all (half streamed; half over HTTP). */
  requests: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Seed of every random choice (faults, prompts). */
  seed: number;
  /** Attempt timeout of the router: what a hang costs. */
  attemptTimeoutMs?: number;
}

/** The shares of faults each faulty simulator injects (the issue's mix). */
export const FAULT_MIX: ReadonlyArray<{ rate: number; fault: SimulatorFault }> = [
  { rate: 0.3, fault: { type: 'status', status: 503 } },
  { rate: 0.1, fault: { type: 'status', status: 429, retryAfterSeconds: 0 } },
  { rate: 0.05, fault: { type: 'hang' } },
  { rate: 0.05, fault: { type: 'reset' } },
  { rate: 0.02, fault: { type: 'malformed' } },
  { rate: 0.02, fault: { type: 'disconnect', afterParts: 2 } },
];

/**
 * Prices of the chaos model's offerings (dollars per million tokens, at most three decimals: whole nano-dollars per
 * token).
 */
const PRICES = {
  openai: { input: '0.15', output: '0.6' },
  anthropic: { input: '3', output: '15' },
  mistral: { input: '0.1', output: '0.3' },
} as const;

type ProviderName = keyof typeof PRICES;

/** What a chaos run measured. */
export interface ChaosReport {
  requests: number;
  succeeded: number;
  /** Streams that ended with an error part after content had reached the caller (documented behaviour). */
  cutAfterContent: number;
  failed: number;
  /** Succeeded over requests not cut after content. */
  successRate: number;
  failures: string[];
  /** Upstream requests per simulator, and the faults among them. */
  upstream: Record<ProviderName, { requests: number; probes: number; faults: number; served: number; counted: number }>;
  usageEvents: number;
  /** Attempts by provider, outcome and error code. */
  attemptOutcomes: Record<string, number>;
  /** Usage events whose (requestId, attempt) had been seen already: must be 0. */
  duplicateUsageEvents: number;
  /** Responses the simulators completed and the client side read whole. */
  servedResponses: number;
  /** Usage events with vendor counts (not estimated). */
  countedUsageEvents: number;
  /** Streams the simulators dropped midway, and the estimated usage events (one each). */
  droppedStreams: number;
  /** Streams cut short on the gateway's side (aborted); each may be billed as estimated if content had arrived. */
  abortedStreams: number;
  estimatedUsageEvents: number;
  servedTokens: { input: number; output: number };
  billedTokens: { input: number; output: number };
  /** Usage events whose cost is not tokens × price to the nano-dollar. */
  costMismatches: string[];
  /** TCP sockets open after everything was closed, beyond those open before the run. */
  socketsLeftOpen: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  durationMs: number;
}

function tokenNano(tokens: number, pricePerMillion: string): bigint {
  const [whole, fraction = ''] = pricePerMillion.split('.');
  const nanoPerToken = BigInt(whole) * 1000n + BigInt((fraction + '000').slice(0, 3));
  return BigInt(tokens) * nanoPerToken;
}

function openTcpSockets(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'TCPSocketWrap').length;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

/**
 * Runs the chaos scenario and reports what it measured (it asserts nothing itself).
 *
 * @example
 * ```ts
 * const report = await runChaos({ requests: 600, concurrency: 24, seed: 7 });
 * assert.ok(report.successRate >= 0.999);
 * ```
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const socketsBefore = openTcpSockets();
  const rssBefore = process.memoryUsage().rss;
  const random = seededRandom(options.seed);
  const simulators: Record<ProviderName, Simulator> = {
    openai: createOpenAISimulator({ behaviour: { faults: FAULT_MIX, random: seededRandom(options.seed + 1) } }),
    anthropic: createAnthropicSimulator({ behaviour: { faults: FAULT_MIX, random: seededRandom(options.seed + 2) } }),
    mistral: createMistralSimulator(),
  };
  const [openaiURL, anthropicURL, mistralURL] = await Promise.all([
    simulators.openai.start(),
    simulators.anthropic.start(),
    simulators.mistral.start(),
  ]);
  const router = new Router({
    providers: {
      openai: { type: 'openai', apiKey: 'sk-chaos-openai-0123456789', baseURL: `${openaiURL}/v1` },
      anthropic: { type: 'anthropic', apiKey: 'sk-ant-chaos-0123456789', baseURL: anthropicURL },
      mistral: { type: 'mistral', apiKey: 'chaos-mistral-key-0123', baseURL: mistralURL },
    },
    catalog: {
      models: [
        {
          id: 'chaos/echo',
          name: 'Chaos echo',
          capabilities: { tools: true, json: true },
          offerings: [
            { provider: 'openai', providerModelId: 'gpt-4o-mini', pricing: PRICES.openai },
            { provider: 'anthropic', providerModelId: 'claude-sonnet-4-20250514', pricing: PRICES.anthropic },
            { provider: 'mistral', providerModelId: 'mistral-small-latest', pricing: PRICES.mistral },
          ],
        },
      ],
    },
    retry: { maxRetries: 1, initialDelayMs: 5, maxDelayMs: 20 },
    attemptTimeoutMs: options.attemptTimeoutMs ?? 2_000,
    // A short cooldown keeps the faulty providers in play: their breakers open and half-open all run long.
    health: { cooldownMs: 200 },
    random: seededRandom(options.seed + 3),
  });
  // The SDKs load at start-up, outside every attempt's clock (router.ready()).
  await router.ready();
  // The router's own background probes of half-open offerings (prompt `ping`, one token) are billed to no account.
  const isProbe = (request: Simulator['requests'][number]): boolean =>
    JSON.stringify(request.body ?? '').includes('"ping"');
  const requestsOf = (name: ProviderName) => simulators[name].requests.filter((request) => !isProbe(request));
  const probesOf = (name: ProviderName) => simulators[name].requests.filter(isProbe).length;
  const usage: UsageEvent[] = [];
  router.on('usage', (event) => {
    usage.push(event);
  });
  const attemptOutcomes: Record<string, number> = {};
  router.on('attempt', (event) => {
    const key = `${event.provider} ${event.outcome}${event.code ? ` ${event.code}` : ''}`;
    attemptOutcomes[key] = (attemptOutcomes[key] ?? 0) + 1;
  });
  const gatewayKey = 'gw-chaos-key-0001';
  const handler = createGatewayHandler({
    apiKeys: [{ key: gatewayKey, id: 'key_chaos', account: 'team_chaos' }],
    logger: false,
    router,
  });
  const server = createServer((request, response) => {
    if (!handler.handleNode(request, response)) response.writeHead(404).end();
  });
  const origin = await listen(server);
  const client = new OpenAI({ apiKey: gatewayKey, baseURL: `${origin}/v1`, maxRetries: 0, timeout: 60_000 });

  const outcomes = { succeeded: 0, cutAfterContent: 0, failed: 0 };
  const failures: string[] = [];
  const plan = Array.from({ length: options.requests }, (_, index) => ({
    index,
    streamed: index % 2 === 0,
    overHttp: index % 4 >= 2,
    words: 3 + Math.floor(random() * 12),
  }));
  const promptFor = (words: number, index: number): string =>
    Array.from({ length: words }, (_, word) => `w${(index + word) % 97}`).join(' ');

  const runOne = async (item: (typeof plan)[number]): Promise<void> => {
    const prompt = promptFor(item.words, item.index);
    let sawContent = false;
    try {
      if (!item.overHttp && !item.streamed) {
        const result = await router.generate({ model: 'chaos/echo', prompt });
        if (!result.text) throw new Error('empty text');
      } else if (!item.overHttp) {
        const stream = router.stream({ model: 'chaos/echo', prompt });
        let text = '';
        let errored: unknown;
        for await (const part of stream.fullStream) {
          if (part.type === 'text-delta') {
            text += part.delta;
            sawContent = true;
          } else if (part.type === 'error') errored = part.error;
        }
        if (errored !== undefined) throw errored;
        if (!text) throw new Error('empty stream');
      } else if (!item.streamed) {
        const completion = await client.chat.completions.create({
          model: 'chaos/echo',
          messages: [{ role: 'user', content: prompt }],
        });
        if (!completion.choices[0]?.message.content) throw new Error('empty completion');
      } else {
        const stream = await client.chat.completions.create({
          model: 'chaos/echo',
          messages: [{ role: 'user', content: prompt }],
          stream: true,
        });
        let text = '';
        let finished = false;
        for await (const chunk of stream) {
          const delta = chunk.choices[0]?.delta.content;
          if (delta) {
            text += delta;
            sawContent = true;
          }
          if (chunk.choices[0]?.finish_reason) finished = true;
        }
        if (!text || !finished) throw new Error(`stream ended without ${text ? 'a finish reason' : 'text'}`);
      }
      outcomes.succeeded += 1;
    } catch (error) {
      if (item.streamed && sawContent) outcomes.cutAfterContent += 1;
      else {
        outcomes.failed += 1;
        if (failures.length < 20)
          failures.push(
            `#${item.index} ${item.streamed ? 'stream' : 'generate'} ${item.overHttp ? 'http' : 'router'}: ${error instanceof Error ? `${(error as { code?: string }).code ?? error.name}: ${error.message}` : String(error)}`,
          );
      }
    }
  };

  let next = 0;
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < plan.length) await runOne(plan[next++]);
    }),
  );

  // Usage events of attempts that ended after their request (aborted hangs) arrive a little later.
  const recorded = (Object.keys(simulators) as ProviderName[]).flatMap((name) => requestsOf(name));
  const servedResponses = (): number =>
    recorded.filter((request) => request.outcome === 'ok' && !request.aborted && request.usage).length;
  const isStream = (request: (typeof recorded)[number]): boolean =>
    (request.body as { stream?: boolean } | undefined)?.stream === true;
  const droppedStreams = recorded.filter((request) => request.outcome === 'disconnect' && isStream(request)).length;
  // Streams the gateway itself cut short (an attempt aborted once its request had an answer, or by the client).
  const abortedStreams = recorded.filter(
    (request) => request.outcome === 'ok' && request.aborted && isStream(request),
  ).length;
  await until(
    () =>
      usage.filter((event) => !event.estimated).length >= servedResponses() &&
      usage.filter((event) => event.estimated).length >= droppedStreams,
    5_000,
  );

  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await router.close();
  await Promise.all(Object.values(simulators).map((simulator) => simulator.close()));
  await until(() => openTcpSockets() <= socketsBefore, 5_000);

  const seen = new Set<string>();
  let duplicateUsageEvents = 0;
  const costMismatches: string[] = [];
  const billedTokens = { input: 0, output: 0 };
  for (const event of usage) {
    const key = `${event.requestId}:${event.attempt}`;
    if (seen.has(key)) duplicateUsageEvents += 1;
    seen.add(key);
    if (!event.estimated) {
      billedTokens.input += event.inputTokens;
      billedTokens.output += event.outputTokens;
    }
    const price = PRICES[event.provider as ProviderName];
    const input = tokenNano(event.noCacheInputTokens, price.input);
    const output = tokenNano(event.outputTokens, price.output);
    if (
      BigInt(event.cost.input) !== input ||
      BigInt(event.cost.output) !== output ||
      BigInt(event.cost.total) !== input + output + BigInt(event.cost.cacheRead) + BigInt(event.cost.cacheWrite)
    ) {
      if (costMismatches.length < 20)
        costMismatches.push(
          `${key} ${event.provider}: ${JSON.stringify(event.cost)} for ${event.noCacheInputTokens} in / ${event.outputTokens} out`,
        );
    }
  }
  const servedTokens = { input: 0, output: 0 };
  for (const request of recorded) {
    if (request.outcome !== 'ok' || request.aborted || !request.usage) continue;
    servedTokens.input += request.usage.inputTokens;
    servedTokens.output += request.usage.outputTokens;
  }
  const upstream = Object.fromEntries(
    (Object.keys(simulators) as ProviderName[]).map((name) => [
      name,
      {
        requests: requestsOf(name).length,
        probes: probesOf(name),
        faults: requestsOf(name).filter((request) => request.outcome !== 'ok').length,
        served: requestsOf(name).filter((request) => request.outcome === 'ok' && !request.aborted && request.usage)
          .length,
        counted: usage.filter((event) => event.provider === name && !event.estimated).length,
      },
    ]),
  ) as ChaosReport['upstream'];
  const counted = options.requests - outcomes.cutAfterContent;
  return {
    requests: options.requests,
    ...outcomes,
    successRate: counted === 0 ? 1 : outcomes.succeeded / counted,
    failures,
    upstream,
    attemptOutcomes,
    usageEvents: usage.length,
    duplicateUsageEvents,
    servedResponses: servedResponses(),
    countedUsageEvents: usage.filter((event) => !event.estimated).length,
    droppedStreams,
    abortedStreams,
    estimatedUsageEvents: usage.filter((event) => event.estimated).length,
    servedTokens,
    billedTokens,
    costMismatches,
    socketsLeftOpen: Math.max(0, openTcpSockets() - socketsBefore),
    rssBeforeMiB: Math.round(rssBefore / 1048576),
    rssAfterMiB: Math.round(process.memoryUsage().rss / 1048576),
    durationMs: Date.now() - started,
  };
}
