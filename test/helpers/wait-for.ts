/**
 * Resolves once `condition()` holds, polling every 10 ms; rejects after `timeoutMs` (default 30 s: a
 * bound for a condition that never comes, not a guess of how long it takes on a busy machine).
 *
 * @example
 * ```ts
 * await waitFor(() => simulator.requests.length > 0);
 * await waitFor(async () => (await billing.getBalance('team_acme')).reservedNano === 0);
 * ```
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
