import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import OpenAI from 'openai';
import type { UsageEvent } from '../../src/core/events.js';
import { GATEWAY_KEY, send, startGateway, type Gateway } from './gateway-fixture.js';

const OTHER_KEY = 'gw-test-key-0002';
const WEATHER_TOOL = {
  type: 'function' as const,
  name: 'weather',
  description: 'Weather for a city',
  parameters: {
    type: 'object',
    properties: { city: { type: 'string' } },
    required: ['city'],
    additionalProperties: false,
  },
  strict: true,
};

describe('OpenAI Responses API (openai SDK responses.create / responses.stream)', () => {
  let gateway: Gateway;
  let client: OpenAI;
  const usageEvents: UsageEvent[] = [];

  beforeAll(async () => {
    gateway = await startGateway(
      {
        apiKeys: [
          { key: GATEWAY_KEY, id: 'key_test', account: 'team_test' },
          { key: OTHER_KEY, id: 'key_other', account: 'team_other' },
        ],
      },
      { health: { consecutiveFailuresToOpen: 1, cooldownMs: 60_000 } },
    );
    gateway.router.on('usage', (event) => usageEvents.push(event));
    client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${gateway.origin}/v1`, maxRetries: 0 });
  });
  afterAll(() => gateway.close());

  it('answers a string input from an OpenAI model, with usage and a resp_ id', async () => {
    const { data, response } = await client.responses
      .create({ model: 'openai/gpt-4o', input: 'Hello there', instructions: 'Be brief.' })
      .withResponse();
    assert.equal(data.object, 'response');
    assert.equal(data.status, 'completed');
    assert.match(data.id, /^resp_/);
    assert.equal(data.output_text, 'You said: Hello there');
    assert.equal(data.output[0].type, 'message');
    assert.equal(data.instructions, 'Be brief.');
    assert.ok(data.usage && data.usage.input_tokens > 0 && data.usage.output_tokens > 0);
    assert.equal(data.usage.total_tokens, data.usage.input_tokens + data.usage.output_tokens);
    assert.equal(data.usage.input_tokens_details.cached_tokens, 0);
    assert.equal(data.usage.output_tokens_details.reasoning_tokens, 0);
    assert.equal(response.headers.get('x-gateway-generation-id'), `gen_${data.id.slice(5)}`);
    const upstream = gateway.openai.requests.at(-1)?.body as { messages: Array<{ role: string; content: unknown }> };
    assert.deepEqual(
      upstream.messages.map((message) => message.role),
      ['system', 'user'],
    );
  });

  it('streams named events the SDK stream helper accumulates, with finalResponse() and usage', async () => {
    const stream = client.responses.stream({ model: 'openai/gpt-4o', input: 'Stream this please' });
    const types: string[] = [];
    let deltas = '';
    stream.on('response.output_text.delta', (event) => {
      deltas += event.delta;
    });
    for await (const event of stream) types.push(event.type);
    const final = await stream.finalResponse();
    assert.equal(deltas, 'You said: Stream this please');
    assert.equal(final.output_text, 'You said: Stream this please');
    assert.equal(final.status, 'completed');
    assert.ok(final.usage && final.usage.output_tokens > 0 && final.usage.input_tokens > 0);
    assert.deepEqual(types.slice(0, 4), [
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
    ]);
    assert.deepEqual(types.slice(-4), [
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    assert.ok(types.filter((type) => type === 'response.output_text.delta').length > 3, 'one delta per token');
  });

  it('serves a non-OpenAI model (Anthropic), JSON and streamed, with reasoning as a reasoning item', async () => {
    const before = gateway.anthropic.requests.length;
    const answer = await client.responses.create({
      model: 'anthropic/claude-sonnet-4',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'Hi Claude' }] }],
      max_output_tokens: 3000,
      reasoning: { effort: 'low' },
    });
    assert.equal(gateway.anthropic.requests.length, before + 1);
    assert.equal(answer.output_text, 'You said: Hi Claude');
    const reasoning = answer.output.find((item) => item.type === 'reasoning');
    assert.ok(reasoning && reasoning.type === 'reasoning' && reasoning.summary[0].text.length > 0);
    assert.ok((answer.usage?.output_tokens_details.reasoning_tokens ?? 0) > 0);
    const upstream = gateway.anthropic.requests.at(-1)?.body as { thinking?: { type: string } };
    assert.equal(upstream.thinking?.type, 'enabled');

    const stream = client.responses.stream({
      model: 'anthropic/claude-sonnet-4',
      input: 'Stream from Claude',
      max_output_tokens: 3000,
      reasoning: { effort: 'low' },
    });
    const types = new Set<string>();
    for await (const event of stream) types.add(event.type);
    const final = await stream.finalResponse();
    assert.equal(final.output_text, 'You said: Stream from Claude');
    assert.deepEqual(
      final.output.map((item) => item.type),
      ['reasoning', 'message'],
    );
    assert.ok(types.has('response.reasoning_summary_text.delta'));
    assert.ok((final.usage?.output_tokens_details.reasoning_tokens ?? 0) > 0);
  });

  it('calls function tools and takes function_call_output back, streamed and not, across vendors', async () => {
    const first = await client.responses.create({
      model: 'openai/gpt-4o',
      input: 'Weather in Paris?',
      tools: [WEATHER_TOOL],
      tool_choice: 'required',
    });
    const call = first.output.find((item) => item.type === 'function_call');
    assert.ok(call && call.type === 'function_call' && call.name === 'weather');
    assert.deepEqual(Object.keys(JSON.parse(call.arguments) as object), ['city']);
    const upstreamTools = (gateway.openai.requests.at(-1)?.body as { tools: Array<{ function: { strict?: boolean } }> })
      .tools;
    assert.equal(upstreamTools[0].function.strict, true);

    const second = await client.responses.create({
      model: 'anthropic/claude-sonnet-4',
      tools: [WEATHER_TOOL],
      input: [
        { role: 'user', content: 'Weather in Paris?' },
        ...first.output.filter((item) => item.type === 'function_call'),
        { type: 'function_call_output', call_id: call.call_id, output: 'sunny, 21C' },
      ],
    });
    assert.equal(second.status, 'completed');
    assert.ok(second.output_text.length > 0);
    const upstream = gateway.anthropic.requests.at(-1)?.body as {
      messages: Array<{ role: string; content: Array<{ type: string; tool_use_id?: string; id?: string }> }>;
    };
    assert.ok(upstream.messages[1].content.some((block) => block.type === 'tool_use' && block.id === call.call_id));
    assert.ok(
      upstream.messages[2].content.some((block) => block.type === 'tool_result' && block.tool_use_id === call.call_id),
    );

    for (const model of ['openai/gpt-4o', 'anthropic/claude-sonnet-4']) {
      const stream = client.responses.stream({
        model,
        input: 'Weather?',
        tools: [WEATHER_TOOL],
        tool_choice: { type: 'function', name: 'weather' },
      });
      let argumentDeltas = '';
      stream.on('response.function_call_arguments.delta', (event) => {
        argumentDeltas += event.delta;
      });
      const final = await stream.finalResponse();
      const streamed = final.output.find((item) => item.type === 'function_call');
      assert.ok(streamed && streamed.type === 'function_call', model);
      assert.equal(streamed.name, 'weather');
      assert.ok(streamed.call_id.length > 0);
      assert.equal(argumentDeltas, streamed.arguments, model);
      assert.ok('city' in (JSON.parse(streamed.arguments) as object), model);
    }
  });

  it('honours text.format json_schema and json_object', async () => {
    const answer = await client.responses.create({
      model: 'anthropic/claude-sonnet-4',
      input: 'Invent a person',
      text: {
        format: {
          type: 'json_schema',
          name: 'person',
          schema: {
            type: 'object',
            properties: { name: { type: 'string' }, age: { type: 'number' } },
            required: ['name', 'age'],
            additionalProperties: false,
          },
          strict: true,
        },
      },
    });
    const person = JSON.parse(answer.output_text) as { name: unknown; age: unknown };
    assert.equal(typeof person.name, 'string');
    assert.equal(typeof person.age, 'number');
    assert.equal(answer.text?.format?.type, 'json_schema');
    const viaOpenAI = await client.responses.create({
      model: 'openai/gpt-4o',
      input: 'Answer in JSON',
      text: { format: { type: 'json_object' } },
    });
    JSON.parse(viaOpenAI.output_text);
    const upstream = gateway.openai.requests.at(-1)?.body as { response_format?: { type: string } };
    assert.equal(upstream.response_format?.type, 'json_object');
  });

  it('continues a stored conversation by previous_response_id, refuses it to another account, GETs and DELETEs it', async () => {
    const first = await client.responses.create({
      model: 'anthropic/claude-sonnet-4',
      instructions: 'Be brief.',
      input: 'My name is Ada',
    });
    const second = await client.responses.create({
      model: 'openai/gpt-4o',
      previous_response_id: first.id,
      input: 'What is my name?',
    });
    assert.equal(second.previous_response_id, first.id);
    const upstream = gateway.openai.requests.at(-1)?.body as { messages: Array<{ role: string; content: unknown }> };
    assert.deepEqual(
      upstream.messages.map((message) => message.role),
      ['user', 'assistant', 'user'],
      'the earlier turn comes first; instructions are not carried over',
    );
    assert.equal(upstream.messages[1].content, 'You said: My name is Ada');

    // Streamed, and continued again from the streamed one.
    const third = await client.responses
      .stream({ model: 'openai/gpt-4o', previous_response_id: second.id, input: 'Again?' })
      .finalResponse();
    const fourth = await client.responses.create({
      model: 'openai/gpt-4o',
      previous_response_id: third.id,
      input: 'Last',
    });
    assert.equal(fourth.status, 'completed');
    const roles = (gateway.openai.requests.at(-1)?.body as { messages: Array<{ role: string }> }).messages.map(
      (message) => message.role,
    );
    assert.deepEqual(roles, ['user', 'assistant', 'user', 'assistant', 'user', 'assistant', 'user']);

    const retrieved = await client.responses.retrieve(second.id);
    assert.equal(retrieved.id, second.id);
    assert.equal(retrieved.output_text, second.output_text);
    const inputItems = await send(gateway.origin, `/v1/responses/${second.id}/input_items`);
    assert.equal(inputItems.status, 200, inputItems.text);
    assert.deepEqual(
      (inputItems.body as { data: Array<{ role?: string; type?: string }> }).data.map((item) => item.role ?? item.type),
      ['user', 'assistant', 'user'],
      'the conversation before the response',
    );

    const other = new OpenAI({ apiKey: OTHER_KEY, baseURL: `${gateway.origin}/v1`, maxRetries: 0 });
    const refused = await other.responses
      .create({ model: 'openai/gpt-4o', previous_response_id: first.id, input: 'Whose is this?' })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    assert.ok(refused instanceof OpenAI.BadRequestError, String(refused));
    assert.match(refused.message, /Previous response with id '.+' not found/);
    assert.equal(refused.param, 'previous_response_id');
    const notTheirs = await other.responses.retrieve(first.id).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(notTheirs instanceof OpenAI.NotFoundError, String(notTheirs));

    await client.responses.delete(first.id);
    const gone = await client.responses.retrieve(first.id).then(
      () => undefined,
      (error: unknown) => error,
    );
    assert.ok(gone instanceof OpenAI.NotFoundError, String(gone));

    const unstored = await client.responses.create({ model: 'openai/gpt-4o', input: 'forget me', store: false });
    assert.equal((unstored as unknown as { store: boolean }).store, false);
    const missing = await send(gateway.origin, `/v1/responses/${unstored.id}`);
    assert.equal(missing.status, 404);
  });

  it('fails over to the next offering when a stream fails before its first content, and emits usage', async () => {
    usageEvents.length = 0;
    const before = gateway.anthropic.requests.length;
    gateway.anthropic.script({ type: 'status', status: 529 });
    const stream = client.responses.stream({
      model: 'anthropic/claude-sonnet-4',
      input: 'Fail over please',
      providerOptions: { gateway: { order: ['anthropic', 'bedrock'], models: ['openai/gpt-4o'] } },
    } as unknown as OpenAI.Responses.ResponseCreateParamsStreaming);
    const final = await stream.finalResponse();
    assert.equal(final.output_text, 'You said: Fail over please');
    assert.equal(gateway.anthropic.requests.length, before + 1, 'Anthropic was tried first and failed');
    const usage = usageEvents.filter((event) => event.operation === 'stream');
    assert.equal(usage.length, 1, 'one usage event: the failed attempt was not billable');
    assert.equal(usage[0].provider, 'openai');
    assert.equal(usage[0].account?.id, 'team_test');
    assert.equal(usage[0].outputTokens, final.usage?.output_tokens);
  });

  it('answers bad input with a 400 in the OpenAI error format that names the field', async () => {
    const cases: Array<[Record<string, unknown>, RegExp, string]> = [
      [{ model: 'openai/gpt-4o' }, /`input` is required/, 'input'],
      [{ model: 'openai/gpt-4o', input: 42 }, /`input` must be a string or an array/, 'input'],
      [{ model: 'openai/gpt-4o', input: [{ type: 'bogus' }] }, /`input\[0\]\.type` must be one of/, 'input[0].type'],
      [{ model: 'openai/gpt-4o', input: 'x', tools: [{ type: 'web_search' }] }, /hosted tools/, 'tools[0].type'],
      [
        { model: 'openai/gpt-4o', input: [{ type: 'function_call_output', call_id: 'nope', output: 'x' }] },
        /does not answer any function_call/,
        'input[0].call_id',
      ],
      [{ model: 'openai/gpt-4o', input: 'x', temperature: 3 }, /temperature/, 'temperature'],
      [
        { model: 'openai/gpt-4o', input: 'x', text: { format: { type: 'yaml' } } },
        /text\.format\.type/,
        'text.format.type',
      ],
      [{ model: 'openai/gpt-4o', input: 'x', background: true }, /background/, 'background'],
    ];
    for (const [body, message, param] of cases) {
      const { status, body: answer } = await send(gateway.origin, '/v1/responses', JSON.stringify(body));
      assert.equal(status, 400, JSON.stringify(body));
      const error = (answer as { error: { message: string; type: string; param: string } }).error;
      assert.match(error.message, message);
      assert.equal(error.type, 'invalid_request_error');
      assert.equal(error.param, param);
    }
  });

  it("keeps Claude's signed thinking across turns: reasoning items carry it back, by item and by previous_response_id", async () => {
    // Claude thinks before it calls a tool.
    gateway.anthropic.configure({
      reply: (request) =>
        request.reasoning && request.tools.length > 0 && !request.hasToolResults
          ? {
              reasoning: 'The user wants Paris weather; I will call the tool.',
              reasoningTokens: 12,
              toolCalls: [
                { id: `toolu_think_${request.promptText.length}`, name: 'weather', input: { city: 'Paris' } },
              ],
            }
          : undefined,
    });
    try {
      await thinkingRoundTrips();
    } finally {
      gateway.anthropic.configure({ reply: undefined });
    }
  });

  async function thinkingRoundTrips(): Promise<void> {
    for (const streamed of [false, true]) {
      const params = {
        model: 'anthropic/claude-sonnet-4',
        input: 'Weather in Paris? Use the tool please',
        tools: [WEATHER_TOOL],
        max_output_tokens: 3000,
        reasoning: { effort: 'low' as const },
      };
      const first = streamed
        ? await client.responses.stream(params).finalResponse()
        : await client.responses.create(params);
      const reasoning = first.output.find((item) => item.type === 'reasoning');
      const call = first.output.find((item) => item.type === 'function_call');
      assert.ok(reasoning && reasoning.type === 'reasoning' && typeof reasoning.encrypted_content === 'string');
      assert.ok(call && call.type === 'function_call');
      const thinking = reasoning.summary[0].text;

      const byId = await client.responses.create({
        model: 'anthropic/claude-sonnet-4',
        previous_response_id: first.id,
        input: [{ type: 'function_call_output', call_id: call.call_id, output: 'sunny' }],
        tools: [WEATHER_TOOL],
        max_output_tokens: 3000,
        reasoning: { effort: 'low' },
      });
      assert.equal(byId.status, 'completed');
      const sent = gateway.anthropic.requests.at(-1)?.body as {
        messages: Array<{ role: string; content: Array<{ type: string; thinking?: string; signature?: string }> }>;
      };
      const assistant = sent.messages[1].content;
      assert.deepEqual(
        assistant.map((block) => block.type),
        ['thinking', 'tool_use'],
        `streamed: ${streamed}`,
      );
      assert.equal(assistant[0].thinking, thinking);
      assert.ok((assistant[0].signature ?? '').length > 0);

      const byItems = await client.responses.create({
        model: 'anthropic/claude-sonnet-4',
        input: [
          { role: 'user', content: 'Weather in Paris? Use the tool please' },
          ...(first.output as OpenAI.Responses.ResponseInputItem[]),
          { type: 'function_call_output', call_id: call.call_id, output: 'sunny' },
        ],
        tools: [WEATHER_TOOL],
        max_output_tokens: 3000,
        reasoning: { effort: 'low' },
      });
      assert.equal(byItems.status, 'completed');
      const again = gateway.anthropic.requests.at(-1)?.body as typeof sent;
      assert.deepEqual(again.messages[1].content, sent.messages[1].content);
    }
  }

  it('reports cached input tokens, and an answer cut by max_output_tokens as incomplete (JSON and streamed)', async () => {
    const instructions = `You are a careful assistant. ${'Follow the house style guide in every answer. '.repeat(150)}`;
    await client.responses.create({ model: 'openai/gpt-4o', instructions, input: 'first' });
    const cached = await client.responses.create({ model: 'openai/gpt-4o', instructions, input: 'second' });
    assert.ok((cached.usage?.input_tokens_details.cached_tokens ?? 0) >= 1024, JSON.stringify(cached.usage));

    const cut = await client.responses.create({
      model: 'openai/gpt-4o',
      input: 'Tell me a very long story about switchyards and trains',
      max_output_tokens: 3,
    });
    assert.equal(cut.status, 'incomplete');
    assert.equal(cut.incomplete_details?.reason, 'max_output_tokens');
    const stream = client.responses.stream({
      model: 'anthropic/claude-sonnet-4',
      input: 'Tell me a very long story about switchyards and trains',
      max_output_tokens: 3,
    });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    assert.equal(types.at(-1), 'response.incomplete');
    const final = await stream.finalResponse();
    assert.equal(final.status, 'incomplete');
    assert.equal(final.incomplete_details?.reason, 'max_output_tokens');
  });

  it('ends a stream that fails after content began with an error event the SDK raises', async () => {
    gateway.openai.script({ type: 'disconnect', afterParts: 3 });
    const stream = client.responses.stream({ model: 'openai/gpt-4o', input: 'this stream will break midway' });
    let text = '';
    stream.on('response.output_text.delta', (event) => {
      text += event.delta;
    });
    await assert.rejects(stream.finalResponse(), (error: unknown) => error instanceof OpenAI.APIError);
    assert.ok(text.length > 0, 'content arrived before the failure');
  });
});
