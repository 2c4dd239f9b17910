/**
 * The token store's Lua scripts. Redis has no multi-statement transactions that can wait for the
 * password write, so `redeem` runs claim -> apply -> commit or undo: the claim puts a unique
 * marker on the record in one atomic step that also checks the token is outstanding, and commit
 * and undo act only while the marker is still the caller's.
 *
 * A record is a hash: userId, issuedAt, expiresAt (ms), issuedBy (absent for none), passwordStamp,
 * state ('outstanding' | 'used' | 'revoked'), claim (the marker, absent when unclaimed) and
 * revokedWhileClaimed. ARGV[1] of the scripts that touch other records is the token key prefix.
 */

/** Marks every unclaimed token of the user revoked; claimed ones get revokedWhileClaimed, so an undo cannot revive them. */
const REVOKE_USER_TOKENS = `
local function revokeAll(prefix, userTokens, dead)
  for _, other in ipairs(redis.call('SMEMBERS', userTokens)) do
    local key = prefix .. other
    if redis.call('HEXISTS', key, 'claim') == 1 then
      redis.call('HSET', key, 'revokedWhileClaimed', '1')
    else
      if redis.call('HGET', key, 'state') == 'outstanding' then redis.call('HSET', key, 'state', 'revoked') end
      redis.call('SREM', userTokens, other)
      redis.call('SADD', dead, other)
    end
  end
end
`;

/**
 * KEYS: token, user's tokens, expiry index, dead set. ARGV: prefix, id, userId, issuedAt,
 * expiresAt, issuedBy ('' for none), has issuedBy ('1'/'0'), passwordStamp.
 */
export const ISSUE = `${REVOKE_USER_TOKENS}
revokeAll(ARGV[1], KEYS[2], KEYS[4])
redis.call('HSET', KEYS[1], 'userId', ARGV[3], 'issuedAt', ARGV[4], 'expiresAt', ARGV[5], 'passwordStamp', ARGV[8], 'state', 'outstanding')
if ARGV[7] == '1' then redis.call('HSET', KEYS[1], 'issuedBy', ARGV[6]) end
redis.call('SADD', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[5], ARGV[2])
return 1
`;

/** KEYS: user's tokens, dead set. ARGV: prefix. */
export const REVOKE_FOR_USER = `${REVOKE_USER_TOKENS}
revokeAll(ARGV[1], KEYS[1], KEYS[2])
return 1
`;

/**
 * KEYS: user's tokens. ARGV: prefix, now (ms). The user's tokens outstanding at now and not
 * claimed, each as { id, [field, value, ...] }.
 */
export const LIST_OUTSTANDING = `
local found = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[1] .. id
  local t = redis.call('HMGET', key, 'state', 'claim', 'expiresAt')
  if t[1] == 'outstanding' and not t[2] and tonumber(t[3]) > tonumber(ARGV[2]) then
    table.insert(found, { id, redis.call('HGETALL', key) })
  end
end
return found
`;

/**
 * KEYS: user's tokens, dead set. ARGV: prefix, now (ms), token id ('' for all). Revokes the user's
 * unclaimed outstanding tokens (or that one) and counts those not expired at now. A claimed one
 * is not counted but marked revokedWhileClaimed: its commit wins, its undo leaves it revoked.
 */
export const REVOKE_OUTSTANDING = `
local revoked = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if ARGV[3] == '' or id == ARGV[3] then
    local key = ARGV[1] .. id
    if redis.call('HEXISTS', key, 'claim') == 1 then
      redis.call('HSET', key, 'revokedWhileClaimed', '1')
    else
      local t = redis.call('HMGET', key, 'state', 'expiresAt')
      if t[1] == 'outstanding' then
        redis.call('HSET', key, 'state', 'revoked')
        if tonumber(t[2]) > tonumber(ARGV[2]) then revoked = revoked + 1 end
      end
      redis.call('SREM', KEYS[1], id)
      redis.call('SADD', KEYS[2], id)
    end
  end
end
return revoked
`;

