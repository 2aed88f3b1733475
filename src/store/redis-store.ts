/**
 * The Redis state store (ioredis): shared by every gateway instance that points at the same Redis.
 * Every check-and-update is one Lua script. `ioredis` is an optional peer dependency, imported the
 * first time the store connects.
 *
 * When Redis is unreachable the store neither hangs nor queues: commands are refused at once while
 * the connection is down (no offline queue), a command that gets no answer fails after
 * `commandTimeoutMs`, and either way the call rejects with `GatewayError` code `store_unavailable`.
 * The client keeps reconnecting in the background, so the store recovers by itself when Redis is back.
 *
 * A slow Redis is told from a down one: a refused or reset connection (down) fails at once, while a
 * connection that is under way or timed out (slow: a loaded machine, a cold start) is waited for, up
 * to `startTimeoutMs` until the store first connected and `connectTimeoutMs` after. The error's
 * `details.reason` says which (`'down'` or `'slow'`), and a slow one's message names the knob to raise.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { GatewayError, isGatewayError } from '../core/errors.js';
import { importOptional } from '../core/optional-import.js';
import { cappedLogSortKey, type CappedLogEntry, type CappedLogRange, type CappedLogStore } from './capped-log-store.js';
import { encodeNamespace, globEscape, type KeyValueSelector, type KeyValueStore } from './key-value-store.js';
import { redisKeySlot } from './redis-key-slot.js';
import { REDIS_SCRIPTS, type RedisScriptName } from './redis-scripts.js';
import {
  STORE_DEFAULTS,
  assertInteger,
  operationGroup,
  retryAfter,
  windowSlices,
  type MeterHold,
  type MeterRef,
  type MeterState,
  type RecordQuery,
  type ReserveRequest,
  type ReserveResult,
  type SettleRequest,
  type SettleResult,
  type StateStore,
  type StoreOptions,
  type StoredRecord,
  type WindowAddRequest,
  type WindowResult,
} from './store.js';

/**
 * Options of the Redis store.
 *
 * @example
 * ```ts
 * const options: RedisStoreOptions = { url: 'redis://127.0.0.1:6379/0', prefix: 'shop:gw:', commandTimeoutMs: 500 };
 * ```
 */
export interface RedisStoreOptions extends StoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…` (default `redis://127.0.0.1:6379`). */
  url?: string;
  /**
   * A Redis Cluster, by the URLs of some of its nodes (`redis://[user:password@]host:port` or `rediss://…`;
   * the others are discovered): the store connects with ioredis's `Cluster` instead of `url`. Every multi-key
   * script's keys share one hash tag (see {@link RedisStore}), so the store works the same on a cluster.
   */
  cluster?: readonly string[];
  /**
   * An ioredis client made by the caller (a `Redis` or a `Cluster`), instead of `url` or `cluster`. The store
   * uses it as it is (its own offline queue and timeouts) and does not close it.
   */
  client?: RedisConnection;
  /** A command without an answer fails after this long (default 1 000 ms). */
  commandTimeoutMs?: number;
  /** Connecting (the first time, or after a reconnect began) may take this long (default 1 000 ms). */
  connectTimeoutMs?: number;
  /** Reconnect attempts back off up to this delay (default 1 000 ms). */
  maxReconnectDelayMs?: number;
  /**
   * Until the store has connected once, a request (and `connect()`) waits this long for a connection
   * that is slow to come, rather than `connectTimeoutMs` (default 10 000 ms): a process that has just
   * started on a busy machine is slow to connect, and that is not an outage.
   */
  startTimeoutMs?: number;
}

/**
 * The part of an ioredis `Redis` or `Cluster` the store uses (either one passes as `client`).
 *
 * @example
 * ```ts
 * import { Cluster } from 'ioredis';
 * const client: RedisConnection = new Cluster([{ host: '10.0.0.1', port: 7000 }]);
 * const store = new RedisStore({ client });
 * ```
 */
