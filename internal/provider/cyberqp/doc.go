// Package cyberqp is the CyberQP provider (side Tool; CyberQP was formerly Quickpass): a
// read-only client for customers and their end users.
//
// It speaks the dashboard API that public community scripts use (vendor-apis.md §6, "Quickpass
// Cleanup.ps1"), under the portal root the user gives as spec.url:
//   - GET {url}/api/customer?page=&rowsPerPage=&searchText= -> {"maxCount", "clients": [{"id",
//     "name", ...}]} for Probe (one row), ListOrganizations (searchText empty, as the scripts
//     send it) and FindOrganizationsByName;
//   - GET {url}/api/customer/{id}/users?page=&rowsPerPage= -> {"maxCount", "users": [{"qpID",
//     "email", "displayName", "userPrincipalName", ...}]} for ListUsers.
//
// Nothing is written: the product scope has no creation of customers or users.
//
// Assumptions (docs/providers/cyberqp.md lists them for users):
//   - Auth: the scripts log in with a dashboard user (POST api/auth/login, session cookies,
//     optional TOTP), which an unattended operator cannot do. The Secret holds one apiKey
//     (API.md), sent as "Authorization: Bearer {apiKey}"; CyberQP's public API issues such
//     credentials, but no public source shows them accepted on these paths.
//   - The users call sends only page and rowsPerPage; the scripts add status=allActive and
//     more filters, whose defaults are taken to be "everything".
//   - Contact fields: no capture shows them. The decoder takes the spellings seen in directory
//     data and uses the first non-empty: phone, phoneNumber, mobilePhone; firstName or
//     givenName; lastName or surname (keys match in any case; a list gives its first entry; an
//     object or boolean counts as absent). E-mail falls back to userPrincipalName when email
//     is empty and the UPN looks like an address. Name is displayName, else first + last.
//   - Paging: page is 1-based, rowsPerPage 50 (the scripts' value); listing stops at maxCount
//     rows, on an empty page, or, without maxCount, on a short page. httpx.PageGuard stops a
//     server that repeats a page or never ends, with an error naming the page.
//   - Search: searchText narrows customers server-side; only exact case-insensitive name
//     matches are kept, so a server that ignored it would cost calls, not correctness.
//   - Ids may be GUID strings or numbers; both are kept as text.
//   - Errors: non-2xx bodies are read as {"statusCode", "message", "error"} (message a string
//     or a list); anything else is quoted, redacted and shortened.
//   - Rate limit: none is published; the default is 120 requests a minute with a burst of 5.
//   - Probe reads one customer; the API reports no version, so ServerVersion stays empty.
package cyberqp
