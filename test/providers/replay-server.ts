/**
 * Replays vendor responses written from the vendors' API references (the fixtures under
 * test/providers/<vendor>/fixtures/) on a loopback server, so that a provider parses exactly the
 * body a vendor sends, through its official SDK.
 *
 * A fixture is a JSON file:
 * - `{ "reference": url, "response": {...} }`: a JSON answer (HTTP 200);
 * - `{ "reference": url, "format": "sse", "events": [{ "event"?: name, "data": {...} | "[DONE]" }] }`:
 *   a server-sent event stream;
 * - `{ "reference": url, "format": "aws-eventstream", "events": [{ "contentBlockDelta": {...} }] }`:
 *   an AWS event stream (Bedrock ConverseStream), one binary frame per event, typed by its only key.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILT_IN_MODELS } from '../../src/catalog/built-in-models.js';
import type { Pricing } from '../../src/catalog/catalog.js';
import type { UsageEvent } from '../../src/core/events.js';
import { Router } from '../../src/router/router.js';
import type { RouterConfig } from '../../src/router/router-types.js';
import { encodeEventStreamMessage } from '../../src/testing/bedrock-simulator.js';
import type { AssistantMessage, ContentPart, ProviderOptions } from '../../src/core/types.js';

/** A fixture as stored. */
export interface ReplayFixture {
  reference: string;
  notes?: string;
  response?: unknown;
  format?: 'sse' | 'aws-eventstream';
  events?: Array<Record<string, unknown>>;
}

/** A request the replay server received. */
export interface ReplayedRequest {
  method: string;
  path: string;
  body: unknown;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Reads `test/providers/<vendor>/fixtures/<name>.json`. */
export function loadFixture(vendor: string, name: string): ReplayFixture {
  return JSON.parse(readFileSync(join(here, vendor, 'fixtures', `${name}.json`), 'utf8')) as ReplayFixture;
}

function render(fixture: ReplayFixture): { contentType: string; body: string | Buffer } {
  if (fixture.format === 'sse') {
    const text = (fixture.events ?? [])
      .map(
        (entry) =>
          `${typeof entry.event === 'string' ? `event: ${entry.event}\n` : ''}data: ${typeof entry.data === 'string' ? entry.data : JSON.stringify(entry.data)}\n\n`,
      )
      .join('');
    return { contentType: 'text/event-stream', body: text };
  }
  if (fixture.format === 'aws-eventstream') {
    const frames = (fixture.events ?? []).map((entry) => {
      const [type, payload] = Object.entries(entry)[0];
      return encodeEventStreamMessage(
        { ':event-type': type, ':content-type': 'application/json', ':message-type': 'event' },
        JSON.stringify(payload),
      );
    });
    return { contentType: 'application/vnd.amazon.eventstream', body: Buffer.concat(frames) };
  }
  return { contentType: 'application/json', body: JSON.stringify(fixture.response) };
}

/**
 * A loopback server that answers each request with the next queued fixture (a request with none
 * queued gets a 500).
 *
 * @example
 * ```ts
 * const replay = await startReplayServer();
 * replay.queue(loadFixture('xai', 'reasoning-chat'));
 * ```
 */
export async function startReplayServer(): Promise<{
  baseURL: string;
  requests: ReplayedRequest[];
  queue(...fixtures: ReplayFixture[]): void;
  close(): Promise<void>;
}> {
  const pending: ReplayFixture[] = [];
  const requests: ReplayedRequest[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON: kept as text
      }
      requests.push({ method: request.method ?? 'GET', path: request.url ?? '/', body });
      const fixture = pending.shift();
      if (!fixture) {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: { message: 'no fixture queued' } }));
        return;
      }
      const { contentType, body: payload } = render(fixture);
      response.writeHead(200, {
        'content-type': contentType,
        'x-amzn-requestid': 'replay-request-id',
        'request-id': 'req_replay',
      });
      response.end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}`,
    requests,
    queue: (...fixtures) => pending.push(...fixtures),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A router with one provider instance (named as in the built-in catalog) and the built-in catalog's
 * prices, recording its usage events.
 *
 * @example
 * ```ts
 * const { router, usage } = replayRouter({ xai: { type: 'xai', apiKey: 'xai-test', baseURL: `${replay.baseURL}/v1` } });
 * ```
 */
export function replayRouter(providers: RouterConfig['providers']): { router: Router; usage: UsageEvent[] } {
  const usage: UsageEvent[] = [];
  // A generous attempt timeout: a vendor SDK's first import alone can take seconds on a loaded machine.
  const router = new Router({
    providers,
    retry: { maxRetries: 0, initialDelayMs: 10, maxDelayMs: 50 },
    attemptTimeoutMs: 120_000,
  });
  router.on('usage', (event) => {
    usage.push(event);
  });
  return { router, usage };
}

/** The list price of an offering in the built-in catalog (to show which price a cost was checked against). */
export function listPrice(provider: string, providerModelId: string): Pricing {
  for (const model of BUILT_IN_MODELS) {
    const offering = model.offerings.find(
      (candidate) => candidate.provider === provider && candidate.providerModelId === providerModelId,
    );
    if (offering) return offering.pricing;
  }
  throw new Error(`no built-in offering ${provider} ${providerModelId}`);
}

/**
 * The assistant message that sends a result back, as the AI SDK builds it: each part's provider
 * metadata becomes its provider options (so a thinking signature goes back with its thinking).
 */
export function assistantMessage(content: readonly ContentPart[]): AssistantMessage {
  const parts: AssistantMessage['content'] = [];
  for (const part of content) {
    const metadata = 'providerMetadata' in part ? part.providerMetadata : undefined;
    const options = metadata ? { providerOptions: metadata as ProviderOptions } : {};
    if (part.type === 'text' || part.type === 'reasoning') parts.push({ type: part.type, text: part.text, ...options });
    else if (part.type === 'tool-call')
      parts.push({
        type: 'tool-call',
        toolCallId: part.toolCallId,
        toolName: part.toolName,
        input: JSON.parse(part.input) as unknown,
        ...options,
      });
  }
  return { role: 'assistant', content: parts };
}
