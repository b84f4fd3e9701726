import type { Redis } from 'ioredis'

import type { CounterState, CounterStore } from '../types.js'
import { escapeGlob, LuaScript } from './connect.js'

// A counter lives a day past its last use (window or block), as the SQL housekeeping keeps
// it; Redis expires it by itself, so an idle counter costs nothing even without housekeeping.
const IDLE_SECONDS = 86400

// Each counter is one hash: c = count, w = window start, b = blocked until (absent: none).
// Times are the caller's Unix seconds, so a frozen test clock works as the SQL stores do.
const INCREMENT = new LuaScript(`
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local fields = redis.call('HMGET', KEYS[1], 'c', 'w', 'b')
local count = tonumber(fields[1])
local started = tonumber(fields[2])
if count == nil or started <= now - window then
  count = 1
  started = now
else
  count = count + 1
end
redis.call('HSET', KEYS[1], 'c', count, 'w', started)
local last = math.max(started + window, tonumber(fields[3]) or 0, now)
redis.call('EXPIRE', KEYS[1], last - now + tonumber(ARGV[3]))
return {count, started, fields[3]}
`)

const BLOCK = new LuaScript(`
local started = tonumber(redis.call('HGET', KEYS[1], 'w'))
if started == nil then return 0 end
redis.call('HSET', KEYS[1], 'b', ARGV[1])
local wanted = tonumber(ARGV[1]) - started + tonumber(ARGV[2])
if wanted > redis.call('TTL', KEYS[1]) then redis.call('EXPIRE', KEYS[1], wanted) end
return 1
`)

const DELETE_IDLE = new LuaScript(`
local before = tonumber(ARGV[1])
local deleted = 0
for _, key in ipairs(KEYS) do
  local fields = redis.call('HMGET', key, 'w', 'b')
  local started = tonumber(fields[1])
  local blocked = tonumber(fields[2])
  if started ~= nil and started < before and (blocked == nil or blocked < before) then
    redis.call('DEL', key)
    deleted = deleted + 1
  end
end
return deleted
`)

/**
 * Throttling counters in Redis, shared by every instance. Each operation is one Lua script,
 * so concurrent increments from several instances are counted exactly, as the SQL
 * upsert does. Keys are `<prefix>counter:<key>`.
 */
export class RedisCounterStore implements CounterStore {
  constructor(
    private readonly client: Redis,
    private readonly prefix: string,
  ) {}

  async incrementCounter(key: string, now: number, windowSeconds: number): Promise<CounterState> {
    const reply = (await INCREMENT.run(
      this.client,
      [this.keyOf(key)],
      [now, windowSeconds, IDLE_SECONDS],
    )) as [number, number, string | null]
    return { count: reply[0], windowStartedAt: reply[1], blockedUntil: optionalNumber(reply[2]) }
  }

  async readCounter(key: string): Promise<CounterState | null> {
    const [count, started, blocked] = await this.client.hmget(this.keyOf(key), 'c', 'w', 'b')
    if (count === null || started === null) return null
    return {
      count: Number(count),
      windowStartedAt: Number(started),
      blockedUntil: optionalNumber(blocked),
    }
  }

  async blockCounter(key: string, until: number): Promise<void> {
    await BLOCK.run(this.client, [this.keyOf(key)], [until, IDLE_SECONDS])
  }

  async deleteCounter(key: string): Promise<void> {
    await this.client.del(this.keyOf(key))
  }

  /** Deletes idle counters now; Redis also expires them a day after their last use. */
  async deleteCountersIdleSince(before: number): Promise<number> {
    let cursor = '0'
    let deleted = 0
    do {
      const [next, keys] = await this.client.scan(
        cursor,
        'MATCH',
        `${escapeGlob(this.prefix)}counter:*`,
        'COUNT',
        500,
      )
      if (keys.length > 0) deleted += Number(await DELETE_IDLE.run(this.client, keys, [before]))
      cursor = next
    } while (cursor !== '0')
    return deleted
  }

  async close(): Promise<void> {
    this.client.disconnect()
  }

  private keyOf(key: string): string {
    return `${this.prefix}counter:${key}`
  }
}

function optionalNumber(value: string | null | undefined): number | null {
  return value === null || value === undefined ? null : Number(value)
}
