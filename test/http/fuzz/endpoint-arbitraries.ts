/**
 * fast-check arbitraries for every endpoint the gateway serves: a well-formed request built from the
 * endpoint's own schema (the fields its dialect parser reads), then mutated (a value replaced by
 * any JSON, a field dropped, prototype keys planted, the JSON text broken), plus the headers and
 * query strings the endpoint reads.
 *
 * @module
 */
import fc from 'fast-check';

/** One generated HTTP request. */
export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

/** The error format an endpoint answers in. */
export type ErrorDialect = 'openai' | 'anthropic' | 'ai-gateway';

/** One endpoint under fuzz: its request generator and the dialect its errors are in. */
export interface FuzzEndpoint {
  name: string;
  requests: fc.Arbitrary<FuzzRequest>;
  dialectOf(request: FuzzRequest): ErrorDialect;
}

/** Strings that have broken parsers before: prototype names, separators, control characters, escapes. */
const NASTY_STRINGS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '',
  ' ',
  '\r\n',
  'a\r\nInjected: 1',
  '\u0000',
  '%',
  '%E0%A4%A',
  '%00',
  '../..',
  '/',
  ':',
  'openai:',
  ':gpt-4o',
  'a/b/c',
  '*',
  '\ud800',
  '😀',
  'x'.repeat(300),
  'null',
  'true',
  '0',
  '-1',
  '1e309',
  'data:',
  'data:image/png;base64,',
  'data:;base64,%%%',
  'http://',
  'file:///etc/passwd',
  'http://127.0.0.1:1/x',
];

const nastyString = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
);
const nastyNumber = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 0.5, 2 ** 31, 2 ** 53, -(2 ** 53), 1e308, -1e308, 5e-324),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** A JSON value with prototype keys planted (as JSON.parse makes them: own properties). */
const pollutingValue = fc.constantFrom(
  JSON.parse('{"__proto__":{"polluted":"yes"}}'),
  JSON.parse('{"constructor":{"prototype":{"polluted":"yes"}}}'),
  JSON.parse('{"__proto__":[]}'),
  JSON.parse('{"__proto__":null}'),
  JSON.parse('{"toString":"x","valueOf":1,"hasOwnProperty":null}'),
);

/** Any JSON value, biased towards the values that break parsers. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 2, arbitrary: nastyString },
  { weight: 1, arbitrary: nastyNumber },
  { weight: 1, arbitrary: pollutingValue },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [null], [{}], [[]]) },
);

const models = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'openai/gpt-4o',
      'anthropic/claude-sonnet-4',
      'test/echo',
      'gpt-4o',
      'openai:gpt-4o-mini',
      'anthropic:claude-sonnet-4-20250514',
    ),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'acme/nope',
      'openai/__proto__',
      '__proto__',
      'constructor',
      'anthropic/toString',
      'openai:',
      ':x',
      'nope:model',
      'openai/text-embedding-3-small',
      'claude-sonnet-4-5',
      'gpt-4o-2024-08-06',
      'claude-3-5-haiku-latest',
    ),
  },
  { weight: 1, arbitrary: nastyString },
);
const embeddingModels = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('openai/text-embedding-3-small', 'text-embedding-3-small') },
  { weight: 1, arbitrary: models },
);
const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 24 }) },
  { weight: 1, arbitrary: nastyString },
);
const PIXEL = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const imageReference = fc.constantFrom(
  `data:image/png;base64,${PIXEL}`,
  'https://example.com/cat.png',
  'data:image/png;base64,',
  'data:',
  'not a url',
  'ftp://x/y.png',
);
const jsonSchema = fc.constantFrom(
  { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  { type: 'object', properties: {} },
  {},
  { type: 'string' },
);
const toolName = fc.constantFrom('get_weather', 'lookup', '__proto__', 'constructor', 'a b', '');

/** `providerOptions`, from routing options to BYOK credentials of every vendor shape. */
const credentials = fc.oneof(
  fc.record({ apiKey: fc.oneof(fc.constant('sk-fuzz-caller-key-1234567890'), anyJson) }, { requiredKeys: [] }),
  fc.record(
    {
      accessKeyId: fc.oneof(fc.constant('AKIDFUZZ'), anyJson),
      secretAccessKey: fc.oneof(fc.constant('secret'), anyJson),
      sessionToken: anyJson,
      region: fc.oneof(fc.constant('us-east-1'), anyJson),
    },
    { requiredKeys: [] },
  ),
  fc.record(
    { accessToken: anyJson, client_email: anyJson, private_key: anyJson, project: anyJson, location: anyJson },
    { requiredKeys: [] },
  ),
  anyJson,
);
const providerOptions = fc.record(
  {
    gateway: fc.oneof(
      fc.record(
        {
          order: fc.oneof(fc.array(fc.constantFrom('openai', 'anthropic', 'bedrock', '__proto__')), anyJson),
          only: fc.oneof(fc.array(fc.constantFrom('openai', 'anthropic', 'nope', '__proto__')), anyJson),
          models: fc.oneof(fc.array(models, { maxLength: 2 }), anyJson),
          sort: fc.oneof(fc.constantFrom('cost', 'tps', 'ttft'), anyJson),
          user: anyJson,
          tags: fc.oneof(fc.array(text, { maxLength: 2 }), anyJson),
          byok: fc.oneof(
            fc.dictionary(
              fc.constantFrom('openai', 'anthropic', 'bedrock', 'vertex', 'google', 'nope', '__proto__'),
              fc.oneof(fc.array(credentials, { minLength: 1, maxLength: 2 }), anyJson),
              { maxKeys: 2 },
            ),
            anyJson,
          ),
        },
        { requiredKeys: [] },
      ),
      anyJson,
    ),
    openai: anyJson,
    anthropic: anyJson,
  },
  { requiredKeys: [] },
);

