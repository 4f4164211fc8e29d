-- Argo CD health check for accountsync.io/SyncPolicy.
--
-- The status follows kstatus conventions: a top-level status.observedGeneration and
-- metav1.Conditions. Ready says whether the policy and both connections are usable; Synced
-- says how the last sync went. Argo CD runs scripts from argocd-cm without the string and
-- math libraries, so only base Lua is used here.
local hs = {}

-- Reasons that clear up without a change in Git: a connection is not Ready yet (it is being
-- probed, the vendor is down or throttling), and the controller retries on its own.
local transient = {
  ConnectionNotReady = true,
  Unreachable = true,
  RateLimited = true,
}

-- Synced reasons that mean the sync ran as asked, whatever the condition's status. PartialSync
-- leaves unmatched and ambiguous records listed in status for a person: that is the normal
-- working state of an MSP, not a failure. DryRun wrote its plan to status and changed nothing.
local healthySync = {
  SyncSucceeded = true,
  PartialSync = true,
  DryRun = true,
}

-- Compared as strings: Argo CD hands integers to Lua as numbers, but a json.Number arrives
-- as a string, and 3 ~= "3" in Lua.
local function sameGeneration(a, b)
  return a ~= nil and b ~= nil and tostring(a) == tostring(b)
end

local function findCondition(ctype)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == ctype then
      return c
    end
  end
  return nil
end

local function describe(c)
  local reason = c.reason or "Unknown"
  if c.message ~= nil and c.message ~= "" then
    return reason .. ": " .. c.message
  end
  return reason
end

local generation = obj.metadata.generation

-- A condition written for an older generation says nothing about the current spec.
local function stale(c)
  return generation ~= nil and c.observedGeneration ~= nil and not sameGeneration(c.observedGeneration, generation)
end

if generation ~= nil and (obj.status == nil or not sameGeneration(obj.status.observedGeneration, generation)) then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to observe generation " .. tostring(generation)
  return hs
end

-- Suspension is a deliberate state, not a failure: Argo CD shows it apart from Healthy.
local synced = findCondition("Synced")
if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "Suspended: spec.suspend is true"
  return hs
end
if synced ~= nil and synced.reason == "Suspended" then
  hs.status = "Suspended"
  hs.message = describe(synced)
  return hs
end

local ready = findCondition("Ready")
if ready == nil or stale(ready) then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to check the policy and its connections"
  return hs
end
if ready.status == "False" then
  if transient[ready.reason] then
    hs.status = "Progressing"
  else
    hs.status = "Degraded"
  end
  hs.message = describe(ready)
  return hs
end
if ready.status ~= "True" then
  hs.status = "Progressing"
  hs.message = describe(ready)
  return hs
end

-- Ready: the outcome of the last sync decides.
if synced == nil or stale(synced) or synced.status == "Unknown" then
  hs.status = "Progressing"
  hs.message = "Waiting for the first sync"
  if synced ~= nil and synced.status == "Unknown" then
    hs.message = describe(synced)
  end
  return hs
end
if transient[synced.reason] then
  hs.status = "Progressing"
elseif healthySync[synced.reason] or (synced.status == "True" and synced.reason ~= "SyncFailed") then
  hs.status = "Healthy"
else
  -- SyncFailed, or a False reason this script does not know yet: surface it, never hide it.
  hs.status = "Degraded"
end
hs.message = describe(synced)
return hs