/**
 * KEYS: token, user's tokens, dead set. ARGV: now (ms), budget, id. Counts one refused redemption
 * of an outstanding, unclaimed token; the one that reaches the budget revokes it. Resolves the
 * refusals left, or nil when the token was not usable.
 */
export const RECORD_REFUSAL = `
local t = redis.call('HMGET', KEYS[1], 'state', 'claim', 'expiresAt')
if t[1] ~= 'outstanding' or t[2] or tonumber(t[3]) <= tonumber(ARGV[1]) then return false end
local refusals = redis.call('HINCRBY', KEYS[1], 'refusals', 1)
local left = tonumber(ARGV[2]) - refusals
if left <= 0 then
  redis.call('HSET', KEYS[1], 'state', 'revoked')
  redis.call('SREM', KEYS[2], ARGV[3])
  redis.call('SADD', KEYS[3], ARGV[3])
  return 0
end
return left
`;

/** KEYS: token. ARGV: now (ms), claim marker. Resolves the record's fields as a flat list, or nil when not outstanding. */
export const CLAIM = `
local t = redis.call('HMGET', KEYS[1], 'state', 'claim', 'expiresAt')
if t[1] ~= 'outstanding' or t[2] or tonumber(t[3]) <= tonumber(ARGV[1]) then return false end
redis.call('HSET', KEYS[1], 'claim', ARGV[2])
return redis.call('HGETALL', KEYS[1])
`;

/** KEYS: token, user's tokens, dead set. ARGV: claim marker, id. Consumes the token if the claim is still ours. */
export const COMMIT = `
if redis.call('HGET', KEYS[1], 'claim') ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 'claim', 'revokedWhileClaimed')
redis.call('HSET', KEYS[1], 'state', 'used')
redis.call('SREM', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[2])
return 1
`;

/** KEYS: token, user's tokens, dead set. ARGV: claim marker, id. Releases the claim; a token revoked meanwhile stays revoked. */
export const UNDO = `
if redis.call('HGET', KEYS[1], 'claim') ~= ARGV[1] then return 0 end
if redis.call('HGET', KEYS[1], 'revokedWhileClaimed') == '1' then
  redis.call('HSET', KEYS[1], 'state', 'revoked')
  redis.call('SREM', KEYS[2], ARGV[2])
  redis.call('SADD', KEYS[3], ARGV[2])
end
redis.call('HDEL', KEYS[1], 'claim', 'revokedWhileClaimed')
return 1
`;

/**
 * KEYS: expiry index, dead set. ARGV: prefix, now (ms), user-tokens key prefix. Deletes records
 * expired at now, used and revoked ones, never a claimed one; returns how many.
 */
export const PURGE = `
local purged = 0
local function drop(id)
  local key = ARGV[1] .. id
  if redis.call('HEXISTS', key, 'claim') == 1 then return end
  local userId = redis.call('HGET', key, 'userId')
  if userId then redis.call('SREM', ARGV[3] .. userId, id) end
  purged = purged + redis.call('DEL', key)
  redis.call('ZREM', KEYS[1], id)
  redis.call('SREM', KEYS[2], id)
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])) do drop(id) end
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do drop(id) end
return purged
`;

/**
 * KEYS: the user's reset link slot. ARGV: now (ms), free at (ms), expiry (ms, for Redis to drop the
 * key well after the window). The slot is "claimedAt:freeAt"; taken when absent or free at now.
 * Resolves 1 when claimed, 0 when the window of an earlier claim still lasts.
 */
export const CLAIM_RESET_LINK = `
local slot = redis.call('GET', KEYS[1])
if slot then
  local freeAt = tonumber(string.match(slot, ':(%d+)$'))
  if freeAt and freeAt > tonumber(ARGV[1]) then return 0 end
end
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'PX', ARGV[3])
return 1
`;

/** KEYS: the user's reset link slot. ARGV: claimedAt (ms). Deletes the slot only while it holds that claim. */
export const RELEASE_RESET_LINK = `
local slot = redis.call('GET', KEYS[1])
if slot and string.match(slot, '^(%d+):') == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`;
