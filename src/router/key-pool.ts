/**
 * Key pools: a provider instance with several API keys (`apiKeys: [...]`). Attempts are spread over the
 * keys in turn; a key that gets a 429 cools down on its own (for the vendor's Retry-After, or a default),
 * and a key the vendor rejects (401/403) is taken out until the process restarts. Keys are named by
 * their fingerprint (a short SHA-256 prefix), never by the key.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { GatewayError } from '../core/errors.js';
import type { KeyStateChange } from '../core/events.js';

/** How long a key that got a 429 without a Retry-After cools down. */
const DEFAULT_COOLDOWN_MS = 30_000;

/**
 * A key's fingerprint: the first 12 hex digits of its SHA-256, safe to log and to show.
 *
 * @example
 * ```ts
 * keyFingerprint('sk-...'); // 'a3f1c09b2e4d'
 * ```
 */
export function keyFingerprint(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

interface PooledKey {
  readonly key: string;
  readonly fingerprint: string;
  coolingUntil: number;
  revoked: boolean;
}

/**
 * The keys of one provider instance.
 *
 * @example
 * ```ts
 * const pool = new KeyPool('openai', ['sk-a', 'sk-b'], (change) => router.emit('key', change));
 * const key = pool.pick(); // { key, fingerprint } or undefined when every key is revoked
 * ```
 */
export class KeyPool {
  private readonly keys: PooledKey[];
  private cursor = 0;

  constructor(
    readonly provider: string,
    keys: readonly string[],
    private readonly onChange: (change: KeyStateChange) => void,
    private readonly cooldownMs = DEFAULT_COOLDOWN_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.keys = keys.map((key) => ({ key, fingerprint: keyFingerprint(key), coolingUntil: 0, revoked: false }));
  }

  /**
   * The next key in turn that is neither revoked nor cooling down; when every usable key is cooling, the one
   * back soonest; undefined when every key is revoked.
   */
  pick(): { key: string; fingerprint: string } | undefined {
    const now = this.now();
    const count = this.keys.length;
    let soonest: PooledKey | undefined;
    for (let step = 0; step < count; step += 1) {
      const entry = this.keys[(this.cursor + step) % count];
      if (entry.revoked) continue;
      if (entry.coolingUntil <= now) {
        this.cursor = (this.cursor + step + 1) % count;
        return entry;
      }
      if (!soonest || entry.coolingUntil < soonest.coolingUntil) soonest = entry;
    }
    return soonest;
  }

  /** Whether any key is left (not revoked). */
  get usable(): boolean {
    return this.keys.some((entry) => !entry.revoked);
  }

  /** Hears how an attempt with a key failed: a 429 cools it down, a 401/403 revokes it. Returns what it did. */
  failed(fingerprint: string, error: GatewayError): 'cooling' | 'revoked' | undefined {
    const entry = this.keys.find((each) => each.fingerprint === fingerprint);
    if (!entry || entry.revoked) return undefined;
    const status = error.upstreamStatus;
    const rejected =
      error.code === 'provider_authentication' ||
      error.code === 'provider_permission' ||
      status === 401 ||
      status === 403;
    if (rejected) {
      entry.revoked = true;
      this.onChange({
        provider: this.provider,
        keyFingerprint: fingerprint,
        state: 'revoked',
        status,
        code: error.code,
      });
      return 'revoked';
    }
    if (error.code === 'provider_rate_limited' || status === 429) {
      entry.coolingUntil = this.now() + (error.retryAfterMs ?? this.cooldownMs);
      this.onChange({
        provider: this.provider,
        keyFingerprint: fingerprint,
        state: 'cooling',
        until: entry.coolingUntil,
        status,
        code: error.code,
      });
      return 'cooling';
    }
    return undefined;
  }
}
