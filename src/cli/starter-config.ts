/**
 * The commented starter config `switchyard init` writes.
 *
 * @module
 */

/**
 * The starter `switchyard.config.mjs`: one OpenAI provider and one gateway key, both from the
 * environment, with billing and a Redis store commented out.
 *
 * @example
 * ```ts
 * writeFileSync('switchyard.config.mjs', STARTER_CONFIG);
 * ```
 */
export const STARTER_CONFIG = `// switchyard.config.mjs: the gateway \`switchyard serve\` runs. \`switchyard check\` validates it.
//
// Strings may name environment variables: '\${NAME}' (it must be set) or '\${NAME:-fallback}';
// '$\${' is a literal '\${'. Keep secrets in the environment, not in this file.
// Every option is described in the README (createGateway); the file may also export a function
// (async too) returning the configuration.

export default {
  // Where the gateway listens (--port and --host override these). 127.0.0.1: this machine only.
  server: { port: 8787, host: '127.0.0.1', shutdownTimeoutMs: 10000 },

  // Provider instances by name. An instance named after its type (openai, anthropic, google, vertex,
  // mistral, bedrock, cohere, xai) needs no \`type\`.
  providers: {
    openai: { apiKey: '\${OPENAI_API_KEY}' },
    // anthropic: { apiKey: '\${ANTHROPIC_API_KEY}' },
    // bedrock: { region: 'us-east-1' }, // the standard AWS credential chain
    // 'openai-eu': { type: 'openai', apiKey: '\${OPENAI_EU_KEY}', baseURL: 'https://eu.api.openai.com/v1' },
  },

  // The keys your clients send (Authorization: Bearer <key>, or x-api-key), each billed to an account.
  // Without apiKeys, auth is OFF: every request is accepted.
  apiKeys: [{ key: '\${GATEWAY_API_KEY}', id: 'key_main', account: 'team_main' }],

  // How candidates are ranked: 'latency-weighted' (the default), or { name: 'ordered', providers: [...] }.
  // strategy: 'latency-weighted',

  // Billing: credits, budgets and rate limits. Money is integer nano-dollars (1 USD = 1000000000).
  // billing: {
  //   freeAllocationNano: 1000000000, // $1 on each account's first request
  //   rateLimits: { requestsPerMinute: 600 },
  //   budgets: [{ accountId: '*', scope: 'user', target: '*', period: 'month', hardLimitNano: 10000000000 }],
  // },

  // Where billing (and shared health) state lives: 'memory' (one process, the default), or Redis,
  // shared by every gateway instance that points at it.
  // store: { redis: { url: '\${REDIS_URL:-redis://127.0.0.1:6379}' } },
};
`;
