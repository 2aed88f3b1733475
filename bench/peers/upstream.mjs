// The fake upstream for bench/peers: a minimal OpenAI-compatible `POST /v1/chat/completions` on node:http,
// JSON or SSE (`"stream": true`), always the same small answer, no delay. The same one serves every target.
// Usage: node upstream.mjs PORT (0 for a free one). Prints `listening http://127.0.0.1:PORT`.
// IPC (when spawned with an IPC channel): 'hold' makes new streams send their first content chunk and then
// wait; 'release' finishes every held stream and stops holding; 'count' answers { held } (streams waiting).
import { createServer } from 'node:http';

const ANSWER = ['Hello', ' from', ' the', ' fake', ' upstream.'];
const USAGE = { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 };
let holding = false;
const held = new Set();
let sequence = 0;

function chunk(id, created, model, delta, finishReason, usage) {
  const body = {
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    choices:
      finishReason === undefined && usage
        ? []
        : [{ index: 0, delta, logprobs: null, finish_reason: finishReason ?? null }],
  };
  if (usage) body.usage = usage;
  return `data: ${JSON.stringify(body)}\n\n`;
}

function finishStream(response, id, created, model, includeUsage) {
  for (const piece of ANSWER.slice(1)) response.write(chunk(id, created, model, { content: piece }));
  response.write(chunk(id, created, model, {}, 'stop'));
  if (includeUsage) response.write(chunk(id, created, model, undefined, undefined, USAGE));
  response.end('data: [DONE]\n\n');
}

const server = createServer((request, response) => {
  if (request.method !== 'POST' || !request.url?.endsWith('/chat/completions')) {
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
    return;
  }
  let text = '';
  request.setEncoding('utf8');
  request.on('data', (part) => (text += part));
  request.on('end', () => {
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      response.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"message":"bad JSON"}}');
      return;
    }
    sequence += 1;
    const id = `chatcmpl-fake${sequence}`;
    const created = Math.floor(Date.now() / 1000);
    const model = typeof body.model === 'string' ? body.model : 'gpt-4o-mini';
    if (body.stream !== true) {
      const answer = JSON.stringify({
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: ANSWER.join(''), refusal: null },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage: USAGE,
      });
      response
        .writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) })
        .end(answer);
      return;
    }
    const includeUsage = body.stream_options?.include_usage === true;
    response.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    response.write(chunk(id, created, model, { role: 'assistant', content: '' }));
    response.write(chunk(id, created, model, { content: ANSWER[0] }));
    if (!holding) {
      finishStream(response, id, created, model, includeUsage);
      return;
    }
    const entry = () => finishStream(response, id, created, model, includeUsage);
    held.add(entry);
    response.once('close', () => held.delete(entry));
  });
});
server.keepAliveTimeout = 120_000;
server.headersTimeout = 125_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () =>
  console.log(`listening http://127.0.0.1:${server.address().port}`),
);

process.on('message', (message) => {
  if (message === 'hold') holding = true;
  else if (message === 'release') {
    holding = false;
    for (const finish of [...held]) {
      held.delete(finish);
      finish();
    }
  }
  if (typeof message === 'string') process.send?.({ reply: message, held: held.size });
});
process.on('disconnect', () => process.exit(0));
