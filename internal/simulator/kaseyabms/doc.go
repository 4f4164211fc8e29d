// Package kaseyabms simulates one Kaseya BMS tenant behind the V1 REST API
// (https://{host}/api/...), for tests and cmd/vendorsim. It speaks the wire protocol the real
// API is documented to speak (reference/vendor-apis.md §4) and is deliberately not lenient:
//
//   - Auth: POST /api/token, form-urlencoded grant_type=password&username&password&tenant →
//     {access_token, token_type, expires_in}. Refusals are OWIN OAuth bodies with HTTP 400
//     ({"error":"invalid_grant","error_description":...}). Every other call needs
//     "Authorization: Bearer {token}"; a missing, unknown, expired or revoked token gets 401
//     {"Message":"Authorization has been denied for this request."}. ExpireTokens revokes all.
//   - Envelope: {Result, TotalRecords (lists), ResponseCode, Status, Error}; success is
//     ResponseCode 0, Status "OK", Error "None". Refusals carry the HTTP-like code in
//     ResponseCode and the reason in Error, with the same HTTP status, or HTTP 200 when
//     Fixture.LogicalErrorsWithHTTP200 is set.
//   - Lists: OData $top/$skip/$filter/$orderby. $top is clamped to MaxPageSize (100) and
//     defaults to it; TotalRecords counts every record the filter matched. $filter is parsed
//     (eq ne gt ge lt le, and or not, parentheses, tolower toupper trim substringof startswith
//     endswith, string/integer/true/false/null literals) and type-checked against the
//     resource's properties; an unknown property, function or syntax error is a 400. String eq
//     is ordinal (case-sensitive), as OData defines it, so clients wanting case-insensitive
//     matching must use tolower(). Unsupported $options are refused.
//   - Uniqueness: account names per tenant, location and department names per account (all
//     case-insensitive), asset RmmAssetId per tenant; a duplicate is a 400 whose Error says
//     "already exists".
//
// Paths (relative to /api; the Count keys use these templates):
//
//	POST /token
//	GET  /crm/accounts, POST /crm/accounts, GET /crm/accounts/{id}
//	GET  /crm/accounts/statuses, GET /crm/accounts/types
//	GET  /crm/accounts/{id}/locations, GET /crm/locations, POST /crm/locations, GET /crm/locations/{id}
//	GET  /crm/accounts/{id}/departments, POST /crm/accounts/{id}/departments
//	GET  /servicedesk/assets, POST /servicedesk/assets, GET/PUT /servicedesk/assets/{id}
//	GET  /crm/contacts, POST /crm/contacts
//
// Account statuses, departments and assets are not in public BMS sources; their paths and
// shapes here are the client package's documented assumptions (see
// internal/provider/kaseyabms). Accounts carry StatusId/Status, AccountTypeId/AccountType and
// a derived IsActive (false when the status is an inactive one). Each account always has one
// main location (IsMain); creating an account creates "Main", as BMS creates the main location
// from the account's address.
//
// Ids are deterministic: accounts from 1001, locations 2001, departments 3001, assets 4001,
// contacts 5001 (or after the highest seeded id).
package kaseyabms
