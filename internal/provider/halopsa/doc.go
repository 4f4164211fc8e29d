// Package halopsa is the HaloPSA client (PSA side). It reads and writes Halo clients (accounts),
// top levels (account types), sites (locations), assets and end users through Halo's REST API
// at {tenant root}/api, with an OAuth2 client-credentials token.
//
// Authentication: GET {url}/api/authinfo (no auth) names the authorisation server (auth_url);
// the token comes from POST {auth_url}/token?tenant={tenant} with the form
// grant_type=client_credentials, client_id, client_secret and scope=all. The token is cached
// until 30 s before its expires_in and fetched again after a 401. If authinfo answers 404 (old
// on-premises versions) the client falls back to {url}/auth, as Halo's own docs describe. An
// auth_url on another host is accepted (on-premises installs may run a separate auth server),
// but never a plain-http one when the tenant URL is https, so the secret cannot leave in clear.
//
// What it reads and writes:
//   - Accounts = clients, GET /api/Client with pageinate=true, page_size=100, page_no=1.. until
//     record_count rows are read (the page size the server reports is used, not the requested
//     one); httpx.PageGuard and a no-new-records check stop a server that ignores page_no.
//     Every client listing sends exclude_internal=true, so the MSP's own internal client never
//     takes part. Inactive clients are included only with filter.IncludeInactive
//     (includeinactive=true).
//     Halo clients have no status: a StatusIDs filter is refused with KindUnsupported and
//     ListAccountStatuses returns an empty list. Types are Halo *top levels* (the GravityZone
//     seed filters Halo clients by top level): ListAccountTypes lists GET /api/TopLevel (the
//     swagger gives top levels no inactive flag and the call no includeinactive) and a
//     TypeIDs filter sends toplevel_id, one paged series per id, merged without duplicates.
//     Account.Types holds the client's toplevel_name.
//   - FindAccountsByName sends search= with includeinactive=true and keeps the rows whose name
//     equals the wanted one case-insensitively, ignoring surrounding white space (Halo trims
//     names on save [I], so a create of "Acme " is found again as "Acme"). Halo's search is a
//     SQL like-match [I]: "%" and "_" only widen it, but "[" opens a character class, so for a
//     name containing brackets the longest bracket-free part is searched instead.
//   - CreateAccount posts [{"name", "toplevel_id"}] to /api/Client. Halo does not enforce unique
//     client names, so this client never reports KindNameConflict: the caller's look-up before
//     and after creating is the only guard. A StatusID is refused (KindUnsupported).
//   - Locations = sites of the client (GET /api/Site?client_id=&includeinactive=true: Halo allows
//     duplicate site names, so a deactivated namesake is found, not created again); the main
//     one is the client's main_site_id (read with GET /api/Client/{id}, which also yields
//     KindNotFound for a deleted client). CreateLocation posts [{"name", "client_id"}].
//   - Assets = GET /api/Asset?client_id= with includeinactive=true, so a deactivated asset is
//     updated rather than duplicated. The external key (the VSA agent id) is stored in
//     kaseya_id, the field Halo's own Kaseya VSA integration fills on assets (a string in the
//     Device schema); on read, the client-level spelling kaseyaid is accepted as a fallback. The
//     asset name is inventory_number (Halo's asset tag, used by Halo's own create example);
//     the location is site_id, defaulting to the client's main site. Serial number, OS and IP
//     address live in asset-type specific `fields` whose ids differ per tenant, so they are not
//     written and read back empty; DepartmentID is not stored either (Halo assets have no
//     department). A create sends assettype_id: PSAAsset.Category (the policy's
//     creation.haloPSA.assetType, a name or id) resolved through GET /api/AssetType, cached
//     for ten minutes and read again once before an unknown value is refused; Halo refuses an
//     asset without a type. An update sends no type, so the record keeps its own.
//     CreateAsset is a plain POST (not retried after it may have reached Halo); UpdateAsset
//     posts the same array with the record's id, Halo's upsert, which is safe to resend. If the
//     record was deleted meanwhile Halo's upsert creates a new one and the returned asset
//     carries the new id.
//   - Users = end users, GET /api/Users?client_id= (active ones: a deleted Halo user is kept
//     inactive, and matching must drop its link); Email is emailaddress, Phone is phonenumber
//     (mobilenumber when phonenumber is empty). CreateUser first lists the client's users with
//     includeinactive=true: an active one with the same e-mail (or name, without e-mail) is
//     returned, an inactive one is KindNameConflict; otherwise it posts [{name, firstname,
//     surname, emailaddress, phonenumber, site_id (the main site), client_id}].
//
// Responses: list wrappers {"page_no","page_size","record_count","<key>":[...]} are decoded
// with case-insensitive keys; a bare JSON array is accepted as a complete list. A POST answer
// may be one object or an array (Halo answers one posted object with one object [I]); a 2xx
// answer that cannot be decoded after a create is KindUnknownOutcome, so the caller looks the
// record up instead of creating it again. Error bodies have no documented schema: the decoder
// accepts a JSON string, an object with message/Message/error/error_description/ClassName, an
// array of those, or plain text, and the message is redacted of every credential.
//
// Probe checks the credentials by fetching a token first (so a rejected secret fails at once
// instead of being retried as a failed attempt), then reads one client with
// GET /api/Client?pageinate=true&page_size=1&page_no=1. Halo reports no server version in any
// documented header or field of these calls, so ServerVersion stays empty.
//
// Rate limit: Halo throttles with 429; the only published figure is 700 requests per rolling
// five minutes [3P], i.e. 140 per minute. The default is 120 per minute (burst 10) to leave
// room for the tenant's other integrations. 429 and 5xx are retried by httpx, honouring
// Retry-After.
package halopsa