export interface RedisConnection {
  status: string;
  /** True on an ioredis `Cluster`. */
  isCluster?: boolean;
  connect(): Promise<void>;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
}

/** The part of an ioredis client the store uses. */
interface RedisClient {
  isCluster?: boolean;
  /** A cluster's nodes (ioredis `Cluster`). */
  nodes?(role: 'master'): RedisClient[];
  status: string;
  connect(): Promise<void>;
  quit(): Promise<unknown>;
  disconnect(): void;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
  evalsha(sha: string, keyCount: number, ...args: string[]): Promise<unknown>;
  eval(script: string, keyCount: number, ...args: string[]): Promise<unknown>;
  zrangebyscore(key: string, min: string, max: string, ...args: string[]): Promise<string[]>;
  mget(...keys: string[]): Promise<Array<string | null>>;
  get(key: string): Promise<string | null>;
  hgetall(key: string): Promise<Record<string, string>>;
  hget(key: string, field: string): Promise<string | null>;
  hmget(key: string, ...fields: string[]): Promise<Array<string | null>>;
  zrevrangebylex(key: string, max: string, min: string, ...args: string[]): Promise<string[]>;
  hset(key: string, field: string, value: string): Promise<number>;
  hdel(key: string, field: string): Promise<number>;
  set(key: string, value: string, mode: 'PX', ttlMs: number): Promise<unknown>;
  del(...keys: string[]): Promise<number>;
  unlink(...keys: string[]): Promise<number>;
  scan(cursor: string, match: 'MATCH', pattern: string, count: 'COUNT', size: number): Promise<[string, string[]]>;
  exists(...keys: string[]): Promise<number>;
}

type RedisConstructor = new (url: string, options: Record<string, unknown>) => RedisClient;
type ClusterConstructor = new (
  nodes: Array<{ host: string; port: number }>,
  options: Record<string, unknown>,
) => RedisClient;

const TRANSIENT_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN)\b/;
/** Connection errors that mean Redis is not there (down), as opposed to slow to answer. */
const DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EHOSTDOWN',
]);
const SHAS = Object.fromEntries(
  Object.entries(REDIS_SCRIPTS).map(([name, script]) => [name, createHash('sha1').update(script).digest('hex')]),
) as Record<RedisScriptName, string>;

/**
 * The Redis {@link StateStore}, and a {@link KeyValueStore} (a shared response cache) on the same
 * connection: a value lives at `<prefix>kv:{<namespace>}:<key>`, the namespace being the key's Redis
 * Cluster hash tag, so that one namespace's keys share a slot; and a {@link CappedLogStore} (the request
 * log), a log's two keys sharing the hash tag `{<name>}`.
 *
 * @example
 * ```ts
 * const store = new RedisStore({ url: process.env.REDIS_URL, prefix: 'shop:gw:' });
 * await store.connect(); // optional: fail early when ioredis is missing or Redis is down
 * const billing = createBilling({ store, freeAllocationNano: 5_000_000_000 });
 * ```
 */
export class RedisStore implements StateStore, KeyValueStore, CappedLogStore {
  readonly kind = 'redis';
  private readonly prefix: string;
  private readonly now: () => number;
  private readonly recordRetentionMs: number;
  private readonly markerRetentionMs: number;
  private readonly connectTimeoutMs: number;
  private readonly startTimeoutMs: number;
  private clientPromise: Promise<RedisClient> | undefined;
  private closed = false;
  /**
   * Meters with a first-use grant (billing's free allocation) already checked for a key of the layout before hash
   * tags, once each per process (bounded: cleared past 10 000).
   */
  private readonly layoutChecked = new Set<string>();
  /** Whether the store has been connected once (before that, a slow connection gets `startTimeoutMs`). */
  private connectedOnce = false;
  /** The code of the last connection error since the last time Redis was ready. */
  private connectionError: string | undefined;

