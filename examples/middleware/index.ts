/**
 * Middleware example: a logging middleware around every request, and one that answers some prompts
 * from a fixture without calling a provider (no attempt, no usage event, nothing billed).
 *
 *   npx tsx examples/middleware/index.ts
 *
 * It runs against the OpenAI simulator from `switchyard/testing`, so no API key is needed. In your own
 * code, import `Router` and `RequestMiddleware` from 'switchyard'.
 */
import type { PipelineStream, RequestMiddleware } from '../../src/middleware/middleware.js';
import type { GenerateResult } from '../../src/router/router-types.js';
import { Router } from '../../src/router/router.js';
import { createOpenAISimulator } from '../../src/testing/openai-simulator.js';
import type { StreamPart } from '../../src/core/types.js';

/** Logs each request's model and how long the rest of the pipeline took, and any failure. */
const logging: RequestMiddleware = {
  name: 'logging',
  async wrapGenerate(run, next) {
    const started = Date.now();
    try {
      const result = await next();
      console.log(`[logging] ${run.requestId} ${run.model} -> ${result.provider} in ${Date.now() - started} ms`);
      return result;
    } catch (error) {
      console.log(`[logging] ${run.requestId} ${run.model} failed: ${(error as Error).message}`);
      throw error;
    }
  },
  async wrapStream(run, next) {
    const inner = await next();
    console.log(`[logging] ${run.requestId} ${run.model} streaming`);
    return inner;
  },
};

/** Answers the prompts it knows from a fixture; the rest go on down the pipeline. */
function fixtureAnswers(answers: Record<string, string>): RequestMiddleware {
  const lastUserText = (run: Parameters<NonNullable<RequestMiddleware['wrapGenerate']>>[0]): string | undefined => {
    const message = run.request.prompt.filter((each) => each.role === 'user').at(-1);
    if (!message || typeof message.content === 'string') return undefined;
    return message.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
  };
  const answer = (
    run: Parameters<NonNullable<RequestMiddleware['wrapGenerate']>>[0],
    text: string,
  ): GenerateResult => ({
    requestId: run.requestId,
    generationId: run.generationId,
    model: run.model,
    provider: 'fixture',
    providerType: 'openai',
    providerModelId: 'fixture',
    credentialType: 'system',
    text,
    reasoningText: undefined,
    content: [{ type: 'text', text }],
    toolCalls: [],
    finishReason: { unified: 'stop' },
    usage: {
      inputTokens: { total: 0, noCache: 0, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: 0, text: 0, reasoning: 0 },
    },
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
    attempts: [],
    warnings: [],
    providerMetadata: undefined,
    responseId: undefined,
    latencyMs: 0,
  });
  return {
    name: 'fixture-answers',
    async wrapGenerate(run, next) {
      const known = answers[lastUserText(run) ?? ''];
      return known === undefined ? next() : answer(run, known);
    },
    async wrapStream(run, next): Promise<PipelineStream> {
      const known = answers[lastUserText(run) ?? ''];
      if (known === undefined) return next();
      const parts: StreamPart[] = [
        { type: 'text-start', id: 'fixture' },
        { type: 'text-delta', id: 'fixture', delta: known },
        { type: 'text-end', id: 'fixture' },
        { type: 'finish', finishReason: { unified: 'stop' }, usage: answer(run, known).usage },
      ];
      return {
        parts: (async function* () {
          yield* parts;
        })(),
        result: Promise.resolve(answer(run, known)),
      };
    },
  };
}

const simulator = createOpenAISimulator();
const baseURL = `${await simulator.start()}/v1`;
const router = new Router({
  providers: { openai: { apiKey: 'sk-example', baseURL } },
  middleware: [logging, fixtureAnswers({ 'What is the capital of France?': 'Paris (from the fixture).' })],
});
let usageEvents = 0;
router.on('usage', () => void (usageEvents += 1));
try {
  const fromFixture = await router.generate({ model: 'openai/gpt-4o-mini', prompt: 'What is the capital of France?' });
  console.log(`answer 1: "${fromFixture.text}" (provider ${fromFixture.provider})`);
  const fromProvider = await router.generate({ model: 'openai/gpt-4o-mini', prompt: 'Say hello' });
  console.log(`answer 2: "${fromProvider.text}" (provider ${fromProvider.provider})`);
  const stream = router.stream({ model: 'openai/gpt-4o-mini', prompt: 'What is the capital of France?' });
  let streamed = '';
  for await (const text of stream) streamed += text;
  console.log(`answer 3 (streamed): "${streamed}"`);
  console.log(`usage events: ${usageEvents}; requests the vendor saw: ${simulator.requests.length}`);
} finally {
  await router.close();
  await simulator.close();
}
