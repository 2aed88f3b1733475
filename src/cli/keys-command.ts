/**
 * `switchyard keys create|list|revoke`: the gateway API keys of a running gateway, through its admin API
 * (`/admin/keys`), with the admin key from `SWITCHYARD_ADMIN_KEY` (never an argument: a command line is
 * visible to every user of the machine) and the gateway at `--url` or `SWITCHYARD_URL`.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import type { StoredApiKey } from '../http/stored-api-keys.js';
import type { CommandOutput } from './serve.js';

/**
 * The help of `switchyard keys`. @example `console.log(KEYS_HELP)`
 */
export const KEYS_HELP = `Usage: switchyard keys <create|list|revoke> [options]

Manages the gateway API keys of a running gateway through its admin API (/admin/keys). The keys are
kept hashed in the gateway's store, so every instance on that store accepts a new key, and refuses a
revoked one, within a second. The admin key is read from SWITCHYARD_ADMIN_KEY.

  switchyard keys create --account ID [--id ID] [--user ID] [--models a/*,b/c]
                         prints the new key: it is shown this once
  switchyard keys list [--account ID]
  switchyard keys revoke ID

Options:
      --url URL       the gateway (default: SWITCHYARD_URL, else http://127.0.0.1:8787)
      --json          print the API's JSON answer
  -h, --help          this help`;

/**
 * Runs `switchyard keys ...`; resolves to the exit code (0 done, 1 refused or unreachable, 2 bad usage).
 *
 * @example
 * ```ts
 * const code = await runKeysCommand(['create', '--account', 'team_acme'], process.env, output);
 * ```
 */
export async function runKeysCommand(
  argv: string[],
  environment: NodeJS.ProcessEnv,
  output: CommandOutput,
): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    output.error(`switchyard keys: ${error instanceof Error ? error.message : String(error)}\n\n${KEYS_HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    output.out(KEYS_HELP);
    return 0;
  }
  const [action, ...rest] = positionals;
  const usage = (message: string): number => {
    output.error(`switchyard keys: ${message}\n\n${KEYS_HELP}`);
    return 2;
  };
  if (action !== 'create' && action !== 'list' && action !== 'revoke')
    return usage('name an action: create, list or revoke');
  if (action === 'create' && !values.account) return usage('create needs --account ID');
  if (action === 'revoke' && rest.length !== 1) return usage('revoke needs the id of one key');
  if (action !== 'revoke' && rest.length > 0) return usage(`unexpected argument '${rest[0]}'`);
  const adminKey = environment.SWITCHYARD_ADMIN_KEY;
  if (!adminKey) {
    output.error('switchyard keys: set SWITCHYARD_ADMIN_KEY to an admin key of the gateway (its adminKeys)');
    return 1;
  }
  const base = (values.url ?? environment.SWITCHYARD_URL ?? 'http://127.0.0.1:8787').replace(/\/+$/, '');
  let url: string;
  let init: RequestInit;
  if (action === 'create') {
    const body = {
      account: values.account,
      ...(values.id ? { id: values.id } : {}),
      ...(values.user ? { user: values.user } : {}),
      ...(values.models ? { models: values.models.split(',').map((model) => model.trim()) } : {}),
    };
    url = `${base}/admin/keys`;
    init = { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
  } else if (action === 'list') {
    url = `${base}/admin/keys${values.account ? `?account=${encodeURIComponent(values.account)}` : ''}`;
    init = { method: 'GET' };
  } else {
    url = `${base}/admin/keys/${encodeURIComponent(rest[0])}`;
    init = { method: 'DELETE' };
  }
  let response: Response;
  try {
    response = await fetch(url, { ...init, headers: { ...init.headers, authorization: `Bearer ${adminKey}` } });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    output.error(`switchyard keys: cannot reach the gateway at ${base} (${cause?.code ?? cause?.message ?? error})`);
    return 1;
  }
  const text = await response.text();
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    answer = undefined;
  }
  if (!response.ok) {
    const message = (answer as { error?: { message?: string } } | undefined)?.error?.message ?? text.slice(0, 200);
    output.error(`switchyard keys: the gateway answered ${response.status}: ${message}`);
    return 1;
  }
  if (values.json) {
    output.out(JSON.stringify(answer, null, 2));
    return 0;
  }
  if (action === 'create') {
    const created = answer as StoredApiKey & { key: string };
    output.out(created.key);
    output.error(`switchyard: key ${created.id} for account ${created.account}: the key above is shown this once`);
  } else if (action === 'list') {
    for (const key of (answer as { data: StoredApiKey[] }).data) {
      const state = key.revokedAt ? `revoked ${key.revokedAt}` : 'live';
      const models = key.models ? ` models ${key.models.join(',')}` : '';
      output.out(`${key.id}  ${key.account}  ${key.prefix}…  created ${key.createdAt}  ${state}${models}`);
    }
  } else {
    output.out(`switchyard: revoked ${(answer as StoredApiKey).id}`);
  }
  return 0;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      account: { type: 'string' },
      id: { type: 'string' },
      user: { type: 'string' },
      models: { type: 'string' },
      url: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