  constructor(private readonly options: RedisStoreOptions = {}) {
    this.prefix = options.prefix ?? STORE_DEFAULTS.prefix;
    this.now = options.now ?? Date.now;
    this.recordRetentionMs = options.recordRetentionMs ?? STORE_DEFAULTS.recordRetentionMs;
    this.markerRetentionMs = options.markerRetentionMs ?? STORE_DEFAULTS.markerRetentionMs;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 1_000;
    this.startTimeoutMs = Math.max(options.startTimeoutMs ?? 10_000, this.connectTimeoutMs);
  }

  /**
   * Loads ioredis and waits until Redis answers, through refused connections and reconnects (Redis
   * still starting), for up to `timeoutMs` (default `startTimeoutMs`). Rejects with `config_invalid`
   * when ioredis is missing, `store_unavailable` when Redis did not answer in time. Optional: every
   * operation connects on first use; await it at start-up to serve only once the store is there.
   *
   * @example
   * ```ts
   * const store = new RedisStore({ url });
   * await store.connect({ timeoutMs: 30_000 });
   * ```
   */
  async connect(options: { timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? this.startTimeoutMs);
    for (;;) {
      try {
        await this.client();
        return;
      } catch (error) {
        const remaining = deadline - Date.now();
        if (!isGatewayError(error) || error.code !== 'store_unavailable' || this.closed || remaining <= 0) throw error;
        const client = await this.clientPromise;
        if (client) await waitForReady(client, remaining, false);
      }
    }
  }

  async reserve(request: ReserveRequest): Promise<ReserveResult> {
    assertInteger(request.ttlMs, 'ttlMs');
    await this.refuseOldLayout(request.holds);
    const now = this.now();
    const keys = [this.groupKey('r', operationGroup(request.holds), request.id)];
    const args = [String(now), request.id, String(Math.max(1, request.ttlMs)), String(request.holds.length)];
    for (const hold of request.holds) {
      assertInteger(hold.amount, 'amount');
      if (hold.grant !== undefined) assertInteger(hold.grant, 'grant');
      const slices = this.meterKeys(hold, now, keys);
      args.push(
        String(slices),
        String(hold.ttlMs ?? 0),
        String(hold.amount),
        hold.limit === 'credit' ? '-1' : String(hold.limit),
        String(hold.grant ?? -1),
      );
    }
    const reply = (await this.script('reserve', keys, args)) as number[];
    if (reply[0] === 1) return { ok: true, duplicate: reply[1] === 1 };
    return { ok: false, index: reply[1], limit: reply[2], state: toState(reply.slice(3)) };
  }

  async settle(request: SettleRequest): Promise<SettleResult> {
    const now = this.now();
    const record = request.record;
    const group = operationGroup(request.charges, record);
    const keys = [
      this.groupKey('r', group, request.id),
      this.groupKey('rec', group, record?.id ?? request.id),
      ...(record?.indexes ?? []).map((index) => this.groupKey('i', group, index)),
    ];
    const args = [
      String(now),
      request.id,
      String(this.markerRetentionMs),
      String(request.charges.length),
      record ? '1' : '0',
      String(record?.indexes.length ?? 0),
      record?.body ?? '',
      String(record?.timestamp ?? now),
      String(this.recordRetentionMs),
      String(now - this.recordRetentionMs),
    ];
    for (const charge of request.charges) {
      assertInteger(charge.amount, 'amount');
      const slices = this.meterKeys(charge, now, keys);
      const sliceTtl = charge.window ? windowSlices(charge.window, now).ttlMs : 0;
      args.push(String(slices), String(charge.ttlMs ?? 0), String(sliceTtl), String(charge.amount));
    }
    const reply = (await this.script('settle', keys, args)) as number[];
    const meters: MeterState[] = [];
    for (let offset = 1; offset < reply.length; offset += 4) meters.push(toState(reply.slice(offset, offset + 4)));
    return { applied: reply[0] === 1, meters };
  }

