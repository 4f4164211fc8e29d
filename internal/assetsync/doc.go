// Package assetsync decides and performs the asset part of one AccountMapping sync: which tool
// assets (VSA agents) of the mapped organization become or update PSA assets of the mapped
// account, and at which location and department they land (API.md "Locations", the Kaseya BMS
// seed's Main / Group Id / Custom).
//
// The work is split in two so that a dry run, the status plan and the tests share one decision:
//
//   - Plan is a pure function of the mapping's location rule and one listing of each side. It
//     makes no calls and is deterministic: the same records in any order give the same Result,
//     so a status derived from it does not flap between syncs.
//   - Apply performs a Result against the PSA: it creates missing locations and departments first,
//     resolves the names it planned to their new ids, then creates and updates assets. A failure
//     is recorded and counted without stopping the other writes.
//
// Decisions the seeds leave open:
//
//   - Identity. A PSA asset belongs to a tool asset when its ExternalKey equals the tool asset's
//     ID. PSA assets without a key, or keyed to assets not listed for this organization, are left
//     alone; nothing is ever deleted in the PSA. When several PSA assets carry one key (a person
//     copied one, or an earlier create's outcome was lost), the one with the lowest id is kept in
//     sync, the rest are left alone, and a DuplicatePSAAsset problem asks a person to clean up.
//   - Ownership. The tool owns Name, SerialNumber, OS, IPAddress and LocationID. It owns
//     DepartmentID only in Custom mode on a PSA with departments: the seed says hand-written
//     departments are overwritten under Custom, and otherwise "can be manually associated with an
//     asset", so Main and GroupID leave them as a person set them. Under Custom the department of
//     every asset of the organization follows the rules: a listed group with a department gets
//     it, a listed group without one and every unlisted group (which takes the main location) get
//     none. A write is planned only when an owned field differs. Tool values are trimmed of
//     surrounding whitespace, which no PSA keeps, so a padded value cannot cause a write per sync.
//   - Names. Location and department names compare case-insensitively (Unicode simple folding, as
//     strings.EqualFold) after trimming. When a PSA holds several records with one name, the one
//     with the lowest id is used.
//   - Locations. Main uses the account's main location (lowest id if the PSA marks several);
//     without one every asset that needs it gets a NoMainLocation problem instead of a guess.
//     GroupID uses the location named after the machine group and plans its creation when no
//     location has that name, which also re-creates it after a person renamed it (the seed: "on
//     the next sync the Group Id will re-added"); an asset without a machine group takes the
//     main location, as an unmapped asset does in the seed. Custom only uses locations that exist:
//     the seed offers only "Location and departments active in CRM" in that drop-down, so a
//     location missing from the account is a LocationNotFound problem for each asset of that
//     group, never created.
//   - Departments. A department named by a Custom rule that the account lacks is created, where
//     the PSA has departments (Input.Departments non-nil): departments are free-form informational
//     labels the seed invites for "any kind of division", unlike locations, which carry addresses
//     and billing meaning. On a PSA without departments a rule's department cannot be honoured;
//     its assets still get their location and one DepartmentsUnsupported problem names the rule.
//   - Problems. An asset with a problem that prevents its placement is not written at all (a
//     half-placed asset would look synced); it counts as Failed. A problem with an empty AssetID
//     concerns a rule, not one asset.
package assetsync
