/**
 * A soak of `nodeFetch` over keep-alive: many requests at a fixed concurrency against loopback
 * servers that close idle sockets at varying times and answer with bodies of varying sizes (JSON,
 * and event streams written in one go), counting the responses the servers wrote against the
 * responses the client was handed whole. The bar is zero lost: a response a server wrote in full
 * must reach the caller, not time out.
 *
 *   npm run soak [-- --requests 100000 --concurrency 32 --timeout-ms 1000]
 *
 * @module
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { nodeFetch, withTransportDeadline } from '../src/providers/shared/node-fetch.js';
import { seededRandom as random } from '../test/helpers/candidates.js';

/** What {@link runTransportSoak} runs. */
export interface TransportSoakOptions {
  requests: number;
  concurrency: number;
  /** Each request's deadline, as an attempt timeout would set it. */
  timeoutMs: number;
  /** How many servers (origins); each closes idle sockets after its own keep-alive timeout. */
  servers?: number;
  /** Seed of the request mix, so that a failing run can be repeated. */
  seed?: number;
  /** Called every 100 requests done, with how many are. */
  onProgress?: (done: number) => void;
}

/** What {@link runTransportSoak} counted. */
export interface TransportSoakReport {
  /** Responses the servers wrote in full (their `end` callback ran). */
  written: number;
  /** Responses the client read whole, with the right body. */
  delivered: number;
  /**
   * Requests that failed before their server wrote a response (a socket closed under a request on the way): retryable.
   */
  failedUnwritten: number;
  /** Responses written in full that never reached the client whole: the defect this soak looks for. */
  lost: Array<{ id: number; server: string; timing: string; error: string }>;
  /** Responses written in full only in the last tenth of their request's deadline, and not read in time. */
  late: Array<{ id: number; server: string; timing: string; error: string }>;
  elapsedMs: number;
}

/** The body size of request `id`: mostly small, some tens of KiB, a few past 64 KiB. */
function sizeOf(id: number): number {
  const roll = (id * 2654435761) % 1000;
  if (roll < 700) return 20 + (roll % 400);
  if (roll < 950) return 1_000 + roll * 40;
  return 60_000 + roll * 100;
}

function bodyOf(id: number, stream: boolean): string {
  const fill = 'x'.repeat(sizeOf(id));
  if (stream) return `data: {"id":${id},"fill":"${fill}"}\n\ndata: [DONE]\n\n`;
  return `{"id":${id},"fill":"${fill}"}`;
}

/** Reads a body part by part, yielding to the event loop between parts (a reader that falls behind). */
async function readSlowly(response: Response): Promise<string> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (let part = await reader.read(); !part.done; part = await reader.read()) {
    text += decoder.decode(part.value, { stream: true });
    await new Promise((resolve) => setImmediate(resolve));
  }
  return text + decoder.decode();
}

/**
 * Runs the soak and resolves with what it counted. Starts and stops its own servers.
 *
 * @example
 * ```ts
 * const report = await runTransportSoak({ requests: 5_000, concurrency: 32, timeoutMs: 1_000 });
 * assert.equal(report.lost.length, 0);
 * ```
 */
