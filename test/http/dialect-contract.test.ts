/**
 * The built-in dialects against the dialect contract (test/http/dialect-contract.ts).
 */
import assert from 'node:assert/strict';
import { runDialectContract } from './dialect-contract.js';

const messages = [{ role: 'user', content: 'contract' }];

function openAIError(body: unknown): { message: string; type: string } {
  return (body as { error: { message: string; type: string } }).error;
}

runDialectContract('openai', {
  model: 'openai/gpt-4o',
  request: (model) => ({ path: '/v1/chat/completions', body: { model, messages } }),
  unknownPath: '/v1/files',
  errorOf: openAIError,
  types: {
    'bad JSON': 'invalid_request_error',
    'missing key': 'authentication_error',
    'invalid key': 'authentication_error',
    'unknown model': 'invalid_request_error',
    'unknown path': 'invalid_request_error',
  },
});

runDialectContract('anthropic', {
  model: 'anthropic/claude-sonnet-4',
  request: (model) => ({
    path: '/v1/messages',
    headers: { 'anthropic-version': '2023-06-01' },
    body: { model, max_tokens: 20, messages },
  }),
  unknownPath: '/v1/complete',
  errorOf: (body) => {
    assert.equal((body as { type: string }).type, 'error');
    return (body as { error: { message: string; type: string } }).error;
  },
  types: {
    'bad JSON': 'invalid_request_error',
    'missing key': 'authentication_error',
    'unknown model': 'not_found_error',
    'unknown path': 'not_found_error',
    'body over the limit': 'request_too_large',
  },
});

for (const spec of ['v3', 'v4'] as const) {
  runDialectContract(`ai-gateway ${spec}`, {
    model: 'openai/gpt-4o',
    request: (model) => ({
      path: `/${spec}/ai/language-model`,
      headers: {
        'ai-language-model-id': model,
        'ai-language-model-streaming': 'false',
        'ai-language-model-specification-version': spec.slice(1),
      },
      body: { prompt: [{ role: 'user', content: [{ type: 'text', text: 'contract' }] }] },
    }),
    unknownPath: `/${spec}/ai/no-such-endpoint`,
    errorOf: (body) => {
      const error = (body as { error: { message: string; type: string; code?: unknown } }).error;
      assert.ok('code' in error, 'the gateway error carries a code');
      return error;
    },
    types: {
      'bad JSON': 'invalid_request_error',
      'missing key': 'authentication_error',
      'unknown model': 'model_not_found',
      'unknown path': 'not_found',
    },
  });
}
