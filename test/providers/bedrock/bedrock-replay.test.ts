/**
 * Replays of Bedrock Converse and ConverseStream responses shaped as the Bedrock API reference
 * documents them, through the router: JSON mode with a real tool call, signed reasoning in a stream
 * (sent back on the next turn), cache reads and writes, and each cost to the nano-dollar against the
 * catalog's list price.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { user, weatherTool } from '../provider-fixtures.js';
import { assistantMessage, listPrice, loadFixture, replayRouter, startReplayServer } from '../replay-server.js';

// The AWS SDK must never read this machine's credentials or config.
process.env.AWS_CONFIG_FILE = '/nonexistent/switchyard-test/aws-config';
process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/switchyard-test/aws-credentials';
for (const name of [
  'AWS_PROFILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_BEARER_TOKEN_BEDROCK',
  'AWS_AUTH_SCHEME_PREFERENCE',
])
  delete process.env[name];

type Replay = Awaited<ReturnType<typeof startReplayServer>>;
const jsonFormat = {
  type: 'json' as const,
  schema: { type: 'object', properties: { summary: { type: 'string' } }, required: ['summary'] },
};

describe('bedrock replays', () => {
  let replay: Replay;
  beforeAll(async () => {
    replay = await startReplayServer();
  });
  afterAll(() => replay.close());
  const router = () =>
    replayRouter({
      bedrock: {
        type: 'bedrock',
        baseURL: replay.baseURL,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDREPLAY00000001', secretAccessKey: 'replay-secret-key-0000000000' },
      },
    });

  it('JSON mode: a call of a real tool (not the json tool) finishes with tool-calls; cache reads priced', async () => {
    replay.queue(loadFixture('bedrock', 'claude-sonnet-4-json-mode-real-tool'));
    const { router: subject, usage } = router();
    const result = await subject.generate({
      model: 'anthropic/claude-sonnet-4',
      prompt: 'Weather in Paris, as a summary',
      tools: [weatherTool],
      responseFormat: jsonFormat,
    });
    assert.deepEqual(listPrice('bedrock', 'us.anthropic.claude-sonnet-4-20250514-v1:0'), {
      input: '3',
      output: '15',
      cacheRead: '0.30',
      cacheWrite: '3.75',
      cacheWriteOneHour: '6',
    });
    assert.equal(result.finishReason.unified, 'tool-calls');
    assert.deepEqual(
      result.toolCalls.map((call) => [call.toolCallId, call.toolName, call.input]),
      [['tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', 'weather', { city: 'Paris' }]],
    );
    assert.deepEqual(result.usage, {
      inputTokens: { total: 1536, noCache: 512, cacheRead: 1024, cacheWrite: 0 },
      outputTokens: { total: 48, text: 48, reasoning: 0 },
    });
    // 512 x 3 + 1024 x 0.30 + 48 x 15 per million tokens
    assert.deepEqual(result.cost, {
      input: 1_536_000,
      cacheRead: 307_200,
      cacheWrite: 0,
      output: 720_000,
      total: 2_563_200,
    });
    assert.equal(usage[0].cost.total, 2_563_200);
  });

  it('stream in JSON mode: signed reasoning stays on stream.result and goes back; a real tool call finishes with tool-calls', async () => {
    replay.queue(
      loadFixture('bedrock', 'claude-3-7-stream-reasoning-tool'),
      loadFixture('bedrock', 'claude-sonnet-4-json-mode-real-tool'),
    );
    const { router: subject, usage } = router();
    const prompt = [user('Weather in Paris, as a summary')];
    const result = await subject.stream({
      model: 'anthropic/claude-3.7-sonnet',
      prompt,
      tools: [weatherTool],
      responseFormat: jsonFormat,
      reasoning: 'high',
    }).result;
    assert.equal(result.finishReason.unified, 'tool-calls');
    assert.deepEqual(result.content[0], {
      type: 'reasoning',
      text: 'The user asks for the weather in Paris: call the tool.',
      providerMetadata: { bedrock: { signature: 'ErUBCkgIAxABGAIiQJ5m0vCWQfNnNq0nWSmF2T' } },
    });
    assert.deepEqual(
      result.toolCalls.map((call) => [call.toolCallId, call.toolName, call.input]),
      [['tooluse_Xq3bJ1rLQxKz6d0R2WcYvA', 'weather', { city: 'Paris' }]],
    );
    // Bedrock counts reasoning inside outputTokens without a split.
    assert.deepEqual(result.usage, {
      inputTokens: { total: 1580, noCache: 380, cacheRead: 0, cacheWrite: 1200 },
      outputTokens: { total: 230, text: undefined, reasoning: undefined },
    });
    // 380 x 3 + 1200 x 3.75 + 230 x 15 per million tokens
    assert.deepEqual(result.cost, {
      input: 1_140_000,
      cacheRead: 0,
      cacheWrite: 4_500_000,
      output: 3_450_000,
      total: 9_090_000,
    });
    assert.equal(usage[0].cost.total, 9_090_000);

    await subject.generate({
      model: 'anthropic/claude-3.7-sonnet',
      prompt: [
        ...prompt,
        assistantMessage(result.content),
        {
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: 'tooluse_Xq3bJ1rLQxKz6d0R2WcYvA',
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
    assert.deepEqual(sent[0], {
      reasoningContent: {
        reasoningText: {
          text: 'The user asks for the weather in Paris: call the tool.',
          signature: 'ErUBCkgIAxABGAIiQJ5m0vCWQfNnNq0nWSmF2T',
        },
      },
    });
  });
});
