import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
// The AWS SDK's own event-stream decoder, reached as a transitive dependency (tests only).
import { EventStreamCodec } from '@smithy/core/event-streams';
import { fromUtf8, toUtf8 } from '@smithy/core/serde';
import { createBedrockSimulator, encodeEventStreamMessage } from '../../src/testing/bedrock-simulator.js';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

interface DecodedMessage {
  headers: Record<string, string>;
  body: string;
}

/** Splits a byte stream into event-stream messages by their length prefix and decodes each with the SDK's codec. */
function decodeAll(bytes: Uint8Array): DecodedMessage[] {
  const messages: DecodedMessage[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const length = new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0, false);
    const decoded = codec.decode(bytes.subarray(offset, offset + length));
    messages.push({
      headers: Object.fromEntries(
        Object.entries(decoded.headers).map(([name, header]) => [name, String(header.value)]),
      ),
      body: toUtf8(decoded.body),
    });
    offset += length;
  }
  return messages;
}

describe('bedrock event-stream encoder', () => {
  it('round-trips through the SDK decoder, with multi-byte text', () => {
    const headers = {
      ':event-type': 'contentBlockDelta',
      ':content-type': 'application/json',
      ':message-type': 'event',
    };
    const payload = JSON.stringify({ contentBlockIndex: 0, delta: { text: 'Grüße, 世界 🚂' } });
    const [message] = decodeAll(encodeEventStreamMessage(headers, payload));
    assert.deepEqual(message, { headers, body: payload });
  });

  it('matches the SDK encoder byte for byte', () => {
    const payload = new TextEncoder().encode('{"role":"assistant"}');
    const ours = encodeEventStreamMessage({ ':event-type': 'messageStart', ':message-type': 'event' }, payload);
    const theirs = codec.encode({
      headers: {
        ':event-type': { type: 'string', value: 'messageStart' },
        ':message-type': { type: 'string', value: 'event' },
      },
      body: payload,
    });
    assert.deepEqual(new Uint8Array(ours), theirs);
  });

  it('fails the SDK decoder when a byte is flipped', () => {
    const frame = encodeEventStreamMessage({ ':message-type': 'event' }, '{}');
    frame[frame.length - 6] ^= 0xff;
    assert.throws(() => codec.decode(frame), /checksum/);
  });
});

