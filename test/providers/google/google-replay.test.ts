/**
 * Replays of Gemini API responses shaped as Google's API reference documents them, through the
 * router: thoughts, thought signatures (on a function call, and on the last streamed text part),
 * cached tokens, and each cost to the nano-dollar against the catalog's list price.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { user, weatherTool } from '../provider-fixtures.js';
import { assistantMessage, listPrice, loadFixture, replayRouter, startReplayServer } from '../replay-server.js';

type Replay = Awaited<ReturnType<typeof startReplayServer>>;

describe('google replays', () => {
  let replay: Replay;
  beforeAll(async () => {
    replay = await startReplayServer();
  });
  afterAll(() => replay.close());
  const router = () =>
    replayRouter({
      google: { type: 'google', apiKey: 'AIzaReplayKey-0123456789abcdefghijklm', baseURL: replay.baseURL },
    });

  it('gemini-2.5-flash: thoughts are output beside the candidates, cached tokens are cache reads, the call keeps its signature', async () => {
    replay.queue(loadFixture('google', 'gemini-2-5-flash-thinking-tool-cache'));
    const { router: subject, usage } = router();
    const result = await subject.generate({
      model: 'google/gemini-2.5-flash',
      prompt: 'Weather in Paris?',
      tools: [weatherTool],
      reasoning: 'high',
    });
    assert.deepEqual(listPrice('google', 'gemini-2.5-flash'), { input: '0.30', output: '2.50', cacheRead: '0.075' });
    assert.match(result.reasoningText ?? '', /^\*\*Checking the weather\*\*/);
    assert.equal(result.finishReason.unified, 'tool-calls');
    const call = result.content.find((part) => part.type === 'tool-call');
    assert.deepEqual(call && [call.toolName, call.input, call.providerMetadata], [
      'weather',
      '{"city":"Paris"}',
      { google: { thoughtSignature: 'CiwBVKhc7nQSFq1XhQBN0r4H4ZP5jv8cuvq8oUBt3sWl2Un0bjWVk8Q1ZxMKaAFUqFzu' } },
    ]);
    assert.deepEqual(result.usage, {
      inputTokens: { total: 1200, noCache: 176, cacheRead: 1024, cacheWrite: 0 },
      outputTokens: { total: 250, text: 40, reasoning: 210 },
    });
    // 176 x 0.30 + 1024 x 0.075 + 250 x 2.50 per million tokens
    assert.deepEqual(result.cost, { input: 52_800, cacheRead: 76_800, cacheWrite: 0, output: 625_000, total: 754_600 });
    assert.equal(usage[0].cost.total, 754_600);
  });

  it('search grounding: the tool-use prompt tokens (search results fed back) are billed as input', async () => {
    replay.queue(loadFixture('google', 'gemini-2-5-flash-search-grounding'));
    const result = await router().router.generate({ model: 'google/gemini-2.5-flash', prompt: 'Who won Euro 2024?' });
    assert.deepEqual(
      result.content.filter((part) => part.type === 'source').map((part) => part.type === 'source' && part.title),
      ['uefa.com'],
    );
    assert.deepEqual(result.usage, {
      inputTokens: { total: 352, noCache: 352, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: 178, text: 58, reasoning: 120 },
    });
    // 352 x 0.30 + 178 x 2.50 per million tokens
    assert.deepEqual(result.cost, { input: 105_600, cacheRead: 0, cacheWrite: 0, output: 445_000, total: 550_600 });
  });

  it('gemini-2.5-pro stream: the thought signature on the last, empty text part stays on stream.result and goes back', async () => {
    replay.queue(
      loadFixture('google', 'gemini-2-5-pro-stream-thinking-signature'),
      loadFixture('google', 'gemini-2-5-flash-thinking-tool-cache'),
    );
    const { router: subject, usage } = router();
    const prompt = [user('Train or plane from Paris to Lyon?')];
    const result = await subject.stream({ model: 'google/gemini-2.5-pro', prompt, reasoning: 'high' }).result;
    assert.deepEqual(listPrice('google', 'gemini-2.5-pro'), { input: '1.25', output: '10', cacheRead: '0.31' });
    assert.deepEqual(result.content, [
      {
        type: 'reasoning',
        text: '**Comparing the options**\nTrains are faster door to door for trips under four hours.',
      },
      {
        type: 'text',
        text: 'Take the train: Paris to Lyon is about two hours by TGV.',
        providerMetadata: { google: { thoughtSignature: 'CsgBAVSoXO5tIiUyBcAP2RkYr1n0E4l1c1r7n5Pqg2y0k9GJ7w3Y' } },
      },
    ]);
    assert.deepEqual(result.usage, {
      inputTokens: { total: 85, noCache: 85, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: 760, text: 120, reasoning: 640 },
    });
    // 85 x 1.25 + 760 x 10 per million tokens
    assert.deepEqual(result.cost, { input: 106_250, cacheRead: 0, cacheWrite: 0, output: 7_600_000, total: 7_706_250 });
    assert.equal(usage[0].cost.total, 7_706_250);

    await subject.generate({
      model: 'google/gemini-2.5-pro',
      prompt: [...prompt, assistantMessage(result.content), user('And by car?')],
      reasoning: 'high',
    });
    const sent = (
      replay.requests.at(-1)?.body as { contents: Array<{ role: string; parts: Array<Record<string, unknown>> }> }
    ).contents[1];
    assert.deepEqual(sent.parts.at(-1), {
      text: 'Take the train: Paris to Lyon is about two hours by TGV.',
      thoughtSignature: 'CsgBAVSoXO5tIiUyBcAP2RkYr1n0E4l1c1r7n5Pqg2y0k9GJ7w3Y',
    });
  });
});
