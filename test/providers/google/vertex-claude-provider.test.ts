/**
 * The `vertex` provider serving Claude through `@anthropic-ai/vertex-sdk`, against the Vertex AI
 * simulator (the same one that serves its Gemini models).
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { maxOutputTokensFor } from '../../../src/providers/anthropic/anthropic-request.js';
import { createVertexProvider, VertexProvider } from '../../../src/providers/google/index.js';
import { claudeBaseURL, isClaudeModel } from '../../../src/providers/google/vertex-claude-client.js';
import type { ProviderConfig } from '../../../src/providers/provider.js';
import { createGoogleSimulator } from '../../../src/testing/google-simulator.js';
import { runProviderContract } from '../provider-contract.js';
import { callFor, collect, gatewayFailure, useSimulatedProvider, user, weatherTool } from '../provider-fixtures.js';

const PROJECT = 'sim-project';
const REGION = 'us-east5';
const MODEL = 'claude-sonnet-4@20250514';
const token = 'ya29.configured-claude-token-0123456789';
const byokToken = 'ya29.byok-claude-token-abcdefghij';
const config = (baseURL: string, accessToken: string, extra: Partial<ProviderConfig> = {}): ProviderConfig => ({
  type: 'vertex',
  project: PROJECT,
  region: REGION,
  baseURL,
  credentials: { accessToken },
  ...extra,
});
/** The path `AnthropicVertex` posts to. */
const claudePath = (
  method: 'rawPredict' | 'streamRawPredict',
  project = PROJECT,
  region = REGION,
  model = MODEL,
): string => `/v1/projects/${project}/locations/${region}/publishers/anthropic/models/${model}:${method}`;

runProviderContract({
  name: 'vertex provider, Claude',
  createSimulator: () => createGoogleSimulator(),
  createProvider: (baseURL, accessToken) => createVertexProvider('vertex', config(baseURL, accessToken)),
  modelId: MODEL,
  supports: { tools: true, images: true, json: true },
});

