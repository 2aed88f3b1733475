/**
 * importOptional: loads installed packages, and a missing one fails so that loadSdk can name it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'vitest';
import { importOptional } from '../../src/core/optional-import.js';
import { loadSdk } from '../../src/providers/shared/provider-support.js';
import { GatewayError } from '../../src/core/errors.js';

describe('importOptional', () => {
  it('imports an installed package, by its specifier', async () => {
    const module = await importOptional<typeof import('lru-cache')>('lru-cache');
    assert.equal(typeof module.LRUCache, 'function');
  });

  it('a package that is not installed fails as import() does, and loadSdk names it', async () => {
    await assert.rejects(
      importOptional('switchyard-test-package-not-installed'),
      (error: { code?: string }) => error.code === 'ERR_MODULE_NOT_FOUND',
    );
    await assert.rejects(
      loadSdk('switchyard-test-package-not-installed', 'example', () =>
        importOptional('switchyard-test-package-not-installed'),
      ),
      (error: unknown) => {
        assert.ok(error instanceof GatewayError);
        assert.equal(error.code, 'provider_sdk_missing');
        assert.match(error.message, /npm install switchyard-test-package-not-installed/);
        return true;
      },
    );
  });
});
