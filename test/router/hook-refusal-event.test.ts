/**
 * A request a hook refuses before any attempt (a rate limit, a budget) fails for good: the `error` event
 * says so, as for every other failure, so that listeners counting requests (metrics, logs) see its end.
 */
import assert from 'node:assert/strict';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { GatewayError } from '../../src/core/errors.js';
import type { RouterEvents } from '../../src/core/events.js';
import { startRouterFixture, type RouterFixture } from '../helpers/router-fixture.js';

describe('A hook that refuses a request', () => {
  let fixture: RouterFixture;
  beforeAll(async () => {
    fixture = await startRouterFixture();
  });
  afterAll(async () => {
    await fixture.router.close();
    await fixture.close();
  });

  it('ends the request with an error event carrying the refusal', async () => {
    const router = fixture.build({
      hooks: [
        {
          onRequest() {
            throw new GatewayError('rate_limited', 'Too many requests');
          },
        },
      ],
    });
    const errors: Array<RouterEvents['error'][0]> = [];
    const requests: string[] = [];
    router.on('request', (event) => void requests.push(event.requestId));
    router.on('error', (event) => void errors.push(event));
    const thrown = await router.generate({ model: 'test/echo', prompt: 'Hi' }).then(
      () => assert.fail('expected a refusal'),
      (error: GatewayError) => error,
    );
    assert.equal(thrown.code, 'rate_limited');
    assert.equal(errors.length, 1);
    assert.equal(errors[0].requestId, requests[0]);
    assert.equal(errors[0].error.code, 'rate_limited');
    assert.deepEqual(errors[0].attempts, []);
    await router.close();
  });
});
