import OpenAI from 'openai';
import http from 'node:http';
import { Readable } from 'node:stream';
import { createOpenAISimulator } from '/work/main/src/testing/openai-simulator.js';
const simulator = createOpenAISimulator();
const baseURL = `${await simulator.start()}/v1`;
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const nodeFetch = (input: any, init: any = {}): Promise<Response> => new Promise((resolve, reject) => {
  const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
  const headers: Record<string, string> = {};
  new Headers(init.headers).forEach((v, k) => { headers[k] = v; });
  const req = http.request(url, { method: init.method ?? 'GET', headers, agent, signal: init.signal }, (res) => {
    const h = new Headers();
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
    const noBody = res.statusCode === 204 || res.statusCode === 304;
    resolve(new Response(noBody ? null : (Readable.toWeb(res) as any), { status: res.statusCode, headers: h }));
  });
  req.on('error', reject);
  req.end(init.body);
});
const a = new OpenAI({ apiKey: 'sk', baseURL, maxRetries: 0 });
const b = new OpenAI({ apiKey: 'sk', baseURL, maxRetries: 0, fetch: nodeFetch as any });
const messages = [{ role: 'user' as const, content: 'Measure the overhead of the gateway please' }];
async function bench(name: string, fn: () => Promise<unknown>, n = 3000) {
  for (let i = 0; i < 300; i++) await fn();
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  console.log(name, (Number(process.hrtime.bigint() - t) / 1e3 / n).toFixed(1), 'µs/op');
}
async function conc(name: string, fn: () => Promise<unknown>, n = 4000) {
  const t = process.hrtime.bigint(); let i = 0;
  await Promise.all(Array.from({length: 32}, async () => { while (i++ < n) await fn(); }));
  console.log(name, 'c32', (n / (Number(process.hrtime.bigint() - t) / 1e9)).toFixed(0), 'req/s');
}
const raw = () => fetch(baseURL + '/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer sk' }, body: JSON.stringify({ model: 'gpt-4o-mini', messages }) }).then(r => r.json());
for (let r = 0; r < 2; r++) {
  await bench('raw fetch', raw);
  await bench('sdk undici', () => a.chat.completions.create({ model: 'gpt-4o-mini', messages }));
  await bench('sdk node:http', () => b.chat.completions.create({ model: 'gpt-4o-mini', messages }));
  await conc('sdk undici', () => a.chat.completions.create({ model: 'gpt-4o-mini', messages }));
  await conc('sdk node:http', () => b.chat.completions.create({ model: 'gpt-4o-mini', messages }));
}
await simulator.close();