  async release(id: string, meters: MeterRef[]): Promise<boolean> {
    const keys = [this.groupKey('r', operationGroup(meters), id), ...meters.flatMap((meter) => this.holdKeys(meter))];
    return (await this.script('release', keys, [id, String(this.markerRetentionMs)])) === 1;
  }

  async readMeter(meter: MeterRef): Promise<MeterState> {
    const now = this.now();
    const keys: string[] = [];
    const slices = this.meterKeys(meter, now, keys);
    return toState((await this.script('readMeter', keys, [String(now), String(slices)])) as number[]);
  }

  async credit(
    meter: MeterRef,
    amount: number,
    options: { grant?: boolean; idempotencyKey?: string } = {},
  ): Promise<MeterState & { applied: boolean }> {
    assertInteger(amount, 'amount');
    const marker = this.groupKey('r', meter.group, `credit:${meter.key}:${options.idempotencyKey ?? ''}`);
    const args = [
      String(amount),
      options.grant ? '1' : '0',
      options.idempotencyKey === undefined ? '0' : '1',
      String(this.markerRetentionMs),
      String(meter.ttlMs ?? 0),
    ];
    const reply = (await this.script('credit', [...this.holdKeys(meter), marker], args)) as number[];
    return { ...toState(reply), applied: reply[4] === 1 };
  }

  async windowAdd(request: WindowAddRequest): Promise<WindowResult> {
    assertInteger(request.amount, 'amount');
    const now = this.now();
    const slices = windowSlices(request.window, now);
    const keys: string[] = [];
    const window = `${this.prefix}w:{${encodeNamespace(request.key)}}`;
    for (let index = slices.first; index <= slices.last; index += 1) keys.push(`${window}:${index}`);
    const reply = (await this.script('windowAdd', keys, [
      String(request.amount),
      String(request.limit ?? -1),
      String(slices.ttlMs),
    ])) as number[];
    if (reply[0] === 1) return { allowed: true, total: reply[1], retryAfterMs: 0 };
    const need = reply[1] + Math.max(request.amount, 1) - (request.limit ?? 0);
    return {
      allowed: false,
      total: reply[1],
      retryAfterMs: retryAfter(reply.slice(2), slices.first, slices.sliceMs, slices.last - slices.first, now, need),
    };
  }

  async increment(key: string, amount: number, ttlMs?: number): Promise<number> {
    assertInteger(amount, 'amount');
    return (await this.script(
      'increment',
      [this.key('c', key)],
      [String(amount), ttlMs === undefined ? '' : String(Math.max(1, ttlMs))],
    )) as number;
  }

  async readCounter(key: string): Promise<number> {
    return Number((await this.command((client) => client.get(this.key('c', key)))) ?? 0);
  }

  async appendRecord(record: StoredRecord): Promise<boolean> {
    const now = this.now();
    const keys = [
      this.groupKey('rec', record.group, record.id),
      ...record.indexes.map((index) => this.groupKey('i', record.group, index)),
    ];
    const args = [
      record.body,
      String(record.timestamp),
      String(this.recordRetentionMs),
      String(now - this.recordRetentionMs),
      record.id,
    ];
    return (await this.script('appendRecord', keys, args)) === 1;
  }

  async getRecord(id: string, group?: string): Promise<string | undefined> {
    return (await this.command((client) => client.get(this.groupKey('rec', group, id)))) ?? undefined;
  }

  async listRecords(query: RecordQuery): Promise<string[]> {
    const limit = query.limit === undefined ? [] : ['LIMIT', '0', String(query.limit)];
    const ids = await this.command((client) =>
      client.zrangebyscore(
        this.groupKey('i', query.group, query.index),
        String(query.from),
        String(query.to),
        ...limit,
      ),
    );
    const bodies: string[] = [];
    for (let start = 0; start < ids.length; start += 500) {
      const chunk = ids.slice(start, start + 500).map((id) => this.groupKey('rec', query.group, id));
      for (const body of await this.command((client) => client.mget(...chunk))) if (body !== null) bodies.push(body);
    }
    return bodies;
  }

