/**
 * Runs in a child process for node-fetch-stream.test.ts: event streams through `nodeFetch` that
 * once froze the event loop (a part past 64 KiB, a burst, a slow reader, a chunk boundary at any
 * byte). A freeze stops the whole process, timers included, so the parent watches the progress
 * lines this prints and kills it when they stop. Each scenario prints `ok <name>` or `fail <name>`.
 */
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { leanOpenAIClass } from '../../../src/providers/openai/lean-openai-client.js';
import { nodeFetch } from '../../../src/providers/shared/node-fetch.js';

const progress = (): void => void process.stdout.write('.\n');

function chunkEvent(content: string): string {
  return `data: ${JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
}

/** An HTTP server that answers every request with the given events, written by `write`. */
async function sseServer(
  write: (response: import('node:http').ServerResponse) => Promise<void> | void,
): Promise<{ origin: string; close(): Promise<void> }> {
  const server = createHttpServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      void write(response);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Reads a chat completion stream through the SDK on `nodeFetch`, `delayMs` between events; returns the text. */
async function readStream(client: OpenAI, delayMs = 0, startDelayMs = 0): Promise<string> {
  const stream = await client.chat.completions.create({
    model: 'gpt-4o',
    messages: [{ role: 'user', content: 'hi' }],
    stream: true,
  });
  if (startDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, startDelayMs));
  let text = '';
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    progress();
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
  return text;
}

const scenarios: Array<[string, () => Promise<void>]> = [];
const scenario = (name: string, run: () => Promise<void>): void => void scenarios.push([name, run]);
const expectText = (actual: string, expected: string): void => {
  if (actual !== expected) throw new Error(`got ${actual.length} characters, expected ${expected.length}`);
};

const Lean = leanOpenAIClass(OpenAI);
for (const size of [1_000, 64_000, 65_000, 65_536, 70_000, 100_000, 1_000_000, 4_000_000]) {
  for (const [label, Client] of [
    ['sdk', OpenAI],
    ['lean', Lean],
  ] as const) {
    scenario(`one ${size}-character event, ${label} client`, async () => {
      const content = 'a'.repeat(size);
      const server = await sseServer((response) => {
        response.write(chunkEvent(content));
        response.end('data: [DONE]\n\n');
      });
      try {
        expectText(
          await readStream(
            new Client({ apiKey: 'sk-test', baseURL: `${server.origin}/v1`, fetch: nodeFetch, maxRetries: 0 }),
          ),
          content,
        );
      } finally {
        await server.close();
      }
    });
  }
}

scenario('300 events of 1 KiB, the reader a second behind', async () => {
  const pieces = Array.from({ length: 300 }, (_, index) => String(index % 10).repeat(1024));
  const server = await sseServer(async (response) => {
    for (const piece of pieces) {
      if (!response.write(chunkEvent(piece))) await once(response, 'drain');
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    response.end('data: [DONE]\n\n');
  });
  try {
    expectText(
      await readStream(
        new OpenAI({ apiKey: 'sk-test', baseURL: `${server.origin}/v1`, fetch: nodeFetch, maxRetries: 0 }),
        0,
        1_000,
      ),
      pieces.join(''),
    );
  } finally {
    await server.close();
  }
});

scenario('a 100 KB stream in one burst, read slowly', async () => {
  const pieces = Array.from({ length: 1_000 }, (_, index) => `w${index} `.padEnd(100, '.'));
  const server = await sseServer((response) => void response.end(pieces.map(chunkEvent).join('') + 'data: [DONE]\n\n'));
  try {
    expectText(
      await readStream(
        new OpenAI({ apiKey: 'sk-test', baseURL: `${server.origin}/v1`, fetch: nodeFetch, maxRetries: 0 }),
        0,
        200,
      ),
      pieces.join(''),
    );
  } finally {
    await server.close();
  }
});

scenario('bursts of large events with a reader that pauses between them', async () => {
  const pieces = Array.from({ length: 12 }, (_, index) =>
    String.fromCharCode(97 + index).repeat(30_000 + index * 9_000),
  );
  const server = await sseServer((response) => {
    response.write(pieces.slice(0, 6).map(chunkEvent).join(''));
    setTimeout(() => response.end(pieces.slice(6).map(chunkEvent).join('') + 'data: [DONE]\n\n'), 20);
  });
  try {
    expectText(
      await readStream(
        new OpenAI({ apiKey: 'sk-test', baseURL: `${server.origin}/v1`, fetch: nodeFetch, maxRetries: 0 }),
        15,
      ),
      pieces.join(''),
    );
  } finally {
    await server.close();
  }
});

/**
 * A raw HTTP/1.1 server that writes one chunked event-stream response in pieces cut at the given
 * byte offsets (in the HTTP framing, the chunk headers included), with a pause between pieces so
 * that each arrives on its own.
 */
async function rawServer(response: Buffer, cuts: number[]): Promise<{ origin: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', async () => {
      let from = 0;
      for (const cut of [...cuts, response.length]) {
        if (cut <= from) continue;
        socket.write(response.subarray(from, cut));
        from = cut;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

{
  const pieces = ['x'.repeat(70_000), 'y'.repeat(10), 'z'.repeat(200_000)];
  const chunks = [...pieces.map(chunkEvent), 'data: [DONE]\n\n'].map((event) => Buffer.from(event));
  const framed = Buffer.concat([
    Buffer.from(
      'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n',
    ),
    ...chunks.flatMap((chunk) => [Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]),
    Buffer.from('0\r\n\r\n'),
  ]);
  const headerEnd = framed.indexOf('\r\n\r\n') + 4;
  // Cuts right after the headers, inside chunk headers, at chunk ends, inside the terminator, at 64 KiB and around it.
  const boundaries = [
    headerEnd,
    headerEnd + 1,
    headerEnd + 3,
    65_536,
    65_535,
    65_537,
    headerEnd + 65_536,
    framed.indexOf('\r\n', headerEnd + 10) + 1,
    framed.length - 5,
    framed.length - 2,
    framed.length - 1,
  ];
  for (const cut of boundaries) {
    scenario(`a chunk boundary at byte ${cut} of ${framed.length}`, async () => {
      const server = await rawServer(framed, [cut]);
      try {
        expectText(
          await readStream(
            new OpenAI({ apiKey: 'sk-test', baseURL: `${server.origin}/v1`, fetch: nodeFetch, maxRetries: 0 }),
          ),
          pieces.join(''),
        );
      } finally {
        await server.close();
      }
    });
  }
  scenario('chunk boundaries every 4,093 bytes, and a reader behind', async () => {
    const cuts = Array.from({ length: Math.floor(framed.length / 4_093) }, (_, index) => (index + 1) * 4_093);
    const server = await rawServer(framed, cuts);
    try {
      expectText(
        await readStream(
          new OpenAI({ apiKey: 'sk-test', baseURL: `${server.origin}/v1`, fetch: nodeFetch, maxRetries: 0 }),
          0,
          100,
        ),
        pieces.join(''),
      );
    } finally {
      await server.close();
    }
  });
}

const only = process.argv[2];
for (const [name, run] of scenarios) {
  if (only !== undefined && !name.includes(only)) continue;
  process.stdout.write(`start ${name}\n`);
  try {
    await run();
    process.stdout.write(`ok ${name}\n`);
  } catch (error) {
    process.stdout.write(`fail ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}
process.stdout.write('done\n');
process.exit(0);
