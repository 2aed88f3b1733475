import assert from 'node:assert/strict';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import { createGoogleSimulator } from '../../src/testing/google-simulator.js';
import { countTokens } from '../../src/testing/simulator-server.js';

type Part = {
  text?: string;
  thought?: boolean;
  thoughtSignature?: string;
  functionCall?: { name: string; args: Record<string, unknown> };
};
type Candidate = { content: { role: string; parts: Part[] }; finishReason?: string; index?: number };
type Usage = {
  promptTokenCount: number;
  candidatesTokenCount: number;
  totalTokenCount: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
  trafficType?: string;
};
type GenerateResponse = {
  candidates: Candidate[];
  usageMetadata?: Usage;
  modelVersion: string;
  responseId: string;
  createTime?: string;
};
type ErrorBody = { error: { code: number; message: string; status: string; details?: Array<Record<string, unknown>> } };

const KEY = 'AIzaSimulatorKey-0123456789abcdefghij';
const GEMINI = '/v1beta/models/gemini-2.5-flash';
const VERTEX = '/v1beta1/projects/p1/locations/us-central1/publishers/google/models/gemini-2.5-flash';
const weather = {
  name: 'weather',
  parametersJsonSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

describe('google simulator (raw HTTP)', () => {
  const simulator = createGoogleSimulator({ apiKey: KEY, implicitCacheMinTokens: 32 });
  let baseURL: string;
  const post = (
    path: string,
    body: unknown,
    headers: Record<string, string> = { 'x-goog-api-key': KEY },
  ): Promise<Response> =>
    fetch(`${baseURL}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const ask = (text: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    contents: [{ role: 'user', parts: [{ text }] }],
    ...extra,
  });
  const json = async <T>(response: Response): Promise<T> => (await response.json()) as T;
  const events = (text: string): GenerateResponse[] =>
    text
      .split('\n\n')
      .filter(Boolean)
      .map((event) => {
        assert.match(event, /^data: /, 'every event is one data line');
        return JSON.parse(event.slice('data: '.length)) as GenerateResponse;
      });
  const expectError = async (
    response: Response,
    code: number,
    status: string,
    message?: RegExp,
  ): Promise<ErrorBody> => {
    assert.equal(response.status, code);
    const body = await json<ErrorBody>(response);
    assert.equal(body.error.code, code);
    assert.equal(body.error.status, status);
    if (message) assert.match(body.error.message, message);
    return body;
  };

  beforeAll(async () => {
    baseURL = await simulator.start();
  });
  afterAll(() => simulator.close());
  beforeEach(() => {
    simulator.reset();
  });

  it('answers generateContent with candidates, usage, model version and response id', async () => {
    const response = await post(
      `${GEMINI}:generateContent`,
      ask('Hello there', { systemInstruction: { parts: [{ text: 'Be brief.' }] } }),
    );
    assert.equal(response.status, 200);
    const body = await json<GenerateResponse>(response);
    assert.deepEqual(body.candidates[0].content, { parts: [{ text: 'You said: Hello there' }], role: 'model' });
    assert.equal(body.candidates[0].finishReason, 'STOP');
    assert.equal(body.candidates[0].index, 0);
    const usage = body.usageMetadata as Usage;
    assert.equal(usage.promptTokenCount, countTokens('Be brief.\nHello there'));
    assert.equal(usage.candidatesTokenCount, 4);
    assert.equal(usage.totalTokenCount, usage.promptTokenCount + usage.candidatesTokenCount);
    assert.equal(body.modelVersion, 'gemini-2.5-flash');
    assert.ok(body.responseId);
    assert.equal(body.createTime, undefined, 'the Gemini API sends no createTime');
  });

  it('streams SSE events with finish reason and usage on the last one, or a JSON array without alt=sse', async () => {
    const response = await post(`${GEMINI}:streamGenerateContent?alt=sse`, ask('Hello there'));
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const chunks = events(await response.text());
    assert.equal(
      chunks.map((chunk) => chunk.candidates[0].content.parts.map((part) => part.text).join('')).join(''),
      'You said: Hello there',
    );
    assert.equal(chunks.at(-1)?.candidates[0].finishReason, 'STOP');
    assert.equal(chunks.at(-1)?.usageMetadata?.candidatesTokenCount, 4);
    assert.ok(
      chunks
        .slice(0, -1)
        .every((chunk) => chunk.candidates[0].finishReason === undefined && chunk.usageMetadata === undefined),
    );

    const array = await post(`${GEMINI}:streamGenerateContent`, ask('Hello there'));
    const items = await json<GenerateResponse[]>(array);
    assert.ok(Array.isArray(items) && items.length === chunks.length);
  });

  it('authenticates the Gemini API by key header or query, and Vertex AI by bearer token', async () => {
    await expectError(
      await post(`${GEMINI}:generateContent`, ask('Hi'), {}),
      403,
      'PERMISSION_DENIED',
      /unregistered callers/,
    );
    const invalid = await expectError(
      await post(`${GEMINI}:generateContent`, ask('Hi'), { 'x-goog-api-key': 'AIzaWrong' }),
      400,
      'INVALID_ARGUMENT',
      /API key not valid/,
    );
    assert.equal(invalid.error.details?.[0]?.reason, 'API_KEY_INVALID');
    assert.equal((await post(`${GEMINI}:generateContent?key=${KEY}`, ask('Hi'), {})).status, 200);

    await expectError(
      await post(`${VERTEX}:generateContent`, ask('Hi')),
      401,
      'UNAUTHENTICATED',
      /missing required authentication credential/,
    );
    const vertex = await post(`${VERTEX}:generateContent`, ask('Hi'), { authorization: 'Bearer ya29.any-token' });
    assert.equal(vertex.status, 200);
    const body = await json<GenerateResponse>(vertex);
    assert.ok(body.createTime && !Number.isNaN(Date.parse(body.createTime)));
    assert.equal(body.usageMetadata?.trafficType, 'ON_DEMAND');
    assert.equal(body.candidates[0].index, undefined);

    const express = await post('/v1beta1/publishers/google/models/gemini-2.5-flash:generateContent', ask('Hi'));
    assert.equal(express.status, 200, 'Vertex express mode takes an API key');
  });

  it('rejects malformed requests with the API 400 messages', async () => {
    const path = `${GEMINI}:generateContent`;
    await expectError(await post(path, {}), 400, 'INVALID_ARGUMENT', /contents is not specified/);
    await expectError(await post(path, '{not json'), 400, 'INVALID_ARGUMENT', /Invalid JSON payload/);
    await expectError(
      await post(path, { contents: [{ role: 'assistant', parts: [{ text: 'x' }] }] }),
      400,
      'INVALID_ARGUMENT',
      /valid role: user, model/,
    );
    await expectError(
      await post(path, { contents: [{ role: 'user', parts: [] }] }),
      400,
      'INVALID_ARGUMENT',
      /parts must not be empty/,
    );
    await expectError(
      await post(path, ask('Hi', { temperature: 1 })),
      400,
      'INVALID_ARGUMENT',
      /Unknown name "temperature"/,
    );
    await expectError(
      await post(path, ask('Hi', { generationConfig: { max_tokens: 5 } })),
      400,
      'INVALID_ARGUMENT',
      /Unknown name "max_tokens"/,
    );
    await expectError(
      await post(
        path,
        ask('Hi', { generationConfig: { thinkingConfig: { thinkingBudget: 10, thinkingLevel: 'LOW' } } }),
      ),
      400,
      'INVALID_ARGUMENT',
      /only one of thinking budget and thinking level/,
    );
    await expectError(
      await post(path, ask('Hi', { generationConfig: { responseJsonSchema: { type: 'object' } } })),
      400,
      'INVALID_ARGUMENT',
      /response_mime_type/,
    );
    await expectError(
      await post(
        path,
        ask('Hi', {
          tools: [{ functionDeclarations: [weather] }],
          toolConfig: { functionCallingConfig: { mode: 'AUTO', allowedFunctionNames: ['weather'] } },
        }),
      ),
      400,
      'INVALID_ARGUMENT',
      /allowed_function_names/,
    );
    await expectError(
      await post(path, ask('Hi', { tools: [{ functionDeclarations: [{ name: '1 bad name' }] }] })),
      400,
      'INVALID_ARGUMENT',
      /Invalid function name/,
    );
    const mismatched = {
      contents: [
        { role: 'user', parts: [{ text: 'Use the tools' }] },
        {
          role: 'model',
          parts: [{ functionCall: { name: 'weather', args: {} } }, { functionCall: { name: 'weather', args: {} } }],
        },
        { role: 'user', parts: [{ functionResponse: { name: 'weather', response: { output: 1 } } }] },
      ],
    };
    await expectError(
      await post(path, mismatched),
      400,
      'INVALID_ARGUMENT',
      /number of function response parts is equal/,
    );
    await expectError(await post('/v1beta/models/gemini-2.5-flash:chat', ask('Hi')), 404, 'NOT_FOUND');
    assert.equal(simulator.requests.length, 0, 'rejected requests are not recorded');
  });

  it('calls functions under mode ANY (only allowed names) and not under NONE; function calls finish with STOP', async () => {
    const time = {
      name: 'time',
      parameters: { type: 'OBJECT', properties: { zone: { type: 'STRING' } }, required: ['zone'] },
    };
    const forced = await json<GenerateResponse>(
      await post(
        `${GEMINI}:generateContent`,
        ask('Hi', {
          tools: [{ functionDeclarations: [weather, time] }],
          toolConfig: { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['time'] } },
        }),
      ),
    );
    assert.deepEqual(forced.candidates[0].content.parts, [
      { functionCall: { name: 'time', args: { zone: 'sample' } } },
    ]);
    assert.equal(forced.candidates[0].finishReason, 'STOP');
    const none = await json<GenerateResponse>(
      await post(
        `${GEMINI}:generateContent`,
        ask('Please use the tool', {
          tools: [{ functionDeclarations: [weather] }],
          toolConfig: { functionCallingConfig: { mode: 'NONE' } },
        }),
      ),
    );
    assert.equal(none.candidates[0].content.parts[0].text, 'You said: Please use the tool');
    const stream = events(
      await (
        await post(
          `${GEMINI}:streamGenerateContent?alt=sse`,
          ask('Use all tools in parallel please', { tools: [{ functionDeclarations: [weather, time] }] }),
        )
      ).text(),
    );
    assert.equal(stream.length, 1, 'function calls arrive whole, together');
    assert.deepEqual(
      stream[0].candidates[0].content.parts.map((part) => part.functionCall?.name),
      ['weather', 'time'],
    );
  });

  it('answers JSON matching responseJsonSchema or an OpenAPI responseSchema', async () => {
    const person = {
      type: 'object',
      properties: { name: { type: 'string' }, age: { type: 'integer' } },
      required: ['name', 'age'],
    };
    const first = await json<GenerateResponse>(
      await post(
        `${GEMINI}:generateContent`,
        ask('A person', { generationConfig: { responseMimeType: 'application/json', responseJsonSchema: person } }),
      ),
    );
    assert.deepEqual(JSON.parse(first.candidates[0].content.parts[0].text ?? ''), { name: 'sample', age: 1 });
    const openApi = { type: 'OBJECT', properties: { ok: { type: 'BOOLEAN' } } };
    const second = await json<GenerateResponse>(
      await post(
        `${GEMINI}:generateContent`,
        ask('A flag', { generationConfig: { responseMimeType: 'application/json', responseSchema: openApi } }),
      ),
    );
    assert.deepEqual(JSON.parse(second.candidates[0].content.parts[0].text ?? ''), { ok: true });
  });

  it('returns thoughts with includeThoughts and counts them apart from the candidates', async () => {
    const body = await json<GenerateResponse>(
      await post(
        `${GEMINI}:generateContent`,
        ask('Think', { generationConfig: { thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 } } }),
      ),
    );
    const [thought, answer] = body.candidates[0].content.parts;
    assert.deepEqual(
      { text: thought.text, thought: thought.thought },
      { text: 'Thinking about: Think', thought: true },
    );
    assert.equal(answer.text, 'You said: Think');
    assert.ok(answer.thoughtSignature);
    const usage = body.usageMetadata as Usage;
    assert.equal(usage.thoughtsTokenCount, 3);
    assert.equal(usage.candidatesTokenCount, 3);
    assert.equal(
      usage.totalTokenCount,
      usage.promptTokenCount + usage.candidatesTokenCount + (usage.thoughtsTokenCount ?? 0),
    );
    const off = await json<GenerateResponse>(
      await post(
        `${GEMINI}:generateContent`,
        ask('Think', { generationConfig: { thinkingConfig: { includeThoughts: true, thinkingBudget: 0 } } }),
      ),
    );
    assert.equal(off.candidates[0].content.parts.length, 1);
  });

  it('reports a remembered prompt prefix as cachedContentTokenCount, per model, above the minimum size', async () => {
    const long = 'Context sentence for caching. '.repeat(8);
    const first = await json<GenerateResponse>(await post(`${GEMINI}:generateContent`, ask(long)));
    assert.equal(first.usageMetadata?.cachedContentTokenCount, undefined);
    const followUp = {
      contents: [
        { role: 'user', parts: [{ text: long }] },
        { role: 'model', parts: [{ text: 'OK' }] },
        { role: 'user', parts: [{ text: 'More' }] },
      ],
    };
    const second = await json<GenerateResponse>(await post(`${GEMINI}:generateContent`, followUp));
    assert.equal(second.usageMetadata?.cachedContentTokenCount, countTokens(long));
    const otherModel = await json<GenerateResponse>(
      await post('/v1beta/models/gemini-2.5-pro:generateContent', followUp),
    );
    assert.equal(otherModel.usageMetadata?.cachedContentTokenCount, undefined);
    await post(`${GEMINI}:generateContent`, ask('Short'));
    const short = await json<GenerateResponse>(
      await post(`${GEMINI}:generateContent`, {
        contents: [
          { role: 'user', parts: [{ text: 'Short' }] },
          { role: 'model', parts: [{ text: 'OK' }] },
          { role: 'user', parts: [{ text: 'Again' }] },
        ],
      }),
    );
    assert.equal(short.usageMetadata?.cachedContentTokenCount, undefined, 'below the minimum nothing is cached');
    assert.equal(simulator.totals.cachedInputTokens, countTokens(long));
  });

  it('embeds through batchEmbedContents, embedContent, Vertex predict and Vertex embedContent', async () => {
    const batch = await json<{ embeddings: Array<{ values: number[] }>; usageMetadata: { promptTokenCount: number } }>(
      await post('/v1beta/models/gemini-embedding-001:batchEmbedContents', {
        requests: ['hello', 'world'].map((text) => ({
          model: 'models/gemini-embedding-001',
          content: { parts: [{ text }] },
          outputDimensionality: 8,
        })),
      }),
    );
    assert.equal(batch.embeddings.length, 2);
    assert.equal(batch.embeddings[0].values.length, 8);
    assert.equal(batch.usageMetadata.promptTokenCount, countTokens('hello') + countTokens('world'));
    await expectError(
      await post('/v1beta/models/gemini-embedding-001:batchEmbedContents', {
        requests: [{ model: 'models/other', content: { parts: [{ text: 'x' }] } }],
      }),
      400,
      'INVALID_ARGUMENT',
      /must match/,
    );

    const single = await json<{ embedding: { values: number[] } }>(
      await post('/v1beta/models/gemini-embedding-001:embedContent', { content: { parts: [{ text: 'hello' }] } }),
    );
    assert.equal(single.embedding.values.length, 3072, 'the model default dimension');

    const bearer = { authorization: 'Bearer ya29.token' };
    const vertexPath = '/v1beta1/projects/p1/locations/us-central1/publishers/google/models';
    const predict = await json<{
      predictions: Array<{ embeddings: { values: number[]; statistics: { token_count: number } } }>;
    }>(
      await post(
        `${vertexPath}/text-embedding-005:predict`,
        { instances: [{ content: 'hello' }, { content: 'world' }], parameters: { outputDimensionality: 4 } },
        bearer,
      ),
    );
    assert.deepEqual(
      predict.predictions.map((prediction) => prediction.embeddings.values.length),
      [4, 4],
    );
    assert.equal(predict.predictions[0].embeddings.statistics.token_count, countTokens('hello'));
    await expectError(
      await post(
        `${vertexPath}/gemini-embedding-001:predict`,
        { instances: [{ content: 'a' }, { content: 'b' }] },
        bearer,
      ),
      400,
      'INVALID_ARGUMENT',
      /only one instance/,
    );

    const embedContent = await json<{ embedding: { values: number[] }; usageMetadata: { promptTokenCount: number } }>(
      await post(
        `${vertexPath}/gemini-embedding-2-preview:embedContent`,
        { content: { parts: [{ text: 'hello' }] }, embedContentConfig: { outputDimensionality: 6 } },
        bearer,
      ),
    );
    assert.equal(embedContent.embedding.values.length, 6);
    assert.equal(embedContent.usageMetadata.promptTokenCount, countTokens('hello'));
  });

  it('answers scripted faults with Google error bodies and Retry-After', async () => {
    simulator.script({ type: 'status', status: 429, retryAfterSeconds: 3 }, { type: 'status', status: 503 });
    const limited = await post(`${GEMINI}:generateContent`, ask('Hi'));
    assert.equal(limited.headers.get('retry-after'), '3');
    await expectError(limited, 429, 'RESOURCE_EXHAUSTED');
    await expectError(await post(`${GEMINI}:generateContent`, ask('Hi')), 503, 'UNAVAILABLE');
    assert.equal((await post(`${GEMINI}:generateContent`, ask('Hi'))).status, 200);
  });
});

describe('google simulator: Claude on Vertex AI', () => {
  const TOKEN = 'ya29.simulator-claude-token';
  const simulator = createGoogleSimulator({ accessToken: TOKEN });
  const CLAUDE = '/v1/projects/p1/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514';
  const messages = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    anthropic_version: 'vertex-2023-10-16',
    max_tokens: 50,
    messages: [{ role: 'user', content: 'Hi Claude' }],
    ...extra,
  });
  type AnthropicError = { type: string; error: { type: string; message: string } };
  let baseURL: string;
  const post = (path: string, body: unknown, token = TOKEN): Promise<Response> =>
    fetch(`${baseURL}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    baseURL = await simulator.start();
  });
  afterAll(() => simulator.close());
  beforeEach(() => {
    simulator.reset();
  });

  it('answers rawPredict with a Messages API message for the model in the URL', async () => {
    const response = await post(`${CLAUDE}:rawPredict`, messages());
    assert.equal(response.status, 200);
    const message = (await response.json()) as {
      type: string;
      model: string;
      content: Array<{ type: string; text: string }>;
      usage: { input_tokens: number; output_tokens: number };
    };
    assert.equal(message.type, 'message');
    assert.equal(message.model, 'claude-sonnet-4@20250514');
    assert.equal(message.content[0].text, 'You said: Hi Claude');
    assert.equal(message.usage.output_tokens, simulator.totals.outputTokens);
  });

  it('streams Anthropic events from streamRawPredict', async () => {
    const response = await post(`${CLAUDE}:streamRawPredict`, messages({ stream: true }));
    assert.match(response.headers.get('content-type') ?? '', /text\/event-stream/);
    const text = await response.text();
    const events = [...text.matchAll(/^event: (\S+)$/gm)].map((match) => match[1]);
    assert.equal(events[0], 'message_start');
    assert.equal(events[events.length - 1], 'message_stop');
    assert.ok(events.includes('content_block_delta'));
  });

  it("rejects a body without the Vertex anthropic_version, or with a model, in Anthropic's error shape", async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [messages({ anthropic_version: undefined }), /anthropic_version: Field required/],
      [messages({ anthropic_version: '2023-06-01' }), /anthropic_version: Input should be 'vertex-2023-10-16'/],
      [messages({ model: 'claude-sonnet-4@20250514' }), /model: Extra inputs are not permitted/],
      [messages({ max_tokens: undefined }), /max_tokens: Field required/],
    ];
    for (const [body, message] of cases) {
      const response = await post(`${CLAUDE}:rawPredict`, body);
      assert.equal(response.status, 400);
      const error = (await response.json()) as AnthropicError;
      assert.equal(error.type, 'error');
      assert.equal(error.error.type, 'invalid_request_error');
      assert.match(error.error.message, message);
    }
    assert.equal(simulator.requests.length, 0, 'rejected requests are not answered');
  });

  it('authenticates with Google bearer tokens and serves only the Claude methods', async () => {
    const denied = await post(`${CLAUDE}:rawPredict`, messages(), 'ya29.wrong');
    assert.equal(denied.status, 401);
    assert.equal(((await denied.json()) as { error: { status: string } }).error.status, 'UNAUTHENTICATED');
    assert.equal((await post(`${CLAUDE}:generateContent`, messages())).status, 404);
    assert.equal(
      (await post('/v1/projects/p1/locations/us-east5/publishers/meta/models/llama:rawPredict', messages())).status,
      404,
    );
  });

  it('answers a scripted 529 as Anthropic overloaded_error, and a 429 as Google RESOURCE_EXHAUSTED', async () => {
    simulator.script({ type: 'status', status: 529 }, { type: 'status', status: 429 });
    const overloaded = await post(`${CLAUDE}:rawPredict`, messages());
    assert.equal(overloaded.status, 529);
    assert.equal(((await overloaded.json()) as AnthropicError).error.type, 'overloaded_error');
    const quota = await post(`${CLAUDE}:rawPredict`, messages());
    assert.equal(((await quota.json()) as { error: { status: string } }).error.status, 'RESOURCE_EXHAUSTED');
  });

  it('speaks what AnthropicVertex sends, given the Vertex anthropic_version', async () => {
    const { AnthropicVertex } = await import('@anthropic-ai/vertex-sdk');
    const authClient = { getRequestHeaders: async () => new Headers({ authorization: `Bearer ${TOKEN}` }) };
    const client = new AnthropicVertex({
      baseURL: `${baseURL}/v1`,
      region: 'us-east5',
      projectId: 'p1',
      authClient: authClient as never,
      maxRetries: 0,
    });
    const body = {
      model: 'claude-sonnet-4@20250514',
      max_tokens: 50,
      messages: [{ role: 'user' as const, content: 'Hi SDK' }],
      anthropic_version: 'vertex-2023-10-16',
    };
    const message = await client.messages.create(body);
    assert.equal(message.content[0].type === 'text' && message.content[0].text, 'You said: Hi SDK');
    assert.equal(simulator.requests[0].path, `${CLAUDE}:rawPredict`);
    let streamed = '';
    for await (const event of await client.messages.create({ ...body, stream: true })) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') streamed += event.delta.text;
    }
    assert.equal(streamed, 'You said: Hi SDK');
    assert.equal(simulator.requests[1].path, `${CLAUDE}:streamRawPredict`);
  });
});
