/**
 * Replays of Mistral chat responses shaped as Mistral's API reference documents them, through the
 * router: a tool call, a stream with usage in its last chunk, and each cost to the nano-dollar
 * against the catalog's list price.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { weatherTool } from '../provider-fixtures.js';
import { listPrice, loadFixture, replayRouter, startReplayServer } from '../replay-server.js';

type Replay = Awaited<ReturnType<typeof startReplayServer>>;

describe('mistral replays', () => {
  let replay: Replay;
  beforeAll(async () => {
    replay = await startReplayServer();
  });
  afterAll(() => replay.close());
  const router = () =>
    replayRouter({ mistral: { type: 'mistral', apiKey: 'mistral-replay-key-0123456789', baseURL: replay.baseURL } });

  it('mistral-medium: a tool call with string arguments', async () => {
    replay.queue(loadFixture('mistral', 'mistral-medium-tool-call'));
    const { router: subject, usage } = router();
    const result = await subject.generate({
      model: 'mistral/mistral-medium',
      prompt: 'Weather in Paris?',
      tools: [weatherTool],
    });
    assert.deepEqual(listPrice('mistral', 'mistral-medium-latest'), { input: '0.40', output: '2' });
    assert.equal(result.finishReason.unified, 'tool-calls');
    assert.deepEqual(
      result.toolCalls.map((call) => [call.toolCallId, call.toolName, call.input]),
      [['D681PevKs', 'weather', { city: 'Paris' }]],
    );
    assert.deepEqual(result.usage, {
      inputTokens: { total: 134, noCache: 134, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: 27, text: 27, reasoning: 0 },
    });
    // 134 x 0.40 + 27 x 2 per million tokens
    assert.deepEqual(result.cost, { input: 53_600, cacheRead: 0, cacheWrite: 0, output: 54_000, total: 107_600 });
    assert.equal(usage[0].cost.total, 107_600);
  });

  it('mistral-large stream: text, and the usage of the finish chunk', async () => {
    replay.queue(loadFixture('mistral', 'mistral-large-stream-text'));
    const result = await router().router.stream({
      model: 'mistral/mistral-large',
      prompt: 'How far is Lyon from Paris by train?',
    }).result;
    assert.deepEqual(listPrice('mistral', 'mistral-large-latest'), { input: '2', output: '6' });
    assert.equal(result.text, 'Lyon is about two hours from Paris by TGV.');
    assert.deepEqual(result.usage, {
      inputTokens: { total: 42, noCache: 42, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: 18, text: 18, reasoning: 0 },
    });
    // 42 x 2 + 18 x 6 per million tokens
    assert.deepEqual(result.cost, { input: 84_000, cacheRead: 0, cacheWrite: 0, output: 108_000, total: 192_000 });
  });
});
