// Package gravityzone is the AccountSync client for the Bitdefender GravityZone Public API, the
// tool side whose organizations are GravityZone companies.
//
// What it reads and writes (JSON-RPC 2.0, POST {accessURL}/v1.0/jsonrpc/{service}):
//   - Probe: general/getApiKeyDetails {}. The API reports no server version, so ServerVersion
//     stays empty. When the answer lists enabledApis without "companies" the key cannot do the
//     job and Probe fails with KindAuth.
//   - ListOrganizations: companies/getCompaniesList {} → [{id, name}]. The method is documented
//     without paging, so there is one call and no page loop. It returns the direct children of the
//     key's company (customers and sub-partners, suspended ones included); companies below a
//     sub-partner are not walked, since that would cost one call per sub-partner and the MSP's
//     own customers sit directly below it.
//   - FindOrganizationsByName: companies/findCompaniesByName {nameFilter: name, maxResults: 100}
//     over every managed company, then an exact, case-insensitive comparison here. nameFilter is a
//     prefix match, or a match anywhere when it starts with "*"; the API documents no escape for a
//     literal leading "*", and none is needed: for such a name the "anywhere" search still returns
//     a superset that contains the name, which the exact comparison narrows. A search that comes
//     back full (100 results) may have cut the exact holder off, so the client then also reads
//     getCompaniesList and compares there.
//   - CreateOrganization: companies/createCompany {type: 1, name} → the new id. Names are unique
//     and at most 64 characters; longer or blank names fail with KindInvalid before any call.
//     createCompany is not idempotent: it is never resent after the request may have reached the
//     server (httpx answers KindUnknownOutcome on a timeout or a 502/503/504).
//
// Authentication is HTTP Basic with the API key as user name and an empty password. The header
// is set on each request rather than through an httpx.Authenticator: a static key has nothing
// to refresh, and an Authenticator would make httpx resend every 401 once for nothing.
//
// Assumptions where vendor-apis.md marks a fact [I], [3P] or leaves it open:
//   - getCompaniesList lives in the companies service [I]; its result is a bare array [V].
//   - createCompany's result is the new id as a string [I]. An object carrying "id" is accepted
//     too; a result with no id is resolved by a look-up of the exact name, and becomes
//     KindUnknownOutcome when that does not find exactly one company.
//   - The duplicate-name wording is not documented. A -32602 answer to createCompany is checked
//     by looking the name up: a holder found means KindNameConflict naming its id; otherwise
//     details that read like a duplicate ("already exists", "unique", ...) still mean
//     KindNameConflict, and anything else is KindInvalid with the server's details.
//   - findCompaniesByName matching is case-insensitive [I]; if a console matched case-sensitively,
//     a holder differing only in case would be missed here but still refused by createCompany
//     (and reported as KindNameConflict as above).
//   - JSON-RPC errors may come with any HTTP status [I]: the body's error object is decoded first.
//     Codes -32700/-32600/-32601/-32602 are KindInvalid; -32603 and server-defined codes are
//     KindTransient for reads and KindUnknownOutcome for createCompany, which may have committed.
//     For the same reason a 5xx without an error object, or a 200 whose body cannot be read, is
//     KindUnknownOutcome for createCompany.
//   - The response id is not checked against the request id: the vendor's own examples answer
//     with a different id than they sent.
//   - A bad or missing key is HTTP 401 [I], a service the key lacks HTTP 403 [I]: both KindAuth.
//   - The API key is trimmed of surrounding white space (a Secret made from a file often ends in
//     a newline; keys never contain white space).
//
// Rate limit: the documented default is 10 requests per second per API key (createCompany is
// not in a slower bucket). The default bucket here is 480/min with a burst of 2, so no
// one-second window exceeds 10 calls even at the bucket's edge; 429 with Retry-After is honoured
// by httpx.
package gravityzone
