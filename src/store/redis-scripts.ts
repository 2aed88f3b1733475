/**
 * The Lua scripts of the Redis store: every check-and-update is one script, so it runs atomically
 * on the server. Amounts travel as decimal strings (never through Lua's number formatting, which
 * would write large integers in exponent notation) and are compared as Lua numbers, exact up to 2^53.
 *
 * A meter occupies a block of keys: its hash (`credit`, `used`, `reserved`, `granted`), its holds
 * (hash: reservation id → amount), its hold expiries (sorted set: id → epoch ms) and, for a rolling
 * window, its slice counters (oldest first, the current one last).
 *
 * @module
 */

const PRELUDE = `
local function num(value) if value then return tonumber(value) end return 0 end
local function incr(key, field, amount)
  if tonumber(amount) ~= 0 then redis.call('HINCRBY', key, field, amount) end
end
local function purge(hash, holds, expiries, now)
  local lapsed = redis.call('ZRANGEBYSCORE', expiries, '-inf', now)
  for _, id in ipairs(lapsed) do
    local amount = redis.call('HGET', holds, id)
    if amount then
      redis.call('HDEL', holds, id)
      incr(hash, 'reserved', '-' .. amount)
    end
  end
  if #lapsed > 0 then redis.call('ZREMRANGEBYSCORE', expiries, '-inf', now) end
end
local function drop(hash, holds, expiries, id)
  local amount = redis.call('HGET', holds, id)
  if amount then
    redis.call('HDEL', holds, id)
    redis.call('ZREM', expiries, id)
    incr(hash, 'reserved', '-' .. amount)
  end
end
local function touch(hash, holds, expiries, ttl)
  if tonumber(ttl) > 0 then
    redis.call('PEXPIRE', hash, ttl)
    redis.call('PEXPIRE', holds, ttl)
    redis.call('PEXPIRE', expiries, ttl)
  end
end
-- credit, used, reserved, granted of the meter whose block starts at KEYS[k] with ns slices
local function state(k, ns)
  local fields = redis.call('HMGET', KEYS[k], 'credit', 'used', 'reserved', 'granted')
  local used = num(fields[2])
  if ns > 0 then
    used = 0
    for s = 1, ns do used = used + num(redis.call('GET', KEYS[k + 2 + s])) end
  end
  local granted = 0
  if fields[4] then granted = 1 end
  return { num(fields[1]), used, num(fields[3]), granted }
end
local function append(key, body, ttl, id, timestamp, trimBefore, firstIndex, count)
  if redis.call('SET', key, body, 'PX', ttl, 'NX') == false then return 0 end
  for i = firstIndex, firstIndex + count - 1 do
    redis.call('ZADD', KEYS[i], timestamp, id)
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', '(' .. trimBefore)
    redis.call('PEXPIRE', KEYS[i], ttl)
  end
  return 1
end
`;

/**
 * KEYS: marker, then per meter: hash, holds, expiries, slices…
 * ARGV: now, id, holdTtl, meterCount, then per meter: sliceCount, ttl, amount, limit (-1: credit), grant (-1: none).
 * Returns {1, duplicate} or {0, index, limit, credit, used, reserved, granted}.
 */
const RESERVE = `${PRELUDE}
local now, id, holdTtl, n = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
if redis.call('EXISTS', KEYS[1]) == 1 then return { 1, 1 } end
local k, a = 2, 5
local plan = {}
for i = 1, n do
  local ns, ttl, amount, limit, grant = tonumber(ARGV[a]), ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3]), ARGV[a + 4]
  purge(KEYS[k], KEYS[k + 1], KEYS[k + 2], now)
  if tonumber(grant) >= 0 and redis.call('HSETNX', KEYS[k], 'granted', '1') == 1 then
    incr(KEYS[k], 'credit', grant)
    touch(KEYS[k], KEYS[k + 1], KEYS[k + 2], ttl)
  end
  local s = state(k, ns)
  if limit < 0 then limit = s[1] end
  if s[2] + s[3] + tonumber(amount) > limit then return { 0, i - 1, limit, s[1], s[2], s[3], s[4] } end
  plan[i] = { k, amount, ttl }
  k = k + 3 + ns
  a = a + 5
end
for i = 1, n do
  local m, amount, ttl = plan[i][1], plan[i][2], plan[i][3]
  redis.call('HSET', KEYS[m + 1], id, amount)
  redis.call('ZADD', KEYS[m + 2], tonumber(now) + tonumber(holdTtl), id)
  incr(KEYS[m], 'reserved', amount)
  touch(KEYS[m], KEYS[m + 1], KEYS[m + 2], ttl)
end
redis.call('SET', KEYS[1], 'held', 'PX', holdTtl)
return { 1, 0 }
`;

