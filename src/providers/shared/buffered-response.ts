/**
 * A fetch `Response` over a body that is already in memory, for {@link nodeFetch}. The vendor SDKs
 * read a JSON response with `status`, `headers.get` and `text()`; a real `Response` would first wrap
 * the bytes in a web stream and read them back through it, which costs microseconds a request on
 * the gateway's hot path (see BENCHMARKS.md). This one hands the bytes over directly, and builds a
 * real `Response` only if something asks for its `body` stream or a form.
 *
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Read-only fetch `Headers` over Node's parsed response headers (names already lower-case).
 *
 * @example
 * ```ts
 * const headers = new ResponseHeaders({ 'content-type': 'application/json' });
 * headers.get('Content-Type'); // 'application/json'
 * ```
 */
export class ResponseHeaders implements Headers {
  constructor(private readonly raw: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }

  getSetCookie(): string[] {
    const value = this.raw['set-cookie'];
    return value === undefined ? [] : Array.isArray(value) ? [...value] : [value];
  }

  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  *entries(): IterableIterator<[string, string]> {
    for (const key of Object.keys(this.raw).sort()) {
      const value = this.raw[key];
      if (value === undefined) continue;
      if (key === 'set-cookie' && Array.isArray(value)) for (const cookie of value) yield [key, cookie];
      else yield [key, Array.isArray(value) ? value.join(', ') : value];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }

  append(): void {
    throw new TypeError('Headers of a response are immutable');
  }

  set(): void {
    throw new TypeError('Headers of a response are immutable');
  }

  delete(): void {
    throw new TypeError('Headers of a response are immutable');
  }
}

/** What {@link BufferedResponse} needs to know of the response besides its bytes. */
export interface BufferedResponseInit {
  status: number;
  statusText: string;
  headers: ResponseHeaders;
  url: string;
}

/**
 * A fetch `Response` whose body is `content`. `text()`, `json()`, `arrayBuffer()`, `bytes()` and
 * `blob()` read the bytes directly, once, as fetch does; `body`, `formData()` and `clone()` of a
 * read body fall back to a real `Response`.
 *
 * @example
 * ```ts
 * const response = new BufferedResponse(Buffer.from('{"ok":true}'), { status: 200, statusText: 'OK', headers: new ResponseHeaders({}), url });
 * await response.json(); // { ok: true }
 * ```
 */
export class BufferedResponse implements Response {
  readonly type: ResponseType = 'basic';
  readonly redirected = false;
  readonly status: number;
  readonly statusText: string;
  readonly headers: ResponseHeaders;
  readonly url: string;
  private used = false;
  private real: Response | undefined;

  constructor(
    private readonly content: Buffer,
    init: BufferedResponseInit,
  ) {
    this.status = init.status;
    this.statusText = init.statusText;
    this.headers = init.headers;
    this.url = init.url;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get bodyUsed(): boolean {
    return this.real ? this.real.bodyUsed : this.used;
  }

  /** The body as a web stream: builds the real `Response` this one stands in for. */
  get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
    return this.toReal().body;
  }

  text(): Promise<string> {
    if (this.real) return this.real.text();
    return this.consume(() => {
      const text = this.content.toString('utf8');
      return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    });
  }

  json(): Promise<unknown> {
    if (this.real) return this.real.json();
    return this.text().then((text) => JSON.parse(text) as unknown);
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    if (this.real) return this.real.arrayBuffer();
    return this.consume(() => this.copy().buffer);
  }

  bytes(): Promise<Uint8Array<ArrayBuffer>> {
    if (this.real) return this.real.bytes();
    return this.consume(() => this.copy());
  }

  blob(): Promise<Blob> {
    if (this.real) return this.real.blob();
    return this.consume(() => new Blob([this.copy()], { type: this.headers.get('content-type') ?? '' }));
  }

  formData(): Promise<FormData> {
    return this.toReal().formData();
  }

  clone(): Response {
    if (this.bodyUsed) throw new TypeError('Response.clone: Body has already been consumed.');
    if (this.real) return this.real.clone();
    return new BufferedResponse(this.content, {
      status: this.status,
      statusText: this.statusText,
      headers: this.headers,
      url: this.url,
    });
  }

  private consume<T>(read: () => T): Promise<T> {
    if (this.used) return Promise.reject(new TypeError('Body is unusable: Body has already been read'));
    this.used = true;
    try {
      return Promise.resolve(read());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private copy(): Uint8Array<ArrayBuffer> {
    const copy = new Uint8Array(this.content.byteLength);
    copy.set(this.content);
    return copy;
  }

  private toReal(): Response {
    if (!this.real) {
      const nullBody = this.status === 101 || this.status === 204 || this.status === 205 || this.status === 304;
      const headers = new Headers();
      for (const [key, value] of this.headers.entries()) headers.append(key, value);
      this.real = new Response(nullBody ? null : this.copy(), {
        status: this.status,
        statusText: this.statusText,
        headers,
      });
      Object.defineProperty(this.real, 'url', { value: this.url });
      if (this.used) void this.real.arrayBuffer().catch(() => undefined); // the body was read: so is the real one's
    }
    return this.real;
  }
}
