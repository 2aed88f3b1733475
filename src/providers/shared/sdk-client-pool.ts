/**
 * The SDK clients of one provider instance: the configured one (or an injected one) and one per
 * bring-your-own-key API key, built lazily and forgotten when building fails.
 *
 * @module
 */

/** How many BYOK clients a pool keeps before dropping the oldest. */
const MAX_BYOK_CLIENTS = 64;

/**
 * Lazily built SDK clients, keyed by API key.
 *
 * @example
 * ```ts
 * const pool = new SdkClientPool((apiKey) => buildClient(apiKey), config.client as Client | undefined);
 * const client = await pool.get(call.credentials?.apiKey);
 * ```
 */
export class SdkClientPool<Client> {
  private configured: Promise<Client> | undefined;
  private readonly byok = new Map<string, Promise<Client>>();

  /**
   * @param build Builds a client; `undefined` means the configured key.
   * @param injected A client to use for the configured key instead of building one.
   */
  constructor(
    private readonly build: (apiKey: string | undefined) => Promise<Client>,
    private readonly injected?: Client,
  ) {}

  /** The client for a BYOK key, or the configured client when there is none. */
  get(byokKey: string | undefined): Promise<Client> {
    if (byokKey === undefined || byokKey === '') {
      this.configured ??= this.remember(
        this.injected === undefined ? this.build(undefined) : Promise.resolve(this.injected),
        () => (this.configured = undefined),
      );
      return this.configured;
    }
    let client = this.byok.get(byokKey);
    if (!client) {
      client = this.remember(this.build(byokKey), () => this.byok.delete(byokKey));
      this.byok.set(byokKey, client);
      if (this.byok.size > MAX_BYOK_CLIENTS) this.byok.delete(this.byok.keys().next().value as string);
    }
    return client;
  }

  private remember(client: Promise<Client>, forget: () => void): Promise<Client> {
    client.catch(forget);
    return client;
  }
}
