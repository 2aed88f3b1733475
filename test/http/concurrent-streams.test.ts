/**
 * 1,000 concurrent streams through the gateway (#20.8): every one is opened upstream at once (no hidden
 * connection cap queues them), and every one finishes.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { Agent } from 'undici';
import { waitFor } from '../helpers/wait-for.js';
import { GATEWAY_KEY, startGateway, type Gateway } from './gateway-fixture.js';

const STREAMS = 1_000;

describe('1,000 concurrent streams through the gateway', () => {
  let gateway: Gateway;
  // The clients' own connections: as many as there are streams.
  const clients = new Agent({ connections: STREAMS, keepAliveTimeout: 1_000 });
  beforeAll(async () => {
    // The vendor holds every answer until the last stream arrived, which takes long on a busy machine: the
    // attempt timeout and the deadline are not what this test is about, so they wait as long as it does.
    gateway = await startGateway({}, { attemptTimeoutMs: 300_000, deadlineMs: 300_000 });
    await gateway.router.ready();
  });
  afterAll(async () => {
    await clients.close();
    await gateway.close();
  });

  it('opens every stream upstream at once and finishes them all', { timeout: 300_000 }, async () => {
    // The vendor holds every answer until all the streams have reached it: with a connection cap, the
    // requests past it would wait for a connection that never frees, and the count would stop there.
    let release: () => void = () => undefined;
    const hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    gateway.openai.configure({ hold });
    globalThis.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    const stream = async (index: number): Promise<string> => {
      const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'test/echo',
          stream: true,
          messages: [{ role: 'user', content: `stream ${index}` }],
          providerOptions: { gateway: { only: ['openai'] } },
        }),
        dispatcher: clients,
      } as RequestInit);
      assert.equal(response.status, 200);
      return response.text();
    };
    const bodies = Promise.all(Array.from({ length: STREAMS }, (_, index) => stream(index)));
    // A stream that fails is reported where `bodies` is awaited, not as an unhandled rejection meanwhile.
    bodies.catch(() => undefined);
    try {
      await waitFor(() => gateway.openai.requests.length === STREAMS, 280_000);
    } catch {
      assert.fail(`only ${gateway.openai.requests.length} of ${STREAMS} streams reached the vendor at once`);
    } finally {
      release();
    }
    const heapWhileOpen = process.memoryUsage().heapUsed;
    const texts = await bodies;
    assert.equal(
      texts.filter((body) => body.includes('stream') && body.includes('data: [DONE]')).length,
      STREAMS,
      'every stream finished with all its text',
    );
    console.log(
      `heap while ${STREAMS} streams were open (gateway, simulator and clients in one process): ${Math.round((heapWhileOpen - heapBefore) / STREAMS / 1024)} KiB per stream`,
    );
  });
});
