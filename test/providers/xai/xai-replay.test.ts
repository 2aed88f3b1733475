/**
 * Replays of xAI responses shaped as xAI's API reference documents them, through the router: usage
 * (xAI's completion_tokens leaves the reasoning tokens out) and the cost of each, to the nano-dollar,
 * against the catalog's list price and the `cost_in_usd_ticks` xAI reports in the same response.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { weatherTool } from '../provider-fixtures.js';
import { listPrice, loadFixture, replayRouter, startReplayServer } from '../replay-server.js';

type Replay = Awaited<ReturnType<typeof startReplayServer>>;
/** xAI bills in ticks of 1e-10 USD: ten per nano-dollar. */
const ticksToNano = (ticks: number): number => ticks / 10;

describe('xai replays', () => {
  let replay: Replay;
  beforeAll(async () => {
    replay = await startReplayServer();
  });
  afterAll(() => replay.close());
  const router = () =>
    replayRouter({ xai: { type: 'xai', apiKey: 'xai-replay-key-0123456789', baseURL: `${replay.baseURL}/v1` } });

  it('grok-3-mini: reasoning tokens are output on top of completion_tokens, and the cost is the one xAI reports', async () => {
    const fixture = loadFixture('xai', 'grok-3-mini-reasoning');
    replay.queue(fixture);
    const { router: subject, usage } = router();
    const result = await subject.generate({ model: 'xai/grok-3-mini', prompt: 'What is 101*3?' });
    assert.deepEqual(listPrice('xai', 'grok-3-mini'), { input: '0.30', output: '0.50', cacheRead: '0.075' });
    assert.equal(result.reasoningText, 'The user asks for 101 times 3. 100 times 3 is 300, plus 3 is 303.');
    assert.equal(result.text, '101 multiplied by 3 is 303.');
    assert.deepEqual(result.usage, {
      inputTokens: { total: 32, noCache: 16, cacheRead: 16, cacheWrite: 0 },
      outputTokens: { total: 312, text: 12, reasoning: 300 },
    });
    // 16 x 0.30 + 16 x 0.075 + 312 x 0.50 per million tokens
    assert.deepEqual(result.cost, { input: 4_800, cacheRead: 1_200, cacheWrite: 0, output: 156_000, total: 162_000 });
    const reported = (fixture.response as { usage: { cost_in_usd_ticks: number } }).usage.cost_in_usd_ticks;
    assert.equal(result.cost.total, ticksToNano(reported));
    assert.equal(usage[0].outputTokens, 312);
    assert.equal(usage[0].reasoningTokens, 300);
    assert.equal(usage[0].cost.total, 162_000);
  });

  it('grok-4 stream: a whole tool call, and reasoning without reasoning_content still billed as output', async () => {
    const fixture = loadFixture('xai', 'grok-4-stream-tool-call');
    replay.queue(fixture);
    const { router: subject, usage } = router();
    const stream = subject.stream({ model: 'xai/grok-4', prompt: 'Weather in Paris?', tools: [weatherTool] });
    const result = await stream.result;
    assert.deepEqual(
      result.toolCalls.map((call) => [call.toolCallId, call.toolName, call.input]),
      [['call_58213704', 'weather', { city: 'Paris' }]],
    );
    assert.equal(result.finishReason.unified, 'tool-calls');
    assert.deepEqual(result.usage, {
      inputTokens: { total: 410, noCache: 26, cacheRead: 384, cacheWrite: 0 },
      outputTokens: { total: 206, text: 26, reasoning: 180 },
    });
    // 26 x 3 + 384 x 0.75 + 206 x 15 per million tokens
    assert.deepEqual(result.cost, {
      input: 78_000,
      cacheRead: 288_000,
      cacheWrite: 0,
      output: 3_090_000,
      total: 3_456_000,
    });
    const last = fixture.events?.at(-2) as { data: { usage: { cost_in_usd_ticks: number } } };
    assert.equal(result.cost.total, ticksToNano(last.data.usage.cost_in_usd_ticks));
    assert.equal(usage[0].cost.total, 3_456_000);
  });
});
