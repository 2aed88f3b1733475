/**
 * Replays of Vertex AI Gemini responses shaped as the Vertex AI reference documents them (fixtures
 * under test/providers/vertex/fixtures), through the router: function-call arguments streamed in
 * pieces (`streamFunctionCallArguments`), cached tokens, and each cost to the nano-dollar against
 * the catalog's list price.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { timeTool, weatherTool } from '../provider-fixtures.js';
import { listPrice, loadFixture, replayRouter, startReplayServer } from '../replay-server.js';

type Replay = Awaited<ReturnType<typeof startReplayServer>>;

describe('vertex replays', () => {
  let replay: Replay;
  beforeAll(async () => {
    replay = await startReplayServer();
  });
  afterAll(() => replay.close());
  const router = () =>
    replayRouter({
      vertex: {
        type: 'vertex',
        project: 'replay-project',
        region: 'us-central1',
        baseURL: replay.baseURL,
        credentials: { accessToken: 'ya29.replay-token-0123456789' },
      },
    });

  it('streamed function-call arguments: two calls with their arguments, not one empty call per piece', async () => {
    replay.queue(loadFixture('vertex', 'gemini-2-5-pro-stream-function-call-arguments'));
    const { router: subject, usage } = router();
    const stream = subject.stream({
      model: 'google/gemini-2.5-pro',
      prompt: 'Weather in Paris for 3 days, and the time there?',
      tools: [weatherTool, timeTool],
    });
    const result = await stream.result;
    assert.deepEqual(
      result.toolCalls.map((call) => [call.toolName, call.input]),
      [
        ['weather', { city: 'Paris', days: 3 }],
        ['time', { zone: 'Europe/Paris' }],
      ],
    );
    const calls = result.content.filter((part) => part.type === 'tool-call');
    assert.deepEqual(calls[0].providerMetadata, {
      vertex: { thoughtSignature: 'CiQBcsjafPz3vq0nH9HhZ0e4hXm1Ypl3xv+9l6uA3Hc7tVZs2mQ=' },
    });
    assert.notEqual(calls[0].toolCallId, calls[1].toolCallId);
    assert.equal(result.finishReason.unified, 'tool-calls');
    assert.deepEqual(listPrice('vertex', 'gemini-2.5-pro'), { input: '1.25', output: '10', cacheRead: '0.31' });
    assert.deepEqual(result.usage, {
      inputTokens: { total: 310, noCache: 310, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: 160, text: 64, reasoning: 96 },
    });
    // 310 x 1.25 + 160 x 10 per million tokens
    assert.deepEqual(result.cost, { input: 387_500, cacheRead: 0, cacheWrite: 0, output: 1_600_000, total: 1_987_500 });
    assert.equal(usage[0].cost.total, 1_987_500);
  });

  it('a context-cache hit: cached tokens are part of promptTokenCount, billed at the cache price', async () => {
    replay.queue(loadFixture('vertex', 'gemini-2-5-flash-cache-hit'));
    const result = await router().router.generate({
      model: 'google/gemini-2.5-flash',
      prompt: 'What does clause 7 say?',
    });
    assert.deepEqual(result.usage, {
      inputTokens: { total: 2100, noCache: 52, cacheRead: 2048, cacheWrite: 0 },
      outputTokens: { total: 30, text: 30, reasoning: 0 },
    });
    // 52 x 0.30 + 2048 x 0.075 + 30 x 2.50 per million tokens
    assert.deepEqual(result.cost, { input: 15_600, cacheRead: 153_600, cacheWrite: 0, output: 75_000, total: 244_200 });
  });
});