// ---- OpenAI: /v1/chat/completions, /v1/embeddings

const chatUserContent = fc.oneof(
  text,
  fc.array(
    fc.oneof(
      fc.record({ type: fc.constant('text'), text }),
      fc.record({
        type: fc.constant('image_url'),
        image_url: fc.oneof(
          fc.record({ url: imageReference, detail: fc.constantFrom('auto', 'low', 'high') }, { requiredKeys: ['url'] }),
          imageReference,
        ),
      }),
      fc.record({
        type: fc.constant('input_audio'),
        input_audio: fc.record({ data: fc.constant('UklGRg=='), format: fc.constantFrom('wav', 'mp3', 'ogg') }),
      }),
      fc.record({
        type: fc.constant('file'),
        file: fc.record({ file_data: imageReference, filename: text }, { requiredKeys: [] }),
      }),
    ),
    { minLength: 1, maxLength: 2 },
  ),
);
const chatToolCall = fc.record({
  id: fc.constantFrom('call_1', 'call_2', '__proto__'),
  type: fc.constant('function'),
  function: fc.record({
    name: toolName,
    arguments: fc.constantFrom('{"city":"Paris"}', '{}', '', 'not json', '[1]', 'null'),
  }),
});
const chatMessage = fc.oneof(
  { weight: 4, arbitrary: fc.record({ role: fc.constant('user'), content: chatUserContent }) },
  {
    weight: 1,
    arbitrary: fc.record({
      role: fc.constantFrom('system', 'developer'),
      content: fc.oneof(text, fc.array(fc.record({ type: fc.constant('text'), text }), { minLength: 1, maxLength: 2 })),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        role: fc.constant('assistant'),
        content: fc.oneof(text, fc.constant(null)),
        tool_calls: fc.array(chatToolCall, { maxLength: 2 }),
      },
      { requiredKeys: ['role'] },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      role: fc.constant('tool'),
      tool_call_id: fc.constantFrom('call_1', 'call_2', 'call_9', '__proto__'),
      content: text,
    }),
  },
);
const chatTool = fc.record({
  type: fc.constant('function'),
  function: fc.record(
    { name: toolName, description: text, parameters: jsonSchema, strict: fc.boolean() },
    { requiredKeys: ['name'] },
  ),
});