/**
 * KEYS: marker, record, index…, then per meter: hash, holds, expiries, slices…
 * ARGV: now, id, markerTtl, meterCount, hasRecord, indexCount, body, timestamp, recordTtl, trimBefore,
 * then per meter: sliceCount, ttl, sliceTtl, amount.
 * Returns {applied, then per meter: credit, used, reserved, granted}.
 */
const SETTLE = `${PRELUDE}
local now, id, markerTtl, n = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local hasRecord, indexCount = ARGV[5] == '1', tonumber(ARGV[6])
local applied = 1
if redis.call('GET', KEYS[1]) == 'settled' then applied = 0 end
if applied == 1 and hasRecord and redis.call('EXISTS', KEYS[2]) == 1 then applied = 0 end
local k, a = 3 + indexCount, 11
local result = { applied }
for i = 1, n do
  local ns, ttl, sliceTtl, amount = tonumber(ARGV[a]), ARGV[a + 1], ARGV[a + 2], ARGV[a + 3]
  if applied == 1 then
    drop(KEYS[k], KEYS[k + 1], KEYS[k + 2], id)
    if ns > 0 then
      if tonumber(amount) ~= 0 then
        redis.call('INCRBY', KEYS[k + 2 + ns], amount)
        redis.call('PEXPIRE', KEYS[k + 2 + ns], sliceTtl)
      end
    else
      incr(KEYS[k], 'used', amount)
    end
    touch(KEYS[k], KEYS[k + 1], KEYS[k + 2], ttl)
  end
  local s = state(k, ns)
  for _, value in ipairs(s) do table.insert(result, value) end
  k = k + 3 + ns
  a = a + 4
end
if applied == 1 then
  if hasRecord then append(KEYS[2], ARGV[7], ARGV[9], id, ARGV[8], ARGV[10], 3, indexCount) end
  redis.call('SET', KEYS[1], 'settled', 'PX', markerTtl)
end
return result
`;

/**
 * KEYS: marker, then per meter: hash, holds, expiries. ARGV: id, markerTtl.
 * Returns 1 when released, 0 when already settled or released.
 */
const RELEASE = `${PRELUDE}
local state = redis.call('GET', KEYS[1])
if state == 'settled' or state == 'released' then return 0 end
for k = 2, #KEYS, 3 do drop(KEYS[k], KEYS[k + 1], KEYS[k + 2], ARGV[1]) end
redis.call('SET', KEYS[1], 'released', 'PX', ARGV[2])
return 1
`;

/** KEYS: hash, holds, expiries, slices… ARGV: now, sliceCount. Returns {credit, used, reserved, granted}. */
const READ_METER = `${PRELUDE}
purge(KEYS[1], KEYS[2], KEYS[3], ARGV[1])
return state(1, tonumber(ARGV[2]))
`;

/**
 * KEYS: hash, holds, expiries, marker. ARGV: amount, grant ('1'/'0'), useMarker ('1'/'0'), markerTtl, ttl.
 * Returns {credit, used, reserved, granted, applied}.
 */
const CREDIT = `${PRELUDE}
local applied = 1
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[4]) == 1 then applied = 0 end
if applied == 1 and ARGV[2] == '1' and redis.call('HSETNX', KEYS[1], 'granted', '1') == 0 then applied = 0 end
if applied == 1 then
  incr(KEYS[1], 'credit', ARGV[1])
  if ARGV[3] == '1' then redis.call('SET', KEYS[4], '1', 'PX', ARGV[4]) end
  touch(KEYS[1], KEYS[2], KEYS[3], ARGV[5])
end
local s = state(1, 0)
table.insert(s, applied)
return s
`;

/**
 * KEYS: window slices, oldest first (the current one last). ARGV: amount, limit (-1: none), sliceTtl.
 * Returns {1, total} or {0, total, count per slice…}.
 */
