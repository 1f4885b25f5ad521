import { createHash } from 'node:crypto';

/**
 * The Lua scripts of RedisStore. Each one touches exactly ONE key (KEYS[1]), so none can ever be cross-slot in
 * Redis Cluster; the change notification is published from inside the write script, so a watcher sees writes of one
 * key in the order they happened.
 *
 * A document is a hash: `v` (the JSON text; absent once deleted) and `ver` (the version, kept after a delete as a
 * tombstone so versions keep growing).
 * Change messages: `p\n<version>\n<key>\n<json>` for a write, `d\n<version>\n<key>\n` for a delete.
 */
export interface Script {
  readonly lua: string;
  readonly sha: string;
}

function script(lua: string): Script {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/**
 * Versioned put / compare-and-set / set-if-absent.
 * ARGV: json, expectedVersion ('' = any), ttlMs ('' = none), channel, key.
 * Returns {newVersion, 0} or {-1, liveVersion} on conflict (liveVersion 0: no live value).
 */
export const PUT = script(`
local cur = redis.call('HMGET', KEYS[1], 'ver', 'v')
local ver = tonumber(cur[1]) or 0
local live = 0
if cur[2] then live = ver end
if ARGV[2] ~= '' and tonumber(ARGV[2]) ~= live then return {-1, live} end
local nv = ver + 1
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'ver', nv)
if ARGV[3] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[3]) else redis.call('PERSIST', KEYS[1]) end
redis.call('PUBLISH', ARGV[4], 'p\\n' .. nv .. '\\n' .. ARGV[5] .. '\\n' .. ARGV[1])
return {nv, 0}
`);

/**
 * Delete, optionally compare-and-delete. Leaves a tombstone (`ver` only) that expires after ARGV[4] ms.
 * ARGV: expectedVersion ('' = any), channel, key, tombstoneTtlMs.
 * Returns {1, newVersion} when deleted, {0, 0} when there was nothing, {-1, liveVersion} on conflict.
 */
export const DELETE = script(`
local cur = redis.call('HMGET', KEYS[1], 'ver', 'v')
local ver = tonumber(cur[1]) or 0
local live = 0
if cur[2] then live = ver end
if ARGV[1] ~= '' and tonumber(ARGV[1]) ~= live then return {-1, live} end
if live == 0 then return {0, 0} end
local nv = ver + 1
redis.call('HDEL', KEYS[1], 'v')
redis.call('HSET', KEYS[1], 'ver', nv)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
redis.call('PUBLISH', ARGV[2], 'd\\n' .. nv .. '\\n' .. ARGV[3] .. '\\n')
return {1, nv}
`);

/**
 * Counter increment: HINCRBY for integers (HINCRBYFLOAT once a field holds a fraction), then PEXPIRE.
 * ARGV: field, by, ttlMs ('' = keep). Returns the new value as a string.
 */
export const INCREMENT = script(`
local n
if string.find(ARGV[2], '^-?%d+$') then
  n = redis.pcall('HINCRBY', KEYS[1], ARGV[1], ARGV[2])
  if type(n) == 'table' and n.err then n = redis.call('HINCRBYFLOAT', KEYS[1], ARGV[1], ARGV[2]) end
else
  n = redis.call('HINCRBYFLOAT', KEYS[1], ARGV[1], ARGV[2])
end
if ARGV[3] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return tostring(n)
`);

/** Compare-and-renew: extends the lease only if `owner` (ARGV[1]) holds it. ARGV: owner, ttlMs. Returns 1 or 0. */
export const RENEW_LEASE = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`);

/** Compare-and-delete: releases the lease only if `owner` (ARGV[1]) holds it. */
export const RELEASE_LEASE = script(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/** Escapes the glob characters of SCAN MATCH so a prefix matches literally. */
export function escapeGlob(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}

/** Parses a change message; undefined when it is not one of ours. */
export function parseChange(message: string): { key: string; version: number; deleted: boolean; raw?: string } | undefined {
  const a = message.indexOf('\n');
  const b = message.indexOf('\n', a + 1);
  const c = message.indexOf('\n', b + 1);
  if (a !== 1 || b < 0 || c < 0) return undefined;
  const op = message[0];
  const version = Number(message.slice(a + 1, b));
  const key = message.slice(b + 1, c);
  if (!Number.isInteger(version) || version < 1 || !key) return undefined;
  if (op === 'd') return { key, version, deleted: true };
  if (op === 'p') return { key, version, deleted: false, raw: message.slice(c + 1) };
  return undefined;
}
