/**
 * The user store's Lua scripts. Redis runs each script as one atomic step, on every connection
 * and app instance alike: every decision (does the hash still match? is the account locked?)
 * happens inside Redis, never as a read in JavaScript followed by a write.
 */

/**
 * KEYS: user, history. ARGV: new hash, previous hash, previous is null ('1'/'0'), history size,
 * reinstate ('1'/'0'), rehash ('1'/'0': the same password re-hashed, so the history stays as it is),
 * activeAt ms ('' for none: with it, write only while the account is neither revoked nor locked then,
 * and clear the counter, the lock history and any run-out lock in the same step), changedAt ms and
 * change required ('1'/'0'): a new password's time and flag (ignored on a rehash), lift inactivity
 * ('1'/'0': with reinstate, an administrator's reset also lifts a revocation for inactivity).
 */
export const SET_PASSWORD = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local current = redis.call('HGET', KEYS[1], 'passwordHash')
if ARGV[3] == '1' then
  if current then return 0 end
elseif current ~= ARGV[2] then
  return 0
end
if ARGV[7] ~= '' then
  local state = redis.call('HMGET', KEYS[1], 'isRevoked', 'lockedUntil')
  if state[1] == '1' or (state[2] and tonumber(state[2]) > tonumber(ARGV[7])) then return 0 end
  -- The right current password is a success: cleared with the write, never before a refused one.
  redis.call('HSET', KEYS[1], 'failedAttempts', '0', 'lockouts', '0')
  redis.call('HDEL', KEYS[1], 'lockedUntil')
end
if ARGV[6] ~= '1' then
  local size = tonumber(ARGV[4])
  if ARGV[3] == '0' and size > 0 then redis.call('LPUSH', KEYS[2], ARGV[2]) end
  if size > 0 then redis.call('LTRIM', KEYS[2], 0, size - 1) else redis.call('DEL', KEYS[2]) end
end
redis.call('HSET', KEYS[1], 'passwordHash', ARGV[1])
if ARGV[6] ~= '1' then redis.call('HSET', KEYS[1], 'passwordChangedAt', ARGV[8], 'passwordChangeRequired', ARGV[9]) end
-- A reset lifts the lockout's revocation (an administrator's reset, ARGV[10], also one for inactivity); an administrator's (or one of unknown kind) stays.
local revoked = redis.call('HGET', KEYS[1], 'isRevoked') == '1'
local kind = redis.call('HGET', KEYS[1], 'revokedBy')
if ARGV[5] == '1' and (not revoked or kind == 'lockout' or (ARGV[10] == '1' and kind == 'inactivity')) then
  redis.call('HSET', KEYS[1], 'isRevoked', '0', 'failedAttempts', '0', 'lockouts', '0')
  redis.call('HDEL', KEYS[1], 'lockedUntil', 'revokedBy')
end
return 1
`;

/**
 * KEYS: user. ARGV: threshold, now (ms), mode ('revoke'/'temporary'), base ms, max ms.
 * Returns nil for an unknown user, else { failedAttempts, lockedNow (0/1), isRevoked (0/1), lockedUntil ms or '' }.
 */
export const RECORD_FAILED_ATTEMPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local u = redis.call('HMGET', KEYS[1], 'isRevoked', 'failedAttempts', 'lockedUntil', 'lockouts')
local revoked = u[1] == '1'
local count = tonumber(u[2] or '0')
local lockedUntil = u[3] and tonumber(u[3]) or nil
local lockouts = tonumber(u[4] or '0')
local threshold = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local lockedNow = 0
if not revoked and not (lockedUntil and lockedUntil > now) then
  -- Never past the threshold; a counter already there (the revoked flag was cleared outside
  -- this store) locks again.
  count = math.min(count + 1, threshold)
  lockedUntil = nil
  if count >= threshold then
    lockedNow = 1
    if ARGV[3] == 'revoke' then
      revoked = true
      redis.call('HSET', KEYS[1], 'revokedBy', 'lockout')
    else
      lockedUntil = now + math.min(tonumber(ARGV[4]) * 2 ^ math.min(lockouts, 60), tonumber(ARGV[5]))
      lockouts = lockouts + 1
      count = 0
    end
  end
  redis.call('HSET', KEYS[1], 'failedAttempts', count, 'isRevoked', revoked and '1' or '0', 'lockouts', lockouts)
  if lockedUntil then redis.call('HSET', KEYS[1], 'lockedUntil', tostring(lockedUntil)) else redis.call('HDEL', KEYS[1], 'lockedUntil') end
end
return { count, lockedNow, revoked and 1 or 0, lockedUntil and tostring(lockedUntil) or '' }
`;

