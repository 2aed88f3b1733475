/**
 * The page's data requests: `<dashboard>/api/*`, with the session cookie. A 401 (the session ended)
 * reloads the page, which then shows the login form.
 *
 * @module
 */

const base = document.body.dataset.dashboard ?? '/dashboard';

/**
 * The dashboard's own path (the page's URL without a query).
 *
 * @example
 * ```ts
 * dashboardPath(); // '/dashboard'
 * ```
 */
export function dashboardPath(): string {
  return base;
}

/**
 * GETs `<dashboard>/api/<path>` as JSON.
 *
 * @example
 * ```ts
 * const models = await getJson<DashboardModels>('models');
 * ```
 */
export async function getJson<T>(path: string, query?: Record<string, string | undefined>): Promise<T> {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) if (value) search.set(name, value);
  const text = search.toString();
  const response = await fetch(`${base}/api/${path}${text ? `?${text}` : ''}`, {
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
  });
  if (response.status === 401) {
    location.reload();
    throw new Error('The admin session ended');
  }
  const body = (await response.json()) as T & { error?: { message?: string } };
  if (!response.ok) throw new Error(body.error?.message ?? `HTTP ${response.status}`);
  return body;
}
