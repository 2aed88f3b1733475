/**
 * Admin access: the keys that open the dashboard, `/v1/logs`, `/metrics` (when it asks for a key) and
 * `/admin/*`. They are separate from the gateway API keys (a gateway key never opens an admin route),
 * presented as `Authorization: Bearer <key>`, kept in memory only as SHA-256 digests and compared in
 * constant time. A browser that cannot send a header (the dashboard page) may present a session cookie
 * instead, made from the key by {@link AdminAccess.session}; it is accepted only by routes that say so.
 *
 * @module
 */
import { createHmac, hash, timingSafeEqual } from 'node:crypto';
import { GatewayError } from '../core/errors.js';
import { singleHeader } from './headers.js';
import type { HttpHeaders } from './http-types.js';

/**
 * An admin key: the secret and an id that names it in logs (never the key itself). A bare string is
 * a key whose id is `admin_<n>` (its position from 1).
 *
 * @example
 * ```ts
 * const adminKeys: Array<AdminKey | string> = [{ key: process.env.ADMIN_KEY!, id: 'ops' }];
 * ```
 */
export interface AdminKey {
  key: string;
  id: string;
}

/**
 * Who an admin request was authenticated as.
 *
 * @example
 * ```ts
 * const admin: AdminCaller = { keyId: 'ops', via: 'bearer' };
 * ```
 */
export interface AdminCaller {
  /** The admin key's id. */
  keyId: string;
  /** How it was presented: the `Authorization` header, or the dashboard's session cookie. */
  via: 'bearer' | 'session';
}

/** The cookie the dashboard's session travels in. @example `document.cookie.includes(ADMIN_SESSION_COOKIE)` */
export const ADMIN_SESSION_COOKIE = 'switchyard_admin';

/** The shortest admin key accepted. @example `key.length >= MIN_ADMIN_KEY_LENGTH` */
export const MIN_ADMIN_KEY_LENGTH = 16;

const SESSION_CONTEXT = 'switchyard-admin-session-v1';

interface StoredAdminKey {
  id: string;
  digest: Buffer;
  session: Buffer;
}

/**
 * Checks admin credentials. Routes flagged `admin` get them checked by the handler; a route that serves
 * a browser page (the dashboard) checks them itself through `context.admin`, to answer with a page.
 *
 * @example
 * ```ts
 * const access = new AdminAccess([{ key: 'adm-0123456789abcdef', id: 'ops' }]);
 * access.verify({ authorization: 'Bearer adm-0123456789abcdef' }); // { keyId: 'ops', via: 'bearer' }
 * ```
 */
export class AdminAccess {
  private readonly keys: StoredAdminKey[];

  constructor(adminKeys: ReadonlyArray<AdminKey | string> | undefined) {
    if (adminKeys !== undefined && !Array.isArray(adminKeys))
      throw new GatewayError('config_invalid', '`adminKeys` must be an array of keys (strings or { key, id })');
    this.keys = (adminKeys ?? []).map((entry, index) => {
      const key = typeof entry === 'string' ? entry : entry?.key;
      const id = typeof entry === 'string' ? `admin_${index + 1}` : entry?.id;
      if (typeof key !== 'string' || key.length < MIN_ADMIN_KEY_LENGTH)
        throw new GatewayError(
          'config_invalid',
          `adminKeys[${index}] must be a key of at least ${MIN_ADMIN_KEY_LENGTH} characters`,
        );
      if (typeof id !== 'string' || id.length === 0)
        throw new GatewayError('config_invalid', `adminKeys[${index}].id must be a non-empty string`);
      const digest = sha256(key);
      return { id, digest, session: sessionMac(digest) };
    });
  }

  /** Whether any admin key is configured (with none, every admin route answers 401). */
  get enabled(): boolean {
    return this.keys.length > 0;
  }

  /** Whether `key` is one of the admin keys (used to refuse a gateway key that equals one). */
  isAdminKey(key: string): boolean {
    return this.match(sha256(key)) !== undefined;
  }

