package redis

import goredis "github.com/redis/go-redis/v9"

// The scripts take the key prefix as ARGV[1] and build key names from it, as
// the package comment lays them out. They reply with tables of strings and
// integers only; hashes come back as flat field/value lists (HGETALL's form).

// luaPrelude holds helpers shared by the scripts that change meetings.
const luaPrelude = `
local P = ARGV[1]

-- fields turns a flat HGETALL list into a table.
local function fields(h)
  local f = {}
  for i = 1, #h, 2 do f[h[i]] = h[i + 1] end
  return f
end

-- before compares two decimal integers (UnixNano) held as strings: Lua
-- numbers are doubles and would round nanoseconds away.
local function before(a, b)
  local na, nb = a:sub(1, 1) == '-', b:sub(1, 1) == '-'
  if na ~= nb then return na end
  if #a ~= #b then return (#a < #b) ~= na end
  if a == b then return false end
  return (a < b) ~= na
end

-- dropMeeting removes a binding, its voice bridge and its index entries,
-- and returns its hash, or nil when it does not exist.
local function dropMeeting(ref)
  local mk = P .. 'meeting:' .. ref
  local h = redis.call('HGETALL', mk)
  if #h == 0 then return nil end
  local f = fields(h)
  local bk = P .. 'bridge:' .. (f['bridge'] or '')
  if redis.call('GET', bk) == ref then redis.call('DEL', bk) end
  redis.call('DEL', mk)
  redis.call('SREM', P .. 'meetings', ref)
  redis.call('SREM', P .. 'server-meetings:' .. (f['server'] or ''), ref)
  redis.call('SREM', P .. 'tenant-meetings:' .. (f['tenant'] or ''), ref)
  return h
end
`

// addServerScript stores a new server unless its id is taken.
// ARGV: prefix, id, placeable ("1"/"0"), load, then hash field/value pairs.
// Reply: 1 stored, 0 taken.
var addServerScript = goredis.NewScript(luaPrelude + `
local id = ARGV[2]
local sk = P .. 'server:' .. id
if redis.call('EXISTS', sk) == 1 then return 0 end
for i = 5, #ARGV, 2 do redis.call('HSET', sk, ARGV[i], ARGV[i + 1]) end
redis.call('ZADD', P .. 'servers', 0, id)
if ARGV[3] == '1' then redis.call('ZADD', P .. 'placeable', ARGV[4], id) end
return 1
`)

// addServerLoadScript adds to an online server's load, in doubles like Go's
// float64, written back with 17 significant digits so it parses back
// exactly. ARGV: prefix, id, delta. Reply: 1 changed, 0 unknown or offline.
var addServerLoadScript = goredis.NewScript(luaPrelude + `
local id = ARGV[2]
local sk = P .. 'server:' .. id
local cur = redis.call('HMGET', sk, 'online', 'load', 'state')
if cur[1] ~= '1' then return 0 end
local load = string.format('%.17g', (tonumber(cur[2]) or 0) + tonumber(ARGV[3]))
redis.call('HSET', sk, 'load', load)
if cur[3] == 'enabled' then redis.call('ZADD', P .. 'placeable', load, id) end
return 1
`)

// removeServerMeetingsScript removes every binding on a server and, with
// ARGV[3] = "1", the server itself. ARGV: prefix, server id, delete flag.
// Reply: {server existed (0/1), {removed meeting hashes...}}.
var removeServerMeetingsScript = goredis.NewScript(luaPrelude + `
local sid = ARGV[2]
local ik = P .. 'server-meetings:' .. sid
local out = {}
for _, ref in ipairs(redis.call('SMEMBERS', ik)) do
  local h = dropMeeting(ref)
  if h then out[#out + 1] = h end
end
redis.call('DEL', ik)
local existed = 0
if ARGV[3] == '1' then
  existed = redis.call('DEL', P .. 'server:' .. sid)
  redis.call('ZREM', P .. 'servers', sid)
  redis.call('ZREM', P .. 'placeable', sid)
end
return {existed, out}
`)

