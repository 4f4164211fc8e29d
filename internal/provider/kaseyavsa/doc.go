// Package kaseyavsa is the KaseyaVSA provider (side Tool): a client for the Kaseya VSA 9.x REST
// API under {url}/api/v1.0/, where url is the VSA server root.
//
// What it reads and writes:
//   - GET  auth/ with Basic base64(username:personal access token) opens a session; every other
//     call carries "Authorization: Bearer {Result.Token}" (httpx.TokenAuth: renewed before
//     SessionExpiration and once after a 401).
//   - GET  system/orgs/ (ListOrganizations, FindOrganizationsByName), POST system/orgs/
//     (CreateOrganization), GET system/orgs/{orgId}/machinegroups/ (ListMachineGroups),
//     GET assetmgmt/agents/ (ListToolAssets, with $filter=OrgId eq {id} for one organization).
//   - Nothing is updated or deleted.
//
// Wire rules it follows (vendor-apis.md §3):
//   - Every answer is the envelope {Result, TotalRecords, ResponseCode, Status, Error}; a
//     non-zero ResponseCode or an Error other than "None"/null is a failure even with HTTP 200.
//   - Lists are paged with $top=100 (the server's cap) and $skip until TotalRecords is reached;
//     the client also sends $orderby on the id so that skip-based pages do not shift.
//   - Ids are large decimals: they are kept as their decimal text, never as float64.
//   - Paths end with a slash: VSA redirects the slash-less form, and a redirected POST would
//     lose its body [3P].
//
// Assumptions where the sources are thin ([I]/[3P] in vendor-apis.md):
//   - SessionExpiration is server-local time without a zone; UTC = local + OffSetInMinutes, as the
//     official module computes it. A value that does not parse, or that is already (nearly) past
//     (clock skew, a misread offset), is ignored: the token is then kept until the server
//     answers 401, rather than re-authenticating before every call.
//   - FindOrganizationsByName narrows on the server with $filter=tolower(OrgName) eq '{name}'
//     (OData v3; quotes doubled) and compares lower-cased names exactly on the client. Should a
//     server refuse that filter (HTTP 400), the client lists every organization and compares on
//     its side, so the creation guard never misses a holder.
//   - POST system/orgs/ sends OrgName, an OrgRef derived from the name, and "root" as default
//     department and machine group (as the official module does); the server assigns OrgId.
//     OrgRef is VSA's short unique reference that appears in dotted machine ids, so it is a
//     readable slug: lower-case ASCII letters and digits, other runs turned into "-", at most 32
//     characters ("Acme Corp, Inc." -> "acme-corp-inc"). When the server refuses the create
//     with a logical error, the client looks the name up: an existing holder makes the error
//     KindNameConflict (this does not depend on the server's error wording); otherwise the
//     refusal may be a reference collision between different names ("Acme Inc" / "Acme, Inc."),
//     and the create is retried once with the slug plus an 8-hex hash of the lower-cased name.
//     A refused POST created nothing, so that retry cannot duplicate.
//   - The create's Result may be the new OrgId (number or string), an object with OrgId, or
//     just true; in the last case the id is read back by name. A 2xx answer that cannot be
//     read is KindUnknownOutcome.
//   - Agents report MachineGroup as VSA's dotted full name ("group.org", subgroups
//     "sub.group.org"); machine group lists may report either that or the bare name. The
//     group's own name is the first dotted segment in both cases (VSA forbids dots inside a
//     group name), so ToolAsset.MachineGroup and MachineGroup.Name use that segment. Two
//     subgroups with the same name under different parents therefore share a name.
//   - ToolAsset.OS is OperatingSystem, else OSInfo, else OSType; Name is ComputerName, else the
//     first segment of AgentName. The agent record carries no serial number (that lives in
//     the audit data), so SerialNumber stays empty.
//   - VSA publishes no rate limit and no version call: the default is 300 requests a minute
//     with a burst of 10 (on-premises servers are often small), and Probe leaves
//     ServerVersion empty.
package kaseyavsa
