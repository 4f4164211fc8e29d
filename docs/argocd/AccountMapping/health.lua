-- Argo CD health check for accountsync.io/AccountMapping.
--
-- The status follows kstatus conventions: a top-level status.observedGeneration and a Ready
-- condition (metav1.Condition), plus status.state (OK | HasEvents | NotAvailable). Argo CD
-- runs scripts from argocd-cm without the string and math libraries, so only base Lua is used.
--
-- Generated mappings appear in the Argo CD tree under their SyncPolicy (ownerReference) and
-- get this health too; only mappings kept in Git count towards the Application's health.
local hs = {}

-- Ready=False reasons that clear up without a person: the counterpart is being created, or a
-- connection is not Ready yet and the controller retries. Every other False reason
-- (PSAAccountMissing, ToolOrganizationMissing, Conflict, NameConflict, AssetSyncFailed,
-- UserSyncFailed, PolicyNotFound, or one added later) needs a person and is Degraded.
local transient = {
  Creating = true,
  ConnectionNotReady = true,
  Unreachable = true,
  RateLimited = true,
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
if generation ~= nil and (obj.status == nil or not sameGeneration(obj.status.observedGeneration, generation)) then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to observe generation " .. tostring(generation)
  return hs
end

-- Suspension is a deliberate state, not a failure: Argo CD shows it apart from Healthy.
local ready = findCondition("Ready")
if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "Suspended: spec.suspend is true"
  return hs
end
if ready ~= nil and ready.reason == "Suspended" then
  -- The owning SyncPolicy is suspended.
  hs.status = "Suspended"
  hs.message = describe(ready)
  return hs
end

if ready == nil or (generation ~= nil and ready.observedGeneration ~= nil and not sameGeneration(ready.observedGeneration, generation)) then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to link this mapping"
  return hs
end

if ready.status == "False" and transient[ready.reason] then
  hs.status = "Progressing"
  hs.message = describe(ready)
  return hs
end

-- HasEvents: linked, but the last sync of this link failed somewhere (assets, users, a
-- conflict). Ready may still be True; the newest recent event says what went wrong.
if obj.status.state == "HasEvents" then
  hs.status = "Degraded"
  if ready.status == "False" then
    hs.message = describe(ready)
  elseif obj.status.recentEvents ~= nil and obj.status.recentEvents[1] ~= nil then
    hs.message = "HasEvents: " .. describe(obj.status.recentEvents[1])
  else
    hs.message = "HasEvents: " .. describe(ready)
  end
  return hs
end

if ready.status == "True" then
  hs.status = "Healthy"
elseif ready.status == "False" then
  hs.status = "Degraded"
else
  hs.status = "Progressing"
end
hs.message = describe(ready)
return hs