const chatBody = fc.record(
  {
    model: models,
    messages: fc.array(chatMessage, { minLength: 1, maxLength: 3 }),
    stream: fc.boolean(),
    stream_options: fc.record({ include_usage: fc.boolean() }),
    max_tokens: fc.integer({ min: 1, max: 64 }),
    max_completion_tokens: fc.integer({ min: 1, max: 64 }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    presence_penalty: fc.double({ min: -2, max: 2, noNaN: true }),
    frequency_penalty: fc.double({ min: -2, max: 2, noNaN: true }),
    seed: fc.integer(),
    n: fc.constant(1),
    stop: fc.oneof(text, fc.array(text, { maxLength: 3 })),
    tools: fc.array(chatTool, { maxLength: 2 }),
    tool_choice: fc.oneof(
      fc.constantFrom('auto', 'none', 'required'),
      fc.record({ type: fc.constant('function'), function: fc.record({ name: toolName }) }),
    ),
    response_format: fc.oneof(
      fc.record({ type: fc.constantFrom('text', 'json_object') }),
      fc.record({
        type: fc.constant('json_schema'),
        json_schema: fc.record({ name: text, schema: jsonSchema, strict: fc.boolean() }, { requiredKeys: [] }),
      }),
    ),
    reasoning_effort: fc.constantFrom('none', 'minimal', 'low', 'medium', 'high', 'xhigh'),
    parallel_tool_calls: fc.boolean(),
    user: text,
    metadata: fc.dictionary(fc.string({ maxLength: 8 }), text, { maxKeys: 2 }),
    providerOptions,
  },
  { requiredKeys: ['model', 'messages'] },
);

const embeddingsBody = fc.record(
  {
    model: embeddingModels,
    input: fc.oneof(
      text,
      fc.array(text, { minLength: 1, maxLength: 3 }),
      fc.array(fc.integer(), { minLength: 1, maxLength: 3 }),
    ),
    encoding_format: fc.constantFrom('float', 'base64'),
    dimensions: fc.integer({ min: 1, max: 2048 }),
    user: text,
    providerOptions,
  },
  { requiredKeys: ['model', 'input'] },
);

// ---- Anthropic: /v1/messages

const anthropicSource = fc.oneof(
  fc.record({
    type: fc.constant('base64'),
    media_type: fc.constantFrom('image/png', 'application/pdf', 'text/plain', ''),
    data: fc.constantFrom(PIXEL, '', '!!!'),
  }),
  fc.record({ type: fc.constant('url'), url: imageReference }),
  fc.record({ type: fc.constant('text'), media_type: fc.constant('text/plain'), data: text }),
);
const anthropicUserBlock = fc.oneof(
  { weight: 3, arbitrary: fc.record({ type: fc.constant('text'), text }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constantFrom('image', 'document'), source: anthropicSource }) },
  {
    weight: 1,
    arbitrary: fc.record(
      {
        type: fc.constant('tool_result'),
        tool_use_id: fc.constantFrom('toolu_1', 'toolu_9', '__proto__'),
        content: fc.oneof(text, fc.array(fc.record({ type: fc.constant('text'), text }), { maxLength: 2 })),
        is_error: fc.boolean(),
      },
      { requiredKeys: ['type', 'tool_use_id'] },
    ),
  },
);
const anthropicAssistantBlock = fc.oneof(
  fc.record({ type: fc.constant('text'), text }),
  fc.record({
    type: fc.constant('tool_use'),
    id: fc.constantFrom('toolu_1', '__proto__'),
    name: toolName,
    input: fc.oneof(fc.constant({ city: 'Paris' }), anyJson),
  }),
  fc.record({ type: fc.constant('thinking'), thinking: text, signature: text }),
);
const anthropicMessage = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      role: fc.constant('user'),
      content: fc.oneof(text, fc.array(anthropicUserBlock, { minLength: 1, maxLength: 2 })),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      role: fc.constant('assistant'),
      content: fc.oneof(text, fc.array(anthropicAssistantBlock, { minLength: 1, maxLength: 2 })),
    }),
  },
);
const messagesBody = fc.record(
  {
    model: models,
    max_tokens: fc.integer({ min: 1, max: 64 }),
    messages: fc.array(anthropicMessage, { minLength: 1, maxLength: 3 }),
    system: fc.oneof(
      text,
      fc.array(
        fc.record(
          { type: fc.constant('text'), text, cache_control: fc.constant({ type: 'ephemeral' }) },
          { requiredKeys: ['type', 'text'] },
        ),
        { maxLength: 2 },
      ),
    ),
    stream: fc.boolean(),
    temperature: fc.double({ min: 0, max: 1, noNaN: true }),
    top_p: fc.double({ min: 0, max: 1, noNaN: true }),
    top_k: fc.integer({ min: 0, max: 100 }),
    stop_sequences: fc.array(text, { maxLength: 2 }),
    tools: fc.array(
      fc.record(
        { name: toolName, description: text, input_schema: jsonSchema },
        { requiredKeys: ['name', 'input_schema'] },
      ),
      { maxLength: 2 },
    ),
    tool_choice: fc.oneof(
      fc.record({ type: fc.constantFrom('auto', 'any', 'none') }),
      fc.record({ type: fc.constant('tool'), name: toolName }),
    ),
    thinking: fc.oneof(
      fc.record({ type: fc.constant('enabled'), budget_tokens: fc.integer({ min: 1, max: 20_000 }) }),
      fc.record({ type: fc.constantFrom('disabled', 'adaptive') }),
    ),
    metadata: fc.record({ user_id: text }),
    providerOptions,
  },
  { requiredKeys: ['model', 'max_tokens', 'messages'] },
);

