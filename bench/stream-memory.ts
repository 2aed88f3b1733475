/**
 * The gateway's own memory per open stream (#20.8): the gateway alone in a child process (the built
 * package's HTTP handler on node:http, `--expose-gc`), this process holding the upstream and the
 * clients. N streams are opened through the gateway and held mid-stream (each has its response headers
 * and a first content chunk at the client, the upstream holds the rest); the child's memory after a full
 * GC is compared with its memory before, idle but warm. Then the streams are released and must all finish.
 *
 *   npm run build && npx tsx bench/stream-memory.ts [--streams 1000]
 *
 * @module
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Agent } from 'undici';

interface Memory {
  heapUsed: number;
  rss: number;
  external: number;
  arrayBuffers: number;
}

const argument = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
};
const STREAMS = argument('streams', 1_000);
const BATCH = 100;

/** A minimal OpenAI-shaped upstream: each stream sends its role and a first content chunk, then waits for `release`. */
let release: () => void = () => undefined;
let held = new Promise<void>((resolve) => (release = resolve));
let upstreamOpen = 0;
const chunk = (
  id: string,
  delta: Record<string, unknown>,
  finish: string | null,
  usage?: Record<string, number>,
): string =>
  `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1_700_000_000, model: 'gpt-4o-mini', choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`;
const upstream = createServer((request: IncomingMessage, response: ServerResponse) => {
  request.resume();
  request.on('end', () => {
    const id = `chatcmpl-${Math.random().toString(36).slice(2)}`;
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    response.write(chunk(id, { role: 'assistant', content: 'Hello' }, null));
    upstreamOpen += 1;
    void held.then(() => {
      response.write(chunk(id, { content: ' world' }, null));
      response.write(chunk(id, {}, 'stop'));
      response.write(chunk(id, {}, null, { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 }));
      response.end('data: [DONE]\n\n');
    });
  });
});
upstream.keepAliveTimeout = 60_000;

async function main(): Promise<void> {
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', () => resolve()));
  const upstreamURL = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const child: ChildProcess = fork(
    fileURLToPath(new URL('./fixtures/gateway-memory-process.ts', import.meta.url)),
    [upstreamURL],
    { execArgv: ['--expose-gc', '--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] },
  );
  const origin = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (data: Buffer) => {
      const match = /listening (\S+)/.exec(data.toString());
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`the gateway process exited (${code})`)));
  });
  const measure = (): Promise<Memory> =>
    new Promise((resolve) => {
      child.once('message', (message) => resolve(message as Memory));
      child.send('measure');
    });
  const clients = new Agent({ connections: STREAMS + 10, keepAliveTimeout: 60_000, bodyTimeout: 0, headersTimeout: 0 });
  let firstChunks = 0;
  const open = async (index: number): Promise<string> => {
    const response = await fetch(`${origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer gw-bench-key-0001', 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'openai/gpt-4o-mini',
        stream: true,
        messages: [{ role: 'user', content: `stream ${index}` }],
      }),
      dispatcher: clients,
    } as RequestInit);
    if (response.status !== 200) throw new Error(`stream ${index}: ${response.status} ${await response.text()}`);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    let counted = false;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (!counted && text.includes('Hello')) {
        counted = true;
        firstChunks += 1;
      }
    }
    return text;
  };
  const waitFor = async (condition: () => boolean, what: string): Promise<void> => {
    const deadline = Date.now() + 300_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  // Opened in batches, each once the one before is streaming: 1,000 connects at once overflow a listen
  // backlog (511 by default), and the SYNs dropped are retried a second or more later.
  const openAll = async (): Promise<{ done: Promise<string[]> }> => {
    const all: Array<Promise<string>> = [];
    for (let start = 0; start < STREAMS; start += BATCH) {
      for (let index = start; index < Math.min(STREAMS, start + BATCH); index += 1) all.push(open(index));
      const reached = Math.min(STREAMS, start + BATCH);
      await waitFor(() => firstChunks >= reached, `${reached} streams`);
      process.stderr.write(`${reached} `);
    }
    return { done: Promise.all(all) };
  };

  // Warm up: the SDK loaded, code compiled, pools built (one round of the same size, then released).
  for (let round = 0; round < 2; round += 1) {
    const warm = await openAll();
    await waitFor(() => firstChunks === STREAMS, 'the warm-up streams');
    release();
    await warm.done;
    firstChunks = 0;
    upstreamOpen = 0;
    held = new Promise<void>((resolve) => (release = resolve));
  }
  const idle = await measure();
  const streams = await openAll();
  await waitFor(() => firstChunks === STREAMS && upstreamOpen === STREAMS, `${STREAMS} open streams`);
  const busy = await measure();
  release();
  const texts = await streams.done;
  const finished = texts.filter((text) => text.includes('world') && text.includes('[DONE]')).length;
  const perStream = (field: keyof Memory): string => `${((busy[field] - idle[field]) / STREAMS / 1024).toFixed(1)} KiB`;
  console.log(`| ${STREAMS} open streams, gateway process alone (after GC) | per stream |`);
  console.log('|---|---|');
  console.log(`| JS heap | ${perStream('heapUsed')} |`);
  console.log(`| external (buffers, sockets) | ${perStream('external')} |`);
  console.log(
    `| heap + external | ${((busy.heapUsed + busy.external - (idle.heapUsed + idle.external)) / STREAMS / 1024).toFixed(1)} KiB |`,
  );
  // RSS is printed, not divided: the warm-up rounds' peak stays mapped, so its difference means little.
  console.log(
    `\nheap ${(idle.heapUsed / 2 ** 20).toFixed(1)} → ${(busy.heapUsed / 2 ** 20).toFixed(1)} MiB, RSS ${(idle.rss / 2 ** 20).toFixed(1)} → ${(busy.rss / 2 ** 20).toFixed(1)} MiB; ${finished} of ${STREAMS} streams finished`,
  );
  await clients.close();
  child.kill();
  upstream.close();
  if (finished !== STREAMS) process.exitCode = 1;
}

await main();
