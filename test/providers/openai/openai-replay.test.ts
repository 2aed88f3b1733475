/**
 * Replays of OpenAI Chat Completions responses shaped as OpenAI's API reference documents them,
 * through the router: reasoning tokens inside completion_tokens, cached tokens inside prompt_tokens,
 * parallel tool calls streamed by index, and each cost to the nano-dollar against the catalog's list
 * price.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { timeTool, weatherTool } from '../provider-fixtures.js';
import { listPrice, loadFixture, replayRouter, startReplayServer } from '../replay-server.js';

type Replay = Awaited<ReturnType<typeof startReplayServer>>;

describe('openai replays', () => {
  let replay: Replay;
  beforeAll(async () => {
    replay = await startReplayServer();
  });
  afterAll(() => replay.close());
  const router = () =>
    replayRouter({ openai: { type: 'openai', apiKey: 'sk-replay-0123456789abcdef', baseURL: `${replay.baseURL}/v1` } });

  it('o4-mini: reasoning tokens are part of completion_tokens, cached tokens part of prompt_tokens', async () => {
    replay.queue(loadFixture('openai', 'o4-mini-reasoning-cache'));
    const { router: subject, usage } = router();
    const result = await subject.generate({
      model: 'openai/o4-mini',
      prompt: 'What is the invoice total?',
      reasoning: 'medium',
    });
    assert.deepEqual(listPrice('openai', 'o4-mini'), { input: '1.10', output: '4.40', cacheRead: '0.275' });
    assert.equal(result.text, 'The invoice total is 1,284.50 EUR.');
    assert.deepEqual(result.usage, {
      inputTokens: { total: 1500, noCache: 220, cacheRead: 1280, cacheWrite: 0 },
      outputTokens: { total: 420, text: 36, reasoning: 384 },
    });
    // 220 x 1.10 + 1280 x 0.275 + 420 x 4.40 per million tokens
    assert.deepEqual(result.cost, {
      input: 242_000,
      cacheRead: 352_000,
      cacheWrite: 0,
      output: 1_848_000,
      total: 2_442_000,
    });
    assert.equal(usage[0].cost.total, 2_442_000);
  });

  it('gpt-4.1 stream: parallel tool calls by index, and the usage of the last chunk', async () => {
    replay.queue(loadFixture('openai', 'gpt-4-1-stream-parallel-tools'));
    const { router: subject, usage } = router();
    const result = await subject.stream({
      model: 'openai/gpt-4.1',
      prompt: 'Weather and time in Paris?',
      tools: [weatherTool, timeTool],
    }).result;
    assert.deepEqual(listPrice('openai', 'gpt-4.1'), { input: '2', output: '8', cacheRead: '0.50' });
    assert.equal(result.finishReason.unified, 'tool-calls');
    assert.deepEqual(
      result.toolCalls.map((call) => [call.toolCallId, call.toolName, call.input]),
      [
        ['call_Qp3sE5kZr8uVw2xNj6bLm0aT', 'weather', { city: 'Paris' }],
        ['call_Hn7cV1mXq4pZs9eRk2yBd5uL', 'time', { zone: 'Europe/Paris' }],
      ],
    );
    assert.deepEqual(result.usage, {
      inputTokens: { total: 96, noCache: 96, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: 41, text: 41, reasoning: 0 },
    });
    // 96 x 2 + 41 x 8 per million tokens
    assert.deepEqual(result.cost, { input: 192_000, cacheRead: 0, cacheWrite: 0, output: 328_000, total: 520_000 });
    assert.equal(usage[0].cost.total, 520_000);
  });
});
