// Package kaseyabms is the Kaseya BMS (PSA) client. It speaks the documented v2 REST API
// ("BMS API 2.0") under {url}/v2, where url is the API host (https://api.bms.kaseya.com or a
// regional one). The vendor's swagger (api-evangelist/kaseya,
// openapi/kaseya-bms-openapi-original.json) is the source of every path, parameter and field
// name; testdata/swagger-operations.json is an extract of it that golden_test.go checks every
// request against. docs/providers/kaseyabms.md lists each call with its source and every
// assumption.
//
//   - Auth: POST /v2/security/authenticate (form GrantType=password, UserName, Password, Tenant)
//     → Result{AccessToken, RefreshToken, AccessTokenExpireOn, RefreshTokenExpireOn}; renewal
//     with POST /v2/security/refreshtoken, falling back to a login. A refused login is KindAuth
//     and is remembered for a minute (BMS locks users after repeated failures).
//   - Envelope {Success, Error{Code, Message, Details, SubErrors}, Result, TotalRecords}:
//     Success false is a failure even on HTTP 200.
//   - Paging PageSize/PageNumber (from 1) with Filter.* parameters, until an empty page or
//     TotalRecords; httpx.PageGuard stops a server that repeats a page.
//   - Accounts: /v2/crm/accounts/summary (list), /lookup (find by name), POST /v2/crm/accounts
//     with the type, business type, account manager and main location v2 requires; types from
//     /v2/system/accounttypes/lookup; no statuses (KindUnsupported).
//   - Create settings (provider.CreateSettingsResolver): the account manager from
//     /v2/hr/employees/searchselect, the business type as an id, the asset category as an id
//     or a name seen on the tenant's hardware assets.
//   - Locations: /v2/crm/accounts/{id}/locations/lookup; CreateLocation is KindUnsupported, as v2
//     creates locations only inside an account create.
//   - Hardware assets: searchselect for the rows, /{assetId} for the detail of a row that is new
//     or changed since it was last read (inventory.go), POST and PUT with the tool asset's id in
//     AssetTag; AgentId (set only by BMS's own RMM integration) wins as the key when present, so
//     no asset is created twice.
//   - provider.InventoryLister: every asset, every contact and (from the account summary rows)
//     every location in one paged listing each, for all of a policy's mappings.
//   - Contacts: /v2/crm/contacts/summary (GET with nested Emails/Phones, POST).
//
// There is no DepartmentManager: v2 has no per-account departments. Nothing is ever deleted.
package kaseyabms
