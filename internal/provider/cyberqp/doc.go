// Package cyberqp is the CyberQP provider (side Tool; CyberQP was formerly Quickpass): a
// read-only client for customers and their end users.
//
// What it reads (nothing is written; the product scope has no creation of customers or users):
//   - GET {url}/api/v1/customers?page=&rowsPerPage=[&searchText=] -> {"maxCount", "clients":
//     [{"id", "name"}]} for ListOrganizations and FindOrganizationsByName;
//   - GET {url}/api/v1/customers/{id}/users?page=&rowsPerPage= -> {"maxCount", "users":
//     [{"qpID", "email", "displayName", "firstName", "lastName", "phoneNumber",
//     "userPrincipalName"}]} for ListUsers;
//   - every call carries "Authorization: Bearer {apiKey}".
//
// Assumptions. CyberQP's official public API is thin: vendor-apis.md §6 confirms only that an
// API exists (with an OpenAPI file we could not read), that credentials are issued by an admin,
// and that the "customer" scope lists customer names and ids. Everything below is therefore
// chosen, not verified, and the simulator reproduces exactly these choices:
//   - Auth: the Secret's apiKey is sent as a bearer token. An API-key integration (the Secret
//     holds one key, per API.md) most plausibly presents it that way; there is no login call.
//   - Base path: {url}/api/v1/, with url the portal root the user copies (for example
//     https://admin.getquickpass.com). The unofficial dashboard API lives at {url}/api/; a
//     versioned public prefix beside it is the usual layout.
//   - Resource shapes mirror the dashboard API that community scripts use ([V] that scripts use
//     it): customers as {"maxCount", "clients": [...]}, end users as {"maxCount", "users":
//     [...]} with qpID as the user id. The contact fields firstName, lastName and phoneNumber
//     are not in the dashboard capture; they are the names the end-user matching seed needs
//     (email, phone, name) in the dashboard's camelCase style.
//   - Paging: page is 1-based, rowsPerPage 50 (the value the dashboard scripts use, taken as the
//     cap); the client stops when it has maxCount rows, on an empty page, or, when maxCount is
//     missing, on a short page.
//   - Search: searchText narrows customers server-side (a case-insensitive substring match in
//     the dashboard); the client then keeps only exact case-insensitive name matches, so a
//     server that ignored searchText would cost calls, not correctness.
//   - Ids: customer ids may be GUID strings (the "CustomerAgentID") or numbers; both are kept
//     as text. A user's email falls back to userPrincipalName when email is empty and the UPN
//     looks like an address, because Office 365 users often carry only a UPN. Name is
//     displayName, else "firstName lastName".
//   - Errors: non-2xx bodies are read as {"statusCode", "message", "error"} (message may be a
//     string or a list of strings); anything else is quoted, redacted and shortened.
//   - Rate limit: none is published; the default is 120 requests a minute with a burst of 5.
//   - Probe reads one customer; the API reports no version, so ServerVersion stays empty.
package cyberqp
