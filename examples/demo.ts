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

/** Whether streamed text left the cursor mid-line (then the next log line starts on a fresh one). */
let midLine = false;

/** Prints one line of the log, on a line of its own. */
function say(text: string): void {
  if (midLine) process.stdout.write('\n');
  midLine = false;
  console.log(text);
}

/** Writes streamed text inline. */
function write(text: string): void {
  process.stdout.write(text);
  midLine = !text.endsWith('\n');
}

/**
 * Runs one step of the tour; a failure (a real provider whose key does not work, a network that is
 * down) is printed with its code and the tour goes on.
 */
async function step(title: string, run: () => Promise<void>): Promise<void> {
  say(bold(`\n${title}`));
  try {
    await run();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    say(
      `  ✗ failed${typeof code === 'string' ? ` (${code})` : ''}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Prints router events as a readable log. */
export function logRouterEvents(router: Router): void {
  router.on('request', (event) =>
    say(
      dim(
        `  → ${event.model}: candidates ${event.candidates.map((candidate) => `${candidate.provider}(${candidate.providerModelId})`).join(', ')}`,
      ),
    ),
  );
  router.on('warning', (event) => say(`  ! ${event.code}: ${event.message}`));
  router.on('fallback', (event) =>
    say(
      `  ↪ ${event.from.provider} failed (${event.code}); falling back to ${event.to.provider} for ${event.to.model}`,
    ),
  );
  router.on('usage', (event: UsageEvent) =>
    say(
      dim(
        `  $ usage: ${event.provider}/${event.providerModelId} in=${event.inputTokens} (cached ${event.cacheReadTokens}) out=${event.outputTokens} cost=$${nanoToDollars(event.cost.total)}${event.estimated ? ' (estimated)' : ''}`,
      ),
    ),
  );
}

/** Runs the tour against a router whose providers come from `gateway`. */
export async function runDemo(router: Router, gateway: SimulatedProviders): Promise<void> {
  await step('1. A request routed by the default latency-weighted strategy', async () => {
    const first = await router.generate({ model: 'anthropic/claude-sonnet-4', prompt: 'What is a switchyard?' });
    say(`  ${first.provider} answered: ${JSON.stringify(first.text.slice(0, 80))}`);
  });

  await step('2. A stream, with the order fixed to one provider', async () => {
    const stream = router.stream({
      model: 'openai/gpt-4o-mini',
      prompt: 'Stream a short greeting',
      providerOptions: { gateway: { order: ['openai'] } },
    });
    write('  ');
    for await (const text of stream) write(text);
    const streamed = await stream.result;
    say(`  time to first token ${streamed.timeToFirstTokenMs} ms, cost $${nanoToDollars(streamed.cost.total)}`);
  });

  await step('3. A failover: the first provider answers 503, the request moves on', async () => {
    const broken = gateway.simulators.anthropic;
    if (!broken) {
      say('  (anthropic is real here: not breaking it on purpose)');
      return;
    }
    broken.script({ type: 'status', status: 503 }, { type: 'status', status: 503 });
    const failover = await router.generate({
      model: 'anthropic/claude-sonnet-4',
      prompt: 'Are you still there?',
      providerOptions: { gateway: { order: ['anthropic', 'bedrock'] } },
    });
    say(
      `  attempts: ${failover.attempts.map((attempt) => `${attempt.provider}:${attempt.outcome}${attempt.code ? `(${attempt.code})` : ''}`).join(' → ')}`,
    );
  });

  await step('4. A model fallback and a tool call', async () => {
    gateway.simulators.bedrock?.script({ type: 'status', status: 429, retryAfterSeconds: 30 });
    const fallback = await router.generate({
      model: 'meta/llama-3.3-70b',
      prompt: 'Hello Llama',
      providerOptions: { gateway: { models: ['mistral/mistral-large'], order: ['bedrock'] } },
    });
    say(`  asked for meta/llama-3.3-70b, answered by ${fallback.model} via ${fallback.provider}`);
    const tool = await router.generate({
      model: 'openai/gpt-4o-mini',
      prompt: 'Please use the weather tool for Paris',
      tools: [
        {
          type: 'function',
          name: 'weather',
          inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
        },
      ],
    });
    say(`  tool calls: ${JSON.stringify(tool.toolCalls)}`);
  });

  await step('5. An object that matches a JSON Schema', async () => {
    const { object } = await router.generateObject({
      model: 'google/gemini-2.5-flash',
      prompt: 'Invent a city',
      schema: {
        type: 'object',
        properties: { name: { type: 'string' }, population: { type: 'integer' } },
        required: ['name', 'population'],
      },
    });
    say(`  object: ${JSON.stringify(object)}`);
  });

  await step('6. Embeddings', async () => {
    const { embeddings } = await router.embedMany({
      model: 'cohere/embed-v4.0',
      values: ['gateway', 'router'],
      dimensions: 8,
    });
    say(`  embeddings: ${embeddings.length} × ${embeddings[0].length}`);
  });

  await step('7. Health after the tour', async () => {
    for (const snapshot of router.health.snapshots()) {
      say(
        `  ${snapshot.provider}/${snapshot.providerModelId}: ${snapshot.successes}/${snapshot.samples} ok, p50 ${snapshot.latencyMs.p50 ?? '-'} ms, ${snapshot.state}`,
      );
    }
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const gateway = await startSimulatedProviders({ environment: process.env });
  console.log(`real providers: ${gateway.real.join(', ') || 'none'}; simulated: ${gateway.simulated.join(', ')}`);
  const router = new Router({ providers: gateway.providers, retry: { maxRetries: 0 } });
  logRouterEvents(router);
  await router.ready();
  await runDemo(router, gateway);
  await gateway.close();
}
