-- Argo CD resource action "sync-now" for accountsync.io/SyncPolicy.
--
-- Setting accountsync.io/sync-requested-at to a new value makes the controller sync at once;
-- the value it handled is echoed in status.lastHandledSyncRequest. Argo CD turns the returned
-- object into a patch of metadata only, so the spec Git owns is left alone.
--
-- Argo CD's sandbox offers os.time and os.date through require("os").
local os = require("os")

if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end

local key = "accountsync.io/sync-requested-at"
local current = obj.metadata.annotations[key]
local stamp = os.date("!%Y-%m-%dT%H:%M:%SZ")

-- Only a changed value triggers a sync: a second click within the same second gets a counter
-- suffix so that it is never silently dropped.
local value = stamp
local n = 1
while value == current do
  n = n + 1
  value = stamp .. "-" .. tostring(n)
end

obj.metadata.annotations[key] = value
return obj
