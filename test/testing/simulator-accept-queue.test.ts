/**
 * A burst of new connections to a simulator whose event loop is busy (as it is when the gateway and the
 * simulator share a process) waits in the kernel's accept queue. With Node's default backlog (511) the
 * connections past it have their handshakes dropped and retried a second or more later, and a healthy
 * upstream's answers then arrive after the client's attempt timeout (#20.2). The simulator asks for the
 * longest queue the system allows.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { afterAll, describe, it } from 'vitest';
import { Worker } from 'node:worker_threads';
import { waitFor } from '../helpers/wait-for.js';

const CONNECTIONS = 700; // past Node's default backlog of 511, within Linux's default somaxconn (4096)

describe('simulator accept queue', () => {
  const sockets: Socket[] = [];
  afterAll(() => {
    for (const socket of sockets) socket.destroy();
  });

  it(`queues ${CONNECTIONS} connections that arrive while its event loop is busy`, {
    skip: Boolean(process.platform !== 'linux' ? 'the backlog cap is Linux-specific' : undefined),
  }, async () => {
    const gate = new SharedArrayBuffer(4);
    // The simulator in a worker thread, which then blocks its event loop until the gate opens: no
    // connection is accepted meanwhile, so every handshake must be queued by the kernel.
    const worker = new Worker(new URL('./fixtures/blocking-simulator-worker.mjs', import.meta.url), {
      workerData: { gate },
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      worker.postMessage('block');
      const { port } = new URL(url);
      let connected = 0;
      for (let index = 0; index < CONNECTIONS; index += 1) {
        const socket = connect({ host: '127.0.0.1', port: Number(port) }, () => void (connected += 1));
        socket.on('error', () => undefined);
        sockets.push(socket);
      }
      // Handshakes past a short queue are dropped (the client retries after 1 s, 3 s, 7 s... and the
      // queue stays full while the loop is blocked), so the count would stop at the backlog + 1.
      try {
        await waitFor(() => connected === CONNECTIONS, 20_000);
      } catch {
        assert.fail(`only ${connected} of ${CONNECTIONS} connections were queued while the simulator was busy`);
      }
    } finally {
      Atomics.store(new Int32Array(gate), 0, 1);
      Atomics.notify(new Int32Array(gate), 0);
      for (const socket of sockets) socket.destroy();
      await worker.terminate();
    }
  });
});
