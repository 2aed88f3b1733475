import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import OpenAI from 'openai';
import {
  ATTEMPT_ABORT,
  nodeFetch,
  transportSignalOptions,
  withTransportDeadline,
  type TransportAbort,
} from '../../../src/providers/shared/node-fetch.js';
import { waitFor } from '../../helpers/wait-for.js';

/**
 * With a streaming body in progress: calls `abort`, and checks that the body then fails (within a
 * second, not by running on) and that the server saw its connection close.
 */
async function expectAbortMidStream(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  abort: () => void,
  closed: string[],
): Promise<void> {
  closed.length = 0;
  abort();
  const drained = (async () => {
    for (;;) if ((await reader.read()).done) return 'ended';
  })();
  // The server trickles for far longer than this bound: a stream that runs on was not aborted.
  const stillFlowing = new Promise((resolve) => setTimeout(resolve, 10_000, 'still flowing'));
  await assert.rejects(
    Promise.race([
      drained,
      stillFlowing.then((outcome) => assert.fail(`the stream was ${outcome} ten seconds after the abort`)),
    ]),
  );
  await waitFor(() => closed.length > 0);
  assert.deepEqual(closed, ['slow-stream'], 'the server saw the connection close');
  await reader.cancel().catch(() => undefined);
}

describe('nodeFetch', () => {
  let server: Server;
  let origin: string;
  const closed: string[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.url === '/slow-stream') {
          response.writeHead(200, { 'content-type': 'text/event-stream' });
          response.write('data: 1\n\n');
          const timer = setInterval(() => response.write('data: more\n\n'), 20);
          response.on('close', () => {
            clearInterval(timer);
            closed.push('slow-stream');
          });
          return;
        }
        if (request.url === '/hang') return; // never answers
        if (request.url === '/slow-json') {
          response.writeHead(200, { 'content-type': 'application/json' });
          response.write('{"slow":');
          setTimeout(() => response.end('true}'), 150);
          return;
        }
        if (request.url === '/empty') {
          response.writeHead(204).end();
          return;
        }
        response.writeHead(201, {
          'content-type': 'application/json',
          'x-echo-header': String(request.headers['x-test'] ?? ''),
          'set-cookie': ['a=1', 'b=2'],
        });
        response.end(JSON.stringify({ method: request.method, body: Buffer.concat(chunks).toString('utf8') }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends method, headers and string or byte bodies, and returns status, headers and body', async () => {
    const response = await nodeFetch(`${origin}/echo`, { method: 'POST', headers: { 'X-Test': 'yes' }, body: 'hello' });
    assert.equal(response.status, 201);
    assert.equal(response.headers.get('x-echo-header'), 'yes');
    assert.equal(response.url, `${origin}/echo`);
    assert.deepEqual(await response.json(), { method: 'POST', body: 'hello' });
    const bytes = await nodeFetch(new URL(`${origin}/echo`), {
      method: 'PUT',
      headers: new Headers({ 'x-test': 'h' }),
      body: new TextEncoder().encode('bytes'),
    });
    assert.deepEqual(await bytes.json(), { method: 'PUT', body: 'bytes' });
  });

  it('writes the headers node:http would add itself: host, content-length, keep-alive, basic auth from the URL', async () => {
    const seen: string[][] = [];
    const echo = createServer((request, response) => {
      seen.push(request.rawHeaders);
      request.resume();
      request.on('end', () => response.end('{}'));
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    const port = (echo.address() as AddressInfo).port;
    try {
      await (
        await nodeFetch(`http://127.0.0.1:${port}/a`, {
          method: 'post',
          headers: { 'X-Test': 'yes', 'x-test': 'last wins' },
          body: 'héllo',
        })
      ).text();
      await (await nodeFetch(`http://user:p%40ss@localhost:${port}/b`, { method: 'POST' })).text();
      await (
        await nodeFetch(`http://127.0.0.1:${port}/c`, { headers: { host: 'example.test', authorization: 'Bearer k' } })
      ).text();
      const [posted, empty, got] = seen.map((raw) => {
        const headers: Record<string, string> = {};
        for (let index = 0; index < raw.length; index += 2) headers[raw[index].toLowerCase()] = raw[index + 1];
        return headers;
      });
      assert.deepEqual(posted, {
        'x-test': 'last wins',
        host: `127.0.0.1:${port}`,
        'content-length': '6',
        connection: 'keep-alive',
      });
      assert.deepEqual(empty, {
        host: `localhost:${port}`,
        authorization: `Basic ${Buffer.from('user:p@ss').toString('base64')}`,
        'content-length': '0',
        connection: 'keep-alive',
      });
      assert.deepEqual(got, { host: 'example.test', authorization: 'Bearer k', connection: 'keep-alive' });
    } finally {
      await new Promise<void>((resolve) => echo.close(() => resolve()));
    }
  });

  it('answers 204 with no body', async () => {
    const response = await nodeFetch(`${origin}/empty`);
    assert.equal(response.status, 204);
    assert.equal(await response.text(), '');
  });

  it('hands bodies it does not handle to the global fetch', async () => {
    const stream = new ReadableStream({
      start: (controller) => {
        controller.enqueue(new TextEncoder().encode('streamed'));
        controller.close();
      },
    });
    const response = await nodeFetch(`${origin}/echo`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    assert.deepEqual(await response.json(), { method: 'POST', body: 'streamed' });
  });

  it('rejects at once for an aborted signal, and aborts a body in progress', async () => {
    await assert.rejects(nodeFetch(`${origin}/echo`, { signal: AbortSignal.abort() }));
    const controller = new AbortController();
    const reader = (await nodeFetch(`${origin}/slow-stream`, { signal: controller.signal })).body!.getReader();
    await reader.read();
    await expectAbortMidStream(reader, () => controller.abort(), closed);
  });

  it('reads the headers a fetch Response has, case-insensitively, with set-cookie kept apart', async () => {
    const response = await nodeFetch(`${origin}/echo`, { method: 'POST', body: 'x' });
    assert.equal(response.ok, true);
    assert.equal(response.headers.get('Content-Type'), 'application/json');
    assert.equal(response.headers.has('X-ECHO-HEADER'), true);
    assert.equal(response.headers.get('missing'), null);
    assert.deepEqual(response.headers.getSetCookie(), ['a=1', 'b=2']);
    const entries: [string, string][] = [];
    response.headers.forEach((value, key) => entries.push([key, value]));
    assert.deepEqual(
      entries.filter(([key]) => key === 'set-cookie'),
      [
        ['set-cookie', 'a=1'],
        ['set-cookie', 'b=2'],
      ],
    );
    assert.deepEqual(
      entries.map(([key]) => key),
      [...entries.map(([key]) => key)].sort(),
      'in name order, as fetch iterates',
    );
    assert.throws(() => response.headers.set('x', 'y'), TypeError);
  });

  it('reads a body once, like fetch, and clones it before it is read', async () => {
    const response = await nodeFetch(`${origin}/echo`, { method: 'POST', body: 'once' });
    const copy = response.clone();
    assert.equal(response.bodyUsed, false);
    assert.deepEqual(JSON.parse(await response.text()), { method: 'POST', body: 'once' });
    assert.equal(response.bodyUsed, true);
    await assert.rejects(response.text(), TypeError);
    assert.throws(() => response.clone(), TypeError);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(await copy.arrayBuffer())), { method: 'POST', body: 'once' });
  });

  it('gives a web stream as the body when one is asked for', async () => {
    const response = await nodeFetch(`${origin}/echo`, { method: 'POST', body: 'streamed body' });
    const reader = response.body!.getReader();
    const chunks: Uint8Array[] = [];
    for (let part = await reader.read(); !part.done; part = await reader.read()) chunks.push(part.value);
    assert.deepEqual(JSON.parse(Buffer.concat(chunks).toString('utf8')), { method: 'POST', body: 'streamed body' });
    assert.equal(response.bodyUsed, true);
    assert.equal((await nodeFetch(`${origin}/empty`)).body, null, 'a 204 has no body');
  });

  it('aborts a body in progress when the transport signal an SDK passed on in fetchOptions fires', async () => {
    const controller = new AbortController();
    const client = new OpenAI({ apiKey: 'sk-test', fetch: nodeFetch });
    const options = transportSignalOptions(client, controller.signal);
    assert.ok('fetchOptions' in options, 'a client on nodeFetch gets the signal through fetchOptions');
    assert.deepEqual(
      transportSignalOptions(new OpenAI({ apiKey: 'sk-test' }), controller.signal),
      { signal: controller.signal },
      'any other client gets it as signal',
    );
    const reader = (
      await nodeFetch(`${origin}/slow-stream`, { signal: new AbortController().signal, ...options.fetchOptions })
    ).body!.getReader();
    await reader.read();
    await expectAbortMidStream(reader, () => controller.abort(new Error('attempt timed out')), closed);
    const abortedAlready = transportSignalOptions(client, AbortSignal.abort(new Error('gone')));
    assert.ok('fetchOptions' in abortedAlready);
    await assert.rejects(nodeFetch(`${origin}/echo`, abortedAlready.fetchOptions), /gone/);
  });

  it("follows a provider call's attempt abort without building an AbortSignal", async () => {
    const listeners = new Set<() => void>();
    const attempt: TransportAbort & { fire(reason: unknown): void } = {
      aborted: false,
      reason: undefined,
      get signal(): AbortSignal {
        throw new Error('no AbortSignal should be built');
      },
      listen: (listener) => void listeners.add(listener),
      unlisten: (listener) => void listeners.delete(listener),
      fire(reason) {
        Object.assign(this, { aborted: true, reason });
        for (const listener of listeners) listener();
      },
    };
    const call = {
      [ATTEMPT_ABORT]: attempt,
      get abortSignal(): AbortSignal {
        throw new Error('the call signal should not be read');
      },
    };
    const options = transportSignalOptions(new OpenAI({ apiKey: 'sk-test', fetch: nodeFetch }), call);
    assert.ok('fetchOptions' in options);
    const answered = await nodeFetch(`${origin}/echo`, { method: 'POST', body: 'x', ...options.fetchOptions });
    assert.equal(answered.status, 201);
    assert.equal(listeners.size, 0, 'it stops listening once the response is complete');
    const reader = (
      await nodeFetch(`${origin}/slow-stream`, { method: 'POST', body: 'x', ...options.fetchOptions })
    ).body!.getReader();
    await reader.read();
    await expectAbortMidStream(reader, () => attempt.fire(new Error('attempt timed out')), closed);
    await assert.rejects(
      nodeFetch(`${origin}/echo`, { method: 'POST', body: 'x', ...options.fetchOptions }),
      /attempt timed out/,
      'an aborted attempt fails at once',
    );
  });

  it('rejects with a TimeoutError when the deadline passes before the response (a JSON body included)', async () => {
    const started = performance.now();
    await assert.rejects(
      nodeFetch(`${origin}/hang`, withTransportDeadline({ method: 'POST', body: 'x' }, 80, new AbortController())),
      (error: unknown) =>
        error instanceof DOMException && error.name === 'TimeoutError' && /timed out after 80 ms/.test(error.message),
    );
    assert.ok(performance.now() - started < 1000);
    await assert.rejects(
      nodeFetch(`${origin}/slow-json`, withTransportDeadline({}, 60, new AbortController())),
      /timed out/,
      'a JSON body still arriving counts',
    );
    const inTime = await nodeFetch(`${origin}/slow-json`, withTransportDeadline({}, 2000, new AbortController()));
    assert.deepEqual(await inTime.json(), { slow: true });
  });

  it('keeps an event stream past the deadline once it has started, and stops it when the controller aborts', async () => {
    closed.length = 0;
    const controller = new AbortController();
    // A deadline the headers beat even on a busy machine; then parts are read until twice the deadline.
    const deadlineMs = 1_500;
    const startedAt = Date.now();
    const response = await nodeFetch(
      `${origin}/slow-stream`,
      withTransportDeadline({ method: 'POST', body: 'x' }, deadlineMs, controller),
    );
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let afterDeadline = '';
    while (Date.now() < startedAt + 2 * deadlineMs || afterDeadline.split('data: more').length <= 3) {
      const { value, done } = await reader.read();
      assert.ok(!done, 'the stream went on past the deadline');
      const text = decoder.decode(value);
      if (Date.now() > startedAt + deadlineMs) afterDeadline += text;
    }
    await expectAbortMidStream(reader, () => controller.abort(), closed);
  });

  it('fails like fetch when the server cannot be reached', async () => {
    await assert.rejects(
      nodeFetch('http://127.0.0.1:9/unreachable'),
      (error: unknown) => error instanceof TypeError && /fetch failed/.test(error.message),
    );
  });
});

describe('nodeFetch with a body cut off midway', () => {
  it('rejects instead of returning half a JSON body', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      response.write('{"partial":');
      setTimeout(() => response.socket?.destroy(), 20);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      await assert.rejects(nodeFetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`), TypeError);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