// bindMeetingScript binds a meeting unless it is bound, taking the first
// free voice bridge. A bridge is free when nobody holds it, this meeting
// holds it, or its holder's binding is gone.
// ARGV: prefix, ref, tenant, id, server, moderator_pw, created,
// expected_load, participants, moderators, videos, bridges...
// Reply: {0, existing hash} | {1, bridge} | {-1} when no bridge is free.
var bindMeetingScript = goredis.NewScript(luaPrelude + `
local ref = ARGV[2]
local mk = P .. 'meeting:' .. ref
local h = redis.call('HGETALL', mk)
if #h > 0 then return {0, h} end
local bridge
for i = 12, #ARGV do
  local holder = redis.call('GET', P .. 'bridge:' .. ARGV[i])
  if not holder or holder == ref or redis.call('EXISTS', P .. 'meeting:' .. holder) == 0 then
    bridge = ARGV[i]
    break
  end
end
if not bridge then return {-1} end
redis.call('SET', P .. 'bridge:' .. bridge, ref)
redis.call('HSET', mk, 'tenant', ARGV[3], 'id', ARGV[4], 'server', ARGV[5],
  'moderator_pw', ARGV[6], 'bridge', bridge, 'created', ARGV[7], 'expected_load', ARGV[8],
  'participants', ARGV[9], 'moderators', ARGV[10], 'videos', ARGV[11])
redis.call('SADD', P .. 'meetings', ref)
redis.call('SADD', P .. 'server-meetings:' .. ARGV[5], ref)
redis.call('SADD', P .. 'tenant-meetings:' .. ARGV[3], ref)
return {1, bridge}
`)

// meetingServerScript reads a binding and its server in one step.
// ARGV: prefix, ref. Reply: {} | {meeting hash, server hash (maybe empty)}.
var meetingServerScript = goredis.NewScript(luaPrelude + `
local h = redis.call('HGETALL', P .. 'meeting:' .. ARGV[2])
if #h == 0 then return {} end
local f = fields(h)
return {h, redis.call('HGETALL', P .. 'server:' .. (f['server'] or ''))}
`)

// meetingByBridgeScript reads the binding holding a voice bridge.
// ARGV: prefix, bridge. Reply: the meeting hash, empty when none.
var meetingByBridgeScript = goredis.NewScript(luaPrelude + `
local ref = redis.call('GET', P .. 'bridge:' .. ARGV[2])
if not ref then return {} end
return redis.call('HGETALL', P .. 'meeting:' .. ref)
`)

// deleteMeetingScript removes one binding. ARGV: prefix, ref.
// Reply: the removed meeting hash, empty when none.
var deleteMeetingScript = goredis.NewScript(luaPrelude + `
return dropMeeting(ARGV[2]) or {}
`)

// syncServerMeetingsScript reconciles a server's bindings with a poll.
// ARGV: prefix, server id, poll start (UnixNano), then for each meeting
// seen: ref, participants, moderators, videos.
// Reply: the removed meeting hashes.
var syncServerMeetingsScript = goredis.NewScript(luaPrelude + `
local sid = ARGV[2]
local started = ARGV[3]
local ik = P .. 'server-meetings:' .. sid
local seen = {}
for i = 4, #ARGV, 4 do seen[ARGV[i]] = i end
local out = {}
for _, ref in ipairs(redis.call('SMEMBERS', ik)) do
  local mk = P .. 'meeting:' .. ref
  local created = redis.call('HGET', mk, 'created')
  local i = seen[ref]
  if not created then
    -- An index entry without its binding: drop it.
    redis.call('SREM', ik, ref)
  elseif i then
    redis.call('HSET', mk, 'participants', ARGV[i + 1], 'moderators', ARGV[i + 2], 'videos', ARGV[i + 3])
  elseif before(created, started) then
    local h = dropMeeting(ref)
    if h then out[#out + 1] = h end
  end
end
return out
`)

// addTenantScript stores a new tenant unless its id or name is taken.
// ARGV: prefix, id, name, secrets (JSON). Reply: 1 stored, 0 taken.
var addTenantScript = goredis.NewScript(luaPrelude + `
local tk = P .. 'tenant:' .. ARGV[2]
local nk = P .. 'tenant-names'
if redis.call('EXISTS', tk) == 1 or redis.call('HEXISTS', nk, ARGV[3]) == 1 then return 0 end
redis.call('HSET', tk, 'id', ARGV[2], 'name', ARGV[3], 'secrets', ARGV[4])
redis.call('HSET', nk, ARGV[3], ARGV[2])
redis.call('DEL', P .. 'tenant-settings:' .. ARGV[2])
return 1
`)

