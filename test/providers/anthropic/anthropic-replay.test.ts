/**
 * Replays of Anthropic Messages responses shaped as Anthropic's API reference documents them,
 * through the router: thinking (signed and redacted) with tool use in a stream, cache reads and
 * writes, a malformed stream, and each cost to the nano-dollar against the catalog's list price.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { GatewayError } from '../../../src/core/errors.js';
import { user, weatherTool } from '../provider-fixtures.js';
import { assistantMessage, listPrice, loadFixture, replayRouter, startReplayServer } from '../replay-server.js';

type Replay = Awaited<ReturnType<typeof startReplayServer>>;

describe('anthropic replays', () => {
  let replay: Replay;
  beforeAll(async () => {
    replay = await startReplayServer();
  });
  afterAll(() => replay.close());
  const router = () =>
    replayRouter({ anthropic: { type: 'anthropic', apiKey: 'sk-ant-replay-0123456789', baseURL: replay.baseURL } });

  it('stream: thinking signatures and redacted thinking stay on stream.result, which can be sent back', async () => {
    replay.queue(
      loadFixture('anthropic', 'sonnet-4-5-stream-thinking-tool'),
      loadFixture('anthropic', 'haiku-4-5-cache-write'),
    );
    const { router: subject, usage } = router();
    const prompt = [user('Weather in Paris?')];
    const result = await subject.stream({
      model: 'anthropic/claude-sonnet-4.5',
      prompt,
      tools: [weatherTool],
      reasoning: 'high',
    }).result;
    assert.deepEqual(listPrice('anthropic', 'claude-sonnet-4-5-20250929'), {
      input: '3',
      output: '15',
      cacheRead: '0.30',
      cacheWrite: '3.75',
      cacheWriteOneHour: '6',
    });
    assert.deepEqual(result.content.slice(0, 2), [
      {
        type: 'reasoning',
        text: 'The user wants the weather in Paris. I should call the weather tool.',
        providerMetadata: { anthropic: { signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds' } },
      },
      {
        type: 'reasoning',
        text: '',
        providerMetadata: {
          anthropic: { redactedData: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP' },
        },
      },
    ]);
    assert.deepEqual(
      result.toolCalls.map((call) => [call.toolCallId, call.toolName, call.input]),
      [['toolu_01T1x1fJ34qAmk2tNTrN7Up6', 'weather', { city: 'Paris' }]],
    );
    assert.equal(result.finishReason.unified, 'tool-calls');
    assert.deepEqual(result.usage, {
      inputTokens: { total: 2520, noCache: 472, cacheRead: 2048, cacheWrite: 0 },
      outputTokens: { total: 196, text: 196, reasoning: 0 },
    });
    // 472 x 3 + 2048 x 0.30 + 196 x 15 per million tokens
    assert.deepEqual(result.cost, {
      input: 1_416_000,
      cacheRead: 614_400,
      cacheWrite: 0,
      output: 2_940_000,
      total: 4_970_400,
    });
    assert.equal(usage[0].cost.total, 4_970_400);

    // The next turn sends the thinking back as Anthropic requires: signed, and redacted as it came.
    await subject.generate({
      model: 'anthropic/claude-sonnet-4.5',
      prompt: [
        ...prompt,
        assistantMessage(result.content),
        {
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6',
              toolName: 'weather',
              output: { type: 'text', value: 'sunny' },
            },
          ],
        },
      ],
      tools: [weatherTool],
      reasoning: 'high',
    });
    const sent = (
      replay.requests.at(-1)?.body as { messages: Array<{ role: string; content: Array<Record<string, unknown>> }> }
    ).messages[1].content;
    assert.deepEqual(sent.slice(0, 2), [
      {
        type: 'thinking',
        thinking: 'The user wants the weather in Paris. I should call the weather tool.',
        signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds',
      },
      { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP' },
    ]);
  });

  it('a cache write: input_tokens excludes the cache write, billed at the cache write price', async () => {
    replay.queue(loadFixture('anthropic', 'haiku-4-5-cache-write'));
    const result = await router().router.generate({
      model: 'anthropic/claude-haiku-4.5',
      prompt: 'What does section 4.2 say?',
    });
    assert.deepEqual(listPrice('anthropic', 'claude-haiku-4-5-20251001'), {
      input: '1',
      output: '5',
      cacheRead: '0.10',
      cacheWrite: '1.25',
      cacheWriteOneHour: '2',
    });
    assert.deepEqual(result.usage, {
      inputTokens: { total: 1821, noCache: 21, cacheRead: 0, cacheWrite: 1800 },
      outputTokens: { total: 64, text: 64, reasoning: 0 },
    });
    // 21 x 1 + 1800 x 1.25 + 64 x 5 per million tokens
    assert.deepEqual(result.cost, {
      input: 21_000,
      cacheRead: 0,
      cacheWrite: 2_250_000,
      output: 320_000,
      total: 2_591_000,
    });
  });

  it('a stream with a second message_start before message_stop fails as malformed instead of merging', async () => {
    replay.queue(loadFixture('anthropic', 'stream-second-message-start'));
    const stream = router().router.stream({ model: 'anthropic/claude-haiku-4.5', prompt: 'Hi' });
    const error = await stream.result.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof GatewayError, `a GatewayError, got ${String(error)}`);
    assert.equal(error.code, 'provider_bad_response');
  });
});