  /**
   * The admin caller of a request, or undefined: a Bearer admin key, or (with `session: true`) the
   * dashboard's session cookie.
   *
   * @example
   * ```ts
   * const admin = context.admin.verify(context.headers, { session: true });
   * if (!admin) return loginPage();
   * ```
   */
  verify(headers: HttpHeaders, options: { session?: boolean } = {}): AdminCaller | undefined {
    if (this.keys.length === 0) return undefined;
    const presented = bearer(headers);
    if (presented !== undefined) {
      const found = this.match(sha256(presented));
      if (found) return { keyId: found.id, via: 'bearer' };
    }
    if (options.session) {
      const cookie = cookieValue(headers, ADMIN_SESSION_COOKIE);
      const dot = cookie?.lastIndexOf('.') ?? -1;
      if (cookie && dot > 0) {
        const id = decodeURIComponent(cookie.slice(0, dot));
        const mac = Buffer.from(cookie.slice(dot + 1), 'base64url');
        let found: StoredAdminKey | undefined;
        for (const entry of this.keys) {
          if (entry.id === id && mac.length === entry.session.length && timingSafeEqual(entry.session, mac))
            found = entry;
        }
        if (found) return { keyId: found.id, via: 'session' };
      }
    }
    return undefined;
  }

  /**
   * The admin caller, or a 401 `unauthorized` GatewayError saying what to send.
   *
   * @example
   * ```ts
   * const admin = access.authenticate(request.headers);
   * ```
   */
  authenticate(headers: HttpHeaders, options: { session?: boolean } = {}): AdminCaller {
    const admin = this.verify(headers, options);
    if (admin) return admin;
    if (!this.enabled)
      throw new GatewayError(
        'unauthorized',
        'This endpoint needs an admin key, and none is configured: set `adminKeys` in the gateway config',
      );
    throw new GatewayError(
      'unauthorized',
      bearer(headers) === undefined
        ? 'Missing admin key: send it in the Authorization header as a Bearer token'
        : 'Invalid admin key (a gateway API key does not open admin endpoints)',
    );
  }

  /**
   * The session cookie's value for an admin key, or undefined when `key` is not one. Set it with
   * `HttpOnly; SameSite=Strict` (the dashboard's login does).
   *
   * @example
   * ```ts
   * const value = access.session(submittedKey);
   * if (value) headers['set-cookie'] = `${ADMIN_SESSION_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/`;
   * ```
   */
  session(key: string): string | undefined {
    const found = this.match(sha256(key));
    return found ? `${encodeURIComponent(found.id)}.${found.session.toString('base64url')}` : undefined;
  }

  private match(digest: Buffer): StoredAdminKey | undefined {
    let found: StoredAdminKey | undefined;
    // Compare against every stored digest, without stopping early, so timing says nothing.
    for (const entry of this.keys) if (timingSafeEqual(entry.digest, digest) && !found) found = entry;
    return found;
  }
}

function bearer(headers: HttpHeaders): string | undefined {
  const authorization = singleHeader(headers.authorization);
  const match = authorization ? /^Bearer\s+(.+)$/i.exec(authorization.trim()) : null;
  return match ? match[1].trim() : undefined;
}

function cookieValue(headers: HttpHeaders, name: string): string | undefined {
  const header = headers.cookie;
  const text = Array.isArray(header) ? header.join('; ') : header;
  if (!text) return undefined;
  for (const part of text.split(';')) {
    const equals = part.indexOf('=');
    if (equals > 0 && part.slice(0, equals).trim() === name) return part.slice(equals + 1).trim();
  }
  return undefined;
}

function sha256(text: string): Buffer {
  return hash('sha256', text, 'buffer');
}

function sessionMac(digest: Buffer): Buffer {
  return createHmac('sha256', digest).update(SESSION_CONTEXT).digest();
}