describe('bedrock simulator (raw HTTP)', () => {
  const simulator = createBedrockSimulator({ auth: { invalidAccessKeyIds: ['AKIDREVOKED'] } });
  let baseURL: string;
  const signed = (accessKeyId = 'AKIDTEST'): Record<string, string> => ({
    authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=${'ab'.repeat(32)}`,
    'x-amz-date': '20260101T000000Z',
  });
  const post = (path: string, body: unknown, headers: Record<string, string> = signed()): Promise<Response> =>
    fetch(`${baseURL}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const CLAUDE_PATH = `/model/${encodeURIComponent('anthropic.claude-sonnet-4-20250514-v1:0')}`;
  const converse = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    messages: [{ role: 'user', content: [{ text: 'Hello there' }] }],
    ...extra,
  });
  const errorType = (response: Response): string | null => response.headers.get('x-amzn-errortype');

  beforeAll(async () => {
    baseURL = await simulator.start();
  });
  afterAll(() => simulator.close());
  beforeEach(() => {
    simulator.reset();
  });

  it('answers Converse at a URL-encoded model id, with Bedrock usage fields', async () => {
    assert.equal(CLAUDE_PATH, '/model/anthropic.claude-sonnet-4-20250514-v1%3A0');
    const response = await post(`${CLAUDE_PATH}/converse`, converse());
    assert.equal(response.status, 200);
    assert.match(response.headers.get('x-amzn-requestid') ?? '', /^[0-9a-f-]{36}$/);
    const body = (await response.json()) as {
      output: { message: { role: string; content: Array<{ text: string }> } };
      stopReason: string;
      usage: Record<string, number>;
      metrics: { latencyMs: number };
    };
    assert.deepEqual(body.output.message, { role: 'assistant', content: [{ text: 'You said: Hello there' }] });
    assert.equal(body.stopReason, 'end_turn');
    assert.deepEqual(Object.keys(body.usage).sort(), ['inputTokens', 'outputTokens', 'totalTokens']);
    assert.equal(body.usage.totalTokens, body.usage.inputTokens + body.usage.outputTokens);
  });

  it('streams ConverseStream events in AWS event-stream framing', async () => {
    const response = await post(`${CLAUDE_PATH}/converse-stream`, converse());
    assert.equal(response.headers.get('content-type'), 'application/vnd.amazon.eventstream');
    const messages = decodeAll(new Uint8Array(await response.arrayBuffer()));
    const types = messages.map((message) => message.headers[':event-type']);
    assert.equal(types[0], 'messageStart');
    assert.deepEqual(types.slice(-3), ['contentBlockStop', 'messageStop', 'metadata']);
    assert.ok(
      messages.every(
        (message) =>
          message.headers[':message-type'] === 'event' && message.headers[':content-type'] === 'application/json',
      ),
    );
    const text = messages
      .filter((message) => message.headers[':event-type'] === 'contentBlockDelta')
      .map((message) => (JSON.parse(message.body) as { delta: { text: string } }).delta.text)
      .join('');
    assert.equal(text, 'You said: Hello there');
    assert.equal((JSON.parse(messages[messages.length - 2].body) as { stopReason: string }).stopReason, 'end_turn');
  });

  it('streams tool use as contentBlockStart plus input deltas', async () => {
    const tools = [
      {
        toolSpec: {
          name: 'weather',
          inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
        },
      },
    ];
    const response = await post(
      `${CLAUDE_PATH}/converse-stream`,
      converse({ toolConfig: { tools, toolChoice: { any: {} } } }),
    );
    const messages = decodeAll(new Uint8Array(await response.arrayBuffer()));
    const start = messages.find((message) => message.headers[':event-type'] === 'contentBlockStart');
    assert.ok(start);
    assert.equal((JSON.parse(start.body) as { start: { toolUse: { name: string } } }).start.toolUse.name, 'weather');
    const input = messages
      .filter((message) => message.headers[':event-type'] === 'contentBlockDelta')
      .map((message) => (JSON.parse(message.body) as { delta: { toolUse: { input: string } } }).delta.toolUse.input)
      .join('');
    assert.deepEqual(JSON.parse(input), { city: 'sample' });
    assert.equal((JSON.parse(messages[messages.length - 2].body) as { stopReason: string }).stopReason, 'tool_use');
  });

  it('sends a queued exception as an exception frame mid-stream', async () => {
    simulator.failNextStream({ type: 'throttlingException', message: 'Too many tokens', afterParts: 1 });
    const response = await post(`${CLAUDE_PATH}/converse-stream`, converse());
    const messages = decodeAll(new Uint8Array(await response.arrayBuffer()));
    const last = messages[messages.length - 1];
    assert.deepEqual(last.headers, {
      ':exception-type': 'throttlingException',
      ':content-type': 'application/json',
      ':message-type': 'exception',
    });
    assert.deepEqual(JSON.parse(last.body), { message: 'Too many tokens' });
    assert.equal(messages.filter((message) => message.headers[':event-type'] === 'contentBlockDelta').length, 1);
  });

  it('makes the malformed fault fail the SDK decoder on a stream', async () => {
    simulator.script({ type: 'malformed' });
    const bytes = new Uint8Array(await (await post(`${CLAUDE_PATH}/converse-stream`, converse())).arrayBuffer());
    assert.throws(() => decodeAll(bytes), /checksum/);
  });

  it('refuses unsigned requests and revoked access keys with 403 UnrecognizedClientException', async () => {
    const unsigned = await post(`${CLAUDE_PATH}/converse`, converse(), {});
    assert.equal(unsigned.status, 403);
    assert.match(errorType(unsigned) ?? '', /^UnrecognizedClientException:http:\/\/internal\.amazon\.com\/coral\//);
    assert.deepEqual(await unsigned.json(), { message: 'The security token included in the request is invalid.' });
    const revoked = await post(`${CLAUDE_PATH}/converse`, converse(), signed('AKIDREVOKED'));
    assert.equal(revoked.status, 403);
    assert.match(errorType(revoked) ?? '', /^UnrecognizedClientException:/);
    const bearer = await post(`${CLAUDE_PATH}/converse`, converse(), { authorization: 'Bearer bedrock-api-key' });
    assert.equal(bearer.status, 200, 'a Bedrock API key is accepted');
    assert.equal(simulator.requests.length, 1);
  });

  const faults: Array<[number, number, string]> = [
    [429, 429, 'ThrottlingException'],
    [500, 500, 'InternalServerException'],
    [503, 503, 'ServiceUnavailableException'],
    [529, 503, 'ServiceUnavailableException'],
    [400, 400, 'ValidationException'],
    [401, 403, 'UnrecognizedClientException'],
    [403, 403, 'AccessDeniedException'],
  ];
  for (const [fault, status, type] of faults) {
    it(`answers a ${fault} fault as AWS does: ${status} ${type}`, async () => {
      simulator.script({ type: 'status', status: fault, message: 'simulated fault' });
      const response = await post(`${CLAUDE_PATH}/converse`, converse());
      assert.equal(response.status, status);
      assert.equal(errorType(response)?.split(':')[0], type);
      assert.deepEqual(await response.json(), { message: 'simulated fault' });
    });
  }

  it('rejects malformed Converse requests with 400 ValidationException', async () => {
    const cases: Array<[Record<string, unknown> | string, RegExp]> = [
      [{}, /must start with a user message/],
      [{ messages: [{ role: 'assistant', content: [{ text: 'Hi' }] }] }, /must start with a user message/],
      [
        {
          messages: [
            { role: 'user', content: [{ text: 'a' }] },
            { role: 'user', content: [{ text: 'b' }] },
          ],
        },
        /alternate between user and assistant/,
      ],
      [{ messages: [{ role: 'user', content: [{ text: '  ' }] }] }, /is blank/],
      [
        { messages: [{ role: 'user', content: [{ toolResult: { toolUseId: 't', content: [{ text: 'x' }] } }] }] },
        /toolConfig field must be defined/,
      ],
      [converse({ inferenceConfig: { maxTokens: 0 } }), /maxTokens/],
    ];
    for (const [body, message] of cases) {
      const response = await post(`${CLAUDE_PATH}/converse`, body);
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.equal(errorType(response)?.split(':')[0], 'ValidationException');
      assert.match(((await response.json()) as { message: string }).message, message);
    }
    const garbled = await post(`${CLAUDE_PATH}/converse`, '{"messages":');
    assert.equal(errorType(garbled)?.split(':')[0], 'SerializationException');
    assert.equal((await post('/model/x/unknown', converse())).status, 404);
    assert.equal(simulator.requests.length, 0);
  });

  it('reports cache writes, then cache reads, for a prompt prefix marked with a cache point', async () => {
    const body = (question: string): Record<string, unknown> => ({
      system: [{ text: 'A long and stable system prompt for caching.' }, { cachePoint: { type: 'default' } }],
      messages: [{ role: 'user', content: [{ text: question }] }],
    });
    const first = (
      (await (await post(`${CLAUDE_PATH}/converse`, body('First?'))).json()) as { usage: Record<string, number> }
    ).usage;
    assert.equal(first.cacheReadInputTokens, 0);
    assert.ok(first.cacheWriteInputTokens > 0);
    const second = (
      (await (await post(`${CLAUDE_PATH}/converse`, body('Second?'))).json()) as { usage: Record<string, number> }
    ).usage;
    assert.ok(second.cacheReadInputTokens > 0);
    assert.equal(second.cacheWriteInputTokens, 0);
    assert.equal(
      second.totalTokens,
      second.inputTokens + second.cacheReadInputTokens + second.cacheWriteInputTokens + second.outputTokens,
      'inputTokens excludes cached tokens',
    );
  });

  it('answers Titan v2 and Cohere embeddings through InvokeModel', async () => {
    const titan = await post(`/model/${encodeURIComponent('amazon.titan-embed-text-v2:0')}/invoke`, {
      inputText: 'hello world',
      dimensions: 256,
      normalize: true,
    });
    const titanBody = (await titan.json()) as { embedding: number[]; inputTextTokenCount: number };
    assert.equal(titanBody.embedding.length, 256);
    assert.equal(titanBody.inputTextTokenCount, 3);
    const cohere = await post(`/model/${encodeURIComponent('cohere.embed-english-v3')}/invoke`, {
      texts: ['a', 'b'],
      input_type: 'search_document',
    });
    const cohereBody = (await cohere.json()) as {
      embeddings: number[][];
      id: string;
      response_type: string;
      texts: string[];
    };
    assert.equal(cohereBody.embeddings.length, 2);
    assert.equal(cohereBody.response_type, 'embeddings_floats');
    assert.deepEqual(cohereBody.texts, ['a', 'b']);
    assert.equal(cohere.headers.get('x-amzn-bedrock-input-token-count'), '2');
    const missingType = await post(`/model/${encodeURIComponent('cohere.embed-english-v3')}/invoke`, { texts: ['a'] });
    assert.equal(missingType.status, 400);
    const notEmbedding = await post(`${CLAUDE_PATH}/invoke`, { prompt: 'Hi' });
    assert.equal(notEmbedding.status, 400);
  });
});
