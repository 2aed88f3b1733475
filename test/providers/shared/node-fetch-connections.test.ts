import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, it } from 'vitest';
import { configureNodeFetch, nodeFetch, type NodeFetchQueuedEvent } from '../../../src/providers/shared/node-fetch.js';
import { waitFor } from '../../helpers/wait-for.js';

/**
 * A server whose event streams stay open until `release()`; `open` counts the streams open now, `most` the most at
 * once.
 */
async function holdingServer(): Promise<{
  origin: string;
  open: () => number;
  most: () => number;
  release(): void;
  close(): Promise<void>;
}> {
  const held = new Set<ServerResponse>();
  let most = 0;
  let released = false;
  const server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: {"open":true}\n\n');
      if (released) return void response.end('data: [DONE]\n\n');
      held.add(response);
      most = Math.max(most, held.size);
      response.on('close', () => held.delete(response));
    });
  });
  server.maxConnections = 5_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    open: () => held.size,
    most: () => most,
    release() {
      released = true;
      for (const response of held) response.end('data: [DONE]\n\n');
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readAll(response: Response): Promise<string> {
  return response.text();
}

describe('nodeFetch connections', () => {
  afterAll(() => configureNodeFetch());

  it('opens 1,000 concurrent streams to one origin at once (no hidden cap), and all finish', async () => {
    const server = await holdingServer();
    try {
      const streams = Array.from({ length: 1_000 }, () =>
        nodeFetch(`${server.origin}/v1/chat/completions`, { method: 'POST', body: '{}' }).then(readAll),
      );
      await waitFor(() => server.open() === 1_000, 60_000).catch(() =>
        assert.fail(`only ${server.most()} of 1,000 streams were open at once`),
      );
      server.release();
      const bodies = await Promise.all(streams);
      assert.ok(bodies.every((body) => body.endsWith('data: [DONE]\n\n')));
    } finally {
      server.release();
      await server.close();
    }
  });

  it('keeps to a configured connection limit, and says when a request waits for a connection', async () => {
    const events: NodeFetchQueuedEvent[] = [];
    configureNodeFetch({ connectionsPerOrigin: 4, onQueued: (event) => events.push(event) });
    const server = await holdingServer();
    try {
      const streams = Array.from({ length: 10 }, () =>
        nodeFetch(`${server.origin}/stream`, { method: 'POST', body: '{}' }).then(readAll),
      );
      await waitFor(() => server.open() === 4);
      assert.ok(events.length >= 1, 'the wait was reported');
      assert.deepEqual(
        { ...events[0], queued: undefined },
        { origin: server.origin, connectionsPerOrigin: 4, queued: undefined },
      );
      assert.ok(events.at(-1)!.queued >= 1 && events.at(-1)!.queued <= 6);
      server.release();
      assert.equal((await Promise.all(streams)).length, 10);
      assert.ok(server.most() <= 4, `at most 4 open at once (${server.most()})`);
    } finally {
      server.release();
      await server.close();
      configureNodeFetch();
    }
  });

  it('reports a wait as a process warning, once per origin, when no hook is set', async () => {
    configureNodeFetch({ connectionsPerOrigin: 1 });
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    const server = await holdingServer();
    try {
      const streams = Array.from({ length: 3 }, () =>
        nodeFetch(`${server.origin}/stream`, { method: 'POST', body: '{}' }).then(readAll),
      );
      await waitFor(() => server.open() === 1 && warnings.length > 0);
      server.release();
      await Promise.all(streams);
      const queued = warnings.filter(
        (warning) => (warning as Error & { code?: string }).code === 'SWITCHYARD_TRANSPORT_QUEUED',
      );
      assert.equal(queued.length, 1);
      assert.match(queued[0].message, /wait for a connection: all 1 \(connectionsPerOrigin\) are busy/);
    } finally {
      process.off('warning', onWarning);
      server.release();
      await server.close();
      configureNodeFetch();
    }
  });

  it('rejects a limit that is not a positive integer', () => {
    assert.throws(() => configureNodeFetch({ connectionsPerOrigin: 0 }), RangeError);
    assert.throws(() => configureNodeFetch({ connectionsPerOrigin: 2.5 }), RangeError);
  });
});
