/**
 * A `fetch` for `cohere-ai` that never rejects.
 *
 * The SDK arms a timeout timer (300 s by default) for every request and clears it only when `fetch`
 * resolves: an aborted request or a reset connection leaves the timer armed, holding the request's
 * closures and keeping the process alive until it fires. This `fetch` turns such failures into a
 * marked response instead (499 for an abort, 408 for the SDK's own timeout, 502 for a connection
 * failure), so the SDK clears its timer and throws its usual status error, which
 * {@link fetchFailureOf} recognises.
 *
 * @module
 */

const FAILURE_HEADER = 'x-switchyard-fetch-failure';

/** Why a request never got a response. @example `'connection'` */
export type FetchFailure = 'aborted' | 'timeout' | 'connection';

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

/**
 * Wraps a `fetch` so that it resolves with a marked response instead of rejecting.
 *
 * @example
 * ```ts
 * const client = new CohereClientV2({ token, fetch: settlingFetch(globalThis.fetch) });
 * ```
 */
export function settlingFetch(base: typeof fetch): typeof fetch {
  return async (input, init) => {
    try {
      return await base(input, init);
    } catch (error) {
      const signal = init?.signal;
      const failure: FetchFailure = signal?.aborted
        ? signal.reason === 'timeout'
          ? 'timeout'
          : 'aborted'
        : 'connection';
      const status = failure === 'timeout' ? 408 : failure === 'aborted' ? 499 : 502;
      return new Response(
        JSON.stringify({ message: failure === 'timeout' ? 'the request timed out' : describe(error) }),
        {
          status,
          headers: { 'content-type': 'application/json', [FAILURE_HEADER]: failure },
        },
      );
    }
  };
}

/**
 * The failure a {@link settlingFetch} response stands for, read from the SDK error's raw response.
 *
 * @example
 * ```ts
 * fetchFailureOf(error.rawResponse?.headers); // 'connection'
 * ```
 */
export function fetchFailureOf(headers: unknown): FetchFailure | undefined {
  const value = headers instanceof Headers ? headers.get(FAILURE_HEADER) : undefined;
  return value === 'aborted' || value === 'timeout' || value === 'connection' ? value : undefined;
}
