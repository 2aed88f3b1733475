/**
 * What a client outside the gateway sees of a stream's start: a raw keep-alive socket in this process, the
 * simulator and the gateway (Express middleware, and a node:http listener in front of Express) in processes of
 * their own. Per target: time to the headers, to the first content event (the first `data:` with text), and
 * how many streams' first read held the status line and the first content event together.
 *
 *   npx tsup --silent && npx tsx bench/stream-first-read.ts [streams, default 1000]
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';

async function startChild(script: string, args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve) => {
    let out = '';
    child.stdout?.on('data', (c: Buffer) => {
      out += c;
      const m = /^listening (http:\/\/\S+)$/m.exec(out);
      if (m) resolve(m[1]);
    });
  });
  return { child, url: new URL(url) };
}

class Client {
  socket!: Socket;
  buffer = '';
  waiter?: (s: string) => void;
  reads = 0;
  constructor(private url: URL) {}
  async open() {
    this.socket = connect(Number(this.url.port), this.url.hostname);
    this.socket.setNoDelay(true);
    this.socket.setEncoding('latin1');
    await new Promise((r) => this.socket.once('connect', r));
    this.socket.on('data', (d: string) => {
      this.reads++;
      this.buffer += d;
      this.onData?.(d);
    });
  }
  onData?: (d: string) => void;
  // one streamed request; returns {headersMs, contentMs, firstReadHadContent}
  request(
    path: string,
    body: string,
    auth: string,
  ): Promise<{ headersMs: number; contentMs: number; firstRead: string; reads: number }> {
    return new Promise((resolve) => {
      this.buffer = '';
      this.reads = 0;
      let headersMs = -1,
        contentMs = -1,
        firstRead = '';
      const started = performance.now();
      this.onData = (d) => {
        const now = performance.now() - started;
        if (!firstRead) firstRead = d;
        if (headersMs < 0 && this.buffer.includes('\r\n\r\n')) headersMs = now;
        if (contentMs < 0 && /"content":"[^"]/.test(this.buffer)) contentMs = now;
        if (this.buffer.includes('data: [DONE]') && this.buffer.endsWith('0\r\n\r\n')) {
          this.onData = undefined;
          resolve({ headersMs, contentMs, firstRead, reads: this.reads });
        }
      };
      this.socket.write(
        `POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nauthorization: Bearer ${auth}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
  }
}

const sim = await startChild('bench/fixtures/simulator-process.ts', []);
const gw = await startChild('bench/fixtures/gateway-process.ts', [sim.url.href.replace(/\/$/, '')]);
const front = await startChild('bench/fixtures/gateway-process.ts', [sim.url.href.replace(/\/$/, ''), 'front']);
const messages = [{ role: 'user', content: 'Measure the overhead of the gateway please' }];
const targets = [
  {
    name: 'direct',
    url: sim.url,
    body: JSON.stringify({ model: 'gpt-4o-mini', messages, stream: true }),
    auth: 'sk-bench-000000',
  },
  {
    name: 'express',
    url: gw.url,
    body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages, stream: true }),
    auth: 'gw-bench-key-0001',
  },
  {
    name: 'front',
    url: front.url,
    body: JSON.stringify({ model: 'openai/gpt-4o-mini', messages, stream: true }),
    auth: 'gw-bench-key-0001',
  },
];
const clients = await Promise.all(
  targets.map(async (t) => {
    const c = new Client(t.url);
    await c.open();
    return c;
  }),
);
const N = Number(process.argv[2] ?? 1000);
const results = targets.map(() => ({ h: [] as number[], c: [] as number[], sameRead: 0, reads: [] as number[] }));
for (let i = 0; i < N + 200; i++) {
  for (let o = 0; o < targets.length; o++) {
    const k = (i + o) % targets.length;
    const r = await clients[k].request('/v1/chat/completions', targets[k].body, targets[k].auth);
    if (i < 200) continue;
    results[k].h.push(r.headersMs);
    results[k].c.push(r.contentMs);
    results[k].reads.push(r.reads);
    if (/"content":"[^"]/.test(r.firstRead) && r.firstRead.startsWith('HTTP/1.1')) results[k].sameRead++;
  }
}
const p = (v: number[], q: number) => {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
};
for (let k = 0; k < targets.length; k++) {
  const r = results[k];
  console.log(
    `${targets[k].name}: headers p50 ${p(r.h, 0.5).toFixed(3)} content p50 ${p(r.c, 0.5).toFixed(3)} content p90 ${p(r.c, 0.9).toFixed(3)} first read has status+content ${r.sameRead}/${N} reads p50 ${p(r.reads, 0.5)}`,
  );
}
console.log('first read example (express):');
console.log(
  JSON.stringify(
    (await clients[1].request('/v1/chat/completions', targets[1].body, targets[1].auth)).firstRead.slice(0, 600),
  ),
);
for (const c of clients) c.socket.destroy();
sim.child.kill();
gw.child.kill();
front.child.kill();