  async setField(key: string, field: string, value: string | undefined): Promise<void> {
    const name = this.key('f', key);
    await this.command((client) => (value === undefined ? client.hdel(name, field) : client.hset(name, field, value)));
  }

  async getFields(key: string): Promise<Record<string, string>> {
    return this.command((client) => client.hgetall(this.key('f', key)));
  }

  async setExpiringField(key: string, field: string, value: string, ttlMs: number): Promise<void> {
    const now = this.now();
    await this.script('setExpiringField', this.expiringKeys(key), [
      String(now),
      field,
      value,
      String(now + Math.max(1, Math.ceil(ttlMs))),
    ]);
  }

  async getExpiringFields(key: string): Promise<Record<string, string>> {
    const reply = (await this.script('getExpiringFields', this.expiringKeys(key), [String(this.now())])) as string[];
    const fields: Record<string, string> = {};
    for (let index = 0; index + 1 < reply.length; index += 2) fields[reply[index]] = reply[index + 1];
    return fields;
  }

  async getValue(namespace: string, key: string): Promise<string | undefined> {
    return (await this.command((client) => client.get(this.valueKey(namespace, key)))) ?? undefined;
  }

  async getValues(namespace: string, keys: readonly string[]): Promise<Array<string | undefined>> {
    if (keys.length === 0) return [];
    const names = keys.map((key) => this.valueKey(namespace, key));
    return (await this.command((client) => client.mget(...names))).map((value) => value ?? undefined);
  }

  async setValue(namespace: string, key: string, value: string, ttlMs: number): Promise<void> {
    await this.command((client) =>
      client.set(this.valueKey(namespace, key), value, 'PX', Math.max(1, Math.ceil(ttlMs))),
    );
  }

  async deleteValue(namespace: string, key: string): Promise<boolean> {
    return (await this.command((client) => client.del(this.valueKey(namespace, key)))) > 0;
  }

