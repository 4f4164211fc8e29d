-- Argo CD health check for accountsync.io/IntegrationConnection.
--
-- The status follows kstatus conventions: a top-level status.observedGeneration and a Ready
-- condition (metav1.Condition, with its own observedGeneration). Argo CD runs scripts from
-- argocd-cm without the string and math libraries, so only base Lua is used here.
local hs = {}

-- Ready=False reasons that clear up without a change in Git: the vendor is down or throttling
-- us and the controller retries with back-off, so the connection is still converging.
-- Every other False reason (SecretNotFound, SecretKeyMissing, AuthenticationFailed,
-- InvalidSpec, or one added later) needs a person and is Degraded.
local transient = {
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

-- Until the controller has seen the current spec, the status describes an older one: report
-- Progressing rather than a stale Healthy or Degraded right after a sync from Git.
local generation = obj.metadata.generation
if generation ~= nil and (obj.status == nil or not sameGeneration(obj.status.observedGeneration, generation)) then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to observe generation " .. tostring(generation)
  return hs
end

local ready = findCondition("Ready")
if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the first connection probe"
  return hs
end
if generation ~= nil and ready.observedGeneration ~= nil and not sameGeneration(ready.observedGeneration, generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to probe generation " .. tostring(generation)
  return hs
end

if ready.status == "True" then
  hs.status = "Healthy"
elseif ready.status == "False" and not transient[ready.reason] then
  hs.status = "Degraded"
else
  -- False with a transient reason, or Unknown (probe in flight).
  hs.status = "Progressing"
end
hs.message = describe(ready)
return hs
