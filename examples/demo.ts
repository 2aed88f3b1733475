/**
 * The in-process tour: a few requests through the router, with the routing decisions, a failover and
 * the usage events (with exact costs) printed as they happen.
 *
 *   npx tsx examples/demo.ts
 */
import { nanoToDollars, Router, type UsageEvent } from '../src/index.js';
import { startSimulatedProviders, type SimulatedProviders } from '../src/testing/index.js';

const dim = (text: string): string => `\x1b[2m${text}\x1b[0m`;
const bold = (text: string): string => `\x1b[1m${text}\x1b[0m`;

/** Prints router events as a readable log. */
export function logRouterEvents(router: Router): void {
  router.on('request', (event) => console.log(dim(`  → ${event.model}: candidates ${event.candidates.map((candidate) => `${candidate.provider}(${candidate.providerModelId})`).join(', ')}`)));
  router.on('fallback', (event) => console.log(`  ↪ ${event.from.provider} failed (${event.code}); falling back to ${event.to.provider} for ${event.to.model}`));
  router.on('usage', (event: UsageEvent) =>
    console.log(dim(`  $ usage: ${event.provider}/${event.providerModelId} in=${event.inputTokens} (cached ${event.cacheReadTokens}) out=${event.outputTokens} cost=$${nanoToDollars(event.cost.total)}${event.estimated ? ' (estimated)' : ''}`)),
  );
}

/** Runs the tour against a router whose providers come from `gateway`. */
export async function runDemo(router: Router, gateway: SimulatedProviders): Promise<void> {
  console.log(bold('\n1. A request routed by the default latency-weighted strategy'));
  const first = await router.generate({ model: 'anthropic/claude-sonnet-4', prompt: 'What is a switchyard?' });
  console.log(`  ${first.provider} answered: ${JSON.stringify(first.text.slice(0, 80))}`);

  console.log(bold('\n2. A stream, with the order fixed to one provider'));
  const stream = router.stream({ model: 'openai/gpt-4o-mini', prompt: 'Stream a short greeting', providerOptions: { gateway: { order: ['openai'] } } });
  process.stdout.write('  ');
  for await (const text of stream) process.stdout.write(text);
  const streamed = await stream.result;
  console.log(`\n  time to first token ${streamed.timeToFirstTokenMs} ms, cost $${nanoToDollars(streamed.cost.total)}`);

  console.log(bold('\n3. A failover: the first provider answers 503, the request moves on'));
  const broken = gateway.simulators.anthropic;
  if (broken) {
    broken.script({ type: 'status', status: 503 }, { type: 'status', status: 503 });
    const failover = await router.generate({ model: 'anthropic/claude-sonnet-4', prompt: 'Are you still there?', providerOptions: { gateway: { order: ['anthropic', 'bedrock'] } } });
    console.log(`  attempts: ${failover.attempts.map((attempt) => `${attempt.provider}:${attempt.outcome}${attempt.code ? `(${attempt.code})` : ''}`).join(' → ')}`);
  } else console.log('  (anthropic is real here: not breaking it on purpose)');

  console.log(bold('\n4. A model fallback, a tool call, an object and embeddings'));
  gateway.simulators.bedrock?.script({ type: 'status', status: 429, retryAfterSeconds: 30 });
  const fallback = await router.generate({ model: 'meta/llama-3.3-70b', prompt: 'Hello Llama', providerOptions: { gateway: { models: ['mistral/mistral-large'], order: ['bedrock'] } } });
  console.log(`  asked for meta/llama-3.3-70b, answered by ${fallback.model} via ${fallback.provider}`);
  const tool = await router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Please use the weather tool for Paris', tools: [{ type: 'function', name: 'weather', inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }] });
  console.log(`  tool calls: ${JSON.stringify(tool.toolCalls)}`);
  const { object } = await router.generateObject({ model: 'google/gemini-2.5-flash', prompt: 'Invent a city', schema: { type: 'object', properties: { name: { type: 'string' }, population: { type: 'integer' } }, required: ['name', 'population'] } });
  console.log(`  object: ${JSON.stringify(object)}`);
  const { embeddings } = await router.embedMany({ model: 'cohere/embed-v4.0', values: ['gateway', 'router'], dimensions: 8 });
  console.log(`  embeddings: ${embeddings.length} × ${embeddings[0].length}`);

  console.log(bold('\n5. Health after the tour'));
  for (const snapshot of router.health.snapshots()) {
    console.log(`  ${snapshot.provider}/${snapshot.providerModelId}: ${snapshot.successes}/${snapshot.samples} ok, p50 ${snapshot.latencyMs.p50 ?? '-'} ms, ${snapshot.state}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const gateway = await startSimulatedProviders({ environment: process.env });
  console.log(`real providers: ${gateway.real.join(', ') || 'none'}; simulated: ${gateway.simulated.join(', ')}`);
  const router = new Router({ providers: gateway.providers, retry: { maxRetries: 0 } });
  logRouterEvents(router);
  await runDemo(router, gateway);
  await gateway.close();
}