  /**
   * Deletes the selected values with `SCAN` and `UNLINK` (not atomic: a value set meanwhile may stay). On a
   * Redis Cluster it scans every master (a `namespacePrefix` spans many slots) and unlinks slot by slot.
   */
  async clearValues(selector: KeyValueSelector): Promise<number> {
    const keyPattern = `${globEscape(selector.keyPrefix ?? '')}*`;
    const pattern =
      'namespace' in selector
        ? `${globEscape(`${this.prefix}kv:{${encodeNamespace(selector.namespace)}}:`)}${keyPattern}`
        : `${globEscape(`${this.prefix}kv:{${encodeNamespace(selector.namespacePrefix)}`)}*}:${keyPattern}`;
    let cleared = 0;
    await this.scan(pattern, async (client, names) => {
      for (const group of bySlot(client, names)) cleared += await this.command(() => client.unlink(...group));
    });
    return cleared;
  }

  async appendLogEntry(
    log: string,
    entry: CappedLogEntry,
    limits: { maxEntries: number; ttlMs: number },
  ): Promise<void> {
    const ttlMs = Math.max(1, Math.ceil(limits.ttlMs));
    const args = [
      cappedLogSortKey(entry.time, entry.id),
      entry.id,
      entry.body,
      String(Math.max(1, Math.floor(limits.maxEntries))),
      cappedLogSortKey(this.now() - ttlMs, ''),
      String(ttlMs),
    ];
    await this.script('appendLogEntry', this.logKeys(log), args);
  }

  async listLogEntries(log: string, range: CappedLogRange): Promise<CappedLogEntry[]> {
    const [index, bodies] = this.logKeys(log);
    const max = range.below === undefined ? '+' : `(${range.below}`;
    const min = range.from === undefined ? '-' : `[${cappedLogSortKey(range.from, '')}`;
    const members = await this.command((client) =>
      client.zrevrangebylex(index, max, min, 'LIMIT', '0', String(Math.max(1, Math.floor(range.count)))),
    );
    if (members.length === 0) return [];
    const ids = members.map((member) => member.slice(16));
    const values = await this.command((client) => client.hmget(bodies, ...ids));
    const entries: CappedLogEntry[] = [];
    members.forEach((member, index) => {
      const body = values[index];
      if (body !== null && body !== undefined)
        entries.push({ id: ids[index], time: Number(member.slice(0, 15)), body });
    });
    return entries;
  }

  async getLogEntry(log: string, id: string): Promise<string | undefined> {
    return (await this.command((client) => client.hget(this.logKeys(log)[1], id))) ?? undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = this.clientPromise;
    this.clientPromise = undefined;
    if (!pending) return;
    const client = await pending.catch(() => undefined);
    if (!client || this.options.client) return;
    if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
    else client.disconnect();
  }

  /**
   * Calls `found` with each batch of key names matching `pattern`: on a cluster, those of every master in turn.
   * `found` gets the client to run commands with (the cluster, which routes them by key).
   */
  private async scan(pattern: string, found: (client: RedisClient, names: string[]) => Promise<void>): Promise<void> {
    const client = await this.client();
    const nodes = client.isCluster && client.nodes ? client.nodes('master') : [client];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, names] = await this.command(() => node.scan(cursor, 'MATCH', pattern, 'COUNT', 500));
        cursor = next;
        if (names.length > 0) await found(client, names);
      } while (cursor !== '0');
    }
  }

  /** A capped log's keys: the index of sort keys, the bodies by id (one hash tag, one slot). */
  private logKeys(log: string): [string, string] {
    const base = `${this.prefix}log:{${encodeNamespace(log)}}`;
    return [`${base}:i`, `${base}:e`];
  }

  private valueKey(namespace: string, key: string): string {
    return `${this.prefix}kv:{${encodeNamespace(namespace)}}:${key}`;
  }

  private key(kind: string, name: string): string {
    return `${this.prefix}${kind}:${name}`;
  }

  /** A key of a group: `<prefix><kind>:{<group>}:<name>`, the group being the key's Redis Cluster hash tag. */
  private groupKey(kind: string, group: string | undefined, name: string): string {
    return `${this.prefix}${kind}:${groupTag(group)}:${name}`;
  }

  /** The keys of an expiring hash: values, expiries (one hash tag: the hash's name). */
  private expiringKeys(key: string): string[] {
    const base = `${this.prefix}e:{${encodeNamespace(key)}}`;
    return [base, `${base}:x`];
  }

  /** The keys of a meter's holds: hash, holds, expiries. */
  private holdKeys(meter: MeterRef): string[] {
    const base = this.groupKey('m', meter.group, meter.key);
    return [base, `${base}:h`, `${base}:x`];
  }

  /** Pushes a meter's key block (holds, then window slices) onto `keys`; returns the slice count. */
  private meterKeys(meter: MeterRef, now: number, keys: string[]): number {
    keys.push(...this.holdKeys(meter));
    if (!meter.window) return 0;
    const slices = windowSlices(meter.window, now);
    const base = this.groupKey('m', meter.group, meter.key);
    for (let index = slices.first; index <= slices.last; index += 1) keys.push(`${base}:s:${index}`);
    return slices.last - slices.first + 1;
  }

  /**
   * A grant (the free allocation) goes to a meter that does not exist yet. A store of the layout before hash tags
   * still holds such a meter under its old name, unmigrated: granting again would give the account its free
   * allocation twice and hide its balance. So the first reservation with a grant of each meter in this process looks
   * for the old name (one EXISTS) and refuses, naming the migration, when it is there.
   */
  private async refuseOldLayout(holds: readonly MeterHold[]): Promise<void> {
    for (const hold of holds) {
      if (hold.grant === undefined || this.layoutChecked.has(hold.key)) continue;
      const old = `${this.prefix}m:${hold.key}`;
      if ((await this.command((client) => client.exists(old))) > 0)
        throw new GatewayError(
          'config_invalid',
          `The Redis store holds keys of the layout before Redis Cluster support (such as ${old}): run \`switchyard store migrate\` (or migrateRedisStoreLayout()) with every old instance stopped, then start again`,
        );
      if (this.layoutChecked.size >= 10_000) this.layoutChecked.clear();
      this.layoutChecked.add(hold.key);
    }
  }

  private async script(name: RedisScriptName, keys: string[], args: string[]): Promise<unknown> {
    return this.command(async (client) => {
      try {
        return await client.evalsha(SHAS[name], keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        return client.eval(REDIS_SCRIPTS[name], keys.length, ...keys, ...args);
      }
    });
  }

  private async command<T>(run: (client: RedisClient) => Promise<T>): Promise<T> {
    const client = await this.client();
    try {
      return await run(client);
    } catch (error) {
      throw storeError(error, this.options.commandTimeoutMs ?? 1_000);
    }
  }

  private async client(): Promise<RedisClient> {
    if (this.closed) throw new GatewayError('store_unavailable', 'The Redis store was closed');
    this.clientPromise ??= this.createClient();
    const client = await this.clientPromise;
    if (client.status === 'ready') return client;
    if (client.status === 'wait') client.connect().catch(() => undefined);
    // A known outage (refused, reset) fails at once; a connection that is under way or timed out is slow, and waited
    // for.
    const waitMs = this.connectedOnce ? this.connectTimeoutMs : this.startTimeoutMs;
    if (!this.isDown() && client.status !== 'end') await waitForReady(client, waitMs, true);
    if (client.status === 'ready') return client;
    if (this.isDown() || client.status === 'end') {
      throw new GatewayError(
        'store_unavailable',
        `The Redis store is unreachable (${this.connectionError ?? `connection ${client.status}`}): Redis is down or not at the configured url`,
        { details: { reason: 'down' } },
      );
    }
    throw new GatewayError(
      'store_unavailable',
      `Redis did not answer within ${waitMs} ms (connection ${client.status}): it is slow, not down; raise ${this.connectedOnce ? 'connectTimeoutMs' : 'startTimeoutMs'} if this machine is this busy`,
      { details: { reason: 'slow' } },
    );
  }

  private isDown(): boolean {
    return this.connectionError !== undefined && DOWN_CODES.has(this.connectionError);
  }

  private async createClient(): Promise<RedisClient> {
    if (this.options.client) return this.watch(this.options.client as unknown as RedisClient);
    let Redis: RedisConstructor;
    let Cluster: ClusterConstructor | undefined;
    try {
      const module = (await importOptional('ioredis')) as {
        Redis?: RedisConstructor;
        Cluster?: ClusterConstructor;
        default?: RedisConstructor & { Cluster?: ClusterConstructor };
      };
      Redis = (module.Redis ?? module.default) as RedisConstructor;
      Cluster = module.Cluster ?? module.default?.Cluster;
    } catch (error) {
      this.clientPromise = undefined;
      throw new GatewayError('config_invalid', "The Redis store needs the 'ioredis' package: npm install ioredis", {
        cause: error,
      });
    }
    const maxDelay = this.options.maxReconnectDelayMs ?? 1_000;
    const retryStrategy = (attempt: number): number => Math.min(50 * 2 ** Math.min(attempt, 10), maxDelay);
    const connection = {
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: this.options.commandTimeoutMs ?? 1_000,
      connectTimeout: this.connectTimeoutMs,
    };
    if (this.options.cluster) {
      if (!Cluster) throw new GatewayError('config_invalid', "This version of 'ioredis' has no Cluster client");
      const nodes = this.options.cluster.map(clusterNode);
      const first = new URL(this.options.cluster[0]);
      const client = new Cluster(
        nodes.map(({ host, port }) => ({ host, port })),
        {
          lazyConnect: true,
          enableOfflineQueue: false,
          clusterRetryStrategy: retryStrategy,
          slotsRefreshTimeout: this.connectTimeoutMs,
          redisOptions: {
            ...connection,
            ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
            ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
            ...(first.protocol === 'rediss:' ? { tls: {} } : {}),
          },
        },
      );
      // A node's connection error says why the cluster is not ready (refused: down).
      client.on('node error', (error: unknown) => this.noteError(error));
      return this.watch(client);
    }
    const client = new Redis(this.options.url ?? 'redis://127.0.0.1:6379', {
      ...connection,
      lazyConnect: true,
      enableOfflineQueue: false,
      retryStrategy,
    });
    return this.watch(client);
  }

  private noteError(error: unknown): void {
    const code = (error as { code?: unknown }).code;
    this.connectionError =
      typeof code === 'string'
        ? code
        : error instanceof Error && /timed? ?out/i.test(error.message)
          ? 'ETIMEDOUT'
          : this.connectionError;
  }

  /** Follows a client's connection errors and readiness. */
  private watch(client: RedisClient): RedisClient {
    // Connection errors surface on commands as store_unavailable; the event itself must not crash.
    client.on('error', (error: unknown) => this.noteError(error));
    client.on('ready', () => {
      this.connectedOnce = true;
      this.connectionError = undefined;
    });
    return client;
  }
}