describe('vertex provider, Claude (vendor specifics)', () => {
  const simulator = createGoogleSimulator({ accessToken: [token, byokToken] });
  const vertex = useSimulatedProvider(simulator, (baseURL) =>
    createVertexProvider('vertex', config(baseURL, token, { headers: { 'x-config-header': 'from-config' } })),
  );
  const call = callFor(MODEL);
  const last = () => simulator.requests[simulator.requests.length - 1];

  it('posts the Messages body to rawPredict: no model, Vertex anthropic_version, a bearer token', async () => {
    const result = await vertex.provider.generate(
      call({
        prompt: [{ role: 'system', content: 'Be brief.' }, user('Hello Claude on Vertex')],
        headers: { 'x-call-header': 'from-call' },
      }),
    );
    const request = last();
    assert.equal(request.path, claudePath('rawPredict'));
    const body = vertex.lastBody();
    assert.equal(body.anthropic_version, 'vertex-2023-10-16');
    assert.ok(!('model' in body), 'the model is named in the URL only');
    assert.equal(body.system, 'Be brief.');
    assert.equal(request.headers.authorization, `Bearer ${token}`);
    assert.equal(request.headers['x-api-key'], undefined);
    assert.equal(request.headers['anthropic-version'], undefined, 'Vertex takes the version from the body');
    assert.equal(request.headers['x-config-header'], 'from-config');
    assert.equal(request.headers['x-call-header'], 'from-call');
    assert.equal(result.content[0].type === 'text' && result.content[0].text, 'You said: Hello Claude on Vertex');
    assert.equal(result.responseModelId, MODEL);
    assert.match(result.responseId ?? '', /^msg_/);
  });

  it('streams through streamRawPredict', async () => {
    const { stream } = await vertex.provider.stream(call({ prompt: [user('Stream on Vertex')] }));
    const parts = await collect(stream);
    assert.equal(last().path, claudePath('streamRawPredict'));
    assert.equal(vertex.lastBody().stream, true);
    assert.equal(vertex.lastBody().anthropic_version, 'vertex-2023-10-16');
    assert.equal(
      parts
        .filter((part) => part.type === 'text-delta')
        .map((part) => (part.type === 'text-delta' ? part.delta : ''))
        .join(''),
      'You said: Stream on Vertex',
    );
  });

  it('uses BYOK credentials: their token, project and region; then the configured ones again', async () => {
    await vertex.provider.generate(
      call({ credentials: { accessToken: byokToken, project: 'byok-project', region: 'europe-west1' } }),
    );
    assert.equal(last().path, claudePath('rawPredict', 'byok-project', 'europe-west1'));
    assert.equal(last().headers.authorization, `Bearer ${byokToken}`);
    await vertex.provider.generate(call());
    assert.equal(last().path, claudePath('rawPredict'));
    assert.equal(last().headers.authorization, `Bearer ${token}`);
  });

  it('maps a rejected token to provider_authentication without leaking it', async () => {
    const secret = 'ya29.stale-claude-token-0123456789abcdef';
    const error = await gatewayFailure(vertex.provider.generate(call({ credentials: { accessToken: secret } })));
    assert.equal(error.code, 'provider_authentication');
    assert.equal(error.upstreamStatus, 401);
    assert.equal(error.provider, 'vertex');
    assert.ok(!error.message.includes(secret));
  });

  it('serves Gemini and Claude from one provider and one simulator', async () => {
    await vertex.provider.generate(callFor('gemini-2.5-flash')());
    assert.equal(
      last().path,
      `/v1beta1/projects/${PROJECT}/locations/${REGION}/publishers/google/models/gemini-2.5-flash:generateContent`,
    );
    await vertex.provider.generate(call());
    assert.equal(last().path, claudePath('rawPredict'));
    assert.deepEqual(
      simulator.requests.map((request) => request.headers.authorization),
      [`Bearer ${token}`, `Bearer ${token}`],
    );
  });

  it('uses the Anthropic mapping: forced tools, thinking signatures sent back, Anthropic provider options only', async () => {
    const first = await vertex.provider.generate(call({ prompt: [user('Think, then answer')], reasoning: 'low' }));
    assert.deepEqual(vertex.lastBody().thinking, { type: 'enabled', budget_tokens: 2048 });
    const reasoning = first.content.find((part) => part.type === 'reasoning');
    assert.ok(
      reasoning?.type === 'reasoning' && typeof reasoning.providerMetadata?.anthropic?.signature === 'string',
      'a signed thinking block',
    );
    // The simulator checks the signature: a reasoning part that comes back unchanged is accepted.
    const second = await vertex.provider.generate(
      call({
        prompt: [
          user('Think, then answer'),
          {
            role: 'assistant',
            content: [
              {
                type: 'reasoning',
                text: reasoning.text,
                providerOptions: { anthropic: reasoning.providerMetadata?.anthropic ?? {} },
              },
              { type: 'text', text: 'Done.' },
            ],
          },
          user('Again'),
        ],
        providerOptions: {
          anthropic: { metadata: { user_id: 'user-7' } },
          vertex: { labels: { team: 'gemini-only' } },
        },
        tools: [weatherTool],
        toolChoice: { type: 'tool', toolName: 'weather' },
      }),
    );
    const body = vertex.lastBody();
    assert.deepEqual(body.metadata, { user_id: 'user-7' });
    assert.ok(!('labels' in body), 'Gemini options stay out of Claude requests');
    assert.deepEqual(body.tool_choice, { type: 'tool', name: 'weather' });
    const toolCall = second.content.find((part) => part.type === 'tool-call');
    assert.ok(toolCall?.type === 'tool-call' && toolCall.toolName === 'weather');
  });

  it('maps a 529 (Anthropic overloaded) and a 429 (Google quota, with Retry-After) like the anthropic provider', async () => {
    simulator.script({ type: 'status', status: 529 }, { type: 'status', status: 429, retryAfterSeconds: 7 });
    const overloaded = await gatewayFailure(vertex.provider.generate(call()));
    assert.equal(overloaded.code, 'provider_overloaded');
    assert.equal(overloaded.status, 529);
    const quota = await gatewayFailure(vertex.provider.generate(call()));
    assert.equal(quota.code, 'provider_rate_limited');
    assert.equal(quota.retryAfterMs, 7000);
  });
});

