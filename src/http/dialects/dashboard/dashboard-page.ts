/**
 * The dashboard's two HTML documents: the login form (what a browser without the admin session gets, with
 * no data in it) and the page itself, with its script and style inlined from the bundle built with the
 * package (dashboard-assets.generated.ts), so the page needs nothing from the network. Both are sent
 * with a Content-Security-Policy that allows only that inline script (by its hash) and same-origin fetches.
 *
 * @module
 */
import { hash } from 'node:crypto';
import { DASHBOARD_SCRIPT, DASHBOARD_STYLE, LOGIN_SCRIPT } from './dashboard-assets.generated.js';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** Keeps `</script>` and `</style>` inside inlined code from ending the element early. */
function inlineSafe(code: string): string {
  return code.replace(/<\/(script|style)/gi, '<\\/$1');
}

const scriptHashes = new Map<string, string>();

function scriptHash(code: string): string {
  let value = scriptHashes.get(code);
  if (!value) {
    value = `'sha256-${hash('sha256', code, 'base64')}'`;
    scriptHashes.set(code, value);
  }
  return value;
}

/**
 * The headers of a dashboard document: HTML, never cached, never framed, and a CSP allowing only its own inline
 * script and style.
 *
 * @example
 * ```ts
 * const headers = pageHeaders(DASHBOARD_SCRIPT, DASHBOARD_STYLE);
 * ```
 */
export function pageHeaders(script: string, style: string): Record<string, string> {
  return {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'content-security-policy': [
      "default-src 'none'",
      `script-src ${scriptHash(inlineSafe(script))}`,
      `style-src ${scriptHash(inlineSafe(style))}`,
      "connect-src 'self'",
      "img-src 'self' data:",
      "base-uri 'none'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ].join('; '),
  };
}

const LOGIN_STYLE = `body{font:15px/1.4 system-ui,sans-serif;background:#f4f5f7;color:#1d2330;display:grid;place-items:center;
min-height:100vh;margin:0}form{background:#fff;padding:28px 32px;border-radius:10px;box-shadow:0 2px 12px #0002;width:320px}
h1{font-size:19px;margin:0 0 4px}p{color:#5b6475;margin:0 0 16px;font-size:13px}label{display:block;font-size:13px;
margin-bottom:4px}input{width:100%;box-sizing:border-box;padding:8px 10px;border:1px solid #c5cad3;border-radius:6px;
font:inherit}button{margin-top:14px;width:100%;padding:9px;border:0;border-radius:6px;background:#2f5bea;color:#fff;
font:inherit;font-weight:600;cursor:pointer}#login-error{color:#b42318;min-height:18px;margin:10px 0 0;font-size:13px}`;

/**
 * The login form: a 401 page with no data, posting the admin key to `<dashboard>/login`.
 *
 * @example
 * ```ts
 * const html = loginPage('/dashboard');
 * ```
 */
export function loginPage(fullPath: string): string {
  const path = escapeHtml(fullPath);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><link rel="icon" href="data:,">
<title>switchyard dashboard: sign in</title><style>${LOGIN_STYLE}</style></head><body>
<form id="login" method="post" action="${path}/login" data-dashboard="${path}">
<h1>switchyard dashboard</h1><p>Sign in with an admin key (<code>adminKeys</code> in the gateway config).</p>
<label for="key">Admin key</label>
<input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button><p id="login-error" role="alert"></p></form>
<script>${inlineSafe(LOGIN_SCRIPT)}</script></body></html>`;
}

/** The login page's style (for its CSP hash). @example `pageHeaders(LOGIN_SCRIPT, loginStyle())` */
export function loginStyle(): string {
  return LOGIN_STYLE;
}

/**
 * The dashboard page: the app shell, its style and script inlined; the script reads its data from
 * `<dashboard>/api/*`.
 *
 * @example
 * ```ts
 * const html = dashboardPage('/dashboard', 'ops');
 * ```
 */
export function dashboardPage(fullPath: string, adminId: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><link rel="icon" href="data:,">
<title>switchyard dashboard</title><style>${inlineSafe(DASHBOARD_STYLE)}</style></head>
<body data-dashboard="${escapeHtml(fullPath)}" data-admin="${escapeHtml(adminId)}">
<noscript>The dashboard needs JavaScript.</noscript><div id="app"></div>
<script>${inlineSafe(DASHBOARD_SCRIPT)}</script></body></html>`;
}

export { DASHBOARD_SCRIPT, DASHBOARD_STYLE, LOGIN_SCRIPT };