// updateTenantScript replaces a tenant's name and secrets.
// ARGV: prefix, id, name, secrets (JSON).
// Reply: 1 updated, 0 name taken, -1 unknown tenant.
var updateTenantScript = goredis.NewScript(luaPrelude + `
local id = ARGV[2]
local tk = P .. 'tenant:' .. id
local nk = P .. 'tenant-names'
local old = redis.call('HGET', tk, 'name')
if not old then return -1 end
local owner = redis.call('HGET', nk, ARGV[3])
if owner and owner ~= id then return 0 end
if old ~= ARGV[3] and redis.call('HGET', nk, old) == id then redis.call('HDEL', nk, old) end
redis.call('HSET', nk, ARGV[3], id)
redis.call('HSET', tk, 'name', ARGV[3], 'secrets', ARGV[4])
return 1
`)

// deleteTenantScript removes a tenant, its name and its settings.
// ARGV: prefix, id. Reply: 1 removed, 0 unknown.
var deleteTenantScript = goredis.NewScript(luaPrelude + `
local id = ARGV[2]
local tk = P .. 'tenant:' .. id
local nk = P .. 'tenant-names'
local name = redis.call('HGET', tk, 'name')
if not name then return 0 end
if redis.call('HGET', nk, name) == id then redis.call('HDEL', nk, name) end
redis.call('DEL', tk, P .. 'tenant-settings:' .. id)
return 1
`)

// tenantByNameScript reads a tenant by name. ARGV: prefix, name.
// Reply: the tenant hash, empty when none.
var tenantByNameScript = goredis.NewScript(luaPrelude + `
local id = redis.call('HGET', P .. 'tenant-names', ARGV[2])
if not id then return {} end
return redis.call('HGETALL', P .. 'tenant:' .. id)
`)

// setTenantSettingsScript replaces a tenant's settings.
// ARGV: prefix, id, then param/encoded value pairs (a later pair of the
// same param wins). Reply: 1 replaced, 0 unknown tenant.
var setTenantSettingsScript = goredis.NewScript(luaPrelude + `
local id = ARGV[2]
if redis.call('EXISTS', P .. 'tenant:' .. id) == 0 then return 0 end
local sk = P .. 'tenant-settings:' .. id
redis.call('DEL', sk)
for i = 3, #ARGV, 2 do redis.call('HSET', sk, ARGV[i], ARGV[i + 1]) end
return 1
`)

// acquireLeaseScript takes a free lease or renews one the holder has.
// ARGV: prefix, name, holder, ttl in ms. Reply: 1 held, 0 held by another.
var acquireLeaseScript = goredis.NewScript(luaPrelude + `
local k = P .. 'lease:' .. ARGV[2]
if redis.call('SET', k, ARGV[3], 'NX', 'PX', ARGV[4]) then return 1 end
if redis.call('GET', k) == ARGV[3] then
  redis.call('PEXPIRE', k, ARGV[4])
  return 1
end
return 0
`)

// releaseLeaseScript frees a lease if the holder has it.
// ARGV: prefix, name, holder. Reply: 1 released, 0 not held by holder.
var releaseLeaseScript = goredis.NewScript(luaPrelude + `
local k = P .. 'lease:' .. ARGV[2]
if redis.call('GET', k) == ARGV[3] then
  redis.call('DEL', k)
  return 1
end
return 0
`)

// allScripts is what Migrate loads ahead of use.
var allScripts = []*goredis.Script{
	addServerScript, addServerLoadScript, removeServerMeetingsScript,
	bindMeetingScript, meetingServerScript, meetingByBridgeScript,
	deleteMeetingScript, syncServerMeetingsScript,
	addTenantScript, updateTenantScript, deleteTenantScript,
	tenantByNameScript, setTenantSettingsScript,
	acquireLeaseScript, releaseLeaseScript,
}
