/**
 * A Next.js app set up as the README's Next section says (App Router and Pages Router routes, no
 * `serverExternalPackages`, only `openai` and `@anthropic-ai/sdk` of the vendor SDKs installed)
 * builds with `next build` under Turbopack and under webpack, with no gateway key or vendor key in
 * the build's environment, and then serves requests through `next start` to switchyard's simulators.
 *
 * Slow (installs Next from the npm registry once per run, two production builds): runs under
 * `npm run test:package` (SWITCHYARD_PACKAGE_TESTS=1), which hands it the tarball `npm pack` made
 * from a clean copy of the repository (SWITCHYARD_TARBALL). No request leaves the machine but the
 * install: the routes' providers point at loopback simulators and Next's telemetry is off.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createAnthropicSimulator, createOpenAISimulator } from '../../src/testing/index.js';
import { waitFor } from '../helpers/wait-for.js';
import { PACKAGE_TESTS, packTarball, ROOT, run, scratchDirectory } from './tarball.js';

const NEXT_VERSION = process.env.SWITCHYARD_NEXT_VERSION ?? '16.4.6';
const GATEWAY_KEY = 'gw-next-build-key-0001';
const MINUTES = 60_000;

function installedVersion(name: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
    .version;
}

/** The environment of a CI build: no runtime secrets, no vendor keys, no telemetry. */
function buildEnvironment(): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
  for (const name of Object.keys(environment)) {
    if (/API_KEY|_TOKEN|SECRET|^AWS_|^GOOGLE_|^SIMULATED_|^NODE_OPTIONS$|^NODE_ENV$|^SWITCHYARD_/.test(name))
      delete environment[name];
  }
  return environment;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe(`a Next.js app using switchyard/next${PACKAGE_TESTS ? ` (skipped: ${PACKAGE_TESTS})` : ''}`, {
  skip: Boolean(PACKAGE_TESTS),
}, () => {
  const openai = createOpenAISimulator();
  const anthropic = createAnthropicSimulator();
  let app: string;
  let openaiURL: string;
  let anthropicURL: string;

  beforeAll(async () => {
    openaiURL = await openai.start();
    anthropicURL = await anthropic.start();
    const tarball = process.env.SWITCHYARD_TARBALL ?? packTarball({ fromCleanClone: true });
    app = scratchDirectory('next-app');
    cpSync(join(ROOT, 'test', 'package', 'fixtures', 'next-app'), app, { recursive: true });
    const dependencies = {
      next: NEXT_VERSION,
      react: '^19.2.0',
      'react-dom': '^19.2.0',
      typescript: installedVersion('typescript'),
      '@types/node': '^20.19.0',
      '@types/react': '^19.2.0',
      openai: installedVersion('openai'),
      '@anthropic-ai/sdk': installedVersion('@anthropic-ai/sdk'),
      switchyard: `file:${tarball}`,
    };
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'next-app', private: true, dependencies }, null, 2),
    );
    writeFileSync(join(app, 'next.config.mjs'), 'export default {};\n'); // no serverExternalPackages
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, env: buildEnvironment() });
  }, 10 * MINUTES);

  afterAll(async () => {
    await openai.close();
    await anthropic.close();
    if (app) rmSync(app, { recursive: true, force: true });
  });

  for (const bundler of ['turbopack', 'webpack'] as const) {
    it(`builds with ${bundler} without runtime secrets, and serves App and Pages routes through next start`, {
      timeout: 12 * MINUTES,
    }, async () => {
      rmSync(join(app, '.next'), { recursive: true, force: true });
      const next = join(app, 'node_modules', 'next', 'dist', 'bin', 'next');
      const build = run(process.execPath, [next, 'build', ...(bundler === 'webpack' ? ['--webpack'] : [])], {
        cwd: app,
        env: buildEnvironment(),
      });
      const output = build.stdout + build.stderr;
      assert.doesNotMatch(output, /Module not found|Can't resolve|Critical dependency/);
      assert.match(output, /\/api\/\[\.\.\.gateway\]/, 'the App Router route is built');
      assert.match(output, /\/api\/legacy\/\[\.\.\.gateway\]/, 'the Pages Router route is built');

      const port = await freePort();
      const environment = {
        ...buildEnvironment(),
        GATEWAY_API_KEY: GATEWAY_KEY,
        OPENAI_API_KEY: 'sk-simulated-openai-key',
        ANTHROPIC_API_KEY: 'sk-ant-simulated-key',
        SIMULATED_OPENAI_URL: `${openaiURL}/v1`,
        SIMULATED_ANTHROPIC_URL: anthropicURL,
      };
      const server: ChildProcess = spawn(
        process.execPath,
        [next, 'start', '--port', String(port), '--hostname', '127.0.0.1'],
        { cwd: app, env: environment, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let log = '';
      server.stdout?.on('data', (chunk: Buffer) => (log += String(chunk)));
      server.stderr?.on('data', (chunk: Buffer) => (log += String(chunk)));
      const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
      try {
        await waitFor(() => /Ready in/.test(log) || server.exitCode !== null, 2 * MINUTES);
        assert.equal(server.exitCode, null, `next start exited:\n${log}`);
        const origin = `http://127.0.0.1:${port}`;
        const post = (path: string, body: unknown, key = GATEWAY_KEY): Promise<Response> =>
          fetch(`${origin}${path}`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });

        const before = openai.requests.length;
        const chat = await post('/api/v1/chat/completions', {
          model: 'openai/gpt-4o',
          messages: [{ role: 'user', content: `app router via ${bundler}` }],
        });
        assert.equal(chat.status, 200, await chat.clone().text());
        assert.equal(
          ((await chat.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content,
          `You said: app router via ${bundler}`,
        );
        assert.equal(openai.requests.length, before + 1, 'the request reached the OpenAI simulator');

        const messages = await fetch(`${origin}/api/v1/messages`, {
          method: 'POST',
          headers: { 'x-api-key': GATEWAY_KEY, 'content-type': 'application/json' },
          body: JSON.stringify({
            model: 'anthropic/claude-sonnet-4',
            max_tokens: 20,
            messages: [{ role: 'user', content: 'anthropic dialect' }],
          }),
        });
        assert.equal(messages.status, 200, await messages.clone().text());
        assert.equal(
          ((await messages.json()) as { content: Array<{ text: string }> }).content[0].text,
          'You said: anthropic dialect',
        );

        const pages = await post('/api/legacy/v1/chat/completions', {
          model: 'anthropic/claude-sonnet-4',
          max_tokens: 20,
          messages: [{ role: 'user', content: `pages router via ${bundler}` }],
        });
        assert.equal(pages.status, 200, await pages.clone().text());
        assert.equal(
          ((await pages.json()) as { choices: Array<{ message: { content: string } }> }).choices[0].message.content,
          `You said: pages router via ${bundler}`,
        );

        const refused = await post(
          '/api/v1/chat/completions',
          { model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'no key' }] },
          'gw-wrong-key-0000',
        );
        assert.equal(refused.status, 401);
        await refused.body?.cancel();
      } finally {
        server.kill('SIGTERM');
        await exited;
      }
    });
  }
});
