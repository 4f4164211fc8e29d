// Package connectwise is the AccountSync client for ConnectWise PSA (ConnectWise Manage), REST
// API 3.0, on the PSA side.
//
// What it reads and writes:
//   - GET {url}/login/companyinfo/{companyId} (unauthenticated) to learn the Codebase, e.g.
//     "v4_6_release/"; every API call then goes to {url}/{codebase}apis/3.0/... . The codebase
//     is cached per client and re-discovered by every Probe, so a tenant upgrade that moves the
//     codebase is picked up at the next connection check. The SiteUrl the same answer carries
//     is ignored: credentials only ever go to the host the user configured.
//   - Auth on every API call: Basic base64("companyId+publicKey:privateKey") plus the clientId
//     header; Accept "application/vnd.connectwise.com+json; version=2022.1" pins the models.
//   - Probe: GET /system/info; ServerVersion is its version ("v2025.1.10432") cut to
//     major.minor ("2025.1"), as ConnectWise's own PowerShell module does.
//   - Lists page with pageSize=1000 (CW's hard limit) from page=1 and follow the Link header's
//     rel="next" until it is absent. A next link to another scheme or host is refused, so a
//     tampered header cannot send the credentials elsewhere.
//   - ListAccounts: GET /company/companies with conditions built by the typed builder in
//     conditions.go: `status/id in (17) and deletedFlag=false` and childConditions
//     `types/id in (42)`. Inactive statuses come from GET /company/companies/statuses
//     (inactiveFlag) on every listing: with includeInactive=false they are dropped from the
//     status list, or excluded with `status/id not in (...)` when no status is given. Deleted
//     companies (deletedFlag) never take part, even with includeInactive.
//   - CountAccounts: GET /company/companies/count ({"count": n}) with the same conditions and
//     childConditions as ListAccounts.
//   - FindAccountsByName: conditions `name="..."` (`\` and `"` escaped with a backslash), no
//     status, type or deleted filter, then an exact case-insensitive comparison client-side. The
//     CW guide documents `*` as a wildcard in string values; the client-side comparison makes
//     such a wider server match harmless.
//   - ListAccountStatuses / ListAccountTypes: GET /company/companies/statuses and /types.
//   - CreateAccount: POST /company/companies {identifier, name, status:{id}, types:[{id}],
//     site:{name:"Main"}, addressLine1:"N/A"}. CW requires an address field on create; "N/A"
//     is a neutral value a person can recognise and overwrite. The identifier is the name's
//     ASCII letters and digits, at most 25 characters (the 2022.1 model's limit), or "Company"
//     when none remain. A 400 ObjectExists on "name" is a NameConflict; one on "identifier"
//     alone is retried with a numbered suffix (Name2..Name5), then a hash suffix, at most eight
//     attempts. Retrying is safe because CW refused the earlier attempt outright.
//   - LocationManager: GET/POST /company/companies/{id}/sites. The main location is the first
//     active site with primaryAddressFlag, else one with a default billing/shipping/mailing flag,
//     else one named "Main". A duplicate site name (400 ObjectExists) is a NameConflict.
//   - AssetManager: GET /company/configurations?conditions=company/id=N; POST to create with
//     deviceIdentifier = the tool asset id (the external key), osType = OS; PATCH with a
//     JSON-patch array of "replace" operations (paths without a leading slash, as CW clients
//     send them), which is idempotent and therefore retried like a GET. An empty location is
//     written as `{"op":"replace","path":"site","value":null}`. Departments do not exist in CW.
//   - UserLister / UserCreator: GET/POST /company/contacts; e-mail and phone are
//     communicationItems typed by name ({"name":"Email"}, {"name":"Direct"}), which CW resolves
//     to its setup-table ids (ConnectWiseManageAPI's examples pass types by name).
//
// Assumptions where reference/vendor-apis.md is [I], [3P] or silent:
//   - Configuration type [I]: CW requires one and PSAAsset has none, so the client lists
//     /company/configurations/types once per client and uses the first active type whose name
//     contains "workstation", else the active type with the lowest id. A 400 on create drops
//     that cache so a deleted type is re-resolved.
//   - Rate limit [3P/V]: CW publishes no fixed quota and answers 429 with Retry-After; its guide
//     warns that more than 1,000 requests per minute will likely be throttled. The default is
//     600 requests per minute with a burst of 10.
//   - Errors: 400 bodies {code, message, errors[{code, field}]} are decoded into the message; 409
//     means "record in use" in CW, so it maps to InvalidRequest, not NameConflict. A 404 from
//     /login/companyinfo means the site does not know the companyId (AuthenticationFailed).
//   - Whether CW returns deleted companies by default is not documented; the listing filters
//     them out explicitly and the name look-up deliberately sees them, since a deleted company
//     may still hold the name.
//   - Status inactivity is cached for five minutes for FindAccountsByName and CreateAccount
//     (which only use it to fill Account.Inactive); ListAccounts always reads it fresh.
package connectwise
