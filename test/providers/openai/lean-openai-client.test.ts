import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import OpenAI, { APIConnectionTimeoutError, AzureOpenAI } from 'openai';
import { nodeFetch } from '../../../src/providers/shared/node-fetch.js';
import { leanOpenAIClass } from '../../../src/providers/openai/lean-openai-client.js';
import { waitFor } from '../../helpers/wait-for.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const COMPLETION = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop', logprobs: null }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
};
const EMBEDDING = {
  object: 'list',
  data: [{ object: 'embedding', index: 0, embedding: [0.5, 0.25] }],
  model: 'text-embedding-3-small',
  usage: { prompt_tokens: 2, total_tokens: 2 },
};
const chunk = (content: string): string =>
  `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;

describe('leanOpenAIClass', () => {
  const LeanOpenAI = leanOpenAIClass(OpenAI);
  const received: Received[] = [];
  const closedStreams: string[] = [];
  let server: Server;
  let baseURL: string;
  const options = (): ConstructorParameters<typeof OpenAI>[0] => ({
    apiKey: 'sk-lean-0001',
    baseURL,
    fetch: nodeFetch,
    maxRetries: 0,
    organization: 'org-1',
    project: 'proj-1',
    defaultHeaders: { 'X-Team': 'blue', 'x-drop': 'me' },
  });

  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (part: Buffer) => chunks.push(part));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
        if (request.url?.startsWith('/hang/')) return; // never answers
        if (request.url === '/v1/embeddings') {
          response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(EMBEDDING));
          return;
        }
        if (!(JSON.parse(body) as { stream?: boolean }).stream) {
          response
            .writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_1' })
            .end(JSON.stringify(COMPLETION));
          return;
        }
        // A stream of five parts 600 ms apart, then [DONE]; or, for /endless/, parts until the client leaves.
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        let sent = 0;
        const endless = (request.url ?? '').startsWith('/endless/');
        const timer = setInterval(
          () => {
            sent += 1;
            response.write(chunk(`part${sent}`));
            if (!endless && sent === 5) {
              clearInterval(timer);
              response.end('data: [DONE]\n\n');
            }
          },
          endless ? 10 : 600,
        );
        response.on('close', () => {
          clearInterval(timer);
          if (endless) closedStreams.push(request.url ?? '');
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** The request the server received from `call` made with the SDK's client and with the lean one. */
  async function sideBySide(call: (client: OpenAI) => Promise<unknown>): Promise<[Received, Received]> {
    received.length = 0;
    await call(new OpenAI(options()));
    await call(new LeanOpenAI(options()));
    assert.equal(received.length, 2);
    return [received[0], received[1]];
  }

  it('sends exactly what the SDK sends: method, URL, every header and the body', async () => {
    const cases: Array<(client: OpenAI) => Promise<unknown>> = [
      (client) =>
        client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [{ role: 'user', content: 'Hi' }],
          temperature: 0.5,
        }),
      (client) =>
        client.chat.completions.create(
          { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] },
          { headers: { 'X-Call': 'one', 'X-DROP': null, 'x-team': 'red' } },
        ),
      (client) =>
        client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello', encoding_format: 'float' }),
    ];
    for (const call of cases) {
      const [sdk, lean] = await sideBySide(call);
      assert.equal(lean.method, sdk.method);
      assert.equal(lean.url, sdk.url);
      assert.equal(lean.body, sdk.body);
      assert.deepEqual(lean.headers, sdk.headers);
    }
    const [sdk] = await sideBySide(cases[1]);
    assert.equal(sdk.headers['x-call'], 'one', 'per-request headers are sent');
    assert.equal(sdk.headers['x-team'], 'red', 'and override default headers');
    assert.equal(sdk.headers['x-drop'], undefined, 'and null removes one');
    assert.equal(sdk.headers['openai-organization'], 'org-1');
    assert.match(String(sdk.headers['user-agent']), /^OpenAI\/JS /);
  });

  it('streams as the SDK does, with the same request', async () => {
    const texts: string[] = [];
    const [sdk, lean] = await sideBySide(async (client) => {
      let text = '';
      const stream = await client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hi' }],
        stream: true,
      });
      for await (const part of stream) text += part.choices[0]?.delta.content ?? '';
      texts.push(text);
    });
    assert.deepEqual(texts, ['part1part2part3part4part5', 'part1part2part3part4part5']);
    assert.deepEqual(lean.headers, sdk.headers);
    assert.equal(lean.body, sdk.body);
  });

  it('takes over the common request only; the SDK builds the rest', async () => {
    const client = new LeanOpenAI(options());
    const common = await client.buildRequest({ method: 'post', path: '/chat/completions', body: { model: 'm' } });
    assert.ok(!(common.req.headers instanceof Headers), 'a JSON POST is built by the lean builder');
    for (const other of [
      { method: 'post' as const, path: '/chat/completions', body: { model: 'm' }, query: { a: '1' } },
      { method: 'post' as const, path: '/chat/completions', body: { model: 'm' }, timeout: 5000 },
      {
        method: 'post' as const,
        path: '/chat/completions',
        body: { model: 'm' },
        __metadata: { helperMethod: 'runTools' },
      },
      { method: 'get' as const, path: '/models' },
    ]) {
      const built = await client.buildRequest(other);
      assert.ok(built.req.headers instanceof Headers, `built by the SDK: ${JSON.stringify(other)}`);
    }
    const elsewhere = new LeanOpenAI({ ...options(), fetch: (input, init) => fetch(input, init) });
    assert.ok(
      (await elsewhere.buildRequest({ method: 'post', path: '/chat/completions', body: { model: 'm' } })).req
        .headers instanceof Headers,
      'a client on another fetch keeps the SDK builder',
    );
  });

  it('leaves a subclass that shapes its own requests (AzureOpenAI, or one of yours) to the SDK', async () => {
    const LeanAzure = leanOpenAIClass(AzureOpenAI);
    const azure = new LeanAzure({
      apiKey: 'azure-key-0001',
      endpoint: baseURL.replace('/v1', ''),
      apiVersion: '2024-10-21',
      fetch: nodeFetch,
      maxRetries: 0,
    });
    const built = await azure.buildRequest({
      method: 'post',
      path: '/chat/completions',
      body: { model: 'my-deployment', messages: [] },
    });
    assert.ok(built.req.headers instanceof Headers, "Azure's builder ran");
    assert.match(built.url, /\/deployments\/my-deployment\/chat\/completions\?api-version=2024-10-21$/);
    class Tagged extends OpenAI {
      override async buildRequest(...args: Parameters<OpenAI['buildRequest']>): ReturnType<OpenAI['buildRequest']> {
        const request = await super.buildRequest(...args);
        request.req.headers.set('x-model', String((args[0].body as { model?: string } | undefined)?.model));
        return request;
      }
    }
    const LeanTagged = leanOpenAIClass(Tagged);
    received.length = 0;
    await new LeanTagged(options()).chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
    });
    assert.equal(
      received[0].headers['x-model'],
      'gpt-4o-mini',
      "a subclass's own buildRequest still runs, for each request",
    );
  });

  it('times out a request that gets no response, as the SDK does', async () => {
    const client = new LeanOpenAI({ ...options(), baseURL: baseURL.replace('/v1', '/hang/v1'), timeout: 100 });
    const started = performance.now();
    await assert.rejects(
      client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] }),
      APIConnectionTimeoutError,
    );
    assert.ok(performance.now() - started < 2000);
  });

  it('keeps a stream that has started past the timeout', async () => {
    // The headers come at once and must beat the timeout even on a busy machine; the parts take 3 s.
    const client = new LeanOpenAI({ ...options(), timeout: 1_500 });
    let text = '';
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    for await (const part of stream) text += part.choices[0]?.delta.content ?? '';
    assert.equal(text, 'part1part2part3part4part5', '3 s of parts under a 1.5 s timeout');
  });

  it('stops the upstream stream when its reader leaves early', async () => {
    const client = new LeanOpenAI({ ...options(), baseURL: baseURL.replace('/v1', '/endless/v1') });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
      stream: true,
    });
    let parts = 0;
    for await (const _part of stream) if (++parts === 3) break;
    await waitFor(() => closedStreams.length > 0);
    assert.deepEqual(closedStreams, ['/endless/v1/chat/completions']);
  });
});
