-- Argo CD action discovery for accountsync.io/IntegrationConnection: "sync-now" re-probes the
-- connection at once (after fixing a Secret, for example). A connection has no suspend, so
-- the action is always offered.
local actions = {}
actions["sync-now"] = {
  ["displayName"] = "Sync now",
  ["iconClass"] = "fa fa-fw fa-rotate-right",
  ["disabled"] = false,
}
return actions
