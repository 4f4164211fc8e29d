// Package kaseyabms simulates one Kaseya BMS tenant behind the v2 REST API
// (https://api.bms.kaseya.com/v2/...), for tests and cmd/vendorsim. It follows the vendor's
// swagger ("BMS API 2.0", api-evangelist/kaseya openapi/kaseya-bms-openapi-original.json) and
// is deliberately strict:
//
//   - Auth: POST /v2/security/authenticate, a form (urlencoded or multipart) with GrantType=password,
//     UserName, Password, Tenant → Result{AccessToken, RefreshToken, AccessTokenExpireOn,
//     RefreshTokenExpireOn}; POST /v2/security/refreshtoken (AccessToken, RefreshToken; a refresh
//     token is good once). A refused login is HTTP 400 with Success false. Other calls need
//     "Authorization: Bearer"; a missing, unknown or expired token gets 401.
//   - Envelope {Success, Error{Code, Message, Details, SubErrors}, Result, TotalRecords}; only the
//     swagger's paged responses (accounts and contacts summary, employees searchselect) carry
//     TotalRecords. Refusals are Success false with the code as HTTP status, or HTTP 200 when
//     Fixture.LogicalErrorsWithHTTP200 is set. Fixture.CamelCase answers in camelCase.
//   - Lists: PageSize/PageNumber (1-based; 0 or less reads as 1; PageSize clamped to MaxPageSize,
//     an assumption: the swagger states no limit). Each route accepts only the query parameters
//     the swagger lists for it; anything else is a 400 naming it.
//   - Required fields as the swagger marks them: an account needs AccountName, AccountTypeId,
//     BusinessTypeId, AccountManagerId (an active employee) and Locations[{LocationName,
//     Addresses}]; a hardware asset Name, AccountId, AccountLocationId (of that account) and
//     CategoryId. AgentId is output-only. Account names are unique per tenant (a 400 saying
//     "already exists").
//
// Paths (relative to /v2; the Count keys use these templates):
//
//	POST /security/authenticate, POST /security/refreshtoken
//	GET  /crm/accounts/summary, GET /crm/accounts/lookup, POST /crm/accounts
//	GET  /system/accounttypes/lookup, GET /hr/employees/searchselect
//	GET  /crm/accounts/{accountId}/locations/lookup
//	GET  /servicedesk/hardwareasset/searchselect, POST /servicedesk/hardwareasset,
//	GET/PUT /servicedesk/hardwareasset/{assetId}
//	GET  /crm/contacts/summary, POST /crm/contacts/summary
//
// There are no account statuses, no departments and no way to add a location to an existing
// account, as in v2. Assumptions where the swagger is silent: name filters match as
// case-insensitive "contains"; valid business types and asset categories are fixture lists.
//
// Ids are deterministic: accounts from 1001, locations 2001, assets 4001, contacts 5001 (or
// after the highest seeded id).
package kaseyabms
