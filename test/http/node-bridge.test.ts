/**
 * The Node bridge's streamed answers on the wire: the status line, the headers and the first event
 * leave in one socket write (one segment: a client in another process gets them in one read, where
 * headers flushed on their own cost it a wake-up and a read of their own), and a stream whose first
 * chunk is not ready still gets its headers at once.
 */
import assert from 'node:assert/strict';
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { writeNodeResponse } from '../../src/http/node-bridge.js';
import { closeServer, GATEWAY_KEY, listen, startGateway, type Gateway } from './gateway-fixture.js';

/**
 * What the server handed the kernel for one request: one entry per socket write (a corked batch is one
 * `_writev`, all of whose chunks leave in one system call).
 */
type SocketWrites = string[];

/** A gateway server recording each response's socket writes. */
function recordingServer(handler: Gateway['handler'], writes: SocketWrites[]) {
  return createServer((request: IncomingMessage, response: ServerResponse) => {
    const socket = response.socket as Socket & {
      _write(chunk: Buffer | string, encoding: string, callback: () => void): void;
      _writev(chunks: Array<{ chunk: Buffer | string }>, callback: () => void): void;
    };
    const recorded: SocketWrites = [];
    writes.push(recorded);
    const write = socket._write;
    const writev = socket._writev;
    socket._write = function (chunk, encoding, callback) {
      recorded.push(String(chunk));
      write.call(this, chunk, encoding, callback);
    };
    socket._writev = function (chunks, callback) {
      recorded.push(chunks.map((item) => String(item.chunk)).join(''));
      writev.call(this, chunks, callback);
    };
    if (!handler.handleNode(request, response)) response.writeHead(404).end();
  });
}

/** POSTs and resolves with the whole answer once it ended. */
async function post(origin: string, path: string, body: unknown): Promise<string> {
  const response = await fetch(`${origin}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${GATEWAY_KEY}`, 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200);
  return response.text();
}

describe('streamed answers through the Node bridge', () => {
  let gateway: Gateway;
  let server: Server;
  let origin: string;
  const writes: SocketWrites[] = [];
  beforeAll(async () => {
    gateway = await startGateway();
    server = recordingServer(gateway.handler, writes);
    origin = await listen(server);
  });
  afterAll(async () => {
    await closeServer(server);
    await gateway.close();
  });

  it('hands the status line, the headers and the first content event to the socket in one write (OpenAI dialect)', async () => {
    writes.length = 0;
    const text = await post(origin, '/v1/chat/completions', {
      model: 'openai/gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hello there' }],
      stream: true,
    });
    assert.match(text, /"content":"[^"]/);
    assert.equal(writes.length, 1);
    const first = writes[0][0];
    assert.match(first, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(first, /\r\ncontent-type: text\/event-stream/i);
    const body = first.slice(first.indexOf('\r\n\r\n') + 4);
    assert.match(body, /data: \{[^\n]*"role":"assistant"/, 'the role chunk');
    assert.match(body, /data: \{[^\n]*"content":"[^"]/, 'the first content chunk');
  });

  it('hands the status line, the headers, message_start and the first text delta to the socket in one write (Anthropic dialect)', async () => {
    writes.length = 0;
    await post(origin, '/v1/messages', {
      model: 'anthropic/claude-sonnet-4',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Hello there' }],
      stream: true,
    });
    assert.equal(writes.length, 1);
    const first = writes[0][0];
    assert.match(first, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(first, /event: message_start\n/);
    assert.match(first, /"type":"text_delta","text":"[^"]/);
  });
});

describe('writeNodeResponse', () => {
  it('flushes the headers on their own when the first chunk is not ready, and sends it when it is', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    async function* chunks(): AsyncGenerator<string> {
      await released;
      yield 'data: first\n\n';
    }
    const server = createServer((_request: IncomingMessage, response: ServerResponse) => {
      void writeNodeResponse(response, {
        status: 200,
        headers: { 'content-type': 'text/event-stream' },
        stream: chunks(),
      });
    });
    const origin = await listen(server);
    try {
      const response = await new Promise<IncomingMessage>((resolve, reject) => {
        const port = Number(new URL(origin).port);
        httpRequest({ host: '127.0.0.1', port, path: '/', headers: { connection: 'close' } }, resolve)
          .on('error', reject)
          .end();
      });
      // The headers arrived while the stream still waits for its first chunk.
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['content-type'], 'text/event-stream');
      response.setEncoding('utf8');
      let body = '';
      response.on('data', (text: string) => (body += text));
      const ended = new Promise<void>((resolve) => response.once('end', () => resolve()));
      release();
      await ended;
      assert.equal(body, 'data: first\n\n');
    } finally {
      await closeServer(server);
    }
  });
});