describe('vertex provider, Claude (configuration)', () => {
  const simulator = createGoogleSimulator();
  const last = () => simulator.requests[simulator.requests.length - 1];
  let baseURL: string;
  beforeAll(async () => {
    baseURL = await simulator.start();
  });
  afterAll(() => simulator.close());

  it('puts the region in the URL, global included, and keeps a base URL that names its API version', async () => {
    const global = await createVertexProvider('vertex-global', config(`${baseURL}/v1/`, token, { region: 'global' }));
    await global.generate(callFor('claude-opus-4-1@20250805')());
    assert.equal(last().path, claudePath('rawPredict', PROJECT, 'global', 'claude-opus-4-1@20250805'));
    assert.equal(
      claudeBaseURL('https://us-east5-aiplatform.googleapis.com'),
      'https://us-east5-aiplatform.googleapis.com/v1',
    );
    assert.equal(
      claudeBaseURL('https://us-east5-aiplatform.googleapis.com/v1beta1'),
      'https://us-east5-aiplatform.googleapis.com/v1beta1',
    );
    assert.equal(claudeBaseURL(undefined), undefined);
  });

  it('dispatches claude-* model ids to Claude and everything else to Gemini', () => {
    assert.equal(isClaudeModel('claude-sonnet-4@20250514'), true);
    assert.equal(isClaudeModel('claude-3-5-haiku@20241022'), true);
    assert.equal(isClaudeModel('gemini-2.5-flash'), false);
    assert.equal(isClaudeModel('text-embedding-005'), false);
  });

  it('knows the output limits of Vertex AI model ids', () => {
    assert.equal(maxOutputTokensFor('claude-opus-4@20250514'), 32_000);
    assert.equal(maxOutputTokensFor('claude-opus-4-1@20250805'), 32_000);
    assert.equal(maxOutputTokensFor('claude-sonnet-4-5@20250929'), 64_000);
    assert.equal(maxOutputTokensFor('claude-3-5-haiku@20241022'), 8192);
  });

  it('turns Google credentials that cannot be loaded into provider_authentication', async () => {
    const provider = await createVertexProvider('vertex', {
      type: 'vertex',
      project: PROJECT,
      region: REGION,
      baseURL,
      clientOptions: { googleAuthOptions: { keyFilename: '/nonexistent/switchyard-test-key.json' } },
    });
    const error = await gatewayFailure(provider.generate(callFor(MODEL)()));
    assert.equal(error.code, 'provider_authentication');
    assert.match(error.message, /Google credentials/);
  });

  it('loads @anthropic-ai/vertex-sdk only for Claude, and names it when it is missing', async () => {
    let imports = 0;
    class WithoutClaudeSdk extends VertexProvider {
      protected override importClaudeSdk(): Promise<typeof import('@anthropic-ai/vertex-sdk')> {
        imports += 1;
        const missing: string = '@anthropic-ai/vertex-sdk-not-installed';
        return import(missing) as Promise<typeof import('@anthropic-ai/vertex-sdk')>;
      }
    }
    const provider = new WithoutClaudeSdk('vertex', config(baseURL, token));
    await provider.generate(callFor('gemini-2.5-flash')());
    assert.equal(imports, 0, 'a Gemini call does not load the Claude SDK');
    const error = await gatewayFailure(provider.generate(callFor(MODEL)()));
    assert.equal(error.code, 'provider_sdk_missing');
    assert.match(error.message, /npm install @anthropic-ai\/vertex-sdk\b/);
    assert.equal(imports, 1);
  });
});