/** KEYS: user. Resets counter, lock and lock history; a no-op for unknown users. */
export const CLEAR_FAILED_ATTEMPTS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'failedAttempts', '0', 'lockouts', '0')
redis.call('HDEL', KEYS[1], 'lockedUntil')
return 1
`;

/**
 * KEYS: user. ARGV: verified hash, now (ms). Clears counter, lock and lock history only while the
 * account is active and still has the verified hash; returns what it found: 'ok', 'revoked',
 * 'locked', 'password-changed', or nil for an unknown user.
 */
export const RECORD_SUCCESSFUL_ATTEMPT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local u = redis.call('HMGET', KEYS[1], 'isRevoked', 'lockedUntil', 'passwordHash')
if u[1] == '1' then return 'revoked' end
if u[2] and tonumber(u[2]) > tonumber(ARGV[2]) then return 'locked' end
if u[3] ~= ARGV[1] then return 'password-changed' end
redis.call('HSET', KEYS[1], 'failedAttempts', '0', 'lockouts', '0')
redis.call('HDEL', KEYS[1], 'lockedUntil')
return 'ok'
`;

/** KEYS: user. ARGV: revoke ('1'/'0'), now ms. Revoking is an administrator's; reinstating clears any kind, counter, lock and lock history, and records the reinstatement's time. */
export const SET_REVOKED = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == '1' then
  redis.call('HSET', KEYS[1], 'isRevoked', '1', 'revokedBy', 'admin')
else
  -- A reinstatement also starts a new period of accountExpiryDays.
  redis.call('HSET', KEYS[1], 'isRevoked', '0', 'failedAttempts', '0', 'lockouts', '0', 'reactivatedAt', ARGV[2])
  redis.call('HDEL', KEYS[1], 'lockedUntil', 'revokedBy')
end
return 1
`;

/** KEYS: user. ARGV: required ('1'/'0'). Returns 0 for an unknown user. */
export const SET_PASSWORD_CHANGE_REQUIRED = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'passwordChangeRequired', ARGV[1])
return 1
`;

/** KEYS: user. ARGV: ISO time, the same in ms. */
export const RECORD_LOGIN = `
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'lastLogin', ARGV[1], 'lastLoginMs', ARGV[2]) end
return 0
`;

/**
 * KEYS: user. ARGV: cutoff ms. Revokes for inactivity ('inactivity') a local, active user last
 * active (the latest of sign-in, password time, reinstatement, creation) before the cutoff; returns 1 then, else 0.
 */
export const EXPIRE_INACTIVE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local u = redis.call('HMGET', KEYS[1], 'isRemote', 'isRevoked', 'lastLoginMs', 'passwordChangedAt', 'reactivatedAt', 'createdAt')
if u[1] == '1' or u[2] == '1' then return 0 end
-- The latest of sign-in, password time, reinstatement and creation.
local at = nil
for i = 3, 6 do
  if u[i] and (at == nil or tonumber(u[i]) > at) then at = tonumber(u[i]) end
end
if at == nil or at >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'isRevoked', '1', 'revokedBy', 'inactivity')
return 1
`;

/** KEYS: user, login, users. ARGV: id, login, hash ('' for none), has hash ('1'/'0'), remote, revoked, now ms. Returns 0 when the login is taken. */
export const CREATE_USER = `
if redis.call('SET', KEYS[2], ARGV[1], 'NX') == false then return 0 end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'login', ARGV[2], 'isRemote', ARGV[5], 'isRevoked', ARGV[6], 'failedAttempts', '0', 'lockouts', '0', 'createdAt', ARGV[7])
redis.call('SADD', KEYS[3], ARGV[1])
if ARGV[4] == '1' then redis.call('HSET', KEYS[1], 'passwordHash', ARGV[3], 'passwordChangedAt', ARGV[7]) end
return 1
`;
