// Package kaseyabms is the Kaseya BMS (PSA) client. It speaks the V1 REST API under
// {url}/api, where url is the server root the user copies from the portal
// (https://bms.kaseya.com, https://bmsemea.kaseya.com, ...).
//
// Facts it relies on (reference/vendor-apis.md §4, verified in open-source clients):
//
//   - Auth: POST /api/token, form-urlencoded grant_type=password&username&password&tenant,
//     answer {access_token, token_type, expires_in}; then "Authorization: Bearer {token}". The
//     token is cached by httpx.TokenAuth, renewed before expires_in runs out and once after a
//     401. OAuth refusals (invalid_grant, ...) are KindAuth; a refusal is remembered for a
//     minute so retries and probes do not hammer the login (BMS locks users after failures).
//   - Envelope {Result, TotalRecords, ResponseCode, Status, Error}: a non-zero ResponseCode or
//     an Error other than "None" is a failure even on HTTP 200. Failures map to provider kinds
//     by HTTP status, or by the HTTP-like ResponseCode on a 200; an Error saying "already
//     exists" (BMS's duplicate-name refusal, sent as 400, not 409) is KindNameConflict.
//   - Lists page with OData $top/$skip until TotalRecords; $top is 100, the documented cap of
//     the OData paging V1 shares with VSA. Filters are OData v3 with PascalCase properties; eq
//     on strings is case-sensitive, so name look-ups use tolower(AccountName) eq '<lowercased>'
//     (quotes doubled) and then compare exactly and case-insensitively on the client.
//   - Paths: crm/accounts (GET, POST), crm/accounts/types, crm/accounts/{id}/locations (the
//     main one via $top=1&$filter=IsMain eq true), crm/locations (POST {AccountId,
//     LocationName, Addresses}), crm/contacts (GET, POST {AccountId, LocationId, FirstName,
//     LastName, DefaultEmailTypeId, DefaultEmailAddress, DefaultPhoneTypeId,
//     DefaultPhoneNumber}).
//
// What it reads and writes: accounts (list with server-side status/type/activity filters,
// find by name across all statuses, create), account statuses and types, locations (list,
// create), departments (list, create), assets (list per account, create, update), contacts
// (list per account, create). It never deletes anything.
//
// Assumptions, where public sources are thin ([I]/[3P] or "not found" in vendor-apis.md); each
// is served the same way by internal/simulator/kaseyabms:
//
//   - Account fields: Id (AccountId/AccountID accepted), AccountName (Name accepted),
//     AccountCode, AccountTypeId + AccountType (name), StatusId + Status (name, or a
//     {Id, Name} object), and IsActive, false when the account's status is an inactive one.
//     ListAccounts filters on StatusId, AccountTypeId and IsActive eq true. A new account gets
//     an AccountCode made of the name's ASCII letters and digits, upper-cased, at most 20.
//     Names are trimmed before look-up and create, as BMS stores them trimmed.
//   - Account statuses: GET crm/accounts/statuses, records {Id, Name, IsActive}, mirroring the
//     verified crm/accounts/types ({Id, Name}); other name spellings (StatusName, TypeName,
//     AccountTypeName) are accepted.
//   - A create answers Result = the new record; a bare id is accepted too.
//   - Every account has exactly one main location; CreateLocation sends an empty Addresses
//     list because the sync knows no postal address for a machine-group location.
//   - Departments: GET/POST crm/accounts/{id}/departments, record {Id, AccountId,
//     DepartmentName, IsActive}, create body {DepartmentName}; unique per account. Chosen to
//     match the account's other sub-resources; departments are not in any public source.
//   - Assets: servicedesk/assets (GET with $filter=AccountId eq N, POST) and
//     servicedesk/assets/{id} (PUT, full replacement), record {Id, AccountId, LocationId,
//     DepartmentId, AssetName, SerialNumber, OS, IPAddress, RmmAssetId}. RmmAssetId carries the
//     tool asset's id and is unique; a duplicate is KindNameConflict. LocationId null means the
//     main location, DepartmentId null no department. The PUT is marked idempotent.
//   - Contacts: list records carry the create fields; both names are required, email and phone
//     types use id 1. CreateUser looks up the main location for LocationId.
//   - Rate limit: V1 publishes none (V2: 1500 calls/hour/endpoint); the default is 120/min,
//     burst 10, and 429 Retry-After is honoured.
//   - Probe reads crm/accounts/types?$top=1; V1 reports no server version.
package kaseyabms