export async function runTransportSoak(options: TransportSoakOptions): Promise<TransportSoakReport> {
  const next = random(options.seed ?? 1);
  /** When each response was written in full. */
  const written = new Map<number, number>();
  const started = new Map<number, number>();
  const received = new Map<number, number>();
  const servers: Server[] = [];
  const origins: string[] = [];
  const serverCount = options.servers ?? 10;
  for (let index = 0; index < serverCount; index += 1) {
    // Idle sockets close at a different time on each server, from at once to a hundred ms, without a
    // `Keep-Alive: timeout` header to warn (as a load balancer does), some ending the socket, some destroying it.
    const idleMs = [0, 1, 5, 20, 100][index % 5];
    const destroy = index % 2 === 1;
    const server = createServer((request, response) => {
      const url = request.url ?? '/';
      const id = Number(url.slice(url.lastIndexOf('/') + 1));
      const stream = url.startsWith('/stream/');
      received.set(id, performance.now());
      const socket = request.socket as Socket & { soakRequests?: number };
      const seen = (socket.soakRequests = (socket.soakRequests ?? 0) + 1);
      request.resume();
      request.on('end', () => {
        const body = bodyOf(id, stream);
        const headers: Record<string, string> = { 'content-type': stream ? 'text/event-stream' : 'application/json' };
        // Some answers close the connection after them; some have no length (chunked).
        if (id % 17 === 0) headers.connection = 'close';
        if (!stream && id % 3 !== 0) headers['content-length'] = String(Buffer.byteLength(body));
        response.writeHead(200, headers);
        response.end(body, () => {
          written.set(id, performance.now());
          const closeIfIdle = (): void => {
            if (socket.soakRequests !== seen || socket.destroyed) return;
            if (destroy) socket.destroy();
            else socket.end();
          };
          if (idleMs === 0) setImmediate(closeIfIdle);
          else setTimeout(closeIfIdle, idleMs);
        });
      });
    });
    server.keepAliveTimeout = 0; // no header; the server closes idle sockets itself (above)
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    origins.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }
  let delivered = 0;
  let failedUnwritten = 0;
  const failed: Array<{ id: number; server: string; timing: string; error: string }> = [];
  let issued = 0;
  const startedAt = performance.now();
  let done = 0;
  const worker = async (): Promise<void> => {
    while (issued < options.requests) {
      const id = issued;
      issued += 1;
      const stream = next() < 0.3;
      const serverIndex = Math.floor(next() * origins.length);
      const origin = origins[serverIndex];
      // Now and then a worker idles, so that sockets go idle around each server's keep-alive timeout.
      const idle = next();
      if (idle < 0.05) await new Promise((resolve) => setTimeout(resolve, Math.floor(idle * 1000)));
      started.set(id, performance.now());
      try {
        const response = await nodeFetch(
          `${origin}/${stream ? 'stream' : 'json'}/${id}`,
          withTransportDeadline(
            { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"id":${id}}` },
            options.timeoutMs,
            new AbortController(),
          ),
        );
        // Some streams are read slowly, part by part, so that the transport pauses the upstream at every kind of point.
        const text = stream && next() < 0.5 ? await readSlowly(response) : await response.text();
        if (text !== bodyOf(id, stream)) throw new Error(`wrong body (${text.length} bytes)`);
        delivered += 1;
      } catch (error) {
        const at = (times: Map<number, number>): string =>
          times.has(id) ? `${Math.round(times.get(id)! - started.get(id)!)} ms` : 'never';
        failed.push({
          id,
          timing: `received ${at(received)}, written ${at(written)}`,
          server: `idle ${[0, 1, 5, 20, 100][serverIndex % 5]} ms, ${serverIndex % 2 === 1 ? 'destroy' : 'end'}, ${stream ? 'stream' : 'json'} ${sizeOf(id)}`,
          error:
            error instanceof Error
              ? `${error.name}: ${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}`
              : String(error),
        });
      }
      done += 1;
      if (done % 100 === 0) options.onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const elapsedMs = performance.now() - startedAt;
  // A response counts as written once its server's end callback ran; give the last ones a moment.
  await new Promise((resolve) => setTimeout(resolve, 50));
  // A response written in full well before its request's deadline (a tenth of it) that never arrived is lost;
  // one written at the last moment, on a machine too busy to read it in time, is late.
  const lost = failed.filter(
    (failure) => (written.get(failure.id) ?? Infinity) < (started.get(failure.id) ?? 0) + options.timeoutMs * 0.9,
  );
  const late = failed.filter((failure) => written.has(failure.id) && !lost.includes(failure));
  failedUnwritten = failed.length - lost.length - late.length;
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  return { written: written.size, delivered, failedUnwritten, lost, late, elapsedMs };
}

const isMain =
  process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/').split('/').pop() ?? '');
if (isMain) {
  const option = (name: string, fallback: number): number => {
    const at = process.argv.indexOf(`--${name}`);
    return at > 0 ? Number(process.argv[at + 1]) : fallback;
  };
  const progress = process.argv.includes('--progress');
  const report = await runTransportSoak({
    requests: option('requests', 100_000),
    concurrency: option('concurrency', 32),
    timeoutMs: option('timeout-ms', 1_000),
    seed: option('seed', 1),
    servers: option('servers', 10),
    onProgress: progress ? (done) => console.log(`progress ${done}`) : undefined,
  });
  console.log(
    `${report.written} responses written, ${report.delivered} delivered, ${report.lost.length} lost, ${report.late.length} late, ${report.failedUnwritten} failed before a response was written, in ${(report.elapsedMs / 1000).toFixed(1)} s`,
  );
  for (const each of report.lost.slice(0, 20))
    console.log(`  lost #${each.id} (${each.server}; ${each.timing}): ${each.error}`);
  for (const each of report.late.slice(0, 5))
    console.log(`  late #${each.id} (${each.server}; ${each.timing}): ${each.error}`);
  if (progress)
    console.log(
      `report ${JSON.stringify({ written: report.written, delivered: report.delivered, lost: report.lost, late: report.late.length, failedUnwritten: report.failedUnwritten })}`,
    );
  process.exit(report.lost.length === 0 ? 0 : 1);
}
