/**
 * 1,000 concurrent streams through the gateway (#20.8): every one is opened upstream at once (no hidden
 * connection cap queues them), and every one finishes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent } from 'undici';
import { GATEWAY_KEY, startGateway, type Gateway } from './gateway-fixture.js';

const STREAMS = 1_000;

describe('1,000 concurrent streams through the gateway', () => {
  let gateway: Gateway;
  // The clients' own connections: as many as there are streams.
  const clients = new Agent({ connections: STREAMS, keepAliveTimeout: 1_000 });
  before(async () => {
    gateway = await startGateway();
    await gateway.router.ready();
  });
  after(async () => {
    await clients.close();
    await gateway.close();
  });

  it('opens every stream upstream at once and finishes them all', async (context) => {
    // Each upstream stream takes about sixteen seconds (sixteen words at one a second), far longer than
    // opening them all takes, so a cap would show as requests that reach the vendor only after others finished.
    const words = Array.from({ length: 16 }, (_, index) => `w${index}`);
    gateway.openai.configure({ tokensPerSecond: 1, reply: () => ({ text: words.join(' ') }) });
    globalThis.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let upstreamWhenFirstFinished: number | undefined;
    let heapWhileOpen = 0;
    const stream = async (index: number): Promise<string> => {
      const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'test/echo', stream: true, messages: [{ role: 'user', content: `stream ${index}` }], providerOptions: { gateway: { only: ['openai'] } } }),
        dispatcher: clients,
      } as RequestInit);
      assert.equal(response.status, 200);
      const text = await response.text();
      if (upstreamWhenFirstFinished === undefined) {
        upstreamWhenFirstFinished = gateway.openai.requests.length;
        heapWhileOpen = process.memoryUsage().heapUsed;
      }
      return text;
    };
    const bodies = await Promise.all(Array.from({ length: STREAMS }, (_, index) => stream(index)));
    assert.equal(upstreamWhenFirstFinished, STREAMS, `only ${upstreamWhenFirstFinished} of ${STREAMS} streams had reached the vendor when the first one finished`);
    assert.equal(bodies.filter((body) => body.includes('w15') && body.includes('data: [DONE]')).length, STREAMS, 'every stream finished with all its text');
    context.diagnostic(`heap while ${STREAMS} streams were open (gateway, simulator and clients in one process): ${Math.round((heapWhileOpen - heapBefore) / STREAMS / 1024)} KiB per stream`);
  });
});