/**
 * The hash tag of a group: `{<group, URI-encoded>}`, or `{:}` for no group (an encoded group never holds a `:`,
 * so no group's tag is that one).
 *
 * @example
 * ```ts
 * groupTag('team acme'); // '{team%20acme}'
 * ```
 */
export function groupTag(group: string | undefined): string {
  return group ? `{${encodeNamespace(group)}}` : '{:}';
}

/** A cluster node's host and port from its URL. */
function clusterNode(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port || 6379) };
}

/** Key names grouped by hash slot (UNLINK of several keys needs one slot on a cluster), or all together. */
function bySlot(client: RedisClient, names: string[]): string[][] {
  if (!client.isCluster) return [names];
  const groups = new Map<number, string[]>();
  for (const name of names) {
    const slot = redisKeySlot(name);
    const group = groups.get(slot);
    if (group) group.push(name);
    else groups.set(slot, [name]);
  }
  return [...groups.values()];
}

function toState(values: readonly number[]): MeterState {
  return { credit: Number(values[0]), used: Number(values[1]), reserved: Number(values[2]), granted: values[3] === 1 };
}

function storeError(error: unknown, commandTimeoutMs: number): GatewayError {
  if (isGatewayError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.name === 'ReplyError' && !TRANSIENT_REPLY.test(message)) {
    return new GatewayError('internal_error', `A Redis store command failed: ${message}`, { cause: error });
  }
  if (/command timed out/i.test(message)) {
    return new GatewayError(
      'store_unavailable',
      `Redis did not answer a command within commandTimeoutMs (${commandTimeoutMs} ms): it is slow or frozen; raise commandTimeoutMs if this machine is this busy`,
      { cause: error, details: { reason: 'slow' } },
    );
  }
  return new GatewayError('store_unavailable', `The Redis store is unavailable: ${message}`, { cause: error });
}

/**
 * Resolves when the client is ready, has ended, the time is up, or (with `untilDown`) a connection error says Redis is
 * down.
 */
function waitForReady(client: RedisClient, timeoutMs: number, untilDown: boolean): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      client.removeListener('ready', done);
      client.removeListener('end', done);
      client.removeListener('error', failed);
      resolve();
    };
    const failed = (error: unknown): void => {
      const code = (error as { code?: unknown }).code;
      if (untilDown && typeof code === 'string' && DOWN_CODES.has(code)) done();
    };
    const timer = setTimeout(done, timeoutMs);
    client.on('ready', done);
    client.on('end', done);
    client.on('error', failed);
  });
}
