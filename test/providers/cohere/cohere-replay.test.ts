/**
 * Replays of Cohere v2 chat responses shaped as Cohere's API reference documents them, through the
 * router: billed units, cached tokens, tool calls (`"null"` arguments) and each cost to the
 * nano-dollar against the catalog's list price.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import type { ToolDefinition } from '../../../src/core/types.js';
import { weatherTool } from '../provider-fixtures.js';
import { listPrice, loadFixture, replayRouter, startReplayServer } from '../replay-server.js';

type Replay = Awaited<ReturnType<typeof startReplayServer>>;
const clockTool: ToolDefinition = { type: 'function', name: 'clock', inputSchema: { type: 'object', properties: {} } };

describe('cohere replays', () => {
  let replay: Replay;
  beforeAll(async () => {
    replay = await startReplayServer();
  });
  afterAll(() => replay.close());
  const router = () =>
    replayRouter({ cohere: { type: 'cohere', apiKey: 'co-replay-key-0123456789', baseURL: replay.baseURL } });

  it('bills the billed units: cached tokens (counted in tokens, not in billed_units) are not charged again', async () => {
    replay.queue(loadFixture('cohere', 'command-a-cache-hit'));
    const { router: subject, usage } = router();
    const result = await subject.generate({ model: 'cohere/command-a', prompt: 'Tell me about the Orient Express' });
    assert.deepEqual(listPrice('cohere', 'command-a-03-2025'), { input: '2.50', output: '10' });
    assert.match(result.text, /^The Orient Express/);
    assert.deepEqual(result.usage, {
      inputTokens: { total: 12, noCache: 12, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: 45, text: 45, reasoning: 0 },
    });
    // 12 x 2.50 + 45 x 10 per million tokens
    assert.deepEqual(result.cost, { input: 30_000, cacheRead: 0, cacheWrite: 0, output: 450_000, total: 480_000 });
    assert.deepEqual(result.providerMetadata, {
      cohere: { tokens: { inputTokens: 507, outputTokens: 45 }, cachedTokens: 448 },
    });
    assert.equal(usage[0].cost.total, 480_000);
  });

  it('tool calls: a tool plan as reasoning, and "null" arguments as an empty object', async () => {
    replay.queue(loadFixture('cohere', 'command-a-tool-calls'));
    const result = await router().router.generate({
      model: 'cohere/command-a',
      prompt: 'Weather in Paris, and the time?',
      tools: [weatherTool, clockTool],
    });
    assert.equal(result.finishReason.unified, 'tool-calls');
    assert.equal(result.reasoningText, 'I will look up the weather in Paris and the current time.');
    assert.deepEqual(
      result.toolCalls.map((call) => [call.toolCallId, call.toolName, call.input]),
      [
        ['weather_9x2kq8m1v7pd', 'weather', { city: 'Paris' }],
        ['clock_4hz7r2nq0tws', 'clock', {}],
      ],
    );
    // 24 x 2.50 + 61 x 10 per million tokens
    assert.deepEqual(result.cost, { input: 60_000, cacheRead: 0, cacheWrite: 0, output: 610_000, total: 670_000 });
  });

  it('stream: tool calls with "null" arguments as an empty object, and the billed units of message-end', async () => {
    replay.queue(loadFixture('cohere', 'command-a-stream-tool-calls'));
    const { router: subject, usage } = router();
    const result = await subject.stream({
      model: 'cohere/command-a',
      prompt: 'Weather in Paris, and the time?',
      tools: [weatherTool, clockTool],
    }).result;
    assert.equal(result.finishReason.unified, 'tool-calls');
    assert.equal(result.reasoningText, 'I will look up the weather and the time.');
    assert.deepEqual(
      result.toolCalls.map((call) => [call.toolCallId, call.toolName, call.input]),
      [
        ['weather_9x2kq8m1v7pe', 'weather', { city: 'Paris' }],
        ['clock_4hz7r2nq0twt', 'clock', {}],
      ],
    );
    assert.deepEqual(result.usage, {
      inputTokens: { total: 24, noCache: 24, cacheRead: 0, cacheWrite: 0 },
      outputTokens: { total: 61, text: 61, reasoning: 0 },
    });
    assert.deepEqual(result.cost, { input: 60_000, cacheRead: 0, cacheWrite: 0, output: 610_000, total: 670_000 });
    assert.equal(usage[0].cost.total, 670_000);
  });
});
