// The node:test → vitest codemod (scripts/to-vitest.mjs), on small inline sources. Inline, not fixture files:
// the codemod runs on the whole test/ tree and would convert fixture files too.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
// @ts-expect-error: a plain .mjs script, without declarations
import { toVitest } from '../../scripts/to-vitest.mjs';

const convert = (source: string): { text: string; unsupported: string[] } => toVitest(source, 'fixture.test.ts');
const lines = (...text: string[]): string => `${text.join('\n')}\n`;

describe('to-vitest', () => {
  it('imports from vitest, before/after as beforeAll/afterAll, and renames their calls', () => {
    const { text, unsupported } = convert(
      lines(
        "import { after, before, beforeEach, describe, it } from 'node:test';",
        'before(async () => { await start(); });',
        'after(() => stop());',
        "describe('d', () => { before(async () => { await warm(); }); it('t', () => {}); });",
      ),
    );
    assert.deepEqual(unsupported, []);
    assert.equal(
      text,
      lines(
        "import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';",
        'beforeAll(async () => { await start(); });',
        'afterAll(() => stop());',
        "describe('d', () => { beforeAll(async () => { await warm(); }); it('t', () => {}); });",
      ),
    );
  });

  it('leaves a local variable named before alone, and an aliased import keeps its local name', () => {
    const { text } = convert(
      lines(
        "import { before as setup, it } from 'node:test';",
        'setup(async () => {});',
        "it('t', () => { const before = 1; return before; });",
      ),
    );
    assert.equal(
      text,
      lines(
        "import { beforeAll as setup, it } from 'vitest';",
        'setup(async () => {});',
        "it('t', () => { const before = 1; return before; });",
      ),
    );
  });

  it('turns skip of type string | false into a boolean, in every option form', () => {
    const { text } = convert(
      lines(
        "import { describe, it } from 'node:test';",
        "describe('a', { skip: REDIS_SKIP, timeout: 60_000 }, () => {",
        "  it('b', { skip: 'not here' }, () => {});",
        "  it('c', { skip: false, timeout: 5 }, () => {});",
        "  it.skip('d', { todo: reason }, () => {});",
        '});',
        "function suite(skip: string | false = false) { describe('s', { skip }, () => {}); }",
      ),
    );
    assert.equal(
      text,
      lines(
        "import { describe, it } from 'vitest';",
        "describe('a', { skip: Boolean(REDIS_SKIP), timeout: 60_000 }, () => {",
        "  it('b', { skip: true }, () => {});",
        "  it('c', { skip: false, timeout: 5 }, () => {});",
        "  it.skip('d', { todo: Boolean(reason) }, () => {});",
        '});',
        "function suite(skip: string | false = false) { describe('s', { skip: Boolean(skip) }, () => {}); }",
      ),
    );
  });

  it('writes diagnostics with console.log and drops a context parameter (and TestContext) nothing else uses', () => {
    const { text } = convert(
      lines(
        "import { it, type TestContext } from 'node:test';",
        "it('a', async (t: TestContext) => { t.diagnostic(`n ${1}`); });",
        "it('b', (context) => { context.diagnostic('x'); });",
      ),
    );
    assert.equal(
      text,
      lines(
        "import { it } from 'vitest';",
        "it('a', async () => { console.log(`n ${1}`); });",
        "it('b', () => { console.log('x'); });",
      ),
    );
  });

  it("keeps a context used for more: t.after becomes onTestFinished, t.name the task's name", () => {
    const { text } = convert(
      lines(
        "import { it, type TestContext } from 'node:test';",
        "it('a', (t: TestContext) => { t.diagnostic('x'); t.after(() => close()); return t.name; });",
      ),
    );
    assert.equal(
      text,
      lines(
        "import { it, type TestContext, onTestFinished } from 'vitest';",
        "it('a', (t: TestContext) => { console.log('x'); onTestFinished(() => close()); return t.task.name; });",
      ),
    );
  });

  it('gives setup hooks with an expression body a block body, so a returned function is no teardown', () => {
    const { text } = convert(
      lines(
        "import { before, beforeEach } from 'node:test';",
        'before(() => fixture.start());',
        'beforeEach(async () => (state = await reset()));',
      ),
    );
    assert.equal(
      text,
      lines(
        "import { beforeAll, beforeEach } from 'vitest';",
        'beforeAll(async () => { await fixture.start(); });',
        'beforeEach(async () => { await (state = await reset()); });',
      ),
    );
  });

  it("passes a hook's timeout option as vitest's timeout argument", () => {
    assert.equal(
      convert(
        lines(
          "import { after, before } from 'node:test';",
          'before(async () => {}, { timeout: 10 * MINUTES });',
          'after(stop, { timeout });',
        ),
      ).text,
      lines(
        "import { afterAll, beforeAll } from 'vitest';",
        'beforeAll(async () => {}, 10 * MINUTES);',
        'afterAll(stop, timeout);',
      ),
    );
  });

  it('converts a default import of test', () => {
    assert.equal(
      convert(lines("import test from 'node:test';", "test('a', () => {});")).text,
      lines("import { test } from 'vitest';", "test('a', () => {});"),
    );
  });

  it('reports what it cannot convert: subtests, mocks, done callbacks, the concurrency option', () => {
    const { unsupported } = convert(
      lines(
        "import { it, mock } from 'node:test';",
        "it('a', { concurrency: 2 }, async (t) => { await t.test('sub', () => {}); });",
        "it('b', (t, done) => done());",
      ),
    );
    assert.deepEqual(unsupported, [
      "1: node:test's mock",
      '2: the concurrency option',
      '3: a test with a done callback',
      "2: the test context's test",
    ]);
  });

  it('is idempotent: a converted file, or one already on vitest, is left as it is', () => {
    const source = lines(
      "import { after, before, describe, it, type TestContext } from 'node:test';",
      'before(() => start());',
      'after(() => stop());',
      "describe('a', { skip: REDIS_SKIP }, () => { it('b', (t: TestContext) => { t.diagnostic('x'); }); });",
    );
    const once = convert(source).text;
    assert.notEqual(once, source);
    assert.equal(convert(once).text, once);
  });

  it('rewrites a tree in place from the command line, and --check then finds nothing to do', () => {
    const directory = mkdtempSync(join(tmpdir(), 'to-vitest-'));
    try {
      const file = join(directory, 'a.test.ts');
      writeFileSync(
        file,
        lines("import { before, it } from 'node:test';", "before(async () => {}); it('a', () => {});"),
      );
      const script = join(import.meta.dirname, '../../scripts/to-vitest.mjs');
      const output = execFileSync(process.execPath, [script, directory], { encoding: 'utf8' });
      assert.match(output, /1 file\(s\) converted/);
      assert.equal(
        readFileSync(file, 'utf8'),
        lines("import { beforeAll, it } from 'vitest';", "beforeAll(async () => {}); it('a', () => {});"),
      );
      assert.match(
        execFileSync(process.execPath, [script, '--check', directory], { encoding: 'utf8' }),
        /0 file\(s\) to convert/,
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
