-- Argo CD action discovery for accountsync.io/SyncPolicy: "sync-now" syncs at once instead of
-- waiting for the next interval. It is disabled while spec.suspend is true, because a
-- suspended object does not sync and the click would do nothing.
local actions = {}
local suspended = obj.spec ~= nil and obj.spec.suspend == true
actions["sync-now"] = {
  ["displayName"] = "Sync now",
  ["iconClass"] = "fa fa-fw fa-rotate-right",
  ["disabled"] = suspended,
}
return actions