// ---- @ai-sdk/gateway: /v{3,4}/ai/language-model, /v{3,4}/ai/embedding-model

const promptPart = fc.oneof(
  { weight: 3, arbitrary: fc.record({ type: fc.constant('text'), text }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant('file'),
      mediaType: fc.constantFrom('image/png', 'image/*', 'application/pdf', ''),
      data: fc.oneof(
        fc.constant(PIXEL),
        imageReference,
        fc.record(
          { type: fc.constantFrom('data', 'url', 'text'), data: fc.constant(PIXEL), url: imageReference, text },
          { requiredKeys: ['type'] },
        ),
      ),
    }),
  },
);
const promptMessage = fc.oneof(
  { weight: 1, arbitrary: fc.record({ role: fc.constant('system'), content: text }) },
  {
    weight: 4,
    arbitrary: fc.record({ role: fc.constant('user'), content: fc.array(promptPart, { minLength: 1, maxLength: 2 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      role: fc.constant('assistant'),
      content: fc.array(
        fc.oneof(
          fc.record({ type: fc.constant('text'), text }),
          fc.record({ type: fc.constant('tool-call'), toolCallId: fc.constant('c1'), toolName, input: anyJson }),
        ),
        { minLength: 1, maxLength: 2 },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      role: fc.constant('tool'),
      content: fc.array(
        fc.record({
          type: fc.constant('tool-result'),
          toolCallId: fc.constantFrom('c1', 'c9'),
          toolName,
          output: fc.oneof(
            fc.record({ type: fc.constant('text'), value: text }),
            fc.record({
              type: fc.constant('content'),
              value: fc.array(
                fc.record({
                  type: fc.constantFrom('text', 'media', 'image-data'),
                  text,
                  data: fc.constant(PIXEL),
                  mediaType: fc.constant('image/png'),
                }),
                { maxLength: 2 },
              ),
            }),
            anyJson,
          ),
        }),
        { minLength: 1, maxLength: 1 },
      ),
    }),
  },
);
const languageModelBody = fc.record(
  {
    prompt: fc.array(promptMessage, { minLength: 1, maxLength: 3 }),
    maxOutputTokens: fc.integer({ min: 1, max: 64 }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    topP: fc.double({ min: 0, max: 1, noNaN: true }),
    topK: fc.integer({ min: 1, max: 100 }),
    presencePenalty: fc.double({ min: -2, max: 2, noNaN: true }),
    frequencyPenalty: fc.double({ min: -2, max: 2, noNaN: true }),
    seed: fc.integer(),
    stopSequences: fc.array(text, { maxLength: 2 }),
    responseFormat: fc.oneof(
      fc.record({ type: fc.constant('text') }),
      fc.record(
        { type: fc.constant('json'), schema: jsonSchema, name: text, description: text },
        { requiredKeys: ['type'] },
      ),
    ),
    tools: fc.array(
      fc.record(
        { type: fc.constant('function'), name: toolName, description: text, inputSchema: jsonSchema },
        { requiredKeys: ['type', 'name', 'inputSchema'] },
      ),
      { maxLength: 2 },
    ),
    toolChoice: fc.oneof(
      fc.record({ type: fc.constantFrom('auto', 'none', 'required') }),
      fc.record({ type: fc.constant('tool'), toolName }),
    ),
    reasoning: fc.constantFrom('provider-default', 'none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'),
    includeRawChunks: fc.boolean(),
    headers: fc.dictionary(
      fc.oneof(fc.constantFrom('x-team', 'x-trace-id', 'authorization', 'host'), nastyString),
      fc.oneof(text, anyJson),
      { maxKeys: 2 },
    ),
    providerOptions,
  },
  { requiredKeys: ['prompt'] },
);
const embeddingModelBody = fc.record(
  {
    values: fc.array(text, { minLength: 1, maxLength: 3 }),
    dimensions: fc.integer({ min: 1, max: 2048 }),
    providerOptions,
  },
  { requiredKeys: ['values'] },
);

// ---- Clean requests: few fields, each valid, so that most reach the router and the simulators

const servedModels = fc.constantFrom(
  'openai/gpt-4o',
  'openai/gpt-4o-mini',
  'anthropic/claude-sonnet-4',
  'anthropic/claude-haiku-4.5',
  'test/echo',
  'gpt-4o',
  'claude-sonnet-4-5',
  'gpt-4o-2024-08-06',
  'openai:gpt-4o-mini',
  'anthropic:claude-sonnet-4-20250514',
);
const plainText = fc.string({ minLength: 1, maxLength: 24 });
const weatherTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Weather of a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};
const cleanProviderOptions = fc.oneof(
  fc.record({
    gateway: fc.record(
      {
        order: fc.shuffledSubarray(['openai', 'anthropic']),
        only: fc.shuffledSubarray(['openai', 'anthropic'], { minLength: 1 }),
        sort: fc.constantFrom('cost', 'tps', 'ttft'),
        user: plainText,
        tags: fc.array(plainText, { maxLength: 2 }),
        models: fc.array(fc.constantFrom('openai/gpt-4o-mini', 'anthropic/claude-sonnet-4'), { maxLength: 1 }),
      },
      { requiredKeys: [] },
    ),
  }),
  fc.record({
    gateway: fc.record({
      byok: fc.constantFrom(
        { openai: [{ apiKey: 'sk-fuzz-caller-key-1234567890' }] },
        { anthropic: [{ apiKey: 'sk-ant-fuzz-caller-1234567890' }] },
      ),
    }),
  }),
);
const cleanChatBody = fc.record(
  {
    model: servedModels,
    messages: fc.oneof(
      plainText.map((content) => [{ role: 'user', content }]),
      plainText.map((content) => [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content },
      ]),
    ),
    stream: fc.boolean(),
    stream_options: fc.constant({ include_usage: true }),
    max_tokens: fc.integer({ min: 1, max: 64 }),
    temperature: fc.double({ min: 0, max: 1, noNaN: true }),
    tools: fc.constant([weatherTool]),
    response_format: fc.constantFrom({ type: 'text' }, { type: 'json_object' }),
    user: plainText,
    providerOptions: cleanProviderOptions,
  },
  { requiredKeys: ['model', 'messages'] },
);
const cleanEmbeddingsBody = fc.record(
  {
    model: fc.constantFrom('openai/text-embedding-3-small', 'text-embedding-3-small'),
    input: fc.oneof(plainText, fc.array(plainText, { minLength: 1, maxLength: 3 })),
    dimensions: fc.integer({ min: 1, max: 256 }),
    encoding_format: fc.constantFrom('float', 'base64'),
  },
  { requiredKeys: ['model', 'input'] },
);
const cleanMessagesBody = fc.record(
  {
    model: servedModels,
    max_tokens: fc.integer({ min: 1, max: 64 }),
    messages: plainText.map((content) => [{ role: 'user', content }]),
    system: fc.oneof(
      plainText,
      fc.constant([{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }]),
    ),
    stream: fc.boolean(),
    temperature: fc.double({ min: 0, max: 1, noNaN: true }),
    tools: fc.constant([
      {
        name: 'get_weather',
        description: 'Weather of a city',
        input_schema: { type: 'object', properties: { city: { type: 'string' } } },
      },
    ]),
    thinking: fc.constantFrom({ type: 'enabled', budget_tokens: 1024 }, { type: 'disabled' }),
    providerOptions: cleanProviderOptions,
  },
  { requiredKeys: ['model', 'max_tokens', 'messages'] },
);
const cleanLanguageModelBody = fc.record(
  {
    prompt: plainText.map((text) => [{ role: 'user', content: [{ type: 'text', text }] }]),
    maxOutputTokens: fc.integer({ min: 1, max: 64 }),
    temperature: fc.double({ min: 0, max: 1, noNaN: true }),
    headers: fc.constant({ 'x-team': 'search' }),
    tools: fc.constant([
      {
        type: 'function',
        name: 'get_weather',
        inputSchema: { type: 'object', properties: { city: { type: 'string' } } },
      },
    ]),
    responseFormat: fc.constantFrom({ type: 'text' }, { type: 'json' }),
    providerOptions: cleanProviderOptions,
  },
  { requiredKeys: ['prompt'] },
);
const cleanEmbeddingModelBody = fc.record({ values: fc.array(plainText, { minLength: 1, maxLength: 3 }) });

// ---- Mutations

type Json = unknown;

/** Every path into a JSON value (the root is []). */
function paths(
  value: Json,
  prefix: Array<string | number> = [],
  into: Array<Array<string | number>> = [],
): Array<Array<string | number>> {
  into.push(prefix);
  if (Array.isArray(value)) value.forEach((item, index) => paths(item, [...prefix, index], into));
  else if (value !== null && typeof value === 'object')
    for (const key of Object.keys(value)) paths((value as Record<string, Json>)[key], [...prefix, key], into);
  return into;
}

/** A deep copy that keeps `__proto__` as an own key (as JSON.parse does). */
function copy(value: Json): Json {
  return JSON.parse(JSON.stringify(value)) as Json;
}

function setAt(root: Json, path: Array<string | number>, replace: (old: Json) => Json | typeof REMOVE): Json {
  if (path.length === 0) {
    const next = replace(root);
    return next === REMOVE ? {} : next;
  }
  const result = copy(root);
  let parent = result as Record<string | number, Json>;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, Json>;
  const last = path[path.length - 1];
  const next = replace(parent[last]);
  if (next === REMOVE) {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else {
    Object.defineProperty(parent, last, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return result;
}

const REMOVE = Symbol('remove');

const mutation = fc.oneof(
  { weight: 4, arbitrary: anyJson.map((value) => ({ kind: 'replace' as const, value })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'remove' as const }) },
  { weight: 1, arbitrary: pollutingValue.map((value) => ({ kind: 'plant' as const, value })) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype').map((key) => ({ kind: 'key' as const, key })),
  },
);

/**
 * A body: well-formed from the schema, or that body with up to three mutations, serialised (and
 * sometimes the JSON text itself truncated or garbled).
 *
 * @example
 * ```ts
 * fc.sample(mutatedBody(chatBody), 1);
 * ```
 */
function mutatedBody(clean: fc.Arbitrary<Json>, rich: fc.Arbitrary<Json>): fc.Arbitrary<string> {
  const mutate = (valid: fc.Arbitrary<Json>) =>
    fc.tuple(valid, fc.array(fc.tuple(fc.nat(), mutation), { minLength: 1, maxLength: 3 })).map(([body, mutations]) => {
      let current: Json = body;
      for (const [pick, change] of mutations) {
        const all = paths(current);
        const path = all[pick % all.length];
        if (change.kind === 'replace') current = setAt(current, path, () => change.value);
        else if (change.kind === 'remove') current = setAt(current, path, () => REMOVE);
        else if (change.kind === 'plant') current = setAt(current, path, () => change.value);
        else {
          current = setAt(current, path, (old) =>
            old !== null && typeof old === 'object' && !Array.isArray(old)
              ? Object.defineProperty(copy(old) as object, change.key, { value: { polluted: 'yes' }, enumerable: true })
              : old,
          );
        }
      }
      return JSON.stringify(current) ?? 'null';
    });
  const textual = fc
    .tuple(mutate(clean), fc.nat(), fc.constantFrom('', '\u0000', '}', '{', '"', '\\', '\ud800', ',]'))
    .map(([json, cut, tail]) => json.slice(0, cut % (json.length + 1)) + tail);
  return fc.oneof(
    { weight: 4, arbitrary: clean.map((body) => JSON.stringify(body)) },
    { weight: 4, arbitrary: mutate(clean) },
    { weight: 1, arbitrary: rich.map((body) => JSON.stringify(body)) },
    { weight: 2, arbitrary: mutate(rich) },
    { weight: 1, arbitrary: textual },
  );
}

// ---- Headers and query strings

const headerValue = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.string({
      unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_,./: '.split('')),
      maxLength: 20,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      ',',
      ',,',
      '__proto__',
      'constructor',
      'true',
      'false',
      'cost',
      'tps',
      'nope',
      'openai,anthropic',
      'openai/gpt-4o,acme/nope',
    ),
  },
);
const validRouting = fc.record(
  {
    'x-gateway-order': fc.constantFrom('openai,anthropic', 'anthropic'),
    'x-gateway-sort': fc.constantFrom('cost', 'tps', 'ttft'),
    'x-gateway-user': fc.constantFrom('alice', 'bob'),
    'x-gateway-tags': fc.constantFrom('a,b', 'checkout'),
    'x-request-id': fc.constantFrom('trace-1', 'abc.def:12'),
  },
  { requiredKeys: [] },
);
const anyRouting = fc.record(
  {
    'x-gateway-order': headerValue,
    'x-gateway-only': headerValue,
    'x-gateway-models': headerValue,
    'x-gateway-sort': headerValue,
    'x-gateway-user': headerValue,
    'x-gateway-tags': headerValue,
    'x-request-id': headerValue,
  },
  { requiredKeys: [] },
);
const routingHeaders = fc.oneof(
  { weight: 6, arbitrary: fc.constant({}) },
  { weight: 3, arbitrary: validRouting },
  { weight: 2, arbitrary: anyRouting },
);
const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin1',
      '',
      'json',
    ),
  },
);

