/**
 * `examples/middleware` as a user runs it: the fixture answers without a provider call or a usage
 * event, the logging middleware sees every request, and a prompt the fixture does not know is served.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'vitest';
import { fileURLToPath } from 'node:url';

const EXAMPLE = fileURLToPath(new URL('../../examples/middleware/index.ts', import.meta.url));

describe('the middleware example', () => {
  it('answers from the fixture without the vendor, and logs every request', { timeout: 300_000 }, async () => {
    const output = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--import', 'tsx', EXAMPLE], { timeout: 240_000 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`${error.message}\n${stdout}${stderr}`));
        else resolve(stdout);
      });
    });
    assert.match(output, /answer 1: "Paris \(from the fixture\)\." \(provider fixture\)/);
    assert.match(output, /answer 2: "You said: Say hello" \(provider openai\)/);
    assert.match(output, /answer 3 \(streamed\): "Paris \(from the fixture\)\."/);
    assert.match(output, /usage events: 1; requests the vendor saw: 1/);
    assert.equal(output.match(/\[logging\]/g)?.length, 3, output);
  });
});
