/**
 * Validation of BYOK credentials (`providerOptions.gateway.byok`) before they reach a provider: each
 * credential object must carry a complete credential of the shape its provider type uses, every
 * field must be a string, and the fields that end up in HTTP headers or hostnames must be safe
 * there. A credential object the provider would ignore (`{}`, `{ "apiKey": "" }`, AWS keys for
 * OpenAI) would otherwise run the call on the gateway's own key while billing it as BYOK.
 *
 * | provider type | credential |
 * | --- | --- |
 * | `openai`, `xai`, `anthropic`, `mistral`, `cohere`, `google` | `apiKey` |
 * | `bedrock` | `apiKey` (a Bedrock API key), or `accessKeyId` + `secretAccessKey` (+ `sessionToken`); optional `region` |
 * | `vertex` | `accessToken`, or a service-account key (`client_email` + `private_key`, ...), or `apiKey`; optional `project`, `region` / `location` |
 *
 * @module
 */
import type { ProviderType } from '../providers/provider.js';
import { invalid, isFields, type Fields } from './validate.js';

/** Fields sent in an HTTP header (a bearer token, a SigV4 signature input): visible ASCII only. */
const HEADER_FIELDS = ['apiKey', 'accessToken', 'accessKeyId', 'secretAccessKey', 'sessionToken'] as const;
/** Fields that become part of a hostname or a URL path. */
const LOCATION_FIELDS = ['region', 'location'] as const;
const TOKEN = /^[\x21-\x7e]+$/;
const LOCATION = /^[A-Za-z0-9-]{1,64}$/;
const PROJECT = /^[A-Za-z0-9._:-]{1,128}$/;

type Shape = 'api-key' | 'aws' | 'vertex';

const SHAPES: Record<ProviderType, Shape> = {
  openai: 'api-key',
  xai: 'api-key',
  anthropic: 'api-key',
  mistral: 'api-key',
  cohere: 'api-key',
  google: 'api-key',
  bedrock: 'aws',
  vertex: 'vertex',
};

const EXPECTED: Record<Shape, string> = {
  'api-key': '{ "apiKey": "..." }',
  aws: '{ "apiKey": "..." } (a Bedrock API key) or { "accessKeyId": "...", "secretAccessKey": "..." }',
  vertex:
    '{ "accessToken": "..." }, a service-account key ({ "client_email": "...", "private_key": "..." }) or { "apiKey": "..." }',
};

/**
 * Checks `providerOptions.gateway.byok`: an object of non-empty credential lists by provider (a
 * provider instance name or type). `typeOf` names the type of a configured provider instance;
 * a key it does not know that is not a provider type either takes any complete credential.
 * Throws an `invalid_request` error naming the field at fault (never echoing a secret).
 *
 * @example
 * ```ts
 * validateByokCredentials({ anthropic: [{ apiKey: 'sk-ant-...' }] }, 'providerOptions.gateway.byok', () => undefined);
 * ```
 */
export function validateByokCredentials(
  byok: unknown,
  path: string,
  typeOf: (provider: string) => ProviderType | undefined,
): void {
  if (!isFields(byok))
    throw invalid(
      `\`${path}\` must be an object of credential lists by provider, such as { "anthropic": [{ "apiKey": "..." }] }`,
      path,
    );
  for (const [provider, list] of Object.entries(byok)) {
    const listPath = `${path}.${provider}`;
    if (!Array.isArray(list) || list.length === 0 || list.some((credentials) => !isFields(credentials))) {
      throw invalid(
        `\`${listPath}\` must be a non-empty array of credential objects, such as [{ "apiKey": "..." }]`,
        listPath,
      );
    }
    const type = typeOf(provider) ?? (Object.hasOwn(SHAPES, provider) ? (provider as ProviderType) : undefined);
    list.forEach((credentials: Fields, index) =>
      validateCredentials(credentials, `${listPath}[${index}]`, type === undefined ? undefined : SHAPES[type]),
    );
  }
}

function validateCredentials(credentials: Fields, path: string, shape: Shape | undefined): void {
  for (const [field, value] of Object.entries(credentials)) {
    const fieldPath = `${path}.${field}`;
    if (value === undefined) continue;
    // Never echo a credential's value: say what kind of value it was, not which.
    if (typeof value !== 'string') throw invalid(`\`${fieldPath}\` must be a string, got ${kindOf(value)}`, fieldPath);
    if ((HEADER_FIELDS as readonly string[]).includes(field) && !TOKEN.test(value)) {
      throw invalid(
        `\`${fieldPath}\` must be a non-empty string of visible ASCII characters (no spaces, line breaks or control characters)`,
        fieldPath,
      );
    }
    if ((LOCATION_FIELDS as readonly string[]).includes(field) && !LOCATION.test(value))
      throw invalid(`\`${fieldPath}\` must be a region name such as "us-east-1"`, fieldPath);
    if (field === 'project' && !PROJECT.test(value))
      throw invalid(`\`${fieldPath}\` must be a project id such as "my-project-123"`, fieldPath);
  }
  const has = (field: string): boolean => typeof credentials[field] === 'string' && credentials[field] !== '';
  if (has('accessKeyId') !== has('secretAccessKey'))
    throw invalid(`\`${path}\` needs both \`accessKeyId\` and \`secretAccessKey\``, path);
  if (has('client_email') !== has('private_key'))
    throw invalid(`\`${path}\` needs both \`client_email\` and \`private_key\` (a service-account key)`, path);
  const forms: Record<Shape, boolean> = {
    'api-key': has('apiKey'),
    aws: has('apiKey') || has('accessKeyId'),
    vertex: has('accessToken') || has('client_email') || has('apiKey'),
  };
  const complete = shape === undefined ? forms['api-key'] || forms.aws || forms.vertex : forms[shape];
  if (!complete) {
    const expected = shape === undefined ? Object.values(EXPECTED).join('; or ') : EXPECTED[shape];
    throw invalid(`\`${path}\` carries no credential this provider uses: send ${expected}`, path);
  }
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