const WINDOW_ADD = `
local counts, total = {}, 0
for i = 1, #KEYS do
  local count = tonumber(redis.call('GET', KEYS[i]) or '0')
  counts[i] = count
  total = total + count
end
local amount, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
if limit >= 0 and total + math.max(amount, 1) > limit then
  local result = { 0, total }
  for i = 1, #counts do table.insert(result, counts[i]) end
  return result
end
if amount ~= 0 then
  redis.call('INCRBY', KEYS[#KEYS], ARGV[1])
  redis.call('PEXPIRE', KEYS[#KEYS], ARGV[3])
end
return { 1, total + amount }
`;

/** KEYS: counter. ARGV: amount, ttl ('' for none). Returns the new value. */
const INCREMENT = `
local existed = redis.call('EXISTS', KEYS[1])
local value = redis.call('INCRBY', KEYS[1], ARGV[1])
if existed == 0 and ARGV[2] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return value
`;

/** KEYS: record, index… ARGV: body, timestamp, recordTtl, trimBefore, id. Returns 1 if appended. */
const APPEND_RECORD = `${PRELUDE}
return append(KEYS[1], ARGV[1], ARGV[3], ARGV[5], ARGV[2], ARGV[4], 2, #KEYS - 1)
`;

/**
 * KEYS: hash (field → value), expiries (sorted set: field → epoch ms). ARGV: now, field, value, expiresAt.
 * Drops lapsed fields, sets this one, and lets both keys expire with their last field.
 */
const SET_EXPIRING_FIELD = `
local now = tonumber(ARGV[1])
local lapsed = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
if #lapsed > 0 then
  redis.call('HDEL', KEYS[1], unpack(lapsed))
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
end
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[2])
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
local ttl = math.max(1, math.floor(tonumber(last[2]) - now))
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
return 1
`;

/** KEYS: hash, expiries. ARGV: now. Returns the live fields as field, value, field, value… */
const GET_EXPIRING_FIELDS = `
local fields = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. ARGV[1], '+inf')
local result = {}
if #fields == 0 then return result end
local values = redis.call('HMGET', KEYS[1], unpack(fields))
for i, field in ipairs(fields) do
  if values[i] then
    table.insert(result, field)
    table.insert(result, values[i])
  end
end
return result
`;

/**
 * Appends to a capped log. KEYS: the index (sorted set, every score 0, members `<time15>:<id>` in lexical
 * order), the bodies (hash: id → body). ARGV: member, id, body, max entries, cutoff member (members below it
 * have expired), ttl ms. Drops the expired entries and the oldest beyond the cap; returns how many it dropped.
 */
const APPEND_LOG_ENTRY = `
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[1], 0, ARGV[1])
local drop = redis.call('ZRANGEBYLEX', KEYS[1], '-', '(' .. ARGV[5])
local excess = redis.call('ZCARD', KEYS[1]) - #drop - tonumber(ARGV[4])
if excess > 0 then
  for _, member in ipairs(redis.call('ZRANGE', KEYS[1], #drop, #drop + excess - 1)) do table.insert(drop, member) end
end
for start = 1, #drop, 500 do
  local members, ids = {}, {}
  for i = start, math.min(start + 499, #drop) do
    table.insert(members, drop[i])
    table.insert(ids, string.sub(drop[i], 17))
  end
  redis.call('ZREM', KEYS[1], unpack(members))
  redis.call('HDEL', KEYS[2], unpack(ids))
end
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
return #drop
`;

/**
 * Every script of the Redis store, by name.
 *
 * @example
 * ```ts
 * await client.eval(REDIS_SCRIPTS.increment, 1, 'switchyard:c:hits', '1', '60000');
 * ```
 */
export const REDIS_SCRIPTS = {
  reserve: RESERVE,
  settle: SETTLE,
  release: RELEASE,
  readMeter: READ_METER,
  credit: CREDIT,
  windowAdd: WINDOW_ADD,
  increment: INCREMENT,
  appendRecord: APPEND_RECORD,
  setExpiringField: SET_EXPIRING_FIELD,
  getExpiringFields: GET_EXPIRING_FIELDS,
  appendLogEntry: APPEND_LOG_ENTRY,
} as const;

/** A script's name. @example `'reserve'` */
export type RedisScriptName = keyof typeof REDIS_SCRIPTS;
