/**
 * Resolves once `condition()` holds, polling every 10 ms; rejects after `timeoutMs`.
 *
 * @example
 * ```ts
 * await waitFor(() => simulator.requests.length > 0);
 * ```
 */
export async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