/** Headers of a request: authorization (rarely wrong), content type, routing headers and the endpoint's own. */
function requestHeaders(
  key: string,
  own: fc.Arbitrary<Record<string, string>>,
  withBody: boolean,
): fc.Arbitrary<Record<string, string>> {
  const authorization = fc.oneof(
    { weight: 12, arbitrary: fc.constant(`Bearer ${key}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        'Bearer',
        'Bearer wrong-key',
        `bearer ${key}`,
        `Basic ${key}`,
        `Bearer ${key} extra`,
      ),
    },
  );
  return fc
    .tuple(authorization, withBody ? contentType : fc.constant(undefined), routingHeaders, own)
    .map(([auth, type, routing, endpointHeaders]) => ({
      ...(auth === '' ? {} : { authorization: auth }),
      ...(type === undefined ? {} : { 'content-type': type }),
      ...routing,
      ...endpointHeaders,
    }));
}

const queryValue = fc.oneof(
  fc.constantFrom(
    '2025-01-01',
    '2025-12-31T00:00:00Z',
    '2025-02-30',
    '9999-99-99',
    'day',
    'model',
    'byok',
    'system',
    'gen_01',
    '__proto__',
    '',
    '%',
    '%E0%A4%A',
    'a,b',
  ),
  fc.string({ maxLength: 12 }),
);
const QUERY_NAMES = [
  'start_date',
  'end_date',
  'group_by',
  'date_part',
  'credential_type',
  'user_id',
  'model',
  'provider',
  'tags',
  'id',
  'limit',
  '__proto__',
  'constructor',
];
const query = fc
  .array(fc.tuple(fc.constantFrom(...QUERY_NAMES), queryValue), { maxLength: 5 })
  .map((pairs) => pairs.map(([name, value]) => `${name}=${encodeQueryValue(value)}`).join('&'));

function encodeQueryValue(value: string): string {
  // Most values percent-encoded as a client would; raw `%` sequences left as they are, as a broken client sends them.
  return /^%/.test(value) ? value : encodeURIComponent(value);
}

const pathSegment = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      'openai/gpt-4o',
      'openai%2Fgpt-4o',
      'gpt-4o',
      'anthropic/claude-sonnet-4',
      'claude-sonnet-4-5',
      'acme/nope',
      '__proto__',
      'constructor',
      'openai/__proto__',
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom('%', '%E0%A4%A', '%00', '%ZZ', '..', '%2e%2e', 'a%2Fb%2Fc', '') },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'abcxyz-_./:%0123456789'.split('')), maxLength: 16 }) },
);

const streamingHeader = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('true', 'false') },
  { weight: 1, arbitrary: headerValue },
);
const anthropicVersion = fc.oneof(fc.constant('2023-06-01'), headerValue);

/**
 * Every endpoint the gateway serves (with billing on), each with its request generator.
 *
 * @example
 * ```ts
 * for (const endpoint of fuzzEndpoints('gw-key')) await fc.assert(fc.asyncProperty(endpoint.requests, check));
 * ```
 */
export function fuzzEndpoints(key: string): FuzzEndpoint[] {
  const post = (
    url: string,
    clean: fc.Arbitrary<Json>,
    rich: fc.Arbitrary<Json>,
    own: fc.Arbitrary<Record<string, string>> = fc.constant({}),
  ): fc.Arbitrary<FuzzRequest> =>
    fc
      .tuple(mutatedBody(clean, rich), requestHeaders(key, own, true))
      .map(([text, headers]) => ({ method: 'POST', url, headers, body: text }));
  const get = (
    url: fc.Arbitrary<string>,
    own: fc.Arbitrary<Record<string, string>> = fc.constant({}),
  ): fc.Arbitrary<FuzzRequest> =>
    fc
      .tuple(url, requestHeaders(key, own, false))
      .map(([path, headers]) => ({ method: 'GET', url: path, headers, body: undefined }));
  const openai = (): ErrorDialect => 'openai';
  const gateway = (): ErrorDialect => 'ai-gateway';
  const byVersionHeader = (request: FuzzRequest): ErrorDialect =>
    request.headers['anthropic-version'] !== undefined ? 'anthropic' : 'openai';
  const endpoints: FuzzEndpoint[] = [
    {
      name: 'POST /v1/chat/completions',
      requests: post('/v1/chat/completions', cleanChatBody, chatBody),
      dialectOf: openai,
    },
    {
      name: 'POST /v1/embeddings',
      requests: post('/v1/embeddings', cleanEmbeddingsBody, embeddingsBody),
      dialectOf: openai,
    },
    {
      name: 'POST /v1/messages',
      requests: post(
        '/v1/messages',
        cleanMessagesBody,
        messagesBody,
        fc.record({ 'anthropic-version': anthropicVersion, 'anthropic-beta': headerValue }, { requiredKeys: [] }),
      ),
      dialectOf: () => 'anthropic',
    },
    {
      name: 'POST /v1/messages/count_tokens',
      requests: post(
        '/v1/messages/count_tokens',
        cleanMessagesBody,
        messagesBody,
        fc.record({ 'anthropic-version': anthropicVersion }, { requiredKeys: [] }),
      ),
      dialectOf: () => 'anthropic',
    },
    {
      name: 'GET /v1/models',
      requests: get(
        query.map((q) => `/v1/models${q ? `?${q}` : ''}`),
        fc.record({ 'anthropic-version': anthropicVersion }, { requiredKeys: [] }),
      ),
      dialectOf: byVersionHeader,
    },
    {
      name: 'GET /v1/models/{id}',
      requests: get(
        pathSegment.map((id) => `/v1/models/${id}`),
        fc.record({ 'anthropic-version': anthropicVersion }, { requiredKeys: [] }),
      ),
      dialectOf: byVersionHeader,
    },
    { name: 'GET /v1/credits', requests: get(query.map((q) => `/v1/credits${q ? `?${q}` : ''}`)), dialectOf: gateway },
    {
      name: 'GET /v1/report',
      requests: get(
        fc
          .tuple(
            fc.constantFrom(
              'start_date=2025-01-01&end_date=2025-01-31&',
              'start_date=2025-01-01T00:00:00Z&end_date=2025-02-01&',
              '',
            ),
            query,
          )
          .map(([base, q]) => `/v1/report?${base}${q}`),
      ),
      dialectOf: gateway,
    },
    { name: 'GET /v1/generation', requests: get(query.map((q) => `/v1/generation?${q}`)), dialectOf: gateway },
  ];
  for (const spec of ['v3', 'v4']) {
    endpoints.push(
      {
        name: `POST /${spec}/ai/language-model`,
        requests: post(
          `/${spec}/ai/language-model`,
          cleanLanguageModelBody,
          languageModelBody,
          fc
            .record(
              {
                'ai-language-model-id': fc.oneof(
                  { weight: 4, arbitrary: servedModels },
                  { weight: 1, arbitrary: models },
                ),
                'ai-language-model-streaming': streamingHeader,
                'ai-gateway-protocol-version': headerValue,
              },
              { requiredKeys: ['ai-language-model-id'] },
            )
            .map(latin1Headers),
        ),
        dialectOf: gateway,
      },
      {
        name: `POST /${spec}/ai/embedding-model`,
        requests: post(
          `/${spec}/ai/embedding-model`,
          cleanEmbeddingModelBody,
          embeddingModelBody,
          fc
            .record(
              {
                'ai-model-id': fc.oneof(
                  { weight: 4, arbitrary: fc.constant('openai/text-embedding-3-small') },
                  { weight: 1, arbitrary: embeddingModels },
                ),
              },
              { requiredKeys: [] },
            )
            .map(latin1Headers),
        ),
        dialectOf: gateway,
      },
      { name: `GET /${spec}/ai/config`, requests: get(fc.constant(`/${spec}/ai/config`)), dialectOf: gateway },
    );
  }
  return endpoints;
}

/** Header values as a Node server can receive them: each UTF-16 unit above Latin-1 dropped, line breaks gone. */
function latin1Headers(headers: Record<string, string>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) result[name] = value.replace(/[^\t\x20-\x7e\x80-\xff]/g, '');
  return result;
}
