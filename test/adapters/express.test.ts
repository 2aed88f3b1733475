import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import express5 from 'express';
import express4 from 'express4';
import OpenAI from 'openai';
import { createGatewayMiddleware } from '../../adapters/express.js';
import { closeServer, GATEWAY_KEY, listen, startUpstreams, type Upstreams } from '../http/gateway-fixture.js';

const VARIANTS = [
  { name: 'Express 5', express: express5, json: false },
  { name: 'Express 5 after express.json()', express: express5, json: true },
  { name: 'Express 4', express: express4, json: false },
  { name: 'Express 4 after express.json()', express: express4, json: true },
];

describe('Express adapter', () => {
  let upstreams: Upstreams;
  before(async () => {
    upstreams = await startUpstreams();
  });
  after(() => upstreams.close());

  for (const variant of VARIANTS) {
    it(`${variant.name}: serves the dialects and passes other routes through`, async () => {
      const app = variant.express();
      app.get('/health', (_request, response) => void response.send('ok'));
      if (variant.json) app.use(variant.express.json());
      const gateway = createGatewayMiddleware({ router: upstreams.router, apiKeys: [{ key: GATEWAY_KEY, id: 'k', account: 'a' }], logger: false });
      app.use(gateway);
      app.post('/v1/app-route', (_request, response) => void response.json({ app: true }));
      const server = createServer(app);
      const origin = await listen(server);
      try {
        const client = new OpenAI({ apiKey: GATEWAY_KEY, baseURL: `${origin}/v1`, maxRetries: 0 });
        const completion = await client.chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: `hello ${variant.name}` }] });
        assert.equal(completion.choices[0].message.content, `You said: hello ${variant.name}`);
        const stream = await client.chat.completions.create({ model: 'anthropic/claude-sonnet-4', max_tokens: 40, stream: true, messages: [{ role: 'user', content: 'stream through express' }] });
        let text = '';
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
        assert.equal(text, 'You said: stream through express');
        // A text/plain body is left unparsed by express.json(): the handler reads it itself.
        const plain = await fetch(`${origin}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'text/plain' }, body: JSON.stringify({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'plain' }] }) });
        assert.equal(plain.status, 200);
        if (!variant.json) {
          const broken = await fetch(`${origin}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' }, body: '{oops' });
          assert.equal(broken.status, 400);
          assert.match(((await broken.json()) as { error: { message: string } }).error.message, /not valid JSON/);
        }
        assert.equal(await (await fetch(`${origin}/health`)).text(), 'ok');
        assert.deepEqual(await (await fetch(`${origin}/v1/app-route`, { method: 'POST' })).json(), { app: true });
      } finally {
        await closeServer(server);
        await gateway.close();
      }
    });
  }
});
